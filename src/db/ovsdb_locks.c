/* OVSDB locks: see ovsdb_locks.h.  Few locks, short lines: arrays. */
#include "db/ovsdb_locks.h"

#include <stdlib.h>
#include <string.h>

struct waiter {
    void *owner;
    bool stole;                   /* came by "steal" */
};

struct lock {
    char *name;
    struct waiter *line;          /* line[0] holds it; the others wait, in order */
    size_t n;
};

struct ovsdb_locks {
    struct lock *locks;
    size_t n;
    ovsdb_lock_notify_fn *notify;
};

struct ovsdb_locks *ovsdb_locks_new(ovsdb_lock_notify_fn *notify)
{
    struct ovsdb_locks *locks = calloc(1, sizeof *locks);
    if (locks)
        locks->notify = notify;
    return locks;
}

void ovsdb_locks_free(struct ovsdb_locks *locks)
{
    if (!locks)
        return;
    for (size_t i = 0; i < locks->n; i++) {
        free(locks->locks[i].name);
        free(locks->locks[i].line);
    }
    free(locks->locks);
    free(locks);
}

static struct lock *find(const struct ovsdb_locks *locks, const char *name)
{
    for (size_t i = 0; i < locks->n; i++)
        if (!strcmp(locks->locks[i].name, name))
            return &locks->locks[i];
    return NULL;
}

static struct lock *find_or_add(struct ovsdb_locks *locks, const char *name)
{
    struct lock *l = find(locks, name);
    if (l)
        return l;
    locks->locks = realloc(locks->locks, (locks->n + 1) * sizeof *locks->locks);
    l = &locks->locks[locks->n++];
    *l = (struct lock){ strdup(name), NULL, 0 };
    return l;
}

static long place(const struct lock *l, const void *owner)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (l->line[i].owner == owner)
            return (long)i;
    return -1;
}

static void insert_at(struct lock *l, size_t at, void *owner, bool stole)
{
    l->line = realloc(l->line, (l->n + 1) * sizeof *l->line);
    memmove(&l->line[at + 1], &l->line[at], (l->n - at) * sizeof *l->line);
    l->line[at] = (struct waiter){ owner, stole };
    l->n++;
}

/* Takes `owner` out of the line; a new holder is told. */
static void leave(struct ovsdb_locks *locks, struct lock *l, size_t at)
{
    memmove(&l->line[at], &l->line[at + 1], (l->n - at - 1) * sizeof *l->line);
    l->n--;
    if (at == 0 && l->n)
        locks->notify(l->line[0].owner, "locked", l->name);
    if (!l->n) {
        free(l->name);
        free(l->line);
        *l = locks->locks[--locks->n];
    }
}

int ovsdb_lock(struct ovsdb_locks *locks, void *owner, const char *name)
{
    struct lock *l = find_or_add(locks, name);
    if (place(l, owner) >= 0)
        return -1;
    insert_at(l, l->n, owner, false);
    return l->n == 1;
}

int ovsdb_lock_steal(struct ovsdb_locks *locks, void *owner, const char *name)
{
    struct lock *l = find_or_add(locks, name);
    if (place(l, owner) >= 0)
        return -1;
    /* As ovsdb-server: the holder waits next in line, unless it had stolen
     * the lock itself. */
    struct waiter victim = l->n ? l->line[0] : (struct waiter){ NULL, false };
    insert_at(l, 0, owner, true);
    if (victim.owner && victim.stole) {
        memmove(&l->line[1], &l->line[2], (l->n - 2) * sizeof *l->line);
        l->n--;
    }
    if (victim.owner)
        locks->notify(victim.owner, "stolen", l->name);
    return 1;
}

int ovsdb_unlock(struct ovsdb_locks *locks, void *owner, const char *name)
{
    struct lock *l = find(locks, name);
    long at = place(l, owner);
    if (at < 0)
        return -1;
    leave(locks, l, (size_t)at);
    return 0;
}

void ovsdb_unlock_all(struct ovsdb_locks *locks, void *owner)
{
    for (size_t i = locks->n; i-- > 0;) {
        long at = place(&locks->locks[i], owner);
        if (at >= 0)
            leave(locks, &locks->locks[i], (size_t)at);
    }
}

bool ovsdb_lock_held(const struct ovsdb_locks *locks, const void *owner, const char *name)
{
    const struct lock *l = find(locks, name);
    return l && l->n && l->line[0].owner == owner;
}
