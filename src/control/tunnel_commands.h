/* Tunnel ports at run time: their part of dpif/show, and tnl/ports/show. */
#ifndef PONTOON_CONTROL_TUNNEL_COMMANDS_H
#define PONTOON_CONTROL_TUNNEL_COMMANDS_H

#include <jansson.h>

#include "util/strbuf.h"

struct control_server;
struct netdev;
struct switch_state;

/* A tunnel port's remote, VNI, UDP port, inner MTU and counters; NULL if
 * dev is not a tunnel. */
json_t *tunnel_port_json(struct netdev *dev);
/* From that JSON: OVS's "vxlan: key=100, remote_ip=..." options text (after
 * the type in dpif/show's parentheses) and a counters line. */
void tunnel_port_text(const json_t *tunnel, struct strbuf *options, struct strbuf *line);

void tunnel_commands_register(struct control_server *server, struct switch_state *st);

#endif
