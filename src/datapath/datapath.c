/* Worker threads: each sleeps in epoll until one of its rx queues has
 * packets (idle costs nothing; when it polls instead: poll_policy.h),
 * receives batches and switches them.  Snapshot changes arrive through an
 * eventfd and are acknowledged by generation number. */
#include "datapath/datapath.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "datapath/poll_policy.h"
#include "util/log.h"

#define RX_BATCHES_PER_WAKEUP 4   /* fairness between busy queues */

struct worker {
    struct datapath *dp;
    unsigned index;
    int cpu;
    pthread_t thread;
    int wake_fd;                          /* eventfd: new snapshot or stop */
    uint64_t acknowledged;                /* generation this worker uses */
    struct dp_config *config;
    int epoll_fd;
    struct poll_policy poll;
    int *rxq_fds;                         /* per config->rxqs[i]: the fd in epoll_fd, or -1 */
    /* The rx queue of each polled fd: epoll events carry the fd (plus one;
     * 0 is the wake eventfd), so a new snapshot adds and removes only the
     * fds that came or went.  Building the epoll set afresh at every
     * change cost a 1000-port bridge as much as the change itself. */
    const struct dp_rxq **by_fd;          /* indexed by fd; NULL: not polled */
    uint32_t *wanted;                     /* by fd: the snapshot generation that polls it */
    size_t by_fd_size;
    int *polled;                          /* the fds in epoll_fd now */
    size_t n_polled;
    uint32_t generation;
    struct packet *batch[PACKET_BATCH_MAX];
    struct dp_output *output;
    struct dp_worker_stats stats;         /* written by the worker only */
};

struct datapath {
    struct dp_config *config;             /* current snapshot (atomic pointer) */
    uint64_t published;                   /* generation of `config` */
    bool stopping;
    pthread_mutex_t ack_lock;
    pthread_cond_t ack_cond;
    unsigned n_workers;
    struct worker *workers[DP_MAX_WORKERS];
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void stat_add(uint64_t *counter, uint64_t n)
{
    /* Single writer; readers on other threads load atomically. */
    __atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

static bool by_fd_reserve(struct worker *w, int fd)
{
    if ((size_t)fd < w->by_fd_size)
        return true;
    size_t size = w->by_fd_size ? w->by_fd_size : 64;
    while (size <= (size_t)fd)
        size *= 2;
    const struct dp_rxq **by_fd = realloc(w->by_fd, size * sizeof *by_fd);
    if (by_fd)
        w->by_fd = by_fd;
    uint32_t *wanted = by_fd ? realloc(w->wanted, size * sizeof *wanted) : NULL;
    if (wanted)
        w->wanted = wanted;
    int *polled = wanted ? realloc(w->polled, size * sizeof *polled) : NULL;
    if (!polled)
        return false;
    w->polled = polled;
    memset(w->by_fd + w->by_fd_size, 0, (size - w->by_fd_size) * sizeof *w->by_fd);
    memset(w->wanted + w->by_fd_size, 0, (size - w->by_fd_size) * sizeof *w->wanted);
    w->by_fd_size = size;
    return true;
}

/* Polls rx queue q's fd (or points the fd, polled already, at q). */
static void poll_rxq_fd(struct worker *w, const struct dp_rxq *q, int fd)
{
    if (!by_fd_reserve(w, fd)) {
        log_err("worker %u: out of memory for rx queue fds", w->index);
        return;
    }
    w->wanted[fd] = w->generation;
    if (w->by_fd[fd]) {
        w->by_fd[fd] = q;
        return;
    }
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)fd + 1 };
    if (epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        log_warn("%s: cannot poll rx queue %u: %s", q->port->name, q->queue, strerror(errno));
        return;
    }
    w->by_fd[fd] = q;
    w->polled[w->n_polled++] = fd;
}

/* Stops polling fd (at index i of w->polled). */
static void unpoll_fd_at(struct worker *w, size_t i)
{
    int fd = w->polled[i];
    epoll_ctl(w->epoll_fd, EPOLL_CTL_DEL, fd, NULL);   /* fails harmlessly if closed */
    w->by_fd[fd] = NULL;
    w->polled[i] = w->polled[--w->n_polled];
}

static void unpoll_fd(struct worker *w, int fd)
{
    for (size_t i = 0; i < w->n_polled; i++)
        if (w->polled[i] == fd) {
            unpoll_fd_at(w, i);
            return;
        }
}

/* The wake eventfd is registered with 0; rx queues with their fd plus one.
 * The old snapshot's netdevs are still open here (control closes them
 * after every worker acknowledged), so an fd number in both snapshots is
 * the same file. */
static int worker_watch_config(struct worker *w, struct dp_config *config)
{
    if (w->epoll_fd < 0) {
        w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epoll_fd < 0)
            return -errno;
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };
        epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &ev);
    }
    w->generation++;
    free(w->rxq_fds);
    w->rxq_fds = NULL;
    if (config && config->n_rxqs && !(w->rxq_fds = malloc(config->n_rxqs * sizeof(int))))
        log_err("worker %u: out of memory for rx queue fds", w->index);
    for (size_t i = 0; config && i < config->n_rxqs; i++) {
        struct dp_rxq *rxq = &config->rxqs[i];
        if (w->rxq_fds)
            w->rxq_fds[i] = -1;
        if (rxq->worker != w->index || !rxq->netdev)
            continue;
        int fd = rxq->netdev->class->rxq_fd(rxq->netdev, rxq->queue);
        if (fd < 0)
            continue;
        if (w->rxq_fds)
            w->rxq_fds[i] = fd;
        poll_rxq_fd(w, rxq, fd);   /* rxq lives as long as the snapshot */
    }
    for (size_t i = 0; i < w->n_polled;) {
        if (w->wanted[w->polled[i]] != w->generation)
            unpoll_fd_at(w, i);
        else
            i++;
    }
    if (dp_output_resize(w->output, config ? config->n_ports : 0) < 0)
        log_err("worker %u: out of memory for output queues", w->index);
    w->config = config;
    w->poll.busy_poll = config && config->busy_poll;
    w->poll.window_ns = config ? config->poll_after_traffic_us * 1000ull : 0;
    return 0;
}

static void worker_acknowledge(struct worker *w)
{
    struct datapath *dp = w->dp;
    pthread_mutex_lock(&dp->ack_lock);
    struct dp_config *config = dp->config;
    uint64_t generation = dp->published;
    pthread_mutex_unlock(&dp->ack_lock);
    if (config != w->config || w->epoll_fd < 0)
        worker_watch_config(w, config);
    pthread_mutex_lock(&dp->ack_lock);
    w->acknowledged = generation;
    pthread_cond_broadcast(&dp->ack_cond);
    pthread_mutex_unlock(&dp->ack_lock);
}

/* A queue's fd may change while it receives (a system port moving to a
 * receive ring): poll the new one instead. */
static void watch_new_rxq_fd(struct worker *w, const struct dp_rxq *q)
{
    if (!w->rxq_fds)
        return;
    size_t i = (size_t)(q - w->config->rxqs);
    int fd = q->netdev->class->rxq_fd(q->netdev, q->queue);
    if (fd == w->rxq_fds[i])
        return;
    if (w->rxq_fds[i] >= 0)
        unpoll_fd(w, w->rxq_fds[i]);
    if (fd >= 0)
        poll_rxq_fd(w, q, fd);
    w->rxq_fds[i] = fd;
}

static unsigned worker_poll_rxq(struct worker *w, const struct dp_rxq *q)
{
    unsigned total = 0;
    struct dp_port *port = q->port;
    unsigned rxq = q->queue;
    struct netdev *dev = q->netdev;
    for (int round = 0; round < RX_BATCHES_PER_WAKEUP; round++) {
        uint64_t start = now_ns();
        for (unsigned i = 0; i < PACKET_BATCH_MAX; i++)
            packet_reset(w->batch[i]);
        int n = dev->class->rxq_recv(dev, rxq, w->batch, PACKET_BATCH_MAX);
        watch_new_rxq_fd(w, q);
        if (n < 0 && n != -EAGAIN && n != -EINTR) {
            /* The device went away; the link monitor tells control, which
             * reopens or drops the port and publishes a snapshot (which polls
             * it again).  Until then stop polling a queue that may stay
             * readable forever (a deleted tap does). */
            int fd = dev->class->rxq_fd(dev, rxq);
            if (fd >= 0)
                unpoll_fd(w, fd);
            log_dbg("%s: rx queue %u: %s; no longer polled", port->name, rxq, strerror(-n));
            return total;
        }
        if (n <= 0)
            return total;
        uint64_t bytes = 0;
        for (int i = 0; i < n; i++)
            bytes += w->batch[i]->len;
        __atomic_fetch_add(&port->stats->rx_packets, (uint64_t)n, __ATOMIC_RELAXED);
        __atomic_fetch_add(&port->stats->rx_bytes, bytes, __ATOMIC_RELAXED);
        uint64_t now_ms = start / 1000000u;
        for (int i = 0; i < n; i++)
            dp_bridge_input(port, q->member, w->batch[i], now_ms, w->output, 0);
        dp_output_flush(w->output, &w->stats);
        uint64_t busy = now_ns() - start;
        stat_add(&w->stats.rx_packets, (uint64_t)n);
        stat_add(&w->stats.rx_batches, 1);
        stat_add(&w->stats.busy_ns, busy);
        if (rxq < dev->n_rxq && q->member < 0) {
            stat_add(&port->rxq_stats[rxq].packets, (uint64_t)n);
            stat_add(&port->rxq_stats[rxq].busy_ns, busy);
        }
        total += (unsigned)n;
        if (n < PACKET_BATCH_MAX)
            return total;
    }
    return total;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct datapath *dp = w->dp;
    struct epoll_event events[64];

    char name[16];   /* as OVS names its threads: pmd-c<core>/id:<n> */
    snprintf(name, sizeof name, "pmd-c%02d/id:%u", (w->cpu >= 0 ? w->cpu : 99) % 1000,
             w->index % 100);
    pthread_setname_np(pthread_self(), name);
    if (w->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(w->cpu, &set);
        if (pthread_setaffinity_np(pthread_self(), sizeof set, &set))
            log_warn("pmd thread %u: cannot pin to core %d", w->index, w->cpu);
    }
    worker_acknowledge(w);
    while (!__atomic_load_n(&dp->stopping, __ATOMIC_ACQUIRE)) {
        uint64_t idle_start = now_ns();
        bool poll = poll_policy_should_poll(&w->poll, idle_start);
        if (poll && poll_policy_yields(&w->poll)) {
            sched_yield();
            poll = poll_policy_after_yield(&w->poll, now_ns() - idle_start);
        }
        int n = epoll_wait(w->epoll_fd, events, 64, poll ? 0 : -1);
        if (n < 0 && errno != EINTR) {
            log_err("pmd thread %u: epoll_wait: %s", w->index, strerror(errno));
            break;
        }
        stat_add(&w->stats.idle_ns, now_ns() - idle_start);
        bool reconfigure = false;
        bool traffic = false;
        for (int i = 0; i < n; i++) {
            uint64_t tag = events[i].data.u64;
            if (!tag) {
                reconfigure = true;
                continue;
            }
            /* Looked up now: an earlier event of this batch may have
             * stopped polling it. */
            size_t fd = (size_t)(tag - 1);
            const struct dp_rxq *q = fd < w->by_fd_size ? w->by_fd[fd] : NULL;
            if (q && worker_poll_rxq(w, q))
                traffic = true;
        }
        if (traffic)
            poll_policy_traffic(&w->poll, now_ns());
        if (reconfigure) {
            uint64_t value;
            if (read(w->wake_fd, &value, sizeof value) < 0 && errno != EAGAIN)
                log_warn("pmd thread %u: wake read: %s", w->index, strerror(errno));
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
    dp_output_free(w->output);
    free(w->rxq_fds);
    free(w->by_fd);
    free(w->wanted);
    free(w->polled);
    if (w->epoll_fd >= 0)
        close(w->epoll_fd);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    free(w);
}

static struct worker *worker_new(struct datapath *dp, unsigned index, int cpu)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->dp = dp;
    w->index = index;
    w->cpu = cpu;
    w->epoll_fd = -1;
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    w->output = dp_output_new();
    bool ok = w->wake_fd >= 0 && w->output;
    for (unsigned i = 0; ok && i < PACKET_BATCH_MAX; i++)
        ok = (w->batch[i] = packet_new()) != NULL;
    if (!ok || worker_watch_config(w, NULL) < 0) {
        worker_free(w);
        return NULL;
    }
    return w;
}

int datapath_start(const int *cpus, unsigned n_workers, struct datapath **out)
{
    if (n_workers < 1 || n_workers > DP_MAX_WORKERS)
        return -EINVAL;
    struct datapath *dp = calloc(1, sizeof *dp);
    if (!dp)
        return -ENOMEM;
    pthread_mutex_init(&dp->ack_lock, NULL);
    pthread_cond_init(&dp->ack_cond, NULL);
    for (unsigned i = 0; i < n_workers; i++) {
        struct worker *w = worker_new(dp, i, cpus ? cpus[i] : -1);
        if (!w || pthread_create(&w->thread, NULL, worker_main, w)) {
            log_err("datapath: cannot start pmd thread %u", i);
            worker_free(w);
            datapath_stop(dp);
            return -ENOMEM;
        }
        dp->workers[dp->n_workers++] = w;
    }
    *out = dp;
    return 0;
}

static void worker_wake(struct worker *w)
{
    uint64_t one = 1;
    if (write(w->wake_fd, &one, sizeof one) < 0)
        log_warn("datapath: wake: %s", strerror(errno));
}

struct dp_config *datapath_publish_async(struct datapath *dp, struct dp_config *config,
                                         uint64_t *generation)
{
    pthread_mutex_lock(&dp->ack_lock);
    struct dp_config *old = dp->config;
    dp->config = config;
    *generation = ++dp->published;
    pthread_mutex_unlock(&dp->ack_lock);

    for (unsigned i = 0; i < dp->n_workers; i++)
        worker_wake(dp->workers[i]);
    return old;
}

void datapath_wait_acknowledged(struct datapath *dp, uint64_t generation)
{
    pthread_mutex_lock(&dp->ack_lock);
    for (unsigned i = 0; i < dp->n_workers; i++)
        while (dp->workers[i]->acknowledged < generation)
            pthread_cond_wait(&dp->ack_cond, &dp->ack_lock);
    pthread_mutex_unlock(&dp->ack_lock);
}

struct dp_config *datapath_publish(struct datapath *dp, struct dp_config *config)
{
    uint64_t generation;
    struct dp_config *old = datapath_publish_async(dp, config, &generation);
    datapath_wait_acknowledged(dp, generation);
    return old;
}

void datapath_stop(struct datapath *dp)
{
    if (!dp)
        return;
    __atomic_store_n(&dp->stopping, true, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < dp->n_workers; i++)
        worker_wake(dp->workers[i]);
    for (unsigned i = 0; i < dp->n_workers; i++) {
        pthread_join(dp->workers[i]->thread, NULL);
        worker_free(dp->workers[i]);
    }
    pthread_mutex_destroy(&dp->ack_lock);
    pthread_cond_destroy(&dp->ack_cond);
    free(dp);
}

unsigned datapath_n_workers(const struct datapath *dp)
{
    return dp->n_workers;
}

int datapath_worker_cpu(const struct datapath *dp, unsigned worker)
{
    return worker < dp->n_workers ? dp->workers[worker]->cpu : -1;
}

void dp_port_stats_read(const struct dp_port_stats *s, struct dp_port_stats *out)
{
    out->rx_packets = __atomic_load_n(&s->rx_packets, __ATOMIC_RELAXED);
    out->rx_bytes = __atomic_load_n(&s->rx_bytes, __ATOMIC_RELAXED);
    out->rx_dropped = __atomic_load_n(&s->rx_dropped, __ATOMIC_RELAXED);
    out->tx_packets = __atomic_load_n(&s->tx_packets, __ATOMIC_RELAXED);
    out->tx_bytes = __atomic_load_n(&s->tx_bytes, __ATOMIC_RELAXED);
    out->tx_dropped = __atomic_load_n(&s->tx_dropped, __ATOMIC_RELAXED);
}

void datapath_worker_stats(const struct datapath *dp, unsigned worker,
                           struct dp_worker_stats *stats)
{
    const struct dp_worker_stats *s = &dp->workers[worker]->stats;
    stats->rx_packets = __atomic_load_n(&s->rx_packets, __ATOMIC_RELAXED);
    stats->rx_batches = __atomic_load_n(&s->rx_batches, __ATOMIC_RELAXED);
    stats->tx_packets = __atomic_load_n(&s->tx_packets, __ATOMIC_RELAXED);
    stats->tx_batches = __atomic_load_n(&s->tx_batches, __ATOMIC_RELAXED);
    stats->busy_ns = __atomic_load_n(&s->busy_ns, __ATOMIC_RELAXED);
    stats->idle_ns = __atomic_load_n(&s->idle_ns, __ATOMIC_RELAXED);
}
