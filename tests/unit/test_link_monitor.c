/* Link monitor against the real kernel, inside a private network namespace. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "control/link_monitor.h"

#define MAX_EVENTS 64

struct recorder {
    unsigned n;
    struct link_event events[MAX_EVENTS];
};

static void record(const struct link_event *ev, void *arg)
{
    struct recorder *r = arg;
    if (r->n < MAX_EVENTS)
        r->events[r->n++] = *ev;
}

static int sh(const char *fmt, ...)
{
    char cmd[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* Collects events until the fd stays quiet for 100 ms. */
static void drain(struct link_monitor *m, struct recorder *r)
{
    r->n = 0;
    struct pollfd pfd = { .fd = link_monitor_fd(m), .events = POLLIN };
    while (poll(&pfd, 1, 100) > 0)
        assert_int_equal(link_monitor_process(m, record, r), 0);
    assert_int_equal(link_monitor_process(m, record, r), 0);   /* nothing left: 0 */
}

/* The last event about `name`, or NULL. */
static const struct link_event *last_for(const struct recorder *r, const char *name)
{
    for (unsigned i = r->n; i-- > 0;)
        if (!strcmp(r->events[i].name, name))
            return &r->events[i];
    return NULL;
}

static void test_veth_lifecycle(void **state)
{
    struct link_monitor *m;
    assert_int_equal(link_monitor_open(&m), 0);
    assert_true(link_monitor_fd(m) >= 0);
    struct recorder r;

    assert_int_equal(sh("ip link add pnlmA type veth peer name pnlmB"), 0);
    drain(m, &r);
    const struct link_event *a = last_for(&r, "pnlmA"), *b = last_for(&r, "pnlmB");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->exists && b->exists);
    assert_false(a->up);
    assert_false(a->carrier);
    assert_true(a->ifindex > 0 && a->ifindex != b->ifindex);
    int ifindex_a = a->ifindex;

    assert_int_equal(sh("ip link set pnlmA up"), 0);
    drain(m, &r);
    a = last_for(&r, "pnlmA");
    assert_non_null(a);
    assert_true(a->exists && a->up);
    assert_false(a->carrier);       /* the peer is still down */
    assert_int_equal(a->ifindex, ifindex_a);

    assert_int_equal(sh("ip link set pnlmB up"), 0);
    drain(m, &r);
    a = last_for(&r, "pnlmA");
    assert_non_null(a);
    assert_true(a->up && a->carrier);

    assert_int_equal(sh("ip link set pnlmA down"), 0);
    drain(m, &r);
    a = last_for(&r, "pnlmA");
    assert_non_null(a);
    assert_true(a->exists);
    assert_false(a->up);
    assert_false(a->carrier);

    assert_int_equal(sh("ip link set pnlmA up"), 0);
    drain(m, &r);
    a = last_for(&r, "pnlmA");
    assert_non_null(a);
    assert_true(a->up);

    assert_int_equal(sh("ip link del pnlmA"), 0);
    drain(m, &r);
    a = last_for(&r, "pnlmA");
    b = last_for(&r, "pnlmB");
    assert_non_null(a);
    assert_non_null(b);
    assert_false(a->exists);
    assert_false(b->exists);
    assert_false(a->up);
    assert_int_equal(a->ifindex, ifindex_a);

    link_monitor_close(m);
    link_monitor_close(NULL);
}

static void test_idle(void **state)
{
    struct link_monitor *m;
    assert_int_equal(link_monitor_open(&m), 0);
    struct recorder r = { 0 };
    assert_int_equal(link_monitor_process(m, record, &r), 0);
    assert_int_equal(r.n, 0);
    link_monitor_close(m);
}

int main(void)
{
    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "test_link_monitor: unshare(CLONE_NEWNET): %s; needs root\n",
                strerror(errno));
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle),
        cmocka_unit_test(test_veth_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
