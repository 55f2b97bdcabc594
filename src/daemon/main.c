/* pontoond: owns the datapath, reconciles it with the configuration database
 * on start and after every change, serves the control socket. */
#include <errno.h>
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
#include "control/db.h"
#include "control/iface_stats.h"
#include "control/link_monitor.h"
#include "control/switch_commands.h"
#include "control/switch_state.h"
#include "datapath/datapath.h"
#include "netdev/netdev.h"
#include "netdev/netdev_vhostuser.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"

struct daemon_options {
    const char *db_path;
    const char *run_dir;
    const char *pidfile;
    bool detach;
    bool syslog;
    enum log_level log_level;
};

struct daemon {
    struct db *db;
    struct switch_state switch_state;
    struct control_server *control;
    struct link_monitor *links;
    int64_t data_version;
    bool reconcile_pending;
};

static void usage(void)
{
    printf("pontoond - the Pontoon virtual switch daemon\n"
           "\n"
           "SYNOPSIS\n"
           "  pontoond [--detach] [--pidfile[=FILE]] [--db=FILE] [--run-dir=DIR]\n"
           "           [--log-level=LEVEL] [--syslog]\n"
           "\n"
           "DESCRIPTION\n"
           "  pontoond owns the datapath: it opens the ports configured in the database\n"
           "  (bridges, ports and interfaces as written by `pontoon`), switches frames\n"
           "  between them with MAC learning and VLANs, and answers runtime commands\n"
           "  (fdb/show, dpif/show, ...) on its control socket DIR/pontoond.ctl.\n"
           "  On start and after every committed change it makes the running switch\n"
           "  match the database.  Devices it creates (internal ports, taps) are removed\n"
           "  when it stops; the configuration is kept.\n"
           "\n"
           "OPTIONS\n"
           "  --db=FILE         configuration database (default: $PONTOON_DB, else\n"
           "                    %s)\n"
           "  --run-dir=DIR     directory of the control socket (default:\n"
           "                    $PONTOON_RUN_DIR, else %s)\n"
           "  --detach          run in the background once the switch is up\n"
           "  --pidfile[=FILE]  write the process id to FILE (default DIR/pontoond.pid)\n"
           "  --log-level=LEVEL err, warn, info (default) or dbg\n"
           "  --syslog          log to syslog instead of standard error\n"
           "  -h, --help        this help\n"
           "  -V, --version     print the version\n"
           "\n"
           "SIGNALS\n"
           "  SIGTERM, SIGINT   clean shutdown\n"
           "  SIGHUP            re-read the database\n"
           "\n"
           "EXIT STATUS\n"
           "  0 after a clean shutdown, 1 when the switch cannot start.\n",
           DB_DEFAULT_PATH, DEFAULT_RUN_DIR);
}

static int parse_options(int argc, char **argv, struct daemon_options *opts)
{
    enum { OPT_DB = 256, OPT_RUN_DIR, OPT_PIDFILE, OPT_DETACH, OPT_LOG_LEVEL, OPT_SYSLOG };
    static const struct option long_options[] = {
        { "db", required_argument, NULL, OPT_DB },
        { "run-dir", required_argument, NULL, OPT_RUN_DIR },
        { "pidfile", optional_argument, NULL, OPT_PIDFILE },
        { "detach", no_argument, NULL, OPT_DETACH },
        { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
        { "syslog", no_argument, NULL, OPT_SYSLOG },
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
        case OPT_SYSLOG: opts->syslog = true; break;
        case OPT_LOG_LEVEL:
            if (log_level_from_string(optarg, &opts->log_level) < 0) {
                fprintf(stderr, "pontoond: unknown log level \"%s\" (err, warn, info, dbg)\n",
                        optarg);
                return -1;
            }
            break;
        case 'h': usage(); exit(0);
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

static int reload_and_reconcile(struct daemon *d, char **error)
{
    if (db_reload(d->db, error) < 0)
        return -1;
    db_data_version(d->db, &d->data_version);
    switch_reconcile(&d->switch_state);
    db_data_version(d->db, &d->data_version);
    d->reconcile_pending = false;
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
    if (event->exists)
        bonds_link_event(&d->switch_state, event->name, event->up && event->carrier);
    if (switch_tracks_device(&d->switch_state, event->name)) {
        log_dbg("link %s %s", event->name, event->exists ? "changed" : "deleted");
        d->reconcile_pending = true;
    }
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

/* Forks; the parent waits until the child reports the switch is up, so that
 * `pontoond --detach && pontoon ...` works.  Returns the pipe to report on. */
static int detach_start(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid > 0) {
        close(fds[1]);
        char status = 1;
        if (read(fds[0], &status, 1) != 1)
            status = 1;
        _exit(status);
    }
    close(fds[0]);
    setsid();
    return fds[1];
}

static void detach_finish(int report_fd, char status)
{
    if (report_fd < 0)
        return;
    if (write(report_fd, &status, 1) < 0)
        log_warn("detach: %s", strerror(errno));
    close(report_fd);
    if (status == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDOUT_FILENO);
            close(null);
        }
    }
}

static int add_to_epoll(int epoll_fd, int fd, uint32_t tag)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

enum { TAG_CONTROL, TAG_LINKS, TAG_SIGNAL, TAG_TIMER, TAG_NETDEV };

static int set_tick(int timer_fd, bool fast)
{
    struct itimerspec tick = { .it_interval = { fast ? 0 : 1, fast ? 100000000 : 0 } };
    tick.it_value = tick.it_interval;
    return timerfd_settime(timer_fd, 0, &tick, NULL);
}

static int run(struct daemon *d, int signal_fd)
{
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    int timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    /* Once a second for aging and the database check; every 100 ms while
     * bonds exist (LACP and failover timers).  Idle without bonds means one
     * wakeup a second. */
    bool fast_tick = false;
    uint64_t last_slow_ms = clock_monotonic_ms();
    if (epoll_fd < 0 || timer_fd < 0 || set_tick(timer_fd, fast_tick) < 0) {
        log_err("event loop: %s", strerror(errno));
        return -1;
    }
    add_to_epoll(epoll_fd, control_server_epoll_fd(d->control), TAG_CONTROL);
    add_to_epoll(epoll_fd, link_monitor_fd(d->links), TAG_LINKS);
    add_to_epoll(epoll_fd, signal_fd, TAG_SIGNAL);
    add_to_epoll(epoll_fd, timer_fd, TAG_TIMER);
    add_to_epoll(epoll_fd, netdev_change_fd(), TAG_NETDEV);

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
            case TAG_LINKS:
                if (link_monitor_process(d->links, on_link_event, d) == -ENOBUFS)
                    d->reconcile_pending = true;   /* events lost: check everything */
                break;
            case TAG_SIGNAL: {
                struct signalfd_siginfo info;
                if (read(signal_fd, &info, sizeof info) != sizeof info)
                    break;
                if (info.ssi_signo == SIGHUP) {
                    log_info("SIGHUP: re-reading the database");
                    d->reconcile_pending = true;
                } else {
                    log_info("signal %d: shutting down", (int)info.ssi_signo);
                    running = false;
                }
                break;
            }
            case TAG_NETDEV: {
                uint64_t count;
                if (read(netdev_change_fd(), &count, sizeof count) == sizeof count)
                    d->reconcile_pending = true;
                break;
            }
            case TAG_TIMER: {
                uint64_t expirations;
                if (read(timer_fd, &expirations, sizeof expirations) < 0)
                    break;
                uint64_t now_ms = clock_monotonic_ms();
                bonds_run(&d->switch_state, now_ms);
                bond_columns_write(&d->switch_state);
                if (now_ms - last_slow_ms < 1000)
                    break;
                last_slow_ms = now_ms;
                switch_expire_fdbs(&d->switch_state, clock_monotonic_ms());
                pmd_sample_load(&d->switch_state, pmd_now_ns());
                iface_stats_write(&d->switch_state, now_ms);
                /* Changes committed with --no-wait come with no reload request. */
                int64_t version;
                if (db_data_version(d->db, &version) == 0 && version != d->data_version)
                    d->reconcile_pending = true;
                break;
            }
            }
        }
        if (fast_tick != (d->switch_state.n_bonds > 0)) {
            fast_tick = d->switch_state.n_bonds > 0;
            set_tick(timer_fd, fast_tick);
        }
        if (d->reconcile_pending && running) {
            char *error = NULL;
            if (reload_and_reconcile(d, &error) < 0) {
                log_err("cannot read the database: %s", error ? error : "?");
                free(error);
                d->reconcile_pending = false;
            }
        }
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
    log_init("pontoond", opts.log_level, opts.syslog);

    int report_fd = -1;
    if (opts.detach && (report_fd = detach_start()) < 0) {
        log_err("cannot detach: %s", strerror(errno));
        return 1;
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
    if (link_monitor_open(&d.links) < 0) {
        log_err("cannot open the netlink link monitor");
        goto out;
    }
    if (control_server_open(opts.run_dir, &d.control) < 0)
        goto out;
    control_server_register(d.control, "reload", "", 0, 0, command_reload, &d);
    switch_commands_register(d.control, &d.switch_state);
    if (opts.pidfile && write_pidfile(opts.pidfile) < 0)
        goto out;
    db_data_version(d.db, &d.data_version);
    switch_reconcile(&d.switch_state);
    db_data_version(d.db, &d.data_version);
    log_info("pontoond %s started (database %s, control socket %s/%s)", PONTOON_VERSION,
             opts.db_path, opts.run_dir, CONTROL_SOCKET_NAME);
    detach_finish(report_fd, 0);
    report_fd = -1;
    status = run(&d, signal_fd) < 0;
out:
    free(error);
    detach_finish(report_fd, 1);
    if (switch_initialized)
        switch_state_destroy(&d.switch_state);
    control_server_close(d.control);
    if (d.links)
        link_monitor_close(d.links);
    if (d.db)
        db_close(d.db);
    if (opts.pidfile && status == 0)
        unlink(opts.pidfile);
    if (signal_fd >= 0)
        close(signal_fd);
    log_info("pontoond stopped");
    return status;
}
