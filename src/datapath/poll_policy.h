/* When a worker polls and when it sleeps: pure, time comes in as an argument.
 *
 * Waking a sleeping thread costs tens of microseconds (more in a VM), so
 * once packets come closer together than a window (other_config:
 * pmd-poll-after-traffic-us) a worker keeps polling for that window after
 * each before it sleeps in epoll: lower latency, nothing spent when idle.
 * A lone packet (an IPv6 router solicitation every few seconds, a stray
 * broadcast) polls only POLL_LONE_NS, long enough to catch the answer to a
 * request that went out through the switch: a whole window of polling per
 * stray packet was most of an idle switch's CPU.  While it polls it yields to every other thread
 * on its core first; when a yield lasts long, the core is busy and polling
 * would only take time from the hosts' own threads (on 2 cores it halved TCP
 * throughput), so it sleeps until the next packet instead.
 * other_config:pmd-busy-poll=true polls always. */
#ifndef PONTOON_DATAPATH_POLL_POLICY_H
#define PONTOON_DATAPATH_POLL_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define POLL_YIELD_BUSY_NS 100000   /* a yield this long: other threads need the core */
#define POLL_LONE_NS 200000         /* polling after a lone packet (window permitting) */

struct poll_policy {
    bool busy_poll;
    uint64_t window_ns;             /* poll this long after traffic; 0: sleep at once */
    uint64_t hot_until;             /* polling until then */
    bool had_traffic;               /* last_traffic is set */
    uint64_t last_traffic;          /* when packets last came */
};

/* Packets were received at `now`: a window of polling when they follow the
 * previous ones within it, else POLL_LONE_NS. */
void poll_policy_traffic(struct poll_policy *p, uint64_t now);
/* Before waiting for packets at `now`: true to poll (yield first, then look
 * without blocking), false to sleep until a packet comes. */
bool poll_policy_should_poll(const struct poll_policy *p, uint64_t now);
/* Polling until a yield of `yield_ns` returned: false if the worker should
 * sleep instead (and it then sleeps until the next traffic). */
bool poll_policy_after_yield(struct poll_policy *p, uint64_t yield_ns);
/* Whether a poll needs a yield first (pmd-busy-poll spins without). */
bool poll_policy_yields(const struct poll_policy *p);

#endif
