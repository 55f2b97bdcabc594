/* The database's rows by uuid: a hash index so that following a reference
 * costs the same at 10 rows as at 10,000 (the CLI's name checks and the
 * daemon's reconcile follow every Bridge -> Port -> Interface reference). */
#ifndef PONTOON_DB_DB_INDEX_H
#define PONTOON_DB_DB_INDEX_H

#include <stdbool.h>
#include <stddef.h>

struct db_row;

struct db_index {
    struct db_row **slots;        /* open addressing; NULL empty, DB_INDEX_GONE removed */
    size_t n_slots;               /* a power of two, or 0 */
    size_t n_used;                /* live entries plus removed markers */
    bool stale;                   /* rebuild before the next lookup */
};

void db_index_init(struct db_index *index);
void db_index_destroy(struct db_index *index);
/* Forgets everything; the owner rebuilds (db_index_add of every row). */
void db_index_clear(struct db_index *index);
/* Adds a row (its uuid must not be in the index yet). */
void db_index_add(struct db_index *index, struct db_row *row);
/* Removes this row, if it is indexed. */
void db_index_remove(struct db_index *index, const struct db_row *row);
/* The row with this normalized uuid, or NULL. */
struct db_row *db_index_find(const struct db_index *index, const char *uuid);

#endif
