/* libFuzzer: the vhost-user message parser and validator.  Byte 0 is the
 * number of fds that "arrived" with the message (0..9); the rest is the
 * message as read from the socket. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "netdev/vhost_user_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int fds[VHOST_USER_MAX_FDS + 2] = { 1000, 1001, 1002, 1003, 1004,
                                                     1005, 1006, 1007, 1008, 1009 };
    if (size < 1)
        return 0;
    unsigned n_fds = data[0] % (VHOST_USER_MAX_FDS + 2);
    struct vhost_user_msg msg;
    int err = vhost_user_msg_parse(&msg, data + 1, size - 1, fds, n_fds);
    if (err == 0) {
        /* What the handlers rely on after validation. */
        if (msg.size > VHOST_USER_PAYLOAD_MAX || msg.n_fds > VHOST_USER_MAX_FDS)
            __builtin_trap();
        if (msg.request == VHOST_USER_SET_MEM_TABLE &&
            (msg.payload.memory.n_regions == 0 ||
             msg.payload.memory.n_regions > VHOST_MEM_MAX_REGIONS ||
             msg.payload.memory.n_regions != msg.n_fds))
            __builtin_trap();
        char name[32];
        vhost_user_request_name(msg.request, name, sizeof name);
    }
    return 0;
}
