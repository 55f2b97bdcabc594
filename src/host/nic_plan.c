/* The steering planner: see nic_plan.h for what each mode does. */
#include "host/nic_plan.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

int nic_steering_parse(const char *text, struct nic_steering *steering, char **error)
{
    memset(steering, 0, sizeof *steering);
    *error = NULL;
    static const struct { const char *name; enum nic_steer_mode mode; } modes[] = {
        { "off", NIC_STEER_OFF },
        { "performance", NIC_STEER_PERFORMANCE },
        { "power-save", NIC_STEER_POWER_SAVE },
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (!strcmp(text, modes[i].name)) {
            steering->mode = modes[i].mode;
            return 0;
        }
    if (text[0] < '0' || text[0] > '9') {
        *error = xasprintf("unknown steering mode \"%s\" (performance, power-save, off, or a "
                           "CPU list such as 0-3,8)", text);
        return -1;
    }
    steering->mode = NIC_STEER_CPUS;
    if (cpu_list_parse(text, &steering->cpus) || !cpu_bitmap_count(&steering->cpus)) {
        *error = xasprintf("\"%s\" is not a CPU list (such as 0-3,8)", text);
        return -1;
    }
    return 0;
}

char *nic_steering_format(const struct nic_steering *steering)
{
    switch (steering->mode) {
    case NIC_STEER_OFF: return strdup("off");
    case NIC_STEER_PERFORMANCE: return strdup("performance");
    case NIC_STEER_POWER_SAVE: return strdup("power-save");
    case NIC_STEER_CPUS: return cpu_list_format(&steering->cpus);
    }
    return NULL;
}

/* CPUs in the order queues take them. */
struct cpu_order {
    int cpus[CPU_BITMAP_MAX];
    unsigned n;
};

static void order_append(struct cpu_order *order, const struct cpu_bitmap *set)
{
    CPU_BITMAP_FOR_EACH(cpu, set)
        order->cpus[order->n++] = cpu;
}

/* out = a & b, or a & ~b. */
static void bitmap_and(struct cpu_bitmap *out, const struct cpu_bitmap *a,
                       const struct cpu_bitmap *b, bool negate_b)
{
    for (size_t i = 0; i < CPU_BITMAP_MAX / 64; i++)
        out->bits[i] = a->bits[i] & (negate_b ? ~b->bits[i] : b->bits[i]);
}

/* The CPUs of queue q of n: order[q], order[q+n]... when there are more
 * CPUs than queues; else the one CPU order[q mod len]. */
static void queue_group(const struct cpu_order *order, unsigned q, unsigned n,
                        struct cpu_bitmap *group)
{
    cpu_bitmap_clear(group);
    if (!order->n || !n)
        return;
    if (n < order->n) {
        for (unsigned i = q; i < order->n; i += n)
            cpu_bitmap_add(group, (unsigned)order->cpus[i]);
    } else {
        cpu_bitmap_add(group, (unsigned)order->cpus[q % order->n]);
    }
}

/* What the mode decided, before it becomes settings. */
struct steer_targets {
    struct cpu_order *order;      /* queue interrupts and XPS */
    struct cpu_order *rps;        /* RPS candidates */
    struct cpu_bitmap device_irq; /* the device's own interrupts */
    bool spread;                  /* performance / CPU list; else every interrupt on
                                     device_irq and RPS/XPS cleared */
};

enum value_kind { VALUE_LIST, VALUE_MASK, VALUE_INT };

static bool same_value(enum value_kind kind, const char *current, const char *planned)
{
    struct cpu_bitmap a, b;
    switch (kind) {
    case VALUE_LIST:
        return !cpu_list_parse(current, &a) && !cpu_list_parse(planned, &b)
               && cpu_bitmap_equal(&a, &b);
    case VALUE_MASK:
        return !cpu_mask_parse(current, &a) && !cpu_mask_parse(planned, &b)
               && cpu_bitmap_equal(&a, &b);
    case VALUE_INT: {
        char *end;
        long long value = strtoll(current, &end, 10);
        return end != current && !*end && value == strtoll(planned, NULL, 10);
    }
    }
    return false;
}

/* Adds a setting (taking path and planned); none when the file could not
 * be read (current NULL). */
static void add_setting(struct nic_plan *plan, char *path, const char *current, char *planned,
                        enum value_kind kind)
{
    struct nic_setting *grown = current && path && planned
        ? realloc(plan->settings, (plan->n + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(path);
        free(planned);
        return;
    }
    plan->settings = grown;
    struct nic_setting *s = &plan->settings[plan->n++];
    s->path = path;
    s->current = strdup(current);
    s->planned = planned;
    s->change = !same_value(kind, current, planned);
    plan->n_changes += s->change;
}

/* The bits a mask as read is wide ("0000,00000000": 48), so that the
 * planned value reads the same way; `dflt` when it is not a mask. */
static unsigned mask_width(const char *current, unsigned dflt)
{
    if (!current || !*current)
        return dflt;
    size_t groups = 1;
    for (const char *p = current; *p; p++)
        groups += *p == ',';
    size_t first_digits = strcspn(current, ",");
    unsigned width = (unsigned)((groups - 1) * 32 + first_digits * 4);
    return width ? width : dflt;
}

static bool has_queue_irqs(const struct nic_info *nic)
{
    for (size_t i = 0; i < nic->n_irqs; i++)
        if (nic->irqs[i].kind != IRQ_DEVICE && nic->irqs[i].queue >= 0)
            return true;
    return false;
}

static unsigned rfs_flow_count(unsigned n_rxq)
{
    unsigned per_queue = NIC_RFS_FLOW_ENTRIES / (n_rxq ? n_rxq : 1);
    unsigned pow2 = 1;
    while (pow2 * 2 <= per_queue)
        pow2 *= 2;
    return pow2;
}

static void plan_settings(const struct nic_info *nic, const struct nic_host *host,
                          const struct steer_targets *t, struct nic_plan *plan)
{
    unsigned width = host->topo.nr_cpu_ids;
    struct cpu_bitmap set;
    for (size_t i = 0; i < nic->n_irqs; i++) {
        const struct nic_irq *irq = &nic->irqs[i];
        if (t->spread && irq->kind != IRQ_DEVICE && irq->queue >= 0) {
            cpu_bitmap_clear(&set);
            if (t->order->n)
                cpu_bitmap_add(&set, (unsigned)t->order->cpus[(unsigned)irq->queue
                                                                % t->order->n]);
        } else {
            set = t->device_irq;
        }
        add_setting(plan, xasprintf("/proc/irq/%u/smp_affinity_list", irq->irq), irq->affinity,
                    cpu_list_format(&set), VALUE_LIST);
    }

    bool rps = t->spread && t->rps->n && (!has_queue_irqs(nic) || nic->n_rxq < t->rps->n);
    for (unsigned q = 0; q < nic->n_rxq; q++) {
        cpu_bitmap_clear(&set);
        if (rps)
            queue_group(t->rps, q, nic->n_rxq, &set);
        add_setting(plan, xasprintf("/sys/class/net/%s/queues/rx-%u/rps_cpus", nic->name, q),
                    nic->rxq[q].rps_cpus,
                    cpu_mask_format(&set, mask_width(nic->rxq[q].rps_cpus, width)), VALUE_MASK);
        add_setting(plan, xasprintf("/sys/class/net/%s/queues/rx-%u/rps_flow_cnt", nic->name, q),
                    nic->rxq[q].rps_flow_cnt,
                    xasprintf("%u", rps ? rfs_flow_count(nic->n_rxq) : 0), VALUE_INT);
    }
    struct cpu_bitmap none;
    cpu_bitmap_clear(&none);
    for (unsigned q = 0; q < nic->n_txq; q++) {
        cpu_bitmap_clear(&set);
        if (t->spread)
            queue_group(t->order, q, nic->n_txq, &set);
        add_setting(plan, xasprintf("/sys/class/net/%s/queues/tx-%u/xps_cpus", nic->name, q),
                    nic->txq[q].xps_cpus,
                    cpu_mask_format(&set, mask_width(nic->txq[q].xps_cpus, width)), VALUE_MASK);
        add_setting(plan, xasprintf("/sys/class/net/%s/queues/tx-%u/xps_rxqs", nic->name, q),
                    nic->txq[q].xps_rxqs,
                    cpu_mask_format(&none, mask_width(nic->txq[q].xps_rxqs, nic->n_rxq)),
                    VALUE_MASK);
    }
    if (rps && host->rps_sock_flow_entries) {
        long long current = strtoll(host->rps_sock_flow_entries, NULL, 10);
        long long planned = current > NIC_RFS_FLOW_ENTRIES ? current : NIC_RFS_FLOW_ENTRIES;
        add_setting(plan, strdup("/proc/sys/net/core/rps_sock_flow_entries"),
                    host->rps_sock_flow_entries, xasprintf("%lld", planned), VALUE_INT);
    }
}

/* The first CPU of the first non-empty set, alone. */
static void first_cpu_of(const struct cpu_bitmap *const *sets, size_t n, struct cpu_bitmap *out)
{
    cpu_bitmap_clear(out);
    for (size_t i = 0; i < n; i++) {
        int first = cpu_bitmap_next(sets[i], 0);
        if (first >= 0) {
            cpu_bitmap_add(out, (unsigned)first);
            return;
        }
    }
}

int nic_plan_build(const struct nic_info *nic, const struct nic_host *host,
                   const struct cpu_bitmap *pmd_cpus, const struct nic_steering *steering,
                   struct nic_plan *plan, char **error)
{
    memset(plan, 0, sizeof *plan);
    *error = NULL;
    const struct cpu_topology *topo = &host->topo;
    if (!cpu_bitmap_count(&topo->online)) {
        *error = xasprintf("no online CPU");
        return -1;
    }
    struct cpu_bitmap no_pmd, pmd, node, near, far, free_cpus, set;
    cpu_bitmap_clear(&no_pmd);
    bitmap_and(&pmd, &topo->online, pmd_cpus ? pmd_cpus : &no_pmd, false);
    const struct cpu_bitmap *node_cpus = cpu_topology_node_cpus(topo, nic->numa_node);
    if (node_cpus)
        bitmap_and(&node, &topo->online, node_cpus, false);
    if (!node_cpus || !cpu_bitmap_count(&node))
        node = topo->online;      /* NUMA node -1 (or empty): the whole machine is near */
    bitmap_and(&near, &node, &pmd, true);              /* the node's CPUs but the workers' */
    bitmap_and(&far, &topo->online, &node, true);      /* the other nodes' */
    bitmap_and(&free_cpus, &topo->online, &pmd, true); /* every CPU but the workers' */

    struct cpu_order *order = calloc(1, sizeof *order);
    struct cpu_order *rps = calloc(1, sizeof *rps);
    if (!order || !rps) {
        free(order);
        free(rps);
        *error = xasprintf("out of memory");
        return -1;
    }
    struct steer_targets t = { .order = order, .rps = rps };
    int status = 0;
    switch (steering->mode) {
    case NIC_STEER_PERFORMANCE:
        /* Near non-workers, far non-workers, near workers, far workers. */
        order_append(order, &near);
        bitmap_and(&set, &far, &pmd, true);
        order_append(order, &set);
        bitmap_and(&set, &node, &pmd, false);
        order_append(order, &set);
        bitmap_and(&set, &far, &pmd, false);
        order_append(order, &set);
        t.device_irq = cpu_bitmap_count(&near) ? near : node;
        order_append(rps, &t.device_irq);
        t.spread = true;
        break;
    case NIC_STEER_CPUS:
        bitmap_and(&set, &steering->cpus, &topo->online, true);
        if (cpu_bitmap_count(&set)) {
            char *offline = cpu_list_format(&set);
            char *online = cpu_list_format(&topo->online);
            *error = xasprintf("CPU %s %s not online (online: %s)", offline ? offline : "?",
                               cpu_bitmap_count(&set) > 1 ? "are" : "is", online ? online : "?");
            free(offline);
            free(online);
            status = -1;
            break;
        }
        order_append(order, &steering->cpus);
        order_append(rps, &steering->cpus);
        t.device_irq = steering->cpus;
        t.spread = true;
        break;
    case NIC_STEER_POWER_SAVE: {
        /* One CPU: the node's first non-worker, else the first non-worker... */
        const struct cpu_bitmap *const candidates[] = { &near, &free_cpus, &node, &topo->online };
        first_cpu_of(candidates, 4, &t.device_irq);
        break;
    }
    case NIC_STEER_OFF:
        t.device_irq = topo->irq_default;
        break;
    }
    if (status == 0)
        plan_settings(nic, host, &t, plan);
    free(order);
    free(rps);
    return status;
}

void nic_plan_free(struct nic_plan *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        free(plan->settings[i].path);
        free(plan->settings[i].current);
        free(plan->settings[i].planned);
    }
    free(plan->settings);
    memset(plan, 0, sizeof *plan);
}
