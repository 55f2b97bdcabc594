/* `show`: the switch as ovs-vsctl 3.1 prints it — the Open_vSwitch row's
 * uuid, its managers, then each bridge (its controllers first), its ports
 * and their interfaces, each with the few columns ovs-vsctl shows when they
 * differ from their default.  With --format=json the same walk fills a JSON
 * object instead. */
#include "cli/command.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "db/datum.h"
#include "db/db.h"
#include "db/schema.h"

/* The columns ovs-vsctl's show prints for each table, in its order. */
static const char *const bridge_fields[] = { "fail_mode", "datapath_type", NULL };
static const char *const target_fields[] = { "is_connected", NULL };   /* Manager, Controller */
static const char *const port_fields[] = { "tag", "trunks", NULL };
static const char *const iface_fields[] = { "type", "options", "error", NULL };
/* Beyond ovs-vsctl: a vhost-user port's status tells whether its guest is
 * there (a kernel device's status, its driver, stays in `list`). */
static const char *const vhost_iface_fields[] = { "type", "options", "error", "status", NULL };
static const char *const root_fields[] = { "ovs_version", NULL };

struct show_out {
    struct strbuf *text;          /* text mode */
    json_t *json;                 /* JSON mode: the object being filled */
};

/* A column's value as plain JSON: maps as objects, multi-valued sets as
 * arrays, optional and scalar values bare (null when absent). */
static json_t *atom_json(const union atom *atom, enum atom_type type)
{
    switch (type) {
    case ATOM_INTEGER: return json_integer(atom->integer);
    case ATOM_REAL:    return json_real(atom->real);
    case ATOM_BOOLEAN: return json_boolean(atom->boolean);
    case ATOM_STRING:
    case ATOM_UUID:    return json_string(atom->string);
    case ATOM_NONE:    break;
    }
    return json_null();
}

static json_t *datum_plain_json(const struct datum *d, const struct column_def *col)
{
    if (column_is_map(col)) {
        json_t *obj = json_object();
        for (size_t i = 0; i < d->n; i++) {
            char *key = atom_to_string(&d->keys[i], col->key.type);
            json_object_set_new(obj, key ? key : "", atom_json(&d->values[i], col->value.type));
            free(key);
        }
        return obj;
    }
    if (col->n_max > 1) {
        json_t *array = json_array();
        for (size_t i = 0; i < d->n; i++)
            json_array_append_new(array, atom_json(&d->keys[i], col->key.type));
        return array;
    }
    return d->n ? atom_json(&d->keys[0], col->key.type) : json_null();
}

static bool is_default(const struct datum *d, const struct column_def *col)
{
    struct datum dflt;
    datum_default(&dflt, col);
    bool same = datum_equals(d, &dflt, col);
    datum_destroy(&dflt, col);
    return same;
}

/* Prints (or stores) the listed columns of `row` that are set; `depth` is
 * the row's nesting (Open_vSwitch 0, Bridge 1, Port 2, Interface 3). */
static void show_fields(struct show_out *out, const struct db_row *row,
                        const char *const *fields, int depth)
{
    for (; *fields; fields++) {
        const struct column_def *col;
        char *error = NULL;
        if (schema_find_column(row->table, *fields, &col, &error)) {
            free(error);   /* a column this schema lacks is simply never set */
            continue;
        }
        const struct datum *value = &row->columns[schema_column_index(row->table, col)];
        if (is_default(value, col))
            continue;
        if (out->json) {
            json_object_set_new(out->json, col->name, datum_plain_json(value, col));
        } else {
            char *text = datum_to_string(value, col);
            strbuf_printf(out->text, "%*s%s: %s\n", (depth + 1) * 4, "", col->name,
                          text ? text : "");
            free(text);
        }
    }
}

/* Starts a child node ("Bridge br0", "Manager "ptcp:6640""); in JSON mode
 * appends an object with its name (the column `name_column`; and an empty
 * `children` array) to the parent's array `list`, makes it current and
 * returns the parent for show_node_end. */
static json_t *show_node(struct show_out *out, const char *kind, const char *list,
                         const char *children, const struct db_row *row, int depth,
                         const char *name_column)
{
    const char *name = db_row_get_string(row, name_column);
    if (!out->json) {
        union atom atom = { .string = (char *)name };
        char *quoted = atom_to_string(&atom, ATOM_STRING);
        strbuf_printf(out->text, "%*s%s %s\n", depth * 4, "", kind, quoted ? quoted : name);
        free(quoted);
        return NULL;
    }
    json_t *parent = out->json;
    json_t *array = json_object_get(parent, list);
    if (!array) {
        array = json_array();
        json_object_set_new(parent, list, array);
    }
    json_t *node = json_pack("{s:s}", name_column, name);
    if (children)
        json_object_set_new(node, children, json_array());
    json_array_append_new(array, node);
    out->json = node;
    return parent;
}

static void show_node_end(struct show_out *out, json_t *parent)
{
    if (out->json)
        out->json = parent;
}

static int compare_order(const void *a_, const void *b_)
{
    const struct db_row *a = *(const struct db_row *const *)a_;
    const struct db_row *b = *(const struct db_row *const *)b_;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The rows of `table` that `parent`'s uuid-set `column` refers to, in
 * database order: found by uuid and sorted, not by a pass over the table
 * per parent (quadratic on a 1000-port bridge).  Free the array. */
static struct db_row **children(struct db *db, const struct table_def *table,
                                const struct db_row *parent, const char *column, size_t *n)
{
    const struct datum *refs = db_row_get(parent, column);
    struct db_row **rows = malloc((refs->n ? refs->n : 1) * sizeof *rows);
    *n = 0;
    if (!rows)
        return NULL;
    for (size_t i = 0; i < refs->n; i++) {
        struct db_row *row = db_find_row_by_uuid(db, refs->keys[i].string);
        if (row && row->table == table && !row->deleted)
            rows[(*n)++] = row;
    }
    qsort(rows, *n, sizeof *rows, compare_order);
    return rows;
}

/* The Manager or Controller rows `parent`'s `column` refers to, each as a
 * node named by its target. */
static void show_targets(struct db *db, struct show_out *out, const struct db_row *parent,
                         const char *column, const char *kind, const char *list, int depth)
{
    size_t n;
    struct db_row **rows = children(db, schema_find_table(kind), parent, column, &n);
    for (size_t i = 0; i < n; i++) {
        json_t *up = show_node(out, kind, list, NULL, rows[i], depth, "target");
        show_fields(out, rows[i], target_fields, depth);
        show_node_end(out, up);
    }
    free(rows);
}

static void show_switch(struct db *db, struct show_out *out)
{
    const struct table_def *bridges = schema_find_table("Bridge");
    const struct table_def *ports = schema_find_table("Port");
    const struct table_def *ifaces = schema_find_table("Interface");
    struct db_row *root = db_root_row(db);
    if (!root)
        return;
    if (out->json) {
        json_object_set_new(out->json, "uuid", json_string(root->uuid));
        json_object_set_new(out->json, "bridges", json_array());
    } else
        strbuf_printf(out->text, "%s\n", root->uuid);
    show_targets(db, out, root, "manager_options", "Manager", "managers", 1);

    size_t n_br, n_port, n_iface;
    struct db_row **brs = children(db, bridges, root, "bridges", &n_br);
    for (size_t i = 0; i < n_br; i++) {
        struct db_row *br = brs[i];
        json_t *up_br = show_node(out, "Bridge", "bridges", "ports", br, 1, "name");
        show_targets(db, out, br, "controller", "Controller", "controllers", 2);
        show_fields(out, br, bridge_fields, 1);
        struct db_row **port_rows = children(db, ports, br, "ports", &n_port);
        for (size_t j = 0; j < n_port; j++) {
            struct db_row *port = port_rows[j];
            json_t *up_port = show_node(out, "Port", "ports", "interfaces", port, 2, "name");
            show_fields(out, port, port_fields, 2);
            struct db_row **iface_rows = children(db, ifaces, port, "interfaces", &n_iface);
            for (size_t k = 0; k < n_iface; k++) {
                struct db_row *iface = iface_rows[k];
                json_t *up_iface = show_node(out, "Interface", "interfaces", NULL, iface, 3,
                                             "name");
                const char *type = db_row_get_string(iface, "type");
                bool vhost = !strncmp(type, "dpdkvhostuser", strlen("dpdkvhostuser"));
                show_fields(out, iface, vhost ? vhost_iface_fields : iface_fields, 3);
                show_node_end(out, up_iface);
            }
            free(iface_rows);
            show_node_end(out, up_port);
        }
        free(port_rows);
        show_node_end(out, up_br);
    }
    free(brs);
    show_fields(out, root, root_fields, 0);
}

int cmd_show(struct cli_context *ctx)
{
    if (ctx->options->format_given && ctx->options->format == FORMAT_JSON) {
        json_t *obj = json_object();
        struct show_out out = { .json = obj };
        show_switch(ctx->db, &out);
        char *text = json_dumps(obj, ctx->options->pretty ? JSON_INDENT(4) : JSON_COMPACT);
        if (text)
            strbuf_printf(&ctx->output, "%s\n", text);
        free(text);
        json_decref(obj);
        return 0;
    }
    struct show_out out = { .text = &ctx->output };
    show_switch(ctx->db, &out);
    return 0;
}
