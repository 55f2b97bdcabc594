/* Runtime commands of bonds and LACP (see bond_commands.c). */
#ifndef PONTOON_CONTROL_BOND_COMMANDS_H
#define PONTOON_CONTROL_BOND_COMMANDS_H

struct control_server;
struct switch_state;

void bond_commands_register(struct control_server *server, struct switch_state *st);

#endif
