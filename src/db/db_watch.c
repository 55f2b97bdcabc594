#include "db/db_watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* The file and its write-ahead log are watched for writes; the directory
 * only for files appearing (the log is created by the first writer, a
 * rollback journal at each transaction, the file may be replaced by a
 * rename).  Not the directory's writes: the daemon's own log file may live
 * there, and a wake-up per log line could feed itself. */
static const char *const companions[] = { "", "-wal" };

struct db_watch {
    int fd;
    char *path;         /* the database file */
    char *file;         /* its name in its directory */
    size_t file_len;
};

/* The file itself, or one of SQLite's companions named after it ("-wal";
 * "-journal" when the file is not in WAL mode). */
static bool about_database(const struct db_watch *w, const char *name)
{
    if (strncmp(name, w->file, w->file_len))
        return false;
    const char *rest = name + w->file_len;
    return !*rest || !strcmp(rest, "-wal") || !strcmp(rest, "-journal");
}

/* Watches the files that exist now (a file watched already keeps its watch;
 * a new file under the same name gets one). */
static void watch_files(struct db_watch *w)
{
    for (size_t i = 0; i < sizeof companions / sizeof companions[0]; i++) {
        char path[4096];
        if (snprintf(path, sizeof path, "%s%s", w->path, companions[i]) < (int) sizeof path)
            inotify_add_watch(w->fd, path, IN_MODIFY);    /* ENOENT: not yet */
    }
}

int db_watch_open(const char *db_path, struct db_watch **out)
{
    *out = NULL;
    struct db_watch *w = calloc(1, sizeof *w);
    char *dir = strdup(db_path);
    if (!w || !dir) {
        free(w);
        free(dir);
        return -ENOMEM;
    }
    w->fd = -1;
    char *slash = strrchr(dir, '/');
    w->path = strdup(db_path);
    w->file = strdup(slash ? slash + 1 : dir);
    w->file_len = w->file ? strlen(w->file) : 0;
    if (slash == dir)
        dir[1] = '\0';                   /* "/conf.db" */
    else if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    int err = !w->path || !w->file ? ENOMEM : 0;
    if (!err && (w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
        err = errno;
    if (!err && inotify_add_watch(w->fd, dir, IN_CREATE | IN_MOVED_TO) < 0)
        err = errno;
    free(dir);
    if (err) {
        db_watch_close(w);
        return -err;
    }
    watch_files(w);
    *out = w;
    return 0;
}

int db_watch_fd(const struct db_watch *w)
{
    return w->fd;
}

bool db_watch_consume(struct db_watch *w)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool relevant = false, appeared = false;
    for (;;) {
        ssize_t len = read(w->fd, buf, sizeof buf);
        if (len <= 0)
            break;
        for (char *p = buf; p < buf + len;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->mask & IN_Q_OVERFLOW) {
                relevant = appeared = true;
            } else if (ev->mask & IN_MODIFY) {
                relevant = true;                    /* only the files' watches ask */
            } else if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && ev->len
                       && about_database(w, ev->name)) {
                relevant = appeared = true;
            }
            p += sizeof *ev + ev->len;
        }
    }
    if (appeared)
        watch_files(w);
    return relevant;
}

void db_watch_close(struct db_watch *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->path);
    free(w->file);
    free(w);
}
