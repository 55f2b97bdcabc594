/* LACP with a fake clock: LACPDU and Marker wire format, malformed PDUs,
 * two bonds wired back to back negotiating, timeouts, passive ends, carrier
 * loss, fallback-ab, and lacp/show + lacp/show-stats text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "switching/bond_show.h"
#include "switching/lacp.h"
#include "util/strbuf.h"

#define SEC 1000ull

static const uint8_t MAC_A[6] = { 0x72, 0x5e, 0x45, 0x83, 0xdd, 0x47 };
static const uint8_t MAC_B[6] = { 0x1e, 0x9e, 0x71, 0xdb, 0xb0, 0x4d };

/* ---- wire format ---- */

static struct lacpdu sample_pdu(void)
{
    struct lacpdu pdu = {
        .actor = { 65534, { 1, 2, 3, 4, 5, 6 }, 7, 65535, 3, 0x3d },
        .partner = { 100, { 0xa, 0xb, 0xc, 0xd, 0xe, 0xf }, 9, 128, 0x1234, 0x4f },
        .collector_max_delay = 5,
    };
    return pdu;
}

static void test_lacpdu_round_trip(void **state)
{
    struct lacpdu pdu = sample_pdu(), back;
    uint8_t frame[LACP_FRAME_LEN + 10];
    assert_int_equal(lacpdu_encode(&pdu, MAC_A, frame, sizeof frame), LACP_FRAME_LEN);
    assert_int_equal(lacpdu_encode(&pdu, MAC_A, frame, LACP_FRAME_LEN - 1), -ENOSPC);

    /* The bytes 802.1AX puts where. */
    static const uint8_t dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 };
    assert_memory_equal(frame, dst, 6);
    assert_memory_equal(frame + 6, MAC_A, 6);
    assert_int_equal(frame[12], 0x88);
    assert_int_equal(frame[13], 0x09);
    const uint8_t *p = frame + 14;
    assert_int_equal(p[0], 1);      /* subtype */
    assert_int_equal(p[1], 1);      /* version */
    assert_int_equal(p[2], 1);
    assert_int_equal(p[3], 20);
    assert_int_equal(p[4], 0xff);   /* sys prio 65534 */
    assert_int_equal(p[5], 0xfe);
    assert_int_equal(p[18], 0x3d);  /* actor state */
    assert_int_equal(p[22], 2);
    assert_int_equal(p[23], 20);
    assert_int_equal(p[36], 0x12);  /* partner port */
    assert_int_equal(p[37], 0x34);
    assert_int_equal(p[42], 3);
    assert_int_equal(p[43], 16);
    assert_int_equal(p[45], 5);
    assert_int_equal(p[58], 0);
    assert_int_equal(p[59], 0);

    assert_true(lacp_frame_is_slow_protocols(frame, LACP_FRAME_LEN));
    assert_int_equal(lacp_frame_subtype(frame, LACP_FRAME_LEN), LACP_SUBTYPE_LACP);
    assert_int_equal(lacpdu_decode(frame, LACP_FRAME_LEN, &back), 0);
    assert_memory_equal(&back.actor, &pdu.actor, sizeof pdu.actor);
    assert_memory_equal(&back.partner, &pdu.partner, sizeof pdu.partner);
    assert_int_equal(back.collector_max_delay, 5);
    /* Trailing bytes (Ethernet padding) do not matter. */
    assert_int_equal(lacpdu_decode(frame, sizeof frame, &back), 0);
}

static void test_marker_round_trip(void **state)
{
    struct lacp_marker m = { LACP_MARKER_REQUEST, 7, { 1, 2, 3, 4, 5, 6 }, 0xdeadbeef }, back;
    uint8_t frame[LACP_FRAME_LEN];
    assert_int_equal(lacp_marker_encode(&m, MAC_B, frame, sizeof frame), LACP_FRAME_LEN);
    assert_int_equal(lacp_frame_subtype(frame, sizeof frame), LACP_SUBTYPE_MARKER);
    assert_int_equal(lacp_marker_decode(frame, sizeof frame, &back), 0);
    assert_int_equal(back.type, LACP_MARKER_REQUEST);
    assert_int_equal(back.requester_port, 7);
    assert_int_equal(back.requester_transaction_id, 0xdeadbeef);
    assert_memory_equal(back.requester_system, m.requester_system, 6);
    struct lacpdu pdu;
    assert_int_equal(lacpdu_decode(frame, sizeof frame, &pdu), -EINVAL);
    frame[14 + 3] = 15;
    assert_int_equal(lacp_marker_decode(frame, sizeof frame, &back), -EINVAL);
}

static struct lacp *make_lacp(const char *name, const uint8_t sys[6], bool active, bool fast)
{
    struct lacp_settings s = { .name = name, .active = active, .fast = fast };
    memcpy(s.sys_id, sys, 6);
    struct lacp *lacp = lacp_create(&s);
    assert_non_null(lacp);
    return lacp;
}

static void add_member(struct lacp *lacp, uint32_t id, const char *name, uint16_t port)
{
    struct lacp_member_settings ms = { .name = name, .port_id = port, .carrier = true };
    ms.mac[0] = 0x02;
    ms.mac[5] = (uint8_t)id;
    assert_int_equal(lacp_member_add(lacp, id, &ms), 0);
}

static struct lacp_member_stats stats_of(const struct lacp *lacp, uint32_t id)
{
    struct lacp_member_status st;
    assert_int_equal(lacp_find_member_status(lacp, id, &st), 0);
    return st.stats;
}

static void test_malformed_rejected_and_counted(void **state)
{
    struct lacp *lacp = make_lacp("bond0", MAC_A, true, false);
    add_member(lacp, 1, "eth0", 1);
    struct lacpdu pdu = sample_pdu();
    uint8_t frame[LACP_FRAME_LEN], bad[LACP_FRAME_LEN];
    lacpdu_encode(&pdu, MAC_B, frame, sizeof frame);

    struct lacpdu out;
    for (size_t len = 0; len < LACP_FRAME_LEN; len++) {
        assert_int_equal(lacpdu_decode(frame, len, &out), -EINVAL);
        assert_int_equal(lacp_rx_pdu(lacp, 1, frame, len, 0), -EINVAL);
    }
    assert_int_equal(stats_of(lacp, 1).rx_bad_pdus, LACP_FRAME_LEN);

    /* Each TLV header octet corrupted, the version zeroed, an unknown subtype,
     * a wrong ethertype. */
    static const size_t offsets[] = { 2, 3, 22, 23, 42, 43, 58, 59 };
    unsigned n_bad = 0;
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        memcpy(bad, frame, sizeof bad);
        bad[14 + offsets[i]] ^= 0x11;
        assert_int_equal(lacpdu_decode(bad, sizeof bad, &out), -EINVAL);
        assert_int_equal(lacp_rx_pdu(lacp, 1, bad, sizeof bad, 0), -EINVAL);
        n_bad++;
    }
    memcpy(bad, frame, sizeof bad);
    bad[15] = 0;
    assert_int_equal(lacp_rx_pdu(lacp, 1, bad, sizeof bad, 0), -EINVAL);
    bad[15] = 1;
    bad[14] = 9;
    assert_int_equal(lacp_rx_pdu(lacp, 1, bad, sizeof bad, 0), -EINVAL);
    memcpy(bad, frame, sizeof bad);
    bad[13] = 0x08;
    assert_int_equal(lacp_rx_pdu(lacp, 1, bad, sizeof bad, 0), -EINVAL);
    n_bad += 3;
    assert_int_equal(stats_of(lacp, 1).rx_bad_pdus, LACP_FRAME_LEN + n_bad);
    assert_int_equal(stats_of(lacp, 1).rx_pdus, 0);

    /* The member's state is untouched by all that. */
    struct lacp_member_status st;
    lacp_find_member_status(lacp, 1, &st);
    assert_int_equal(st.rx_state, LACP_RX_DEFAULTED);
    assert_int_equal(lacp_rx_pdu(lacp, 9, frame, sizeof frame, 0), -ENOENT);
    assert_int_equal(lacp_rx_pdu(lacp, 1, frame, sizeof frame, 0), 0);
    assert_int_equal(stats_of(lacp, 1).rx_pdus, 1);
    lacp_destroy(lacp);
}

/* ---- two bonds back to back ---- */

#define MAX_QUEUED 64

struct frame_queue {
    size_t n;
    uint32_t member[MAX_QUEUED];
    uint8_t frame[MAX_QUEUED][LACP_FRAME_LEN];
};

struct wire {
    struct lacp *a, *b;
    struct frame_queue to_b, to_a;    /* what each sent, until delivered */
    uint32_t a_peer[8], b_peer[8];    /* member id on the other side, by id */
    bool cut_b_to_a;                  /* drop B's frames */
    unsigned sent_a, sent_b;
};

static void queue_frame(struct frame_queue *q, uint32_t member, const uint8_t *frame,
                        size_t len)
{
    assert_true(q->n < MAX_QUEUED);
    assert_int_equal(len, LACP_FRAME_LEN);
    q->member[q->n] = member;
    memcpy(q->frame[q->n], frame, len);
    q->n++;
}

static void send_from_a(void *aux, uint32_t member, const uint8_t *frame, size_t len)
{
    struct wire *w = aux;
    w->sent_a++;
    queue_frame(&w->to_b, w->a_peer[member], frame, len);
}

static void send_from_b(void *aux, uint32_t member, const uint8_t *frame, size_t len)
{
    struct wire *w = aux;
    w->sent_b++;
    if (!w->cut_b_to_a)
        queue_frame(&w->to_a, w->b_peer[member], frame, len);
}

static void deliver(struct lacp *lacp, struct frame_queue *q, uint64_t now)
{
    for (size_t i = 0; i < q->n; i++)
        assert_int_equal(lacp_rx_pdu(lacp, q->member[i], q->frame[i], LACP_FRAME_LEN, now), 0);
    q->n = 0;
}

/* Runs both ends at `now` until no frame is in flight. */
static void settle(struct wire *w, uint64_t now)
{
    for (int round = 0; round < 20; round++) {
        lacp_run(w->a, now, send_from_a, w);
        lacp_run(w->b, now, send_from_b, w);
        if (!w->to_a.n && !w->to_b.n)
            return;
        deliver(w->b, &w->to_b, now);
        deliver(w->a, &w->to_a, now);
    }
    fail_msg("LACP did not settle");
}

/* Steps the clock by 100 ms from `from` to `to`, settling at each step. */
static void run_until(struct wire *w, uint64_t from, uint64_t to)
{
    for (uint64_t t = from; t <= to; t += 100)
        settle(w, t);
}

/* Bond A (eth-a1 port 1, eth-a2 port 2) wired to bond B (eth-b2 port 1,
 * eth-b1 port 2): a1-b1, a2-b2, as the compat capture. */
static void wire_up(struct wire *w, bool a_active, bool a_fast, bool b_active, bool b_fast)
{
    memset(w, 0, sizeof *w);
    w->a = make_lacp("bonda", MAC_A, a_active, a_fast);
    w->b = make_lacp("bondb", MAC_B, b_active, b_fast);
    add_member(w->a, 1, "cpa1", 1);
    add_member(w->a, 2, "cpa2", 2);
    add_member(w->b, 5, "cpb2", 1);
    add_member(w->b, 6, "cpb1", 2);
    w->a_peer[1] = 6;
    w->a_peer[2] = 5;
    w->b_peer[6] = 1;
    w->b_peer[5] = 2;
}

static void unwire(struct wire *w)
{
    lacp_destroy(w->a);
    lacp_destroy(w->b);
}

static void assert_negotiated(const struct lacp *lacp, uint32_t m1, uint32_t m2)
{
    assert_int_equal(lacp_get_status(lacp), LACP_STATUS_NEGOTIATED);
    uint32_t ids[2] = { m1, m2 };
    for (int i = 0; i < 2; i++) {
        struct lacp_member_status st;
        assert_int_equal(lacp_find_member_status(lacp, ids[i], &st), 0);
        assert_true(st.may_enable);
        assert_true(st.attached);
        assert_int_equal(st.rx_state, LACP_RX_CURRENT);
        uint8_t want = LACP_STATE_SYNCHRONIZATION | LACP_STATE_COLLECTING
                       | LACP_STATE_DISTRIBUTING | LACP_STATE_AGGREGATION;
        assert_int_equal(st.actor.state & want, want);
        assert_int_equal(st.partner.state & want, want);
    }
}

static void test_active_active_negotiate(void **state)
{
    struct wire w;
    wire_up(&w, true, false, true, true);
    settle(&w, 0);
    assert_negotiated(w.a, 1, 2);
    assert_negotiated(w.b, 5, 6);
    /* Per link and end, both starting at once: the first PDU (defaulted), the
     * one after attaching (in sync), and one more because the partner's
     * answer still echoed our first state: 3 x 2 ends x 2 links. */
    assert_int_equal(w.sent_a, 6);
    assert_int_equal(w.sent_b, 6);

    /* Periodic: B is fast, so A sends every second; B sends every 30 s. */
    w.sent_a = w.sent_b = 0;
    run_until(&w, 100, 30 * SEC);
    assert_int_equal(w.sent_a, 2 * 30);
    assert_int_equal(w.sent_b, 2 * 1);
    assert_negotiated(w.a, 1, 2);
    assert_negotiated(w.b, 5, 6);
    assert_int_equal(lacp_next_wake(w.a), 31 * SEC);
    unwire(&w);
}

static void test_active_passive(void **state)
{
    struct wire w;
    wire_up(&w, true, true, false, true);
    /* The passive end says nothing until it hears from the active end. */
    lacp_run(w.b, 0, send_from_b, &w);
    assert_int_equal(w.sent_b, 0);
    settle(&w, 0);
    assert_negotiated(w.a, 1, 2);
    assert_negotiated(w.b, 5, 6);
    /* Per link: A's first PDU, B's answer, A's synchronized PDU. */
    assert_int_equal(w.sent_a, 4);
    assert_int_equal(w.sent_b, 2);
    struct strbuf sb = STRBUF_INIT;
    lacp_format_show(&sb, w.b);
    assert_non_null(strstr(strbuf_cstr(&sb), "  status: passive negotiated\n"));
    strbuf_free(&sb);
    unwire(&w);
}

static void test_passive_passive_never(void **state)
{
    struct wire w;
    wire_up(&w, false, true, false, true);
    run_until(&w, 0, 100 * SEC);
    assert_int_equal(w.sent_a + w.sent_b, 0);
    assert_int_equal(lacp_get_status(w.a), LACP_STATUS_CONFIGURED);
    assert_false(lacp_member_may_enable(w.a, 1));
    assert_false(lacp_member_may_enable(w.b, 5));
    unwire(&w);
}

static void check_expiry(bool fast, uint64_t timeout)
{
    struct wire w;
    wire_up(&w, true, fast, true, true);
    settle(&w, 0);
    assert_negotiated(w.a, 1, 2);
    /* B keeps running but its frames no longer reach A. */
    w.cut_b_to_a = true;
    struct lacp_member_status st;
    /* The last PDU from B arrived at 0: current until timeout - 1. */
    settle(&w, timeout - 1);
    lacp_find_member_status(w.a, 1, &st);
    assert_int_equal(st.rx_state, LACP_RX_CURRENT);
    assert_true(st.may_enable);
    settle(&w, timeout);
    lacp_find_member_status(w.a, 1, &st);
    assert_int_equal(st.rx_state, LACP_RX_EXPIRED);
    assert_false(st.may_enable);
    assert_true(st.actor.state & LACP_STATE_EXPIRED);
    assert_int_equal(st.stats.link_expired, 1);
    /* Expired: the partner is given one more short timeout. */
    settle(&w, timeout + 3 * SEC - 1);
    lacp_find_member_status(w.a, 1, &st);
    assert_int_equal(st.rx_state, LACP_RX_EXPIRED);
    settle(&w, timeout + 3 * SEC);
    lacp_find_member_status(w.a, 1, &st);
    assert_int_equal(st.rx_state, LACP_RX_DEFAULTED);
    assert_int_equal(st.stats.link_defaulted, 1);
    assert_true(st.actor.state & LACP_STATE_DEFAULTED);
    assert_int_equal(st.partner.port_id, 0);
    assert_int_equal(lacp_get_status(w.a), LACP_STATUS_CONFIGURED);
    assert_false(lacp_member_may_enable(w.a, 2));

    /* B comes back: negotiated again at once. */
    w.cut_b_to_a = false;
    uint64_t t = timeout + 3 * SEC + 1;
    settle(&w, t);
    settle(&w, t + 31 * SEC);
    assert_negotiated(w.a, 1, 2);
    unwire(&w);
}

static void test_expiry_fast(void **state)
{
    check_expiry(true, 3 * SEC);
}

static void test_expiry_slow(void **state)
{
    check_expiry(false, 90 * SEC);
}

static void test_carrier_loss(void **state)
{
    struct wire w;
    wire_up(&w, true, true, true, true);
    settle(&w, 0);
    assert_negotiated(w.a, 1, 2);
    assert_int_equal(lacp_member_set_carrier(w.a, 1, false), 0);
    assert_false(lacp_member_may_enable(w.a, 1));
    struct lacp_member_status st;
    lacp_find_member_status(w.a, 1, &st);
    assert_int_equal(st.rx_state, LACP_RX_DEFAULTED);
    assert_int_equal(st.stats.carrier_changed, 1);
    /* The other member is unaffected; nothing is sent on the dead link. */
    w.sent_a = 0;
    lacp_run(w.a, 100, send_from_a, &w);
    assert_true(lacp_member_may_enable(w.a, 2));
    assert_int_equal(lacp_get_status(w.a), LACP_STATUS_NEGOTIATED);
    uint8_t buf[LACP_FRAME_LEN];
    assert_int_equal(lacp_tx_due(w.a, 1, 100, buf, sizeof buf), 0);
    /* A PDU arriving on the dead link is dropped. */
    struct lacpdu pdu = sample_pdu();
    lacpdu_encode(&pdu, MAC_B, buf, sizeof buf);
    assert_int_equal(lacp_rx_pdu(w.a, 1, buf, sizeof buf, 100), -ENETDOWN);
    lacp_find_member_status(w.a, 1, &st);
    assert_int_equal(st.rx_state, LACP_RX_DEFAULTED);
    w.to_a.n = 0;
    w.to_b.n = 0;

    /* Carrier back: A speaks first, both sides negotiate again. */
    assert_int_equal(lacp_member_set_carrier(w.a, 1, true), 0);
    settle(&w, 200);
    assert_negotiated(w.a, 1, 2);
    lacp_find_member_status(w.a, 1, &st);
    assert_int_equal(st.stats.carrier_changed, 2);
    unwire(&w);
}

static void test_fallback_ab(void **state)
{
    struct lacp_settings s = { .name = "bond0", .active = true, .fallback_ab = true };
    memcpy(s.sys_id, MAC_A, 6);
    struct lacp *lacp = lacp_create(&s);
    add_member(lacp, 1, "eth0", 1);
    add_member(lacp, 2, "eth1", 2);
    lacp_run(lacp, 0, NULL, NULL);
    /* Nobody answers: not negotiated, but the members may carry traffic (the
     * bond then runs them as active-backup). */
    assert_int_equal(lacp_get_status(lacp), LACP_STATUS_CONFIGURED);
    assert_true(lacp_member_may_enable(lacp, 1));
    assert_true(lacp_member_may_enable(lacp, 2));
    lacp_member_set_carrier(lacp, 2, false);
    lacp_run(lacp, 1, NULL, NULL);
    assert_false(lacp_member_may_enable(lacp, 2));
    s.fallback_ab = false;
    assert_int_equal(lacp_configure(lacp, &s), 0);
    lacp_run(lacp, 2, NULL, NULL);
    assert_false(lacp_member_may_enable(lacp, 1));
    lacp_destroy(lacp);
}

static void test_marker_answered(void **state)
{
    struct lacp *lacp = make_lacp("bond0", MAC_A, false, false);
    add_member(lacp, 1, "eth0", 1);
    struct lacp_marker m = { LACP_MARKER_REQUEST, 3, { 9, 9, 9, 9, 9, 9 }, 42 }, back;
    uint8_t frame[LACP_FRAME_LEN];
    lacp_marker_encode(&m, MAC_B, frame, sizeof frame);
    assert_int_equal(lacp_rx_pdu(lacp, 1, frame, sizeof frame, 0), 0);
    assert_int_equal(stats_of(lacp, 1).rx_marker_requests, 1);
    assert_int_equal(lacp_next_wake(lacp), 0);
    uint8_t out[LACP_FRAME_LEN];
    /* Passive and defaulted: the response is the only thing it sends. */
    assert_int_equal(lacp_tx_due(lacp, 1, 0, out, sizeof out), LACP_FRAME_LEN);
    assert_int_equal(lacp_marker_decode(out, sizeof out, &back), 0);
    assert_int_equal(back.type, LACP_MARKER_RESPONSE);
    assert_int_equal(back.requester_port, 3);
    assert_int_equal(back.requester_transaction_id, 42);
    assert_int_equal(lacp_tx_due(lacp, 1, 0, out, sizeof out), 0);
    assert_int_equal(stats_of(lacp, 1).tx_pdus, 0);
    lacp_destroy(lacp);
}

static void test_loopback_not_attached(void **state)
{
    /* Both members of one bond wired to each other. */
    struct lacp *lacp = make_lacp("bond0", MAC_A, true, true);
    add_member(lacp, 1, "eth0", 1);
    add_member(lacp, 2, "eth1", 2);
    uint8_t buf[LACP_FRAME_LEN];
    for (uint64_t t = 0; t < 5; t++) {
        lacp_run(lacp, t, NULL, NULL);
        int n1 = lacp_tx_due(lacp, 1, t, buf, sizeof buf);
        if (n1 > 0)
            lacp_rx_pdu(lacp, 2, buf, (size_t)n1, t);
        int n2 = lacp_tx_due(lacp, 2, t, buf, sizeof buf);
        if (n2 > 0)
            lacp_rx_pdu(lacp, 1, buf, (size_t)n2, t);
    }
    assert_false(lacp_member_may_enable(lacp, 1));
    assert_false(lacp_member_may_enable(lacp, 2));
    assert_int_equal(lacp_get_status(lacp), LACP_STATUS_CONFIGURED);
    lacp_destroy(lacp);
}

/* ---- text ---- */

static const char LACP_SHOW_BONDA[] =
    "---- bonda ----\n"
    "  status: active negotiated\n"
    "  sys_id: 72:5e:45:83:dd:47\n"
    "  sys_priority: 65534\n"
    "  aggregation key: 1\n"
    "  lacp_time: slow\n"
    "\n"
    "member: cpa1: current attached\n"
    "  port_id: 1\n"
    "  port_priority: 65535\n"
    "  may_enable: true\n"
    "\n"
    "  actor sys_id: 72:5e:45:83:dd:47\n"
    "  actor sys_priority: 65534\n"
    "  actor port_id: 1\n"
    "  actor port_priority: 65535\n"
    "  actor key: 1\n"
    "  actor state: activity aggregation synchronized collecting distributing\n"
    "\n"
    "  partner sys_id: 1e:9e:71:db:b0:4d\n"
    "  partner sys_priority: 65534\n"
    "  partner port_id: 2\n"
    "  partner port_priority: 65535\n"
    "  partner key: 1\n"
    "  partner state: activity timeout aggregation synchronized collecting distributing\n"
    "\n"
    "member: cpa2: current attached\n"
    "  port_id: 2\n"
    "  port_priority: 65535\n"
    "  may_enable: true\n"
    "\n"
    "  actor sys_id: 72:5e:45:83:dd:47\n"
    "  actor sys_priority: 65534\n"
    "  actor port_id: 2\n"
    "  actor port_priority: 65535\n"
    "  actor key: 1\n"
    "  actor state: activity aggregation synchronized collecting distributing\n"
    "\n"
    "  partner sys_id: 1e:9e:71:db:b0:4d\n"
    "  partner sys_priority: 65534\n"
    "  partner port_id: 1\n"
    "  partner port_priority: 65535\n"
    "  partner key: 1\n"
    "  partner state: activity timeout aggregation synchronized collecting distributing\n";

static const char LACP_SHOW_BONDB[] =
    "---- bondb ----\n"
    "  status: active negotiated\n"
    "  sys_id: 1e:9e:71:db:b0:4d\n"
    "  sys_priority: 65534\n"
    "  aggregation key: 1\n"
    "  lacp_time: fast\n"
    "\n"
    "member: cpb1: current attached\n"
    "  port_id: 2\n"
    "  port_priority: 65535\n"
    "  may_enable: true\n"
    "\n"
    "  actor sys_id: 1e:9e:71:db:b0:4d\n"
    "  actor sys_priority: 65534\n"
    "  actor port_id: 2\n"
    "  actor port_priority: 65535\n"
    "  actor key: 1\n"
    "  actor state: activity timeout aggregation synchronized collecting distributing\n"
    "\n"
    "  partner sys_id: 72:5e:45:83:dd:47\n"
    "  partner sys_priority: 65534\n"
    "  partner port_id: 1\n"
    "  partner port_priority: 65535\n"
    "  partner key: 1\n"
    "  partner state: activity aggregation synchronized collecting distributing\n"
    "\n"
    "member: cpb2: current attached\n"
    "  port_id: 1\n"
    "  port_priority: 65535\n"
    "  may_enable: true\n"
    "\n"
    "  actor sys_id: 1e:9e:71:db:b0:4d\n"
    "  actor sys_priority: 65534\n"
    "  actor port_id: 1\n"
    "  actor port_priority: 65535\n"
    "  actor key: 1\n"
    "  actor state: activity timeout aggregation synchronized collecting distributing\n"
    "\n"
    "  partner sys_id: 72:5e:45:83:dd:47\n"
    "  partner sys_priority: 65534\n"
    "  partner port_id: 2\n"
    "  partner port_priority: 65535\n"
    "  partner key: 1\n"
    "  partner state: activity aggregation synchronized collecting distributing\n";

static const char LACP_STATS[] =
    "---- bonda statistics ----\n"
    "\n"
    "member: cpa1:\n"
    "  TX PDUs: 8\n"
    "  RX PDUs: 3\n"
    "  RX Bad PDUs: 0\n"
    "  RX Marker Request PDUs: 0\n"
    "  Link Expired: 0\n"
    "  Link Defaulted: 0\n"
    "  Carrier Status Changed: 0\n"
    "\n"
    "member: cpa2:\n"
    "  TX PDUs: 8\n"
    "  RX PDUs: 3\n"
    "  RX Bad PDUs: 0\n"
    "  RX Marker Request PDUs: 0\n"
    "  Link Expired: 0\n"
    "  Link Defaulted: 0\n"
    "  Carrier Status Changed: 0\n"
    "---- bondb statistics ----\n"
    "\n"
    "member: cpb1:\n"
    "  TX PDUs: 3\n"
    "  RX PDUs: 8\n"
    "  RX Bad PDUs: 0\n"
    "  RX Marker Request PDUs: 0\n"
    "  Link Expired: 0\n"
    "  Link Defaulted: 0\n"
    "  Carrier Status Changed: 0\n"
    "\n"
    "member: cpb2:\n"
    "  TX PDUs: 3\n"
    "  RX PDUs: 8\n"
    "  RX Bad PDUs: 0\n"
    "  RX Marker Request PDUs: 0\n"
    "  Link Expired: 0\n"
    "  Link Defaulted: 0\n"
    "  Carrier Status Changed: 0\n";

static void test_show_matches_ovs(void **state)
{
    /* The compat capture: bonda slow, bondb fast, both active. */
    struct wire w;
    wire_up(&w, true, false, true, true);
    run_until(&w, 0, 5 * SEC);
    struct strbuf sb = STRBUF_INIT;
    lacp_format_show(&sb, w.a);
    lacp_format_show(&sb, w.b);
    struct strbuf want = STRBUF_INIT;
    strbuf_puts(&want, LACP_SHOW_BONDA);
    strbuf_puts(&want, LACP_SHOW_BONDB);
    assert_string_equal(strbuf_cstr(&sb), strbuf_cstr(&want));

    strbuf_clear(&sb);
    lacp_format_stats(&sb, w.a);
    lacp_format_stats(&sb, w.b);
    assert_string_equal(strbuf_cstr(&sb), LACP_STATS);
    strbuf_free(&sb);
    strbuf_free(&want);
    unwire(&w);
}

static void test_bad_settings(void **state)
{
    struct lacp_settings s = { .name = NULL };
    assert_null(lacp_create(&s));
    struct lacp *lacp = make_lacp("b", MAC_A, true, false);
    struct lacp_member_settings ms = { .name = "eth0", .port_id = 0 };
    assert_int_equal(lacp_member_add(lacp, 1, &ms), -EINVAL);
    assert_int_equal(lacp_member_remove(lacp, 1), -ENOENT);
    assert_int_equal(lacp_member_set_carrier(lacp, 1, true), -ENOENT);
    struct lacp_bond_status bs;
    lacp_get_bond_status(lacp, &bs);
    assert_int_equal(bs.key, -1);
    assert_int_equal(bs.sys_priority, 65534);
    struct strbuf sb = STRBUF_INIT;
    lacp_format_show(&sb, lacp);
    assert_string_equal(strbuf_cstr(&sb), "---- b ----\n  status: active\n"
                        "  sys_id: 72:5e:45:83:dd:47\n  sys_priority: 65534\n"
                        "  aggregation key: none\n  lacp_time: slow\n");
    strbuf_free(&sb);
    add_member(lacp, 1, "eth0", 7);
    add_member(lacp, 2, "eth1", 8);
    lacp_get_bond_status(lacp, &bs);
    assert_int_equal(bs.key, 7);
    assert_int_equal(lacp_member_remove(lacp, 1), 0);
    lacp_get_bond_status(lacp, &bs);
    assert_int_equal(bs.key, 8);
    assert_int_equal(lacp_get_status(NULL), LACP_STATUS_OFF);
    lacp_destroy(lacp);
    lacp_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lacpdu_round_trip),
        cmocka_unit_test(test_marker_round_trip),
        cmocka_unit_test(test_malformed_rejected_and_counted),
        cmocka_unit_test(test_active_active_negotiate),
        cmocka_unit_test(test_active_passive),
        cmocka_unit_test(test_passive_passive_never),
        cmocka_unit_test(test_expiry_fast),
        cmocka_unit_test(test_expiry_slow),
        cmocka_unit_test(test_carrier_loss),
        cmocka_unit_test(test_fallback_ab),
        cmocka_unit_test(test_marker_answered),
        cmocka_unit_test(test_loopback_not_attached),
        cmocka_unit_test(test_show_matches_ovs),
        cmocka_unit_test(test_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
