/* vhost-user messages: parse and validate (pure), then socket I/O. */
#include "netdev/vhost_user_msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

_Static_assert(sizeof(struct vhost_mem_region_spec) == 32, "region wire size");
_Static_assert(sizeof(struct vhost_user_vring_addr) == 40, "vring addr wire size");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "vhost-user is little-endian on the wire; this host must be too");

static const char *const request_names[] = {
    [VHOST_USER_GET_FEATURES] = "GET_FEATURES",
    [VHOST_USER_SET_FEATURES] = "SET_FEATURES",
    [VHOST_USER_SET_OWNER] = "SET_OWNER",
    [VHOST_USER_RESET_OWNER] = "RESET_OWNER",
    [VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
    [VHOST_USER_SET_LOG_BASE] = "SET_LOG_BASE",
    [VHOST_USER_SET_LOG_FD] = "SET_LOG_FD",
    [VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
    [VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
    [VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
    [VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
    [VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
    [VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
    [VHOST_USER_SET_VRING_ERR] = "SET_VRING_ERR",
    [VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
    [VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
    [VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
    [VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
    [VHOST_USER_GET_CONFIG] = "GET_CONFIG",
};

const char *vhost_user_request_name(uint32_t request, char *buf, size_t size)
{
    if (request < sizeof request_names / sizeof request_names[0] && request_names[request])
        return request_names[request];
    snprintf(buf, size, "request %u", request);
    return buf;
}

int vhost_user_request_payload_size(uint32_t request)
{
    switch (request) {
    case VHOST_USER_GET_FEATURES:
    case VHOST_USER_SET_OWNER:
    case VHOST_USER_RESET_OWNER:
    case VHOST_USER_GET_PROTOCOL_FEATURES:
    case VHOST_USER_GET_QUEUE_NUM:
        return 0;
    case VHOST_USER_SET_FEATURES:
    case VHOST_USER_SET_PROTOCOL_FEATURES:
    case VHOST_USER_SET_VRING_KICK:
    case VHOST_USER_SET_VRING_CALL:
    case VHOST_USER_SET_VRING_ERR:
        return sizeof(uint64_t);
    case VHOST_USER_SET_VRING_NUM:
    case VHOST_USER_SET_VRING_BASE:
    case VHOST_USER_GET_VRING_BASE:
    case VHOST_USER_SET_VRING_ENABLE:
        return sizeof(struct vhost_user_vring_state);
    case VHOST_USER_SET_VRING_ADDR:
        return sizeof(struct vhost_user_vring_addr);
    case VHOST_USER_SET_MEM_TABLE:
        return offsetof(struct vhost_user_memory, regions) + sizeof(struct vhost_mem_region_spec);
    case VHOST_USER_GET_CONFIG:
        return offsetof(struct vhost_user_config, region);
    default:
        return -1;
    }
}

/* Which fds a request may carry: exact counts, so that a fd the handler
 * does not expect never slips through unclosed or unnoticed. */
static int expected_fds(const struct vhost_user_msg *msg)
{
    switch (msg->request) {
    case VHOST_USER_SET_MEM_TABLE:
        return (int)msg->payload.memory.n_regions;
    case VHOST_USER_SET_VRING_KICK:
    case VHOST_USER_SET_VRING_CALL:
    case VHOST_USER_SET_VRING_ERR:
        return msg->payload.u64 & VHOST_USER_VRING_NOFD ? 0 : 1;
    default:
        return 0;
    }
}

int vhost_user_msg_validate(const struct vhost_user_msg *msg)
{
    if ((msg->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION ||
        (msg->flags & VHOST_USER_REPLY))
        return -EPROTO;
    if (msg->size > VHOST_USER_PAYLOAD_MAX || msg->n_fds > VHOST_USER_MAX_FDS)
        return -EPROTO;
    if (msg->request == VHOST_USER_SET_LOG_BASE || msg->request == VHOST_USER_SET_LOG_FD)
        return -EOPNOTSUPP;     /* live migration logging: never offered */
    int want = vhost_user_request_payload_size(msg->request);
    if (want < 0)
        return -EOPNOTSUPP;

    switch (msg->request) {
    case VHOST_USER_SET_MEM_TABLE: {
        const struct vhost_user_memory *m = &msg->payload.memory;
        if (msg->size < offsetof(struct vhost_user_memory, regions))
            return -EPROTO;
        if (m->n_regions < 1 || m->n_regions > VHOST_MEM_MAX_REGIONS ||
            msg->size != offsetof(struct vhost_user_memory, regions) +
                         m->n_regions * sizeof m->regions[0])
            return -EPROTO;
        break;
    }
    case VHOST_USER_GET_CONFIG: {
        const struct vhost_user_config *c = &msg->payload.config;
        if (msg->size < (uint32_t)want || c->size > VHOST_USER_CONFIG_MAX ||
            msg->size != (uint32_t)want + c->size || c->offset > VHOST_USER_CONFIG_MAX ||
            c->size > VHOST_USER_CONFIG_MAX - c->offset)
            return -EPROTO;
        break;
    }
    case VHOST_USER_SET_VRING_KICK:
    case VHOST_USER_SET_VRING_CALL:
    case VHOST_USER_SET_VRING_ERR:
        if (msg->size != (uint32_t)want ||
            (msg->payload.u64 & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD)))
            return -EPROTO;
        break;
    default:
        if (msg->size != (uint32_t)want)
            return -EPROTO;
    }
    if (msg->n_fds != (unsigned)expected_fds(msg))
        return -EBADMSG;
    return 0;
}

int vhost_user_msg_parse(struct vhost_user_msg *msg, const uint8_t *buf, size_t len,
                         const int *fds, unsigned n_fds)
{
    memset(msg, 0, sizeof *msg);
    msg->n_fds = n_fds > VHOST_USER_MAX_FDS ? VHOST_USER_MAX_FDS : n_fds;
    for (unsigned i = 0; i < VHOST_USER_MAX_FDS; i++)
        msg->fds[i] = i < msg->n_fds ? fds[i] : -1;
    if (n_fds > VHOST_USER_MAX_FDS || len < VHOST_USER_HDR_SIZE)
        return -EPROTO;
    memcpy(&msg->request, buf, 4);
    memcpy(&msg->flags, buf + 4, 4);
    memcpy(&msg->size, buf + 8, 4);
    if (msg->size > VHOST_USER_PAYLOAD_MAX || len - VHOST_USER_HDR_SIZE != msg->size)
        return -EPROTO;
    memcpy(msg->payload.bytes, buf + VHOST_USER_HDR_SIZE, msg->size);
    return vhost_user_msg_validate(msg);
}

void vhost_user_msg_make_reply(struct vhost_user_msg *msg, uint32_t size)
{
    msg->flags = VHOST_USER_VERSION | VHOST_USER_REPLY;
    msg->size = size;
}

void vhost_user_msg_close_fds(struct vhost_user_msg *msg)
{
    for (unsigned i = 0; i < msg->n_fds; i++) {
        if (msg->fds[i] >= 0)
            close(msg->fds[i]);
        msg->fds[i] = -1;
    }
    msg->n_fds = 0;
}

/* Reads exactly `len` bytes (a timeout on the socket bounds the wait). */
static int read_full(int sock, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = recv(sock, (uint8_t *)buf + done, len - done, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -ECONNRESET;
        done += (size_t)r;
    }
    return 0;
}

int vhost_user_msg_recv(int sock, struct vhost_user_msg *msg)
{
    uint8_t hdr[VHOST_USER_HDR_SIZE];
    union {
        char buf[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { hdr, sizeof hdr };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control.buf, .msg_controllen = sizeof control.buf,
    };

    memset(msg, 0, sizeof *msg);
    for (unsigned i = 0; i < VHOST_USER_MAX_FDS; i++)
        msg->fds[i] = -1;
    ssize_t r;
    do {
        r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    } while (r < 0 && errno == EINTR);
    if (r <= 0)
        return r == 0 ? 0 : -errno;

    /* Collect every fd first, so that whatever happens next they get closed. */
    bool too_many = mh.msg_flags & MSG_CTRUNC;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (msg->n_fds < VHOST_USER_MAX_FDS)
                msg->fds[msg->n_fds++] = fd;
            else {
                close(fd);
                too_many = true;
            }
        }
    }
    int err = 0;
    if (too_many) {
        err = -EMSGSIZE;
        goto fail;
    }
    if ((size_t)r < sizeof hdr && (err = read_full(sock, hdr + r, sizeof hdr - (size_t)r)))
        goto fail;
    memcpy(&msg->request, hdr, 4);
    memcpy(&msg->flags, hdr + 4, 4);
    memcpy(&msg->size, hdr + 8, 4);
    if (msg->size > VHOST_USER_PAYLOAD_MAX) {
        err = -EPROTO;          /* never read an unbounded payload */
        goto fail;
    }
    if (msg->size && (err = read_full(sock, msg->payload.bytes, msg->size)))
        goto fail;
    return 1;

fail:
    vhost_user_msg_close_fds(msg);
    return err;
}

int vhost_user_msg_send(int sock, const struct vhost_user_msg *msg)
{
    uint8_t buf[VHOST_USER_HDR_SIZE + VHOST_USER_PAYLOAD_MAX];
    if (msg->size > VHOST_USER_PAYLOAD_MAX)
        return -EINVAL;
    memcpy(buf, &msg->request, 4);
    memcpy(buf + 4, &msg->flags, 4);
    memcpy(buf + 8, &msg->size, 4);
    memcpy(buf + VHOST_USER_HDR_SIZE, msg->payload.bytes, msg->size);
    size_t len = VHOST_USER_HDR_SIZE + msg->size, done = 0;
    while (done < len) {
        ssize_t r = send(sock, buf + done, len - done, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        done += (size_t)r;
    }
    return 0;
}
