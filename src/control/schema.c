/* The Open vSwitch 3.1 configuration schema (vswitch.ovsschema), reduced to
 * the four tables Pontoon uses, and Pontoon's own tables for the host (NIC,
 * Macvtap, VF), which OVS does not have.  Columns are listed in alphabetical order,
 * the order in which ovs-vsctl `list` prints them.  Columns that reference
 * tables Pontoon does not have (Controller, Mirror, QoS...) keep their OVS
 * type but carry no ref_table, so they hold plain uuids. */
#include "control/schema.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define B_NONE          { ATOM_NONE, false, 0, 0, NULL, NULL }
#define B_INT           { ATOM_INTEGER, false, 0, 0, NULL, NULL }
#define B_INT_RANGE(lo, hi) { ATOM_INTEGER, true, (lo), (hi), NULL, NULL }
#define B_INT_MIN(lo)   { ATOM_INTEGER, true, (lo), INT64_MAX, NULL, NULL }
#define B_BOOL          { ATOM_BOOLEAN, false, 0, 0, NULL, NULL }
#define B_STR           { ATOM_STRING, false, 0, 0, NULL, NULL }
#define B_ENUM(values)  { ATOM_STRING, false, 0, 0, (values), NULL }
#define B_UUID          { ATOM_UUID, false, 0, 0, NULL, NULL }
#define B_REF(table)    { ATOM_UUID, false, 0, 0, NULL, (table) }

#define UNLIMITED UINT32_MAX

/* name, key, value, n_min, n_max, ephemeral */
#define SCALAR(n, k)        { n, k, B_NONE, 1, 1, false }
#define SCALAR_E(n, k)      { n, k, B_NONE, 1, 1, true }
#define OPTIONAL(n, k)      { n, k, B_NONE, 0, 1, false }
#define OPTIONAL_E(n, k)    { n, k, B_NONE, 0, 1, true }
#define SET(n, k, lo, hi)   { n, k, B_NONE, lo, hi, false }
#define SET_E(n, k)         { n, k, B_NONE, 0, UNLIMITED, true }
#define MAP(n, k, v)        { n, k, v, 0, UNLIMITED, false }
#define MAP_E(n, k, v)      { n, k, v, 0, UNLIMITED, true }
#define SMAP(n)             MAP(n, B_STR, B_STR)
#define SMAP_E(n)           MAP_E(n, B_STR, B_STR)

#define N_ELEMS(a) (sizeof (a) / sizeof (a)[0])

/* Enum value lists, sorted as OVS prints them in error messages. */
static const char *const fail_modes[] = { "secure", "standalone", NULL };
static const char *const protocols[] = {
    "OpenFlow10", "OpenFlow11", "OpenFlow12", "OpenFlow13", "OpenFlow14", "OpenFlow15", NULL
};
static const char *const vlan_modes[] = {
    "access", "dot1q-tunnel", "native-tagged", "native-untagged", "trunk", NULL
};
static const char *const bond_modes[] = { "active-backup", "balance-slb", "balance-tcp", NULL };
static const char *const lacp_modes[] = { "active", "off", "passive", NULL };
static const char *const up_down[] = { "down", "up", NULL };
static const char *const duplexes[] = { "full", "half", NULL };

static const struct column_def open_vswitch_columns[] = {
    SET("bridges", B_REF("Bridge"), 0, UNLIMITED),
    SCALAR_E("cur_cfg", B_INT),
    SET_E("datapath_types", B_STR),
    MAP("datapaths", B_STR, B_UUID),
    OPTIONAL_E("db_version", B_STR),
    SCALAR_E("dpdk_initialized", B_BOOL),
    OPTIONAL_E("dpdk_version", B_STR),
    SMAP("external_ids"),
    SET_E("iface_types", B_STR),
    SET("manager_options", B_UUID, 0, UNLIMITED),
    SCALAR("next_cfg", B_INT),
    SMAP("other_config"),
    OPTIONAL_E("ovs_version", B_STR),
    OPTIONAL("ssl", B_UUID),
    SMAP_E("statistics"),
    OPTIONAL_E("system_type", B_STR),
    OPTIONAL_E("system_version", B_STR),
};

static const struct column_def bridge_columns[] = {
    OPTIONAL("auto_attach", B_UUID),
    SET("controller", B_UUID, 0, UNLIMITED),
    OPTIONAL_E("datapath_id", B_STR),
    SCALAR("datapath_type", B_STR),
    SCALAR_E("datapath_version", B_STR),
    SMAP("external_ids"),
    OPTIONAL("fail_mode", B_ENUM(fail_modes)),
    SET("flood_vlans", B_INT_RANGE(0, 4095), 0, 4096),
    MAP("flow_tables", B_INT_RANGE(0, 254), B_UUID),
    OPTIONAL("ipfix", B_UUID),
    SCALAR("mcast_snooping_enable", B_BOOL),
    SET("mirrors", B_UUID, 0, UNLIMITED),
    SCALAR("name", B_STR),
    OPTIONAL("netflow", B_UUID),
    SMAP("other_config"),
    SET("ports", B_REF("Port"), 0, UNLIMITED),
    SET("protocols", B_ENUM(protocols), 0, UNLIMITED),
    SCALAR("rstp_enable", B_BOOL),
    SMAP_E("rstp_status"),
    OPTIONAL("sflow", B_UUID),
    SMAP_E("status"),
    SCALAR("stp_enable", B_BOOL),
};

static const struct column_def port_columns[] = {
    OPTIONAL_E("bond_active_slave", B_STR),
    SCALAR("bond_downdelay", B_INT),
    SCALAR("bond_fake_iface", B_BOOL),
    OPTIONAL("bond_mode", B_ENUM(bond_modes)),
    SCALAR("bond_updelay", B_INT),
    SET("cvlans", B_INT_RANGE(0, 4095), 0, 4096),
    SMAP("external_ids"),
    SCALAR("fake_bridge", B_BOOL),
    SET("interfaces", B_REF("Interface"), 1, UNLIMITED),
    OPTIONAL("lacp", B_ENUM(lacp_modes)),
    OPTIONAL("mac", B_STR),
    SCALAR("name", B_STR),
    SMAP("other_config"),
    SCALAR("protected", B_BOOL),
    OPTIONAL("qos", B_UUID),
    MAP_E("rstp_statistics", B_STR, B_INT),
    SMAP_E("rstp_status"),
    MAP_E("statistics", B_STR, B_INT),
    SMAP_E("status"),
    OPTIONAL("tag", B_INT_RANGE(0, 4095)),
    SET("trunks", B_INT_RANGE(0, 4095), 0, 4096),
    OPTIONAL("vlan_mode", B_ENUM(vlan_modes)),
};

static const struct column_def interface_columns[] = {
    OPTIONAL_E("admin_state", B_ENUM(up_down)),
    SMAP("bfd"),
    SMAP_E("bfd_status"),
    OPTIONAL_E("cfm_fault", B_BOOL),
    SET_E("cfm_fault_status", B_STR),
    OPTIONAL_E("cfm_flap_count", B_INT),
    OPTIONAL_E("cfm_health", B_INT_RANGE(0, 100)),
    OPTIONAL("cfm_mpid", B_INT),
    SET_E("cfm_remote_mpids", B_INT),
    OPTIONAL_E("cfm_remote_opstate", B_ENUM(up_down)),
    OPTIONAL_E("duplex", B_ENUM(duplexes)),
    OPTIONAL_E("error", B_STR),
    SMAP("external_ids"),
    OPTIONAL_E("ifindex", B_INT_RANGE(0, 4294967295LL)),
    SCALAR("ingress_policing_burst", B_INT_MIN(0)),
    SCALAR("ingress_policing_kpkts_burst", B_INT_MIN(0)),
    SCALAR("ingress_policing_kpkts_rate", B_INT_MIN(0)),
    SCALAR("ingress_policing_rate", B_INT_MIN(0)),
    OPTIONAL_E("lacp_current", B_BOOL),
    OPTIONAL_E("link_resets", B_INT),
    OPTIONAL_E("link_speed", B_INT),
    OPTIONAL_E("link_state", B_ENUM(up_down)),
    SMAP("lldp"),
    OPTIONAL("mac", B_STR),
    OPTIONAL_E("mac_in_use", B_STR),
    OPTIONAL_E("mtu", B_INT),
    OPTIONAL("mtu_request", B_INT_MIN(1)),
    SCALAR("name", B_STR),
    OPTIONAL_E("ofport", B_INT),
    OPTIONAL("ofport_request", B_INT_RANGE(1, 65279)),
    SMAP("options"),
    SMAP("other_config"),
    MAP_E("statistics", B_STR, B_INT),
    SMAP_E("status"),
    SCALAR("type", B_STR),
};

/* Pontoon's host tables.  NIC: what the daemon keeps applied to a host
 * network device (interrupt/RPS/XPS steering, channel count).  Macvtap: a
 * macvtap device the daemon keeps created on its lower device. */
static const char *const macvtap_modes[] = { "bridge", "passthru", "private", "vepa", NULL };

static const struct column_def nic_columns[] = {
    OPTIONAL("channels", B_INT_RANGE(1, 4096)),
    SCALAR("name", B_STR),
    SMAP("other_config"),
    OPTIONAL("sriov_num_vfs", B_INT_RANGE(0, 4096)),
    SMAP_E("status"),
    OPTIONAL("steering", B_STR),
};

/* VF: the settings of one SR-IOV virtual function, kept applied through its
 * PF (as `ip link set PF vf N ...`).  name is "PF/vfN". */
static const char *const vf_protos[] = { "802.1Q", "802.1ad", NULL };
static const char *const vf_link_states[] = { "auto", "disable", "enable", NULL };

static const struct column_def vf_columns[] = {
    OPTIONAL("link_state", B_ENUM(vf_link_states)),
    OPTIONAL("mac", B_STR),
    OPTIONAL("max_rate", B_INT_MIN(0)),
    OPTIONAL("min_rate", B_INT_MIN(0)),
    SCALAR("name", B_STR),
    SCALAR("pf", B_STR),
    OPTIONAL("proto", B_ENUM(vf_protos)),
    OPTIONAL("qos", B_INT_RANGE(0, 7)),
    OPTIONAL("spoofchk", B_BOOL),
    SMAP_E("status"),
    OPTIONAL("trust", B_BOOL),
    SCALAR("vf", B_INT_RANGE(0, 4095)),
    OPTIONAL("vlan", B_INT_RANGE(0, 4095)),
};

static const struct column_def macvtap_columns[] = {
    SMAP("external_ids"),
    SCALAR("lower", B_STR),
    OPTIONAL("mac", B_STR),
    SCALAR("mode", B_ENUM(macvtap_modes)),
    SCALAR("name", B_STR),
    SMAP_E("status"),
};

static const struct table_def open_vswitch_table = {
    "Open_vSwitch", open_vswitch_columns, N_ELEMS(open_vswitch_columns), true, NULL
};
static const struct table_def bridge_table = {
    "Bridge", bridge_columns, N_ELEMS(bridge_columns), true, "name"
};
static const struct table_def port_table = {
    "Port", port_columns, N_ELEMS(port_columns), false, "name"
};
static const struct table_def interface_table = {
    "Interface", interface_columns, N_ELEMS(interface_columns), false, "name"
};

static const struct table_def nic_table = {
    "NIC", nic_columns, N_ELEMS(nic_columns), true, "name"
};
static const struct table_def macvtap_table = {
    "Macvtap", macvtap_columns, N_ELEMS(macvtap_columns), true, "name"
};
static const struct table_def vf_table = {
    "VF", vf_columns, N_ELEMS(vf_columns), true, "name"
};

const struct table_def *const schema_tables[] = {
    &open_vswitch_table, &bridge_table, &port_table, &interface_table, &nic_table, &macvtap_table,
    &vf_table,
};
const size_t schema_n_tables = N_ELEMS(schema_tables);

/* ovs-vsctl compares names ignoring case and treating '-' like '_'. */
static int normalize_char(int c)
{
    return c == '-' ? '_' : tolower((unsigned char) c);
}

/* As ovs-vsctl's score_partial_match: UINT_MAX for an exact match,
 * UINT_MAX - 1 for a match up to case and '-'/'_', the length of `s` when it
 * is a prefix of `name`, else 0. */
static unsigned score_partial_match(const char *name, const char *s)
{
    if (!strcmp(name, s)) {
        return UINT_MAX;
    }
    for (unsigned score = 0; ; score++, name++, s++) {
        if (normalize_char(*name) != normalize_char(*s)) {
            return *s == '\0' ? score : 0;
        }
        if (*name == '\0') {
            return UINT_MAX - 1;
        }
    }
}

const struct table_def *schema_find_table(const char *name)
{
    const struct table_def *best = NULL;
    unsigned best_score = 0;

    if (!name) {
        return NULL;
    }
    for (size_t i = 0; i < schema_n_tables; i++) {
        unsigned score = score_partial_match(schema_tables[i]->name, name);
        if (score > best_score) {
            best = schema_tables[i];
            best_score = score;
        } else if (score == best_score) {
            best = NULL;
        }
    }
    return best;
}

int schema_find_column(const struct table_def *table, const char *name,
                       const struct column_def **column, char **error)
{
    const struct column_def *best = NULL;
    unsigned best_score = 0;

    *column = NULL;
    for (size_t i = 0; i < table->n_columns; i++) {
        unsigned score = score_partial_match(table->columns[i].name, name);
        if (score > best_score) {
            best = &table->columns[i];
            best_score = score;
        } else if (score == best_score) {
            best = NULL;
        }
    }
    if (best) {
        *column = best;
        return 0;
    }
    if (!best_score) {
        *error = xasprintf("%s does not contain a column whose name matches \"%s\"",
                           table->name, name);
        return -1;
    }

    /* Ambiguous: name every candidate, as the compat reference shows. */
    struct strbuf sb = STRBUF_INIT;
    strbuf_printf(&sb, "%s contains more than one column whose name matches \"%s\": ",
                  table->name, name);
    bool first = true;
    for (size_t i = 0; i < table->n_columns; i++) {
        if (score_partial_match(table->columns[i].name, name) == best_score) {
            strbuf_printf(&sb, "%s%s", first ? "" : ", ", table->columns[i].name);
            first = false;
        }
    }
    *error = strbuf_steal(&sb);
    return -1;
}

size_t schema_column_index(const struct table_def *table, const struct column_def *column)
{
    return (size_t) (column - table->columns);
}
