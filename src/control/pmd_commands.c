/* The worker threads' runtime commands, in the layout OVS prints; each
 * builds JSON data first and renders the text from it. */
#include "control/pmd_commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control_server.h"
#include "control/switch_state.h"
#include "util/strbuf.h"

static unsigned percent(uint64_t part, uint64_t whole)
{
    return whole ? (unsigned)((part * 100 + whole / 2) / whole) : 0;
}

static void command_rxq_show(int argc, const char *const *argv, struct control_reply *reply,
                             void *aux)
{
    struct switch_state *st = aux;
    uint64_t now = pmd_now_ns();
    json_t *pmds = json_array();
    for (unsigned w = 0; w < st->n_workers; w++) {
        json_t *queues = json_array();
        uint64_t window = 0;
        for (size_t i = 0; i < st->n_ifaces; i++) {
            const struct running_iface *iface = st->ifaces[i];
            if (!iface->netdev)
                continue;
            if (argc == 1 && strcmp(iface->name, argv[0]))
                continue;
            for (unsigned q = 0; q < iface->netdev->n_rxq && q < DP_MAX_RXQ; q++) {
                if (iface->rxq_worker[q] != (int)w)
                    continue;
                uint64_t busy = pmd_rxq_window_busy(st, iface, q, now, &window);
                json_array_append_new(
                    queues,
                    json_pack("{s:s, s:i, s:b, s:i, s:I, s:I}", "port", iface->name,
                              "queue-id", q, "enabled", 1, "usage",
                              percent(busy, window), "packets",
                              (json_int_t)__atomic_load_n(&iface->rxq_stats[q].packets,
                                                          __ATOMIC_RELAXED),
                              "busy_ns", (json_int_t)busy));
            }
        }
        json_array_append_new(pmds, json_pack("{s:i, s:i, s:b, s:o}", "numa_id", 0, "core_id",
                                              st->worker_cpus[w], "isolated",
                                              st->worker_isolated[w], "queues", queues));
    }
    struct strbuf text = STRBUF_INIT;
    strbuf_puts(&text, "Displaying last 60 seconds pmd usage %\n");
    size_t i, j;
    json_t *pmd, *queue;
    json_array_foreach(pmds, i, pmd) {
        strbuf_printf(&text, "pmd thread numa_id %d core_id %d:\n",
                      (int)json_integer_value(json_object_get(pmd, "numa_id")),
                      (int)json_integer_value(json_object_get(pmd, "core_id")));
        strbuf_printf(&text, "  isolated : %s\n",
                      json_is_true(json_object_get(pmd, "isolated")) ? "true" : "false");
        json_array_foreach(json_object_get(pmd, "queues"), j, queue) {
            strbuf_printf(&text, "  port: %-16s queue-id: %2d (enabled)   pmd usage: %2d %%\n",
                          json_string_value(json_object_get(queue, "port")),
                          (int)json_integer_value(json_object_get(queue, "queue-id")),
                          (int)json_integer_value(json_object_get(queue, "usage")));
        }
        strbuf_puts(&text, "  overhead:  0 %\n");
    }
    reply->data = pmds;
    reply->text = strbuf_steal(&text);
}

static void worker_delta(const struct switch_state *st, unsigned w, struct dp_worker_stats *d)
{
    datapath_worker_stats(st->dp, w, d);
    const struct dp_worker_stats *b = &st->stats_baseline[w];
    d->rx_packets -= b->rx_packets;
    d->rx_batches -= b->rx_batches;
    d->tx_packets -= b->tx_packets;
    d->tx_batches -= b->tx_batches;
    d->busy_ns -= b->busy_ns;
    d->idle_ns -= b->idle_ns;
}

static void command_stats_show(int argc, const char *const *argv, struct control_reply *reply,
                               void *aux)
{
    struct switch_state *st = aux;
    json_t *pmds = json_array();
    for (unsigned w = 0; st->dp && w < st->n_workers; w++) {
        struct dp_worker_stats d;
        worker_delta(st, w, &d);
        json_array_append_new(
            pmds, json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "numa_id", 0,
                            "core_id", st->worker_cpus[w], "packets_received",
                            (json_int_t)d.rx_packets, "rx_batches", (json_int_t)d.rx_batches,
                            "packets_sent_batched", (json_int_t)d.tx_packets, "output_batches",
                            (json_int_t)d.tx_batches, "processing_ns", (json_int_t)d.busy_ns,
                            "idle_ns", (json_int_t)d.idle_ns));
    }
    struct strbuf text = STRBUF_INIT;
    size_t i;
    json_t *pmd;
    json_array_foreach(pmds, i, pmd) {
#define FIELD(name) ((uint64_t)json_integer_value(json_object_get(pmd, name)))
        uint64_t rx = FIELD("packets_received"), busy = FIELD("processing_ns"),
                 idle = FIELD("idle_ns"), total = busy + idle;
        strbuf_printf(&text, "pmd thread numa_id %d core_id %d:\n", (int)FIELD("numa_id"),
                      (int)FIELD("core_id"));
        strbuf_printf(&text, "  packets received: %llu\n", (unsigned long long)rx);
        strbuf_puts(&text, "  packet recirculations: 0\n");
        strbuf_puts(&text, "  avg. datapath passes per packet: 1.00\n");
        strbuf_printf(&text, "  avg. packets per rx batch: %.2f\n",
                      FIELD("rx_batches") ? (double)rx / (double)FIELD("rx_batches") : 0.0);
        strbuf_printf(&text, "  avg. packets per output batch: %.2f\n",
                      FIELD("output_batches") ? (double)FIELD("packets_sent_batched") /
                                                    (double)FIELD("output_batches")
                                              : 0.0);
        strbuf_printf(&text, "  idle time: %llu us (%.2f%%)\n",
                      (unsigned long long)(idle / 1000),
                      total ? 100.0 * (double)idle / (double)total : 0.0);
        strbuf_printf(&text, "  processing time: %llu us (%.2f%%)\n",
                      (unsigned long long)(busy / 1000),
                      total ? 100.0 * (double)busy / (double)total : 0.0);
        strbuf_printf(&text, "  avg processing time per packet: %.1f ns\n",
                      rx ? (double)busy / (double)rx : 0.0);
#undef FIELD
    }
    reply->data = pmds;
    reply->text = strbuf_steal(&text);
}

static void command_stats_clear(int argc, const char *const *argv, struct control_reply *reply,
                                void *aux)
{
    struct switch_state *st = aux;
    for (unsigned w = 0; st->dp && w < st->n_workers; w++)
        datapath_worker_stats(st->dp, w, &st->stats_baseline[w]);
    reply->text = strdup("");
}

static void command_rebalance(int argc, const char *const *argv, struct control_reply *reply,
                              void *aux)
{
    struct switch_state *st = aux;
    st->rebalance_requested = true;
    switch_reconcile(st);
    reply->text = strdup("pmd rxq rebalance requested.\n");
}

void pmd_commands_register(struct control_server *server, struct switch_state *st)
{
    control_server_register(server, "dpif-netdev/pmd-rxq-show", "[port]", 0, 1,
                            command_rxq_show, st);
    control_server_register(server, "dpif-netdev/pmd-stats-show", "", 0, 0,
                            command_stats_show, st);
    control_server_register(server, "dpif-netdev/pmd-stats-clear", "", 0, 0,
                            command_stats_clear, st);
    control_server_register(server, "dpif-netdev/pmd-rxq-rebalance", "", 0, 0,
                            command_rebalance, st);
}
