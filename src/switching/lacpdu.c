/* LACPDU and Marker PDU wire format (IEEE 802.1AX-2008 5.4.2 and 6.5.3).
 *
 *   LACPDU after the Ethernet header (110 bytes):
 *     0  subtype 1, version 1
 *     2  actor TLV     type 1, len 20: sys prio, sys mac, key, port prio,
 *                                      port, state, 3 reserved
 *    22  partner TLV   type 2, len 20: same
 *    42  collector TLV type 3, len 16: max delay, 12 reserved
 *    58  terminator    type 0, len 0
 *    60  50 reserved
 *
 *   Marker PDU (110 bytes):
 *     0  subtype 2, version 1
 *     2  marker TLV    type 1 (information) or 2 (response), len 16:
 *                      requester port, requester system, transaction id, pad 2
 *    18  terminator    type 0, len 0
 *    20  90 reserved
 */
#include "switching/lacpdu.h"

#include <errno.h>
#include <string.h>

const uint8_t lacp_slow_protocols_mac[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x02 };

#define ETH_HDR_LEN 14
#define INFO_TLV_LEN 20
#define COLLECTOR_TLV_LEN 16
#define MARKER_TLV_LEN 16

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put_eth_header(uint8_t *buf, const uint8_t src_mac[6])
{
    memcpy(buf, lacp_slow_protocols_mac, 6);
    memcpy(buf + 6, src_mac, 6);
    put16(buf + 12, LACP_ETHERTYPE);
}

bool lacp_frame_is_slow_protocols(const uint8_t *frame, size_t len)
{
    return frame && len >= ETH_HDR_LEN && get16(frame + 12) == LACP_ETHERTYPE;
}

int lacp_frame_subtype(const uint8_t *frame, size_t len)
{
    if (!lacp_frame_is_slow_protocols(frame, len) || len < ETH_HDR_LEN + 1)
        return -EINVAL;
    return frame[ETH_HDR_LEN];
}

static void put_info_tlv(uint8_t *p, uint8_t type, const struct lacp_info *info)
{
    p[0] = type;
    p[1] = INFO_TLV_LEN;
    put16(p + 2, info->sys_priority);
    memcpy(p + 4, info->sys_id, 6);
    put16(p + 10, info->key);
    put16(p + 12, info->port_priority);
    put16(p + 14, info->port_id);
    p[16] = info->state;
    /* p[17..19] reserved, already zero */
}

static int get_info_tlv(const uint8_t *p, uint8_t type, struct lacp_info *info)
{
    if (p[0] != type || p[1] != INFO_TLV_LEN)
        return -EINVAL;
    info->sys_priority = get16(p + 2);
    memcpy(info->sys_id, p + 4, 6);
    info->key = get16(p + 10);
    info->port_priority = get16(p + 12);
    info->port_id = get16(p + 14);
    info->state = p[16];
    return 0;
}

int lacpdu_encode(const struct lacpdu *pdu, const uint8_t src_mac[6], uint8_t *buf,
                  size_t cap)
{
    if (!pdu || !src_mac || !buf || cap < LACP_FRAME_LEN)
        return -ENOSPC;
    memset(buf, 0, LACP_FRAME_LEN);
    put_eth_header(buf, src_mac);
    uint8_t *p = buf + ETH_HDR_LEN;
    p[0] = LACP_SUBTYPE_LACP;
    p[1] = 1;
    put_info_tlv(p + 2, 1, &pdu->actor);
    put_info_tlv(p + 22, 2, &pdu->partner);
    p[42] = 3;
    p[43] = COLLECTOR_TLV_LEN;
    put16(p + 44, pdu->collector_max_delay);
    /* terminator (type 0, len 0) and reserved octets stay zero */
    return LACP_FRAME_LEN;
}

int lacpdu_decode(const uint8_t *frame, size_t len, struct lacpdu *pdu)
{
    if (!pdu || len < LACP_FRAME_LEN || lacp_frame_subtype(frame, len) != LACP_SUBTYPE_LACP)
        return -EINVAL;
    const uint8_t *p = frame + ETH_HDR_LEN;
    uint8_t version = p[1];
    if (version < 1)
        return -EINVAL;
    struct lacpdu out;
    memset(&out, 0, sizeof out);
    if (get_info_tlv(p + 2, 1, &out.actor) || get_info_tlv(p + 22, 2, &out.partner))
        return -EINVAL;
    if (p[42] != 3 || p[43] != COLLECTOR_TLV_LEN)
        return -EINVAL;
    out.collector_max_delay = get16(p + 44);
    /* Version 1 ends with the terminator here; later versions may put more
     * TLVs first, which we do not interpret. */
    if (version == 1 && (p[58] != 0 || p[59] != 0))
        return -EINVAL;
    *pdu = out;
    return 0;
}

int lacp_marker_encode(const struct lacp_marker *marker, const uint8_t src_mac[6],
                       uint8_t *buf, size_t cap)
{
    if (!marker || !src_mac || !buf || cap < LACP_FRAME_LEN)
        return -ENOSPC;
    memset(buf, 0, LACP_FRAME_LEN);
    put_eth_header(buf, src_mac);
    uint8_t *p = buf + ETH_HDR_LEN;
    p[0] = LACP_SUBTYPE_MARKER;
    p[1] = 1;
    p[2] = (uint8_t)marker->type;
    p[3] = MARKER_TLV_LEN;
    put16(p + 4, marker->requester_port);
    memcpy(p + 6, marker->requester_system, 6);
    put32(p + 12, marker->requester_transaction_id);
    return LACP_FRAME_LEN;
}

int lacp_marker_decode(const uint8_t *frame, size_t len, struct lacp_marker *marker)
{
    if (!marker || len < LACP_FRAME_LEN
        || lacp_frame_subtype(frame, len) != LACP_SUBTYPE_MARKER)
        return -EINVAL;
    const uint8_t *p = frame + ETH_HDR_LEN;
    if (p[1] < 1)
        return -EINVAL;
    if ((p[2] != LACP_MARKER_REQUEST && p[2] != LACP_MARKER_RESPONSE)
        || p[3] != MARKER_TLV_LEN || p[18] != 0 || p[19] != 0)
        return -EINVAL;
    marker->type = (enum lacp_marker_type)p[2];
    marker->requester_port = get16(p + 4);
    memcpy(marker->requester_system, p + 6, 6);
    marker->requester_transaction_id = get32(p + 12);
    return 0;
}
