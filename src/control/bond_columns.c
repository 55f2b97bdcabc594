/* Bond columns the daemon writes: see bond_columns.h. */
#include "control/bond_columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/bond_runtime.h"
#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"

bool bond_columns_parse_mac(const char *text, uint8_t mac[6])
{
    unsigned b[6];
    char end;
    if (!text || sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
                        &b[5], &end) != 6)
        return false;
    bool zero = true;
    for (int i = 0; i < 6; i++) {
        mac[i] = (uint8_t)b[i];
        zero = zero && !mac[i];
    }
    return !zero;
}

static void write_active_slave(struct switch_state *st, const struct running_bond *bond,
                               const struct column_def *col)
{
    const struct db_row *row = db_find_row_by_uuid(st->db, bond->uuid);
    if (!row)
        return;
    uint8_t mac[6] = { 0 };
    if (bond_get_active_member(bond->bond) != BOND_NO_MEMBER)
        bond_get_active_member_mac(bond->bond, mac);
    char text[18];
    snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
             mac[4], mac[5]);
    struct datum value;
    datum_init_string(&value, text);
    db_report_ephemeral(st->db, row, col, &value);
}

static void write_lacp_current(struct switch_state *st, const struct running_bond *bond,
                               const struct column_def *col)
{
    for (unsigned m = 0; m < bond->n_members; m++) {
        const struct running_iface *iface = bond->members[m];
        const struct db_row *row = db_find_row_by_uuid(st->db, iface->uuid);
        if (!row)
            continue;
        struct datum value = DATUM_EMPTY;
        struct lacp_member_status s;
        if (bond->lacp && lacp_find_member_status(bond->lacp, iface->ofport, &s) == 0)
            datum_init_boolean(&value, s.rx_state == LACP_RX_CURRENT);
        db_report_ephemeral(st->db, row, col, &value);
    }
}

void bond_columns_write(struct switch_state *st)
{
    const struct column_def *active, *current;
    char *err = NULL;
    if (!st->n_bonds)
        return;         /* the common case, on every timer tick */
    if (schema_find_column(schema_find_table("Port"), "bond_active_slave", &active, &err) < 0 ||
        schema_find_column(schema_find_table("Interface"), "lacp_current", &current, &err) < 0) {
        free(err);
        return;
    }
    for (size_t i = 0; i < st->n_bonds; i++) {
        if (!st->bonds[i]->seen)
            continue;
        write_active_slave(st, st->bonds[i], active);
        write_lacp_current(st, st->bonds[i], current);
    }
}
