/* Server side of the control socket: accepts connections, reads one JSON
 * request per line, dispatches by method name to registered commands. */
#ifndef PONTOON_CONTROL_CONTROL_SERVER_H
#define PONTOON_CONTROL_CONTROL_SERVER_H

#include <jansson.h>

struct control_server;

/* A command's answer: data (any JSON, may be NULL) and text rendered from it,
 * or an error message.  Handlers fill one of the two. */
struct control_reply {
    json_t *data;
    char *text;
    char *error;
};

typedef void control_handler(int argc, const char *const *argv, struct control_reply *reply,
                             void *aux);

int control_server_open(const char *run_dir, struct control_server **out);
void control_server_close(struct control_server *server);
/* Registers `name`; args outside [min_args, max_args] are refused before the
 * handler runs.  `usage` is shown by list-commands ("fdb/show bridge"). */
void control_server_register(struct control_server *server, const char *name,
                             const char *usage, int min_args, int max_args,
                             control_handler *handler, void *aux);
/* The file descriptors to poll (listener and clients) change as clients come
 * and go; the owner polls control_server_epoll_fd() and calls
 * control_server_run() when it is readable. */
int control_server_epoll_fd(const struct control_server *server);
void control_server_run(struct control_server *server);

#endif
