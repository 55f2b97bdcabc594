/* Shared by the database unit tests (test_db, test_db_index): a private
 * directory per test, and rows built as add-br / add-port build them.
 * Header-only: each test is one program; include after cmocka.h. */
#ifndef PONTOON_TESTS_DB_FIXTURE_H
#define PONTOON_TESTS_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "db/db.h"
#include "db/schema.h"

struct fixture {
    char dir[64];
    char path[128];               /* the database, somewhere under dir */
};

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd))
        return -1;
    free(f);
    return 0;
}

static const struct table_def *T(const char *name)
{
    return schema_find_table(name);
}

static struct db *open_db(const char *path)
{
    struct db *db = NULL;
    char *error = NULL;
    if (db_open(path, &db, &error))
        fail_msg("db_open: %s", error);
    return db;
}

static struct db_row *add_interface(struct db *db, const char *name)
{
    struct db_row *iface = db_insert_row(db, T("Interface"));
    db_row_set_string(iface, "name", name);
    return iface;
}

/* add-port: a Port with one Interface of the same name, on `bridge`. */
static struct db_row *add_port(struct db *db, struct db_row *bridge, const char *name)
{
    struct db_row *iface = add_interface(db, name);
    struct db_row *port = db_insert_row(db, T("Port"));
    db_row_set_string(port, "name", name);
    db_row_add_ref(port, "interfaces", iface->uuid);
    db_row_add_ref(bridge, "ports", port->uuid);
    return port;
}

/* add-br: the Bridge, in the root's bridges, with its own port. */
static struct db_row *add_bridge(struct db *db, const char *name)
{
    struct db_row *br = db_insert_row(db, T("Bridge"));
    db_row_set_string(br, "name", name);
    db_row_add_ref(db_root_row(db), "bridges", br->uuid);
    add_port(db, br, name);
    return br;
}

#endif
