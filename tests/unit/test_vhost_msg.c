/* vhost-user message validation: every request at its size, one byte
 * short and one byte long; fd counts; and the socket reader's limits. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "netdev/vhost_user_msg.h"

static const int fake_fds[VHOST_USER_MAX_FDS + 1] = { 100, 101, 102, 103, 104, 105, 106, 107, 108 };

/* Parses header(request, flags, size) + `payload` of `len` bytes. */
static int parse(uint32_t request, uint32_t flags, const void *payload, uint32_t len,
                 unsigned n_fds, struct vhost_user_msg *msg)
{
    uint8_t buf[VHOST_USER_HDR_SIZE + 512] = { 0 };
    memcpy(buf, &request, 4);
    memcpy(buf + 4, &flags, 4);
    memcpy(buf + 8, &len, 4);
    if (payload)
        memcpy(buf + 12, payload, len);
    return vhost_user_msg_parse(msg, buf, VHOST_USER_HDR_SIZE + len, fake_fds, n_fds);
}

static int parse_simple(uint32_t request, uint32_t len, unsigned n_fds)
{
    struct vhost_user_msg msg;
    uint8_t zero[512] = { 0 };
    return parse(request, VHOST_USER_VERSION, zero, len, n_fds, &msg);
}

static void test_fixed_sizes(void **state)
{
    static const uint32_t requests[] = {
        VHOST_USER_GET_FEATURES, VHOST_USER_SET_FEATURES, VHOST_USER_SET_OWNER,
        VHOST_USER_RESET_OWNER, VHOST_USER_SET_VRING_NUM, VHOST_USER_SET_VRING_ADDR,
        VHOST_USER_SET_VRING_BASE, VHOST_USER_GET_VRING_BASE, VHOST_USER_GET_PROTOCOL_FEATURES,
        VHOST_USER_SET_PROTOCOL_FEATURES, VHOST_USER_GET_QUEUE_NUM, VHOST_USER_SET_VRING_ENABLE,
    };
    static const uint32_t sizes[] = { 0, 8, 0, 0, 8, 40, 8, 8, 0, 8, 0, 8 };
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++) {
        assert_int_equal(vhost_user_request_payload_size(requests[i]), (int)sizes[i]);
        assert_int_equal(parse_simple(requests[i], sizes[i], 0), 0);
        assert_int_equal(parse_simple(requests[i], sizes[i] + 1, 0), -EPROTO);
        if (sizes[i])
            assert_int_equal(parse_simple(requests[i], sizes[i] - 1, 0), -EPROTO);
        assert_int_equal(parse_simple(requests[i], 40 + 8, 0), -EPROTO);
        /* No request of these takes a fd. */
        assert_int_equal(parse_simple(requests[i], sizes[i], 1), -EBADMSG);
    }
}

static void test_vring_fd_requests(void **state)
{
    uint32_t reqs[] = { VHOST_USER_SET_VRING_KICK, VHOST_USER_SET_VRING_CALL,
                        VHOST_USER_SET_VRING_ERR };
    struct vhost_user_msg msg;
    for (int i = 0; i < 3; i++) {
        uint64_t with_fd[2] = { 3 }, no_fd[2] = { 3 | VHOST_USER_VRING_NOFD }, junk[2] = { 1ull << 40 };
        assert_int_equal(parse(reqs[i], 1, with_fd, 8, 1, &msg), 0);
        assert_int_equal(msg.fds[0], 100);
        assert_int_equal(parse(reqs[i], 1, with_fd, 8, 0, &msg), -EBADMSG);
        assert_int_equal(parse(reqs[i], 1, with_fd, 8, 2, &msg), -EBADMSG);
        assert_int_equal(parse(reqs[i], 1, no_fd, 8, 0, &msg), 0);
        assert_int_equal(parse(reqs[i], 1, no_fd, 8, 1, &msg), -EBADMSG);
        assert_int_equal(parse(reqs[i], 1, junk, 8, 1, &msg), -EPROTO);
        assert_int_equal(parse(reqs[i], 1, with_fd, 7, 1, &msg), -EPROTO);
        assert_int_equal(parse(reqs[i], 1, with_fd, 9, 1, &msg), -EPROTO);
    }
}

static void test_mem_table(void **state)
{
    union {
        struct vhost_user_memory m;
        uint8_t room[512];       /* so that size + 1 reads our memory */
    } u = { 0 };
    struct vhost_user_memory *mp = &u.m;
    struct vhost_user_msg msg;
    for (uint32_t n = 1; n <= VHOST_MEM_MAX_REGIONS; n++) {
        mp->n_regions = n;
        uint32_t size = 8 + 32 * n;
        assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, size, n, &msg), 0);
        assert_int_equal(msg.payload.memory.n_regions, n);
        assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, size - 1, n, &msg), -EPROTO);
        assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, size + 1, n, &msg), -EPROTO);
        assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, size, n - 1, &msg), -EBADMSG);
        if (n < VHOST_MEM_MAX_REGIONS)
            assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, size, n + 1, &msg), -EBADMSG);
    }
    mp->n_regions = 0;
    assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, 8, 0, &msg), -EPROTO);
    mp->n_regions = 9;
    assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, 8 + 32 * 8, 8, &msg), -EPROTO);
    mp->n_regions = 0x8000001;             /* 8 + 32n wraps to 40 in 32 bits */
    assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, 40, 1, &msg), -EPROTO);
    assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, 4, 0, &msg), -EPROTO);
    assert_int_equal(parse(VHOST_USER_SET_MEM_TABLE, 1, mp, 0, 0, &msg), -EPROTO);
}

static void test_get_config(void **state)
{
    struct vhost_user_config c = { .offset = 0, .size = 12 };
    struct vhost_user_msg msg;
    assert_int_equal(parse(VHOST_USER_GET_CONFIG, 1, &c, 24, 0, &msg), 0);
    assert_int_equal(parse(VHOST_USER_GET_CONFIG, 1, &c, 23, 0, &msg), -EPROTO);
    assert_int_equal(parse(VHOST_USER_GET_CONFIG, 1, &c, 25, 0, &msg), -EPROTO);
    c.size = 300;
    assert_int_equal(parse(VHOST_USER_GET_CONFIG, 1, &c, 12, 0, &msg), -EPROTO);
    c.size = 12;
    c.offset = 250;
    assert_int_equal(parse(VHOST_USER_GET_CONFIG, 1, &c, 24, 0, &msg), -EPROTO);
}

static void test_header_checks(void **state)
{
    struct vhost_user_msg msg;
    uint64_t v = 0;
    assert_int_equal(parse(VHOST_USER_SET_FEATURES, 0, &v, 8, 0, &msg), -EPROTO);
    assert_int_equal(parse(VHOST_USER_SET_FEATURES, 2, &v, 8, 0, &msg), -EPROTO);
    assert_int_equal(parse(VHOST_USER_SET_FEATURES, 1 | VHOST_USER_REPLY, &v, 8, 0, &msg), -EPROTO);
    assert_int_equal(parse(VHOST_USER_SET_FEATURES, 1 | VHOST_USER_NEED_REPLY, &v, 8, 0, &msg), 0);
    /* Refused cleanly, not malformed. */
    assert_int_equal(parse(VHOST_USER_SET_LOG_BASE, 1, &v, 8, 0, &msg), -EOPNOTSUPP);
    assert_int_equal(parse(VHOST_USER_SET_LOG_FD, 1, &v, 0, 1, &msg), -EOPNOTSUPP);
    assert_int_equal(parse(999, 1, NULL, 0, 0, &msg), -EOPNOTSUPP);
    assert_int_equal(parse(0, 1, NULL, 0, 0, &msg), -EOPNOTSUPP);
    /* Truncated, over-long, and too many fds. */
    uint8_t buf[8] = { 1 };
    assert_int_equal(vhost_user_msg_parse(&msg, buf, sizeof buf, NULL, 0), -EPROTO);
    assert_int_equal(parse(VHOST_USER_GET_FEATURES, 1, NULL, 0, VHOST_USER_MAX_FDS + 1, &msg),
                     -EPROTO);
    uint8_t big[VHOST_USER_HDR_SIZE + 4] = { 1, 0, 0, 0, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
    assert_int_equal(vhost_user_msg_parse(&msg, big, sizeof big, NULL, 0), -EPROTO);
}

static int count_open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

/* Sends header + payload with `n_fds` copies of fd 0 attached. */
static void send_with_fds(int sock, const void *data, size_t len, int n_fds)
{
    union {
        char buf[CMSG_SPACE(16 * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { (void *)data, len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (n_fds) {
        int fds[16];
        for (int i = 0; i < n_fds; i++)
            fds[i] = 0;
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, n_fds * sizeof(int));
    }
    assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)len);
}

static void test_recv_socket(void **state)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct timeval tv = { .tv_sec = 1 };
    setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int before = count_open_fds();
    struct vhost_user_msg msg;

    /* A good SET_VRING_CALL with its fd. */
    uint8_t m1[20] = { VHOST_USER_SET_VRING_CALL, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0, 1 };
    send_with_fds(sv[1], m1, sizeof m1, 1);
    assert_int_equal(vhost_user_msg_recv(sv[0], &msg), 1);
    assert_int_equal(vhost_user_msg_validate(&msg), 0);
    assert_int_equal(msg.n_fds, 1);
    assert_true(msg.fds[0] >= 0);
    vhost_user_msg_close_fds(&msg);

    /* Nine fds: refused, and none of them leaks. */
    send_with_fds(sv[1], m1, sizeof m1, 9);
    assert_int_equal(vhost_user_msg_recv(sv[0], &msg), -EMSGSIZE);
    assert_int_equal(count_open_fds(), before);
    /* After an error the stream is out of step; a connection would close. */
    uint8_t rest[8];
    assert_int_equal(recv(sv[0], rest, sizeof rest, 0), 8);

    /* A payload size beyond any request: not read. */
    uint8_t m2[12] = { 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0 };
    send_with_fds(sv[1], m2, sizeof m2, 2);
    assert_int_equal(vhost_user_msg_recv(sv[0], &msg), -EPROTO);
    assert_int_equal(count_open_fds(), before);

    /* A header whose payload never comes: the timeout ends the wait. */
    uint8_t m3[12] = { 2, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0 };
    send_with_fds(sv[1], m3, sizeof m3, 0);
    assert_int_equal(vhost_user_msg_recv(sv[0], &msg), -EAGAIN);

    /* Reply round trip, and orderly close. */
    msg.request = VHOST_USER_GET_FEATURES;
    msg.payload.u64 = 0x1234;
    vhost_user_msg_make_reply(&msg, 8);
    assert_int_equal(vhost_user_msg_send(sv[1], &msg), 0);
    uint8_t back[20];
    assert_int_equal(recv(sv[0], back, sizeof back, MSG_WAITALL), 20);
    assert_int_equal(back[4], VHOST_USER_VERSION | VHOST_USER_REPLY);
    assert_int_equal(back[12], 0x34);
    close(sv[1]);
    assert_int_equal(vhost_user_msg_recv(sv[0], &msg), 0);
    close(sv[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_sizes),
        cmocka_unit_test(test_vring_fd_requests),
        cmocka_unit_test(test_mem_table),
        cmocka_unit_test(test_get_config),
        cmocka_unit_test(test_header_checks),
        cmocka_unit_test(test_recv_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
