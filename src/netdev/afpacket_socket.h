/* AF_PACKET socket primitives for system ports: open a port's receiving
 * socket (raw, PACKET_VNET_HDR, PACKET_AUXDATA, promiscuous, in a fanout
 * group, with or without a receive ring) or its sending one, point a CBPF
 * fanout group at one member, receive with recvmmsg.  Private to
 * netdev_system.c. */
#ifndef PONTOON_NETDEV_AFPACKET_SOCKET_H
#define PONTOON_NETDEV_AFPACKET_SOCKET_H

#include <stdbool.h>
#include <stdint.h>

#include "netdev/netdev.h"
#include "netdev/packet_ring.h"

/* Puts back the 802.1Q/802.1ad tag the kernel took off a frame, as a ring
 * slot or PACKET_AUXDATA report it (TP_STATUS_VLAN_VALID, _TPID_VALID).
 * Returns 0 or a negative errno. */
int afpacket_push_tag(struct packet *pkt, uint32_t status, uint16_t tci, uint16_t tpid);

/* Opens and binds a socket on `ifindex`: with a receive ring if `ring` is
 * given, in the fanout group `fanout` (a PACKET_FANOUT argument) unless it
 * is 0 — it receives nothing before it is in the group — and with the eBPF
 * socket filter `filter_fd` unless it is -1.  Returns the fd or a negative
 * errno. */
int afpacket_socket_open(int ifindex, int fanout, struct packet_ring *ring, int filter_fd);

/* Attaches the eBPF socket filter `filter_fd` to `fd`, or removes the
 * socket's filter when it is -1.  0 or a negative errno. */
int afpacket_set_filter(int fd, int filter_fd);

/* Opens a socket on `ifindex` that only sends (PACKET_VNET_HDR).  Sending
 * on a socket some epoll watches costs a wakeup call per frame when the
 * kernel frees it (sock_wfree finds a waiter on the socket): sends go on a
 * socket nobody polls.  Returns the fd or a negative errno. */
int afpacket_tx_socket_open(int ifindex);

/* The id of the fanout group `fd` is in (one it joined with
 * PACKET_FANOUT_FLAG_UNIQUEID gets a fresh one), or a negative errno. */
int afpacket_fanout_id(int fd);

/* Makes the CBPF fanout group of `fd` deliver every frame to member `member`
 * (members are numbered in the order they joined). */
int afpacket_fanout_select(int fd, unsigned member);

/* Receives up to `max` frames with recvmmsg into the empty packets, VLAN tags
 * and offload metadata restored, counting into `stats` unless it is NULL.
 * Returns the number received or a negative errno (-EAGAIN: nothing queued);
 * *backlog tells whether the kernel had a full batch (PACKET_BATCH_MAX) waiting. */
int afpacket_recv_queued(int fd, struct packet **packets, unsigned max,
                         struct netdev_stats *stats, bool *backlog);

#endif
