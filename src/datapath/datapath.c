/* The worker thread: sleeps in epoll until a port has packets (idle costs
 * nothing), receives them in batches and switches them.  Snapshot changes
 * arrive through an eventfd and are acknowledged by generation number. */
#include "datapath/datapath.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

#define RX_BATCHES_PER_WAKEUP 4   /* fairness between busy ports */

struct datapath {
    pthread_t thread;
    int wake_fd;                          /* eventfd: new snapshot or stop */
    struct dp_config *config;             /* current snapshot (atomic pointer) */
    uint64_t published;                   /* generation of `config` */
    uint64_t acknowledged;                /* generation the worker is using */
    bool stopping;
    pthread_mutex_t ack_lock;
    pthread_cond_t ack_cond;
    struct worker *worker;
};

/* Rx queue numbers ride in the low bits of the (16-byte aligned) port pointer. */
#define RXQ_BITS_MASK 15u

struct worker {
    struct datapath *dp;
    struct dp_config *config;
    int epoll_fd;
    struct packet *batch[PACKET_BATCH_MAX];
    struct dp_worker_scratch *scratch;
};

/* The wake eventfd is registered with a NULL pointer; ports with their dp_port. */
static int worker_watch_config(struct worker *w, struct dp_config *config)
{
    if (w->epoll_fd >= 0)
        close(w->epoll_fd);
    w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (w->epoll_fd < 0)
        return -errno;
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->dp->wake_fd, &ev);
    for (size_t b = 0; config && b < config->n_bridges; b++) {
        struct dp_bridge *bridge = config->bridges[b];
        for (size_t p = 0; p < bridge->n_ports; p++) {
            struct dp_port *port = bridge->ports[p];
            if (!port->netdev)
                continue;
            for (unsigned q = 0; q < port->netdev->n_rxq && q <= RXQ_BITS_MASK; q++) {
                int fd = port->netdev->class->rxq_fd(port->netdev, q);
                if (fd < 0)
                    continue;
                ev.events = EPOLLIN;
                ev.data.u64 = (uint64_t)(uintptr_t)port | q;
                if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
                    log_warn("%s: cannot poll rx queue %u: %s", port->name, q, strerror(errno));
            }
        }
    }
    w->config = config;
    return 0;
}

static void worker_acknowledge(struct worker *w)
{
    struct datapath *dp = w->dp;
    pthread_mutex_lock(&dp->ack_lock);
    struct dp_config *config = __atomic_load_n(&dp->config, __ATOMIC_ACQUIRE);
    uint64_t generation = dp->published;
    pthread_mutex_unlock(&dp->ack_lock);
    if (config != w->config || !w->config)
        worker_watch_config(w, config);
    pthread_mutex_lock(&dp->ack_lock);
    dp->acknowledged = generation;
    pthread_cond_broadcast(&dp->ack_cond);
    pthread_mutex_unlock(&dp->ack_lock);
}

static void worker_poll_port(struct worker *w, struct dp_port *port, unsigned rxq)
{
    struct netdev *dev = port->netdev;
    for (int round = 0; round < RX_BATCHES_PER_WAKEUP; round++) {
        for (unsigned i = 0; i < PACKET_BATCH_MAX; i++)
            packet_reset(w->batch[i]);
        int n = dev->class->rxq_recv(dev, rxq, w->batch, PACKET_BATCH_MAX);
        if (n < 0 && n != -EAGAIN && n != -EINTR) {
            /* The device went away; the link monitor tells control, which
             * reopens or drops the port.  Until then stop polling this queue,
             * which may stay readable forever (a deleted tap does). */
            int fd = dev->class->rxq_fd(dev, rxq);
            if (fd >= 0)
                epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
            log_dbg("%s: rx queue %u: %s; no longer polled", port->name, rxq, strerror(-n));
            return;
        }
        if (n <= 0)
            return;
        uint64_t now_ms = clock_monotonic_ms();
        for (int i = 0; i < n; i++)
            dp_bridge_input(port, w->batch[i], now_ms, w->scratch, 0);
        if (n < PACKET_BATCH_MAX)
            return;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct datapath *dp = w->dp;
    struct epoll_event events[64];

    worker_acknowledge(w);
    while (!__atomic_load_n(&dp->stopping, __ATOMIC_ACQUIRE)) {
        int n = epoll_wait(w->epoll_fd, events, 64, -1);
        if (n < 0 && errno != EINTR) {
            log_err("datapath: epoll_wait: %s", strerror(errno));
            break;
        }
        bool reconfigure = false;
        for (int i = 0; i < n; i++) {
            if (!events[i].data.ptr) {
                reconfigure = true;
                continue;
            }
            uintptr_t tagged = (uintptr_t)events[i].data.u64;
            worker_poll_port(w, (struct dp_port *)(tagged & ~(uintptr_t)RXQ_BITS_MASK),
                             (unsigned)(tagged & RXQ_BITS_MASK));
        }
        if (reconfigure) {
            uint64_t value;
            if (read(dp->wake_fd, &value, sizeof value) < 0 && errno != EAGAIN)
                log_warn("datapath: wake read: %s", strerror(errno));
            worker_acknowledge(w);
        }
    }
    return NULL;
}

static void worker_free(struct worker *w)
{
    if (!w)
        return;
    for (unsigned i = 0; i < PACKET_BATCH_MAX; i++)
        packet_free(w->batch[i]);
    dp_worker_scratch_free(w->scratch);
    if (w->epoll_fd >= 0)
        close(w->epoll_fd);
    free(w);
}

int datapath_start(struct datapath **out)
{
    struct datapath *dp = calloc(1, sizeof *dp);
    struct worker *w = calloc(1, sizeof *w);
    if (!dp || !w)
        goto nomem;
    dp->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (dp->wake_fd < 0)
        goto nomem;
    pthread_mutex_init(&dp->ack_lock, NULL);
    pthread_cond_init(&dp->ack_cond, NULL);
    w->dp = dp;
    w->epoll_fd = -1;
    dp->worker = w;
    for (unsigned i = 0; i < PACKET_BATCH_MAX; i++) {
        w->batch[i] = packet_new();
        if (!w->batch[i])
            goto nomem;
    }
    w->scratch = dp_worker_scratch_new();
    if (!w->scratch)
        goto nomem;
    if (worker_watch_config(w, NULL) < 0 || pthread_create(&dp->thread, NULL, worker_main, w)) {
        log_err("datapath: cannot start worker thread");
        goto nomem;
    }
    *out = dp;
    return 0;
nomem:
    worker_free(w);
    if (dp && dp->wake_fd > 0)
        close(dp->wake_fd);
    free(dp);
    return -ENOMEM;
}

static void datapath_wake(struct datapath *dp)
{
    uint64_t one = 1;
    if (write(dp->wake_fd, &one, sizeof one) < 0)
        log_warn("datapath: wake: %s", strerror(errno));
}

struct dp_config *datapath_publish(struct datapath *dp, struct dp_config *config)
{
    pthread_mutex_lock(&dp->ack_lock);
    struct dp_config *old = dp->config;
    __atomic_store_n(&dp->config, config, __ATOMIC_RELEASE);
    uint64_t generation = ++dp->published;
    pthread_mutex_unlock(&dp->ack_lock);

    datapath_wake(dp);
    pthread_mutex_lock(&dp->ack_lock);
    while (dp->acknowledged < generation)
        pthread_cond_wait(&dp->ack_cond, &dp->ack_lock);
    pthread_mutex_unlock(&dp->ack_lock);
    return old;
}

void datapath_stop(struct datapath *dp)
{
    if (!dp)
        return;
    __atomic_store_n(&dp->stopping, true, __ATOMIC_RELEASE);
    datapath_wake(dp);
    void *ret;
    pthread_join(dp->thread, &ret);
    worker_free(dp->worker);
    close(dp->wake_fd);
    pthread_mutex_destroy(&dp->ack_lock);
    pthread_cond_destroy(&dp->ack_cond);
    free(dp);
}
