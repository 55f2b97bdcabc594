/* pci.ids, the PCI ID database: see pci_ids.h.  The file's syntax (its own
 * header says so):
 *   vendor  vendor_name
 *   <TAB>device  device_name
 *   <TAB><TAB>subvendor subdevice  subsystem_name
 *   C class  class_name
 *   <TAB>subclass  subclass_name
 *   <TAB><TAB>prog-if  prog-if_name
 * Ids are lower-case hex; a name follows two spaces; '#' starts a comment.
 * The whole file is read into one buffer and the names point into it, cut
 * at their ends; each kind of entry goes into its own array, sorted once and
 * searched by bisection (tens of thousands of entries: no hashing needed). */
#include "host/pci_ids.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

struct pci_id_entry {
    uint64_t key;
    const char *name;
};

struct pci_id_table {
    struct pci_id_entry *entries;
    size_t n, cap;
};

enum { IDS_VENDOR, IDS_DEVICE, IDS_SUBSYSTEM, IDS_CLASS, IDS_SUBCLASS, IDS_PROG_IF, IDS_N };

struct pci_ids {
    char *text;                   /* the file, names cut in place */
    struct pci_id_table tables[IDS_N];
};

static int table_add(struct pci_id_table *t, uint64_t key, const char *name)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        struct pci_id_entry *grown = realloc(t->entries, cap * sizeof *grown);
        if (!grown)
            return -ENOMEM;
        t->entries = grown;
        t->cap = cap;
    }
    t->entries[t->n++] = (struct pci_id_entry){ key, name };
    return 0;
}

static int compare_entries(const void *a, const void *b)
{
    const struct pci_id_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    /* Equal keys (a duplicate line): the one earlier in the file first. */
    return x->name < y->name ? -1 : x->name > y->name;
}

static const char *table_find(const struct pci_id_table *t, uint64_t key)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->entries[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && t->entries[lo].key == key ? t->entries[lo].name : NULL;
}

/* `digits` hex digits at *p, then the separator `after` (' ' or two
 * spaces); moves *p past them. */
static bool take_hex(char **p, int digits, const char *after, unsigned *value)
{
    unsigned v = 0;
    for (int i = 0; i < digits; i++) {
        char c = (*p)[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        v = v * 16 + (unsigned)d;
    }
    size_t n = strlen(after);
    if (strncmp(*p + digits, after, n))
        return false;
    *p += digits + n;
    *value = v;
    return true;
}

/* The name after the ids: the rest of the line, trailing blanks cut. */
static const char *take_name(char *p)
{
    size_t len = strlen(p);
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
        p[--len] = '\0';
    return len ? p : NULL;
}

/* The state carried from line to line: the vendor or class being listed. */
struct ids_parse {
    bool in_class;                /* below a "C xx" line */
    bool have_parent;             /* a vendor/class line was seen */
    unsigned vendor, device;      /* or class, subclass */
    bool have_device;
};

static int parse_line(struct pci_ids *ids, struct ids_parse *st, char *line)
{
    unsigned a, b;
    const char *name;
    if (line[0] == '#' || line[0] == '\0')
        return 0;
    if (line[0] == 'C' && line[1] == ' ') {
        char *p = line + 2;
        st->have_parent = false;
        if (!take_hex(&p, 2, "  ", &a) || !(name = take_name(p)))
            return 0;
        st->in_class = st->have_parent = true;
        st->vendor = a;
        st->have_device = false;
        return table_add(&ids->tables[IDS_CLASS], a, name);
    }
    if (line[0] != '\t') {
        char *p = line;
        st->have_parent = false;
        if (!take_hex(&p, 4, "  ", &a) || !(name = take_name(p)))
            return 0;   /* another section (none in today's file): skipped */
        st->in_class = false;
        st->have_parent = true;
        st->vendor = a;
        st->have_device = false;
        return table_add(&ids->tables[IDS_VENDOR], a, name);
    }
    if (!st->have_parent)
        return 0;
    if (line[1] != '\t') {
        char *p = line + 1;
        st->have_device = false;
        if (!take_hex(&p, st->in_class ? 2 : 4, "  ", &a) || !(name = take_name(p)))
            return 0;
        st->have_device = true;
        st->device = a;
        if (st->in_class)
            return table_add(&ids->tables[IDS_SUBCLASS], (uint64_t)st->vendor << 8 | a, name);
        return table_add(&ids->tables[IDS_DEVICE], (uint64_t)st->vendor << 16 | a, name);
    }
    if (!st->have_device)
        return 0;
    char *p = line + 2;
    if (st->in_class) {
        if (!take_hex(&p, 2, "  ", &a) || !(name = take_name(p)))
            return 0;
        return table_add(&ids->tables[IDS_PROG_IF],
                         (uint64_t)st->vendor << 16 | (uint64_t)st->device << 8 | a, name);
    }
    if (!take_hex(&p, 4, " ", &a) || !take_hex(&p, 4, "  ", &b) || !(name = take_name(p)))
        return 0;
    return table_add(&ids->tables[IDS_SUBSYSTEM], (uint64_t)st->vendor << 48
                     | (uint64_t)st->device << 32 | (uint64_t)a << 16 | b, name);
}

int pci_ids_load(const char *path, struct pci_ids **out, char **error)
{
    *out = NULL;
    *error = NULL;
    if (!path)
        path = PCI_IDS_PATH;
    struct pci_ids *ids = calloc(1, sizeof *ids);
    if (!ids) {
        *error = xasprintf("out of memory");
        return -1;
    }
    /* Read as is (nic_read_file caps files at 1 MiB; pci.ids is larger). */
    FILE *f = fopen(path, "r");
    if (!f) {
        *error = xasprintf("cannot read %s: %s%s", path, strerror(errno),
                           strcmp(path, PCI_IDS_PATH) ? "" : " (install the pci.ids package)");
        free(ids);
        return -1;
    }
    struct strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, n);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        *error = xasprintf("cannot read %s", path);
        strbuf_free(&sb);
        free(ids);
        return -1;
    }
    ids->text = sb.data ? strbuf_steal(&sb) : strdup("");
    struct ids_parse st = { 0 };
    int rc = 0;
    for (char *line = ids->text; line && *line && !rc;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        rc = parse_line(ids, &st, line);
        line = end ? end + 1 : NULL;
    }
    if (rc) {
        *error = xasprintf("cannot load %s: %s", path, strerror(-rc));
        pci_ids_free(ids);
        return -1;
    }
    for (int t = 0; t < IDS_N; t++)
        if (ids->tables[t].n)
            qsort(ids->tables[t].entries, ids->tables[t].n, sizeof ids->tables[t].entries[0],
                  compare_entries);
    *out = ids;
    return 0;
}

void pci_ids_free(struct pci_ids *ids)
{
    if (!ids)
        return;
    for (int t = 0; t < IDS_N; t++)
        free(ids->tables[t].entries);
    free(ids->text);
    free(ids);
}

const char *pci_ids_vendor(const struct pci_ids *ids, uint16_t vendor)
{
    return ids ? table_find(&ids->tables[IDS_VENDOR], vendor) : NULL;
}

const char *pci_ids_device(const struct pci_ids *ids, uint16_t vendor, uint16_t device)
{
    return ids ? table_find(&ids->tables[IDS_DEVICE], (uint64_t)vendor << 16 | device) : NULL;
}

const char *pci_ids_subsystem(const struct pci_ids *ids, uint16_t vendor, uint16_t device,
                              uint16_t subvendor, uint16_t subdevice)
{
    return ids ? table_find(&ids->tables[IDS_SUBSYSTEM], (uint64_t)vendor << 48
                            | (uint64_t)device << 32 | (uint64_t)subvendor << 16 | subdevice)
               : NULL;
}

const char *pci_ids_class(const struct pci_ids *ids, uint8_t class_id)
{
    return ids ? table_find(&ids->tables[IDS_CLASS], class_id) : NULL;
}

const char *pci_ids_subclass(const struct pci_ids *ids, uint8_t class_id, uint8_t subclass)
{
    return ids ? table_find(&ids->tables[IDS_SUBCLASS], (uint64_t)class_id << 8 | subclass)
               : NULL;
}

const char *pci_ids_prog_if(const struct pci_ids *ids, uint8_t class_id, uint8_t subclass,
                            uint8_t prog_if)
{
    return ids ? table_find(&ids->tables[IDS_PROG_IF], (uint64_t)class_id << 16
                            | (uint64_t)subclass << 8 | prog_if)
               : NULL;
}
