/* The schema as OVSDB JSON: see schema_json.h. */
#include "db/schema_json.h"

#include <stdint.h>

#include "db/schema.h"

static bool base_has_constraints(const struct base_type *b)
{
    return b->has_range || b->enum_values || b->ref_table;
}

/* "integer", or {"type": "integer", "minInteger": 0, ...}. */
static json_t *base_to_json(const struct base_type *b)
{
    if (!base_has_constraints(b))
        return json_string(schema_atom_type_name(b->type));
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(schema_atom_type_name(b->type)));
    if (b->has_range && b->min_int != INT64_MIN)
        json_object_set_new(o, "minInteger", json_integer(b->min_int));
    if (b->has_range && b->max_int != INT64_MAX)
        json_object_set_new(o, "maxInteger", json_integer(b->max_int));
    if (b->enum_values) {
        json_t *values = json_array();
        for (const char *const *v = b->enum_values; *v; v++)
            json_array_append_new(values, json_string(*v));
        json_object_set_new(o, "enum", json_pack("[s o]", "set", values));
    }
    if (b->ref_table) {
        json_object_set_new(o, "refTable", json_string(b->ref_table));
        if (b->weak)
            json_object_set_new(o, "refType", json_string("weak"));
    }
    return o;
}

static json_t *type_to_json(const struct column_def *col)
{
    bool map = col->value.type != ATOM_NONE;
    if (col->n_min == 1 && col->n_max == 1 && !map && !base_has_constraints(&col->key))
        return json_string(schema_atom_type_name(col->key.type));
    json_t *o = json_object();
    json_object_set_new(o, "key", base_to_json(&col->key));
    if (map)
        json_object_set_new(o, "value", base_to_json(&col->value));
    if (col->n_min != 1)
        json_object_set_new(o, "min", json_integer(col->n_min));
    if (col->n_max == UINT32_MAX)
        json_object_set_new(o, "max", json_string("unlimited"));
    else if (col->n_max != 1)
        json_object_set_new(o, "max", json_integer(col->n_max));
    return o;
}

json_t *schema_table_to_json(const struct table_def *table)
{
    json_t *columns = json_object();
    for (size_t i = 0; i < table->n_columns; i++) {
        const struct column_def *col = &table->columns[i];
        json_t *c = json_pack("{s:o}", "type", type_to_json(col));
        if (col->ephemeral)
            json_object_set_new(c, "ephemeral", json_true());
        if (col->immutable)
            json_object_set_new(c, "mutable", json_false());
        json_object_set_new(columns, col->name, c);
    }
    json_t *t = json_pack("{s:o, s:b}", "columns", columns, "isRoot", table->is_root);
    if (table->max_rows)
        json_object_set_new(t, "maxRows", json_integer(table->max_rows));
    json_t *indexes = json_array();
    if (table->name_column)
        json_array_append_new(indexes, json_pack("[s]", table->name_column));
    if (table->index) {
        json_t *index = json_array();
        for (const char *const *name = table->index; *name; name++)
            json_array_append_new(index, json_string(*name));
        json_array_append_new(indexes, index);
    }
    if (json_array_size(indexes))
        json_object_set_new(t, "indexes", indexes);
    else
        json_decref(indexes);
    return t;
}

json_t *schema_to_json(void)
{
    json_t *tables = json_object();
    for (size_t i = 0; i < schema_n_tables; i++)
        json_object_set_new(tables, schema_tables[i]->name, schema_table_to_json(schema_tables[i]));
    return json_pack("{s:s, s:s, s:o}", "name", OVS_SCHEMA_NAME, "version", OVS_SCHEMA_VERSION,
                     "tables", tables);
}
