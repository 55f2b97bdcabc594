#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "pontoon";
static enum log_level log_max_level = LOG_LEVEL_INFO;
static int log_to_syslog;

/* The destinations below change while worker threads log (a detach turns
 * standard error off, SIGHUP swaps the file): read and written under the
 * mutex, which also keeps lines from different threads whole. */
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;
static bool stderr_enabled = true;
static enum log_level stderr_max_level = LOG_LEVEL_DBG;
static int file_fd = -1;
static char *file_path;

static const char *const level_names[] = { "err", "warn", "info", "dbg" };

void log_init(const char *program, enum log_level level, int use_syslog)
{
    log_program = program;
    log_max_level = level;
    log_to_syslog = use_syslog;
    if (use_syslog) {
        openlog(program, LOG_PID, LOG_DAEMON);
        log_stderr_disable();
    }
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

void log_stderr_set_level(enum log_level level)
{
    pthread_mutex_lock(&log_mutex);
    stderr_enabled = true;
    stderr_max_level = level;
    pthread_mutex_unlock(&log_mutex);
}

void log_stderr_disable(void)
{
    pthread_mutex_lock(&log_mutex);
    stderr_enabled = false;
    pthread_mutex_unlock(&log_mutex);
}

static int open_append(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    return fd < 0 ? -errno : fd;
}

int log_file_open(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    int fd = open_append(path);
    if (fd < 0) {
        free(copy);
        return fd;
    }
    pthread_mutex_lock(&log_mutex);
    int old_fd = file_fd;
    char *old_path = file_path;
    file_fd = fd;
    file_path = copy;
    pthread_mutex_unlock(&log_mutex);
    if (old_fd >= 0)
        close(old_fd);
    free(old_path);
    return 0;
}

int log_file_reopen(void)
{
    /* file_path changes only in log_file_open/close, which the thread that
     * calls this one also owns. */
    if (!file_path)
        return 0;
    int fd = open_append(file_path);
    if (fd < 0)
        return fd;
    pthread_mutex_lock(&log_mutex);
    int old_fd = file_fd;
    file_fd = fd;
    pthread_mutex_unlock(&log_mutex);
    close(old_fd);
    return 0;
}

const char *log_file_path(void)
{
    return file_path;
}

void log_file_close(void)
{
    pthread_mutex_lock(&log_mutex);
    int fd = file_fd;
    char *path = file_path;
    file_fd = -1;
    file_path = NULL;
    pthread_mutex_unlock(&log_mutex);
    if (fd >= 0)
        close(fd);
    free(path);
}

size_t log_format_line(char *buf, size_t size, const struct timespec *when,
                       const char *program, enum log_level level, const char *text)
{
    struct tm tm;
    gmtime_r(&when->tv_sec, &tm);
    int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ|%s|%s|%s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, when->tv_nsec / 1000000, program, level_names[level], text);
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    if ((size_t)n < size)
        return (size_t)n;
    buf[size - 2] = '\n';
    buf[size - 1] = '\0';
    return size - 1;
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
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char line[sizeof text + 128];
    size_t len = log_format_line(line, sizeof line, &now, log_program, level, text);

    pthread_mutex_lock(&log_mutex);
    if (stderr_enabled && level <= stderr_max_level)
        fputs(line, stderr);
    /* One write(2) with O_APPEND: a line is never split, even when another
     * process appends to the same file. */
    if (file_fd >= 0 && write(file_fd, line, len) < 0) {
        /* Nowhere left to say so. */
    }
    pthread_mutex_unlock(&log_mutex);
}
