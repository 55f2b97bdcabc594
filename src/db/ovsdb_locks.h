/* OVSDB locks (RFC 7047 sections 4.1.8-4.1.11): named locks that clients
 * take, queue for, steal and release; the database itself is not locked by
 * them — a transaction's "assert" operation checks that its client holds
 * one.  Owners are opaque pointers (the sessions); whoever gains or loses
 * a lock other than by asking is told through `notify`, with "locked" or
 * "stolen".  Pure. */
#ifndef PONTOON_DB_OVSDB_LOCKS_H
#define PONTOON_DB_OVSDB_LOCKS_H

#include <stdbool.h>

struct ovsdb_locks;

/* `owner` gained ("locked") or lost ("stolen") lock `name`. */
typedef void ovsdb_lock_notify_fn(void *owner, const char *method, const char *name);

struct ovsdb_locks *ovsdb_locks_new(ovsdb_lock_notify_fn *notify);
void ovsdb_locks_free(struct ovsdb_locks *locks);

/* "lock": true if `owner` now holds it, false if it waits in line for it;
 * -1 if it already holds or waits for it. */
int ovsdb_lock(struct ovsdb_locks *locks, void *owner, const char *name);
/* "steal": `owner` holds it now; a previous holder is told "stolen" and
 * waits next in line (leaves it, if it had stolen the lock itself: as
 * ovsdb-server).  -1 if `owner` already holds or waits for it. */
int ovsdb_lock_steal(struct ovsdb_locks *locks, void *owner, const char *name);
/* "unlock": `owner` gives the lock up or leaves the line; the next in line
 * is told "locked".  -1 if it neither holds nor waits for it. */
int ovsdb_unlock(struct ovsdb_locks *locks, void *owner, const char *name);
/* Everything `owner` holds or waits for (its client went away). */
void ovsdb_unlock_all(struct ovsdb_locks *locks, void *owner);
bool ovsdb_lock_held(const struct ovsdb_locks *locks, const void *owner, const char *name);

#endif
