/* Open_vSwitch columns the daemon writes: see root_columns.h. */
#include "control/root_columns.h"

#include <stdlib.h>
#include <string.h>

#include "control/datum.h"
#include "control/db.h"
#include "control/schema.h"
#include "util/log.h"

/* Sorted, as a set keeps them. */
static const char *const datapath_types[] = { "netdev" };
static const char *const iface_types[] = {
    "dpdkvhostuser", "dpdkvhostuserclient", "internal", "patch", "system", "tap",
};

static void string_set(struct datum *d, const char *const *values, size_t n)
{
    d->n = n;
    d->keys = calloc(n, sizeof *d->keys);
    d->values = NULL;
    for (size_t i = 0; i < n; i++)
        d->keys[i].string = strdup(values[i]);
}

static void write_if_differs(struct db *db, const struct db_row *root,
                             const struct column_def *col, struct datum *value)
{
    char *err = NULL;
    if (!datum_equals(value, db_row_get(root, col->name), col) &&
        db_write_ephemeral(db, "Open_vSwitch", root->uuid, col->name, value, &err) < 0) {
        log_warn("cannot write Open_vSwitch %s: %s", col->name, err);
        free(err);
    }
    datum_destroy(value, col);
}

void root_columns_write(struct switch_state *st)
{
    const struct db_row *root = db_root_row(st->db);
    const struct column_def *cur_cfg, *dp_types, *if_types;
    char *err = NULL;
    if (!root || schema_find_column(root->table, "cur_cfg", &cur_cfg, &err) < 0 ||
        schema_find_column(root->table, "datapath_types", &dp_types, &err) < 0 ||
        schema_find_column(root->table, "iface_types", &if_types, &err) < 0) {
        free(err);
        return;
    }
    struct datum cur = { 1, calloc(1, sizeof *cur.keys), NULL };
    cur.keys[0].integer = db_row_get_integer(root, "next_cfg", 0);
    write_if_differs(st->db, root, cur_cfg, &cur);
    struct datum types;
    string_set(&types, datapath_types, sizeof datapath_types / sizeof datapath_types[0]);
    write_if_differs(st->db, root, dp_types, &types);
    string_set(&types, iface_types, sizeof iface_types / sizeof iface_types[0]);
    write_if_differs(st->db, root, if_types, &types);
}
