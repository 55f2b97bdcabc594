/* Tunnel underlay sockets: see tunnel_socket.h.
 *
 * Every tunnel port's rx queue polls its own epoll set holding the shared
 * socket and the port's eventfd (a worker's epoll cannot hold one socket
 * twice).  Whichever port's worker reads the socket keeps the frames that
 * are its own in place and copies the others' into their queues, waking
 * them by eventfd; the socket's mutex covers one batch, not one packet. */
#include "netdev/tunnel_socket.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/log.h"

#define PENDING_MAX        64       /* frames queued for a port by other ports' reads */
#define PENDING_FRAME_MAX  9216     /* larger frames are not queued (jumbo underlay) */
#define SEND_MAX           64
#define SOCKET_BUFFER      (4 << 20)

struct tunnel_socket {
    struct tunnel_socket *next;
    enum tunnel_kind kind;
    struct tunnel_addr local;       /* family always set; the address may be "any" */
    uint16_t port;
    int fd;
    pthread_mutex_t lock;           /* the endpoint list and their queues */
    struct tunnel_endpoint **endpoints;
    size_t n_endpoints;
    uint64_t rx_unknown;            /* no endpoint for the remote and VNI */
};

struct tunnel_endpoint {
    struct tunnel_config config;
    struct tunnel_socket *sock;
    int event_fd, epoll_fd;
    struct sockaddr_storage remote;
    socklen_t remote_len;
    union {                         /* IP_TOS/IP_TTL or IPV6_TCLASS/IPV6_HOPLIMIT */
        struct cmsghdr align;
        char buf[2 * CMSG_SPACE(sizeof(int))];
    } cmsg;
    size_t cmsg_len;
    struct packet *pending[PENDING_MAX];
    unsigned pending_head, pending_count;
    struct tunnel_endpoint_stats stats;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* Each (kind, UDP port) keeps the number it got when first listened on, for
 * the daemon's life, as an OVS datapath port keeps its number.  Under
 * registry_lock. */
#define LISTENER_NUMBERS_MAX 64
static struct { enum tunnel_kind kind; uint16_t port; } listener_numbers[LISTENER_NUMBERS_MAX];
static unsigned n_listener_numbers;

static unsigned listener_number(enum tunnel_kind kind, uint16_t port)
{
    for (unsigned i = 0; i < n_listener_numbers; i++)
        if (listener_numbers[i].kind == kind && listener_numbers[i].port == port)
            return i + 1;
    if (n_listener_numbers == LISTENER_NUMBERS_MAX)
        return 0;
    listener_numbers[n_listener_numbers].kind = kind;
    listener_numbers[n_listener_numbers].port = port;
    return ++n_listener_numbers;
}

static struct tunnel_socket *sockets;

/* Ports received on by the kernel's tunnel devices (tunnel_kernel.c), with
 * how many tunnel ports use each.  Under registry_lock. */
static struct { enum tunnel_kind kind; uint16_t port; unsigned refs; }
    kernel_listeners[LISTENER_NUMBERS_MAX];

static void stat_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static socklen_t addr_to_sockaddr(const struct tunnel_addr *addr, uint16_t port,
                                  struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (addr->family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = addr->v6;
        sin6->sin6_port = htons(port);
        return sizeof *sin6;
    }
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    sin->sin_addr = addr->v4;
    sin->sin_port = htons(port);
    return sizeof *sin;
}

static bool sockaddr_is(const struct sockaddr_storage *ss, const struct tunnel_addr *addr)
{
    if (ss->ss_family != addr->family)
        return false;
    if (addr->family == AF_INET)
        return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == addr->v4.s_addr;
    return !memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &addr->v6, sizeof addr->v6);
}

/* The socket-wide settings follow the most permissive endpoint: DF unless one
 * port asks for df_default=false, the UDP checksum if one asks for csum=true
 * (a socket cannot set either per datagram). */
static void socket_apply_options(struct tunnel_socket *sock)
{
    bool df = true, csum = false;
    for (size_t i = 0; i < sock->n_endpoints; i++) {
        df &= sock->endpoints[i]->config.df;
        csum |= sock->endpoints[i]->config.csum;
    }
    if (sock->local.family == AF_INET) {
        int pmtu = df ? IP_PMTUDISC_PROBE : IP_PMTUDISC_DONT;
        int no_check = !csum;
        if (setsockopt(sock->fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu) < 0 ||
            setsockopt(sock->fd, SOL_SOCKET, SO_NO_CHECK, &no_check, sizeof no_check) < 0)
            log_warn("tunnel port %u: cannot set DF or checksum: %s", sock->port,
                     strerror(errno));
    } else {
        int pmtu = df ? IPV6_PMTUDISC_PROBE : IPV6_PMTUDISC_DONT;
        if (setsockopt(sock->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof pmtu) < 0)
            log_warn("tunnel port %u: cannot set DF: %s", sock->port, strerror(errno));
    }
}

static int socket_create(const struct tunnel_config *config, struct tunnel_socket **out)
{
    struct tunnel_socket *sock = calloc(1, sizeof *sock);
    if (!sock)
        return -ENOMEM;
    sock->kind = config->kind;
    sock->local = config->local;
    if (!sock->local.family)
        sock->local.family = config->remote.family;   /* any address of that family */
    sock->port = config->dst_port;
    pthread_mutex_init(&sock->lock, NULL);
    int err = 0;
    sock->fd = socket(sock->local.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (sock->fd < 0) {
        err = -errno;
        goto fail;
    }
    int one = 1, size = SOCKET_BUFFER;
    if (sock->local.family == AF_INET6)
        setsockopt(sock->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    /* Bursts from a fast sender outrun one worker; FORCE works as root. */
    if (setsockopt(sock->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
        setsockopt(sock->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(sock->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
        setsockopt(sock->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct sockaddr_storage ss;
    socklen_t len = addr_to_sockaddr(&sock->local, sock->port, &ss);
    if (bind(sock->fd, (struct sockaddr *)&ss, len) < 0) {
        err = -errno;
        goto fail;
    }
    *out = sock;
    return 0;
fail:
    if (sock->fd >= 0)
        close(sock->fd);
    pthread_mutex_destroy(&sock->lock);
    free(sock);
    return err;
}

static struct tunnel_socket *socket_find(const struct tunnel_config *config)
{
    int family = config->local.family ? config->local.family : config->remote.family;
    for (struct tunnel_socket *s = sockets; s; s = s->next) {
        if (s->port != config->dst_port || s->local.family != family)
            continue;
        struct tunnel_addr want = config->local;
        want.family = family;   /* "any" is all-zero either way */
        if (tunnel_addr_equal(&s->local, &want))
            return s;
    }
    return NULL;
}

/* The inner MTU from the route's MTU to the remote: a connected probe socket
 * asks the kernel, which knows the route and the device. */
unsigned tunnel_probe_mtu(const struct tunnel_config *config)
{
    int family = config->remote.family;
    struct sockaddr_storage remote;
    socklen_t remote_len = addr_to_sockaddr(&config->remote, config->dst_port, &remote);
    int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int mtu = 0;
    socklen_t len = sizeof mtu;
    if (connect(fd, (const struct sockaddr *)&remote, remote_len) < 0 ||
        getsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
                   family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &len) < 0)
        mtu = 0;
    close(fd);
    int overhead = (family == AF_INET ? 20 : 40) + 8 + TUNNEL_HEADER_LEN + ETH_HEADER_LEN;
    return mtu > overhead ? (unsigned)(mtu - overhead) : 0;
}

unsigned tunnel_endpoint_probe_mtu(const struct tunnel_endpoint *ep)
{
    return tunnel_probe_mtu(&ep->config);
}

static void build_cmsg(struct tunnel_endpoint *ep)
{
    struct msghdr msg = { .msg_control = ep->cmsg.buf, .msg_controllen = sizeof ep->cmsg.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    bool v4 = ep->config.remote.family == AF_INET;
    int values[2] = { ep->config.tos, ep->config.ttl };
    int types[2] = { v4 ? IP_TOS : IPV6_TCLASS, v4 ? IP_TTL : IPV6_HOPLIMIT };
    ep->cmsg_len = 0;
    for (int i = 0; i < 2; i++) {
        if (!values[i])
            continue;
        c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
        c->cmsg_type = types[i];
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &values[i], sizeof(int));
        ep->cmsg_len += CMSG_SPACE(sizeof(int));
        c = (struct cmsghdr *)((char *)c + CMSG_SPACE(sizeof(int)));
    }
}

static void endpoint_free(struct tunnel_endpoint *ep)
{
    if (ep->event_fd >= 0)
        close(ep->event_fd);
    if (ep->epoll_fd >= 0)
        close(ep->epoll_fd);
    for (unsigned i = 0; i < PENDING_MAX; i++)
        packet_free(ep->pending[i]);
    free(ep);
}

static int endpoint_create(const struct tunnel_config *config, struct tunnel_endpoint **out)
{
    struct tunnel_endpoint *ep = calloc(1, sizeof *ep);
    if (!ep)
        return -ENOMEM;
    ep->config = *config;
    ep->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ep->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (ep->event_fd < 0 || ep->epoll_fd < 0) {
        int err = -errno;
        endpoint_free(ep);
        return err;
    }
    for (unsigned i = 0; i < PENDING_MAX; i++) {
        if (!(ep->pending[i] = packet_new_sized(PENDING_FRAME_MAX))) {
            endpoint_free(ep);
            return -ENOMEM;
        }
    }
    ep->remote_len = addr_to_sockaddr(&config->remote, config->dst_port, &ep->remote);
    build_cmsg(ep);
    *out = ep;
    return 0;
}

int tunnel_endpoint_open(const struct tunnel_config *config, struct tunnel_endpoint **out)
{
    *out = NULL;
    struct tunnel_endpoint *ep = NULL;
    int err = endpoint_create(config, &ep);
    if (err)
        return err;
    pthread_mutex_lock(&registry_lock);
    struct tunnel_socket *sock = socket_find(config);
    bool fresh = !sock;
    if (sock && sock->kind != config->kind) {
        err = -EADDRINUSE;
        goto out;
    }
    if (!sock && (err = socket_create(config, &sock)) < 0)
        goto out;
    pthread_mutex_lock(&sock->lock);
    for (size_t i = 0; i < sock->n_endpoints && !err; i++) {
        const struct tunnel_config *other = &sock->endpoints[i]->config;
        if (other->in_key == config->in_key && tunnel_addr_equal(&other->remote, &config->remote))
            err = -EADDRINUSE;
    }
    struct tunnel_endpoint **grown = NULL;
    if (!err && !(grown = realloc(sock->endpoints, (sock->n_endpoints + 1) * sizeof *grown)))
        err = -ENOMEM;
    if (!err) {
        sock->endpoints = grown;
        sock->endpoints[sock->n_endpoints++] = ep;
        ep->sock = sock;
        socket_apply_options(sock);
    }
    pthread_mutex_unlock(&sock->lock);
    if (!err) {
        struct epoll_event ev = { .events = EPOLLIN };
        if (epoll_ctl(ep->epoll_fd, EPOLL_CTL_ADD, sock->fd, &ev) < 0 ||
            epoll_ctl(ep->epoll_fd, EPOLL_CTL_ADD, ep->event_fd, &ev) < 0)
            log_warn("tunnel: cannot poll the socket: %s", strerror(errno));
        if (fresh) {
            sock->next = sockets;
            sockets = sock;
            listener_number(sock->kind, sock->port);   /* numbered as first listened on */
        }
    } else if (fresh) {
        close(sock->fd);
        pthread_mutex_destroy(&sock->lock);
        free(sock->endpoints);
        free(sock);
    }
out:
    pthread_mutex_unlock(&registry_lock);
    if (err) {
        endpoint_free(ep);
        return err;
    }
    *out = ep;
    return 0;
}

void tunnel_endpoint_close(struct tunnel_endpoint *ep)
{
    if (!ep)
        return;
    struct tunnel_socket *sock = ep->sock;
    pthread_mutex_lock(&registry_lock);
    pthread_mutex_lock(&sock->lock);
    for (size_t i = 0; i < sock->n_endpoints; i++)
        if (sock->endpoints[i] == ep)
            sock->endpoints[i] = sock->endpoints[--sock->n_endpoints];
    bool last = sock->n_endpoints == 0;
    if (!last)
        socket_apply_options(sock);
    pthread_mutex_unlock(&sock->lock);
    if (last) {
        for (struct tunnel_socket **p = &sockets; *p; p = &(*p)->next)
            if (*p == sock) {
                *p = sock->next;
                break;
            }
        close(sock->fd);
        pthread_mutex_destroy(&sock->lock);
        free(sock->endpoints);
        free(sock);
    }
    pthread_mutex_unlock(&registry_lock);
    endpoint_free(ep);
}

int tunnel_endpoint_fd(const struct tunnel_endpoint *ep)
{
    return ep->epoll_fd;
}

void tunnel_endpoint_get_stats(const struct tunnel_endpoint *ep,
                               struct tunnel_endpoint_stats *stats)
{
    stats->rx_dropped = __atomic_load_n(&ep->stats.rx_dropped, __ATOMIC_RELAXED);
    stats->rx_errors = __atomic_load_n(&ep->stats.rx_errors, __ATOMIC_RELAXED);
    stats->tx_errors = __atomic_load_n(&ep->stats.tx_errors, __ATOMIC_RELAXED);
}

static struct tunnel_endpoint *socket_demux(const struct tunnel_socket *sock,
                                            const struct sockaddr_storage *from, uint32_t vni)
{
    for (size_t i = 0; i < sock->n_endpoints; i++) {
        struct tunnel_endpoint *ep = sock->endpoints[i];
        if (ep->config.in_key == vni && sockaddr_is(from, &ep->config.remote))
            return ep;
    }
    return NULL;
}

/* Under sock->lock: copies a frame into another endpoint's queue and wakes it. */
static void queue_for(struct tunnel_endpoint *owner, const uint8_t *frame, uint32_t len)
{
    if (owner->pending_count == PENDING_MAX || len > PENDING_FRAME_MAX) {
        stat_add(&owner->stats.rx_dropped, 1);
        return;
    }
    struct packet *slot = owner->pending[(owner->pending_head + owner->pending_count) %
                                         PENDING_MAX];
    packet_reset(slot);
    memcpy(slot->data, frame, len);
    slot->len = len;
    if (owner->pending_count++ == 0) {
        uint64_t one = 1;
        if (write(owner->event_fd, &one, sizeof one) < 0)
            return;   /* saturated: it is readable anyway */
    }
}

int tunnel_endpoint_recv(struct tunnel_endpoint *ep, struct packet **packets, unsigned max)
{
    struct tunnel_socket *sock = ep->sock;
    struct mmsghdr msgs[PACKET_BATCH_MAX];
    struct iovec iov[PACKET_BATCH_MAX];
    struct sockaddr_storage from[PACKET_BATCH_MAX];
    unsigned n = 0;
    if (max > PACKET_BATCH_MAX)
        max = PACKET_BATCH_MAX;

    pthread_mutex_lock(&sock->lock);
    for (; n < max && ep->pending_count; n++) {
        const struct packet *queued = ep->pending[ep->pending_head];
        memcpy(packets[n]->data, queued->data, queued->len);
        packets[n]->len = queued->len;
        ep->pending_head = (ep->pending_head + 1) % PENDING_MAX;
        ep->pending_count--;
    }
    if (!ep->pending_count) {
        uint64_t value;
        if (read(ep->event_fd, &value, sizeof value) < 0 && errno != EAGAIN)
            log_dbg("tunnel: eventfd read: %s", strerror(errno));
    }
    unsigned want = max - n;
    int got = 0;
    if (want) {
        memset(msgs, 0, want * sizeof *msgs);
        for (unsigned i = 0; i < want; i++) {
            struct packet *pkt = packets[n + i];
            iov[i] = (struct iovec){ pkt->data, packet_tailroom(pkt) };
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        got = recvmmsg(sock->fd, msgs, want, MSG_DONTWAIT, NULL);
        if (got < 0)
            got = 0;
    }
    /* Keep our own frames in place (decapsulated by moving data), compacted
     * to packets[n..); copy the others' away. */
    unsigned kept = n;
    for (int i = 0; i < got; i++) {
        struct packet *pkt = packets[n + (unsigned)i];
        struct tunnel_rx rx;
        if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ||
            tunnel_header_parse(sock->kind, pkt->data, msgs[i].msg_len, &rx) < 0) {
            stat_add(&ep->stats.rx_errors, 1);
            continue;
        }
        struct tunnel_endpoint *owner = socket_demux(sock, &from[i], rx.vni);
        const uint8_t *frame = pkt->data + rx.header_len;
        uint32_t len = msgs[i].msg_len - (uint32_t)rx.header_len;
        if (!owner) {
            sock->rx_unknown++;
        } else if (!tunnel_rx_deliverable(&rx)) {
            stat_add(&owner->stats.rx_errors, 1);   /* counted on the port it was for */
        } else if (owner != ep) {
            queue_for(owner, frame, len);
        } else {
            pkt->data += rx.header_len;
            pkt->len = len;
            packets[n + (unsigned)i] = packets[kept];
            packets[kept++] = pkt;
        }
    }
    pthread_mutex_unlock(&sock->lock);
    return (int)kept;
}

int tunnel_endpoint_send(struct tunnel_endpoint *ep, const uint8_t *header, size_t hdr_len,
                         struct packet *const *frames, unsigned n)
{
    struct mmsghdr msgs[SEND_MAX];
    struct iovec iov[SEND_MAX][2];
    int sent = 0;
    for (unsigned start = 0; start < n; start += SEND_MAX) {
        unsigned count = n - start < SEND_MAX ? n - start : SEND_MAX;
        memset(msgs, 0, count * sizeof *msgs);
        for (unsigned i = 0; i < count; i++) {
            const struct packet *pkt = frames[start + i];
            iov[i][0] = (struct iovec){ (void *)header, hdr_len };
            iov[i][1] = (struct iovec){ pkt->data, pkt->len };
            struct msghdr *m = &msgs[i].msg_hdr;
            m->msg_iov = iov[i];
            m->msg_iovlen = 2;
            m->msg_name = &ep->remote;
            m->msg_namelen = ep->remote_len;
            if (ep->cmsg_len) {
                m->msg_control = ep->cmsg.buf;
                m->msg_controllen = ep->cmsg_len;
            }
        }
        unsigned done = 0;
        while (done < count) {
            int r = sendmmsg(ep->sock->fd, msgs + done, count - done, MSG_DONTWAIT);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                /* The first datagram failed (no route, too big, buffer full):
                 * count it and go on with the rest. */
                stat_add(&ep->stats.tx_errors, 1);
                done++;
                continue;
            }
            done += (unsigned)r;
            sent += r;
        }
    }
    return sent;
}

unsigned tunnel_listener_ref(enum tunnel_kind kind, uint16_t port, int delta)
{
    pthread_mutex_lock(&registry_lock);
    unsigned number = listener_number(kind, port);
    if (number) {
        kernel_listeners[number - 1].kind = kind;
        kernel_listeners[number - 1].port = port;
        kernel_listeners[number - 1].refs += (unsigned)delta;
    }
    pthread_mutex_unlock(&registry_lock);
    return number;
}

unsigned tunnel_endpoint_listener_number(const struct tunnel_endpoint *ep)
{
    pthread_mutex_lock(&registry_lock);
    unsigned number = listener_number(ep->sock->kind, ep->sock->port);
    pthread_mutex_unlock(&registry_lock);
    return number;
}

static int compare_listener(const void *a_, const void *b_)
{
    const struct tunnel_listener *a = a_, *b = b_;
    return (int)a->number - (int)b->number;   /* as OVS lists them: oldest first */
}

size_t tunnel_listeners(struct tunnel_listener *out, size_t max)
{
    size_t n = 0;
    pthread_mutex_lock(&registry_lock);
    for (struct tunnel_socket *s = sockets; s; s = s->next) {
        size_t i = 0;
        while (i < n && !(out[i].kind == s->kind && out[i].port == s->port))
            i++;
        if (i == n) {
            if (n == max)
                continue;
            out[n++] = (struct tunnel_listener){ s->kind, s->port, 0,
                                                 listener_number(s->kind, s->port) };
        }
        out[i].ref_cnt += (unsigned)s->n_endpoints;
    }
    for (unsigned k = 0; k < n_listener_numbers; k++) {
        if (!kernel_listeners[k].refs)
            continue;
        size_t i = 0;
        while (i < n && !(out[i].kind == kernel_listeners[k].kind &&
                          out[i].port == kernel_listeners[k].port))
            i++;
        if (i == n) {
            if (n == max)
                continue;
            out[n++] = (struct tunnel_listener){ kernel_listeners[k].kind,
                                                 kernel_listeners[k].port, 0, k + 1 };
        }
        out[i].ref_cnt += kernel_listeners[k].refs;
    }
    pthread_mutex_unlock(&registry_lock);
    qsort(out, n, sizeof *out, compare_listener);
    return n;
}
