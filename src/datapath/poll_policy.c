/* Poll or sleep: see poll_policy.h. */
#include "datapath/poll_policy.h"

void poll_policy_traffic(struct poll_policy *p, uint64_t now)
{
    bool dense = p->had_traffic && now - p->last_traffic < p->window_ns;
    uint64_t poll_ns = dense || p->window_ns < POLL_LONE_NS ? p->window_ns : POLL_LONE_NS;
    if (poll_ns)
        p->hot_until = now + poll_ns;
    p->had_traffic = true;
    p->last_traffic = now;
}

bool poll_policy_should_poll(const struct poll_policy *p, uint64_t now)
{
    return p->busy_poll || now < p->hot_until;
}

bool poll_policy_yields(const struct poll_policy *p)
{
    return !p->busy_poll;
}

bool poll_policy_after_yield(struct poll_policy *p, uint64_t yield_ns)
{
    if (p->busy_poll || yield_ns < POLL_YIELD_BUSY_NS)
        return true;
    p->hot_until = 0;
    return false;
}
