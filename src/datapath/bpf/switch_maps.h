/* The kernel fast path's maps as the BPF program and the daemon share them:
 * keys, values and limits.  Fixed-width types only, no padding the compiler
 * chooses: the same bytes are read by clang -target bpf and by gcc.  A change
 * here is a change of the pinned maps' layout (restart adoption compares
 * them), so fields are only ever appended. */
#ifndef PONTOON_DATAPATH_BPF_SWITCH_MAPS_H
#define PONTOON_DATAPATH_BPF_SWITCH_MAPS_H

#include <linux/types.h>

#define PBS_VLAN_COUNT      4096
#define PBS_PORTS_MAX       256      /* kernel ports per loaded program (counter slots) */
#define PBS_FDB_MAX         8192     /* LRU bound, FDB_DEFAULT_MAX's value */
#define PBS_NO_TAG          0xffff
/* An fdb entry's port when the MAC is behind a port the kernel does not
 * switch (vhost-user, patch, tunnel, bond): frames to it go up. */
#define PBS_IFINDEX_USERSPACE 0xffffffffu
#define PBS_EVENTS_SIZE     (256 * 1024)   /* learn events' ring buffer, bytes */

/* The same order and values as enum vlan_mode in switching/vlan.h. */
enum pbs_vlan_mode {
    PBS_VLAN_TRUNK = 0,
    PBS_VLAN_ACCESS = 1,
    PBS_VLAN_NATIVE_TAGGED = 2,
    PBS_VLAN_NATIVE_UNTAGGED = 3,
};

/* ports: ifindex -> how that port switches.  The trunk bitmap is always
 * explicit (an empty trunks column, "every VLAN", is all ones here). */
/* Where the program sees a port's frames.  A system port's (a veth end, a
 * NIC, a guest's tap QEMU holds) arrive at its TC ingress and leave through
 * its egress; a tap or internal port whose other end is the daemon is the
 * other way round: what the host or guest sends there is the device's
 * egress, and a frame for it is handed to the device's ingress. */
#define PBS_PORT_HOOK_EGRESS 0x1
/* A bond is a port of its own in the map, under a key no device has
 * (PBS_BOND_PORT_BASE + its slot in the bonds map): its VLAN policy and
 * counters, and the value MACs learned behind it have in the fdb.  Each of
 * its members is in the map under its own ifindex, flagged as a member,
 * with the bond's VLAN policy. */
#define PBS_PORT_BOND        0x2
#define PBS_PORT_BOND_MEMBER 0x4
#define PBS_BOND_PORT_BASE   0xfffff000u
#define PBS_BONDS_MAX        16
#define PBS_BOND_MEMBERS_MAX 16             /* DP_BOND_MAX_MEMBERS */
#define PBS_BOND_BUCKETS     256            /* DP_BOND_BUCKETS */
#define PBS_BOND_NO_MEMBER   0xff
/* A tunnel port (vxlan on the kernel's collect-metadata device) is a port
 * under PBS_TUNNEL_PORT_BASE + its id, the daemon-wide number its netdev
 * got (netdev/tunnel_kernel.c): its VLAN policy, counters and the value
 * MACs learned behind it have.  The device itself is in the map under its
 * ifindex, flagged PBS_PORT_TUNNEL_DEVICE: what arrives there is matched
 * to a tunnel port by (device, VNI, remote) in the tunnel_in map. */
#define PBS_PORT_TUNNEL        0x8
#define PBS_PORT_TUNNEL_DEVICE 0x10
#define PBS_TUNNEL_PORT_BASE   0xffffe000u
#define PBS_TUNNELS_MAX        64
/* What the daemon sends to a tunnel port goes through an AF_PACKET socket
 * on the device whose SO_MARK is PBS_TUNNEL_MARK | id: the program at the
 * device's egress sets that tunnel's key. */
#define PBS_TUNNEL_MARK        0x50540000u
#define PBS_TUNNEL_MARK_MASK   0xffff0000u
/* Frames from a tunnel that go up travel in the tunnel's own ring buffer
 * (the upcalls map holds one per tunnel id), copied whole up to this size. */
#define PBS_UPCALL_RING_SIZE   (1024 * 1024)
#define PBS_UPCALL_FRAME_MAX   9232

struct pbs_port {
    __u32 bridge_id;
    __u32 counter_slot;              /* index into the counters map */
    __u8 vlan_mode;                  /* enum pbs_vlan_mode */
    __u8 flags;                      /* PBS_PORT_* */
    __u16 tag;                       /* access/native VLAN, PBS_NO_TAG for trunks */
    __u8 bond_slot;                  /* PBS_PORT_BOND(_MEMBER): the bond's slot */
    __u8 member;                     /* PBS_PORT_BOND_MEMBER: its index in the bond */
    __u16 tunnel_id;                 /* PBS_PORT_TUNNEL: its id */
    __u64 trunks[PBS_VLAN_COUNT / 64];
};

/* tunnels: id -> where and how to encapsulate (bpf_tunnel_key's fields). */
#define PBS_TUNNEL_IPV6 0x1             /* remote and local are IPv6 */
#define PBS_TUNNEL_CSUM 0x2             /* outer UDP checksum */
#define PBS_TUNNEL_DF   0x4             /* don't fragment the outer packet */
struct pbs_tunnel {
    __u32 ifindex;                   /* the collect-metadata device */
    __u32 out_key;                   /* VNI sent */
    __u32 remote[4];                 /* IPv4: remote[0], host byte order, as bpf_tunnel_key */
    __u32 local[4];                  /* 0: the route's source */
    __u32 inner_mtu;                 /* the largest IP packet inside; 0: unchecked */
    __u8 flags;                      /* PBS_TUNNEL_* */
    __u8 tos, ttl;
    __u8 pad;
};

/* tunnel_in: what arrived on a device from a remote with a VNI -> tunnel id. */
struct pbs_tunnel_key {
    __u32 ifindex;
    __u32 vni;
    __u32 remote[4];                 /* as in pbs_tunnel; unused words 0 */
};

/* fdb: (bridge, VLAN, MAC) -> port and when it was last seen. */
struct pbs_fdb_key {
    __u32 bridge_id;
    __u16 vlan;
    __u8 mac[6];
};

struct pbs_fdb_entry {
    __u32 ifindex;
    __u32 pad;
    __u64 seen_ns;                   /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
};

/* bonds: slot -> what the control thread decided (dp_bond_state's tables,
 * copied at every change and every bond tick). */
enum pbs_bond_mode {                 /* enum dp_bond_mode's values */
    PBS_BOND_ACTIVE_BACKUP = 0,
    PBS_BOND_BALANCE_SLB = 1,
    PBS_BOND_BALANCE_TCP = 2,
};

struct pbs_bond {
    __u8 mode;                       /* enum pbs_bond_mode */
    __u8 lacp_negotiated;            /* the partner knows the bond: accept all */
    __u8 fallback_ab;                /* balance-tcp without LACP acts as active-backup */
    __u8 active;                     /* member index, or PBS_BOND_NO_MEMBER */
    __u8 n_members;
    __u8 pad[3];
    __u32 hash_basis;
    __u32 member_ifindex[PBS_BOND_MEMBERS_MAX];
    __u8 rx_enabled[PBS_BOND_MEMBERS_MAX];
    __u8 bucket_member[PBS_BOND_BUCKETS];
};

/* bond_bytes: per CPU, per bond slot, the bytes sent into each hash bucket
 * (the control thread's rebalancing adds them to userspace's). */
struct pbs_bond_bytes {
    __u64 bucket[PBS_BOND_BUCKETS];
};

/* learn_events: a ring buffer the daemon reads, one record whenever the
 * program writes an fdb entry (a new MAC, a move, the once-a-second
 * refresh), so that the userspace datapath's table follows the kernel's. */
struct pbs_learn_event {
    __u32 bridge_id;
    __u32 ifindex;
    __u16 vlan;
    __u8 mac[6];
};

/* config: one entry. */
#define PBS_CONFIG_RECORD_DECISION  0x1    /* fill the decision map (tests, debugging) */
struct pbs_config {
    __u64 aging_ns;                  /* an entry older than this is not used */
    __u32 flags;
    __u32 pad;
};

/* counters: per CPU, one row per port slot; the daemon sums the CPUs.  The
 * first four are the totals, the others say why. */
enum pbs_counter {
    PBS_RX,                          /* frames the program saw on a configured port */
    PBS_FORWARDED,                   /* redirected to another port in the kernel */
    PBS_PASSED_UP,                   /* left to the stack: the userspace datapath */
    PBS_DROPPED,
    PBS_RX_BYTES,
    PBS_FORWARDED_BYTES,
    PBS_PASS_RESERVED,               /* 01:80:c2:00:00:0x: LACP, STP, LLDP... */
    PBS_PASS_FLOOD,                  /* broadcast and multicast destinations */
    PBS_PASS_UNKNOWN,                /* unicast to a MAC not known (or aged) here */
    PBS_PASS_NO_OUTPUT,              /* learned on a port this program has no config for */
    PBS_PASS_UNSUPPORTED,            /* 802.1ad outer tag in the skb's metadata */
    PBS_DROP_MALFORMED,              /* shorter than its Ethernet (+ tag) header */
    PBS_DROP_VLAN_INGRESS,           /* the input port does not admit its VLAN */
    PBS_DROP_VLAN_EGRESS,            /* the output port does not carry its VLAN */
    PBS_DROP_HAIRPIN,                /* destination behind the port it came from */
    PBS_DROP_TAG_ERROR,              /* pushing or popping the tag failed */
    PBS_UP_TAKEN,                    /* of PASSED_UP: the daemon's socket filter took it */
    PBS_TX,                          /* forwarded to this port by the kernel */
    PBS_TX_BYTES,
    PBS_DROP_BOND_ADMIT,             /* a bond member that may not deliver this frame */
    PBS_DROP_BOND_NO_MEMBER,         /* a bond with no member to send on */
    PBS_DROP_TOO_BIG,                /* does not fit the tunnel's underlay with its headers */
    PBS_DROP_UPCALL,                 /* from a tunnel, going up: ring full or frame too big */
    PBS_DROP_TUNNEL_KEY,             /* the kernel refused the tunnel key */
    PBS_COUNTER_MAX,
};

struct pbs_counters {
    __u64 n[PBS_COUNTER_MAX];
};

/* decision: per CPU, one entry, the last frame's outcome when
 * PBS_CONFIG_RECORD_DECISION is set.  BPF_PROG_TEST_RUN returns the verdict
 * but neither bpf_redirect()'s target nor the skb's VLAN metadata; this does. */
struct pbs_decision {
    __u64 count;                     /* frames recorded so far on this CPU */
    __s32 verdict;                   /* TC_ACT_* returned */
    __u32 reason;                    /* enum pbs_counter: what was counted last */
    __u32 in_ifindex;
    __u32 out_ifindex;               /* redirect target, 0 when none */
    __s32 vlan;                      /* the VLAN the frame was admitted to, -1 before */
    __u16 out_vlan_tci;              /* the tag the frame left with (metadata or inline) */
    __u8 out_vlan_present;           /* whether it left with one */
    __u8 pad;
};

/* handoff: per CPU, one entry.  On a system port the daemon's AF_PACKET
 * socket sees a frame before TC ingress does, so the socket filter decides
 * (and learns) for both: it keeps the frame when it goes up and
 * leaves the plan here; TC ingress, run next on the same CPU for the same
 * frame, carries it out.  The frame's addresses and first network bytes
 * identify it. */
#define PBS_FILTER_KEEP 0x7fffffff   /* the socket filter's "all of it" */

enum pbs_action {
    PBS_ACT_UP = 0,
    PBS_ACT_DROP = 1,
    PBS_ACT_FORWARD = 2,
};

struct pbs_plan {
    __u32 in_ifindex;
    __u32 net_word;                  /* frame_net_word(): identifies the frame */
    __u8 dst[6];
    __u8 src[6];
    __u8 action;                     /* enum pbs_action */
    __u8 tag_it;                     /* FORWARD: leave tagged with vlan */
    __u8 out_flags;                  /* FORWARD: the output port's PBS_PORT_* */
    __u8 valid;                      /* handoff: set by the filter, cleared by TC */
    __u16 vlan;                      /* the VLAN admitted to (FORWARD) */
    __u16 pad;
    __u32 reason;                    /* enum pbs_counter */
    __u32 out_ifindex;
    __s32 admitted_vlan;             /* -1 before admission */
    __u32 out_slot;                  /* FORWARD: the output port's counter_slot */
    __u32 bond_slot;                 /* FORWARD to a bond member: its bond, else ~0 */
    __u32 bucket;                    /* ... and the hash bucket it went by */
    __u32 l3_offset;                 /* FORWARD: where the IP packet starts (tunnel MTU) */
};

#endif
