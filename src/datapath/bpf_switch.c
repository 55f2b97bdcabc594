/* Loader and map keeper of the kernel switch (bpf/switch.bpf.c).
 *
 * The object is opened from its file (bpf_object__open_file) rather than
 * from a bpftool-generated skeleton: the build needs only clang, nothing is
 * generated into the C sources, and the maps are reached by name, which is
 * all this thin side does.  libbpf's messages go to the log; while a call of
 * this file runs they are also kept, so that a load failure's verifier log
 * reaches bpf_switch_last_error(). */
#include "datapath/bpf_switch.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "datapath/bpf_switch_internal.h"
#include "switching/fdb.h"
#include "util/log.h"

#define fail bpf_switch_fail

#define PROGRAM_NAME   "pontoon_switch"
#define FILTER_NAME    "pontoon_upcall"
#define TUNNEL_TX_NAME "pontoon_tnl_tx"
#define BPFFS_ROOT     "/sys/fs/bpf"
#define TC_HANDLE      0x5054       /* "PT": our filter among others on the hook */
#define TC_PRIORITY    1
#define CAPTURE_SIZE   (48 * 1024)
/* enum bpf_attach_type's tcx values (Linux 6.6); Debian 12's uapi headers
 * and libbpf 1.1 predate them, bpf_link_create passes them through. */
#define ATTACH_TCX_INGRESS 46
#define ATTACH_TCX_EGRESS  47


static _Thread_local char last_error[CAPTURE_SIZE + 512];
static _Thread_local char errno_text[128];
static _Thread_local char captured[CAPTURE_SIZE];
static _Thread_local size_t captured_len;
static _Thread_local bool capturing;

const char *bpf_switch_last_error(void)
{
    return last_error;
}

int bpf_switch_fail(int err, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, args);
    va_end(args);
    return err < 0 ? err : -err;
}

/* libbpf's own codes (LIBBPF_ERRNO__*: "Invalid ELF format"...) and errno. */
static const char *error_text(int err)
{
    if (libbpf_strerror(err, errno_text, sizeof errno_text) < 0)
        snprintf(errno_text, sizeof errno_text, "%s", strerror(err < 0 ? -err : err));
    return errno_text;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    char line[1024];
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(line, sizeof line, fmt, copy);
    va_end(copy);
    if (capturing && n > 0) {
        /* The verifier log comes as one message: keep its end, where the
         * reason is. */
        size_t len = strlen(line);
        size_t room = sizeof captured - 1 - captured_len;
        if (len > room) {
            size_t drop = len - room > captured_len ? captured_len : len - room;
            memmove(captured, captured + drop, captured_len - drop);
            captured_len -= drop;
            room = sizeof captured - 1 - captured_len;
        }
        if (len > room)
            len = room;
        memcpy(captured + captured_len, line, len);
        captured_len += len;
        captured[captured_len] = '\0';
    }
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n')
        line[len - 1] = '\0';
    log_dbg("bpf: %s", line);
    return n;
}

static void capture_start(void)
{
    static bool print_set;
    if (!print_set) {
        libbpf_set_print(libbpf_print);
        print_set = true;
    }
    captured_len = 0;
    captured[0] = '\0';
    capturing = true;
}

static void capture_stop(void)
{
    capturing = false;
}

int bpf_switch_default_object(char *path, size_t size)
{
    const char *env = getenv("PONTOON_BPF_OBJECT");
    if (env && *env) {
        if ((size_t)snprintf(path, size, "%s", env) >= size)
            return fail(-ENAMETOOLONG, "PONTOON_BPF_OBJECT is too long");
        return 0;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return fail(-errno, "cannot read /proc/self/exe: %s", strerror(errno));
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    /* The build tree (build/pontoond, build/tests/x), then where `make
     * install` puts it: PREFIX/lib/pontoon/bpf beside PREFIX/sbin. */
    static const char *const beside[] = { "/bpf/switch.bpf.o", "/../bpf/switch.bpf.o",
                                          "/../lib/pontoon/bpf/switch.bpf.o" };
    for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
        if ((size_t)snprintf(path, size, "%s%s", exe, beside[i]) < size &&
            access(path, R_OK) == 0)
            return 0;
    }
    return fail(-ENOENT, "no switch.bpf.o in %s/bpf, %s/../bpf or %s/../lib/pontoon/bpf "
                "(set PONTOON_BPF_OBJECT)", exe, exe, exe);
}

/* bpffs is one for the whole host, bridge names are per network namespace:
 * pins go under "<bridge>:ns<inode of the daemon's namespace>", so two
 * namespaces' br0 never share maps, and a restarted daemon in the same
 * namespace finds its predecessor's.  (Comparing with PID 1's namespace to
 * leave the suffix off in the "root" one fails in containers, where PID 1
 * may be elsewhere.) */
static int netns_suffix(char *out, size_t size)
{
    struct stat self;
    if (stat("/proc/self/ns/net", &self) < 0)
        return -errno;
    snprintf(out, size, ":ns%llu", (unsigned long long)self.st_ino);
    return 0;
}

const char *bpf_switch_pin_root(void)
{
    const char *env = getenv("PONTOON_BPF_PIN_ROOT");
    return env && *env ? env : BPF_SWITCH_PIN_ROOT;
}

int bpf_switch_pin_dir(const char *bridge, char *path, size_t size)
{
    if (!bridge || !*bridge || strchr(bridge, '/') || !strcmp(bridge, ".") ||
        !strcmp(bridge, ".."))
        return fail(-EINVAL, "bad bridge name for a pin directory: \"%s\"",
                    bridge ? bridge : "");
    char suffix[32];
    int err = netns_suffix(suffix, sizeof suffix);
    if (err)
        return fail(err, "cannot tell the network namespace: %s", strerror(-err));
    const char *root = bpf_switch_pin_root();
    if ((size_t)snprintf(path, size, "%s/%s%s", root, bridge, suffix) >= size)
        return fail(-ENAMETOOLONG, "pin directory for %s is too long", bridge);
    /* bpffs refuses names with a dot (br0.100); a device name never has a
     * colon, so ':' stands for it without ambiguity. */
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '.')
            *p = ':';
    return 0;
}

/* /sys/fs/bpf must be a bpf filesystem for pins to outlive the daemon. */
static int ensure_bpffs(void)
{
    struct statfs st;
    if (statfs(BPFFS_ROOT, &st) == 0 && st.f_type == BPF_FS_MAGIC)
        return 0;
    if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700") < 0)
        return fail(-errno, "cannot mount bpffs on %s: %s", BPFFS_ROOT, strerror(errno));
    return 0;
}

static int make_dirs(const char *dir)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s", dir) >= sizeof path)
        return fail(-ENAMETOOLONG, "pin directory %s is too long", dir);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return fail(-errno, "cannot create %s: %s", path, strerror(errno));
        *p = c;
        if (!c)
            return 0;
    }
}

static int pin_path(const struct bpf_switch *sw, const char *name, char *path, size_t size)
{
    if ((size_t)snprintf(path, size, "%s/%s", sw->pin_dir, name) >= size)
        return fail(-ENAMETOOLONG, "pin path %s/%s is too long", sw->pin_dir, name);
    return 0;
}

static int find_map(struct bpf_switch *sw, const char *name, struct bpf_map **out)
{
    *out = bpf_object__find_map_by_name(sw->object, name);
    if (!*out)
        return fail(-ENOENT, "the object has no map %s", name);
    return 0;
}

static int open_object(struct bpf_switch *sw, const struct bpf_switch_options *options)
{
    char object_path[PATH_MAX];
    const char *path = options->object_path;
    int err;
    if (!path) {
        err = bpf_switch_default_object(object_path, sizeof object_path);
        if (err)
            return err;
        path = object_path;
    }
    sw->object = bpf_object__open_file(path, NULL);
    if (!sw->object) {
        err = -errno;
        sw->object = NULL;
        return fail(err, "cannot open %s: %s\n%s", path, error_text(err), captured);
    }
    sw->program = bpf_object__find_program_by_name(sw->object, PROGRAM_NAME);
    if (!sw->program)
        return fail(-ENOENT, "%s has no program %s", path, PROGRAM_NAME);
    bpf_program__set_type(sw->program, BPF_PROG_TYPE_SCHED_CLS);
    sw->filter = bpf_object__find_program_by_name(sw->object, FILTER_NAME);
    if (!sw->filter)
        return fail(-ENOENT, "%s has no program %s", path, FILTER_NAME);
    sw->tunnel_tx = bpf_object__find_program_by_name(sw->object, TUNNEL_TX_NAME);
    if (!sw->tunnel_tx)
        return fail(-ENOENT, "%s has no program %s", path, TUNNEL_TX_NAME);
    bpf_program__set_type(sw->tunnel_tx, BPF_PROG_TYPE_SCHED_CLS);

    static const char *const names[] = {
        "pbs_ports", "pbs_fdb", "pbs_config", "pbs_counters", "pbs_decision", "pbs_handoff",
        "pbs_learn_events", "pbs_bonds", "pbs_bond_bytes", "pbs_tunnels", "pbs_tunnel_in",
        "pbs_upcalls",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct bpf_map *map;
        if ((err = find_map(sw, names[i], &map)))
            return err;
        if (!strcmp(names[i], "pbs_fdb") && options->fdb_max &&
            (err = bpf_map__set_max_entries(map, options->fdb_max)))
            return fail(err, "cannot size the MAC table to %u", options->fdb_max);
        if (sw->pin_dir) {
            char pin[PATH_MAX];
            if ((err = pin_path(sw, names[i], pin, sizeof pin)) ||
                (err = bpf_map__set_pin_path(map, pin)))
                return err ? fail(err, "cannot pin map %s at %s", names[i], pin) : err;
        }
    }

    err = bpf_object__load(sw->object);
    if (err)
        return fail(err, "the kernel refused %s: %s\n%s", path, error_text(err), captured);
    if (sw->pin_dir) {
        char pin[PATH_MAX];
        if ((err = pin_path(sw, PROGRAM_NAME, pin, sizeof pin)))
            return err;
        unlink(pin);                     /* a previous daemon's program */
        err = bpf_program__pin(sw->program, pin);
        if (err)
            return fail(err, "cannot pin the program at %s: %s", pin, strerror(-err));
    }
    struct { const char *name; int *fd; } fds[] = {
        { "pbs_ports", &sw->ports_fd }, { "pbs_fdb", &sw->fdb_fd },
        { "pbs_config", &sw->config_fd }, { "pbs_counters", &sw->counters_fd },
        { "pbs_decision", &sw->decision_fd }, { "pbs_learn_events", &sw->events_fd },
        { "pbs_bonds", &sw->bonds_fd }, { "pbs_bond_bytes", &sw->bond_bytes_fd },
        { "pbs_tunnels", &sw->tunnels_fd }, { "pbs_tunnel_in", &sw->tunnel_in_fd },
        { "pbs_upcalls", &sw->upcalls_fd },
    };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        struct bpf_map *map;
        if ((err = find_map(sw, fds[i].name, &map)))
            return err;
        *fds[i].fd = bpf_map__fd(map);
    }
    return 0;
}

int bpf_switch_open(const struct bpf_switch_options *options, struct bpf_switch **out)
{
    static const struct bpf_switch_options defaults;
    if (!options)
        options = &defaults;
    last_error[0] = '\0';
    *out = NULL;
    struct bpf_switch *sw = calloc(1, sizeof *sw);
    if (!sw)
        return fail(-ENOMEM, "out of memory");
    sw->n_cpus = libbpf_num_possible_cpus();
    sw->no_tcx = options->clsact;
    int err = sw->n_cpus > 0 ? 0 : fail(sw->n_cpus, "cannot count the possible CPUs");
    if (!err && options->pin_dir) {
        sw->pin_dir = strdup(options->pin_dir);
        if (!sw->pin_dir)
            err = fail(-ENOMEM, "out of memory");
        else if (!strncmp(sw->pin_dir, BPFFS_ROOT "/", sizeof BPFFS_ROOT))
            err = ensure_bpffs();
        if (!err)
            err = make_dirs(sw->pin_dir);
    }
    if (!err) {
        capture_start();
        err = open_object(sw, options);
        if (err && sw->pin_dir && sw->object) {
            /* Pinned maps of another layout or size (an older daemon, a new
             * mac-table-size) cannot be reused: start afresh. */
            log_info("bpf: %s: %s; its pinned maps are replaced", sw->pin_dir,
                     bpf_switch_last_error());
            bpf_switch_unpin(sw);
            make_dirs(sw->pin_dir);
            bpf_object__close(sw->object);
            sw->object = NULL;
            captured_len = 0;
            err = open_object(sw, options);
        }
        capture_stop();
    }
    /* A fresh table, or an adopted one: the config gets its defaults only
     * when it was never set. */
    if (!err) {
        __u32 zero = 0;
        struct pbs_config config;
        if (bpf_map_lookup_elem(sw->config_fd, &zero, &config) == 0 && !config.aging_ns &&
            !config.flags)
            err = bpf_switch_set_config(sw, (uint64_t)FDB_DEFAULT_AGING_S * 1000000000ull, 0);
    }
    if (err) {
        if (sw->object && sw->pin_dir) {
            bpf_switch_unpin(sw);        /* nothing half made stays pinned */
        } else if (sw->pin_dir) {
            rmdir(sw->pin_dir);          /* only when empty: nothing was pinned */
            rmdir(bpf_switch_pin_root());
        }
        bpf_switch_close(sw);
        return err;
    }
    *out = sw;
    return 0;
}

void bpf_switch_close(struct bpf_switch *sw)
{
    if (!sw)
        return;
    ring_buffer__free(sw->events);
    for (unsigned i = 0; i < sw->n_links; i++)
        close(sw->links[i].fd);          /* a pinned link lives on */
    bpf_object__close(sw->object);
    free(sw->pin_dir);
    free(sw);
}

int bpf_switch_unpin(struct bpf_switch *sw)
{
    if (!sw->pin_dir)
        return 0;
    int err = 0;
    struct bpf_map *map;
    bpf_object__for_each_map(map, sw->object) {
        const char *pin = bpf_map__pin_path(map);
        if (pin && unlink(pin) < 0 && errno != ENOENT && !err)
            err = fail(-errno, "cannot unpin %s: %s", pin, strerror(errno));
    }
    char pin[PATH_MAX];
    if (pin_path(sw, PROGRAM_NAME, pin, sizeof pin) == 0 && unlink(pin) < 0 &&
        errno != ENOENT && !err)
        err = fail(-errno, "cannot unpin %s: %s", pin, strerror(errno));
    /* tcx links (a link whose last pin and descriptor go is detached). */
    DIR *dir = opendir(sw->pin_dir);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        if (strncmp(e->d_name, "link_", 5) || pin_path(sw, e->d_name, pin, sizeof pin))
            continue;
        if (unlink(pin) < 0 && errno != ENOENT && !err)
            err = fail(-errno, "cannot unpin %s: %s", pin, strerror(errno));
    }
    if (dir)
        closedir(dir);
    if (rmdir(sw->pin_dir) < 0 && errno != ENOENT && !err)
        err = fail(-errno, "cannot remove %s: %s", sw->pin_dir, strerror(errno));
    rmdir(bpf_switch_pin_root());        /* only when no other bridge is left in it */
    return err;
}

int bpf_switch_prog_fd(const struct bpf_switch *sw)
{
    return bpf_program__fd(sw->program);
}

int bpf_switch_filter_fd(const struct bpf_switch *sw)
{
    return bpf_program__fd(sw->filter);
}

static int learn_event(void *ctx, void *data, size_t size)
{
    struct bpf_switch *sw = ctx;
    const struct pbs_learn_event *event = data;
    if (size >= sizeof *event && sw->learn_fn)
        sw->learn_fn(sw->learn_ctx, event->bridge_id, event->vlan, event->mac,
                     event->ifindex);
    return 0;
}

int bpf_switch_events_fd(struct bpf_switch *sw, bpf_switch_learn_fn *fn, void *ctx)
{
    sw->learn_fn = fn;
    sw->learn_ctx = ctx;
    if (!sw->events) {
        sw->events = ring_buffer__new(sw->events_fd, learn_event, sw, NULL);
        if (!sw->events)
            return fail(-errno, "cannot map the learn events: %s", strerror(errno));
    }
    return ring_buffer__epoll_fd(sw->events);
}

int bpf_switch_events_consume(struct bpf_switch *sw)
{
    if (!sw->events)
        return 0;
    int n = ring_buffer__consume(sw->events);
    return n < 0 ? fail(n, "cannot read the learn events: %s", strerror(-n)) : n;
}

int bpf_switch_set_config(struct bpf_switch *sw, uint64_t aging_ns, uint32_t flags)
{
    __u32 zero = 0;
    struct pbs_config config = { .aging_ns = aging_ns, .flags = flags };
    if (bpf_map_update_elem(sw->config_fd, &zero, &config, BPF_ANY) < 0)
        return fail(-errno, "cannot set the kernel switch's config: %s", strerror(errno));
    return 0;
}

/* A per-CPU map's value for every CPU, each rounded up to 8 bytes. */
void *bpf_switch_percpu_alloc(const struct bpf_switch *sw, size_t value_size, size_t *stride)
{
    *stride = (value_size + 7) & ~(size_t)7;
    return calloc((size_t)sw->n_cpus, *stride);
}

static int free_counter_slot(struct bpf_switch *sw, __u32 *slot)
{
    if (!sw->slots_known) {
        memset(sw->slot_used, 0, sizeof sw->slot_used);
        __u32 key, next;
        struct pbs_port port;
        int err = bpf_map_get_next_key(sw->ports_fd, NULL, &next);
        while (err == 0) {
            key = next;
            if (bpf_map_lookup_elem(sw->ports_fd, &key, &port) == 0 &&
                port.counter_slot < PBS_PORTS_MAX)
                sw->slot_used[port.counter_slot] = true;
            err = bpf_map_get_next_key(sw->ports_fd, &key, &next);
        }
        sw->slots_known = true;
    }
    for (__u32 i = 0; i < PBS_PORTS_MAX; i++) {
        if (!sw->slot_used[i]) {
            sw->slot_used[i] = true;
            *slot = i;
            return 0;
        }
    }
    return fail(-ENOSPC, "the kernel switch has all its %d ports", PBS_PORTS_MAX);
}

static int clear_counters(struct bpf_switch *sw, __u32 slot)
{
    size_t stride;
    void *zeroes = bpf_switch_percpu_alloc(sw, sizeof(struct pbs_counters), &stride);
    if (!zeroes)
        return fail(-ENOMEM, "out of memory");
    int err = bpf_map_update_elem(sw->counters_fd, &slot, zeroes, BPF_ANY) < 0 ? -errno : 0;
    free(zeroes);
    return err ? fail(err, "cannot clear counters slot %u: %s", slot, strerror(-err)) : 0;
}

int bpf_switch_set_port_entry(struct bpf_switch *sw, __u32 key, uint32_t bridge_id,
                              const struct vlan_policy *policy, uint8_t flags,
                              uint8_t bond_slot, uint8_t member, uint16_t tunnel_id)
{
    struct pbs_port port;
    bool is_new = bpf_map_lookup_elem(sw->ports_fd, &key, &port) < 0;
    __u32 slot = is_new ? 0 : port.counter_slot;
    int err;
    if (is_new && (err = free_counter_slot(sw, &slot)))
        return err;
    if (is_new && (err = clear_counters(sw, slot))) {
        bpf_switch_port_deleted(sw);        /* the slot was not taken after all */
        return err;
    }

    memset(&port, 0, sizeof port);
    port.bridge_id = bridge_id;
    port.counter_slot = slot;
    port.vlan_mode = (__u8)policy->mode;
    port.flags = flags;
    port.bond_slot = bond_slot;
    port.member = member;
    port.tunnel_id = tunnel_id;
    port.tag = policy->tag < 0 ? PBS_NO_TAG : (__u16)policy->tag;
    if (policy->trunks_all)
        memset(port.trunks, 0xff, sizeof port.trunks);
    else
        memcpy(port.trunks, policy->trunks, sizeof port.trunks);
    if (bpf_map_update_elem(sw->ports_fd, &key, &port, BPF_ANY) < 0) {
        err = fail(-errno, "cannot set kernel port %u: %s", key, strerror(errno));
        bpf_switch_port_deleted(sw);
        return err;
    }
    return 0;
}

int bpf_switch_set_port(struct bpf_switch *sw, int ifindex, uint32_t bridge_id,
                        const struct vlan_policy *policy, uint8_t flags)
{
    return bpf_switch_set_port_entry(sw, (__u32)ifindex, bridge_id, policy,
                                     flags & PBS_PORT_HOOK_EGRESS, 0, 0, 0);
}

static int check_bond_slot(unsigned slot)
{
    return slot < PBS_BONDS_MAX ? 0 : fail(-EINVAL, "bond slot %u is out of range", slot);
}

int bpf_switch_set_bond(struct bpf_switch *sw, unsigned slot, uint32_t bridge_id,
                        const struct vlan_policy *policy, const struct pbs_bond *bond)
{
    int err = check_bond_slot(slot);
    if (!err)
        err = bpf_switch_update_bond(sw, slot, bond);
    if (!err)
        err = bpf_switch_set_port_entry(sw, PBS_BOND_PORT_BASE + slot, bridge_id, policy,
                                        PBS_PORT_BOND, (uint8_t)slot, 0, 0);
    return err;
}

int bpf_switch_update_bond(struct bpf_switch *sw, unsigned slot, const struct pbs_bond *bond)
{
    __u32 key = slot;
    int err = check_bond_slot(slot);
    if (!err && bpf_map_update_elem(sw->bonds_fd, &key, bond, BPF_ANY) < 0)
        err = fail(-errno, "cannot set bond %u: %s", slot, strerror(errno));
    return err;
}

int bpf_switch_set_bond_member(struct bpf_switch *sw, int ifindex, uint32_t bridge_id,
                               const struct vlan_policy *policy, unsigned slot,
                               unsigned member)
{
    int err = check_bond_slot(slot);
    if (!err && member >= PBS_BOND_MEMBERS_MAX)
        err = fail(-EINVAL, "bond member %u is out of range", member);
    if (!err)
        err = bpf_switch_set_port_entry(sw, (__u32)ifindex, bridge_id, policy,
                                        PBS_PORT_BOND_MEMBER, (uint8_t)slot, (uint8_t)member, 0);
    return err;
}

int bpf_switch_remove_bond(struct bpf_switch *sw, unsigned slot)
{
    int err = check_bond_slot(slot);
    if (err)
        return err;
    struct pbs_bond none;
    memset(&none, 0, sizeof none);
    none.active = PBS_BOND_NO_MEMBER;
    __u32 key = slot, port = PBS_BOND_PORT_BASE + slot;
    bpf_map_delete_elem(sw->ports_fd, &port);
    bpf_switch_port_deleted(sw);
    if (bpf_map_update_elem(sw->bonds_fd, &key, &none, BPF_ANY) < 0)
        return fail(-errno, "cannot clear bond %u: %s", slot, strerror(errno));
    return 0;
}

int bpf_switch_bond_bytes(struct bpf_switch *sw, unsigned slot, uint64_t out[PBS_BOND_BUCKETS])
{
    int err = check_bond_slot(slot);
    if (err)
        return err;
    size_t stride;
    unsigned char *values = bpf_switch_percpu_alloc(sw, sizeof(struct pbs_bond_bytes), &stride);
    if (!values)
        return fail(-ENOMEM, "out of memory");
    __u32 key = slot;
    memset(out, 0, PBS_BOND_BUCKETS * sizeof out[0]);
    if (bpf_map_lookup_elem(sw->bond_bytes_fd, &key, values) < 0) {
        err = fail(-errno, "cannot read bond %u's bytes: %s", slot, strerror(errno));
    } else {
        for (int cpu = 0; cpu < sw->n_cpus; cpu++) {
            const struct pbs_bond_bytes *b = (const void *)(values + (size_t)cpu * stride);
            for (int i = 0; i < PBS_BOND_BUCKETS; i++)
                out[i] += b->bucket[i];
        }
    }
    free(values);
    return err;
}

int bpf_switch_remove_port(struct bpf_switch *sw, int ifindex)
{
    __u32 key = (__u32)ifindex;
    if (bpf_map_delete_elem(sw->ports_fd, &key) < 0)
        return fail(-errno, "cannot remove kernel port %d: %s", ifindex, strerror(errno));
    bpf_switch_port_deleted(sw);
    return 0;
}

int bpf_switch_port_counters(struct bpf_switch *sw, int ifindex, struct pbs_counters *out)
{
    __u32 key = (__u32)ifindex;
    struct pbs_port port;
    if (bpf_map_lookup_elem(sw->ports_fd, &key, &port) < 0)
        return fail(-errno, "no kernel port %d: %s", ifindex, strerror(errno));
    size_t stride;
    unsigned char *values = bpf_switch_percpu_alloc(sw, sizeof *out, &stride);
    if (!values)
        return fail(-ENOMEM, "out of memory");
    int err = 0;
    memset(out, 0, sizeof *out);
    if (bpf_map_lookup_elem(sw->counters_fd, &port.counter_slot, values) < 0) {
        err = fail(-errno, "cannot read counters of port %d: %s", ifindex, strerror(errno));
    } else {
        for (int cpu = 0; cpu < sw->n_cpus; cpu++) {
            const struct pbs_counters *c = (const void *)(values + (size_t)cpu * stride);
            for (int i = 0; i < PBS_COUNTER_MAX; i++)
                out->n[i] += c->n[i];
        }
    }
    free(values);
    return err;
}

static void fdb_key_of(struct pbs_fdb_key *key, uint32_t bridge_id, uint16_t vlan,
                       const uint8_t mac[6])
{
    memset(key, 0, sizeof *key);
    key->bridge_id = bridge_id;
    key->vlan = vlan;
    memcpy(key->mac, mac, sizeof key->mac);
}

int bpf_switch_fdb_dump(struct bpf_switch *sw, struct bpf_switch_fdb_entry *out, size_t max)
{
    struct pbs_fdb_key key, next;
    struct pbs_fdb_entry value;
    size_t n = 0;
    int err = bpf_map_get_next_key(sw->fdb_fd, NULL, &next);
    while (err == 0) {
        key = next;
        /* An entry may go (LRU, flush) between the two calls: skip it. */
        if (bpf_map_lookup_elem(sw->fdb_fd, &key, &value) == 0) {
            if (n < max) {
                out[n].bridge_id = key.bridge_id;
                out[n].vlan = key.vlan;
                memcpy(out[n].mac, key.mac, sizeof out[n].mac);
                out[n].ifindex = value.ifindex;
                out[n].seen_ns = value.seen_ns;
            }
            n++;
        }
        err = bpf_map_get_next_key(sw->fdb_fd, &key, &next);
    }
    if (err != -ENOENT)
        return fail(err, "cannot walk the kernel MAC table: %s", strerror(-err));
    return n > INT_MAX ? INT_MAX : (int)n;
}

int bpf_switch_fdb_set(struct bpf_switch *sw, const struct bpf_switch_fdb_entry *entry)
{
    struct pbs_fdb_key key;
    struct pbs_fdb_entry value = { .ifindex = entry->ifindex, .seen_ns = entry->seen_ns };
    fdb_key_of(&key, entry->bridge_id, entry->vlan, entry->mac);
    if (bpf_map_update_elem(sw->fdb_fd, &key, &value, BPF_ANY) < 0)
        return fail(-errno, "cannot set a kernel MAC entry: %s", strerror(errno));
    return 0;
}

int bpf_switch_fdb_delete(struct bpf_switch *sw, uint32_t bridge_id, uint16_t vlan,
                          const uint8_t mac[6])
{
    struct pbs_fdb_key key;
    fdb_key_of(&key, bridge_id, vlan, mac);
    if (bpf_map_delete_elem(sw->fdb_fd, &key) < 0)
        return fail(-errno, "cannot delete a kernel MAC entry: %s", strerror(errno));
    return 0;
}

/* Removes the entries `match` says yes to; returns how many. */
static int fdb_flush_matching(struct bpf_switch *sw, bool (*match)(const struct pbs_fdb_key *,
                                                                   uint32_t, uint32_t),
                              uint32_t arg)
{
    struct pbs_fdb_key key, next;
    struct pbs_fdb_entry value;
    int removed = 0;
    /* Deleting the key just returned would restart the walk: delete the
     * previous one once its successor is known. */
    bool have_prev = false;
    struct pbs_fdb_key prev;
    int err = bpf_map_get_next_key(sw->fdb_fd, NULL, &next);
    while (err == 0) {
        key = next;
        bool matches = bpf_map_lookup_elem(sw->fdb_fd, &key, &value) == 0 &&
                       match(&key, value.ifindex, arg);
        err = bpf_map_get_next_key(sw->fdb_fd, &key, &next);
        if (have_prev && bpf_map_delete_elem(sw->fdb_fd, &prev) == 0)
            removed++;
        have_prev = matches;
        prev = key;
    }
    if (have_prev && bpf_map_delete_elem(sw->fdb_fd, &prev) == 0)
        removed++;
    return removed;
}

static bool of_bridge(const struct pbs_fdb_key *key, uint32_t ifindex, uint32_t bridge_id)
{
    (void)ifindex;
    return key->bridge_id == bridge_id;
}

static bool behind_port(const struct pbs_fdb_key *key, uint32_t ifindex, uint32_t port)
{
    (void)key;
    return ifindex == port;
}

int bpf_switch_fdb_flush(struct bpf_switch *sw, uint32_t bridge_id)
{
    return fdb_flush_matching(sw, of_bridge, bridge_id);
}

int bpf_switch_fdb_flush_port(struct bpf_switch *sw, uint32_t ifindex)
{
    return fdb_flush_matching(sw, behind_port, ifindex);
}

int bpf_switch_ports(struct bpf_switch *sw, int *ifindexes, uint8_t *flags, size_t max)
{
    __u32 key, next;
    struct pbs_port port;
    size_t n = 0;
    int err = bpf_map_get_next_key(sw->ports_fd, NULL, &next);
    while (err == 0) {
        key = next;
        if (bpf_map_lookup_elem(sw->ports_fd, &key, &port) == 0) {
            if (n < max) {
                ifindexes[n] = (int)key;
                flags[n] = port.flags;
            }
            n++;
        }
        err = bpf_map_get_next_key(sw->ports_fd, &key, &next);
    }
    return (int)n;
}

int bpf_switch_fdb_fd(const struct bpf_switch *sw)
{
    return sw->fdb_fd;
}

int bpf_switch_decision_take(struct bpf_switch *sw, struct pbs_decision *out)
{
    size_t stride;
    unsigned char *values = bpf_switch_percpu_alloc(sw, sizeof *out, &stride);
    if (!values)
        return fail(-ENOMEM, "out of memory");
    __u32 zero = 0;
    int err = -ENOENT;
    if (bpf_map_lookup_elem(sw->decision_fd, &zero, values) < 0) {
        err = fail(-errno, "cannot read the decision map: %s", strerror(errno));
    } else {
        for (int cpu = 0; cpu < sw->n_cpus; cpu++) {
            const struct pbs_decision *d = (const void *)(values + (size_t)cpu * stride);
            if (d->count && (err < 0 || d->count > out->count)) {
                *out = *d;
                err = 0;
            }
        }
        memset(values, 0, (size_t)sw->n_cpus * stride);
        if (bpf_map_update_elem(sw->decision_fd, &zero, values, BPF_ANY) < 0)
            err = fail(-errno, "cannot clear the decision map: %s", strerror(errno));
        else if (err == -ENOENT)
            fail(err, "no decision was recorded");
    }
    free(values);
    return err;
}

static int test_run_marked(int prog_fd, int ifindex, uint32_t mark, const void *frame,
                           size_t len, unsigned repeat, int *verdict, void *out, size_t *out_len,
                           uint32_t *duration_ns)
{
    struct __sk_buff ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.ifindex = (__u32)ifindex;
    ctx.mark = mark;
    LIBBPF_OPTS(bpf_test_run_opts, opts,
        .data_in = frame,
        .data_size_in = (__u32)len,
        .data_out = out,
        .data_size_out = out && out_len ? (__u32)*out_len : 0,
        .ctx_in = &ctx,
        .ctx_size_in = sizeof ctx,
        .repeat = repeat,
    );
    if (bpf_prog_test_run_opts(prog_fd, &opts) < 0)
        return fail(-errno, "test run on ifindex %d failed: %s", ifindex, strerror(errno));
    *verdict = (int)opts.retval;
    if (out && out_len)
        *out_len = opts.data_size_out;
    if (duration_ns)
        *duration_ns = opts.duration;
    return 0;
}

static int test_run(int prog_fd, int ifindex, const void *frame, size_t len, unsigned repeat,
                    int *verdict, void *out, size_t *out_len, uint32_t *duration_ns)
{
    return test_run_marked(prog_fd, ifindex, 0, frame, len, repeat, verdict, out, out_len,
                           duration_ns);
}

int bpf_switch_test_run_tunnel_tx(struct bpf_switch *sw, int ifindex, uint32_t mark,
                                  const void *frame, size_t len, int *verdict)
{
    return test_run_marked(bpf_program__fd(sw->tunnel_tx), ifindex, mark, frame, len, 1,
                           verdict, NULL, NULL, NULL);
}

int bpf_switch_test_run(struct bpf_switch *sw, int ifindex, const void *frame, size_t len,
                        unsigned repeat, int *verdict, void *out, size_t *out_len,
                        uint32_t *duration_ns)
{
    return test_run(bpf_switch_prog_fd(sw), ifindex, frame, len, repeat, verdict, out, out_len,
                    duration_ns);
}

int bpf_switch_test_run_filter(struct bpf_switch *sw, int ifindex, const void *frame,
                               size_t len, int *kept)
{
    return test_run(bpf_switch_filter_fd(sw), ifindex, frame, len, 1, kept, NULL, NULL, NULL);
}

static enum bpf_tc_attach_point hook_of(uint8_t flags)
{
    return flags & PBS_PORT_HOOK_EGRESS ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

static const char *hook_name(uint8_t flags)
{
    return flags & PBS_PORT_HOOK_EGRESS ? "egress" : "ingress";
}

/* The program for a hook: a tunnel device's egress gets the one that sets
 * the daemon's frames' tunnel keys; every other hook the switch. */
static int hook_prog_fd(const struct bpf_switch *sw, uint8_t flags)
{
    if ((flags & PBS_PORT_TUNNEL_DEVICE) && (flags & PBS_PORT_HOOK_EGRESS))
        return bpf_program__fd(sw->tunnel_tx);
    return bpf_switch_prog_fd(sw);
}

/* A port's device is the bridge's alone: its clsact filter has our fixed
 * handle.  A tunnel device is shared by the bridges with tunnels on its
 * UDP port: each bridge's filter gets a handle of its own. */
static __u32 tc_handle(const struct bpf_switch *sw, uint8_t flags)
{
    if (!(flags & PBS_PORT_TUNNEL_DEVICE))
        return TC_HANDLE;
    __u32 hash = 2166136261u;            /* FNV-1a of the pin directory */
    for (const char *p = sw->pin_dir ? sw->pin_dir : ""; *p; p++)
        hash = (hash ^ (unsigned char)*p) * 16777619u;
    return (__u32)TC_HANDLE << 16 | (hash & 0xffff);
}

static int attach_clsact(struct bpf_switch *sw, int ifindex, uint8_t flags)
{
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = hook_of(flags));
    int err = bpf_tc_hook_create(&hook);
    if (err && err != -EEXIST)
        return fail(err, "cannot add clsact on ifindex %d: %s", ifindex, strerror(-err));
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tc_handle(sw, flags), .priority = TC_PRIORITY,
                .prog_fd = hook_prog_fd(sw, flags), .flags = BPF_TC_F_REPLACE);
    err = bpf_tc_attach(&hook, &opts);
    if (err)
        return fail(err, "cannot attach to ifindex %d's TC %s: %s", ifindex, hook_name(flags),
                    strerror(-err));
    return 0;
}

/* The pin of a port's tcx link: "<pin dir>/link_<ifindex>_<hook>". */
static int link_pin(const struct bpf_switch *sw, int ifindex, uint8_t flags, char *path,
                    size_t size)
{
    if (!sw->pin_dir)
        return -ENOENT;
    if ((size_t)snprintf(path, size, "%s/link_%d_%s", sw->pin_dir, ifindex,
                         hook_name(flags)) >= size)
        return fail(-ENAMETOOLONG, "link pin path is too long");
    return 0;
}

static int held_link(const struct bpf_switch *sw, int ifindex, uint8_t flags)
{
    for (unsigned i = 0; i < sw->n_links; i++)
        if (sw->links[i].ifindex == ifindex && sw->links[i].flags == flags)
            return (int)i;
    return -1;
}

static void drop_held_link(struct bpf_switch *sw, int i)
{
    close(sw->links[i].fd);
    sw->links[i] = sw->links[--sw->n_links];
}

/* A tcx link (Linux >= 6.6): no qdisc, and pinned beside the maps it
 * outlives the daemon; a restarted one points it at its own program. */
static int attach_tcx(struct bpf_switch *sw, int ifindex, uint8_t flags)
{
    int prog_fd = hook_prog_fd(sw, flags);
    int i = held_link(sw, ifindex, flags);
    if (i >= 0)
        return bpf_link_update(sw->links[i].fd, prog_fd, NULL) < 0 ? -errno : 0;
    char pin[PATH_MAX];
    bool pinned = link_pin(sw, ifindex, flags, pin, sizeof pin) == 0;
    int fd = pinned ? bpf_obj_get(pin) : -1;
    if (fd >= 0 && bpf_link_update(fd, prog_fd, NULL) < 0) {
        close(fd);                       /* the device went and came back: a new link */
        unlink(pin);
        fd = -1;
    }
    if (fd < 0) {
        fd = bpf_link_create(prog_fd, ifindex,
                             flags & PBS_PORT_HOOK_EGRESS ? ATTACH_TCX_EGRESS
                                                          : ATTACH_TCX_INGRESS, NULL);
        if (fd < 0)
            return -errno;
        if (pinned && bpf_obj_pin(fd, pin) < 0) {
            int err = -errno;
            close(fd);
            return fail(err, "cannot pin the link at %s: %s", pin, strerror(-err));
        }
    }
    if (sw->n_links == MAX_LINKS) {
        close(fd);
        return fail(-ENOSPC, "the kernel switch holds %d links already", MAX_LINKS);
    }
    sw->links[sw->n_links].ifindex = ifindex;
    sw->links[sw->n_links].flags = flags;
    sw->links[sw->n_links++].fd = fd;
    return 0;
}

static int detach_clsact(struct bpf_switch *sw, int ifindex, uint8_t flags);

int bpf_switch_attach(struct bpf_switch *sw, int ifindex, uint8_t flags)
{
    if (!sw->no_tcx) {
        int err = attach_tcx(sw, ifindex, flags);
        if (!err) {
            detach_clsact(sw, ifindex, flags);   /* a previous daemon's, on an older kernel */
            return 0;
        }
        if (err != -EINVAL && err != -EOPNOTSUPP && err != -ENOSYS)
            return fail(err, "cannot attach to ifindex %d's tcx %s: %s", ifindex,
                        hook_name(flags), strerror(-err));
        log_info("bpf: the kernel has no tcx (%s): TC programs go on clsact", strerror(-err));
        sw->no_tcx = true;
    }
    return attach_clsact(sw, ifindex, flags);
}

int bpf_switch_tcx_programs(int ifindex, uint8_t flags, char (*names)[16], uint32_t *prog_ids,
                            size_t max)
{
    __u32 ids[64], count = 64;
    /* BPF_PROG_QUERY reads the ifindex from the target_fd slot for tcx. */
    if (bpf_prog_query(ifindex, flags & PBS_PORT_HOOK_EGRESS ? ATTACH_TCX_EGRESS
                                                             : ATTACH_TCX_INGRESS,
                       0, NULL, ids, &count) < 0)
        return -errno;
    size_t n = 0;
    for (__u32 i = 0; i < count && n < max; i++) {
        int fd = bpf_prog_get_fd_by_id(ids[i]);
        if (fd < 0)
            continue;
        struct bpf_prog_info info;
        __u32 len = sizeof info;
        memset(&info, 0, sizeof info);
        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
            if (prog_ids)
                prog_ids[n] = ids[i];
            snprintf(names[n++], 16, "%s", info.name);
        }
        close(fd);
    }
    return (int)n;
}

const char *bpf_switch_hook_kind(const struct bpf_switch *sw)
{
    return sw->no_tcx ? "clsact" : "tcx";
}

/* Whether program `prog_id` is this switch's: it uses our port map (a
 * previous daemon's program for the same bridge shares the pinned maps;
 * another bridge's, attached to the device since, does not). */
static bool program_is_ours(const struct bpf_switch *sw, __u32 prog_id)
{
    struct bpf_map_info map_info;
    __u32 map_info_len = sizeof map_info;
    memset(&map_info, 0, sizeof map_info);
    if (bpf_obj_get_info_by_fd(sw->ports_fd, &map_info, &map_info_len) < 0)
        return false;
    int fd = bpf_prog_get_fd_by_id(prog_id);
    if (fd < 0)
        return false;
    __u32 map_ids[16];
    struct bpf_prog_info info;
    __u32 info_len = sizeof info;
    memset(&info, 0, sizeof info);
    info.nr_map_ids = sizeof map_ids / sizeof map_ids[0];
    info.map_ids = (__u64)(uintptr_t)map_ids;
    bool ours = false;
    if (bpf_obj_get_info_by_fd(fd, &info, &info_len) == 0) {
        for (__u32 i = 0; i < info.nr_map_ids && i < 16 && !ours; i++)
            ours = map_ids[i] == map_info.id;
    }
    close(fd);
    return ours;
}

static int detach_clsact(struct bpf_switch *sw, int ifindex, uint8_t flags)
{
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = hook_of(flags));
    LIBBPF_OPTS(bpf_tc_opts, query, .handle = tc_handle(sw, flags), .priority = TC_PRIORITY);
    int err = bpf_tc_query(&hook, &query);
    /* No clsact, no filter of ours (both -EINVAL), or no device. */
    if (err == -EINVAL || err == -ENOENT || err == -ENODEV)
        return 0;
    if (!err && !program_is_ours(sw, query.prog_id))
        return 0;                        /* another bridge's since: not ours to remove */
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tc_handle(sw, flags), .priority = TC_PRIORITY);
    err = bpf_tc_detach(&hook, &opts);
    if (err)
        return fail(err, "cannot detach from ifindex %d's TC %s: %s", ifindex,
                    hook_name(flags), strerror(-err));
    return 0;
}

int bpf_switch_detach(struct bpf_switch *sw, int ifindex, uint8_t flags)
{
    /* The tcx link is this bridge's by construction (held, or pinned in
     * its directory); detaching it leaves any other program on the hook. */
    int i = held_link(sw, ifindex, flags);
    char pin[PATH_MAX];
    bool pinned = link_pin(sw, ifindex, flags, pin, sizeof pin) == 0;
    int fd = i >= 0 ? sw->links[i].fd : pinned ? bpf_obj_get(pin) : -1;
    if (fd >= 0)
        bpf_link_detach(fd);             /* fails harmlessly when the device is gone */
    if (i >= 0)
        drop_held_link(sw, i);
    else if (fd >= 0)
        close(fd);
    if (pinned)
        unlink(pin);
    return detach_clsact(sw, ifindex, flags);
}
