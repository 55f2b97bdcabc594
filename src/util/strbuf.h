/* A growable string, for building command output and messages. */
#ifndef PONTOON_UTIL_STRBUF_H
#define PONTOON_UTIL_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *data;     /* always NUL-terminated once anything was added */
    size_t len;
    size_t cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_add(struct strbuf *sb, const char *text, size_t len);
void strbuf_puts(struct strbuf *sb, const char *text);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
const char *strbuf_cstr(struct strbuf *sb);   /* "" when empty */
char *strbuf_steal(struct strbuf *sb);        /* caller frees; sb is reset */
void strbuf_clear(struct strbuf *sb);         /* keeps the allocation */
void strbuf_free(struct strbuf *sb);

/* printf into a fresh heap string (abort-free: returns NULL only on ENOMEM). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
