/* Runtime commands about the running switch (fdb/show, fdb/flush, dpif/show,
 * version), registered with the control server. */
#ifndef PONTOON_CONTROL_SWITCH_COMMANDS_H
#define PONTOON_CONTROL_SWITCH_COMMANDS_H

struct control_server;
struct switch_state;

#define PONTOON_VERSION "0.1.0"

void switch_commands_register(struct control_server *server, struct switch_state *st);

#endif
