/* systemd's readiness protocol (util/sd_notify.c) against a datagram socket
 * of the test's own, by path and by abstract name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/sd_notify.h"

/* A datagram socket bound to `name` (a path, or '@' and an abstract name). */
static int listener(const char *name)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    size_t len = strlen(name);
    memcpy(addr.sun_path, name, len);
    if (name[0] == '@')
        addr.sun_path[0] = '\0';
    assert_int_equal(bind(fd, (struct sockaddr *)&addr,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
    return fd;
}

static void expect_message(int fd, const char *want)
{
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);
    assert_true(n >= 0);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void test_path_and_abstract(void **state)
{
    (void) state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/pontoon-test-notify-%d", (int)getpid());
    unlink(path);
    int fd = listener(path);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sd_notify_send("READY=1\nSTATUS=up"), 0);
    expect_message(fd, "READY=1\nSTATUS=up");
    close(fd);
    unlink(path);

    char abstract[64];
    snprintf(abstract, sizeof abstract, "@pontoon-test-notify-%d", (int)getpid());
    fd = listener(abstract);
    setenv("NOTIFY_SOCKET", abstract, 1);
    assert_int_equal(sd_notify_send("STOPPING=1"), 0);
    expect_message(fd, "STOPPING=1");
    close(fd);
}

static void test_without_systemd(void **state)
{
    (void) state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sd_notify_send("READY=1"), 0);          /* nothing to tell */
    setenv("NOTIFY_SOCKET", "relative/name", 1);
    assert_true(sd_notify_send("READY=1") < 0);
    setenv("NOTIFY_SOCKET", "/tmp/pontoon-test-notify-nobody-listens", 1);
    assert_true(sd_notify_send("READY=1") < 0);
    unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_and_abstract),
        cmocka_unit_test(test_without_systemd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
