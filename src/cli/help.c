/* --help: a manual page generated from the command tables, so it never
 * disagrees with what the parser accepts. */
#include "cli/command.h"

#include <string.h>

/* bridge_commands[] holds bridge, port and interface commands; the name
 * says which group a command belongs to in the manual. */
static const char *bridge_table_group(const struct cli_command_def *def)
{
    if (strstr(def->name, "iface"))
        return "Interface commands";
    if (strstr(def->name, "port") || strstr(def->name, "bond"))
        return "Port commands";
    if (!strcmp(def->name, "init") || !strcmp(def->name, "show"))
        return "Open vSwitch commands";
    return "Bridge commands";
}

#define HELP_COLUMN 37          /* where a command's description starts */
#define HELP_WIDTH 79

/* "  USAGE   description", the description wrapped at HELP_WIDTH. */
static void print_command(FILE *out, const struct cli_command_def *def)
{
    const char *usage = def->usage ? def->usage : def->name;
    const char *help = def->help ? def->help : "";
    size_t help_len = strcspn(help, "\n");     /* the first line; a manual page follows */
    int col = fprintf(out, "  %s", usage);
    if (col > HELP_COLUMN - 1) {
        fputc('\n', out);
        col = 0;
    }
    fprintf(out, "%*s", HELP_COLUMN - col, "");
    col = HELP_COLUMN;
    for (const char *end = help + help_len; help < end;) {
        size_t word = strcspn(help, " \n");
        if (col > HELP_COLUMN && col + 1 + (int)word > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_COLUMN, "");
            col = HELP_COLUMN;
        } else if (col > HELP_COLUMN) {
            fputc(' ', out);
            col++;
        }
        fprintf(out, "%.*s", (int)word, help);
        col += (int)word;
        help += word;
        help += strspn(help, " ");
    }
    fputc('\n', out);
}

void cli_print_command_help(FILE *out, const struct cli_command_def *def)
{
    const char *help = def->help ? def->help : "";
    size_t first = strcspn(help, "\n");
    fprintf(out, "NAME\n  %s - %.*s\n\nSYNOPSIS\n  pontoon [OPTIONS] %s\n", def->name,
            (int)first, help, def->usage ? def->usage : def->name);
    if (help[first] == '\n' && help[first + 1])
        fprintf(out, "\n%s", help + first + 1);
    fputs("\nSee pontoon --help for the OPTIONS every command takes.\n", out);
}

static void print_group(FILE *out, const char *title, const struct cli_command_def *table,
                        const char *(*group)(const struct cli_command_def *))
{
    bool first = true;
    for (const struct cli_command_def *def = table; def->name; def++) {
        if (group && strcmp(group(def), title))
            continue;
        if (first)
            fprintf(out, "\n%s:\n", title);
        first = false;
        print_command(out, def);
    }
}

void cli_print_help(FILE *out)
{
    fputs("pontoon - configure and query the Pontoon virtual switch\n"
          "\n"
          "Usage:\n"
          "  pontoon [OPTIONS] COMMAND [ARG...] [-- [OPTIONS] COMMAND [ARG...]]...\n"
          "  pontoon [OPTIONS] RUNTIME-COMMAND [ARG...]\n"
          "\n"
          "Configuration commands take ovs-vsctl's syntax.  All the commands of one\n"
          "invocation, separated by `--`, run as one database transaction: later\n"
          "commands see the changes of earlier ones, and if any command fails none of\n"
          "them takes effect.  pontoon then waits until pontoond has applied the\n"
          "change (unless --no-wait); without a running pontoond the change is\n"
          "applied when it starts.  Runtime commands (ovs-appctl's syntax, names\n"
          "with a '/') ask the running pontoond and cannot be chained.\n",
          out);

    print_group(out, "Open vSwitch commands", bridge_commands, bridge_table_group);
    print_group(out, "Bridge commands", bridge_commands, bridge_table_group);
    print_group(out, "Port commands", bridge_commands, bridge_table_group);
    print_group(out, "Interface commands", bridge_commands, bridge_table_group);
    print_group(out, "Controller and manager commands (kept, not acted on: no OpenFlow)",
                controller_commands, NULL);
    print_group(out, "Database commands", database_commands, NULL);
    fputs("\n  TABLE is Open_vSwitch, Bridge, Port or Interface (any unique prefix,\n"
          "  any case); RECORD a name or uuid (\".\" for Open_vSwitch); COLUMN a\n"
          "  column name or unique prefix, '-' and '_' alike.  Values use OVSDB\n"
          "  syntax: 2, \"text\", [2, 3] or 2,3 for sets, {key=value} for maps.\n",
          out);
    print_group(out, "Runtime commands", runtime_commands, NULL);
    print_command(out, &runtime_forward_command);
    print_group(out, "Host NIC commands (COMMAND --help for each one's manual)", nic_commands,
                NULL);
    print_group(out, "PCI commands (COMMAND --help for each one's manual)", pci_commands, NULL);
    print_group(out, "SR-IOV commands (COMMAND --help for each one's manual)", sriov_commands,
                NULL);
    print_group(out, "Macvtap commands (COMMAND --help for each one's manual)",
                macvtap_commands, NULL);
    print_group(out, "Guest commands (COMMAND --help for its manual)", guest_commands, NULL);

    fputs("\nCommand options (before a command's name, or before the first command):\n"
          "  --may-exist                        add-br/add-port/add-bond: succeed if it\n"
          "                                     already exists as asked\n"
          "  --if-exists                        del-br/del-port and database commands:\n"
          "                                     succeed if it does not exist\n"
          "  --fake-iface                       add-bond: set bond_fake_iface\n"
          "  --columns=COLUMN[,COLUMN]...       list/find: the columns to print\n"
          "  --all                              commands that accept it: every record\n"
          "  --id=@NAME                         create: refer to the new row as @NAME\n"
          "\n"
          "Options:\n"
          "  --db=PATH                          the configuration database\n"
          "                                     (default $PONTOON_DB, else "
          DB_DEFAULT_PATH ");\n"
          "                                     OVS's unix:/var/run/openvswitch/db.sock\n"
          "                                     means that default (there is no server)\n"
          "  --run-dir=DIR                      where pontoond's control socket is\n"
          "                                     (default $PONTOON_RUN_DIR, else /run/pontoon)\n"
          "  -t, --timeout=SECS                 give up after SECS seconds (0: never)\n"
          "  --no-wait                          do not wait for pontoond to apply changes\n"
          "  --dry-run                          run the commands but change nothing\n"
          "  -f, --format=FORMAT                table, list, json, csv or bare\n"
          "  -d, --data=FORMAT                  cell format: string, json or bare\n"
          "  --no-headings                      omit column headings in tables\n"
          "  --bare                             --format=list --data=bare --no-headings\n"
          "  --pretty                           indent JSON output\n"
          "  --oneline                          print each command's output on one line\n"
          "  -h, --help                         print this help and exit\n"
          "  --man                              print this help as pontoon(8) (roff), with\n"
          "                                     each command's manual and the tables\n"
          "  --bash-completion                  print the bash completion script\n"
          "  -V, --version                      print the version and exit\n"
          "\n"
          "Under the Open vSwitch tools' names (make install-ovs-names links them):\n"
          "  ovs-vsctl ...                      as pontoon, errors as \"ovs-vsctl: ...\"\n"
          "  ovs-appctl [-t TARGET] [-T SECS] COMMAND [ARG...]\n"
          "                                     a runtime command; TARGET ovs-vswitchd\n"
          "                                     (pontoond) or its control socket\n"
          "\n"
          "Environment:\n"
          "  PONTOON_DB                         the database path (see --db)\n"
          "  PONTOON_RUN_DIR                    pontoond's run directory (see --run-dir)\n"
          "\n"
          "Exit status:\n"
          "  0    success\n"
          "  1    an error; the database is unchanged\n"
          "  2    br-exists: no such bridge; runtime commands: pontoond refused it\n"
          "  142  --timeout expired before pontoond applied the change (the change\n"
          "       is committed and applied later)\n"
          "\n"
          "Examples:\n"
          "  pontoon add-br br0 -- add-port br0 eth0 -- add-port br0 tap0 tag=10\n"
          "  pontoon add-bond br0 bond0 eth2 eth3 lacp=active bond_mode=balance-tcp\n"
          "  pontoon set Interface patch0 type=patch options:peer=patch1\n"
          "  pontoon fdb/show br0\n",
          out);
}
