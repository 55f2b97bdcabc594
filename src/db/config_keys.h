/* The keys of map columns (other_config, options) that Pontoon acts on,
 * with what each does: the man page's CONFIGURATION KEYS section is made
 * from this list, and tests/integration/test_config_keys.py checks that
 * every key the sources read is here and every key here is read. */
#ifndef PONTOON_DB_CONFIG_KEYS_H
#define PONTOON_DB_CONFIG_KEYS_H

#include <stddef.h>

struct config_key {
    const char *table, *column, *key;
    const char *meaning;          /* one line: values, default, effect */
};

extern const struct config_key config_keys[];
extern const size_t n_config_keys;

#endif
