/* Bond member choice, after Open vSwitch's ofproto/bond.c.
 *
 * A member is enabled when it has carrier and LACP allows it (may_enable),
 * after updelay; it is disabled after downdelay when either fails.  The
 * active member (active-backup's only sender; in balance-slb the one that
 * receives multicast) is kept until it fails or bond-primary comes back.
 * Balanced modes hash into 256 buckets, each owned by an enabled member;
 * buckets of a member that goes away are dealt out to the others in turn and
 * rebalancing moves loaded buckets from busy to idle members. */
#include "switching/bond.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NO_DEADLINE UINT64_MAX

struct bond_member {
    uint32_t id;
    char *name;
    uint8_t mac[6];
    bool carrier;
    bool may_enable;
    bool enabled;
    bool admin_disabled;
    uint64_t delay_expires;         /* NO_DEADLINE: no delay running */
    uint64_t tx_bytes;              /* rebalance scratch: sum of its buckets */
};

struct bond_bucket {
    struct bond_member *member;
    uint64_t tx_bytes;
};

struct bond {
    struct bond_settings s;         /* name and primary are owned copies */
    struct bond_member **members;
    struct bond_member **scratch;   /* rebalance's ordering, same capacity */
    size_t n_members;
    size_t cap_members;
    struct bond_member *active;
    uint8_t active_mac[6];
    enum lacp_status lacp_status;
    uint64_t next_rebalance;
    size_t deal_cursor;             /* next member to deal an orphan bucket to */
    unsigned pending;               /* BOND_RUN_* flags for the next bond_run() */
    bool reselect;                  /* choose the active member again */
    struct bond_bucket buckets[BOND_BUCKETS];
};

void bond_settings_init(struct bond_settings *s, const char *name)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->mode = BOND_MODE_ACTIVE_BACKUP;
    s->rebalance_interval_ms = BOND_DEFAULT_REBALANCE_MS;
}

const char *bond_mode_name(enum bond_mode mode)
{
    switch (mode) {
    case BOND_MODE_ACTIVE_BACKUP: return "active-backup";
    case BOND_MODE_BALANCE_SLB: return "balance-slb";
    case BOND_MODE_BALANCE_TCP: return "balance-tcp";
    }
    return "unknown";
}

int bond_mode_from_name(const char *name, enum bond_mode *mode)
{
    static const enum bond_mode all[] = {
        BOND_MODE_ACTIVE_BACKUP, BOND_MODE_BALANCE_SLB, BOND_MODE_BALANCE_TCP,
    };
    for (size_t i = 0; name && i < sizeof all / sizeof all[0]; i++) {
        if (!strcmp(name, bond_mode_name(all[i]))) {
            *mode = all[i];
            return 0;
        }
    }
    return -EINVAL;
}

static struct bond_member *member_find(const struct bond *bond, uint32_t id)
{
    if (!bond)
        return NULL;
    for (size_t i = 0; i < bond->n_members; i++)
        if (bond->members[i]->id == id)
            return bond->members[i];
    return NULL;
}

static struct bond_member *member_find_by_mac(const struct bond *bond, const uint8_t mac[6])
{
    static const uint8_t zero[6];
    if (!memcmp(mac, zero, 6))
        return NULL;
    for (size_t i = 0; i < bond->n_members; i++)
        if (!memcmp(bond->members[i]->mac, mac, 6))
            return bond->members[i];
    return NULL;
}

static struct bond_member *primary_member(const struct bond *bond)
{
    if (!bond->s.primary)
        return NULL;
    for (size_t i = 0; i < bond->n_members; i++)
        if (!strcmp(bond->members[i]->name, bond->s.primary))
            return bond->members[i];
    return NULL;
}

static bool is_balanced(const struct bond *bond)
{
    return bond->s.mode != BOND_MODE_ACTIVE_BACKUP;
}

/* How the bond really sends now.  Returns false when it is down: LACP was
 * configured but did not negotiate (and no fallback), or balance-tcp without
 * LACP. */
static bool effective_mode(const struct bond *bond, enum bond_mode *mode)
{
    *mode = bond->s.mode;
    if (bond->lacp_status == LACP_STATUS_CONFIGURED) {
        if (!bond->s.lacp_fallback_ab)
            return false;
        *mode = BOND_MODE_ACTIVE_BACKUP;
        return true;
    }
    if (*mode == BOND_MODE_BALANCE_TCP && bond->lacp_status != LACP_STATUS_NEGOTIATED)
        return false;
    return true;
}

static int copy_settings(struct bond_settings *dst, const struct bond_settings *src)
{
    if (!src || !src->name || !*src->name)
        return -EINVAL;
    if (src->mode != BOND_MODE_ACTIVE_BACKUP && src->mode != BOND_MODE_BALANCE_SLB
        && src->mode != BOND_MODE_BALANCE_TCP)
        return -EINVAL;
    char *name = strdup(src->name);
    char *primary = src->primary && *src->primary ? strdup(src->primary) : NULL;
    if (!name || (src->primary && *src->primary && !primary)) {
        free(name);
        free(primary);
        return -ENOMEM;
    }
    free((char *)dst->name);
    free((char *)dst->primary);
    *dst = *src;
    dst->name = name;
    dst->primary = primary;
    return 0;
}

static void reset_buckets(struct bond *bond)
{
    for (unsigned i = 0; i < BOND_BUCKETS; i++) {
        bond->buckets[i].member = NULL;
        bond->buckets[i].tx_bytes = 0;
    }
    bond->deal_cursor = 0;
}

struct bond *bond_create(const struct bond_settings *s, uint64_t now_ms)
{
    struct bond *bond = calloc(1, sizeof *bond);
    if (!bond)
        return NULL;
    if (copy_settings(&bond->s, s)) {
        free(bond);
        return NULL;
    }
    bond->lacp_status = LACP_STATUS_OFF;
    bond->next_rebalance = now_ms + bond->s.rebalance_interval_ms;
    reset_buckets(bond);
    return bond;
}

void bond_destroy(struct bond *bond)
{
    if (!bond)
        return;
    for (size_t i = 0; i < bond->n_members; i++) {
        free(bond->members[i]->name);
        free(bond->members[i]);
    }
    free(bond->members);
    free(bond->scratch);
    free((char *)bond->s.name);
    free((char *)bond->s.primary);
    free(bond);
}

int bond_reconfigure(struct bond *bond, const struct bond_settings *s, uint64_t now_ms)
{
    if (!bond)
        return -EINVAL;
    struct bond_settings old = bond->s;
    char *old_primary = old.primary ? strdup(old.primary) : NULL;
    int err = copy_settings(&bond->s, s);
    if (err) {
        free(old_primary);
        return err;
    }
    if (old.mode != bond->s.mode || old.hash_basis != bond->s.hash_basis) {
        reset_buckets(bond);
        bond->pending |= BOND_RUN_REVALIDATE;
    }
    if (old.rebalance_interval_ms != bond->s.rebalance_interval_ms)
        bond->next_rebalance = now_ms + bond->s.rebalance_interval_ms;
    bool same_primary = (!old_primary && !bond->s.primary)
                        || (old_primary && bond->s.primary
                            && !strcmp(old_primary, bond->s.primary));
    if (!same_primary)
        bond->reselect = true;
    free(old_primary);
    return 0;
}

int bond_member_add(struct bond *bond, uint32_t id, const struct bond_member_settings *s)
{
    if (!bond || !s || !s->name || !*s->name)
        return -EINVAL;
    char *name = strdup(s->name);
    if (!name)
        return -ENOMEM;
    struct bond_member *m = member_find(bond, id);
    if (!m) {
        if (bond->n_members == bond->cap_members) {
            size_t cap = bond->cap_members ? bond->cap_members * 2 : 4;
            struct bond_member **mm = realloc(bond->members, cap * sizeof *mm);
            if (!mm) {
                free(name);
                return -ENOMEM;
            }
            bond->members = mm;
            struct bond_member **ss = realloc(bond->scratch, cap * sizeof *ss);
            if (!ss) {
                free(name);
                return -ENOMEM;
            }
            bond->scratch = ss;
            bond->cap_members = cap;
        }
        m = calloc(1, sizeof *m);
        if (!m) {
            free(name);
            return -ENOMEM;
        }
        m->id = id;
        m->may_enable = true;
        m->delay_expires = NO_DEADLINE;
        bond->members[bond->n_members++] = m;
    }
    free(m->name);
    m->name = name;
    memcpy(m->mac, s->mac, 6);
    return 0;
}

int bond_member_remove(struct bond *bond, uint32_t id)
{
    struct bond_member *m = member_find(bond, id);
    if (!m)
        return -ENOENT;
    for (unsigned i = 0; i < BOND_BUCKETS; i++)
        if (bond->buckets[i].member == m)
            bond->buckets[i].member = NULL;
    if (bond->active == m) {
        bond->active = NULL;
        bond->reselect = true;
    }
    size_t i = 0;
    while (bond->members[i] != m)
        i++;
    memmove(&bond->members[i], &bond->members[i + 1],
            (bond->n_members - i - 1) * sizeof bond->members[0]);
    bond->n_members--;
    free(m->name);
    free(m);
    bond->pending |= BOND_RUN_REVALIDATE;
    return 0;
}

int bond_member_set_carrier(struct bond *bond, uint32_t id, bool carrier)
{
    struct bond_member *m = member_find(bond, id);
    if (!m)
        return -ENOENT;
    m->carrier = carrier;
    return 0;
}

int bond_member_set_may_enable(struct bond *bond, uint32_t id, bool may_enable)
{
    struct bond_member *m = member_find(bond, id);
    if (!m)
        return -ENOENT;
    m->may_enable = may_enable;
    return 0;
}

static void member_enable(struct bond *bond, struct bond_member *m, bool enable)
{
    m->delay_expires = NO_DEADLINE;
    if (m->enabled == enable)
        return;
    m->enabled = enable;
    bond->pending |= BOND_RUN_REVALIDATE;
    if (!enable && bond->active == m)
        bond->reselect = true;
    if (enable && m == primary_member(bond))
        bond->reselect = true;
}

int bond_enable_member(struct bond *bond, uint32_t id, bool enable)
{
    struct bond_member *m = member_find(bond, id);
    if (!m)
        return -ENOENT;
    m->admin_disabled = !enable;
    member_enable(bond, m, enable && m->carrier && m->may_enable);
    return 0;
}

static void set_active(struct bond *bond, struct bond_member *m)
{
    if (bond->active == m)
        return;
    bond->active = m;
    if (m)
        memcpy(bond->active_mac, m->mac, 6);
    bond->pending |= BOND_RUN_ACTIVE_CHANGED | BOND_RUN_REVALIDATE;
}

int bond_set_active_member(struct bond *bond, uint32_t id)
{
    struct bond_member *m = member_find(bond, id);
    if (!m)
        return -ENOENT;
    if (!m->enabled)
        return -EINVAL;
    set_active(bond, m);
    return 0;
}

void bond_set_active_member_mac(struct bond *bond, const uint8_t mac[6])
{
    memcpy(bond->active_mac, mac, 6);
    bond->reselect = true;
}

/* OVS's bond_link_status_update(): start, cancel or finish a delay. */
static void link_status_update(struct bond *bond, struct bond_member *m, uint64_t now)
{
    bool up = m->carrier && m->may_enable && !m->admin_disabled;
    if ((up == m->enabled) != (m->delay_expires == NO_DEADLINE)) {
        if (up == m->enabled) {
            m->delay_expires = NO_DEADLINE;
        } else {
            uint32_t delay = up ? bond->s.updelay_ms : bond->s.downdelay_ms;
            m->delay_expires = now + delay;
        }
    }
    if (m->delay_expires != NO_DEADLINE && now >= m->delay_expires)
        member_enable(bond, m, up);
}

/* OVS's bond_choose_member(). */
static struct bond_member *choose_active(struct bond *bond)
{
    struct bond_member *m = primary_member(bond);
    if (m && m->enabled && m->may_enable)
        return m;
    m = member_find_by_mac(bond, bond->active_mac);
    if (m && m->enabled)
        return m;
    for (size_t i = 0; i < bond->n_members; i++)
        if (bond->members[i]->enabled)
            return bond->members[i];
    /* Nothing enabled: take the one whose updelay ends first, at once. */
    struct bond_member *best = NULL;
    for (size_t i = 0; i < bond->n_members; i++) {
        m = bond->members[i];
        bool up = m->carrier && m->may_enable && !m->admin_disabled;
        if (up && m->delay_expires != NO_DEADLINE
            && (!best || m->delay_expires < best->delay_expires))
            best = m;
    }
    if (best)
        member_enable(bond, best, true);
    return best;
}

/* Deals buckets without an enabled owner to the enabled members in turn. */
static void deal_orphan_buckets(struct bond *bond)
{
    size_t n_enabled = 0;
    for (size_t i = 0; i < bond->n_members; i++)
        n_enabled += bond->members[i]->enabled;
    if (!n_enabled)
        return;
    for (unsigned b = 0; b < BOND_BUCKETS; b++) {
        struct bond_bucket *bk = &bond->buckets[b];
        if (bk->member && bk->member->enabled)
            continue;
        struct bond_member *m;
        do {
            m = bond->members[bond->deal_cursor++ % bond->n_members];
        } while (!m->enabled);
        bk->member = m;
        bond->pending |= BOND_RUN_REVALIDATE;
    }
    bond->deal_cursor %= bond->n_members;
}

unsigned bond_run(struct bond *bond, enum lacp_status lacp_status, uint64_t now_ms)
{
    if (!bond)
        return 0;
    if (bond->lacp_status != lacp_status) {
        bond->lacp_status = lacp_status;
        bond->pending |= BOND_RUN_REVALIDATE;
    }
    for (size_t i = 0; i < bond->n_members; i++)
        link_status_update(bond, bond->members[i], now_ms);
    if (!bond->active || !bond->active->enabled || bond->reselect) {
        set_active(bond, choose_active(bond));
        bond->reselect = false;
    }
    deal_orphan_buckets(bond);
    unsigned flags = bond->pending;
    bond->pending = 0;
    return flags;
}

uint64_t bond_next_wake(const struct bond *bond)
{
    uint64_t wake = NO_DEADLINE;
    if (!bond)
        return wake;
    if (bond->pending || bond->reselect)
        return 0;
    for (size_t i = 0; i < bond->n_members; i++)
        if (bond->members[i]->delay_expires < wake)
            wake = bond->members[i]->delay_expires;
    uint64_t rebalance = bond_get_next_rebalance(bond);
    return rebalance < wake ? rebalance : wake;
}

uint32_t bond_choose_member(const struct bond *bond, uint32_t hash)
{
    enum bond_mode mode;
    if (!bond || !effective_mode(bond, &mode))
        return BOND_NO_MEMBER;
    const struct bond_member *m;
    if (mode == BOND_MODE_ACTIVE_BACKUP)
        m = bond->active;
    else
        m = bond->buckets[bond_hash_bucket(hash)].member;
    return m && m->enabled ? m->id : BOND_NO_MEMBER;
}

bool bond_admit_rx(const struct bond *bond, uint32_t member_id, bool dst_multicast,
                   bool src_learned_elsewhere)
{
    const struct bond_member *m = member_find(bond, member_id);
    if (!m)
        return false;
    /* A LACP partner knows the bond: only disabled members are suspect. */
    switch (bond->lacp_status) {
    case LACP_STATUS_NEGOTIATED:
        return m->enabled || (m->may_enable && m->carrier && !m->admin_disabled);
    case LACP_STATUS_CONFIGURED:
        if (!bond->s.lacp_fallback_ab)
            return false;
        break;
    case LACP_STATUS_OFF:
        if (bond->s.mode == BOND_MODE_BALANCE_TCP)
            return false;
        break;
    }
    if (!m->enabled)
        return false;
    enum bond_mode mode;
    if (!effective_mode(bond, &mode))
        return false;
    bool active = bond->active == m || bond->s.all_members_active;
    if (dst_multicast && !active)
        return false;
    if (mode == BOND_MODE_ACTIVE_BACKUP || mode == BOND_MODE_BALANCE_TCP)
        return active;
    /* balance-slb: our own frames coming back from a switch that floods. */
    return !src_learned_elsewhere;
}

/* OVS's hash_mac(): murmur-style mix of the MAC and VLAN as one 64-bit word. */
static uint32_t rotl32(uint32_t x, int k)
{
    return x << k | x >> (32 - k);
}

static uint32_t mhash_add(uint32_t hash, uint32_t data)
{
    if (data) {
        data *= 0xcc9e2d51u;
        data = rotl32(data, 15);
        data *= 0x1b873593u;
        hash ^= data;
    }
    hash = rotl32(hash, 13);
    return hash * 5 + 0xe6546b64u;
}

static uint32_t mhash_finish(uint32_t hash)
{
    hash ^= hash >> 16;
    hash *= 0x85ebca6bu;
    hash ^= hash >> 13;
    hash *= 0xc2b2ae35u;
    hash ^= hash >> 16;
    return hash;
}

uint32_t bond_hash_mac(const uint8_t mac[6], uint16_t vlan, uint32_t basis)
{
    uint64_t word = (uint64_t)vlan << 48;
    for (int i = 0; i < 6; i++)
        word |= (uint64_t)mac[i] << (40 - 8 * i);
    uint32_t hash = mhash_add(basis, (uint32_t)word);
    hash = mhash_add(hash, (uint32_t)(word >> 32));
    return mhash_finish(hash ^ 8);
}

void bond_account(struct bond *bond, uint32_t hash, uint64_t bytes)
{
    if (bond)
        bond->buckets[bond_hash_bucket(hash)].tx_bytes += bytes;
}

/* rebalance keeps the enabled members in `order`, most loaded first. */
static void sort_by_load(struct bond_member **order, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct bond_member *m = order[i];
        size_t j = i;
        while (j > 0 && order[j - 1]->tx_bytes < m->tx_bytes) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = m;
    }
}

/* OVS's choose_entry_to_migrate(): a bucket of `from` whose move brings the
 * lower of the two loads closer to their mean by at least a tenth of the gap. */
static struct bond_bucket *choose_bucket_to_move(struct bond *bond,
                                                 const struct bond_member *from,
                                                 uint64_t to_tx_bytes, const bool *moved)
{
    size_t n_loaded = 0;
    for (unsigned b = 0; b < BOND_BUCKETS; b++)
        if (bond->buckets[b].member == from && bond->buckets[b].tx_bytes && !moved[b])
            n_loaded++;
    if (n_loaded < 2)
        return NULL;      /* moving its only load would just move the problem */
    uint64_t ideal = (from->tx_bytes + to_tx_bytes) / 2;
    for (unsigned b = 0; b < BOND_BUCKETS; b++) {
        struct bond_bucket *bk = &bond->buckets[b];
        if (bk->member != from || !bk->tx_bytes || moved[b])
            continue;
        uint64_t delta = bk->tx_bytes;
        uint64_t a = from->tx_bytes - delta, c = to_tx_bytes + delta;
        uint64_t new_low = a < c ? a : c;
        if (new_low > to_tx_bytes && new_low - to_tx_bytes >= (ideal - to_tx_bytes) / 10)
            return bk;
    }
    return NULL;
}

int bond_rebalance(struct bond *bond, uint64_t now_ms, const uint64_t *tx_bytes)
{
    if (!bond)
        return -EINVAL;
    if (tx_bytes)
        for (unsigned b = 0; b < BOND_BUCKETS; b++)
            bond->buckets[b].tx_bytes += tx_bytes[b];
    enum bond_mode mode;
    if (!is_balanced(bond) || !bond->s.rebalance_interval_ms || now_ms < bond->next_rebalance)
        return 0;
    bond->next_rebalance = now_ms + bond->s.rebalance_interval_ms;
    if (!effective_mode(bond, &mode) || mode == BOND_MODE_ACTIVE_BACKUP)
        return 0;

    struct bond_member **order = bond->scratch;
    size_t n = 0;
    for (size_t i = 0; i < bond->n_members; i++) {
        struct bond_member *m = bond->members[i];
        m->tx_bytes = 0;
        if (m->enabled)
            order[n++] = m;
    }
    for (unsigned b = 0; b < BOND_BUCKETS; b++)
        if (bond->buckets[b].member)
            bond->buckets[b].member->tx_bytes += bond->buckets[b].tx_bytes;

    /* A bucket moved this round is not moved again (OVS drops it from the
     * source's list and does not add it to the target's). */
    bool moved[BOND_BUCKETS];
    memset(moved, 0, sizeof moved);
    int n_moved = 0;
    sort_by_load(order, n);
    while (n >= 2) {
        struct bond_member *from = order[0], *to = order[n - 1];
        uint64_t overload = from->tx_bytes - to->tx_bytes;
        /* Less than ~3% or ~1 Mbps more than the idlest: not worth moving. */
        if (overload < to->tx_bytes >> 5 || overload < 100000)
            break;
        struct bond_bucket *bk = choose_bucket_to_move(bond, from, to->tx_bytes, moved);
        if (bk) {
            from->tx_bytes -= bk->tx_bytes;
            to->tx_bytes += bk->tx_bytes;
            bk->member = to;
            moved[bk - bond->buckets] = true;
            n_moved++;
            sort_by_load(order, n);
        } else {
            /* Nothing useful to take from `from`: drop it from the list. */
            memmove(&order[0], &order[1], (n - 1) * sizeof order[0]);
            n--;
        }
    }
    /* Exponentially weighted history: old load halves every interval. */
    for (unsigned b = 0; b < BOND_BUCKETS; b++)
        bond->buckets[b].tx_bytes /= 2;
    if (n_moved)
        bond->pending |= BOND_RUN_REVALIDATE;
    return n_moved;
}

enum bond_mode bond_get_mode(const struct bond *bond)
{
    return bond->s.mode;
}

uint32_t bond_get_active_member(const struct bond *bond)
{
    return bond && bond->active ? bond->active->id : BOND_NO_MEMBER;
}

void bond_get_active_member_mac(const struct bond *bond, uint8_t mac[6])
{
    memcpy(mac, bond->active_mac, 6);
}

size_t bond_member_count(const struct bond *bond)
{
    return bond ? bond->n_members : 0;
}

int bond_get_member_status(const struct bond *bond, size_t index,
                           struct bond_member_status *out)
{
    if (!bond || index >= bond->n_members)
        return -ENOENT;
    const struct bond_member *m = bond->members[index];
    memset(out, 0, sizeof *out);
    out->id = m->id;
    out->name = m->name;
    memcpy(out->mac, m->mac, 6);
    out->enabled = m->enabled;
    out->may_enable = m->may_enable;
    out->carrier = m->carrier;
    out->admin_disabled = m->admin_disabled;
    out->active = bond->active == m;
    out->delay_pending = m->delay_expires != NO_DEADLINE;
    out->delay_expires_ms = out->delay_pending ? m->delay_expires : 0;
    return 0;
}

uint32_t bond_bucket_member(const struct bond *bond, unsigned bucket, uint64_t *tx_bytes)
{
    const struct bond_bucket *bk = &bond->buckets[bucket % BOND_BUCKETS];
    if (tx_bytes)
        *tx_bytes = bk->tx_bytes;
    return bk->member ? bk->member->id : BOND_NO_MEMBER;
}

const struct bond_settings *bond_get_settings(const struct bond *bond)
{
    return &bond->s;
}

enum lacp_status bond_get_lacp_status(const struct bond *bond)
{
    return bond->lacp_status;
}

uint64_t bond_get_next_rebalance(const struct bond *bond)
{
    if (!is_balanced(bond) || !bond->s.rebalance_interval_ms)
        return NO_DEADLINE;
    return bond->next_rebalance;
}
