/* `COLUMN[:KEY]=VALUE` arguments, as ovs-vsctl set/create/add-port take them:
 * parsing against a table's schema and applying to a row. */
#ifndef PONTOON_CLI_COLUMN_SET_H
#define PONTOON_CLI_COLUMN_SET_H

#include <stdbool.h>

#include "db/db.h"
#include "db/schema.h"

/* Splits `COLUMN[:KEY]=VALUE`, finding COLUMN with schema_find_column.
 * With value == NULL the argument is `COLUMN[:KEY]` (get, clear) and no
 * value may follow.  *key and *value are heap strings as typed (*key NULL
 * when absent): the caller parses them with atom_from_string /
 * datum_from_string.  Returns 0, or -1 with a heap *error in the ovs-vsctl
 * wording, e.g. 'options:peer=: argument does not end in "=" followed by a
 * value.'  The pseudo-column "_uuid" parses with *col = NULL: callers that
 * accept it (get, find, list) handle it; the others refuse it. */
int column_arg_parse(const struct table_def *t, const char *arg,
                     const struct column_def **col, char **key, char **value,
                     char **error);

/* True for columns that set/add/remove/clear may not change (name, which
 * identifies the row): "cannot modify read-only column name in table Port". */
bool column_is_read_only(const struct table_def *t, const struct column_def *col);

/* Parses `COLUMN[:KEY]=VALUE` and stores it in `row`: the whole column, or
 * (maps) one key.  Refuses read-only columns.  Returns 0 or -1 with a heap
 * *error; on error the row is unchanged.  `db` is for references by uuid. */
int column_set_apply(struct db *db, struct db_row *row, const char *arg, char **error);

/* The same without the read-only check, for a row being created. */
int column_set_apply_new(struct db *db, struct db_row *row, const char *arg, char **error);

#endif
