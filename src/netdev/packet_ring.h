/* An AF_PACKET receive ring (PACKET_RX_RING, TPACKET_V2) shared with the
 * kernel: it writes each frame into a slot as it arrives, so reading a frame
 * costs no system call and no socket buffer.  Frames larger than a slot are
 * truncated there and also queued whole on the socket (PACKET_COPY_THRESH);
 * packet_ring_recv() then reads them with recvmsg.  Private to netdev_system.c. */
#ifndef PONTOON_NETDEV_PACKET_RING_H
#define PONTOON_NETDEV_PACKET_RING_H

#include <stddef.h>

#include "packet/packet.h"

#define PACKET_RING_FRAME_SIZE 2048    /* an MTU-sized frame fits a slot */
#define PACKET_RING_FRAMES     1024    /* 2 MiB per ring: absorbs bursts as the 4 MiB socket buffer did */

struct packet_ring {
    unsigned char *map;                /* NULL: no ring (recvmmsg instead) */
    size_t map_len;
    unsigned next;                     /* the slot to read next */
};

/* Gives the AF_PACKET socket `fd`, not yet bound (the kernel would drop
 * what it had queued), PACKET_VNET_HDR and PACKET_AUXDATA already set, a
 * receive ring.  Returns 0 or a negative errno. */
int packet_ring_attach(struct packet_ring *ring, int fd);
void packet_ring_detach(struct packet_ring *ring);

/* Reads up to `max` frames into the empty packets[0..max), restoring VLAN
 * tags and offload metadata.  Returns the number received; *errors counts
 * frames dropped as truncated or malformed. */
unsigned packet_ring_recv(struct packet_ring *ring, int fd, struct packet **packets,
                          unsigned max, unsigned *errors);

#endif
