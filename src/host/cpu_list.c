/* CPU sets: see cpu_list.h. */
#include "host/cpu_list.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

void cpu_bitmap_clear(struct cpu_bitmap *set)
{
    memset(set, 0, sizeof *set);
}

void cpu_bitmap_add(struct cpu_bitmap *set, unsigned cpu)
{
    if (cpu < CPU_BITMAP_MAX)
        set->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool cpu_bitmap_has(const struct cpu_bitmap *set, unsigned cpu)
{
    return cpu < CPU_BITMAP_MAX && (set->bits[cpu / 64] >> (cpu % 64) & 1);
}

unsigned cpu_bitmap_count(const struct cpu_bitmap *set)
{
    unsigned n = 0;
    for (size_t i = 0; i < CPU_BITMAP_MAX / 64; i++)
        n += (unsigned)__builtin_popcountll(set->bits[i]);
    return n;
}

bool cpu_bitmap_equal(const struct cpu_bitmap *a, const struct cpu_bitmap *b)
{
    return !memcmp(a->bits, b->bits, sizeof a->bits);
}

int cpu_bitmap_next(const struct cpu_bitmap *set, unsigned from)
{
    for (unsigned word = from / 64; word < CPU_BITMAP_MAX / 64; word++) {
        uint64_t bits = set->bits[word];
        if (word == from / 64)
            bits &= ~UINT64_C(0) << (from % 64);
        if (bits)
            return (int)(word * 64 + (unsigned)__builtin_ctzll(bits));
    }
    return -1;
}

unsigned cpu_bitmap_span(const struct cpu_bitmap *set)
{
    for (unsigned word = CPU_BITMAP_MAX / 64; word-- > 0;)
        if (set->bits[word])
            return word * 64 + 64 - (unsigned)__builtin_clzll(set->bits[word]);
    return 0;
}

/* A decimal CPU number; advances *p. */
static int parse_cpu(const char **p, unsigned *cpu)
{
    if (!isdigit((unsigned char)**p))
        return -EINVAL;
    unsigned long value = 0;
    while (isdigit((unsigned char)**p)) {
        value = value * 10 + (unsigned long)(**p - '0');
        if (value >= CPU_BITMAP_MAX)
            return -EINVAL;
        (*p)++;
    }
    *cpu = (unsigned)value;
    return 0;
}

static const char *skip_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    return p;
}

int cpu_list_parse(const char *text, struct cpu_bitmap *set)
{
    cpu_bitmap_clear(set);
    const char *p = skip_blanks(text);
    if (!*p)
        return 0;
    for (;;) {
        unsigned first, last;
        if (parse_cpu(&p, &first))
            return -EINVAL;
        last = first;
        if (*p == '-') {
            p++;
            if (parse_cpu(&p, &last) || last < first)
                return -EINVAL;
        }
        for (unsigned cpu = first; cpu <= last; cpu++)
            cpu_bitmap_add(set, cpu);
        p = skip_blanks(p);
        if (!*p)
            return 0;
        if (*p++ != ',')
            return -EINVAL;
        p = skip_blanks(p);
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int cpu_mask_parse(const char *text, struct cpu_bitmap *set)
{
    cpu_bitmap_clear(set);
    const char *start = skip_blanks(text);
    if (start[0] == '0' && (start[1] == 'x' || start[1] == 'X'))
        start += 2;
    size_t len = strlen(start);
    while (len && (start[len - 1] == '\n' || start[len - 1] == ' ' || start[len - 1] == '\t'))
        len--;
    if (!len || start[0] == ',')
        return -EINVAL;
    /* From the least significant digit.  Written in groups, each comma closes
     * a 32-bit group of at most 8 digits; unbroken (pmd-cpu-mask's style),
     * every 8 digits are one. */
    bool grouped = memchr(start, ',', len) != NULL;
    unsigned group = 0, digits = 0;
    for (size_t i = len; i-- > 0;) {
        char c = start[i];
        if (c == ',') {
            if (digits == 0)
                return -EINVAL;
            group++;
            digits = 0;
            continue;
        }
        int value = hex_digit(c);
        if (value < 0 || digits == 8)
            return -EINVAL;
        unsigned bit = group * 32 + digits * 4;
        for (unsigned b = 0; b < 4; b++)
            if (value >> b & 1) {
                if (bit + b >= CPU_BITMAP_MAX)
                    return -EINVAL;
                cpu_bitmap_add(set, bit + b);
            }
        if (++digits == 8 && !grouped) {
            group++;
            digits = 0;
        }
    }
    return digits || group ? 0 : -EINVAL;
}

char *cpu_list_format(const struct cpu_bitmap *set)
{
    struct strbuf sb = STRBUF_INIT;
    int cpu = cpu_bitmap_next(set, 0);
    while (cpu >= 0) {
        int last = cpu;
        while (last + 1 < CPU_BITMAP_MAX && cpu_bitmap_has(set, (unsigned)last + 1))
            last++;
        strbuf_printf(&sb, sb.len ? ",%d" : "%d", cpu);
        if (last > cpu)
            strbuf_printf(&sb, "-%d", last);
        cpu = last + 1 < CPU_BITMAP_MAX ? cpu_bitmap_next(set, (unsigned)last + 1) : -1;
    }
    if (!sb.len)
        return strdup("");
    return strbuf_steal(&sb);
}

char *cpu_mask_format(const struct cpu_bitmap *set, unsigned nbits)
{
    unsigned span = cpu_bitmap_span(set);
    if (nbits < span)
        nbits = span;
    if (nbits == 0)
        nbits = 1;
    unsigned n_groups = (nbits + 31) / 32;
    unsigned first_bits = nbits % 32 ? nbits % 32 : 32;
    struct strbuf sb = STRBUF_INIT;
    for (unsigned g = n_groups; g-- > 0;) {
        uint32_t value = (uint32_t)(set->bits[g / 2] >> (g % 2 * 32));
        int width = g == n_groups - 1 ? (int)(first_bits + 3) / 4 : 8;
        strbuf_printf(&sb, "%s%0*x", g == n_groups - 1 ? "" : ",", width, value);
    }
    return strbuf_steal(&sb);
}
