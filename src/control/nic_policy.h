/* Keeps the NIC table applied to the host's network devices: each row's
 * steering policy (host/nic_plan.h) and combined channel count, at start,
 * after every committed change, when the device appears again (hot plug,
 * driver reload, deleted and re-created) and when its number of queues
 * changes.  A policy that goes away (row removed, steering cleared) gives
 * the device back to the kernel's defaults once.  What was done goes into
 * NIC.status: applied=true|false, error, irqs, rx_queues, tx_queues,
 * steering, channels, irqbalance. */
#ifndef PONTOON_CONTROL_NIC_POLICY_H
#define PONTOON_CONTROL_NIC_POLICY_H

#include <stdbool.h>

struct db;
struct nic_policy;

struct nic_policy *nic_policy_create(void);
void nic_policy_destroy(struct nic_policy *np);

/* Applies every NIC row of `db` (loaded), restores the defaults of devices
 * whose policy went away, and writes NIC.status. */
void nic_policy_run(struct nic_policy *np, struct db *db);

/* A link event (control/link_monitor.h): true when it concerns a device of
 * a NIC row that appeared with a new ifindex or went away, so that the
 * caller runs nic_policy_run soon. */
bool nic_policy_link_event(struct nic_policy *np, const char *name, int ifindex, bool exists);

/* The once-a-second check: true when a NIC row's device came or went, or
 * changed its number of queues, since it was last applied. */
bool nic_policy_check(struct nic_policy *np);
/* Whether there is anything for nic_policy_check to look at. */
bool nic_policy_watching(const struct nic_policy *np);

#endif
