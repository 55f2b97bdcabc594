/* The Open_vSwitch columns the daemon writes, as ovs-vswitchd does:
 * cur_cfg (= next_cfg once a configuration is applied; ovs-vsctl counts
 * next_cfg up with every change it waits for), datapath_types and
 * iface_types (what this switch can run). */
#ifndef PONTOON_CONTROL_ROOT_COLUMNS_H
#define PONTOON_CONTROL_ROOT_COLUMNS_H

#include "control/switch_state.h"

/* After a reconcile: writes those that differ from what is stored. */
void root_columns_write(struct switch_state *st);

#endif
