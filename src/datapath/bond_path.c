/* The fast path's part of bonds: which member a frame leaves on, whether a
 * frame may come in on a member, and LACPDUs handed to the control thread. */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "datapath/datapath.h"
#include "packet/headers.h"
#include "switching/bond.h"

#define ETH_TYPE_SLOW_PROTOCOLS 0x8809

int dp_bond_state_init(struct dp_bond_state *state)
{
    memset(state, 0, sizeof *state);
    state->active = DP_BOND_NO_MEMBER;
    memset(state->bucket_member, DP_BOND_NO_MEMBER, sizeof state->bucket_member);
    pthread_mutex_init(&state->pdu_lock, NULL);
    state->pdu_event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return state->pdu_event_fd < 0 ? -errno : 0;
}

void dp_bond_state_destroy(struct dp_bond_state *state)
{
    pthread_mutex_destroy(&state->pdu_lock);
    if (state->pdu_event_fd >= 0)
        close(state->pdu_event_fd);
}

unsigned dp_bond_bucket(uint8_t mode, uint32_t basis, const struct packet *pkt, uint16_t vlan)
{
    if (mode == DP_BOND_BALANCE_TCP) {
        struct packet_headers hdr;
        if (packet_parse(pkt->data, pkt->len, &hdr) == 0)
            return packet_flow_hash(&hdr, basis) & (DP_BOND_BUCKETS - 1);
        return 0;
    }
    /* balance-slb: source MAC and VLAN only, so a MAC stays on one member;
     * the same hash bond/hash shows. */
    return bond_hash_mac(pkt->data + 6, vlan, basis) & (DP_BOND_BUCKETS - 1);
}

int dp_bond_choose_member(const struct dp_port *port, const struct packet *pkt, uint16_t vlan)
{
    const struct dp_bond_state *state = port->bond;
    uint8_t mode = state->mode;
    uint8_t member;
    if (mode == DP_BOND_ACTIVE_BACKUP) {
        member = __atomic_load_n(&state->active, __ATOMIC_RELAXED);
    } else {
        unsigned bucket = dp_bond_bucket(mode, __atomic_load_n(&state->hash_basis,
                                                               __ATOMIC_RELAXED), pkt, vlan);
        member = __atomic_load_n(&state->bucket_member[bucket], __ATOMIC_RELAXED);
        __atomic_fetch_add((uint64_t *)&state->bucket_tx_bytes[bucket], pkt->len,
                           __ATOMIC_RELAXED);
    }
    if (member >= port->n_members || !port->members[member].netdev ||
        !__atomic_load_n(&state->rx_enabled[member], __ATOMIC_RELAXED))
        return -1;
    return member;
}

static void queue_pdu(struct dp_bond_state *state, int member, const struct packet *pkt)
{
    pthread_mutex_lock(&state->pdu_lock);
    if (state->pdu_count == DP_BOND_PDU_QUEUE) {
        state->pdus_dropped++;   /* the control thread is far behind: LACP retries */
        pthread_mutex_unlock(&state->pdu_lock);
        return;
    }
    struct dp_bond_pdu *pdu = &state->pdus[(state->pdu_head + state->pdu_count) %
                                           DP_BOND_PDU_QUEUE];
    pdu->member = (uint8_t)member;
    pdu->len = (uint16_t)(pkt->len < DP_BOND_PDU_MAX ? pkt->len : DP_BOND_PDU_MAX);
    memcpy(pdu->data, pkt->data, pdu->len);
    state->pdu_count++;
    pthread_mutex_unlock(&state->pdu_lock);
    uint64_t one = 1;
    if (write(state->pdu_event_fd, &one, sizeof one) < 0)
        return;   /* counter saturated: the control thread will drain the queue anyway */
}

bool dp_bond_take_pdu(struct dp_bond_state *state, struct dp_bond_pdu *pdu)
{
    pthread_mutex_lock(&state->pdu_lock);
    bool any = state->pdu_count > 0;
    if (any) {
        *pdu = state->pdus[state->pdu_head];
        state->pdu_head = (state->pdu_head + 1) % DP_BOND_PDU_QUEUE;
        state->pdu_count--;
    }
    pthread_mutex_unlock(&state->pdu_lock);
    return any;
}

bool dp_bond_admit(struct dp_port *port, int member, struct packet *pkt, uint16_t vlan,
                   uint32_t src_learned_port)
{
    struct dp_bond_state *state = port->bond;
    (void)vlan;
    if (pkt->len >= ETH_HEADER_LEN &&
        (pkt->data[12] << 8 | pkt->data[13]) == ETH_TYPE_SLOW_PROTOCOLS) {
        queue_pdu(state, member, pkt);   /* never learned, never flooded */
        return false;
    }
    if (member < 0 || (unsigned)member >= port->n_members ||
        !__atomic_load_n(&state->rx_enabled[member], __ATOMIC_RELAXED))
        return false;
    /* As OVS's bond_check_admissibility: a partner that negotiated LACP
     * knows the bond, so every enabled member may deliver anything. */
    if (__atomic_load_n(&state->lacp_negotiated, __ATOMIC_RELAXED))
        return true;
    uint8_t active = __atomic_load_n(&state->active, __ATOMIC_RELAXED);
    if (eth_addr_is_multicast(pkt->data) && member != active)
        return false;   /* broadcast and multicast on one member only */
    switch (state->mode) {
    case DP_BOND_ACTIVE_BACKUP:
        return member == active;
    case DP_BOND_BALANCE_SLB:
        /* Toward a switch that does not know this is a bond: drop our own
         * frames coming back (their source was learned on another port). */
        return src_learned_port == FDB_NO_PORT || src_learned_port == port->ofport;
    default:
        /* balance-tcp needs negotiated LACP, or falls back to active-backup. */
        return __atomic_load_n(&state->fallback_ab, __ATOMIC_RELAXED) && member == active;
    }
}
