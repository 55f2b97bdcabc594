/* Keeps the Macvtap table's devices made: after every reload pontoond calls
 * macvtap_keeper_run(), which makes each row's macvtap (or the host's
 * macvlan) as the row says, brings it up, makes /dev/tapN where nothing else
 * did, deletes the devices it made for rows that are gone, and writes each
 * row's status (ifindex, mac, device, error).  Devices stay when pontoond
 * stops: a guest keeps its network through a restart. */
#ifndef PONTOON_CONTROL_MACVTAP_KEEPER_H
#define PONTOON_CONTROL_MACVTAP_KEEPER_H

#include <stdbool.h>

struct db;
struct macvtap_keeper;

int macvtap_keeper_create(struct db *db, struct macvtap_keeper **out);
void macvtap_keeper_destroy(struct macvtap_keeper *k);
/* Makes the devices match the database (the caller reloaded it). */
void macvtap_keeper_run(struct macvtap_keeper *k);
/* True when a link event for device `name` (a kept device or its lower
 * device appeared, changed or went away) calls for another run. */
bool macvtap_keeper_watches(const struct macvtap_keeper *k, const char *name);

#endif
