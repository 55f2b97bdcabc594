/* The Interface columns the daemon writes back after each reconcile, as
 * ovs-vswitchd does: ofport, error, and the device as the kernel reports it:
 * admin_state, link_state, ifindex, mac_in_use, mtu, link_speed, duplex and
 * status (driver_name, driver_version, firmware_version); for vhost-user
 * ports, status and link_state tell of the guest.  (statistics:
 * iface_stats.h.) */
#ifndef PONTOON_CONTROL_IFACE_COLUMNS_H
#define PONTOON_CONTROL_IFACE_COLUMNS_H

#include "control/switch_state.h"

/* Writes them for every running interface, in one transaction, and only
 * when a row differs from what is stored.  The kernel is asked only about
 * devices new, reopened or named in a link event since it was last asked
 * (running_iface.link_known; the daemon takes queued link events before
 * each reconcile). */
void iface_columns_write(struct switch_state *st);

#endif
