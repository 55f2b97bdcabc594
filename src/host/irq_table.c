/* /proc/interrupts, /proc/softirqs and interrupt names: see irq_table.h. */
#include "host/irq_table.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The CPU numbers of a header line "   CPU0  CPU1 ..." (heap; *n columns). */
static int parse_cpu_header(const char *line, size_t len, unsigned **cpus, size_t *n)
{
    *cpus = NULL;
    *n = 0;
    const char *p = line, *end = line + len;
    while (p < end) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p >= end)
            break;
        if (end - p < 4 || strncmp(p, "CPU", 3) || !isdigit((unsigned char)p[3]))
            return -EINVAL;
        char *stop;
        unsigned long cpu = strtoul(p + 3, &stop, 10);
        unsigned *grown = realloc(*cpus, (*n + 1) * sizeof *grown);
        if (!grown)
            return -ENOMEM;
        *cpus = grown;
        (*cpus)[(*n)++] = (unsigned)cpu;
        p = stop;
    }
    return *n ? 0 : -EINVAL;
}

static unsigned span_of(const unsigned *cpus, size_t n)
{
    unsigned span = 0;
    for (size_t i = 0; i < n; i++)
        if (cpus[i] + 1 > span)
            span = cpus[i] + 1;
    return span;
}

/* The tokens after the counts: the chip, then the hwirq and flow
 * ("38-edge", "-edge", "Level"), then the handlers' names. */
static const char *names_after_counts(const char *p, const char *end)
{
    bool chip = true;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end)
            break;
        const char *token = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - token);
        if (chip) {
            chip = false;
            continue;
        }
        if (isdigit((unsigned char)token[0]) || token[0] == '-'
            || (len == 5 && !strncmp(token, "Level", 5)) || (len == 4 && !strncmp(token, "Edge", 4)))
            continue;
        return token;
    }
    return end;
}

static int parse_irq_line(const char *line, size_t len, const unsigned *cpus, size_t n_cpus,
                          unsigned span, struct irq_table *table)
{
    const char *p = line, *end = line + len;
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p >= end || !isdigit((unsigned char)*p))
        return 0;   /* NMI, LOC, ERR...: not an interrupt a device owns */
    char *stop;
    unsigned long irq = strtoul(p, &stop, 10);
    if (stop >= end || *stop != ':')
        return 0;
    p = stop + 1;
    uint64_t *counts = calloc(span ? span : 1, sizeof *counts);
    if (!counts)
        return -ENOMEM;
    for (size_t c = 0; c < n_cpus; c++) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (p >= end || !isdigit((unsigned char)*p))
            break;   /* a short line: keep what it has */
        counts[cpus[c]] = strtoull(p, &stop, 10);
        p = stop;
    }
    const char *names = names_after_counts(p, end);
    size_t names_len = (size_t)(end - names);
    while (names_len && isspace((unsigned char)names[names_len - 1]))
        names_len--;
    struct irq_line *grown = realloc(table->lines, (table->n_lines + 1) * sizeof *grown);
    char *copy = strndup(names, names_len);
    if (!grown || !copy) {
        if (grown)
            table->lines = grown;
        free(counts);
        free(copy);
        return -ENOMEM;
    }
    table->lines = grown;
    table->lines[table->n_lines++] = (struct irq_line){ (unsigned)irq, copy, counts };
    return 0;
}

int irq_table_parse(const char *text, struct irq_table *table)
{
    memset(table, 0, sizeof *table);
    const char *eol = strchr(text, '\n');
    size_t header_len = eol ? (size_t)(eol - text) : strlen(text);
    unsigned *cpus;
    size_t n_cpus;
    int rc = parse_cpu_header(text, header_len, &cpus, &n_cpus);
    if (rc) {
        free(cpus);
        return rc;
    }
    table->n_cpus = span_of(cpus, n_cpus);
    for (const char *line = eol ? eol + 1 : NULL; line && *line;) {
        eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        rc = parse_irq_line(line, len, cpus, n_cpus, table->n_cpus, table);
        if (rc)
            break;
        line = eol ? eol + 1 : NULL;
    }
    free(cpus);
    return rc;
}

void irq_table_free(struct irq_table *table)
{
    for (size_t i = 0; i < table->n_lines; i++) {
        free(table->lines[i].names);
        free(table->lines[i].counts);
    }
    free(table->lines);
    memset(table, 0, sizeof *table);
}

const struct irq_line *irq_table_find(const struct irq_table *table, unsigned irq)
{
    for (size_t i = 0; i < table->n_lines; i++)
        if (table->lines[i].irq == irq)
            return &table->lines[i];
    return NULL;
}

int softirqs_parse_net_rx(const char *text, uint64_t **counts, unsigned *n_cpus)
{
    *counts = NULL;
    *n_cpus = 0;
    const char *eol = strchr(text, '\n');
    unsigned *cpus;
    size_t n;
    int rc = parse_cpu_header(text, eol ? (size_t)(eol - text) : strlen(text), &cpus, &n);
    if (rc) {
        free(cpus);
        return rc;
    }
    rc = -ENOENT;
    for (const char *line = eol ? eol + 1 : NULL; line && *line; line = eol ? eol + 1 : NULL) {
        eol = strchr(line, '\n');
        const char *p = line;
        while (*p == ' ')
            p++;
        if (strncmp(p, "NET_RX:", 7))
            continue;
        p += 7;
        unsigned span = span_of(cpus, n);
        *counts = calloc(span, sizeof **counts);
        if (!*counts) {
            rc = -ENOMEM;
            break;
        }
        for (size_t c = 0; c < n; c++) {
            char *stop;
            uint64_t value = strtoull(p, &stop, 10);
            if (stop == p)
                break;
            (*counts)[cpus[c]] = value;
            p = stop;
        }
        *n_cpus = span;
        rc = 0;
        break;
    }
    free(cpus);
    return rc;
}

/* "Q" in full, decimal. */
static bool parse_queue(const char *text, size_t len, int *queue)
{
    if (!len || len > 6)
        return false;
    int value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)text[i]))
            return false;
        value = value * 10 + (text[i] - '0');
    }
    *queue = value;
    return true;
}

static bool starts_with(const char *text, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && !strncmp(text, prefix, n);
}

/* "[DRIVER-]DEV-TxRx-Q", "[DRIVER-]DEV-rx-Q", "[DRIVER-]DEV-tx-Q". */
static bool match_netdev_name(const char *name, size_t len, const char *netdev,
                              enum irq_queue_kind *kind, int *queue)
{
    static const struct { const char *infix; enum irq_queue_kind kind; } forms[] = {
        { "-TxRx-", IRQ_RXTX }, { "-rx-", IRQ_RX }, { "-tx-", IRQ_TX },
    };
    size_t dev_len = strlen(netdev);
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        size_t infix_len = strlen(forms[f].infix);
        /* Find the infix right after an occurrence of the device's name that
         * starts the string or follows a '-'. */
        for (size_t at = 0; at + dev_len + infix_len < len; at++) {
            if ((at && name[at - 1] != '-') || strncmp(name + at, netdev, dev_len)
                || strncmp(name + at + dev_len, forms[f].infix, infix_len))
                continue;
            size_t q = at + dev_len + infix_len;
            if (parse_queue(name + q, len - q, queue)) {
                *kind = forms[f].kind;
                return true;
            }
        }
    }
    return false;
}

bool irq_name_match(const char *name, const struct irq_owner *owner,
                    enum irq_queue_kind *kind, int *queue)
{
    size_t len = strlen(name);
    *kind = IRQ_DEVICE;
    *queue = -1;
    if (owner->virtio && *owner->virtio) {
        size_t n = strlen(owner->virtio);
        if (len > n && !strncmp(name, owner->virtio, n) && name[n] == '-') {
            const char *rest = name + n + 1;
            size_t rest_len = len - n - 1;
            if (starts_with(rest, rest_len, "input.")
                && parse_queue(rest + 6, rest_len - 6, queue))
                *kind = IRQ_RX;
            else if (starts_with(rest, rest_len, "output.")
                     && parse_queue(rest + 7, rest_len - 7, queue))
                *kind = IRQ_TX;
            else
                *queue = -1;
            return true;
        }
    }
    if (owner->bus && *owner->bus) {
        size_t n = strlen(owner->bus);
        if (len > n + 5 && !strcmp(name + len - n, owner->bus)
            && !strncmp(name + len - n - 5, "@pci:", 5)) {
            size_t at = len - n - 5;
            if (starts_with(name, at, "mlx5_comp")
                && parse_queue(name + 9, at - 9, queue))
                *kind = IRQ_RXTX;
            else
                *queue = -1;
            return true;
        }
    }
    if (owner->netdev && *owner->netdev
        && match_netdev_name(name, len, owner->netdev, kind, queue))
        return true;
    *queue = -1;
    return false;
}

bool irq_names_match(const char *names, const struct irq_owner *owner,
                     enum irq_queue_kind *kind, int *queue)
{
    char *copy = strdup(names);
    bool found = false;
    for (char *save = NULL, *name = copy ? strtok_r(copy, ",", &save) : NULL; name && !found;
         name = strtok_r(NULL, ",", &save)) {
        while (*name == ' ')
            name++;
        found = irq_name_match(name, owner, kind, queue);
    }
    free(copy);
    if (!found) {
        *kind = IRQ_DEVICE;
        *queue = -1;
    }
    return found;
}
