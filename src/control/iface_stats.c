/* Interface.statistics: see iface_stats.h. */
#include "control/iface_stats.h"

#include <stdlib.h>
#include <string.h>

#include "db/db.h"
#include "control/kernel_path.h"
#include "db/schema.h"
#include "control/switch_state.h"
#include "datapath/datapath.h"
#include "netdev/netdev.h"
#include "netdev/netdev_vhostuser.h"
#include "util/clock.h"
#include "util/log.h"

static void set_counter(struct datum *d, const struct column_def *col, const char *key,
                        uint64_t value)
{
    union atom k = { .string = (char *)key };
    union atom v = { .integer = (int64_t)(value & INT64_MAX) };
    datum_map_set(d, col, &k, &v);
}

void iface_statistics(const struct dp_port_stats *dp, const struct netdev_stats *netdev,
                      const uint64_t vhost[2], const struct column_def *col, struct datum *out)
{
    static const struct netdev_stats none;
    const struct netdev_stats *n = netdev ? netdev : &none;
    datum_init_empty(out);
    out->values = NULL;
    set_counter(out, col, "rx_packets", dp->rx_packets);
    set_counter(out, col, "rx_bytes", dp->rx_bytes);
    set_counter(out, col, "rx_dropped", dp->rx_dropped + n->rx_dropped);
    set_counter(out, col, "rx_errors", n->rx_errors);
    set_counter(out, col, "tx_packets", dp->tx_packets);
    set_counter(out, col, "tx_bytes", dp->tx_bytes);
    set_counter(out, col, "tx_dropped", dp->tx_dropped);
    set_counter(out, col, "tx_errors", n->tx_errors);
    if (vhost) {
        set_counter(out, col, "ovs_tx_retries", vhost[0]);
        set_counter(out, col, "ovs_tx_failure_drops", vhost[1]);
    }
}

uint64_t iface_stats_interval_ms(const char *text)
{
    if (!text || !*text)
        return IFACE_STATS_INTERVAL_MS;
    char *end;
    unsigned long long ms = strtoull(text, &end, 10);
    /* As OVS: shorter than the default means the default. */
    if (*end || ms < IFACE_STATS_INTERVAL_MS)
        return IFACE_STATS_INTERVAL_MS;
    return ms;
}

static void running_statistics(const struct switch_state *st, const struct running_iface *iface,
                               const struct column_def *col, struct datum *out)
{
    struct dp_port_stats dp;
    dp_port_stats_read(iface->stats, &dp);
    struct netdev_stats ns;
    const struct netdev_stats *netdev = NULL;
    if (iface->netdev && iface->netdev->class->get_stats) {
        memset(&ns, 0, sizeof ns);
        iface->netdev->class->get_stats(iface->netdev, &ns);
        netdev = &ns;
    }
    struct netdev_vhostuser_status vs;
    uint64_t vhost[2];
    bool is_vhost = iface->netdev && netdev_vhostuser_get_status(iface->netdev, &vs) == 0;
    if (is_vhost) {
        vhost[0] = vs.tx_retries;
        vhost[1] = vs.tx_failure_drops;
    }
    /* A kernel port (datapath_type=system): what the program handled
     * itself adds to what reached userspace (the frames it passed up). */
    struct pbs_counters k;
    if (kernel_path_port_counters(switch_find_bridge(st, iface->bridge), iface, &k)) {
        dp.rx_packets += k.n[PBS_RX] - k.n[PBS_PASSED_UP];
        dp.rx_bytes += k.n[PBS_FORWARDED_BYTES];
        dp.rx_dropped += k.n[PBS_DROPPED];
        dp.tx_packets += k.n[PBS_TX];
        dp.tx_bytes += k.n[PBS_TX_BYTES];
    }
    iface_statistics(&dp, netdev, is_vhost ? vhost : NULL, col, out);
}

void iface_stats_write(struct switch_state *st, uint64_t now_ms)
{
    const struct db_row *root = db_root_row(st->db);
    uint64_t interval = iface_stats_interval_ms(
        root ? db_row_get_map_string(root, "other_config", "stats-update-interval") : NULL);
    if (st->stats_written_ms && now_ms - st->stats_written_ms + CLOCK_TICK_SLACK_MS < interval)
        return;
    st->stats_written_ms = now_ms;

    const struct column_def *col;
    char *err = NULL;
    if (schema_find_column(schema_find_table("Interface"), "statistics", &col, &err) < 0) {
        free(err);
        return;
    }
    const char **uuids = calloc(st->n_ifaces ? st->n_ifaces : 1, sizeof *uuids);
    struct datum *values = calloc(st->n_ifaces ? st->n_ifaces : 1, sizeof *values);
    size_t n = 0;
    for (size_t i = 0; uuids && values && i < st->n_ifaces; i++) {
        const struct db_row *row = db_find_row_by_uuid(st->db, st->ifaces[i]->uuid);
        if (!row)
            continue;
        running_statistics(st, st->ifaces[i], col, &values[n]);
        if (datum_equals(&values[n], db_row_get(row, "statistics"), col)) {
            datum_destroy(&values[n], col);
            continue;
        }
        uuids[n++] = st->ifaces[i]->uuid;
    }
    /* Only these cells, no reload: after traffic stops this runs once more,
     * and an idle switch should not pay for a whole transaction. A command
     * holding the database only delays it to the next interval. */
    if (n && db_write_ephemeral_rows(st->db, "Interface", "statistics", n, uuids, values, 100,
                                     &err) < 0) {
        log_warn("cannot write interface statistics: %s", err);
        free(err);
    }
    for (size_t i = 0; i < n; i++)
        datum_destroy(&values[i], col);
    free(values);
    free(uuids);
}
