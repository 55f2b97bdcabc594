/* bond/show, lacp/show, lacp/show-stats text, after OVS's bond_print_details(),
 * lacp_print_details() and lacp_print_stats().  Only the public status
 * snapshots are used, so JSON can be produced from the same data. */
#include "switching/bond_show.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "switching/bond.h"
#include "switching/lacp.h"
#include "util/strbuf.h"

#define MAC_FMT "%02x:%02x:%02x:%02x:%02x:%02x"
#define MAC_ARGS(m) (m)[0], (m)[1], (m)[2], (m)[3], (m)[4], (m)[5]

static int compare_bond_members(const void *a_, const void *b_)
{
    const struct bond_member_status *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

static int compare_lacp_members(const void *a_, const void *b_)
{
    const struct lacp_member_status *a = a_, *b = b_;
    return strcmp(a->name, b->name);
}

static const char *lacp_status_name(enum lacp_status status)
{
    switch (status) {
    case LACP_STATUS_NEGOTIATED: return "negotiated";
    case LACP_STATUS_CONFIGURED: return "configured";
    case LACP_STATUS_OFF: break;
    }
    return "off";
}

void bond_format_show(struct strbuf *sb, const struct bond *bond, uint64_t now_ms)
{
    const struct bond_settings *s = bond_get_settings(bond);
    enum bond_mode mode = s->mode;
    bool balanced = bond_get_next_rebalance(bond) != UINT64_MAX;

    strbuf_printf(sb, "---- %s ----\n", s->name);
    strbuf_printf(sb, "bond_mode: %s\n", bond_mode_name(mode));
    /* No recirculation and no lb_output action in Pontoon's datapath. */
    strbuf_puts(sb, "bond may use recirculation: no, Recirc-ID : -1\n");
    strbuf_printf(sb, "bond-hash-basis: %" PRIu32 "\n", s->hash_basis);
    strbuf_puts(sb, "lb_output action: disabled, bond-id: -1\n");
    if (mode == BOND_MODE_BALANCE_SLB)
        strbuf_printf(sb, "all members active: %s\n",
                      s->all_members_active ? "true" : "false");
    strbuf_printf(sb, "updelay: %" PRIu32 " ms\n", s->updelay_ms);
    strbuf_printf(sb, "downdelay: %" PRIu32 " ms\n", s->downdelay_ms);
    if (balanced)
        strbuf_printf(sb, "next rebalance: %lld ms\n",
                      (long long)(bond_get_next_rebalance(bond) - now_ms));
    strbuf_printf(sb, "lacp_status: %s\n", lacp_status_name(bond_get_lacp_status(bond)));
    strbuf_printf(sb, "lacp_fallback_ab: %s\n", s->lacp_fallback_ab ? "true" : "false");
    strbuf_printf(sb, "active-backup primary: %s\n", s->primary ? s->primary : "<none>");

    size_t n = bond_member_count(bond);
    struct bond_member_status *ms = calloc(n ? n : 1, sizeof *ms);
    if (!ms)
        return;
    for (size_t i = 0; i < n; i++)
        bond_get_member_status(bond, i, &ms[i]);
    qsort(ms, n, sizeof *ms, compare_bond_members);

    uint8_t active_mac[6];
    bond_get_active_member_mac(bond, active_mac);
    const char *active_name = "none";
    for (size_t i = 0; i < n; i++)
        if (!memcmp(ms[i].mac, active_mac, 6)) {
            active_name = ms[i].name;
            break;
        }
    strbuf_printf(sb, "active member mac: " MAC_FMT "(%s)\n", MAC_ARGS(active_mac),
                  active_name);

    for (size_t i = 0; i < n; i++) {
        const struct bond_member_status *m = &ms[i];
        strbuf_printf(sb, "\nmember %s: %s\n", m->name, m->enabled ? "enabled" : "disabled");
        if (m->active)
            strbuf_puts(sb, "  active member\n");
        if (m->delay_pending)
            strbuf_printf(sb, "  %s expires in %lld ms\n",
                          m->enabled ? "downdelay" : "updelay",
                          (long long)(m->delay_expires_ms - now_ms));
        strbuf_printf(sb, "  may_enable: %s\n", m->may_enable ? "true" : "false");
        if (!balanced)
            continue;
        for (unsigned b = 0; b < BOND_BUCKETS; b++) {
            uint64_t tx_bytes;
            if (bond_bucket_member(bond, b, &tx_bytes) == m->id && tx_bytes / 1024)
                strbuf_printf(sb, "  hash %u: %" PRIu64 " kB load\n", b, tx_bytes / 1024);
        }
    }
    strbuf_putc(sb, '\n');
    free(ms);
}

static struct lacp_member_status *sorted_lacp_members(const struct lacp *lacp, size_t *n)
{
    struct lacp_bond_status bs;
    lacp_get_bond_status(lacp, &bs);
    struct lacp_member_status *ms = calloc(bs.n_members ? bs.n_members : 1, sizeof *ms);
    if (!ms)
        return NULL;
    for (size_t i = 0; i < bs.n_members; i++)
        lacp_get_member_status(lacp, i, &ms[i]);
    qsort(ms, bs.n_members, sizeof *ms, compare_lacp_members);
    *n = bs.n_members;
    return ms;
}

static void put_lacp_state(struct strbuf *sb, uint8_t state)
{
    static const struct { uint8_t bit; const char *name; } bits[] = {
        { LACP_STATE_ACTIVITY, "activity" },
        { LACP_STATE_TIMEOUT, "timeout" },
        { LACP_STATE_AGGREGATION, "aggregation" },
        { LACP_STATE_SYNCHRONIZATION, "synchronized" },
        { LACP_STATE_COLLECTING, "collecting" },
        { LACP_STATE_DISTRIBUTING, "distributing" },
        { LACP_STATE_DEFAULTED, "defaulted" },
        { LACP_STATE_EXPIRED, "expired" },
    };
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (state & bits[i].bit)
            strbuf_printf(sb, " %s", bits[i].name);
}

static void put_lacp_info(struct strbuf *sb, const char *who, const struct lacp_info *info)
{
    strbuf_printf(sb, "  %s sys_id: " MAC_FMT "\n", who, MAC_ARGS(info->sys_id));
    strbuf_printf(sb, "  %s sys_priority: %u\n", who, info->sys_priority);
    strbuf_printf(sb, "  %s port_id: %u\n", who, info->port_id);
    strbuf_printf(sb, "  %s port_priority: %u\n", who, info->port_priority);
    strbuf_printf(sb, "  %s key: %u\n", who, info->key);
    strbuf_printf(sb, "  %s state:", who);
    put_lacp_state(sb, info->state);
}

void lacp_format_show(struct strbuf *sb, const struct lacp *lacp)
{
    struct lacp_bond_status bs;
    lacp_get_bond_status(lacp, &bs);
    strbuf_printf(sb, "---- %s ----\n", bs.name);
    strbuf_printf(sb, "  status: %s%s\n", bs.active ? "active" : "passive",
                  bs.negotiated ? " negotiated" : "");
    strbuf_printf(sb, "  sys_id: " MAC_FMT "\n", MAC_ARGS(bs.sys_id));
    strbuf_printf(sb, "  sys_priority: %u\n", bs.sys_priority);
    if (bs.key < 0)
        strbuf_puts(sb, "  aggregation key: none\n");
    else
        strbuf_printf(sb, "  aggregation key: %d\n", bs.key);
    strbuf_printf(sb, "  lacp_time: %s\n", bs.fast ? "fast" : "slow");

    size_t n = 0;
    struct lacp_member_status *ms = sorted_lacp_members(lacp, &n);
    if (!ms)
        return;
    for (size_t i = 0; i < n; i++) {
        const struct lacp_member_status *m = &ms[i];
        const char *state = m->rx_state == LACP_RX_CURRENT   ? "current"
                            : m->rx_state == LACP_RX_EXPIRED ? "expired"
                                                             : "defaulted";
        strbuf_printf(sb, "\nmember: %s: %s %s\n", m->name, state,
                      m->attached ? "attached" : "detached");
        strbuf_printf(sb, "  port_id: %u\n", m->port_id);
        strbuf_printf(sb, "  port_priority: %u\n", m->port_priority);
        strbuf_printf(sb, "  may_enable: %s\n", m->may_enable ? "true" : "false");
        strbuf_putc(sb, '\n');
        put_lacp_info(sb, "actor", &m->actor);
        strbuf_puts(sb, "\n\n");
        put_lacp_info(sb, "partner", &m->partner);
        strbuf_putc(sb, '\n');
    }
    free(ms);
}

void lacp_format_stats(struct strbuf *sb, const struct lacp *lacp)
{
    struct lacp_bond_status bs;
    lacp_get_bond_status(lacp, &bs);
    strbuf_printf(sb, "---- %s statistics ----\n", bs.name);
    size_t n = 0;
    struct lacp_member_status *ms = sorted_lacp_members(lacp, &n);
    if (!ms)
        return;
    for (size_t i = 0; i < n; i++) {
        const struct lacp_member_stats *st = &ms[i].stats;
        strbuf_printf(sb, "\nmember: %s:\n", ms[i].name);
        strbuf_printf(sb, "  TX PDUs: %" PRIu32 "\n", st->tx_pdus);
        strbuf_printf(sb, "  RX PDUs: %" PRIu32 "\n", st->rx_pdus);
        strbuf_printf(sb, "  RX Bad PDUs: %" PRIu32 "\n", st->rx_bad_pdus);
        strbuf_printf(sb, "  RX Marker Request PDUs: %" PRIu32 "\n", st->rx_marker_requests);
        strbuf_printf(sb, "  Link Expired: %" PRIu32 "\n", st->link_expired);
        strbuf_printf(sb, "  Link Defaulted: %" PRIu32 "\n", st->link_defaulted);
        strbuf_printf(sb, "  Carrier Status Changed: %" PRIu32 "\n", st->carrier_changed);
    }
    free(ms);
}
