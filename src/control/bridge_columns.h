/* What ovs-vswitchd writes of a bridge: datapath_id (other_config:
 * datapath-id when it is 16 hex digits, else 0000 and the bridge's own MAC,
 * as OVS derives it; OpenStack's agents wait for it) and datapath_version
 * ("<built-in>" for a userspace datapath). */
#ifndef PONTOON_CONTROL_BRIDGE_COLUMNS_H
#define PONTOON_CONTROL_BRIDGE_COLUMNS_H

#include <stdbool.h>
#include <stdint.h>

#include "control/switch_state.h"

/* The datapath_id text (17 bytes with the NUL) for a bridge with `configured`
 * (other_config:datapath-id, or NULL) and its MAC (NULL if unknown); false
 * when there is none to give. */
bool bridge_datapath_id(const char *configured, const uint8_t *mac, char out[17]);

/* After a reconcile: writes the cells that differ from what is stored. */
void bridge_columns_write(struct switch_state *st);

#endif
