/* Client side of the daemon's control socket (<run_dir>/pontoond.ctl).
 * Protocol: one JSON object per line.
 *   request  {"id":N,"method":"fdb/show","params":["br0"]}
 *   reply    {"id":N,"result":{"text":"...","data":<json>}}   or
 *            {"id":N,"error":"no bridge named br9"}
 * "reload" asks the daemon to re-read the database and replies once the
 * running switch matches it. */
#ifndef PONTOON_CONTROL_CONTROL_CLIENT_H
#define PONTOON_CONTROL_CONTROL_CLIENT_H

#include <jansson.h>

#define CONTROL_SOCKET_NAME "pontoond.ctl"
#define DEFAULT_RUN_DIR "/run/pontoon"

/* $PONTOON_RUN_DIR, else DEFAULT_RUN_DIR. */
const char *control_default_run_dir(void);

/* Calls `method` with string params.  timeout_ms <= 0 waits forever.
 * Returns 0 and sets *result (caller json_decref()s) on success;
 * -ENOENT or -ECONNREFUSED when no daemon listens; -ETIMEDOUT;
 * -EREMOTEIO when the daemon answered with an error (*error set, heap);
 * other negative errno on I/O failure (*error set). */
int control_call(const char *run_dir, const char *method, int argc, char *const *argv,
                 int timeout_ms, json_t **result, char **error);

#endif
