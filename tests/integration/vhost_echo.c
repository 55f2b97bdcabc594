/* A stand-in switch for vhost-user interop tests: opens one vhost-user port
 * and echoes every frame the guest sends back to it (--gen: also sends
 * frames of its own), then prints its counters.
 *
 *   vhost_echo --server DIR NAME | --client PATH  [--gen] [--seconds N] [--queues N]
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netdev/netdev.h"
#include "netdev/netdev_vhostuser.h"
#include "util/log.h"

extern const struct netdev_class netdev_vhostuser_class;
extern const struct netdev_class netdev_vhostuserclient_class;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    stop = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *name = "vhu0";
    const struct netdev_class *class = NULL;
    bool gen = false;
    double seconds = 10;
    unsigned queues = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--server") && i + 2 < argc) {
            netdev_vhostuser_set_run_dir(argv[++i]);
            name = argv[++i];
            class = &netdev_vhostuser_class;
        } else if (!strcmp(argv[i], "--client") && i + 1 < argc) {
            netdev_vhostuser_set_server_path(name, argv[++i]);
            class = &netdev_vhostuserclient_class;
        } else if (!strcmp(argv[i], "--gen")) {
            gen = true;
        } else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--queues") && i + 1 < argc) {
            queues = (unsigned)atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: vhost_echo --server DIR NAME | --client PATH "
                            "[--gen] [--seconds N] [--queues N]\n");
            return 2;
        }
    }
    if (!class)
        return 2;
    log_init("vhost_echo", getenv("VHOST_ECHO_DEBUG") ? LOG_LEVEL_DBG : LOG_LEVEL_INFO, 0);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    struct netdev *dev = calloc(1, sizeof *dev);
    snprintf(dev->name, sizeof dev->name, "%s", name);
    dev->class = class;
    dev->n_rxq = queues;
    int err = class->open(dev);
    if (err) {
        fprintf(stderr, "open: %s\n", strerror(-err));
        free(dev);
        return 1;
    }
    struct packet *batch[PACKET_BATCH_MAX];
    for (int i = 0; i < PACKET_BATCH_MAX; i++)
        batch[i] = packet_new();

    uint64_t echoed = 0, generated = 0;
    double end = now() + seconds;
    while (!stop && now() < end) {
        struct pollfd pfd[16];
        unsigned n = 0, which[16];
        for (unsigned q = 0; q < dev->n_rxq && n < 16; q++) {
            int fd = class->rxq_fd(dev, q);
            if (fd >= 0) {
                pfd[n] = (struct pollfd) { fd, POLLIN, 0 };
                which[n++] = q;
            }
        }
        /* No change hook here: look again every 10 ms (1 ms while generating). */
        poll(pfd, n, gen ? 1 : 10);
        for (unsigned i = 0; i < n; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            for (int i2 = 0; i2 < PACKET_BATCH_MAX; i2++)
                packet_reset(batch[i2]);
            int got = class->rxq_recv(dev, which[i], batch, PACKET_BATCH_MAX);
            if (got > 0) {
                int sent = class->send(dev, which[i], batch, (unsigned)got);
                if (sent > 0)
                    echoed += (uint64_t)sent;
            }
        }
        if (gen) {
            for (int i = 0; i < PACKET_BATCH_MAX; i++) {
                struct packet *p = batch[i];
                packet_reset(p);
                memset(p->data, 0xff, 6);
                memcpy(p->data + 6, "\x02\x00\x00\x00\x00\x01", 6);
                p->data[12] = 0x88;
                p->data[13] = 0xb5;
                memset(p->data + 14, 0x5a, 46);
                p->len = 60;
            }
            int sent = class->send(dev, 0, batch, PACKET_BATCH_MAX);
            if (sent > 0)
                generated += (uint64_t)sent;
        }
    }
    struct netdev_stats st;
    class->get_stats(dev, &st);
    printf("rx_packets=%llu rx_bytes=%llu rx_errors=%llu tx_packets=%llu tx_dropped=%llu "
           "echoed=%llu generated=%llu\n",
           (unsigned long long)st.rx_packets, (unsigned long long)st.rx_bytes,
           (unsigned long long)st.rx_errors, (unsigned long long)st.tx_packets,
           (unsigned long long)st.tx_dropped, (unsigned long long)echoed,
           (unsigned long long)generated);
    fflush(stdout);
    class->close(dev);
    free(dev);
    for (int i = 0; i < PACKET_BATCH_MAX; i++)
        packet_free(batch[i]);
    return 0;
}
