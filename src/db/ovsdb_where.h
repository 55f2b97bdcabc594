/* OVSDB conditions (RFC 7047 section 5.1): the "where" of select, update,
 * mutate, delete and wait, where every condition must hold, and of
 * monitor_cond (ovsdb-server(7) 4.1.12), a list of conditions and booleans
 * of which one must hold.  Also the error object operations answer. */
#ifndef PONTOON_DB_OVSDB_WHERE_H
#define PONTOON_DB_OVSDB_WHERE_H

#include <jansson.h>
#include <stdbool.h>

struct db_row;
struct table_def;

/* An operation's failure, as ovsdb-server words it: {"error", "details",
 * "syntax"?} (a new reference). */
json_t *ovsdb_op_error(const char *error, const json_t *syntax, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct ovsdb_where;

/* Parses `where` (NULL: no condition) for rows of `table`; `booleans`
 * allows true/false among the conditions (monitor_cond).  NULL with *error
 * (an ovsdb_op_error) if it is bad. */
struct ovsdb_where *ovsdb_where_parse(const struct table_def *table, const json_t *where,
                                      bool booleans, json_t **error);
void ovsdb_where_free(struct ovsdb_where *where);
/* Every condition holds (true when there is none). */
bool ovsdb_where_all(const struct ovsdb_where *where, const struct db_row *row);
/* One condition holds, or there is none (monitor_cond's "implicit True"). */
bool ovsdb_where_any(const struct ovsdb_where *where, const struct db_row *row);

#endif
