/* Tunnel ports the kernel carries: see tunnel_kernel.h. */
#include "netdev/tunnel_kernel.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath/bpf/switch_maps.h"
#include "netdev/tunnel_device.h"
#include "netdev/vnet_hdr.h"
#include "util/log.h"

/* The devices this daemon opened, with how many ports use each. */
struct kernel_device {
    uint16_t port;
    int ifindex;
    unsigned refs;
};

struct tunnel_kernel {
    struct tunnel_config config;
    unsigned id;
    struct kernel_device *device;
    int tx_fd, ring_fd;
    struct ring_buffer *ring;
    struct packet **fill;           /* the receive in progress */
    unsigned n_fill, max_fill;
    uint64_t rx_dropped;
};

#define DEVICES_MAX 16

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kernel_device devices[DEVICES_MAX];
static unsigned n_devices;
static struct tunnel_kernel *ports[PBS_TUNNELS_MAX];   /* by id */

/* Under registry_lock. */
static int device_get(uint16_t port, struct kernel_device **out)
{
    unsigned free_slot = DEVICES_MAX;
    for (unsigned i = 0; i < n_devices; i++) {
        if (devices[i].ifindex > 0 && devices[i].port == port) {
            devices[i].refs++;
            *out = &devices[i];
            return 0;
        }
        if (devices[i].ifindex <= 0 && free_slot == DEVICES_MAX)
            free_slot = i;
    }
    if (free_slot == DEVICES_MAX && n_devices == DEVICES_MAX)
        return -ENOSPC;
    int ifindex = tunnel_device_open(port);
    if (ifindex < 0)
        return ifindex;
    if (free_slot == DEVICES_MAX)
        free_slot = n_devices++;
    /* Slots stay where they are: open ports point at theirs. */
    devices[free_slot] = (struct kernel_device){ port, ifindex, 1 };
    *out = &devices[free_slot];
    return 0;
}

static bool same_receive(const struct tunnel_config *a, const struct tunnel_config *b)
{
    return a->dst_port == b->dst_port && a->in_key == b->in_key &&
           tunnel_addr_equal(&a->remote, &b->remote);
}

/* Under registry_lock: a free id, or -EEXIST / -ENOSPC. */
static int claim_id(struct tunnel_kernel *tk)
{
    int free_id = -1;
    for (unsigned id = 0; id < PBS_TUNNELS_MAX; id++) {
        if (ports[id] && same_receive(&ports[id]->config, &tk->config))
            return -EEXIST;
        if (!ports[id] && free_id < 0)
            free_id = (int)id;
    }
    if (free_id < 0)
        return -ENOSPC;
    ports[free_id] = tk;
    tk->id = (unsigned)free_id;
    return 0;
}

static int on_upcall(void *ctx, void *data, size_t size)
{
    struct tunnel_kernel *tk = ctx;
    if (tk->n_fill == tk->max_fill)
        return -1;                  /* batch full: the frame stays for the next receive */
    struct packet *pkt = tk->fill[tk->n_fill];
    if (size > packet_tailroom(pkt)) {
        __atomic_fetch_add(&tk->rx_dropped, 1, __ATOMIC_RELAXED);
        return 0;
    }
    memcpy(pkt->data, data, size);
    pkt->len = (uint32_t)size;
    tk->n_fill++;
    return 0;
}

static int open_tx_socket(struct tunnel_kernel *tk)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int one = 1, mark = (int)(PBS_TUNNEL_MARK | tk->id);
    struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = tk->device->ifindex };
    /* Protocol 0: the socket sends only, it is handed no frame. */
    if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    tk->tx_fd = fd;
    return 0;
}

static int open_ring(struct tunnel_kernel *tk)
{
    tk->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "pontoon_upcall", 0, 0,
                                 PBS_UPCALL_RING_SIZE, NULL);
    if (tk->ring_fd < 0)
        return -errno;
    tk->ring = ring_buffer__new(tk->ring_fd, on_upcall, tk, NULL);
    return tk->ring ? 0 : -errno;
}

static void release(struct tunnel_kernel *tk)
{
    ring_buffer__free(tk->ring);
    if (tk->ring_fd >= 0)
        close(tk->ring_fd);
    if (tk->tx_fd >= 0)
        close(tk->tx_fd);
    pthread_mutex_lock(&registry_lock);
    if (tk->device)
        tk->device->refs--;
    if (tk->id < PBS_TUNNELS_MAX && ports[tk->id] == tk)
        ports[tk->id] = NULL;
    pthread_mutex_unlock(&registry_lock);
    free(tk);
}

int tunnel_kernel_open(const struct tunnel_config *config, struct tunnel_kernel **out)
{
    *out = NULL;
    if (config->kind != TUNNEL_VXLAN)
        return -EOPNOTSUPP;
    struct tunnel_kernel *tk = calloc(1, sizeof *tk);
    if (!tk)
        return -ENOMEM;
    tk->config = *config;
    tk->id = PBS_TUNNELS_MAX;
    tk->tx_fd = tk->ring_fd = -1;
    pthread_mutex_lock(&registry_lock);
    int err = claim_id(tk);
    if (!err)
        err = device_get(config->dst_port, &tk->device);
    pthread_mutex_unlock(&registry_lock);
    if (!err)
        err = open_ring(tk);
    if (!err)
        err = open_tx_socket(tk);
    if (err) {
        release(tk);
        return err;
    }
    *out = tk;
    return 0;
}

void tunnel_kernel_close(struct tunnel_kernel *tk)
{
    if (tk)
        release(tk);
}

int tunnel_kernel_fd(const struct tunnel_kernel *tk)
{
    return ring_buffer__epoll_fd(tk->ring);
}

int tunnel_kernel_recv(struct tunnel_kernel *tk, struct packet **packets, unsigned max)
{
    tk->fill = packets;
    tk->n_fill = 0;
    tk->max_fill = max;
    ring_buffer__consume(tk->ring);
    return (int)tk->n_fill;
}

int tunnel_kernel_send(struct tunnel_kernel *tk, struct packet *const *packets, unsigned n,
                       unsigned *errors)
{
    unsigned sent = 0, i = 0;
    *errors = 0;
    while (i < n) {
        struct mmsghdr msgs[PACKET_BATCH_MAX];
        struct iovec iovs[PACKET_BATCH_MAX][2];
        struct virtio_net_hdr vnet[PACKET_BATCH_MAX];
        unsigned chunk = n - i < PACKET_BATCH_MAX ? n - i : PACKET_BATCH_MAX;
        vnet_hdr_fill_msgs(packets + i, chunk, msgs, iovs, vnet);
        int r = sendmmsg(tk->tx_fd, msgs, chunk, MSG_DONTWAIT);
        if (r > 0) {
            sent += (unsigned)r;
            i += (unsigned)r;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else {
            /* The program dropped it (too big for the underlay), or the
             * queue is full: this frame is lost, the rest may go. */
            (*errors)++;
            i++;
        }
    }
    return (int)sent;
}

void tunnel_kernel_get_info(const struct tunnel_kernel *tk, struct tunnel_kernel_info *info)
{
    info->device_ifindex = tk->device->ifindex;
    info->id = tk->id;
    info->ring_fd = tk->ring_fd;
}

uint64_t tunnel_kernel_rx_dropped(const struct tunnel_kernel *tk)
{
    return __atomic_load_n(&tk->rx_dropped, __ATOMIC_RELAXED);
}

static bool device_in_use(int ifindex)
{
    for (unsigned i = 0; i < n_devices; i++)
        if (devices[i].ifindex == ifindex && devices[i].refs)
            return true;
    return false;
}

static void delete_unused(void *ctx, const char *name, int ifindex)
{
    (void)ctx;
    if (device_in_use(ifindex))
        return;
    int err = tunnel_device_delete(ifindex);
    if (err)
        log_warn("tunnel: cannot delete %s: %s", name, strerror(-err));
    else
        log_info("tunnel: %s deleted (no tunnel port uses it)", name);
}

void tunnel_kernel_remove_unused_devices(bool scan)
{
    pthread_mutex_lock(&registry_lock);
    if (scan) {
        tunnel_device_each(delete_unused, NULL);
    } else {
        for (unsigned i = 0; i < n_devices; i++) {
            if (devices[i].ifindex > 0 && !devices[i].refs) {
                char name[16];
                tunnel_device_name(devices[i].port, name);
                delete_unused(NULL, name, devices[i].ifindex);
            }
        }
    }
    /* Forget the unused ones: a later port makes its device anew. */
    for (unsigned i = 0; i < n_devices; i++)
        if (!devices[i].refs)
            devices[i].ifindex = 0;
    pthread_mutex_unlock(&registry_lock);
}
