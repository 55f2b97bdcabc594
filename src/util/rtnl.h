/* One rtnetlink exchange at a time: a socket of its own, a request built by
 * the caller into the exchange's buffer, and the kernel's answers run
 * through a callback until the ack, the end of a dump, or (a get without
 * NLM_F_ACK) its one answer.  Pure request builders live beside their users
 * (host/macvtap.c, host/host_address.c); this is the thin part they share. */
#ifndef PONTOON_UTIL_RTNL_H
#define PONTOON_UTIL_RTNL_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct rtnl_exchange;

/* 0 or a negative errno; close with rtnl_close. */
int rtnl_open(struct rtnl_exchange **out);
void rtnl_close(struct rtnl_exchange *x);

/* Where to build the request, its size, and the sequence number to give it
 * (a new one each call). */
void *rtnl_buffer(struct rtnl_exchange *x, size_t *size);
uint32_t rtnl_next_seq(struct rtnl_exchange *x);

/* Sends the `len` bytes built in the buffer and runs cb (may be NULL) on
 * every answer until the ack or the end of a dump.  0 or the kernel's
 * negative errno; -EMSGSIZE when len is 0 (the builder ran out of room). */
int rtnl_run(struct rtnl_exchange *x, size_t len, mnl_cb_t cb, void *aux);
/* The same for a request the kernel answers with one message and no ack. */
int rtnl_run_one(struct rtnl_exchange *x, size_t len, mnl_cb_t cb, void *aux);

/* Starts a link request (RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK)
 * in buf: the header with NLM_F_REQUEST | flags, and an ifinfomsg for
 * ifindex.  Zeroes all of buf first: libmnl leaves an attribute's alignment
 * padding as it finds it, and the request goes to the kernel byte for byte.
 * NULL when size cannot hold the two. */
struct nlmsghdr *rtnl_put_link_header(void *buf, size_t size, uint16_t type, uint16_t flags,
                                      uint32_t seq, int ifindex);

/* Open, build with build(buffer, size, seq, arg), run to the ack, close. */
int rtnl_ack(size_t (*build)(void *buf, size_t size, uint32_t seq, const void *arg),
             const void *arg);

#endif
