/* MAC learning table keyed by (VLAN, MAC), with aging and a size bound.
 * Pure: the caller passes the time and serializes access. */
#ifndef PONTOON_SWITCHING_FDB_H
#define PONTOON_SWITCHING_FDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDB_DEFAULT_AGING_S   300
#define FDB_DEFAULT_MAX       8192
#define FDB_NO_PORT           UINT32_MAX

struct fdb;

struct fdb_entry {
    uint16_t vlan;
    uint8_t mac[6];
    uint32_t port;        /* the switch's port number (ofport) */
    uint32_t age_s;       /* seconds since last seen */
};

struct fdb *fdb_create(size_t max_entries, uint32_t aging_s);
void fdb_destroy(struct fdb *fdb);
/* Changes limits; shrinking evicts the least recently seen entries. */
void fdb_set_limits(struct fdb *fdb, size_t max_entries, uint32_t aging_s);

/* Records that `mac` on `vlan` was seen on `port`.  A full table evicts its
 * least recently seen entry.  Returns true if an entry was added or moved. */
bool fdb_learn(struct fdb *fdb, uint16_t vlan, const uint8_t mac[6], uint32_t port,
               uint64_t now_ms);
/* The port `mac` was learned on in `vlan`, or FDB_NO_PORT (also when expired). */
uint32_t fdb_lookup(const struct fdb *fdb, uint16_t vlan, const uint8_t mac[6],
                    uint64_t now_ms);
/* Like fdb_lookup, also giving when the entry was last seen, and safe to call
 * while another thread modifies the table (but not while it is resized): the
 * walk is bounded and every index checked, so it always ends; what it returns
 * is only meaningful if the caller's sequence lock shows no write overlapped. */
uint32_t fdb_lookup_concurrent(const struct fdb *fdb, uint16_t vlan, const uint8_t mac[6],
                               uint64_t now_ms, uint64_t *seen_ms);
/* Removes entries older than the aging time; returns how many. */
size_t fdb_expire(struct fdb *fdb, uint64_t now_ms);
void fdb_flush(struct fdb *fdb);
/* Forgets everything learned on `port` (port removed or its VLAN changed). */
void fdb_flush_port(struct fdb *fdb, uint32_t port);
size_t fdb_count(const struct fdb *fdb);
/* Copies up to `max` live entries, oldest-learned first; returns how many. */
size_t fdb_dump(const struct fdb *fdb, struct fdb_entry *out, size_t max, uint64_t now_ms);

#endif
