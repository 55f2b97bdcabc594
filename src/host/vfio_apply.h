/* The thin applier of a passthrough plan (host/vfio_plan.h): its writes,
 * in order, under a root ("" this machine; a directory: a copy of a
 * captured tree, for tests). */
#ifndef PONTOON_HOST_VFIO_APPLY_H
#define PONTOON_HOST_VFIO_APPLY_H

#include "host/vfio_plan.h"

/* Writes each of plan's writes (a VFIO_GO plan) and stops at the first the
 * kernel refuses.  0, or -1 with a heap *error naming the file and what the
 * kernel said ("/sys/bus/pci/drivers_probe: No such device"). */
int vfio_plan_apply(const char *root, const struct vfio_plan *plan, char **error);

#endif
