/* `pontoon --man`: pontoon(8), generated from --help, each command's own
 * manual and the database schema — the same tables the parser and the
 * database use, so the page cannot disagree with them. */
#include "cli/command.h"

#include <stdlib.h>
#include <string.h>

#include "db/config_keys.h"
#include "db/schema.h"
#include "util/man_roff.h"

/* What --help prints, as a string (free it). */
static char *help_text(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    if (!mem)
        return NULL;
    cli_print_help(mem);
    fclose(mem);
    return text;
}


/* A command's manual: its usage, then what its help holds after the first
 * line (DESCRIPTION, OPTIONS, EXAMPLES ...). */
static void print_command_manual(FILE *out, const struct cli_command_def *def)
{
    const char *help = def->help ? def->help : "";
    const char *more = strchr(help, '\n');
    if (!more || !more[1])
        return;
    fputs(".SS ", out);
    man_roff_text(out, def->usage ? def->usage : def->name);
    /* The one-line summary is filled text; the manual keeps its layout. */
    char *first = strndup(help, (size_t)(more - help));
    if (first) {
        fputs("\n.PP\n", out);
        man_roff_text(out, first);
        fputc('\n', out);
        free(first);
    }
    man_roff_body(out, more + 1, 1);
}

static void print_column(FILE *out, const struct column_def *col)
{
    const char *key = schema_atom_type_name(col->key.type);
    char type[96];
    if (column_is_map(col))
        snprintf(type, sizeof type, "map of %s to %s", key,
                 schema_atom_type_name(col->value.type));
    else if (col->n_max == 1)
        snprintf(type, sizeof type, "%s%s", col->n_min ? "" : "optional ", key);
    else
        snprintf(type, sizeof type, "set of %s", key);
    fprintf(out, "  %-28s %s\n", col->name, type);
}

void cli_print_man(FILE *out)
{
    man_roff_header(out, "pontoon", "8", "configure and query the Pontoon virtual switch",
                    "Pontoon " PONTOON_VERSION);
    char *help = help_text();
    if (help) {
        /* The first line is NAME's. */
        const char *body = strchr(help, '\n');
        fputs(".SH DESCRIPTION\n", out);
        man_roff_body(out, body ? body + 1 : "", 0);
        free(help);
    }
    fputs(".SH COMMAND MANUALS\n", out);
    for (size_t t = 0; t < cli_n_command_tables; t++)
        for (const struct cli_command_def *def = cli_command_tables[t]; def->name; def++)
            print_command_manual(out, def);
    /* The database: every table and column Pontoon stores (OVS 3.1's schema
     * and its own host tables), with their types. */
    fputs(".SH TABLES AND COLUMNS\n", out);
    for (size_t t = 0; t < schema_n_tables; t++) {
        const struct table_def *table = schema_tables[t];
        char *text = NULL;
        size_t size = 0;
        FILE *mem = open_memstream(&text, &size);
        if (!mem)
            continue;
        for (size_t c = 0; c < table->n_columns; c++)
            print_column(mem, &table->columns[c]);
        fclose(mem);
        fprintf(out, ".SS %s\n", table->name);
        man_roff_body(out, text, 0);
        free(text);
    }
    /* The keys of other_config and options that Pontoon acts on; other
     * keys are stored and ignored, as OVS ignores keys it does not know. */
    fputs(".SH CONFIGURATION KEYS\n", out);
    for (size_t i = 0; i < n_config_keys; i++) {
        const struct config_key *k = &config_keys[i];
        fputs(".TP\n.B ", out);
        char name[160];
        snprintf(name, sizeof name, "%s %s:%s", k->table, k->column, k->key);
        man_roff_text(out, name);
        fputc('\n', out);
        man_roff_text(out, k->meaning);
        fputc('\n', out);
    }
    fputs(".SH SEE ALSO\npontoond(8), ovs\\-vsctl(8), ovs\\-appctl(8)\n", out);
}
