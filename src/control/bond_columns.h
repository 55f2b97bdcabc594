/* What ovs-vswitchd writes of a bond: Port bond_active_slave (the active
 * member's MAC, all zeros with none; read back when the bond is created, so a
 * restart keeps the same member active) and each member Interface's
 * lacp_current (its partner information is current; empty without LACP). */
#ifndef PONTOON_CONTROL_BOND_COLUMNS_H
#define PONTOON_CONTROL_BOND_COLUMNS_H

#include <stdbool.h>
#include <stdint.h>

#include "control/switch_state.h"

/* Writes the cells that differ from what is stored (cheap when none do:
 * called after every bond tick). */
void bond_columns_write(struct switch_state *st);

/* "aa:bb:cc:dd:ee:ff" → mac; false if it is not one (or all zeros). */
bool bond_columns_parse_mac(const char *text, uint8_t mac[6]);

#endif
