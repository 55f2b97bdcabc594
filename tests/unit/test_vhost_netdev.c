/* The dpdkvhostuser port against a misbehaving front-end: malformed
 * messages close that connection, and the port takes the next one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netdev/netdev.h"
#include "netdev/netdev_vhostuser.h"
#include "netdev/vhost_user_msg.h"

extern const struct netdev_class netdev_vhostuser_class;

static char dir[64];

static int connect_port(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/vhu-test", dir);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    struct timeval tv = { .tv_sec = 3 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_raw(int fd, uint32_t request, uint32_t flags, const void *payload, uint32_t size)
{
    uint8_t buf[512];
    memcpy(buf, &request, 4);
    memcpy(buf + 4, &flags, 4);
    memcpy(buf + 8, &size, 4);
    if (size)
        memcpy(buf + 12, payload, size);
    assert_int_equal(send(fd, buf, 12 + size, 0), 12 + (ssize_t)size);
}

/* The port answers GET_FEATURES with what we offer. */
static void expect_features(int fd)
{
    send_raw(fd, VHOST_USER_GET_FEATURES, 1, NULL, 0);
    uint8_t reply[20];
    assert_int_equal(recv(fd, reply, sizeof reply, MSG_WAITALL), 20);
    uint64_t features;
    memcpy(&features, reply + 12, 8);
    assert_true(features & (1ull << 32));                          /* VERSION_1 */
    assert_true(features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES));
}

static void expect_closed(int fd)
{
    uint8_t byte;
    assert_int_equal(recv(fd, &byte, 1, 0), 0);
    close(fd);
}

static void test_hostile_frontend(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/pontoon-vhost-test.%d", (int)getpid());
    netdev_vhostuser_set_run_dir(dir);
    struct netdev dev = { .name = "vhu-test", .class = &netdev_vhostuser_class, .n_rxq = 2 };
    assert_int_equal(netdev_vhostuser_class.open(&dev), 0);
    assert_int_equal(dev.n_rxq, 2);
    assert_int_equal(netdev_vhostuser_class.rxq_fd(&dev, 0), -1);

    /* Wrong size for SET_FEATURES. */
    int fd = connect_port();
    expect_features(fd);
    uint64_t v = 0;
    send_raw(fd, VHOST_USER_SET_FEATURES, 1, &v, 4);
    expect_closed(fd);

    /* Features we never offered. */
    fd = connect_port();
    v = 1ull << 63;
    send_raw(fd, VHOST_USER_SET_FEATURES, 1, &v, 8);
    expect_closed(fd);

    /* A queue index past ours. */
    fd = connect_port();
    struct vhost_user_vring_state st = { 7, 256 };
    send_raw(fd, VHOST_USER_SET_VRING_NUM, 1, &st, 8);
    expect_closed(fd);

    /* An absurd payload size. */
    fd = connect_port();
    uint32_t hdr[3] = { VHOST_USER_SET_MEM_TABLE, 1, 0x7fffffff };
    assert_int_equal(send(fd, hdr, sizeof hdr, 0), 12);
    expect_closed(fd);

    /* Logging is refused but the connection stays; REPLY_ACK reports it. */
    fd = connect_port();
    v = 1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK;
    send_raw(fd, VHOST_USER_SET_PROTOCOL_FEATURES, 1, &v, 8);
    uint64_t log[2] = { 0, 0 };
    send_raw(fd, VHOST_USER_SET_LOG_BASE, 1 | VHOST_USER_NEED_REPLY, log, 16);
    uint8_t reply[20];
    assert_int_equal(recv(fd, reply, sizeof reply, MSG_WAITALL), 20);
    assert_int_not_equal(reply[12], 0);
    expect_features(fd);
    /* GET_QUEUE_NUM: the configured pairs. */
    send_raw(fd, VHOST_USER_GET_QUEUE_NUM, 1, NULL, 0);
    assert_int_equal(recv(fd, reply, sizeof reply, MSG_WAITALL), 20);
    assert_int_equal(reply[12], 2);
    close(fd);

    /* Still serving after all that. */
    fd = connect_port();
    expect_features(fd);
    close(fd);

    netdev_vhostuser_class.close(&dev);
    char path[128];
    snprintf(path, sizeof path, "%s/vhu-test", dir);
    assert_int_not_equal(access(path, F_OK), 0);    /* the socket is gone */
    rmdir(dir);
    netdev_vhostuser_set_run_dir(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_frontend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
