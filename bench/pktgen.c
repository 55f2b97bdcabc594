/* pktgen — a small UDP packet generator for the benchmark (bench/run).
 *
 * Sends pre-built Ethernet/IPv4/UDP frames of a fixed size (64 bytes by
 * default) on an AF_PACKET socket with sendmmsg(), as fast as it can (or at
 * -r PPS), for -t seconds, and prints one JSON line with what it sent:
 *
 *   {"sent":N,"errors":E,"seconds":S,"pps":P,"frame_len":64,"flows":F}
 *
 * Standalone: libc and pthread only.
 *
 *   pktgen -i IFACE -d DST_MAC [-S SRC_MAC] [-t SECONDS] [-s FRAME_LEN]
 *          [--src-ip A] [--dst-ip B] [--dport N] [-f FLOWS] [-b BATCH]
 *          [-r PPS] [-c CPU] [--no-bypass]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define MAX_FLOWS 4096
#define MAX_FRAME 1514

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255)
            return -1;
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void build_frame(uint8_t *f, size_t len, const uint8_t dst[6], const uint8_t src[6],
                        struct in_addr sip, struct in_addr dip, uint16_t sport, uint16_t dport)
{
    memset(f, 0, len);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08; f[13] = 0x00;                       /* IPv4 */
    uint8_t *ip = f + 14;
    uint16_t ip_len = (uint16_t)(len - 14);
    ip[0] = 0x45;
    ip[2] = ip_len >> 8; ip[3] = ip_len & 0xff;
    ip[6] = 0x40;                                      /* DF */
    ip[8] = 64;                                        /* TTL */
    ip[9] = 17;                                        /* UDP */
    memcpy(ip + 12, &sip, 4);
    memcpy(ip + 16, &dip, 4);
    uint16_t c = ip_checksum(ip, 20);
    ip[10] = c >> 8; ip[11] = c & 0xff;
    uint8_t *udp = ip + 20;
    uint16_t udp_len = (uint16_t)(ip_len - 20);
    udp[0] = sport >> 8; udp[1] = sport & 0xff;
    udp[2] = dport >> 8; udp[3] = dport & 0xff;
    udp[4] = udp_len >> 8; udp[5] = udp_len & 0xff;
    /* UDP checksum 0: none (allowed for IPv4). Payload: a recognisable pattern. */
    for (size_t i = 42; i < len; i++)
        f[i] = (uint8_t)(0xa0 + (i & 0x0f));
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pktgen -i IFACE -d DST_MAC [-S SRC_MAC] [-t SECONDS] [-s FRAME_LEN]\n"
            "              [--src-ip A] [--dst-ip B] [--dport N] [-f FLOWS] [-b BATCH]\n"
            "              [-r PPS] [-c CPU] [--no-bypass]\n"
            "  -i IFACE      interface to send on (AF_PACKET)\n"
            "  -d MAC        destination MAC\n"
            "  -S MAC        source MAC (default: the interface's)\n"
            "  -t SECONDS    run time (default 10)\n"
            "  -s LEN        frame length without FCS, 60..1514 (default 64)\n"
            "  --src-ip/--dst-ip  IPv4 addresses (default 198.18.0.1 -> 198.18.0.2)\n"
            "  --dport N     UDP destination port (default 9, discard)\n"
            "  -f FLOWS      number of UDP source ports to cycle through (default 1)\n"
            "  -b BATCH      frames per sendmmsg (default 64, max %d)\n"
            "  -r PPS        rate limit (default: as fast as possible)\n"
            "  -c CPU        pin to this CPU\n"
            "  --no-bypass   go through the qdisc layer (default: PACKET_QDISC_BYPASS)\n",
            MAX_BATCH);
}

int main(int argc, char **argv)
{
    const char *ifname = NULL, *dst_s = NULL, *src_s = NULL;
    const char *sip_s = "198.18.0.1", *dip_s = "198.18.0.2";
    double seconds = 10, rate = 0;
    int frame_len = 64, flows = 1, batch = 64, cpu = -1, bypass = 1, dport = 9;

    enum { OPT_SIP = 256, OPT_DIP, OPT_DPORT, OPT_NOBYPASS };
    static const struct option longopts[] = {
        {"src-ip", required_argument, NULL, OPT_SIP},
        {"dst-ip", required_argument, NULL, OPT_DIP},
        {"dport", required_argument, NULL, OPT_DPORT},
        {"no-bypass", no_argument, NULL, OPT_NOBYPASS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "i:d:S:t:s:f:b:r:c:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'i': ifname = optarg; break;
        case 'd': dst_s = optarg; break;
        case 'S': src_s = optarg; break;
        case 't': seconds = atof(optarg); break;
        case 's': frame_len = atoi(optarg); break;
        case 'f': flows = atoi(optarg); break;
        case 'b': batch = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'c': cpu = atoi(optarg); break;
        case OPT_SIP: sip_s = optarg; break;
        case OPT_DIP: dip_s = optarg; break;
        case OPT_DPORT: dport = atoi(optarg); break;
        case OPT_NOBYPASS: bypass = 0; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!ifname || !dst_s || frame_len < 60 || frame_len > MAX_FRAME || flows < 1 ||
        flows > MAX_FLOWS || batch < 1 || batch > MAX_BATCH || seconds <= 0 ||
        dport < 0 || dport > 65535) {
        usage(stderr);
        return 2;
    }

    uint8_t dst[6], src[6];
    struct in_addr sip, dip;
    if (parse_mac(dst_s, dst) < 0 || inet_pton(AF_INET, sip_s, &sip) != 1 ||
        inet_pton(AF_INET, dip_s, &dip) != 1) {
        fprintf(stderr, "pktgen: bad MAC or IPv4 address\n");
        return 2;
    }

    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) < 0)
            fprintf(stderr, "pktgen: sched_setaffinity(%d): %s\n", cpu, strerror(errno));
    }

    /* Protocol 0: this socket only sends, it never receives. */
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("pktgen: socket(AF_PACKET)");
        return 1;
    }
    unsigned ifindex = if_nametoindex(ifname);
    if (!ifindex) {
        fprintf(stderr, "pktgen: no interface %s\n", ifname);
        return 1;
    }
    if (src_s) {
        if (parse_mac(src_s, src) < 0) {
            fprintf(stderr, "pktgen: bad source MAC\n");
            return 2;
        }
    } else {
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
        if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
            perror("pktgen: SIOCGIFHWADDR");
            return 1;
        }
        memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
    }
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = (int)ifindex;
    sll.sll_protocol = 0;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        perror("pktgen: bind");
        return 1;
    }
    if (bypass) {
        int one = 1;
        if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
            fprintf(stderr, "pktgen: PACKET_QDISC_BYPASS: %s (continuing)\n", strerror(errno));
    }
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

    /* Pre-built frames, one per flow; the batch cycles through them. */
    static uint8_t frames[MAX_FLOWS][MAX_FRAME];
    for (int i = 0; i < flows; i++)
        build_frame(frames[i], (size_t)frame_len, dst, src, sip, dip,
                    (uint16_t)(1024 + i), (uint16_t)dport);

    static struct mmsghdr msgs[MAX_BATCH];
    static struct iovec iov[MAX_BATCH];
    /* Batch slots get frames round-robin; with flows not dividing batch the
     * start index rotates each call so every flow is sent equally often. */
    int next_flow = 0;

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    uint64_t sent = 0, errors = 0;
    double start = now(), end = start + seconds, t = start;
    while (!stop && t < end) {
        int n = batch;
        if (rate > 0) {
            /* Pace: never get ahead of rate * elapsed. */
            double allowed = rate * (t - start) - (double)sent;
            if (allowed < 1) {
                double wait = (1 - allowed) / rate;
                struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
                nanosleep(&ts, NULL);
                t = now();
                continue;
            }
            if (allowed < n)
                n = (int)allowed;
        }
        for (int i = 0; i < n; i++) {
            iov[i].iov_base = frames[next_flow];
            iov[i].iov_len = (size_t)frame_len;
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            if (++next_flow == flows)
                next_flow = 0;
        }
        int r = sendmmsg(fd, msgs, (unsigned)n, 0);
        if (r < 0) {
            if (errno != EINTR)
                errors++;
            if (errno == ENOBUFS || errno == EAGAIN)
                sched_yield();
        } else {
            sent += (uint64_t)r;
            if (r < n)
                errors++;   /* the frame after the last sent one failed */
        }
        t = now();
    }
    double elapsed = now() - start;
    printf("{\"sent\":%llu,\"errors\":%llu,\"seconds\":%.6f,\"pps\":%.1f,"
           "\"frame_len\":%d,\"flows\":%d,\"batch\":%d,\"cpu\":%d}\n",
           (unsigned long long)sent, (unsigned long long)errors, elapsed,
           elapsed > 0 ? sent / elapsed : 0.0, frame_len, flows, batch, cpu);
    close(fd);
    return 0;
}
