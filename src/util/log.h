/* Leveled logging to stderr or syslog, shared by the daemon and the CLI. */
#ifndef PONTOON_UTIL_LOG_H
#define PONTOON_UTIL_LOG_H

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DBG };

void log_init(const char *program, enum log_level level, int use_syslog);
int log_level_from_string(const char *name, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...)  log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_dbg(...)  log_msg(LOG_LEVEL_DBG, __VA_ARGS__)

#endif
