/* pontoond: owns the datapath, reconciles it with the configuration database
 * on start and after every change, serves the control socket. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "control/control_client.h"
#include "control/control_server.h"
#include "control/bond_columns.h"
#include "control/iface_columns.h"
#include "db/db.h"
#include "db/db_watch.h"
#include "control/iface_stats.h"
#include "control/kernel_path.h"
#include "control/link_monitor.h"
#include "control/macvtap_keeper.h"
#include "control/nic_policy.h"
#include "control/sriov_policy.h"
#include "control/switch_commands.h"
#include "control/switch_state.h"
#include "daemon/detach.h"
#include "db/ovsdb_server.h"
#include "datapath/datapath.h"
#include "netdev/netdev.h"
#include "netdev/netdev_vhostuser.h"
#include "netdev/tunnel_kernel.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/man_roff.h"
#include "util/sd_notify.h"
#include "util/strbuf.h"

struct daemon_options {
    const char *db_path;
    const char *run_dir;
    const char *pidfile;
    const char *log_file;
    bool detach;
    bool syslog;
    enum log_level log_level;
    const char *remotes[16];          /* --remote: more OVSDB listeners */
    size_t n_remotes;
};

/* --log-file with no FILE; its directory is created when missing, as a
 * package would have done. */
#define LOG_FILE_DEFAULT_DIR "/var/log/pontoon"
#define LOG_FILE_DEFAULT LOG_FILE_DEFAULT_DIR "/pontoond.log"

struct daemon {
    struct db *db;
    struct switch_state switch_state;
    struct control_server *control;
    struct ovsdb_server *ovsdb;       /* the OVSDB protocol socket, db.sock */
    struct link_monitor *links;
    struct macvtap_keeper *macvtaps;  /* the Macvtap table kept made */
    struct nic_policy *nics;          /* the NIC table kept applied */
    struct sriov_policy *sriov;       /* VF counts and VF settings kept applied */
    struct db_watch *db_watch;        /* writes to the file; NULL: poll it each second */
    bool reconcile_pending;
    bool full_pending;                /* not (only) the database: visit every port */
    bool columns_pending;             /* only the reported link columns moved */
    bool exit_requested;              /* appctl exit */
    bool exit_cleanup;                /* exit --cleanup: kernel fast paths go too */
};

static void usage(FILE *out)
{
    fprintf(out, "pontoond - the Pontoon virtual switch daemon\n"
           "\n"
           "SYNOPSIS\n"
           "  pontoond [--detach] [--pidfile[=FILE]] [--db=FILE] [--run-dir=DIR]\n"
           "           [--remote=REMOTE]... [--log-file[=FILE]] [--syslog]\n"
           "           [--log-level=LEVEL]\n"
           "\n"
           "DESCRIPTION\n"
           "  pontoond owns the datapath: it opens the ports configured in the database\n"
           "  (bridges, ports and interfaces as written by `pontoon`), switches frames\n"
           "  between them with MAC learning and VLANs, and answers runtime commands\n"
           "  (fdb/show, dpif/show, ...) on its control socket DIR/pontoond.ctl.\n"
           "  On start and after every committed change it makes the running switch\n"
           "  match the database.  Devices it creates (internal ports, taps) are removed\n"
           "  when it stops; the configuration is kept.\n"
           "  It serves the database to OVSDB clients (RFC 7047 and Open vSwitch's\n"
           "  extensions: ovs-vsctl, ovsdb-client, the IDLs, ovsdbapp) on DIR/db.sock\n"
           "  and any --remote: transact (all operations; \"wait\" with timeouts,\n"
           "  \"assert\" of locks), cancel, monitor, monitor_cond, monitor_cond_since,\n"
           "  monitor_cond_change, monitor_cancel, lock, steal, unlock, get_schema,\n"
           "  list_dbs, get_server_id, echo; the changes clients commit it applies.\n"
           "\n"
           "OPTIONS\n"
           "  --db=FILE         configuration database (default: $PONTOON_DB, else\n"
           "                    %s)\n"
           "  --run-dir=DIR     directory of the control and OVSDB sockets (default:\n"
           "                    $PONTOON_RUN_DIR, else %s)\n"
           "  --remote=REMOTE   also serve OVSDB clients on REMOTE: punix:PATH (a Unix\n"
           "                    socket) or ptcp:PORT[:IP] (TCP, on 127.0.0.1 unless IP\n"
           "                    is given; no TLS, so keep it to trusted networks);\n"
           "                    up to 16\n"
           "  --detach          run in the background once the switch is up (see\n"
           "                    DETACHING)\n"
           "  --pidfile[=FILE]  write the process id to FILE (default DIR/pontoond.pid)\n"
           "  --log-file[=FILE] append log lines to FILE (default:\n"
           "                    %s, its directory created\n"
           "                    when missing); opened before detaching, so that a\n"
           "                    bad FILE fails the start\n"
           "  --syslog          log to syslog (facility daemon) instead of standard\n"
           "                    error; with --log-file, lines go to both\n"
           "  --log-level=LEVEL err, warn, info (default) or dbg, for every destination\n"
           "  -h, --help        this help\n"
           "  --man             this help as a man page, pontoond(8) (roff)\n"
           "  -V, --version     print the version\n"
           "\n"
           "DETACHING\n"
           "  With --detach the command returns once the switch is up, with status 0,\n"
           "  so that `pontoond --detach && pontoon add-br br0` works; if the switch\n"
           "  cannot start it returns 1 with the reason on standard error, and no\n"
           "  daemon is left.  The daemon runs on in a new session with no\n"
           "  controlling terminal; its standard input, output and error are /dev/null.\n"
           "\n"
           "LOGGING\n"
           "  In the foreground, log lines go to standard error (not with --syslog),\n"
           "  and to the log file and syslog when given.  Detached, they go only to\n"
           "  the log file and syslog: with neither, a detached daemon logs nothing.\n"
           "  While a detaching daemon starts, warnings and errors also go to\n"
           "  standard error.  Lines on standard error and in the log file read\n"
           "    2026-12-07T03:30:05.123Z|pontoond|info|bridge br0: created\n"
           "  with the time in UTC.\n"
           "\n"
           "SIGNALS\n"
           "  SIGTERM, SIGINT   clean shutdown\n"
           "  SIGHUP            reopen the log file (after logrotate renamed it) and\n"
           "                    re-read the database; `pontoon vlog/reopen` reopens\n"
           "                    the log file alone\n"
           "\n"
           "ENVIRONMENT\n"
           "  PONTOON_SRIOV_ROOT\n"
           "                    a directory holding a copy of a sysfs tree: the VF\n"
           "                    counts (NIC sriov_num_vfs) are kept in its\n"
           "                    sys/bus/pci/devices/*/sriov_numvfs instead of /sys's\n"
           "                    (for tests; VF settings still go to the kernel)\n"
           "\n"
           "EXIT STATUS\n"
           "  0 after a clean shutdown, 1 when the switch cannot start.\n",
           DB_DEFAULT_PATH, DEFAULT_RUN_DIR, LOG_FILE_DEFAULT);
}

/* pontoond(8): the help above, as roff (never written twice). */
static void print_man(void)
{
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    if (!mem)
        exit(1);
    usage(mem);
    fclose(mem);
    man_roff_header(stdout, "pontoond", "8", "the Pontoon virtual switch daemon",
                    "Pontoon " PONTOON_VERSION);
    const char *body = strchr(text, '\n');   /* the first line is NAME's */
    man_roff_body(stdout, body ? body + 1 : "", 0);
    fputs(".SH SEE ALSO\npontoon(8), systemd.service(5)\n", stdout);
    free(text);
}

static int parse_options(int argc, char **argv, struct daemon_options *opts)
{
    enum {
        OPT_DB = 256, OPT_RUN_DIR, OPT_PIDFILE, OPT_DETACH, OPT_LOG_FILE, OPT_LOG_LEVEL,
        OPT_SYSLOG, OPT_REMOTE, OPT_MAN,
    };
    static const struct option long_options[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "run-dir", required_argument, NULL, OPT_RUN_DIR },
        { "pidfile", optional_argument, NULL, OPT_PIDFILE },
        { "detach", no_argument, NULL, OPT_DETACH },
        { "log-file", optional_argument, NULL, OPT_LOG_FILE },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "syslog", no_argument, NULL, OPT_SYSLOG },
        { "remote", required_argument, NULL, OPT_REMOTE },
        { "man", no_argument, NULL, OPT_MAN },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    opts->db_path = db_default_path();
    opts->run_dir = control_default_run_dir();
    opts->log_level = LOG_LEVEL_INFO;
    bool pidfile_default = false;
    int c;
    while ((c = getopt_long(argc, argv, "hV", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_DB: opts->db_path = optarg; break;
        case OPT_RUN_DIR: opts->run_dir = optarg; break;
        case OPT_PIDFILE:
            if (optarg)
                opts->pidfile = optarg;
            else
                pidfile_default = true;
            break;
        case OPT_DETACH: opts->detach = true; break;
        case OPT_LOG_FILE: opts->log_file = optarg ? optarg : LOG_FILE_DEFAULT; break;
        case OPT_SYSLOG: opts->syslog = true; break;
        case OPT_REMOTE:
            if (opts->n_remotes == sizeof opts->remotes / sizeof *opts->remotes) {
                fprintf(stderr, "pontoond: at most 16 --remote options\n");
                return -1;
            }
            opts->remotes[opts->n_remotes++] = optarg;
            break;
        case OPT_LOG_LEVEL:
            if (log_level_from_string(optarg, &opts->log_level) < 0) {
                fprintf(stderr, "pontoond: unknown log level \"%s\" (err, warn, info, dbg)\n",
                        optarg);
                return -1;
            }
            break;
        case 'h': usage(stdout); exit(0);
        case OPT_MAN: print_man(); exit(0);
        case 'V': printf("pontoond (Pontoon) %s\n", PONTOON_VERSION); exit(0);
        default:
            fprintf(stderr, "pontoond: use --help for usage\n");
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "pontoond: unexpected argument \"%s\"; use --help for usage\n",
                argv[optind]);
        return -1;
    }
    if (pidfile_default) {
        static char path[4096];
        snprintf(path, sizeof path, "%s/pontoond.pid", opts->run_dir);
        opts->pidfile = path;
    }
    return 0;
}

/* ovs-appctl's exit: stop as SIGTERM does, leaving the kernel fast paths
 * running for the next daemon, or with --cleanup removing them first. */
static void command_exit(int argc, const char *const *argv, struct control_reply *reply,
                         void *aux)
{
    struct daemon *d = aux;
    if (argc == 1 && strcmp(argv[0], "--cleanup")) {
        reply->error = xasprintf("exit: unknown option \"%s\" (only --cleanup)", argv[0]);
        return;
    }
    d->exit_requested = true;
    d->exit_cleanup = argc == 1;
    reply->text = strdup("");
}

static void on_link_event(const struct link_event *event, void *aux);

/* Link events already queued are taken first, so that the reported Interface
 * columns, which ask the kernel only about devices named in an event since
 * the last write, see every change made before this reconcile. */
static void take_link_events(struct daemon *d)
{
    if (d->links && link_monitor_process(d->links, on_link_event, d) == -ENOBUFS)
        switch_link_changed(&d->switch_state, NULL, 0);   /* events lost: ask again */
}

/* Something besides the database changed: the next reconcile visits every
 * port, not only the ones a database change touched. */
static void reconcile_everything(struct daemon *d)
{
    d->reconcile_pending = d->full_pending = true;
}

static int reload_and_reconcile(struct daemon *d, char **error)
{
    take_link_events(d);
    if (db_reload(d->db, error) < 0)
        return -1;
    bool all;
    if (!d->full_pending && !db_changed_rows(d->db, &all) && !all) {
        /* Already applied (a --no-wait commit seen through the watch, then
         * the CLI's own reload request): the running switch is the database. */
        d->reconcile_pending = false;
        return 0;
    }
    if (d->full_pending)
        switch_reconcile(&d->switch_state);
    else
        switch_reconcile_changes(&d->switch_state);
    macvtap_keeper_run(d->macvtaps);
    nic_policy_run(d->nics, d->db);
    sriov_policy_run(d->sriov, d->db);
    d->reconcile_pending = false;
    d->full_pending = false;
    d->columns_pending = false;
    return 0;
}

/* "reload": the CLI calls this after committing; the reply means "applied". */
static void command_reload(int argc, const char *const *argv, struct control_reply *reply,
                           void *aux)
{
    struct daemon *d = aux;
    char *error = NULL;
    if (reload_and_reconcile(d, &error) < 0)
        reply->error = error ? error : xasprintf("cannot read the database");
    else
        reply->text = strdup("");
}

static void on_link_event(const struct link_event *event, void *aux)
{
    struct daemon *d = aux;
    /* Bond members react at once (failover); reconcile follows as for any port. */
    switch_link_changed(&d->switch_state, event->name, event->ifindex);
    if (event->exists)
        bonds_link_event(&d->switch_state, event->name, event->up && event->carrier);
    if (switch_tracks_device(&d->switch_state, event->name)) {
        log_dbg("link %s %s", event->name, event->exists ? "changed" : "deleted");
        /* The very device a port holds open (our own new tap's first events
         * included): report it again; anything else is reconciled. */
        if (event->exists && switch_holds_device(&d->switch_state, event->name, event->ifindex))
            d->columns_pending = true;
        else
            reconcile_everything(d);
    }
    /* A kept macvtap, or its lower device, came, changed or went. */
    if (macvtap_keeper_watches(d->macvtaps, event->name))
        reconcile_everything(d);
    /* A NIC with a policy appeared again (hot plug, driver reload) or went. */
    if (nic_policy_link_event(d->nics, event->name, event->ifindex, event->exists))
        reconcile_everything(d);
    /* A PF with VFs kept came back (driver reload, reset). */
    if (sriov_policy_link_event(d->sriov, event->name, event->ifindex, event->exists,
                                event->carrier))
        reconcile_everything(d);
}

/* "vlog/reopen", as ovs-appctl's: for logrotate's postrotate (as is SIGHUP). */
static void command_vlog_reopen(int argc, const char *const *argv, struct control_reply *reply,
                                void *aux)
{
    const char *path = log_file_path();
    if (!path) {
        reply->error = xasprintf("no log file to reopen: pontoond runs without --log-file");
        return;
    }
    int r = log_file_reopen();
    if (r < 0)
        reply->error = xasprintf("cannot reopen log file %s: %s", path, strerror(-r));
    else
        reply->text = strdup("");
}

/* Opens --log-file before anything else runs, so that a bad path fails the
 * start on the launching terminal.  Creates the default file's directory. */
static int open_log_file(const char *path)
{
    if (!strcmp(path, LOG_FILE_DEFAULT)) {
        if (mkdir(LOG_FILE_DEFAULT_DIR, 0755) == 0) {
            chmod(LOG_FILE_DEFAULT_DIR, 0755);      /* whatever the umask */
        } else if (errno != EEXIST) {
            fprintf(stderr, "pontoond: cannot create log directory %s: %s\n",
                    LOG_FILE_DEFAULT_DIR, strerror(errno));
            return -1;
        }
    }
    int r = log_file_open(path);
    if (r < 0) {
        fprintf(stderr, "pontoond: cannot open log file %s: %s\n", path, strerror(-r));
        return -1;
    }
    return 0;
}

/* Were fd 0, 1 or 2 closed at start, the log file or a socket would take its
 * number, and be written to as standard error or replaced by /dev/null. */
static void open_standard_streams(void)
{
    int fd;
    while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
        continue;
    if (fd > STDERR_FILENO)
        close(fd);
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        log_err("cannot write pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    return 0;
}

static int add_to_epoll(int epoll_fd, int fd, uint32_t tag)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

enum { TAG_CONTROL, TAG_LINKS, TAG_SIGNAL, TAG_TIMER, TAG_NETDEV, TAG_KERNEL, TAG_DB_WATCH,
       TAG_OVSDB };

/* An OVSDB client's transaction changed the database, through the
 * daemon's own connection: apply everything (the changes were not loaded,
 * so there is no list of changed rows to go by). */
static void apply_ovsdb_commit(void *aux)
{
    struct daemon *d = aux;
    d->reconcile_pending = d->full_pending = true;
}

/* Before an OVSDB client is answered: a commit the daemon has not applied
 * yet is applied first, so that what the client reads is what runs. */
static void refresh_for_ovsdb(void *aux)
{
    struct daemon *d = aux;
    char *error = NULL;
    if ((db_stale(d->db) || d->reconcile_pending) && reload_and_reconcile(d, &error) < 0) {
        log_warn("cannot read the database: %s", error ? error : "?");
        free(error);
    }
}

/* Another process committed (changes made with --no-wait come with no
 * reload request), also while the last reconcile ran: the database
 * compares with what it last loaded, not with when that reconcile ended. */
static void check_database_version(struct daemon *d)
{
    if (db_stale(d->db))
        d->reconcile_pending = true;   /* the database only */
}

static int set_tick(int timer_fd, unsigned ms)
{
    struct itimerspec tick = { .it_interval = { ms / 1000, (long)(ms % 1000) * 1000000 } };
    tick.it_value = tick.it_interval;
    return timerfd_settime(timer_fd, 0, &tick, NULL);
}

/* The timer's period.  Every 100 ms while bonds exist (LACP and failover
 * timers); every second while something is watched for changes made behind
 * the daemon's back (kept NICs and VFs, a database with no watch); else
 * every statistics interval: waking costs a few hundred microseconds in a
 * VM, and an idle switch has nothing to do more often.  MAC aging needs no
 * tick: lookups and fdb/show ignore expired entries, the tick frees them. */
static unsigned tick_ms(const struct daemon *d)
{
    if (d->switch_state.n_bonds)
        return 100;
    if (!d->db_watch || nic_policy_watching(d->nics) || sriov_policy_watching(d->sriov))
        return 1000;
    return IFACE_STATS_INTERVAL_MS;
}

static int run(struct daemon *d, int signal_fd)
{
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    int timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    unsigned tick = tick_ms(d);
    uint64_t last_slow_ms = clock_monotonic_ms();
    if (epoll_fd < 0 || timer_fd < 0 || set_tick(timer_fd, tick) < 0) {
        log_err("event loop: %s", strerror(errno));
        return -1;
    }
    add_to_epoll(epoll_fd, control_server_epoll_fd(d->control), TAG_CONTROL);
    add_to_epoll(epoll_fd, link_monitor_fd(d->links), TAG_LINKS);
    add_to_epoll(epoll_fd, signal_fd, TAG_SIGNAL);
    add_to_epoll(epoll_fd, timer_fd, TAG_TIMER);
    add_to_epoll(epoll_fd, netdev_change_fd(), TAG_NETDEV);
    add_to_epoll(epoll_fd, kernel_path_epoll_fd(&d->switch_state), TAG_KERNEL);
    if (d->db_watch)
        add_to_epoll(epoll_fd, db_watch_fd(d->db_watch), TAG_DB_WATCH);
    if (d->ovsdb)
        add_to_epoll(epoll_fd, ovsdb_server_epoll_fd(d->ovsdb), TAG_OVSDB);

    bool running = true;
    while (running) {
        struct epoll_event events[8];
        int n = epoll_wait(epoll_fd, events, 8, -1);
        if (n < 0 && errno != EINTR) {
            log_err("epoll_wait: %s", strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            switch (events[i].data.u32) {
            case TAG_CONTROL:
                control_server_run(d->control);
                break;
            case TAG_OVSDB:
                ovsdb_server_run(d->ovsdb);
                break;
            case TAG_LINKS:
                if (link_monitor_process(d->links, on_link_event, d) == -ENOBUFS) {
                    reconcile_everything(d);   /* events lost: check everything */
                    switch_link_changed(&d->switch_state, NULL, 0);
                }
                break;
            case TAG_SIGNAL: {
                struct signalfd_siginfo info;
                if (read(signal_fd, &info, sizeof info) != sizeof info)
                    break;
                if (info.ssi_signo == SIGHUP) {
                    int r = log_file_reopen();
                    if (r < 0)
                        log_err("cannot reopen log file %s: %s", log_file_path(),
                                strerror(-r));
                    else if (log_file_path())
                        log_info("SIGHUP: log file %s reopened", log_file_path());
                    log_info("SIGHUP: re-reading the database");
                    reconcile_everything(d);
                } else {
                    log_info("signal %d: shutting down", (int)info.ssi_signo);
                    running = false;
                }
                break;
            }
            case TAG_DB_WATCH:
                if (db_watch_consume(d->db_watch))
                    check_database_version(d);
                break;
            case TAG_KERNEL:
                kernel_path_consume_events(&d->switch_state, clock_monotonic_ms());
                break;
            case TAG_NETDEV: {
                uint64_t count;
                if (read(netdev_change_fd(), &count, sizeof count) == sizeof count)
                    reconcile_everything(d);
                break;
            }
            case TAG_TIMER: {
                uint64_t expirations;
                if (read(timer_fd, &expirations, sizeof expirations) < 0)
                    break;
                uint64_t now_ms = clock_monotonic_ms();
                bonds_run(&d->switch_state, now_ms);
                bond_columns_write(&d->switch_state);
                if (now_ms - last_slow_ms + CLOCK_TICK_SLACK_MS < 1000)
                    break;
                last_slow_ms = now_ms;
                switch_expire_fdbs(&d->switch_state, clock_monotonic_ms());
                pmd_sample_load(&d->switch_state, pmd_now_ns());
                iface_stats_write(&d->switch_state, now_ms);
                if (!d->db_watch)
                    check_database_version(d);
                /* A NIC's channel count changed its queues, or it came back. */
                if (nic_policy_check(d->nics))
                    reconcile_everything(d);
                /* A PF's VF count changed behind our back, or it came back. */
                if (sriov_policy_check(d->sriov))
                    reconcile_everything(d);
                break;
            }
            }
        }
        if (d->exit_requested) {
            log_info("exit%s requested: shutting down", d->exit_cleanup ? " --cleanup" : "");
            running = false;
        }
        if (tick != tick_ms(d)) {
            tick = tick_ms(d);
            set_tick(timer_fd, tick);
        }
        if (d->reconcile_pending && running) {
            char *error = NULL;
            if (reload_and_reconcile(d, &error) < 0) {
                log_err("cannot read the database: %s", error ? error : "?");
                free(error);
                d->reconcile_pending = false;
            }
        }
        /* A reconcile writes them too (and clears the flag). */
        if (d->columns_pending && running) {
            iface_columns_write(&d->switch_state);
            bond_columns_write(&d->switch_state);
            d->columns_pending = false;
        }
        /* Whatever changed the database above, OVSDB monitors are told. */
        if (d->ovsdb)
            ovsdb_server_notify(d->ovsdb);
    }
    close(timer_fd);
    close(epoll_fd);
    return 0;
}

int main(int argc, char **argv)
{
    struct daemon_options opts = { 0 };
    if (parse_options(argc, argv, &opts) < 0)
        return 1;
    open_standard_streams();
    log_init("pontoond", opts.log_level, opts.syslog);
    if (opts.log_file && open_log_file(opts.log_file) < 0)
        return 1;

    int report_fd = -1;
    if (opts.detach) {
        /* Until the switch is up, what goes wrong shows on the launching
         * terminal too; detach_finish then turns standard error off. */
        log_stderr_set_level(LOG_LEVEL_WARN);
        if ((report_fd = detach_start()) < 0) {
            log_err("cannot detach: %s", strerror(errno));
            log_file_close();
            return 1;
        }
    }

    /* Signals arrive through a signalfd; block them before any thread starts
     * so the datapath worker never takes one. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    sigprocmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    int signal_fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);

    struct daemon d = { 0 };
    bool switch_initialized = false;
    char *error = NULL;
    int status = 1;
    if (signal_fd < 0) {
        log_err("signalfd: %s", strerror(errno));
        goto out;
    }
    if (db_open(opts.db_path, &d.db, &error) < 0) {
        log_err("cannot open database %s: %s", opts.db_path, error ? error : "?");
        goto out;
    }
    netdev_vhostuser_set_run_dir(opts.run_dir);
    switch_state_init(&d.switch_state, d.db);
    switch_initialized = true;
    if (macvtap_keeper_create(d.db, &d.macvtaps) < 0) {
        log_err("out of memory");
        goto out;
    }
    if (!(d.nics = nic_policy_create())) {
        log_err("out of memory");
        goto out;
    }
    /* $PONTOON_SRIOV_ROOT: a copy of a sysfs tree the VF counts are kept in
     * instead of /sys (for tests; see control/sriov_policy.h). */
    if (!(d.sriov = sriov_policy_create(getenv("PONTOON_SRIOV_ROOT")))) {
        log_err("out of memory");
        goto out;
    }
    int r = db_watch_open(opts.db_path, &d.db_watch);
    if (r < 0)
        log_warn("cannot watch %s for changes (%s): checking it every second",
                 opts.db_path, strerror(-r));
    if (link_monitor_open(&d.links) < 0) {
        log_err("cannot open the netlink link monitor");
        goto out;
    }
    if (control_server_open(opts.run_dir, &d.control) < 0)
        goto out;
    control_server_register(d.control, "reload", "", 0, 0, command_reload, &d);
    control_server_register(d.control, "vlog/reopen", "", 0, 0, command_vlog_reopen, NULL);
    control_server_register(d.control, "exit", "[--cleanup]", 0, 1, command_exit, &d);
    switch_commands_register(d.control, &d.switch_state);
    char ovsdb_path[PATH_MAX];
    snprintf(ovsdb_path, sizeof ovsdb_path, "%s/%s", opts.run_dir, OVSDB_SOCKET_NAME);
    if (ovsdb_server_open(ovsdb_path, d.db, refresh_for_ovsdb, apply_ovsdb_commit, &d,
                          &d.ovsdb) < 0)
        goto out;
    for (size_t i = 0; i < opts.n_remotes; i++)
        if (ovsdb_server_add_remote(d.ovsdb, opts.remotes[i]) < 0)
            goto out;
    if (opts.pidfile && write_pidfile(opts.pidfile) < 0)
        goto out;
    switch_reconcile(&d.switch_state);
    /* A previous daemon's tunnel devices that no port here adopted. */
    tunnel_kernel_remove_unused_devices(true);
    macvtap_keeper_run(d.macvtaps);
    nic_policy_run(d.nics, d.db);
    sriov_policy_run(d.sriov, d.db);
    /* A commit made while the first reconcile ran. */
    if (db_stale(d.db) && reload_and_reconcile(&d, &error) < 0) {
        log_err("cannot read the database: %s", error ? error : "?");
        free(error);
        error = NULL;
    }
    log_info("pontoond %s started (database %s, control socket %s/%s)", PONTOON_VERSION,
             opts.db_path, opts.run_dir, CONTROL_SOCKET_NAME);
    detach_finish(report_fd, 0);
    report_fd = -1;
    /* Type=notify: the sockets are open and the configuration applied. */
    char ready[PATH_MAX + 128];
    snprintf(ready, sizeof ready, "READY=1\nMAINPID=%d\nSTATUS=switching (database %s)",
             (int)getpid(), opts.db_path);
    int notified = sd_notify_send(ready);
    if (notified < 0)
        log_warn("cannot tell systemd the daemon is ready: %s", strerror(-notified));
    status = run(&d, signal_fd) < 0;
    sd_notify_send("STOPPING=1");
out:
    free(error);
    if (switch_initialized && d.exit_cleanup)
        for (size_t i = 0; i < d.switch_state.n_bridges; i++)
            kernel_path_remove(&d.switch_state, d.switch_state.bridges[i]);
    if (switch_initialized)
        switch_state_destroy(&d.switch_state);
    if (switch_initialized && d.exit_cleanup)
        tunnel_kernel_remove_unused_devices(true);
    ovsdb_server_close(d.ovsdb);
    control_server_close(d.control);
    if (d.links)
        link_monitor_close(d.links);
    macvtap_keeper_destroy(d.macvtaps);
    nic_policy_destroy(d.nics);
    sriov_policy_destroy(d.sriov);
    db_watch_close(d.db_watch);
    if (d.db)
        db_close(d.db);
    if (opts.pidfile && status == 0)
        unlink(opts.pidfile);
    if (signal_fd >= 0)
        close(signal_fd);
    log_info("pontoond stopped");
    log_file_close();
    /* A failed start is reported last, so that when the launching command
     * returns the daemon has cleaned up. */
    detach_finish(report_fd, 1);
    return status;
}
