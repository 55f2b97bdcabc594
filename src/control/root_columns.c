/* Open_vSwitch columns the daemon writes: see root_columns.h. */
#include "control/root_columns.h"

#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"

/* Sorted, as a set keeps them. */
static const char *const datapath_types[] = { "netdev", "system" };
static const char *const iface_types[] = {
    "dpdkvhostuser", "dpdkvhostuserclient", "geneve", "internal", "patch", "system", "tap",
    "vxlan",
};

static void string_set(struct datum *d, const char *const *values, size_t n)
{
    d->n = n;
    d->keys = calloc(n, sizeof *d->keys);
    d->values = NULL;
    for (size_t i = 0; i < n; i++)
        d->keys[i].string = strdup(values[i]);
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
    struct datum value;
    datum_init_integer(&value, db_row_get_integer(root, "next_cfg", 0));
    db_report_ephemeral(st->db, root, cur_cfg, &value);
    string_set(&value, datapath_types, sizeof datapath_types / sizeof datapath_types[0]);
    db_report_ephemeral(st->db, root, dp_types, &value);
    string_set(&value, iface_types, sizeof iface_types / sizeof iface_types[0]);
    db_report_ephemeral(st->db, root, if_types, &value);
}
