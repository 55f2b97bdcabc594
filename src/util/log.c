#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

static const char *log_program = "pontoon";
static enum log_level log_max_level = LOG_LEVEL_INFO;
static int log_to_syslog;
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "err", "warn", "info", "dbg" };

void log_init(const char *program, enum log_level level, int use_syslog)
{
    log_program = program;
    log_max_level = level;
    log_to_syslog = use_syslog;
    if (use_syslog)
        openlog(program, LOG_PID, LOG_DAEMON);
}

int log_level_from_string(const char *name, enum log_level *out)
{
    for (unsigned i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (!strcasecmp(name, level_names[i])) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    if (!strcasecmp(name, "debug")) {
        *out = LOG_LEVEL_DBG;
        return 0;
    }
    return -1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level > log_max_level)
        return;
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);

    if (log_to_syslog) {
        static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
        syslog(prio[level], "%s", text);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    /* One fprintf under a mutex so lines from worker threads never interleave. */
    pthread_mutex_lock(&log_mutex);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ|%s|%s|%s\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, now.tv_nsec / 1000000, log_program, level_names[level], text);
    pthread_mutex_unlock(&log_mutex);
}
