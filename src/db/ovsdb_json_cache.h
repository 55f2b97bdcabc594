/* What the monitors of all clients share while they look at one state of
 * the database: each cell's JSON, made once, and the comparisons and
 * update2 differences between a reported value and the current one, worked
 * out once.  200 clients monitoring the same table then cost one client's
 * work plus 200 lookups per change, not 200 times the work.
 *
 * Valid for one database revision: the owner clears it when the database
 * changed.  Values are borrowed from the cache (json_incref to keep them);
 * JSON keys are held by the cache until it is cleared, so that a pointer
 * is never reused for another value while it names an entry. */
#ifndef PONTOON_DB_OVSDB_JSON_CACHE_H
#define PONTOON_DB_OVSDB_JSON_CACHE_H

#include <jansson.h>
#include <stdbool.h>

struct column_def;
struct db_row;
struct ovsdb_json_cache;

struct ovsdb_json_cache *ovsdb_json_cache_new(void);
void ovsdb_json_cache_free(struct ovsdb_json_cache *cache);
void ovsdb_json_cache_clear(struct ovsdb_json_cache *cache);

/* The row's cell in column `col` as OVSDB JSON (rows that stay put until
 * the next clear: the configuration's, not _Server's made-up rows). */
json_t *ovsdb_json_cache_cell(struct ovsdb_json_cache *cache, const struct db_row *row,
                              const struct column_def *col);
/* Whether two cell values are equal. */
bool ovsdb_json_cache_equal(struct ovsdb_json_cache *cache, json_t *a, json_t *b);
/* update2's difference from `old` to `new` in column `col` (datum_diff). */
json_t *ovsdb_json_cache_diff(struct ovsdb_json_cache *cache, json_t *old, json_t *new,
                              const struct column_def *col);

#endif
