/* The configuration schema as an OVSDB schema (RFC 7047 section 3.2): what
 * get_schema answers, and what OVS's clients check their tables against. */
#ifndef PONTOON_DB_SCHEMA_JSON_H
#define PONTOON_DB_SCHEMA_JSON_H

#include <jansson.h>

#include "db/schema.h"

/* {"name": "Open_vSwitch", "version": "8.3.1", "tables": {...}}: every table
 * of schema.c, OVS's and Pontoon's host tables, in the forms ovsdb-server
 * prints (an atomic type without constraints as a bare name, min and max
 * only when not 1).  A new reference; NULL only when out of memory. */
json_t *schema_to_json(void);
/* One table's {"columns", "isRoot", "maxRows"?, "indexes"?}, for tables
 * outside schema_tables too (_Server's Database). */
json_t *schema_table_to_json(const struct table_def *table);

#endif
