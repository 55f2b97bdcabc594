/* Bridge columns the daemon writes: see bridge_columns.h. */
#include "control/bridge_columns.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/db.h"
#include "control/kernel_path.h"
#include "db/schema.h"
#include "netdev/netdev.h"

bool bridge_datapath_id(const char *configured, const uint8_t *mac, char out[17])
{
    if (configured && strlen(configured) == 16) {
        bool hex = true;
        for (int i = 0; i < 16; i++)
            hex = hex && isxdigit((unsigned char)configured[i]);
        if (hex) {
            for (int i = 0; i < 16; i++)
                out[i] = (char)tolower((unsigned char)configured[i]);
            out[16] = '\0';
            return true;
        }
    }
    if (!mac)
        return false;
    snprintf(out, 17, "0000%02x%02x%02x%02x%02x%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    return true;
}

void bridge_columns_write(struct switch_state *st)
{
    const struct table_def *table = schema_find_table("Bridge");
    const struct column_def *dpid_col, *version_col, *status_col;
    char *err = NULL;
    if (schema_find_column(table, "datapath_id", &dpid_col, &err) < 0 ||
        schema_find_column(table, "datapath_version", &version_col, &err) < 0 ||
        schema_find_column(table, "status", &status_col, &err) < 0) {
        free(err);
        return;
    }
    for (size_t i = 0; i < st->n_bridges; i++) {
        const char *name = st->bridges[i]->name;
        const struct db_row *row = db_find_row(st->db, table, name);
        if (!row)
            continue;
        /* The bridge's MAC is its internal port's, a device of ours. */
        uint8_t mac[6];
        bool have_mac = netdev_get_mac(name, mac) == 0;
        char dpid[17];
        bool have = bridge_datapath_id(db_row_get_map_string(row, "other_config", "datapath-id"),
                                       have_mac ? mac : NULL, dpid);
        struct datum value = DATUM_EMPTY;
        if (have)
            datum_init_string(&value, dpid);
        db_report_ephemeral(st->db, row, dpid_col, &value);
        datum_init_string(&value, "<built-in>");
        db_report_ephemeral(st->db, row, version_col, &value);
        /* datapath_type=system: which datapath runs it, and why not the kernel. */
        char kernel[512];
        const char *fast_path = kernel_path_status(st->bridges[i], kernel, sizeof kernel);
        value = (struct datum)DATUM_EMPTY;
        if (fast_path) {
            value.n = 2;
            value.keys = calloc(2, sizeof *value.keys);
            value.values = calloc(2, sizeof *value.values);
            value.keys[0].string = strdup("datapath");
            value.values[0].string = strdup(kernel_path_active(st->bridges[i]) ? "system"
                                                                               : "netdev");
            value.keys[1].string = strdup("kernel_fast_path");
            value.values[1].string = strdup(fast_path);
        }
        db_report_ephemeral(st->db, row, status_col, &value);
    }
}
