/* VF settings, the pure part: see vf_config.h. */
#include "host/vf_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/if_ether.h>
#include <linux/if_link.h>

#include "host/vf_netlink.h"
#include "util/strbuf.h"

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int vf_parse_mac(const char *text, uint8_t mac[6])
{
    uint8_t out[6];
    if (strlen(text) != 17)
        return -EINVAL;
    for (int i = 0; i < 6; i++) {
        const char *p = text + 3 * i;
        int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
        if (hi < 0 || lo < 0 || p[2] != (i == 5 ? '\0' : ':'))
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (out[0] & 1)
        return -EINVAL;   /* multicast or broadcast: never a VF's own address */
    memcpy(mac, out, 6);
    return 0;
}

int vf_parse_on_off(const char *text, bool *on)
{
    if (!strcmp(text, "on"))
        *on = true;
    else if (!strcmp(text, "off"))
        *on = false;
    else
        return -EINVAL;
    return 0;
}

static const struct { const char *name; uint32_t state; } link_states[] = {
    { "auto", IFLA_VF_LINK_STATE_AUTO },
    { "enable", IFLA_VF_LINK_STATE_ENABLE },
    { "disable", IFLA_VF_LINK_STATE_DISABLE },
};

int vf_parse_link_state(const char *text, uint32_t *state)
{
    for (size_t i = 0; i < sizeof link_states / sizeof link_states[0]; i++)
        if (!strcmp(text, link_states[i].name)) {
            *state = link_states[i].state;
            return 0;
        }
    return -EINVAL;
}

const char *vf_link_state_name(uint32_t state)
{
    for (size_t i = 0; i < sizeof link_states / sizeof link_states[0]; i++)
        if (link_states[i].state == state)
            return link_states[i].name;
    return "?";
}

int vf_parse_vlan_proto(const char *text, uint16_t *proto)
{
    if (!strcasecmp(text, "802.1Q"))
        *proto = ETH_P_8021Q;
    else if (!strcasecmp(text, "802.1ad"))
        *proto = ETH_P_8021AD;
    else
        return -EINVAL;
    return 0;
}

const char *vf_vlan_proto_name(uint16_t proto)
{
    return proto == ETH_P_8021Q ? "802.1Q" : proto == ETH_P_8021AD ? "802.1ad" : "?";
}

/* A decimal number from 0 to max, nothing else. */
static int parse_number(const char *text, unsigned long max, uint32_t *value)
{
    if (!*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 10)
        return -EINVAL;
    unsigned long n = strtoul(text, NULL, 10);
    if (n > max)
        return -ERANGE;
    *value = (uint32_t)n;
    return 0;
}

int vf_config_add(struct vf_config *cfg, const char *key, const char *value, char **error)
{
    uint32_t n = 0;
    int rc;
    *error = NULL;
    if (!strcmp(key, "mac")) {
        if (vf_parse_mac(value, cfg->mac)) {
            *error = xasprintf("mac \"%s\" is not a unicast MAC address (xx:xx:xx:xx:xx:xx; "
                               "00:00:00:00:00:00 lets the VF choose)", value);
            return -EINVAL;
        }
        cfg->set |= VF_SET_MAC;
    } else if (!strcmp(key, "vlan")) {
        if ((rc = parse_number(value, 4095, &n))) {
            *error = xasprintf(rc == -ERANGE ? "vlan %s is out of range (0 to 4095; 0 clears it)"
                                             : "vlan \"%s\" is not a number (0 to 4095)", value);
            return -EINVAL;
        }
        cfg->vlan = (uint16_t)n;
        if (!cfg->has_proto)
            cfg->vlan_proto = ETH_P_8021Q;
        cfg->set |= VF_SET_VLAN;
    } else if (!strcmp(key, "qos")) {
        if ((rc = parse_number(value, 7, &n))) {
            *error = xasprintf(rc == -ERANGE ? "qos %s is out of range (0 to 7)"
                                             : "qos \"%s\" is not a number (0 to 7)", value);
            return -EINVAL;
        }
        cfg->qos = (uint8_t)n;
        cfg->has_qos = true;
    } else if (!strcmp(key, "proto")) {
        if (vf_parse_vlan_proto(value, &cfg->vlan_proto)) {
            *error = xasprintf("proto \"%s\" is not a VLAN protocol (802.1Q or 802.1ad)", value);
            return -EINVAL;
        }
        cfg->has_proto = true;
    } else if (!strcmp(key, "spoofchk") || !strcmp(key, "trust")) {
        bool on;
        if (vf_parse_on_off(value, &on)) {
            *error = xasprintf("%s \"%s\": on or off", key, value);
            return -EINVAL;
        }
        if (key[0] == 's') {
            cfg->spoofchk = on;
            cfg->set |= VF_SET_SPOOFCHK;
        } else {
            cfg->trust = on;
            cfg->set |= VF_SET_TRUST;
        }
    } else if (!strcmp(key, "link-state")) {
        if (vf_parse_link_state(value, &cfg->link_state)) {
            *error = xasprintf("link-state \"%s\": auto, enable or disable", value);
            return -EINVAL;
        }
        cfg->set |= VF_SET_LINK_STATE;
    } else if (!strcmp(key, "min-rate") || !strcmp(key, "max-rate")) {
        if ((rc = parse_number(value, UINT32_MAX, &n))) {
            *error = xasprintf("%s \"%s\" is not a rate in Mb/s (a whole number, 0: no limit)",
                               key, value);
            return -EINVAL;
        }
        if (key[1] == 'i') {
            cfg->min_rate = n;
            cfg->has_min_rate = true;
        } else {
            cfg->max_rate = n;
            cfg->has_max_rate = true;
        }
        cfg->set |= VF_SET_RATE;
    } else {
        *error = xasprintf("unknown VF setting \"%s\" (mac, vlan, qos, proto, spoofchk, trust, "
                           "link-state, min-rate, max-rate)", key);
        return -EINVAL;
    }
    return 0;
}

int vf_config_check(const struct vf_config *cfg, bool has_vlan, char **error)
{
    *error = NULL;
    if (!has_vlan && cfg->has_qos) {
        *error = xasprintf("qos %u needs a vlan: it is the priority of the VF's VLAN tag",
                           cfg->qos);
        return -EINVAL;
    }
    if (!has_vlan && cfg->has_proto) {
        *error = xasprintf("proto %s needs a vlan: it is the protocol of the VF's VLAN tag",
                           vf_vlan_proto_name(cfg->vlan_proto));
        return -EINVAL;
    }
    if (cfg->has_min_rate && cfg->has_max_rate && cfg->max_rate
        && cfg->min_rate > cfg->max_rate) {
        *error = xasprintf("min-rate %u is above max-rate %u (0: no limit)", cfg->min_rate,
                           cfg->max_rate);
        return -EINVAL;
    }
    return 0;
}

unsigned vf_config_diff(const struct vf_config *want, const struct vf_state *have)
{
    if (!have)
        return want->set;
    unsigned diff = 0;
    if ((want->set & VF_SET_MAC) && memcmp(want->mac, have->mac, 6))
        diff |= VF_SET_MAC;
    if ((want->set & VF_SET_VLAN)
        && (want->vlan != have->vlan || want->qos != have->qos
            || (want->vlan && want->vlan_proto != have->vlan_proto)))
        diff |= VF_SET_VLAN;
    if ((want->set & VF_SET_SPOOFCHK) && have->spoofchk != (int)want->spoofchk)
        diff |= VF_SET_SPOOFCHK;
    if ((want->set & VF_SET_TRUST) && have->trust != (int)want->trust)
        diff |= VF_SET_TRUST;
    if ((want->set & VF_SET_LINK_STATE)
        && (!have->has_link_state || have->link_state != want->link_state))
        diff |= VF_SET_LINK_STATE;
    if ((want->set & VF_SET_RATE)
        && (!have->has_rate
            || (want->has_min_rate && have->min_tx_rate != want->min_rate)
            || (want->has_max_rate && have->max_tx_rate != want->max_rate)))
        diff |= VF_SET_RATE;
    return diff;
}

const char *vf_setting_name(unsigned setting)
{
    switch (setting) {
    case VF_SET_MAC: return "mac";
    case VF_SET_VLAN: return "vlan";
    case VF_SET_SPOOFCHK: return "spoofchk";
    case VF_SET_TRUST: return "trust";
    case VF_SET_LINK_STATE: return "link-state";
    case VF_SET_RATE: return "rate";
    }
    return "?";
}
