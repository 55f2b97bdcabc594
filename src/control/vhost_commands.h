/* vhost/show: the state of vhost-user ports. */
#ifndef PONTOON_CONTROL_VHOST_COMMANDS_H
#define PONTOON_CONTROL_VHOST_COMMANDS_H

struct control_server;
struct switch_state;

void vhost_commands_register(struct control_server *server, struct switch_state *st);

#endif
