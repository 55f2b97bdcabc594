/* vhost-user protocol messages: the wire layout, a pure parser/validator
 * (unit-tested and fuzzed, no sockets), and the socket I/O that moves them
 * with their SCM_RIGHTS file descriptors.  The protocol is QEMU's
 * docs/interop/vhost-user.rst; we are always the back-end. */
#ifndef PONTOON_NETDEV_VHOST_USER_MSG_H
#define PONTOON_NETDEV_VHOST_USER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdev/vhost_mem.h"

enum vhost_user_request {
    VHOST_USER_GET_FEATURES = 1,
    VHOST_USER_SET_FEATURES = 2,
    VHOST_USER_SET_OWNER = 3,
    VHOST_USER_RESET_OWNER = 4,
    VHOST_USER_SET_MEM_TABLE = 5,
    VHOST_USER_SET_LOG_BASE = 6,
    VHOST_USER_SET_LOG_FD = 7,
    VHOST_USER_SET_VRING_NUM = 8,
    VHOST_USER_SET_VRING_ADDR = 9,
    VHOST_USER_SET_VRING_BASE = 10,
    VHOST_USER_GET_VRING_BASE = 11,
    VHOST_USER_SET_VRING_KICK = 12,
    VHOST_USER_SET_VRING_CALL = 13,
    VHOST_USER_SET_VRING_ERR = 14,
    VHOST_USER_GET_PROTOCOL_FEATURES = 15,
    VHOST_USER_SET_PROTOCOL_FEATURES = 16,
    VHOST_USER_GET_QUEUE_NUM = 17,
    VHOST_USER_SET_VRING_ENABLE = 18,
    VHOST_USER_GET_CONFIG = 24,
};

/* Header flags. */
#define VHOST_USER_VERSION_MASK  0x3u
#define VHOST_USER_VERSION       0x1u
#define VHOST_USER_REPLY         0x4u
#define VHOST_USER_NEED_REPLY    0x8u

#define VHOST_USER_F_PROTOCOL_FEATURES 30   /* a virtio feature bit */

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
#define VHOST_USER_PROTOCOL_F_MQ         0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK  3
#define VHOST_USER_PROTOCOL_F_CONFIG     9

#define VHOST_USER_HDR_SIZE      12
#define VHOST_USER_MAX_FDS       8
#define VHOST_USER_VRING_IDX_MASK 0xffu     /* SET_VRING_KICK/CALL/ERR u64 */
#define VHOST_USER_VRING_NOFD    0x100u
#define VHOST_USER_CONFIG_MAX    256

struct vhost_user_vring_state {
    uint32_t index;
    uint32_t num;
};

struct vhost_user_vring_addr {
    uint32_t index;
    uint32_t flags;                 /* bit 0: VHOST_VRING_F_LOG */
    uint64_t desc_user_addr;
    uint64_t used_user_addr;
    uint64_t avail_user_addr;
    uint64_t log_guest_addr;
};

struct vhost_user_memory {
    uint32_t n_regions;
    uint32_t padding;
    struct vhost_mem_region_spec regions[VHOST_MEM_MAX_REGIONS];
};

struct vhost_user_config {
    uint32_t offset;
    uint32_t size;
    uint32_t flags;
    uint8_t region[VHOST_USER_CONFIG_MAX];
};

union vhost_user_payload {
    uint64_t u64;
    struct vhost_user_vring_state state;
    struct vhost_user_vring_addr addr;
    struct vhost_user_memory memory;
    struct vhost_user_config config;
    uint8_t bytes[sizeof(struct vhost_user_config)];
};

#define VHOST_USER_PAYLOAD_MAX sizeof(union vhost_user_payload)

/* One message with the fds that came with it.  The fds belong to the
 * message until a handler takes them (and sets the slot to -1). */
struct vhost_user_msg {
    uint32_t request;
    uint32_t flags;
    uint32_t size;                  /* payload bytes */
    union vhost_user_payload payload;
    unsigned n_fds;
    int fds[VHOST_USER_MAX_FDS];
};

/* Name of a request for log lines ("SET_MEM_TABLE", or "request 99"). */
const char *vhost_user_request_name(uint32_t request, char *buf, size_t size);

/* Fills `msg` from a whole message in `buf` (header + payload) and the fds
 * received with it; then validates it.  Returns 0, or -EPROTO (bad header
 * or size), -EOPNOTSUPP (unknown or refused request), -EBADMSG (wrong fds
 * for the request).  The fds are copied into msg either way. */
int vhost_user_msg_parse(struct vhost_user_msg *msg, const uint8_t *buf, size_t len,
                         const int *fds, unsigned n_fds);

/* Checks version, payload size and fd count against the request type.
 * Pure: looks at nothing but `msg`. */
int vhost_user_msg_validate(const struct vhost_user_msg *msg);

/* Number of payload bytes `request` must carry from the front-end; for
 * SET_MEM_TABLE and GET_CONFIG the minimum.  -1 when unknown. */
int vhost_user_request_payload_size(uint32_t request);

/* Makes `msg` (a request) into its reply carrying `size` payload bytes the
 * caller has already put in msg->payload. */
void vhost_user_msg_make_reply(struct vhost_user_msg *msg, uint32_t size);

/* Reads one message from a stream socket, fds included (more than
 * VHOST_USER_MAX_FDS is -EMSGSIZE; a payload over VHOST_USER_PAYLOAD_MAX is
 * -EPROTO and is not read).  Returns 1 with a message the caller still has
 * to validate, 0 on orderly close, or a negative errno; on error every fd
 * that arrived is closed.  On success the caller closes what the
 * handlers did not take: vhost_user_msg_close_fds(). */
int vhost_user_msg_recv(int sock, struct vhost_user_msg *msg);
int vhost_user_msg_send(int sock, const struct vhost_user_msg *msg);
void vhost_user_msg_close_fds(struct vhost_user_msg *msg);

#endif
