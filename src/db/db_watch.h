/* Tells the daemon that another process wrote the database file, so an idle
 * daemon does not poll SQLite: inotify watches report writes to the file and
 * to its write-ahead log, and the file or a companion appearing.  A write is
 * only a hint; the caller compares the database's data version to know
 * whether a transaction was committed. */
#ifndef PONTOON_DB_DB_WATCH_H
#define PONTOON_DB_DB_WATCH_H

#include <stdbool.h>

struct db_watch;

/* 0, or a negative errno (no inotify, the directory cannot be watched). */
int db_watch_open(const char *db_path, struct db_watch **out);
int db_watch_fd(const struct db_watch *w);
/* Reads every pending event; true when one was about the database's files
 * (or events were lost). */
bool db_watch_consume(struct db_watch *w);
void db_watch_close(struct db_watch *w);

#endif
