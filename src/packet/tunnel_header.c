/* VXLAN and Geneve headers: see tunnel_header.h. */
#include "packet/tunnel_header.h"

#include <errno.h>
#include <string.h>

#include "packet/packet.h"

void tunnel_header_write(enum tunnel_kind kind, uint32_t vni, uint8_t hdr[TUNNEL_HEADER_LEN])
{
    memset(hdr, 0, TUNNEL_HEADER_LEN);
    if (kind == TUNNEL_VXLAN) {
        hdr[0] = VXLAN_FLAG_VNI;
    } else {
        /* Version 0, no options, not OAM, nothing critical. */
        hdr[2] = GENEVE_PROTO_ETHERNET >> 8;
        hdr[3] = GENEVE_PROTO_ETHERNET & 0xff;
    }
    hdr[4] = (uint8_t)(vni >> 16);
    hdr[5] = (uint8_t)(vni >> 8);
    hdr[6] = (uint8_t)vni;
}

int tunnel_header_parse(enum tunnel_kind kind, const uint8_t *payload, size_t len,
                        struct tunnel_rx *rx)
{
    memset(rx, 0, sizeof *rx);
    if (len < TUNNEL_HEADER_LEN)
        return -EINVAL;
    rx->vni = (uint32_t)payload[4] << 16 | (uint32_t)payload[5] << 8 | payload[6];
    if (kind == TUNNEL_VXLAN) {
        /* RFC 7348: the I flag must be set; reserved bits are ignored. */
        if (!(payload[0] & VXLAN_FLAG_VNI))
            return -EINVAL;
        rx->header_len = TUNNEL_HEADER_LEN;
    } else {
        unsigned version = payload[0] >> 6;
        size_t options_len = (size_t)(payload[0] & 0x3f) * 4;
        uint16_t proto = (uint16_t)(payload[2] << 8 | payload[3]);
        if (version != 0 || proto != GENEVE_PROTO_ETHERNET)
            return -EINVAL;
        rx->flags = payload[1] & (GENEVE_FLAG_OAM | GENEVE_FLAG_CRITICAL);
        rx->header_len = TUNNEL_HEADER_LEN + options_len;
        if (options_len) {
            rx->options = payload + TUNNEL_HEADER_LEN;
            rx->options_len = options_len;
        }
    }
    if (len < rx->header_len + ETH_HEADER_LEN)
        return -EINVAL;
    return 0;
}

bool tunnel_rx_deliverable(const struct tunnel_rx *rx)
{
    return !(rx->flags & (GENEVE_FLAG_OAM | GENEVE_FLAG_CRITICAL));
}
