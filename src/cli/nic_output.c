/* The nic/ commands' output: the inventory and a steering plan turned into
 * JSON once, and the text printed from that JSON, so that --format=json and
 * the text never disagree (see cli/nic_output.h). */
#include "cli/nic_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

/* ---- the inventory ---- */

json_t *nic_json_text_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}

static json_t *json_int_or_null(const char *text)
{
    char *end;
    long long value = text ? strtoll(text, &end, 10) : 0;
    return text && end != text && !*end ? json_integer(value) : json_null();
}

static const char *kind_name(enum irq_queue_kind kind)
{
    switch (kind) {
    case IRQ_RX: return "rx";
    case IRQ_TX: return "tx";
    case IRQ_RXTX: return "rxtx";
    case IRQ_DEVICE: break;
    }
    return "device";
}

/* The interrupts serving queue q in direction `rx` (rx, or tx). */
static json_t *queue_irqs(const struct nic_info *nic, unsigned q, bool rx)
{
    json_t *list = json_array();
    for (size_t i = 0; i < nic->n_irqs; i++) {
        const struct nic_irq *irq = &nic->irqs[i];
        if (irq->queue == (int)q
            && (irq->kind == IRQ_RXTX || irq->kind == (rx ? IRQ_RX : IRQ_TX)))
            json_array_append_new(list, json_integer(irq->irq));
    }
    return list;
}

static json_t *channels_json(const struct nic_info *nic)
{
    if (!nic->has_channels)
        return json_null();
    const struct nic_channels *c = &nic->channels;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                     "combined", (json_int_t)c->combined, "rx", (json_int_t)c->rx,
                     "tx", (json_int_t)c->tx, "other", (json_int_t)c->other,
                     "max_combined", (json_int_t)c->max_combined,
                     "max_rx", (json_int_t)c->max_rx, "max_tx", (json_int_t)c->max_tx,
                     "max_other", (json_int_t)c->max_other);
}

static json_t *nic_json(const struct nic_info *nic, unsigned n_cpus)
{
    json_t *rxqs = json_array(), *txqs = json_array(), *irqs = json_array();
    for (unsigned q = 0; q < nic->n_rxq; q++)
        json_array_append_new(rxqs, json_pack("{s:I, s:o, s:o, s:o}", "queue", (json_int_t)q,
                                              "rps_cpus", nic_json_text_or_null(nic->rxq[q].rps_cpus),
                                              "rps_flow_cnt",
                                              json_int_or_null(nic->rxq[q].rps_flow_cnt),
                                              "irqs", queue_irqs(nic, q, true)));
    for (unsigned q = 0; q < nic->n_txq; q++)
        json_array_append_new(txqs, json_pack("{s:I, s:o, s:o, s:o}", "queue", (json_int_t)q,
                                              "xps_cpus", nic_json_text_or_null(nic->txq[q].xps_cpus),
                                              "xps_rxqs", nic_json_text_or_null(nic->txq[q].xps_rxqs),
                                              "irqs", queue_irqs(nic, q, false)));
    for (size_t i = 0; i < nic->n_irqs; i++) {
        const struct nic_irq *irq = &nic->irqs[i];
        json_t *counts = json_array();
        for (unsigned c = 0; c < n_cpus; c++)
            json_array_append_new(counts, json_integer(irq->counts ? (json_int_t)irq->counts[c]
                                                                   : 0));
        json_array_append_new(irqs, json_pack(
            "{s:I, s:s, s:s, s:o, s:o, s:o, s:o}", "irq", (json_int_t)irq->irq,
            "name", irq->name ? irq->name : "", "kind", kind_name(irq->kind),
            "queue", irq->queue >= 0 ? json_integer(irq->queue) : json_null(),
            "affinity", nic_json_text_or_null(irq->affinity),
            "effective_affinity", nic_json_text_or_null(irq->effective), "counts", counts));
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:I, s:o, s:I, s:o, s:o, s:o, s:o}",
                     "name", nic->name, "driver", nic->driver, "version", nic->version,
                     "bus", nic->bus, "virtio", nic_json_text_or_null(nic->virtio),
                     "virtual", nic->is_virtual, "numa_node", (json_int_t)nic->numa_node,
                     "speed_mbps", nic->speed_mbps >= 0 ? json_integer(nic->speed_mbps)
                                                        : json_null(),
                     "mtu", (json_int_t)nic->mtu, "channels", channels_json(nic),
                     "rx_queues", rxqs, "tx_queues", txqs, "irqs", irqs);
}

json_t *nic_inventory_json(const struct nic_inventory *inv)
{
    const struct cpu_topology *topo = &inv->host.topo;
    char *online = cpu_list_format(&topo->online);
    char *irq_default = cpu_list_format(&topo->irq_default);
    json_t *nodes = json_array();
    for (size_t i = 0; i < topo->n_nodes; i++) {
        char *cpus = cpu_list_format(&topo->nodes[i].cpus);
        json_array_append_new(nodes, json_pack("{s:I, s:s}", "node",
                                               (json_int_t)topo->nodes[i].id,
                                               "cpus", cpus ? cpus : ""));
        free(cpus);
    }
    json_t *net_rx = json_array();
    for (unsigned c = 0; c < inv->host.n_net_rx; c++)
        json_array_append_new(net_rx, json_integer((json_int_t)inv->host.net_rx[c]));
    json_t *devices = json_array();
    for (size_t i = 0; i < inv->n_nics; i++)
        json_array_append_new(devices, nic_json(&inv->nics[i], inv->host.n_irq_cpus));
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:I, s:o, s:s}, s:o, s:o, s:o}", "root", inv->root,
        "cpus", "online", online ? online : "", "possible", (json_int_t)topo->nr_cpu_ids,
        "nodes", nodes, "irq_default_affinity", irq_default ? irq_default : "",
        "net_rx_softirqs", net_rx,
        "rps_sock_flow_entries", json_int_or_null(inv->host.rps_sock_flow_entries),
        "devices", devices);
    free(online);
    free(irq_default);
    return doc;
}

/* ---- the inventory as text, from the JSON ---- */

/* Rows of cells printed in aligned columns, two spaces apart. */
struct text_table {
    char **cells;
    size_t n_cols, n_cells;
};

static void table_add(struct text_table *t, char *cell)
{
    char **grown = realloc(t->cells, (t->n_cells + 1) * sizeof *grown);
    if (!grown) {
        free(cell);
        return;
    }
    t->cells = grown;
    t->cells[t->n_cells++] = cell ? cell : strdup("");
}

static void table_print(struct text_table *t, const char *indent, struct strbuf *out)
{
    size_t width[16] = { 0 };
    for (size_t i = 0; i < t->n_cells; i++) {
        size_t len = strlen(t->cells[i]);
        if (len > width[i % t->n_cols])
            width[i % t->n_cols] = len;
    }
    for (size_t i = 0; i < t->n_cells; i++) {
        size_t col = i % t->n_cols;
        if (col == 0)
            strbuf_puts(out, indent);
        if (col == t->n_cols - 1)
            strbuf_printf(out, "%s\n", t->cells[i]);
        else
            strbuf_printf(out, "%-*s  ", (int)width[col], t->cells[i]);
        free(t->cells[i]);
    }
    free(t->cells);
    t->cells = NULL;
    t->n_cells = 0;
}

static char *cell_text(json_t *value)
{
    if (json_is_string(value))
        return strdup(json_string_value(value));
    if (json_is_integer(value))
        return xasprintf("%lld", (long long)json_integer_value(value));
    return strdup("-");
}

static char *int_list(json_t *array)
{
    struct strbuf sb = STRBUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach(array, i, v)
        strbuf_printf(&sb, "%s%lld", i ? "," : "", (long long)json_integer_value(v));
    return sb.len ? strbuf_steal(&sb) : strdup("-");
}

/* "CPU:count" for each CPU that took any, the seed's "all on CPU0" at a glance. */
static char *counts_text(json_t *counts)
{
    struct strbuf sb = STRBUF_INIT;
    size_t cpu;
    json_t *v;
    json_array_foreach(counts, cpu, v)
        if (json_integer_value(v))
            strbuf_printf(&sb, "%s%zu:%lld", sb.len ? " " : "", cpu,
                          (long long)json_integer_value(v));
    return sb.len ? strbuf_steal(&sb) : strdup("-");
}

static void device_text(json_t *dev, struct strbuf *out)
{
    const char *bus = json_string_value(json_object_get(dev, "bus"));
    json_t *virtio = json_object_get(dev, "virtio");
    json_t *speed = json_object_get(dev, "speed_mbps");
    strbuf_printf(out, "%s: driver %s%s%s", json_string_value(json_object_get(dev, "name")),
                  *json_string_value(json_object_get(dev, "driver"))
                      ? json_string_value(json_object_get(dev, "driver")) : "unknown",
                  *json_string_value(json_object_get(dev, "version")) ? " " : "",
                  json_string_value(json_object_get(dev, "version")));
    if (*bus)
        strbuf_printf(out, ", bus %s%s%s%s", bus, json_is_string(virtio) ? " (" : "",
                      json_is_string(virtio) ? json_string_value(virtio) : "",
                      json_is_string(virtio) ? ")" : "");
    else
        strbuf_puts(out, ", virtual");
    strbuf_printf(out, ", NUMA node %lld", (long long)json_integer_value(
                                               json_object_get(dev, "numa_node")));
    if (json_is_integer(speed))
        strbuf_printf(out, ", %lld Mb/s", (long long)json_integer_value(speed));
    strbuf_printf(out, ", mtu %lld\n", (long long)json_integer_value(json_object_get(dev, "mtu")));

    json_t *ch = json_object_get(dev, "channels");
    json_t *rxqs = json_object_get(dev, "rx_queues"), *txqs = json_object_get(dev, "tx_queues");
    strbuf_printf(out, "  queues: %zu rx, %zu tx", json_array_size(rxqs), json_array_size(txqs));
    if (json_is_object(ch)) {
        static const char *const kinds[] = { "combined", "rx", "tx", "other" };
        strbuf_puts(out, "; channels (current/max):");
        for (int k = 0; k < 4; k++) {
            char max_key[16];
            snprintf(max_key, sizeof max_key, "max_%s", kinds[k]);
            json_int_t max = json_integer_value(json_object_get(ch, max_key));
            if (max)
                strbuf_printf(out, " %s %lld/%lld", kinds[k],
                              (long long)json_integer_value(json_object_get(ch, kinds[k])),
                              (long long)max);
        }
    } else {
        strbuf_puts(out, "; channels unknown");
    }
    strbuf_putc(out, '\n');

    struct text_table t = { NULL, 4, 0 };
    const char *heads[] = { "queue", "rps_cpus", "rps_flow_cnt", "irqs" };
    for (int i = 0; i < 4; i++)
        table_add(&t, strdup(heads[i]));
    size_t i;
    json_t *q;
    json_array_foreach(rxqs, i, q) {
        table_add(&t, xasprintf("rx-%zu", i));
        table_add(&t, cell_text(json_object_get(q, "rps_cpus")));
        table_add(&t, cell_text(json_object_get(q, "rps_flow_cnt")));
        table_add(&t, int_list(json_object_get(q, "irqs")));
    }
    if (json_array_size(rxqs))
        table_print(&t, "  ", out);
    const char *tx_heads[] = { "queue", "xps_cpus", "xps_rxqs", "irqs" };
    for (int h = 0; h < 4; h++)
        table_add(&t, strdup(tx_heads[h]));
    json_array_foreach(txqs, i, q) {
        table_add(&t, xasprintf("tx-%zu", i));
        table_add(&t, cell_text(json_object_get(q, "xps_cpus")));
        table_add(&t, cell_text(json_object_get(q, "xps_rxqs")));
        table_add(&t, int_list(json_object_get(q, "irqs")));
    }
    if (json_array_size(txqs))
        table_print(&t, "  ", out);

    json_t *irqs = json_object_get(dev, "irqs");
    if (!json_array_size(irqs)) {
        strbuf_puts(out, "  interrupts: none\n");
        return;
    }
    t.n_cols = 6;
    const char *irq_heads[] = { "irq", "queue", "affinity", "effective", "count per CPU",
                                "name" };
    for (int h = 0; h < 6; h++)
        table_add(&t, strdup(irq_heads[h]));
    json_t *irq;
    json_array_foreach(irqs, i, irq) {
        json_t *queue = json_object_get(irq, "queue");
        const char *kind = json_string_value(json_object_get(irq, "kind"));
        table_add(&t, cell_text(json_object_get(irq, "irq")));
        table_add(&t, json_is_integer(queue)
                          ? xasprintf("%s-%lld", kind, (long long)json_integer_value(queue))
                          : strdup("-"));
        table_add(&t, cell_text(json_object_get(irq, "affinity")));
        table_add(&t, cell_text(json_object_get(irq, "effective_affinity")));
        table_add(&t, counts_text(json_object_get(irq, "counts")));
        table_add(&t, cell_text(json_object_get(irq, "name")));
    }
    table_print(&t, "  ", out);
}

void nic_inventory_text(json_t *doc, struct strbuf *out)
{
    size_t i;
    json_t *dev;
    json_array_foreach(json_object_get(doc, "devices"), i, dev) {
        device_text(dev, out);
        strbuf_putc(out, '\n');
    }
    json_t *cpus = json_object_get(doc, "cpus");
    strbuf_printf(out, "CPUs: online %s", json_string_value(json_object_get(cpus, "online")));
    json_t *node;
    json_array_foreach(json_object_get(cpus, "nodes"), i, node)
        strbuf_printf(out, "; node %lld: %s",
                      (long long)json_integer_value(json_object_get(node, "node")),
                      json_string_value(json_object_get(node, "cpus")));
    strbuf_printf(out, "\nrps_sock_flow_entries: %s\n",
                  json_is_integer(json_object_get(doc, "rps_sock_flow_entries")) ? "" : "-");
    if (json_is_integer(json_object_get(doc, "rps_sock_flow_entries"))) {
        out->len--;   /* the value goes before the newline */
        out->data[out->len] = '\0';
        strbuf_printf(out, "%lld\n", (long long)json_integer_value(
                                         json_object_get(doc, "rps_sock_flow_entries")));
    }
    strbuf_puts(out, "NET_RX softirqs per CPU:");
    json_t *count;
    json_array_foreach(json_object_get(doc, "net_rx_softirqs"), i, count)
        strbuf_printf(out, "%s CPU%zu %lld", i && i % 8 == 0 ? "\n " : "", i,
                      (long long)json_integer_value(count));
    strbuf_putc(out, '\n');
}

/* ---- a steering plan ---- */

json_t *nic_plan_json(const char *dev, const char *steering, const struct nic_plan *plan,
                      const char *warning)
{
    json_t *settings = json_array();
    for (size_t i = 0; i < plan->n; i++)
        json_array_append_new(settings, json_pack("{s:s, s:s, s:s, s:b}",
                                                  "path", plan->settings[i].path,
                                                  "current", plan->settings[i].current,
                                                  "planned", plan->settings[i].planned,
                                                  "change", plan->settings[i].change));
    return json_pack("{s:s, s:s, s:I, s:o, s:o}", "device", dev, "steering", steering,
                     "changes", (json_int_t)plan->n_changes, "settings", settings,
                     "warning", nic_json_text_or_null(warning));
}

void nic_plan_text(json_t *doc, struct strbuf *out)
{
    json_t *settings = json_object_get(doc, "settings");
    strbuf_printf(out, "%s: %s: %zu settings, %lld to change\n",
                  json_string_value(json_object_get(doc, "device")),
                  json_string_value(json_object_get(doc, "steering")), json_array_size(settings),
                  (long long)json_integer_value(json_object_get(doc, "changes")));
    struct text_table t = { NULL, 4, 0 };
    size_t i;
    json_t *s;
    json_array_foreach(settings, i, s) {
        table_add(&t, strdup(json_string_value(json_object_get(s, "path"))));
        table_add(&t, strdup(json_string_value(json_object_get(s, "current"))));
        table_add(&t, strdup("->"));
        bool change = json_is_true(json_object_get(s, "change"));
        table_add(&t, xasprintf("%s%s", json_string_value(json_object_get(s, "planned")),
                                change ? "" : "  (unchanged)"));
    }
    if (json_array_size(settings))
        table_print(&t, "  ", out);
    json_t *warning = json_object_get(doc, "warning");
    if (json_is_string(warning))
        strbuf_printf(out, "warning: %s\n", json_string_value(warning));
}

/* The interrupts a plan moves and where to, for irqbalance's advice. */
