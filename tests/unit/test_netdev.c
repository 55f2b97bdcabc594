/* netdev classes against the real kernel, inside a private network
 * namespace: system (AF_PACKET on veth), tap, internal, patch. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "netdev/netdev.h"

/* Every test frame comes from this MAC prefix; anything else the kernel
 * sends on its own (IPv6 autoconf and the like) is skipped. */
static const uint8_t test_src[6] = { 0x02, 0x50, 0x4e, 0x00, 0x00, 0x01 };
static const uint8_t test_dst[6] = { 0x02, 0x50, 0x4e, 0x00, 0x00, 0x02 };
#define TEST_ETH_TYPE 0x88b5    /* IEEE local experimental */

static int sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return;
    if (write(fd, text, strlen(text)) < 0)
        perror(path);
    close(fd);
}

static bool is_test_frame(const uint8_t *frame, size_t len)
{
    return len >= 14 && !memcmp(frame + 6, test_src, 5);
}

/* Builds dst, src, optional tag (tpid != 0), ethertype, payload of `payload_len`. */
static size_t build_frame(uint8_t *buf, uint16_t tpid, uint16_t tci, uint16_t type,
                          size_t payload_len, uint8_t fill)
{
    size_t off = 0;
    memcpy(buf, test_dst, 6);
    memcpy(buf + 6, test_src, 6);
    off = 12;
    if (tpid) {
        buf[off++] = tpid >> 8;
        buf[off++] = tpid & 0xff;
        buf[off++] = tci >> 8;
        buf[off++] = tci & 0xff;
    }
    buf[off++] = type >> 8;
    buf[off++] = type & 0xff;
    for (size_t i = 0; i < payload_len; i++)
        buf[off + i] = (uint8_t)(fill + i);
    return off + payload_len;
}

/* Ethernet + IPv4 + TCP with `payload` bytes after the TCP header; returns length. */
static size_t build_tcp4(uint8_t *buf, uint16_t tci, size_t payload, uint16_t sport)
{
    size_t l2 = build_frame(buf, tci ? ETH_TYPE_VLAN : 0, tci, ETH_TYPE_IPV4, 0, 0);
    uint8_t *ip = buf + l2;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    uint16_t tot = htons((uint16_t)(40 + payload));
    memcpy(ip + 2, &tot, 2);
    ip[8] = 64;
    ip[9] = 6;
    uint8_t saddr[4] = { 10, 0, 0, 1 }, daddr[4] = { 10, 0, 0, 2 };
    memcpy(ip + 12, saddr, 4);
    memcpy(ip + 16, daddr, 4);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += (ip[i] << 8) | ip[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t csum = htons((uint16_t)~sum);
    memcpy(ip + 10, &csum, 2);
    uint8_t *tcp = ip + 20;
    uint16_t p = htons(sport);
    memcpy(tcp, &p, 2);
    p = htons(80);
    memcpy(tcp + 2, &p, 2);
    tcp[12] = 5 << 4;
    tcp[13] = 0x18;         /* PSH ACK */
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    for (size_t i = 0; i < payload; i++)
        tcp[20 + i] = (uint8_t)i;
    return l2 + 40 + payload;
}

/* A raw socket on `ifname` playing the far end of a link. */
static int raw_open(const char *ifname, bool vnet)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int one = 1;
    assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one), 0);
    assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one), 0);
    if (vnet)
        assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one), 0);
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = (int)if_nametoindex(ifname),
    };
    assert_true(sll.sll_ifindex > 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof sll), 0);
    return fd;
}

static void raw_send(int fd, const void *frame, size_t len, const struct virtio_net_hdr *vh)
{
    struct iovec iov[2];
    int n = 0;
    if (vh)
        iov[n++] = (struct iovec) { (void *)vh, sizeof *vh };
    iov[n++] = (struct iovec) { (void *)frame, len };
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };
    ssize_t r = sendmsg(fd, &msg, 0);
    if (r < 0)
        fprintf(stderr, "raw_send: %s\n", strerror(errno));
    assert_int_equal(r, (ssize_t)(len + (vh ? sizeof *vh : 0)));
}

/* Receives the next test frame within a second, its tag put back from
 * auxdata.  Returns its length, or -1 on timeout. */
static ssize_t raw_recv(int fd, uint8_t *buf, size_t cap, struct virtio_net_hdr *vh)
{
    for (int tries = 0; tries < 100; tries++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 1000) <= 0)
            return -1;
        struct virtio_net_hdr h;
        struct iovec iov[2];
        int n = 0;
        if (vh)
            iov[n++] = (struct iovec) { &h, sizeof h };
        iov[n++] = (struct iovec) { buf + 4, cap - 4 };
        union { char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))]; struct cmsghdr a; } cm;
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n,
                              .msg_control = cm.b, .msg_controllen = sizeof cm.b };
        ssize_t r = recvmsg(fd, &msg, 0);
        if (r < 0)
            continue;
        if (vh) {
            r -= sizeof h;
            *vh = h;
        }
        uint8_t *frame = buf + 4;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
            struct tpacket_auxdata aux;
            if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
                continue;
            memcpy(&aux, CMSG_DATA(c), sizeof aux);
            if (aux.tp_status & TP_STATUS_VLAN_VALID) {
                memmove(buf, frame, 12);
                frame = buf;
                uint16_t tpid = (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid
                                                                            : ETH_TYPE_VLAN;
                frame[12] = tpid >> 8;
                frame[13] = tpid & 0xff;
                frame[14] = aux.tp_vlan_tci >> 8;
                frame[15] = aux.tp_vlan_tci & 0xff;
                r += 4;
            }
        }
        if (!is_test_frame(frame, (size_t)r))
            continue;
        if (frame != buf)
            memmove(buf, frame, (size_t)r);
        return r;
    }
    return -1;
}

/* Receives the next test frame from `dev` queue `rxq` into *pkt within a second. */
static bool dev_recv(struct netdev *dev, unsigned rxq, struct packet *pkt)
{
    int fd = dev->class->rxq_fd(dev, rxq);
    assert_true(fd >= 0);
    for (int tries = 0; tries < 100; tries++) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        if (poll(&pfd, 1, 1000) <= 0)
            return false;
        packet_reset(pkt);
        struct packet *one[1] = { pkt };
        int n = dev->class->rxq_recv(dev, rxq, one, 1);
        fd = dev->class->rxq_fd(dev, rxq);     /* moved to a ring: poll the new fd */
        assert_true(n >= 0);
        if (n == 1 && is_test_frame(pkt->data, pkt->len))
            return true;
    }
    return false;
}

struct frame_case {
    uint16_t tpid, tci;     /* tpid 0: untagged */
    size_t len;             /* payload bytes */
};

/* Sends each case from raw socket b; each must arrive on dev's queue 0 as
 * sent, with no offload metadata.  Returns the bytes sent. */
static uint64_t expect_frames_arrive(struct netdev *dev, int b, const struct frame_case *cases,
                                     size_t n)
{
    static uint8_t frame[9100];
    struct packet *pkt = packet_new();
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = build_frame(frame, cases[i].tpid, cases[i].tci, TEST_ETH_TYPE,
                                 cases[i].len, (uint8_t)i);
        raw_send(b, frame, len, NULL);
        assert_true(dev_recv(dev, 0, pkt));
        assert_int_equal(pkt->len, len);
        assert_memory_equal(pkt->data, frame, len);
        assert_int_equal(pkt->offload.gso_type, VIRTIO_NET_HDR_GSO_NONE);
        bytes += len;
    }
    packet_free(pkt);
    return bytes;
}

static void veth_add(const char *a, const char *b)
{
    sh("ip link del %s 2>/dev/null", a);
    assert_int_equal(sh("ip link add %s type veth peer name %s", a, b), 0);
    assert_int_equal(sh("ip link set %s up", b), 0);
}

static bool link_is_up(const char *name)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, name);
    bool up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
    close(fd);
    return up;
}

static bool link_is_running(const char *name)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, name);
    bool running = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
    close(fd);
    return running;
}

/* The kernel activates a veth's queue from linkwatch, a moment after
 * carrier comes on; until then it drops what is sent.  Wait for both ends. */
static void wait_running(const char *a, const char *b)
{
    for (int i = 0; i < 200 && !(link_is_running(a) && link_is_running(b)); i++)
        usleep(10 * 1000);
    assert_true(link_is_running(a) && link_is_running(b));
    usleep(10 * 1000);
}

static void test_class_find(void **state)
{
    assert_string_equal(netdev_class_find("")->type, "system");
    assert_string_equal(netdev_class_find(NULL)->type, "system");
    assert_string_equal(netdev_class_find("system")->type, "system");
    assert_string_equal(netdev_class_find("tap")->type, "tap");
    assert_string_equal(netdev_class_find("internal")->type, "internal");
    assert_string_equal(netdev_class_find("patch")->type, "patch");
    assert_null(netdev_class_find("bogus"));
    struct netdev *dev = (struct netdev *)1;
    assert_true(netdev_open("x", "bogus", 1, &dev) < 0);
    assert_null(dev);
    assert_int_equal(netdev_open("a-name-much-too-long", "", 1, &dev), -EINVAL);
}

static void test_system_missing(void **state)
{
    struct netdev *dev = (struct netdev *)1;
    assert_int_equal(netdev_open("pnnope0", "system", 1, &dev), -ENODEV);
    assert_null(dev);
    assert_int_equal(netdev_ifindex_by_name("pnnope0"), -ENODEV);
    bool carrier = true;
    assert_true(netdev_get_carrier("pnnope0", &carrier) < 0);
    assert_false(carrier);
}

static void test_system_rx(void **state)
{
    veth_add("pnA0", "pnB0");
    struct netdev *dev;
    assert_int_equal(netdev_open("pnA0", "", 0, &dev), 0);
    wait_running("pnA0", "pnB0");
    assert_int_equal(dev->ifindex, (int)if_nametoindex("pnA0"));
    assert_int_equal(dev->n_rxq, 1);
    uint8_t zero[6] = { 0 };
    assert_memory_not_equal(dev->mac, zero, 6);
    bool carrier = false;
    assert_int_equal(netdev_get_carrier("pnA0", &carrier), 0);
    assert_true(carrier);   /* opened means brought up; the peer is up */

    int b = raw_open("pnB0", false);
    struct packet *pkt = packet_new();
    const struct frame_case cases[] = {
        { 0, 0, 46 },
        { ETH_TYPE_VLAN, (3 << 13) | 100, 100 },
        { ETH_TYPE_VLAN, 0, 46 },               /* priority tag: VID 0 */
        { ETH_TYPE_QINQ, 42, 200 },
        { 0, 0, 1500 },
    };
    uint64_t bytes = expect_frames_arrive(dev, b, cases, sizeof cases / sizeof cases[0]);
    struct netdev_stats st;
    dev->class->get_stats(dev, &st);
    assert_true(st.rx_packets >= 5);
    assert_true(st.rx_bytes >= bytes);
    assert_int_equal(st.rx_errors, 0);

    /* Nothing pending: 0, not an error. */
    packet_reset(pkt);
    struct packet *one[1] = { pkt };
    while (dev->class->rxq_recv(dev, 0, one, 1) > 0)
        packet_reset(pkt);
    assert_int_equal(dev->class->rxq_recv(dev, 0, one, 1), 0);

    packet_free(pkt);
    close(b);
    netdev_close(dev);
    sh("ip link del pnA0");
}

static void test_system_tx(void **state)
{
    veth_add("pnA1", "pnB1");
    struct netdev *dev;
    assert_int_equal(netdev_open("pnA1", "system", 1, &dev), 0);
    wait_running("pnA1", "pnB1");
    int b = raw_open("pnB1", false);

    struct packet *pkts[3];
    size_t lens[3];
    uint16_t tcis[3] = { 0, 200, 0 };
    size_t sizes[3] = { 46, 80, 1000 };
    for (int i = 0; i < 3; i++) {
        pkts[i] = packet_new();
        lens[i] = build_frame(pkts[i]->data, tcis[i] ? ETH_TYPE_VLAN : 0, tcis[i],
                              TEST_ETH_TYPE, sizes[i], (uint8_t)(10 * i));
        pkts[i]->len = (uint32_t)lens[i];
    }
    assert_int_equal(dev->class->send(dev, 0, pkts, 3), 3);

    uint8_t buf[4096];
    for (int i = 0; i < 3; i++) {
        ssize_t n = raw_recv(b, buf, sizeof buf, NULL);
        assert_int_equal(n, (ssize_t)lens[i]);
        assert_memory_equal(buf, pkts[i]->data, lens[i]);
    }
    struct netdev_stats st;
    dev->class->get_stats(dev, &st);
    assert_int_equal(st.tx_packets, 3);
    assert_int_equal(st.tx_bytes, lens[0] + lens[1] + lens[2]);
    assert_int_equal(st.tx_dropped + st.tx_errors, 0);

    /* The port sends on a socket of its own: its frames, already at the far
     * end, do not come back on its rx queue. */
    struct packet *back[4];
    for (int i = 0; i < 4; i++)
        back[i] = packet_new();
    assert_int_equal(dev->class->rxq_recv(dev, 0, back, 4), 0);
    for (int i = 0; i < 4; i++)
        packet_free(back[i]);

    /* A device that went down: nothing sent, the frame counted as dropped. */
    assert_int_equal(netdev_set_up("pnA1", false), 0);
    int r = dev->class->send(dev, 0, pkts, 1);
    assert_true(r == 0 || r == -ENETDOWN);
    dev->class->get_stats(dev, &st);
    assert_int_equal(st.tx_packets, 3);
    assert_int_equal(st.tx_dropped, 1);

    for (int i = 0; i < 3; i++)
        packet_free(pkts[i]);
    close(b);
    netdev_close(dev);
    sh("ip link del pnA1");
}

/* Partial checksums cross in both directions, untagged and tagged. */
static void test_system_offload(void **state)
{
    veth_add("pnA2", "pnB2");
    struct netdev *dev;
    assert_int_equal(netdev_open("pnA2", "system", 1, &dev), 0);
    wait_running("pnA2", "pnB2");
    int b = raw_open("pnB2", true);
    struct packet *pkt = packet_new();
    uint8_t frame[2048], buf[2048];

    for (int tagged = 0; tagged < 2; tagged++) {
        uint16_t l2 = tagged ? 18 : 14;
        size_t len = build_tcp4(frame, tagged ? 300 : 0, 100, 1000);
        struct virtio_net_hdr vh = {
            .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
            .gso_type = VIRTIO_NET_HDR_GSO_NONE,
            .csum_start = l2 + 20,
            .csum_offset = 16,
        };
        raw_send(b, frame, len, &vh);
        assert_true(dev_recv(dev, 0, pkt));
        assert_int_equal(pkt->len, len);
        assert_memory_equal(pkt->data, frame, len);
        assert_true(pkt->offload.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
        assert_int_equal(pkt->offload.csum_start, l2 + 20);
        assert_int_equal(pkt->offload.csum_offset, 16);

        /* And back: the header we build from pkt->offload reaches the peer. */
        struct packet *one[1] = { pkt };
        assert_int_equal(dev->class->send(dev, 0, one, 1), 1);
        struct virtio_net_hdr got;
        ssize_t n = raw_recv(b, buf, sizeof buf, &got);
        assert_int_equal(n, (ssize_t)len);
        assert_memory_equal(buf, frame, len);
        assert_true(got.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
        assert_int_equal(got.csum_start, 14 + 20);   /* the peer's tag is in auxdata */
        assert_int_equal(got.csum_offset, 16);
    }
    packet_free(pkt);
    close(b);
    netdev_close(dev);
    sh("ip link del pnA2");
}

/* A 30 KB TCP segment received on one veth leaves another as one GSO frame. */
static void test_system_gso_forward(void **state)
{
    veth_add("pnA3", "pnB3");
    veth_add("pnC3", "pnD3");
    struct netdev *in, *out;
    assert_int_equal(netdev_open("pnA3", "system", 1, &in), 0);
    assert_int_equal(netdev_open("pnC3", "system", 1, &out), 0);
    wait_running("pnA3", "pnB3");
    wait_running("pnC3", "pnD3");
    int b = raw_open("pnB3", true);
    int d = raw_open("pnD3", true);

    static uint8_t frame[40000], buf[70000];
    size_t len = build_tcp4(frame, 0, 30000, 2000);
    struct virtio_net_hdr vh = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .hdr_len = 14 + 20 + 20,
        .gso_size = 1448,
        .csum_start = 14 + 20,
        .csum_offset = 16,
    };
    raw_send(b, frame, len, &vh);

    struct packet *pkt = packet_new();
    assert_true(dev_recv(in, 0, pkt));
    assert_int_equal(pkt->len, len);
    assert_int_equal(pkt->offload.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(pkt->offload.gso_size, 1448);
    assert_memory_equal(pkt->data, frame, len);

    struct packet *one[1] = { pkt };
    assert_int_equal(out->class->send(out, 0, one, 1), 1);
    struct virtio_net_hdr got;
    ssize_t n = raw_recv(d, buf, sizeof buf, &got);
    assert_int_equal(n, (ssize_t)len);
    assert_int_equal(got.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(got.gso_size, 1448);
    assert_memory_equal(buf, frame, len);

    packet_free(pkt);
    close(b);
    close(d);
    netdev_close(in);
    netdev_close(out);
    sh("ip link del pnA3");
    sh("ip link del pnC3");
}

/* Two rx queues in one hash fanout group: every frame arrives exactly once. */
static void test_system_multiqueue(void **state)
{
    veth_add("pnA4", "pnB4");
    struct netdev *dev;
    assert_int_equal(netdev_open("pnA4", "system", 2, &dev), 0);
    wait_running("pnA4", "pnB4");
    assert_int_equal(dev->n_rxq, 2);
    int fd0 = dev->class->rxq_fd(dev, 0), fd1 = dev->class->rxq_fd(dev, 1);
    assert_true(fd0 >= 0 && fd1 >= 0 && fd0 != fd1);
    assert_int_equal(dev->class->rxq_fd(dev, 2), -1);

    int b = raw_open("pnB4", false);
    uint8_t frame[256];
    enum { N_FLOWS = 32 };
    for (int i = 0; i < N_FLOWS; i++) {
        size_t len = build_tcp4(frame, 0, 10, (uint16_t)(1000 + i * 7));
        raw_send(b, frame, len, NULL);
    }
    usleep(100 * 1000);

    unsigned per_queue[2] = { 0, 0 };
    struct packet *batch[PACKET_BATCH_MAX];
    for (int i = 0; i < PACKET_BATCH_MAX; i++)
        batch[i] = packet_new();
    for (unsigned q = 0; q < 2; q++) {
        int n;
        do {
            for (int i = 0; i < PACKET_BATCH_MAX; i++)
                packet_reset(batch[i]);
            n = dev->class->rxq_recv(dev, q, batch, PACKET_BATCH_MAX);
            assert_true(n >= 0);
            for (int i = 0; i < n; i++)
                if (is_test_frame(batch[i]->data, batch[i]->len))
                    per_queue[q]++;
        } while (n > 0);
    }
    assert_int_equal(per_queue[0] + per_queue[1], N_FLOWS);
    assert_true(per_queue[0] > 0 && per_queue[1] > 0);

    for (int i = 0; i < PACKET_BATCH_MAX; i++)
        packet_free(batch[i]);
    close(b);
    netdev_close(dev);
    sh("ip link del pnA4");
}

static void test_carrier_and_updown(void **state)
{
    veth_add("pnA5", "pnB5");
    bool carrier = true;
    assert_int_equal(netdev_get_carrier("pnA5", &carrier), 0);
    assert_false(carrier);      /* down */
    assert_int_equal(netdev_set_up("pnA5", true), 0);
    assert_true(link_is_up("pnA5"));
    assert_int_equal(netdev_get_carrier("pnA5", &carrier), 0);
    assert_true(carrier);
    assert_int_equal(sh("ip link set pnB5 down"), 0);
    assert_int_equal(netdev_get_carrier("pnA5", &carrier), 0);
    assert_false(carrier);      /* the peer went down */
    assert_int_equal(netdev_set_up("pnA5", false), 0);
    assert_false(link_is_up("pnA5"));
    uint8_t mac[6];
    assert_int_equal(netdev_get_mac("pnA5", mac), 0);
    assert_int_equal(netdev_get_mac("pnnope0", mac), -ENODEV);
    assert_int_equal(netdev_set_up("pnnope0", true), -ENODEV);
    sh("ip link del pnA5");
}

/* The device deleted under an open netdev: errors, never a crash or a hang. */
static void test_device_gone(void **state)
{
    veth_add("pnA6", "pnB6");
    struct netdev *sys, *tap;
    assert_int_equal(netdev_open("pnA6", "system", 1, &sys), 0);
    assert_int_equal(netdev_open("pntap6", "tap", 1, &tap), 0);
    assert_int_equal(sh("ip link del pnA6"), 0);
    assert_int_equal(sh("ip link del pntap6"), 0);

    struct packet *pkt = packet_new();
    struct packet *one[1] = { pkt };
    struct netdev *devs[2] = { sys, tap };
    for (int i = 0; i < 2; i++) {
        struct netdev *dev = devs[i];
        /* At most one error report, then quiet: the poll loop must not spin. */
        packet_reset(pkt);
        int r = dev->class->rxq_recv(dev, 0, one, 1);
        assert_true(r <= 0);
        if (i == 0) {
            packet_reset(pkt);
            assert_int_equal(dev->class->rxq_recv(dev, 0, one, 1), 0);
            struct pollfd pfd = { .fd = dev->class->rxq_fd(dev, 0), .events = POLLIN };
            assert_int_equal(poll(&pfd, 1, 0), 0);
        }
        packet_reset(pkt);
        pkt->len = (uint32_t)build_frame(pkt->data, 0, 0, TEST_ETH_TYPE, 46, 0);
        assert_true(dev->class->send(dev, 0, one, 1) <= 0);
        struct netdev_stats st;
        dev->class->get_stats(dev, &st);
        assert_int_equal(st.tx_packets, 0);
        assert_int_equal(st.tx_dropped + st.tx_errors, 1);
    }
    packet_free(pkt);
    netdev_close(sys);
    netdev_close(tap);
}

static void test_tap(void **state)
{
    assert_int_equal(if_nametoindex("pntap0"), 0);
    struct netdev *dev;
    assert_int_equal(netdev_open("pntap0", "tap", 1, &dev), 0);
    assert_int_equal(dev->ifindex, (int)if_nametoindex("pntap0"));
    assert_true(dev->ifindex > 0);
    assert_false(link_is_up("pntap0"));     /* the user or peer brings it up */
    assert_int_equal(netdev_set_up("pntap0", true), 0);
    int k = raw_open("pntap0", true);
    struct packet *pkt = packet_new();
    uint8_t frame[2048], buf[2048];

    /* netdev -> kernel, plain and tagged. */
    for (int tagged = 0; tagged < 2; tagged++) {
        packet_reset(pkt);
        pkt->len = (uint32_t)build_frame(pkt->data, tagged ? ETH_TYPE_VLAN : 0, 77,
                                         TEST_ETH_TYPE, 60, 5);
        struct packet *one[1] = { pkt };
        assert_int_equal(dev->class->send(dev, 0, one, 1), 1);
        struct virtio_net_hdr vh;
        ssize_t n = raw_recv(k, buf, sizeof buf, &vh);
        assert_int_equal(n, (ssize_t)pkt->len);
        assert_memory_equal(buf, pkt->data, pkt->len);
    }

    /* kernel -> netdev, plain, tagged, and with a partial checksum. */
    for (int i = 0; i < 3; i++) {
        struct virtio_net_hdr vh = { 0 };
        size_t len;
        if (i < 2) {
            len = build_frame(frame, i ? ETH_TYPE_VLAN : 0, 88, TEST_ETH_TYPE, 70, 9);
        } else {
            len = build_tcp4(frame, 0, 100, 3000);
            vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
            vh.csum_start = 34;
            vh.csum_offset = 16;
        }
        raw_send(k, frame, len, &vh);
        assert_true(dev_recv(dev, 0, pkt));
        assert_int_equal(pkt->len, len);
        assert_memory_equal(pkt->data, frame, len);
        if (i == 2) {
            assert_true(pkt->offload.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
            assert_int_equal(pkt->offload.csum_start, 34);
            assert_int_equal(pkt->offload.csum_offset, 16);
        }
    }
    /* A 30 KB TCP segment crosses whole both ways, as a guest's would. */
    static uint8_t big[40000], bigbuf[70000];
    size_t big_len = build_tcp4(big, 0, 30000, 4000);
    struct virtio_net_hdr gso = {
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .hdr_len = 54,
        .gso_size = 1448,
        .csum_start = 34,
        .csum_offset = 16,
    };
    raw_send(k, big, big_len, &gso);
    assert_true(dev_recv(dev, 0, pkt));
    assert_int_equal(pkt->len, big_len);
    assert_memory_equal(pkt->data, big, big_len);
    assert_int_equal(pkt->offload.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(pkt->offload.gso_size, 1448);
    struct packet *one[1] = { pkt };
    assert_int_equal(dev->class->send(dev, 0, one, 1), 1);
    struct virtio_net_hdr got;
    assert_int_equal(raw_recv(k, bigbuf, sizeof bigbuf, &got), (ssize_t)big_len);
    assert_memory_equal(bigbuf, big, big_len);
    assert_int_equal(got.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
    assert_int_equal(got.gso_size, 1448);

    struct netdev_stats st;
    dev->class->get_stats(dev, &st);
    assert_int_equal(st.tx_packets, 3);
    assert_true(st.rx_packets >= 4);

    close(k);
    packet_free(pkt);
    netdev_close(dev);
    assert_int_equal(if_nametoindex("pntap0"), 0);   /* we made it, so it is gone */
}

static void test_tap_existing(void **state)
{
    assert_int_equal(sh("ip tuntap add dev pntap1 mode tap"), 0);
    struct netdev *dev;
    assert_int_equal(netdev_open("pntap1", "tap", 1, &dev), 0);
    netdev_close(dev);
    assert_true(if_nametoindex("pntap1") > 0);      /* persistent, not ours */

    /* Held by another process (here: another fd): busy. */
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "pntap1");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    assert_int_equal(ioctl(fd, TUNSETIFF, &ifr), 0);
    dev = (struct netdev *)1;
    assert_int_equal(netdev_open("pntap1", "tap", 1, &dev), -EBUSY);
    assert_null(dev);
    close(fd);
    sh("ip tuntap del dev pntap1 mode tap");
}

static void test_tap_multiqueue(void **state)
{
    struct netdev *dev;
    assert_int_equal(netdev_open("pntap2", "tap", 4, &dev), 0);
    assert_int_equal(dev->n_rxq, 4);
    for (unsigned q = 0; q < 4; q++) {
        int fd = dev->class->rxq_fd(dev, q);
        assert_true(fd >= 0);
        for (unsigned r = 0; r < q; r++)
            assert_int_not_equal(fd, dev->class->rxq_fd(dev, r));
    }
    assert_int_equal(dev->class->rxq_fd(dev, 4), -1);
    netdev_close(dev);
    assert_int_equal(if_nametoindex("pntap2"), 0);
}

/* Attaches one queue of the multi-queue tap `name` to a new fd; -1 on failure. */
static int tap_queue_fd(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE;
    if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* A multi-queue tap another process holds (QEMU's for a 2-queue guest) is
 * refused as a single-queue one is: our queues would sit beside its own. */
static void test_tap_multiqueue_held_elsewhere(void **state)
{
    assert_int_equal(sh("ip tuntap add dev pntap3 mode tap multi_queue"), 0);
    int ready[2], done[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(done), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(ready[0]);
        close(done[1]);
        bool ok = tap_queue_fd("pntap3") >= 0 && tap_queue_fd("pntap3") >= 0;
        char c = ok ? 'y' : 'n';
        if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
            _exit(2);
        _exit(ok ? 0 : 1);
    }
    close(ready[1]);
    close(done[0]);
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');

    struct netdev *dev = (struct netdev *)1;
    assert_int_equal(netdev_open("pntap3", "tap", 2, &dev), -EBUSY);
    assert_null(dev);
    assert_int_equal(netdev_open("pntap3", "tap", 1, &dev), -EBUSY);

    close(done[1]);             /* the other process lets go */
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(ready[0]);
    assert_int_equal(netdev_open("pntap3", "tap", 2, &dev), 0);
    netdev_close(dev);
    assert_true(if_nametoindex("pntap3") > 0);      /* persistent, not ours */
    sh("ip tuntap del dev pntap3 mode tap multi_queue");
}

static bool tap_is_persistent(const struct netdev *dev)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    assert_int_equal(ioctl(dev->class->rxq_fd(dev, 0), TUNGETIFF, &ifr), 0);
    return ifr.ifr_flags & IFF_PERSIST;
}

/* options:n_rxq changed: the port opens again while its old queues still
 * hold the tap we made; the device stays the same one, and persistent. */
static void test_tap_reopened_with_other_queues(void **state)
{
    struct netdev *one, *two, *three;
    assert_int_equal(netdev_open("pntap4", "tap", 1, &one), 0);
    int ifindex = one->ifindex;
    assert_int_equal(netdev_open("pntap4", "tap", 2, &two), 0);
    assert_int_equal(two->n_rxq, 2);
    netdev_close(one);
    assert_int_equal((int)if_nametoindex("pntap4"), ifindex);
    assert_true(tap_is_persistent(two));

    assert_int_equal(netdev_open("pntap4", "tap", 3, &three), 0);
    netdev_close(two);
    assert_int_equal((int)if_nametoindex("pntap4"), ifindex);
    assert_true(tap_is_persistent(three));
    netdev_close(three);
    assert_int_equal(if_nametoindex("pntap4"), 0);  /* the last close removes it */
}

static void test_internal(void **state)
{
    struct netdev *dev;
    assert_int_equal(netdev_open("pnint0", "internal", 1, &dev), 0);
    assert_true(if_nametoindex("pnint0") > 0);
    uint8_t zero[6] = { 0 };
    assert_memory_not_equal(dev->mac, zero, 6);
    netdev_close(dev);
    assert_int_equal(if_nametoindex("pnint0"), 0);

    veth_add("pnint1", "pnint2");
    dev = (struct netdev *)1;
    assert_int_equal(netdev_open("pnint1", "internal", 1, &dev), -EEXIST);
    assert_null(dev);
    assert_true(if_nametoindex("pnint1") > 0);      /* untouched */
    sh("ip link del pnint1");

    assert_int_equal(sh("ip tuntap add dev pnint3 mode tap"), 0);
    assert_int_equal(netdev_open("pnint3", "internal", 1, &dev), -EEXIST);
    sh("ip tuntap del dev pnint3 mode tap");
}

static void test_patch(void **state)
{
    struct netdev *dev;
    assert_int_equal(netdev_open("patch-br0", "patch", 1, &dev), 0);
    assert_int_equal(dev->ifindex, 0);
    assert_int_equal(dev->class->rxq_fd(dev, 0), -1);
    struct packet *pkt = packet_new();
    struct packet *one[1] = { pkt };
    assert_int_equal(dev->class->rxq_recv(dev, 0, one, 1), 0);
    pkt->len = 60;
    assert_int_equal(dev->class->send(dev, 0, one, 1), -EOPNOTSUPP);
    struct netdev_stats st;
    dev->class->get_stats(dev, &st);
    assert_int_equal(st.rx_packets + st.tx_packets, 0);
    packet_free(pkt);
    netdev_close(dev);
}

/* A reconfiguration opens a port's new sockets before it closes the old
 * ones, with another number of queues: each open gets fanout groups of its
 * own, and frames reach the one left open. */
static void test_system_reopen_while_open(void **state)
{
    veth_add("pnA8", "pnB8");
    struct netdev *one, *four, *again;
    assert_int_equal(netdev_open("pnA8", "", 1, &one), 0);
    assert_int_equal(netdev_open("pnA8", "", 4, &four), 0);
    assert_int_equal(netdev_rx_rings(four), 4);
    netdev_close(one);
    assert_int_equal(netdev_open("pnA8", "", 1, &again), 0);
    netdev_close(four);
    wait_running("pnA8", "pnB8");

    int b = raw_open("pnB8", false);
    uint8_t frame[128];
    size_t len = build_frame(frame, 0, 0, TEST_ETH_TYPE, 46, 8);
    raw_send(b, frame, len, NULL);
    struct packet *pkt = packet_new();
    assert_true(dev_recv(again, 0, pkt));
    assert_memory_equal(pkt->data, frame, len);
    packet_free(pkt);
    close(b);
    netdev_close(again);
    sh("ip link del pnA8");
}

/* A queue with a backlog switches to a receive ring: every frame arrives once
 * and in order across the switch, and afterwards tags, priority tags, QinQ,
 * MTU-sized frames and frames larger than a ring slot still arrive whole. */
static void test_system_ring(void **state)
{
    veth_add("pnA9", "pnB9");
    assert_int_equal(sh("ip link set pnA9 mtu 9000 && ip link set pnB9 mtu 9000"), 0);
    struct netdev *dev;
    assert_int_equal(netdev_open("pnA9", "", 1, &dev), 0);
    wait_running("pnA9", "pnB9");
    assert_int_equal(netdev_rx_rings(dev), 0);
    int first_fd = dev->class->rxq_fd(dev, 0);
    int b = raw_open("pnB9", false);
    uint8_t frame[9100];

    /* Bursts of 200 numbered frames, each queued up before it is read, until
     * the queue has moved to its ring, and one burst more: every frame
     * arrives once and in order, across the move too.  A helper thread opens
     * the ring (20-35 bursts here, more on a busy machine): bursts go on for
     * up to 10 s of it. */
    enum { BURST = 200 };
    struct timespec now, deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += 10;
    struct packet *batch[PACKET_BATCH_MAX];
    for (unsigned i = 0; i < PACKET_BATCH_MAX; i++)
        batch[i] = packet_new();
    unsigned sent = 0, next = 0, bursts_after = 0;
    while (bursts_after < 2 && clock_gettime(CLOCK_MONOTONIC, &now) == 0
           && (now.tv_sec < deadline.tv_sec
               || (now.tv_sec == deadline.tv_sec && now.tv_nsec < deadline.tv_nsec))) {
        if (dev->class->rxq_fd(dev, 0) != first_fd)
            bursts_after++;

        for (unsigned i = 0; i < BURST; i++, sent++) {
            size_t len = build_frame(frame, 0, 0, TEST_ETH_TYPE, 46, 0);
            frame[14] = (uint8_t)(sent >> 8);
            frame[15] = (uint8_t)sent;
            raw_send(b, frame, len, NULL);
        }
        for (int tries = 0; next < sent && tries < 1000; tries++) {
            for (unsigned i = 0; i < PACKET_BATCH_MAX; i++)
                packet_reset(batch[i]);
            int n = dev->class->rxq_recv(dev, 0, batch, PACKET_BATCH_MAX);
            assert_true(n >= 0);
            for (int i = 0; i < n; i++) {
                if (!is_test_frame(batch[i]->data, batch[i]->len))
                    continue;
                assert_int_equal((batch[i]->data[14] << 8) | batch[i]->data[15],
                                 next & 0xffff);
                next++;
            }
            if (n == 0)
                usleep(1000);
        }

        assert_int_equal(next, sent);
    }
    assert_int_equal(bursts_after, 2);
    assert_int_equal(netdev_rx_rings(dev), 1);

    const struct frame_case cases[] = {
        { 0, 0, 46 },
        { ETH_TYPE_VLAN, (3 << 13) | 100, 100 },
        { ETH_TYPE_VLAN, 0, 46 },
        { ETH_TYPE_QINQ, 42, 200 },
        { 0, 0, 1500 },
        { ETH_TYPE_VLAN, 7, 1500 },
        { 0, 0, 5000 },                         /* larger than a 2048-byte slot */
        { ETH_TYPE_VLAN, 8, 8000 },
        { 0, 0, 46 },                           /* and the ring goes on after them */
    };
    expect_frames_arrive(dev, b, cases, sizeof cases / sizeof cases[0]);
    struct netdev_stats st;
    dev->class->get_stats(dev, &st);
    assert_int_equal(st.rx_errors, 0);
    assert_int_equal(st.rx_dropped, 0);

    for (unsigned i = 0; i < PACKET_BATCH_MAX; i++)
        packet_free(batch[i]);
    close(b);
    netdev_close(dev);
    sh("ip link del pnA9");
}

/* The socket inodes this process holds, as one sorted text. */
static void socket_inodes(char *out, size_t size)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ls -l /proc/%d/fd 2>/dev/null | grep -o 'socket:.*' | sort",
             (int)getpid());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    pclose(p);
}

/* The link queries keep their sockets between calls (two per thread, the
 * same ones throughout) and their answers stay in step after failures (a
 * missing device, a name too long). */
static void test_link_queries_reuse_sockets(void **state)
{
    (void)state;
    struct netdev_link link;
    struct netdev_ethtool eth;
    char before[4096], kept[4096], after[4096];
    socket_inodes(before, sizeof before);
    assert_int_equal(netdev_get_link("lo", &link), 0);
    netdev_get_ethtool("lo", &eth);
    socket_inodes(kept, sizeof kept);
    assert_string_not_equal(kept, before);    /* kept open for the next query */
    for (int i = 0; i < 200; i++) {
        assert_int_equal(netdev_get_link("pt-no-such-dev", &link), -ENODEV);
        assert_int_equal(link.ifindex, 0);
        assert_int_equal(netdev_get_link("a-name-far-too-long-for-linux", &link), -EINVAL);
        assert_int_equal(netdev_get_link("lo", &link), 0);
        assert_int_equal(link.ifindex, (int)if_nametoindex("lo"));
        assert_true(netdev_get_ethtool("pt-no-such-dev", &eth) < 0);
    }
    socket_inodes(after, sizeof after);
    assert_string_equal(after, kept);         /* the same sockets, none added */
}

int main(void)
{
    /* Everything happens in a private namespace that vanishes with us. */
    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "test_netdev: unshare(CLONE_NEWNET): %s; needs root\n", strerror(errno));
        return 1;
    }
    /* Keep the kernel's own IPv6 chatter off the test links. */
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    sh("ip link set lo up");

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_find),
        cmocka_unit_test(test_link_queries_reuse_sockets),
        cmocka_unit_test(test_system_missing),
        cmocka_unit_test(test_system_rx),
        cmocka_unit_test(test_system_tx),
        cmocka_unit_test(test_system_offload),
        cmocka_unit_test(test_system_gso_forward),
        cmocka_unit_test(test_system_multiqueue),
        cmocka_unit_test(test_system_ring),
        cmocka_unit_test(test_system_reopen_while_open),
        cmocka_unit_test(test_carrier_and_updown),
        cmocka_unit_test(test_tap),
        cmocka_unit_test(test_device_gone),
        cmocka_unit_test(test_tap_existing),
        cmocka_unit_test(test_tap_multiqueue),
        cmocka_unit_test(test_tap_multiqueue_held_elsewhere),
        cmocka_unit_test(test_tap_reopened_with_other_queues),
        cmocka_unit_test(test_internal),
        cmocka_unit_test(test_patch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
