/* LACP state machines for one bond, after Open vSwitch's lib/lacp.c.
 *
 * Per member we keep the partner's information from its last LACPDU and a
 * Receive machine reduced to three states: CURRENT (current_while running),
 * EXPIRED (one more short timeout, partner assumed fast and out of sync) and
 * DEFAULTED (partner unknown).  Selection is OVS's: among members whose
 * partner is known, the one whose link has the best priority leads, and only
 * members whose partner has the lead's system id and key are attached.  Our
 * synchronization bit is "attached"; collecting/distributing follow it once
 * negotiated.  Need-to-transmit is detected the OVS way: the partner echoes
 * what it believes our state is; if that differs from our state, we send. */
#include "switching/lacp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NO_DEADLINE UINT64_MAX

struct lacp_member {
    uint32_t id;
    char *name;
    uint8_t mac[6];
    uint16_t port_id;
    uint16_t port_priority;
    bool carrier;
    bool attached;
    enum lacp_rx_state rx_state;
    struct lacp_info partner;       /* partner's actor info, zero when defaulted */
    struct lacp_info ntt_actor;     /* our actor info as the partner last knew it */
    uint64_t rx_deadline;           /* current_while */
    uint64_t tx_deadline;           /* periodic transmission */
    bool marker_pending;
    struct lacp_marker marker_response;
    struct lacp_member_stats stats;
};

struct lacp {
    char *name;
    uint8_t sys_id[6];
    uint16_t sys_priority;
    uint16_t key;                   /* configured; 0: key member's port id */
    bool active;
    bool fast;
    bool fallback_ab;
    bool negotiated;
    bool update;                    /* selection must be recomputed */
    bool has_key_member;
    uint32_t key_member_id;
    struct lacp_member *members;
    size_t n_members;
    size_t cap_members;
};

static struct lacp_member *member_find(const struct lacp *lacp, uint32_t id)
{
    if (!lacp)
        return NULL;
    for (size_t i = 0; i < lacp->n_members; i++)
        if (lacp->members[i].id == id)
            return &lacp->members[i];
    return NULL;
}

static uint16_t lacp_key(const struct lacp *lacp)
{
    if (lacp->key)
        return lacp->key;
    const struct lacp_member *km = lacp->has_key_member
                                   ? member_find(lacp, lacp->key_member_id) : NULL;
    return km ? km->port_id : 0;
}

static void member_get_actor(const struct lacp *lacp, const struct lacp_member *m,
                             struct lacp_info *actor)
{
    uint8_t state = 0;
    if (lacp->active)
        state |= LACP_STATE_ACTIVITY;
    if (lacp->fast)
        state |= LACP_STATE_TIMEOUT;
    if (m->attached)
        state |= LACP_STATE_SYNCHRONIZATION;
    if (m->rx_state == LACP_RX_DEFAULTED)
        state |= LACP_STATE_DEFAULTED;
    if (m->rx_state == LACP_RX_EXPIRED)
        state |= LACP_STATE_EXPIRED;
    if (lacp->n_members > 1)
        state |= LACP_STATE_AGGREGATION;
    if (m->attached || !lacp->negotiated)
        state |= LACP_STATE_COLLECTING | LACP_STATE_DISTRIBUTING;

    memset(actor, 0, sizeof *actor);
    actor->sys_priority = lacp->sys_priority;
    memcpy(actor->sys_id, lacp->sys_id, 6);
    actor->key = lacp_key(lacp);
    actor->port_priority = m->port_priority;
    actor->port_id = m->port_id;
    actor->state = state;
}

static bool info_equal(const struct lacp_info *a, const struct lacp_info *b)
{
    return a->sys_priority == b->sys_priority && !memcmp(a->sys_id, b->sys_id, 6)
           && a->key == b->key && a->port_priority == b->port_priority
           && a->port_id == b->port_id && a->state == b->state;
}

/* The link's priority is that of whichever end has the better system
 * priority (then lower system id); compared as 802.1AX orders them. */
static void member_get_priority(const struct lacp *lacp, const struct lacp_member *m,
                                struct lacp_info *pri)
{
    int cmp = (int)lacp->sys_priority - (int)m->partner.sys_priority;
    if (!cmp)
        cmp = memcmp(lacp->sys_id, m->partner.sys_id, 6);
    if (cmp < 0)
        member_get_actor(lacp, m, pri);
    else
        *pri = m->partner;
    pri->key = 0;
    pri->state = 0;
}

static int priority_compare(const struct lacp_info *a, const struct lacp_info *b)
{
    if (a->sys_priority != b->sys_priority)
        return a->sys_priority < b->sys_priority ? -1 : 1;
    int cmp = memcmp(a->sys_id, b->sys_id, 6);
    if (cmp)
        return cmp;
    if (a->port_priority != b->port_priority)
        return a->port_priority < b->port_priority ? -1 : 1;
    if (a->port_id != b->port_id)
        return a->port_id < b->port_id ? -1 : 1;
    return 0;
}

static bool member_may_enable(const struct lacp *lacp, const struct lacp_member *m)
{
    if (!m->carrier || !m->attached)
        return false;
    return (m->partner.state & LACP_STATE_SYNCHRONIZATION)
           || (lacp->fallback_ab && m->rx_state == LACP_RX_DEFAULTED);
}

static void member_set_expired(struct lacp_member *m, uint64_t now)
{
    m->rx_state = LACP_RX_EXPIRED;
    m->partner.state |= LACP_STATE_TIMEOUT;
    m->partner.state &= (uint8_t)~LACP_STATE_SYNCHRONIZATION;
    m->rx_deadline = now + LACP_RX_MULTIPLIER * LACP_FAST_TX_MS;
}

static void member_set_defaulted(struct lacp *lacp, struct lacp_member *m)
{
    memset(&m->partner, 0, sizeof m->partner);
    m->rx_state = LACP_RX_DEFAULTED;
    m->rx_deadline = NO_DEADLINE;
    lacp->update = true;
}

/* OVS's lacp_update_attached(): choose the lead link, attach the members that
 * lead to the same partner system and key. */
static void update_attached(struct lacp *lacp)
{
    struct lacp_member *lead = NULL, *lead_current = NULL;
    struct lacp_info lead_pri;
    bool lead_enable = false;

    lacp->update = false;
    memset(&lead_pri, 0, sizeof lead_pri);

    /* A link that already works keeps its partner: prefer its aggregate. */
    for (size_t i = 0; i < lacp->n_members; i++) {
        struct lacp_member *m = &lacp->members[i];
        if (m->rx_state == LACP_RX_CURRENT && m->attached) {
            struct lacp_info pri;
            member_get_priority(lacp, m, &pri);
            if (!lead_current || priority_compare(&pri, &lead_pri) < 0) {
                lead_current = lead = m;
                lead_pri = pri;
                lead_enable = true;
            }
        }
    }

    for (size_t i = 0; i < lacp->n_members; i++) {
        struct lacp_member *m = &lacp->members[i];
        m->attached = false;
        /* Loopback: the member is wired to this same bond. */
        if (!memcmp(m->partner.sys_id, lacp->sys_id, 6))
            continue;
        if (m->rx_state == LACP_RX_DEFAULTED || !m->carrier) {
            if (lacp->fallback_ab && m->rx_state == LACP_RX_DEFAULTED)
                m->attached = true;
            continue;
        }
        struct lacp_info pri;
        member_get_priority(lacp, m, &pri);
        bool enable = (m->partner.state & LACP_STATE_SYNCHRONIZATION) != 0;
        if (!lead_current || !memcmp(m->partner.sys_id, lead_current->partner.sys_id, 6))
            m->attached = true;
        if (m->attached
            && (!lead || (enable && !lead_enable)
                || (enable == lead_enable && priority_compare(&pri, &lead_pri) < 0))) {
            lead = m;
            lead_enable = enable;
            lead_pri = pri;
        }
    }

    lacp->negotiated = lead != NULL;
    if (lead) {
        for (size_t i = 0; i < lacp->n_members; i++) {
            struct lacp_member *m = &lacp->members[i];
            if ((lacp->fallback_ab && m->rx_state == LACP_RX_DEFAULTED)
                || lead->partner.key != m->partner.key
                || memcmp(lead->partner.sys_id, m->partner.sys_id, 6))
                m->attached = false;
        }
    }
}

static int apply_settings(struct lacp *lacp, const struct lacp_settings *s)
{
    if (!s || !s->name || !*s->name)
        return -EINVAL;
    char *name = strdup(s->name);
    if (!name)
        return -ENOMEM;
    free(lacp->name);
    lacp->name = name;
    if (memcmp(lacp->sys_id, s->sys_id, 6) || lacp->fast != s->fast
        || lacp->active != s->active || lacp->fallback_ab != s->fallback_ab
        || lacp->key != s->key)
        lacp->update = true;
    memcpy(lacp->sys_id, s->sys_id, 6);
    uint16_t prio = s->sys_priority ? s->sys_priority : LACP_DEFAULT_SYS_PRIORITY;
    if (prio != lacp->sys_priority)
        lacp->update = true;
    lacp->sys_priority = prio;
    lacp->key = s->key;
    lacp->active = s->active;
    lacp->fast = s->fast;
    lacp->fallback_ab = s->fallback_ab;
    return 0;
}

struct lacp *lacp_create(const struct lacp_settings *settings)
{
    struct lacp *lacp = calloc(1, sizeof *lacp);
    if (!lacp)
        return NULL;
    if (apply_settings(lacp, settings)) {
        free(lacp);
        return NULL;
    }
    return lacp;
}

void lacp_destroy(struct lacp *lacp)
{
    if (!lacp)
        return;
    for (size_t i = 0; i < lacp->n_members; i++)
        free(lacp->members[i].name);
    free(lacp->members);
    free(lacp->name);
    free(lacp);
}

int lacp_configure(struct lacp *lacp, const struct lacp_settings *settings)
{
    if (!lacp)
        return -EINVAL;
    return apply_settings(lacp, settings);
}

int lacp_member_add(struct lacp *lacp, uint32_t id, const struct lacp_member_settings *s)
{
    if (!lacp || !s || !s->name || !*s->name || !s->port_id)
        return -EINVAL;
    char *name = strdup(s->name);
    if (!name)
        return -ENOMEM;
    struct lacp_member *m = member_find(lacp, id);
    if (!m) {
        if (lacp->n_members == lacp->cap_members) {
            size_t cap = lacp->cap_members ? lacp->cap_members * 2 : 4;
            struct lacp_member *mm = realloc(lacp->members, cap * sizeof *mm);
            if (!mm) {
                free(name);
                return -ENOMEM;
            }
            lacp->members = mm;
            lacp->cap_members = cap;
        }
        m = &lacp->members[lacp->n_members++];
        memset(m, 0, sizeof *m);
        m->id = id;
        m->carrier = s->carrier;
        m->tx_deadline = 0;                 /* due at once */
        member_set_defaulted(lacp, m);
        if (!lacp->has_key_member) {
            lacp->has_key_member = true;
            lacp->key_member_id = id;
        }
    }
    free(m->name);
    m->name = name;
    memcpy(m->mac, s->mac, 6);
    uint16_t port_priority = s->port_priority ? s->port_priority
                                              : LACP_DEFAULT_PORT_PRIORITY;
    if (m->port_id != s->port_id || m->port_priority != port_priority)
        lacp->update = true;
    m->port_id = s->port_id;
    m->port_priority = port_priority;
    return 0;
}

int lacp_member_remove(struct lacp *lacp, uint32_t id)
{
    struct lacp_member *m = member_find(lacp, id);
    if (!m)
        return -ENOENT;
    free(m->name);
    size_t idx = (size_t)(m - lacp->members);
    memmove(m, m + 1, (lacp->n_members - idx - 1) * sizeof *m);
    lacp->n_members--;
    if (lacp->has_key_member && lacp->key_member_id == id) {
        lacp->has_key_member = lacp->n_members > 0;
        if (lacp->has_key_member)
            lacp->key_member_id = lacp->members[0].id;
    }
    lacp->update = true;
    return 0;
}

int lacp_member_set_carrier(struct lacp *lacp, uint32_t id, bool carrier)
{
    struct lacp_member *m = member_find(lacp, id);
    if (!m)
        return -ENOENT;
    if (m->carrier == carrier)
        return 0;
    m->carrier = carrier;
    m->stats.carrier_changed++;
    member_set_defaulted(lacp, m);
    if (carrier)
        m->tx_deadline = 0;
    m->marker_pending = false;
    return 0;
}

static int rx_marker(struct lacp_member *m, const uint8_t *frame, size_t len)
{
    struct lacp_marker marker;
    if (lacp_marker_decode(frame, len, &marker)) {
        m->stats.rx_bad_pdus++;
        return -EINVAL;
    }
    if (marker.type == LACP_MARKER_REQUEST) {
        m->stats.rx_marker_requests++;
        m->marker_response = marker;
        m->marker_response.type = LACP_MARKER_RESPONSE;
        m->marker_pending = true;
    }
    return 0;
}

int lacp_rx_pdu(struct lacp *lacp, uint32_t id, const uint8_t *frame, size_t len,
                uint64_t now_ms)
{
    struct lacp_member *m = member_find(lacp, id);
    if (!m)
        return -ENOENT;
    int subtype = lacp_frame_subtype(frame, len);
    if (subtype == LACP_SUBTYPE_MARKER)
        return rx_marker(m, frame, len);
    struct lacpdu pdu;
    if (subtype != LACP_SUBTYPE_LACP || lacpdu_decode(frame, len, &pdu)) {
        m->stats.rx_bad_pdus++;
        return -EINVAL;
    }
    /* Some NICs report carrier late; a PDU on a link we think is down is
     * dropped rather than trusted. */
    if (!m->carrier)
        return -ENETDOWN;

    m->stats.rx_pdus++;
    m->ntt_actor = pdu.partner;
    if (!info_equal(&m->partner, &pdu.actor)) {
        m->partner = pdu.actor;
        lacp->update = true;
    }
    if (m->rx_state != LACP_RX_CURRENT)
        lacp->update = true;
    m->rx_state = LACP_RX_CURRENT;
    /* current_while follows the timeout we ask of the partner. */
    m->rx_deadline = now_ms + (uint64_t)LACP_RX_MULTIPLIER
                              * (lacp->fast ? LACP_FAST_TX_MS : LACP_SLOW_TX_MS);
    return 0;
}

static void run_timers(struct lacp *lacp, uint64_t now)
{
    for (size_t i = 0; i < lacp->n_members; i++) {
        struct lacp_member *m = &lacp->members[i];
        if (m->rx_deadline == NO_DEADLINE || now < m->rx_deadline)
            continue;
        if (m->rx_state == LACP_RX_CURRENT) {
            member_set_expired(m, now);
            m->stats.link_expired++;
            lacp->update = true;
        } else if (m->rx_state == LACP_RX_EXPIRED) {
            member_set_defaulted(lacp, m);
            m->stats.link_defaulted++;
        }
    }
    if (lacp->update)
        update_attached(lacp);
}

static bool member_may_tx(const struct lacp *lacp, const struct lacp_member *m)
{
    return m->carrier && (lacp->active || m->rx_state != LACP_RX_DEFAULTED);
}

/* Fills buf with the frame due on m, if any; 0 when none. */
static int member_tx(struct lacp *lacp, struct lacp_member *m, uint64_t now,
                     uint8_t *buf, size_t cap)
{
    if (!m->carrier)
        return 0;
    if (m->marker_pending) {
        int n = lacp_marker_encode(&m->marker_response, m->mac, buf, cap);
        if (n > 0)
            m->marker_pending = false;
        return n;
    }
    if (!member_may_tx(lacp, m))
        return 0;
    struct lacp_info actor;
    member_get_actor(lacp, m, &actor);
    if (now < m->tx_deadline && info_equal(&actor, &m->ntt_actor))
        return 0;
    struct lacpdu pdu = { .actor = actor, .partner = m->partner };
    int n = lacpdu_encode(&pdu, m->mac, buf, cap);
    if (n < 0)
        return n;
    m->ntt_actor = actor;
    m->stats.tx_pdus++;
    m->tx_deadline = now + ((m->partner.state & LACP_STATE_TIMEOUT) ? LACP_FAST_TX_MS
                                                                     : LACP_SLOW_TX_MS);
    return n;
}

unsigned lacp_run(struct lacp *lacp, uint64_t now_ms, lacp_send_fn *send, void *aux)
{
    if (!lacp)
        return 0;
    run_timers(lacp, now_ms);
    if (!send)
        return 0;
    unsigned sent = 0;
    uint8_t frame[LACP_FRAME_LEN];
    for (size_t i = 0; i < lacp->n_members; i++) {
        struct lacp_member *m = &lacp->members[i];
        /* A pending Marker response and a PDU may both be due. */
        for (int round = 0; round < 2; round++) {
            int n = member_tx(lacp, m, now_ms, frame, sizeof frame);
            if (n <= 0)
                break;
            send(aux, m->id, frame, (size_t)n);
            sent++;
        }
    }
    return sent;
}

int lacp_tx_due(struct lacp *lacp, uint32_t id, uint64_t now_ms, uint8_t *buf, size_t cap)
{
    struct lacp_member *m = member_find(lacp, id);
    if (!m)
        return -ENOENT;
    if (!buf || cap < LACP_FRAME_LEN)
        return -ENOSPC;
    return member_tx(lacp, m, now_ms, buf, cap);
}

uint64_t lacp_next_wake(const struct lacp *lacp)
{
    uint64_t wake = NO_DEADLINE;
    if (!lacp)
        return wake;
    if (lacp->update)
        return 0;
    for (size_t i = 0; i < lacp->n_members; i++) {
        const struct lacp_member *m = &lacp->members[i];
        if (m->rx_deadline < wake)
            wake = m->rx_deadline;
        if (m->marker_pending && m->carrier)
            return 0;
        if (member_may_tx(lacp, m)) {
            struct lacp_info actor;
            member_get_actor(lacp, m, &actor);
            if (!info_equal(&actor, &m->ntt_actor))
                return 0;
            if (m->tx_deadline < wake)
                wake = m->tx_deadline;
        }
    }
    return wake;
}

bool lacp_member_may_enable(const struct lacp *lacp, uint32_t id)
{
    const struct lacp_member *m = member_find(lacp, id);
    return m && member_may_enable(lacp, m);
}

enum lacp_status lacp_get_status(const struct lacp *lacp)
{
    if (!lacp)
        return LACP_STATUS_OFF;
    return lacp->negotiated ? LACP_STATUS_NEGOTIATED : LACP_STATUS_CONFIGURED;
}

void lacp_get_bond_status(const struct lacp *lacp, struct lacp_bond_status *out)
{
    memset(out, 0, sizeof *out);
    if (!lacp) {
        out->key = -1;
        return;
    }
    out->name = lacp->name;
    out->active = lacp->active;
    out->negotiated = lacp->negotiated;
    out->fast = lacp->fast;
    out->fallback_ab = lacp->fallback_ab;
    memcpy(out->sys_id, lacp->sys_id, 6);
    out->sys_priority = lacp->sys_priority;
    out->key = lacp->has_key_member || lacp->key ? lacp_key(lacp) : -1;
    out->n_members = lacp->n_members;
}

static void fill_member_status(const struct lacp *lacp, const struct lacp_member *m,
                               struct lacp_member_status *out)
{
    memset(out, 0, sizeof *out);
    out->id = m->id;
    out->name = m->name;
    out->rx_state = m->rx_state;
    out->attached = m->attached;
    out->may_enable = member_may_enable(lacp, m);
    out->carrier = m->carrier;
    out->port_id = m->port_id;
    out->port_priority = m->port_priority;
    member_get_actor(lacp, m, &out->actor);
    out->partner = m->partner;
    out->stats = m->stats;
}

int lacp_get_member_status(const struct lacp *lacp, size_t index,
                           struct lacp_member_status *out)
{
    if (!lacp || index >= lacp->n_members)
        return -ENOENT;
    fill_member_status(lacp, &lacp->members[index], out);
    return 0;
}

int lacp_find_member_status(const struct lacp *lacp, uint32_t id,
                            struct lacp_member_status *out)
{
    const struct lacp_member *m = member_find(lacp, id);
    if (!m)
        return -ENOENT;
    fill_member_status(lacp, m, out);
    return 0;
}
