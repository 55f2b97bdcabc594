/* Row ids of a command chain: see symbols.h. */
#include "cli/symbols.h"

#include <stdlib.h>
#include <string.h>

#include "db/datum.h"
#include "db/db.h"

void cli_symbols_init(struct cli_symbols *symbols)
{
    symbols->items = NULL;
    symbols->n = 0;
}

void cli_symbols_destroy(struct cli_symbols *symbols)
{
    for (size_t i = 0; i < symbols->n; i++)
        free(symbols->items[i].name);
    free(symbols->items);
    cli_symbols_init(symbols);
}

struct cli_symbol *cli_symbols_get(struct cli_symbols *symbols, const char *name)
{
    for (size_t i = 0; i < symbols->n; i++)
        if (!strcmp(symbols->items[i].name, name))
            return &symbols->items[i];
    struct cli_symbol *grown = realloc(symbols->items, (symbols->n + 1) * sizeof *grown);
    char *copy = strdup(name);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            symbols->items = grown;
        return NULL;
    }
    symbols->items = grown;
    struct cli_symbol *s = &symbols->items[symbols->n++];
    s->name = copy;
    db_random_uuid(s->uuid);
    s->created = false;
    return s;
}

static const char *resolve(const char *name, void *aux)
{
    struct cli_symbol *s = cli_symbols_get(aux, name);
    return s ? s->uuid : NULL;
}

void cli_symbols_resolve_in_values(struct cli_symbols *symbols)
{
    datum_set_symbol_resolver(symbols ? resolve : NULL, symbols);
}

const struct cli_symbol *cli_symbols_dangling(const struct cli_symbols *symbols)
{
    for (size_t i = 0; i < symbols->n; i++)
        if (!symbols->items[i].created)
            return &symbols->items[i];
    return NULL;
}
