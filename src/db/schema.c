/* The Open vSwitch 3.1 configuration schema (vswitch.ovsschema, version
 * 8.3.1), all of it, and Pontoon's own tables for the host (NIC, Macvtap,
 * VF), which OVS does not have.  Columns are listed in alphabetical order,
 * the order in which ovs-vsctl `list` prints them.  Pontoon acts on the
 * Open_vSwitch, Bridge, Port, Interface and host tables; the others (QoS,
 * Mirror, Controller, Manager, NetFlow...) are stored, checked and
 * garbage-collected as OVSDB does, so that OVS's clients can manage them. */
#include "db/schema.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

#define B_NONE          { ATOM_NONE, false, 0, 0, NULL, NULL, false }
#define B_INT           { ATOM_INTEGER, false, 0, 0, NULL, NULL, false }
#define B_INT_RANGE(lo, hi) { ATOM_INTEGER, true, (lo), (hi), NULL, NULL, false }
#define B_INT_MIN(lo)   { ATOM_INTEGER, true, (lo), INT64_MAX, NULL, NULL, false }
#define B_BOOL          { ATOM_BOOLEAN, false, 0, 0, NULL, NULL, false }
#define B_STR           { ATOM_STRING, false, 0, 0, NULL, NULL, false }
#define B_ENUM(values)  { ATOM_STRING, false, 0, 0, (values), NULL, false }
#define B_UUID          { ATOM_UUID, false, 0, 0, NULL, NULL, false }
#define B_REF(table)    { ATOM_UUID, false, 0, 0, NULL, (table), false }
#define B_WEAK(table)   { ATOM_UUID, false, 0, 0, NULL, (table), true }

#define UNLIMITED UINT32_MAX
#define EPHEMERAL 1u
#define IMMUTABLE 2u

/* name, key type, value type (B_NONE: not a map), min and max number of
 * elements (1, 1: a scalar; 0, 1: optional), EPHEMERAL | IMMUTABLE */
#define COLUMN(n, k, v, lo, hi, flags) \
    { n, k, v, lo, hi, ((flags) & EPHEMERAL) != 0, ((flags) & IMMUTABLE) != 0 }

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
static const char *const overflow_policies[] = { "evict", "refuse", NULL };
static const char *const controller_types[] = { "primary", "service", NULL };
static const char *const connection_modes[] = { "in-band", "out-of-band", NULL };
static const char *const controller_roles[] = { "master", "other", "slave", NULL };
static const char *const ct_timeout_names[] = {
    "icmp_first", "icmp_reply", "tcp_close", "tcp_close_wait", "tcp_established",
    "tcp_fin_wait", "tcp_last_ack", "tcp_retransmit", "tcp_syn_recv", "tcp_syn_sent",
    "tcp_syn_sent2", "tcp_time_wait", "tcp_unack", "udp_first", "udp_multiple", "udp_single",
    NULL
};

static const struct column_def open_vswitch_columns[] = {
    COLUMN("bridges", B_REF("Bridge"), B_NONE, 0, UNLIMITED, 0),
    COLUMN("cur_cfg", B_INT, B_NONE, 1, 1, 0),
    COLUMN("datapath_types", B_STR, B_NONE, 0, UNLIMITED, 0),
    COLUMN("datapaths", B_STR, B_REF("Datapath"), 0, UNLIMITED, 0),
    COLUMN("db_version", B_STR, B_NONE, 0, 1, 0),
    COLUMN("dpdk_initialized", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("dpdk_version", B_STR, B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("iface_types", B_STR, B_NONE, 0, UNLIMITED, 0),
    COLUMN("manager_options", B_REF("Manager"), B_NONE, 0, UNLIMITED, 0),
    COLUMN("next_cfg", B_INT, B_NONE, 1, 1, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("ovs_version", B_STR, B_NONE, 0, 1, 0),
    COLUMN("ssl", B_REF("SSL"), B_NONE, 0, 1, 0),
    COLUMN("statistics", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("system_type", B_STR, B_NONE, 0, 1, 0),
    COLUMN("system_version", B_STR, B_NONE, 0, 1, 0),
};

static const struct column_def bridge_columns[] = {
    COLUMN("auto_attach", B_REF("AutoAttach"), B_NONE, 0, 1, 0),
    COLUMN("controller", B_REF("Controller"), B_NONE, 0, UNLIMITED, 0),
    COLUMN("datapath_id", B_STR, B_NONE, 0, 1, EPHEMERAL),
    COLUMN("datapath_type", B_STR, B_NONE, 1, 1, 0),
    COLUMN("datapath_version", B_STR, B_NONE, 1, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("fail_mode", B_ENUM(fail_modes), B_NONE, 0, 1, 0),
    COLUMN("flood_vlans", B_INT_RANGE(0, 4095), B_NONE, 0, 4096, 0),
    COLUMN("flow_tables", B_INT_RANGE(0, 254), B_REF("Flow_Table"), 0, UNLIMITED, 0),
    COLUMN("ipfix", B_REF("IPFIX"), B_NONE, 0, 1, 0),
    COLUMN("mcast_snooping_enable", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("mirrors", B_REF("Mirror"), B_NONE, 0, UNLIMITED, 0),
    COLUMN("name", B_STR, B_NONE, 1, 1, IMMUTABLE),
    COLUMN("netflow", B_REF("NetFlow"), B_NONE, 0, 1, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("ports", B_REF("Port"), B_NONE, 0, UNLIMITED, 0),
    COLUMN("protocols", B_ENUM(protocols), B_NONE, 0, UNLIMITED, 0),
    COLUMN("rstp_enable", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("rstp_status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("sflow", B_REF("sFlow"), B_NONE, 0, 1, 0),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("stp_enable", B_BOOL, B_NONE, 1, 1, 0),
};

static const struct column_def port_columns[] = {
    COLUMN("bond_active_slave", B_STR, B_NONE, 0, 1, 0),
    COLUMN("bond_downdelay", B_INT, B_NONE, 1, 1, 0),
    COLUMN("bond_fake_iface", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("bond_mode", B_ENUM(bond_modes), B_NONE, 0, 1, 0),
    COLUMN("bond_updelay", B_INT, B_NONE, 1, 1, 0),
    COLUMN("cvlans", B_INT_RANGE(0, 4095), B_NONE, 0, 4096, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("fake_bridge", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("interfaces", B_REF("Interface"), B_NONE, 1, UNLIMITED, 0),
    COLUMN("lacp", B_ENUM(lacp_modes), B_NONE, 0, 1, 0),
    COLUMN("mac", B_STR, B_NONE, 0, 1, 0),
    COLUMN("name", B_STR, B_NONE, 1, 1, IMMUTABLE),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("protected", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("qos", B_REF("QoS"), B_NONE, 0, 1, 0),
    COLUMN("rstp_statistics", B_STR, B_INT, 0, UNLIMITED, EPHEMERAL),
    COLUMN("rstp_status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("statistics", B_STR, B_INT, 0, UNLIMITED, EPHEMERAL),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("tag", B_INT_RANGE(0, 4095), B_NONE, 0, 1, 0),
    COLUMN("trunks", B_INT_RANGE(0, 4095), B_NONE, 0, 4096, 0),
    COLUMN("vlan_mode", B_ENUM(vlan_modes), B_NONE, 0, 1, 0),
};

static const struct column_def interface_columns[] = {
    COLUMN("admin_state", B_ENUM(up_down), B_NONE, 0, 1, EPHEMERAL),
    COLUMN("bfd", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("bfd_status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("cfm_fault", B_BOOL, B_NONE, 0, 1, EPHEMERAL),
    COLUMN("cfm_fault_status", B_STR, B_NONE, 0, UNLIMITED, EPHEMERAL),
    COLUMN("cfm_flap_count", B_INT, B_NONE, 0, 1, 0),
    COLUMN("cfm_health", B_INT_RANGE(0, 100), B_NONE, 0, 1, EPHEMERAL),
    COLUMN("cfm_mpid", B_INT, B_NONE, 0, 1, 0),
    COLUMN("cfm_remote_mpids", B_INT, B_NONE, 0, UNLIMITED, EPHEMERAL),
    COLUMN("cfm_remote_opstate", B_ENUM(up_down), B_NONE, 0, 1, EPHEMERAL),
    COLUMN("duplex", B_ENUM(duplexes), B_NONE, 0, 1, EPHEMERAL),
    COLUMN("error", B_STR, B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("ifindex", B_INT_RANGE(0, 4294967295LL), B_NONE, 0, 1, EPHEMERAL),
    COLUMN("ingress_policing_burst", B_INT_MIN(0), B_NONE, 1, 1, 0),
    COLUMN("ingress_policing_kpkts_burst", B_INT_MIN(0), B_NONE, 1, 1, 0),
    COLUMN("ingress_policing_kpkts_rate", B_INT_MIN(0), B_NONE, 1, 1, 0),
    COLUMN("ingress_policing_rate", B_INT_MIN(0), B_NONE, 1, 1, 0),
    COLUMN("lacp_current", B_BOOL, B_NONE, 0, 1, EPHEMERAL),
    COLUMN("link_resets", B_INT, B_NONE, 0, 1, EPHEMERAL),
    COLUMN("link_speed", B_INT, B_NONE, 0, 1, EPHEMERAL),
    COLUMN("link_state", B_ENUM(up_down), B_NONE, 0, 1, EPHEMERAL),
    COLUMN("lldp", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("mac", B_STR, B_NONE, 0, 1, 0),
    COLUMN("mac_in_use", B_STR, B_NONE, 0, 1, EPHEMERAL),
    COLUMN("mtu", B_INT, B_NONE, 0, 1, EPHEMERAL),
    COLUMN("mtu_request", B_INT_MIN(1), B_NONE, 0, 1, 0),
    COLUMN("name", B_STR, B_NONE, 1, 1, IMMUTABLE),
    COLUMN("ofport", B_INT, B_NONE, 0, 1, 0),
    COLUMN("ofport_request", B_INT_RANGE(1, 65279), B_NONE, 0, 1, 0),
    COLUMN("options", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("statistics", B_STR, B_INT, 0, UNLIMITED, EPHEMERAL),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("type", B_STR, B_NONE, 1, 1, 0),
};

static const struct column_def flow_table_columns[] = {
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("flow_limit", B_INT_MIN(0), B_NONE, 0, 1, 0),
    COLUMN("groups", B_STR, B_NONE, 0, UNLIMITED, 0),
    COLUMN("name", B_STR, B_NONE, 0, 1, 0),
    COLUMN("overflow_policy", B_ENUM(overflow_policies), B_NONE, 0, 1, 0),
    COLUMN("prefixes", B_STR, B_NONE, 0, 3, 0),
};

static const struct column_def qos_columns[] = {
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("queues", B_INT_RANGE(0, 4294967295LL), B_REF("Queue"), 0, UNLIMITED, 0),
    COLUMN("type", B_STR, B_NONE, 1, 1, 0),
};

static const struct column_def queue_columns[] = {
    COLUMN("dscp", B_INT_RANGE(0, 63), B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
};

static const struct column_def mirror_columns[] = {
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("name", B_STR, B_NONE, 1, 1, 0),
    COLUMN("output_port", B_WEAK("Port"), B_NONE, 0, 1, 0),
    COLUMN("output_vlan", B_INT_RANGE(1, 4095), B_NONE, 0, 1, 0),
    COLUMN("select_all", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("select_dst_port", B_WEAK("Port"), B_NONE, 0, UNLIMITED, 0),
    COLUMN("select_src_port", B_WEAK("Port"), B_NONE, 0, UNLIMITED, 0),
    COLUMN("select_vlan", B_INT_RANGE(0, 4095), B_NONE, 0, 4096, 0),
    COLUMN("snaplen", B_INT_RANGE(14, 65535), B_NONE, 0, 1, 0),
    COLUMN("statistics", B_STR, B_INT, 0, UNLIMITED, EPHEMERAL),
};

static const struct column_def netflow_columns[] = {
    COLUMN("active_timeout", B_INT_MIN(-1), B_NONE, 1, 1, 0),
    COLUMN("add_id_to_interface", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("engine_id", B_INT_RANGE(0, 255), B_NONE, 0, 1, 0),
    COLUMN("engine_type", B_INT_RANGE(0, 255), B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("targets", B_STR, B_NONE, 1, UNLIMITED, 0),
};

static const struct column_def sflow_columns[] = {
    COLUMN("agent", B_STR, B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("header", B_INT, B_NONE, 0, 1, 0),
    COLUMN("polling", B_INT, B_NONE, 0, 1, 0),
    COLUMN("sampling", B_INT, B_NONE, 0, 1, 0),
    COLUMN("targets", B_STR, B_NONE, 1, UNLIMITED, 0),
};

static const struct column_def ipfix_columns[] = {
    COLUMN("cache_active_timeout", B_INT_RANGE(0, 4200), B_NONE, 0, 1, 0),
    COLUMN("cache_max_flows", B_INT_RANGE(0, 4294967295LL), B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("obs_domain_id", B_INT_RANGE(0, 4294967295LL), B_NONE, 0, 1, 0),
    COLUMN("obs_point_id", B_INT_RANGE(0, 4294967295LL), B_NONE, 0, 1, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("sampling", B_INT_RANGE(1, 4294967295LL), B_NONE, 0, 1, 0),
    COLUMN("targets", B_STR, B_NONE, 0, UNLIMITED, 0),
};

static const struct column_def flow_sample_collector_set_columns[] = {
    COLUMN("bridge", B_REF("Bridge"), B_NONE, 1, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("id", B_INT_RANGE(0, 4294967295LL), B_NONE, 1, 1, 0),
    COLUMN("ipfix", B_REF("IPFIX"), B_NONE, 0, 1, 0),
};

static const struct column_def controller_columns[] = {
    COLUMN("connection_mode", B_ENUM(connection_modes), B_NONE, 0, 1, 0),
    COLUMN("controller_burst_limit", B_INT_MIN(25), B_NONE, 0, 1, 0),
    COLUMN("controller_queue_size", B_INT_RANGE(1, 512), B_NONE, 0, 1, 0),
    COLUMN("controller_rate_limit", B_INT_MIN(100), B_NONE, 0, 1, 0),
    COLUMN("enable_async_messages", B_BOOL, B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("inactivity_probe", B_INT, B_NONE, 0, 1, 0),
    COLUMN("is_connected", B_BOOL, B_NONE, 1, 1, EPHEMERAL),
    COLUMN("local_gateway", B_STR, B_NONE, 0, 1, 0),
    COLUMN("local_ip", B_STR, B_NONE, 0, 1, 0),
    COLUMN("local_netmask", B_STR, B_NONE, 0, 1, 0),
    COLUMN("max_backoff", B_INT_MIN(1000), B_NONE, 0, 1, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("role", B_ENUM(controller_roles), B_NONE, 0, 1, EPHEMERAL),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("target", B_STR, B_NONE, 1, 1, 0),
    COLUMN("type", B_ENUM(controller_types), B_NONE, 0, 1, 0),
};

static const struct column_def manager_columns[] = {
    COLUMN("connection_mode", B_ENUM(connection_modes), B_NONE, 0, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("inactivity_probe", B_INT, B_NONE, 0, 1, 0),
    COLUMN("is_connected", B_BOOL, B_NONE, 1, 1, EPHEMERAL),
    COLUMN("max_backoff", B_INT_MIN(1000), B_NONE, 0, 1, 0),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, EPHEMERAL),
    COLUMN("target", B_STR, B_NONE, 1, 1, 0),
};

static const struct column_def datapath_columns[] = {
    COLUMN("capabilities", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("ct_zones", B_INT_RANGE(0, 65535), B_REF("CT_Zone"), 0, UNLIMITED, 0),
    COLUMN("datapath_version", B_STR, B_NONE, 1, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
};

static const struct column_def ct_zone_columns[] = {
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("timeout_policy", B_REF("CT_Timeout_Policy"), B_NONE, 0, 1, 0),
};

static const struct column_def ct_timeout_policy_columns[] = {
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("timeouts", B_ENUM(ct_timeout_names), B_INT_RANGE(0, 4294967295LL), 0, UNLIMITED, 0),
};

static const struct column_def ssl_columns[] = {
    COLUMN("bootstrap_ca_cert", B_BOOL, B_NONE, 1, 1, 0),
    COLUMN("ca_cert", B_STR, B_NONE, 1, 1, 0),
    COLUMN("certificate", B_STR, B_NONE, 1, 1, 0),
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("private_key", B_STR, B_NONE, 1, 1, 0),
};

static const struct column_def autoattach_columns[] = {
    COLUMN("mappings", B_INT_RANGE(0, 16777215), B_INT_RANGE(0, 4095), 0, UNLIMITED, 0),
    COLUMN("system_description", B_STR, B_NONE, 1, 1, 0),
    COLUMN("system_name", B_STR, B_NONE, 1, 1, 0),
};
/* Pontoon's host tables.  NIC: what the daemon keeps applied to a host
 * network device (interrupt/RPS/XPS steering, channel count).  Macvtap: a
 * macvtap device the daemon keeps created on its lower device. */
static const char *const macvtap_modes[] = { "bridge", "passthru", "private", "vepa", NULL };

static const struct column_def nic_columns[] = {
    COLUMN("channels", B_INT_RANGE(1, 4096), B_NONE, 0, 1, 0),
    COLUMN("name", B_STR, B_NONE, 1, 1, IMMUTABLE),
    COLUMN("other_config", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("sriov_num_vfs", B_INT_RANGE(0, 4096), B_NONE, 0, 1, 0),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("steering", B_STR, B_NONE, 0, 1, 0),
};

/* VF: the settings of one SR-IOV virtual function, kept applied through its
 * PF (as `ip link set PF vf N ...`).  name is "PF/vfN". */
static const char *const vf_protos[] = { "802.1Q", "802.1ad", NULL };
static const char *const vf_link_states[] = { "auto", "disable", "enable", NULL };

static const struct column_def vf_columns[] = {
    COLUMN("link_state", B_ENUM(vf_link_states), B_NONE, 0, 1, 0),
    COLUMN("mac", B_STR, B_NONE, 0, 1, 0),
    COLUMN("max_rate", B_INT_MIN(0), B_NONE, 0, 1, 0),
    COLUMN("min_rate", B_INT_MIN(0), B_NONE, 0, 1, 0),
    COLUMN("name", B_STR, B_NONE, 1, 1, IMMUTABLE),
    COLUMN("pf", B_STR, B_NONE, 1, 1, 0),
    COLUMN("proto", B_ENUM(vf_protos), B_NONE, 0, 1, 0),
    COLUMN("qos", B_INT_RANGE(0, 7), B_NONE, 0, 1, 0),
    COLUMN("spoofchk", B_BOOL, B_NONE, 0, 1, 0),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("trust", B_BOOL, B_NONE, 0, 1, 0),
    COLUMN("vf", B_INT_RANGE(0, 4095), B_NONE, 1, 1, 0),
    COLUMN("vlan", B_INT_RANGE(0, 4095), B_NONE, 0, 1, 0),
};

static const struct column_def macvtap_columns[] = {
    COLUMN("external_ids", B_STR, B_STR, 0, UNLIMITED, 0),
    COLUMN("lower", B_STR, B_NONE, 1, 1, 0),
    COLUMN("mac", B_STR, B_NONE, 0, 1, 0),
    COLUMN("mode", B_ENUM(macvtap_modes), B_NONE, 1, 1, 0),
    COLUMN("name", B_STR, B_NONE, 1, 1, IMMUTABLE),
    COLUMN("status", B_STR, B_STR, 0, UNLIMITED, 0),
};

/* name, its columns, root, name column (a unique index rows are found by),
 * another unique index, maximum rows */
#define TABLE(var, n, cols, root, name_col, idx, max) \
    static const struct table_def var = { n, cols, N_ELEMS(cols), root, name_col, idx, max }

static const char *const collector_set_index[] = { "id", "bridge", NULL };

TABLE(open_vswitch_table, "Open_vSwitch", open_vswitch_columns, true, NULL, NULL, 1);
TABLE(bridge_table, "Bridge", bridge_columns, false, "name", NULL, 0);
TABLE(port_table, "Port", port_columns, false, "name", NULL, 0);
TABLE(interface_table, "Interface", interface_columns, false, "name", NULL, 0);
TABLE(flow_table_table, "Flow_Table", flow_table_columns, false, NULL, NULL, 0);
TABLE(qos_table, "QoS", qos_columns, true, NULL, NULL, 0);
TABLE(queue_table, "Queue", queue_columns, true, NULL, NULL, 0);
TABLE(mirror_table, "Mirror", mirror_columns, false, NULL, NULL, 0);
TABLE(netflow_table, "NetFlow", netflow_columns, false, NULL, NULL, 0);
TABLE(sflow_table, "sFlow", sflow_columns, false, NULL, NULL, 0);
TABLE(ipfix_table, "IPFIX", ipfix_columns, false, NULL, NULL, 0);
TABLE(collector_set_table, "Flow_Sample_Collector_Set", flow_sample_collector_set_columns, true,
      NULL, collector_set_index, 0);
TABLE(controller_table, "Controller", controller_columns, false, NULL, NULL, 0);
TABLE(manager_table, "Manager", manager_columns, false, "target", NULL, 0);
TABLE(datapath_table, "Datapath", datapath_columns, false, NULL, NULL, 0);
TABLE(ct_zone_table, "CT_Zone", ct_zone_columns, false, NULL, NULL, 0);
TABLE(ct_timeout_policy_table, "CT_Timeout_Policy", ct_timeout_policy_columns, false, NULL, NULL,
      0);
TABLE(ssl_table, "SSL", ssl_columns, false, NULL, NULL, 1);
TABLE(autoattach_table, "AutoAttach", autoattach_columns, false, NULL, NULL, 0);
TABLE(nic_table, "NIC", nic_columns, true, "name", NULL, 0);
TABLE(macvtap_table, "Macvtap", macvtap_columns, true, "name", NULL, 0);
TABLE(vf_table, "VF", vf_columns, true, "name", NULL, 0);

/* Open_vSwitch first (the root row); OVS's tables in its schema's order. */
const struct table_def *const schema_tables[] = {
    &open_vswitch_table, &bridge_table, &port_table, &interface_table, &flow_table_table,
    &qos_table, &queue_table, &mirror_table, &netflow_table, &sflow_table, &ipfix_table,
    &collector_set_table, &controller_table, &manager_table, &datapath_table, &ct_zone_table,
    &ct_timeout_policy_table, &ssl_table, &autoattach_table, &nic_table, &macvtap_table,
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

const char *schema_atom_type_name(enum atom_type type)
{
    switch (type) {
    case ATOM_INTEGER: return "integer";
    case ATOM_REAL: return "real";
    case ATOM_BOOLEAN: return "boolean";
    case ATOM_STRING: return "string";
    case ATOM_UUID: return "uuid";
    case ATOM_NONE: break;
    }
    return "void";
}

size_t schema_column_index(const struct table_def *table, const struct column_def *column)
{
    return (size_t) (column - table->columns);
}
