/* AF_PACKET socket primitives: see afpacket_socket.h. */
#include "netdev/afpacket_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev/vnet_hdr.h"

#define SOCKET_BUFFER (4 * 1024 * 1024)

#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000   /* Linux 6.8; older headers lack it */
#endif

int afpacket_push_tag(struct packet *pkt, uint32_t status, uint16_t tci, uint16_t tpid)
{
    if (!(status & TP_STATUS_VLAN_VALID))
        return 0;
    int err = packet_push_vlan(pkt, tci);
    if (err)
        return err;
    if ((status & TP_STATUS_VLAN_TPID_VALID) && tpid != ETH_TYPE_VLAN) {
        uint16_t wire = htons(tpid);   /* e.g. 802.1ad */
        memcpy(pkt->data + 2 * ETH_ADDR_LEN, &wire, sizeof wire);
    }
    return 0;
}

/* The tag the kernel moved into a recvmsg's PACKET_AUXDATA. */
static int restore_vlan(struct packet *pkt, const struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
        if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA
            || c->cmsg_len < CMSG_LEN(sizeof(struct tpacket_auxdata)))
            continue;
        struct tpacket_auxdata aux;
        memcpy(&aux, CMSG_DATA(c), sizeof aux);
        return afpacket_push_tag(pkt, aux.tp_status, aux.tp_vlan_tci, aux.tp_vlan_tpid);
    }
    return 0;
}

static void set_buffer(int fd, int force_opt, int opt)
{
    int size = SOCKET_BUFFER;
    /* FORCE needs CAP_NET_ADMIN; otherwise take what rmem_max/wmem_max allow. */
    if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof size) < 0)
        (void)setsockopt(fd, SOL_SOCKET, opt, &size, sizeof size);
}

/* Joins the fanout group; without the flag that keeps our own transmissions
 * out of it when the kernel is older than 6.8 (receive drops them anyway). */
static int join_fanout(int fd, int fanout)
{
    int arg = fanout | PACKET_FANOUT_FLAG_IGNORE_OUTGOING << 16;
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
        return 0;
    if (errno != EINVAL)
        return -errno;
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof fanout) < 0 ? -errno : 0;
}

/* Opens one rx queue's socket: with a receive ring if `ring` is given, in
 * the fanout group `fanout` unless it is 0.  Returns the fd or a negative errno. */
int afpacket_set_filter(int fd, int filter_fd)
{
    if (filter_fd >= 0)
        return setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &filter_fd, sizeof filter_fd) < 0
                   ? -errno : 0;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &one, sizeof one) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

int afpacket_socket_open(int ifindex, int fanout, struct packet_ring *ring, int filter_fd)
{
    /* Protocol 0 until bind(): nothing is queued before the options are set. */
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;

    int one = 1, err;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0)
        goto fail_errno;
    /* Not fatal: receive also drops PACKET_OUTGOING frames by their address. */
    (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
    if (ring && (err = packet_ring_attach(ring, fd)) != 0)
        goto fail;
    /* Until it has joined the group, a second socket of a port would
     * receive every frame the first one also gets: take none before. */
    struct sock_filter none[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
    struct sock_fprog drop_all = { .len = 1, .filter = none };
    if (fanout && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &drop_all, sizeof drop_all) < 0)
        goto fail_errno;

    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = ifindex,
    };
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0)
        goto fail_errno;

    /* A switch port sees every frame; the kernel drops the promiscuity
     * count again when the socket closes. */
    struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_PROMISC };
    if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0)
        goto fail_errno;
    if (fanout && (err = join_fanout(fd, fanout)) != 0)
        goto fail;
    if ((fanout || filter_fd >= 0) && (err = afpacket_set_filter(fd, filter_fd)) != 0)
        goto fail;
    return fd;

fail_errno:
    err = -errno;
fail:
    if (ring)
        packet_ring_detach(ring);
    close(fd);
    return err;
}

int afpacket_tx_socket_open(int ifindex)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0)
        goto fail;
    set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
    /* Protocol 0: bound to the device for sending, hooked to no receive path. */
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0)
        goto fail;
    return fd;

fail:;
    int err = -errno;
    close(fd);
    return err;
}

int afpacket_fanout_id(int fd)
{
    int arg = 0;
    socklen_t len = sizeof arg;
    if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, &len) < 0)
        return -errno;
    return arg & 0xffff;    /* id | type << 16 | flags << 24 */
}

int afpacket_fanout_select(int fd, unsigned member)
{
    struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, member) };
    struct sock_fprog prog = { .len = 1, .filter = code };
    return setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog, sizeof prog) < 0 ? -errno : 0;
}

int afpacket_recv_queued(int fd, struct packet **packets, unsigned max,
                         struct netdev_stats *stats, bool *backlog)
{
    struct mmsghdr msgs[PACKET_BATCH_MAX];
    struct iovec iovs[PACKET_BATCH_MAX][2];
    struct virtio_net_hdr vnet[PACKET_BATCH_MAX];
    struct sockaddr_ll addrs[PACKET_BATCH_MAX];
    union {
        char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
        struct cmsghdr align;
    } cmsgs[PACKET_BATCH_MAX];

    for (unsigned i = 0; i < max; i++) {
        iovs[i][0] = (struct iovec) { &vnet[i], sizeof vnet[i] };
        iovs[i][1] = (struct iovec) { packets[i]->data, packet_tailroom(packets[i]) };
        msgs[i].msg_hdr = (struct msghdr) {
            .msg_name = &addrs[i], .msg_namelen = sizeof addrs[i],
            .msg_iov = iovs[i], .msg_iovlen = 2,
            .msg_control = cmsgs[i].buf, .msg_controllen = sizeof cmsgs[i].buf,
        };
        msgs[i].msg_len = 0;
        addrs[i].sll_pkttype = PACKET_HOST;     /* for sockets that leave it unset */
    }

    int n = recvmmsg(fd, msgs, max, MSG_DONTWAIT, NULL);
    if (n < 0)
        return errno == EWOULDBLOCK || errno == EINTR ? -EAGAIN : -errno;

    unsigned good = 0, errors = 0;
    uint64_t bytes = 0;
    for (int i = 0; i < n; i++) {
        struct packet *pkt = packets[i];
        const struct msghdr *msg = &msgs[i].msg_hdr;
        if (addrs[i].sll_pkttype == PACKET_OUTGOING)
            continue;       /* our own transmission, on kernels without IGNORE_OUTGOING */
        if ((msg->msg_flags & MSG_TRUNC) || msgs[i].msg_len < VNET_HDR_LEN + ETH_HEADER_LEN) {
            errors++;       /* larger than a buffer, or a runt */
            continue;
        }
        pkt->len = msgs[i].msg_len - VNET_HDR_LEN;
        vnet_hdr_to_offload(&vnet[i], &pkt->offload);
        if (restore_vlan(pkt, msg) < 0) {
            errors++;
            continue;
        }
        bytes += pkt->len;
        /* Keep received packets at the front; the caller owns all of them. */
        packets[i] = packets[good];
        packets[good++] = pkt;
    }
    if (stats)
        netdev_stats_count_rx(stats, good, bytes, errors);
    *backlog = n == PACKET_BATCH_MAX;   /* the kernel had a full batch waiting */
    return (int)good;
}
