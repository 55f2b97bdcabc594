/* The row ids of one command chain (`-- --id=@name create ...`, then `@name`
 * wherever a uuid goes, before or after the create), as ovs-vsctl has
 * them: a name referenced gets its uuid at once; `create --id` gives the row
 * that uuid; a name referenced but never created is an error. */
#ifndef PONTOON_CLI_SYMBOLS_H
#define PONTOON_CLI_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>

struct cli_symbol {
    char *name;                   /* "@name" */
    char uuid[37];
    bool created;
};

struct cli_symbols {
    struct cli_symbol *items;
    size_t n;
};

void cli_symbols_init(struct cli_symbols *symbols);
void cli_symbols_destroy(struct cli_symbols *symbols);
/* The symbol `name`, made (not yet created) if new. */
struct cli_symbol *cli_symbols_get(struct cli_symbols *symbols, const char *name);
/* Resolves "@name" in values read while the chain runs (db/datum.h's hook);
 * call with NULL afterwards. */
void cli_symbols_resolve_in_values(struct cli_symbols *symbols);
/* A name referenced but never created, or NULL. */
const struct cli_symbol *cli_symbols_dangling(const struct cli_symbols *symbols);

#endif
