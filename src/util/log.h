/* Leveled logging, shared by the daemon and the CLI.  Each line goes to
 * standard error, a log file and syslog, each when enabled. */
#ifndef PONTOON_UTIL_LOG_H
#define PONTOON_UTIL_LOG_H

#include <stddef.h>

struct timespec;

enum log_level { LOG_LEVEL_ERR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DBG };

/* Lines above `level` are dropped everywhere.  With use_syslog, lines go to
 * syslog and not to standard error. */
void log_init(const char *program, enum log_level level, int use_syslog);
int log_level_from_string(const char *name, enum log_level *out);
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Standard error gets only lines at `level` or more severe; disabled, none
 * (a detached daemon, whose standard error is /dev/null). */
void log_stderr_set_level(enum log_level level);
void log_stderr_disable(void);

/* Also appends every line to `path` (created 0640).  0 or a negative errno;
 * on error the file in use before, if any, stays. */
int log_file_open(const char *path);
/* Opens the same path again, so that after logrotate renamed the file lines
 * go to a new one.  0 (also with no log file) or a negative errno; on error
 * the old file stays in use. */
int log_file_reopen(void);
/* The log file's path, NULL with none. */
const char *log_file_path(void);
void log_file_close(void);

/* One line as standard error and the log file get it, UTC time first:
 * "2026-12-07T03:30:05.123Z|pontoond|info|TEXT\n".  A TEXT too long for
 * `size` (at least 2) is cut, keeping the newline.  Returns the length. */
size_t log_format_line(char *buf, size_t size, const struct timespec *when,
                       const char *program, enum log_level level, const char *text);

#define log_err(...)  log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_dbg(...)  log_msg(LOG_LEVEL_DBG, __VA_ARGS__)

#endif
