/* Writes a steering plan (host/nic_plan.h): each setting that changes, in
 * the plan's order, under a root (host/nic_files.h).  Thin on purpose:
 * every decision is the planner's. */
#ifndef PONTOON_HOST_NIC_APPLY_H
#define PONTOON_HOST_NIC_APPLY_H

#include <stddef.h>

#include "host/nic_plan.h"

/* Returns how many writes failed; each failure goes on (the others are
 * independent) and is named in *errors ("/proc/irq/38/smp_affinity_list:
 * Input/output error; ..."; heap, NULL when none).  *written counts the
 * writes that succeeded (may be NULL). */
size_t nic_plan_apply(const char *root, const struct nic_plan *plan, size_t *written,
                      char **errors);

#endif
