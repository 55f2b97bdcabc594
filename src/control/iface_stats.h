/* Interface.statistics, as OVS keeps it: each interface's counters from the
 * switch's side, written every other_config:stats-update-interval ms (OVS:
 * default and minimum 5000) and only for rows whose counters moved, so an
 * idle switch writes nothing.  libvirt reads them (virsh domifstat) with
 * `list Interface --columns=statistics`. */
#ifndef PONTOON_CONTROL_IFACE_STATS_H
#define PONTOON_CONTROL_IFACE_STATS_H

#include <stdint.h>

#include "db/datum.h"
#include "control/switch_state.h"

#define IFACE_STATS_INTERVAL_MS 5000

struct netdev_stats;
struct dp_port_stats;

/* The statistics map (Interface.statistics' column type): rx/tx packets and
 * bytes as the datapath counted them; dropped = the datapath's drops plus
 * what the port dropped below it (rx only: the datapath already counts every
 * frame a send did not take); errors from the port.  `netdev` may be NULL
 * (patch ports, a device not open).  vhost-user ports add ovs_tx_retries and
 * ovs_tx_failure_drops (`vhost` non-NULL: {retries, failure drops}). */
void iface_statistics(const struct dp_port_stats *dp, const struct netdev_stats *netdev,
                      const uint64_t vhost[2], const struct column_def *col, struct datum *out);

/* other_config:stats-update-interval of the Open_vSwitch row (text or NULL). */
uint64_t iface_stats_interval_ms(const char *text);

/* Writes every interface's statistics that changed, at most once per
 * interval (the first call writes). */
void iface_stats_write(struct switch_state *st, uint64_t now_ms);

#endif
