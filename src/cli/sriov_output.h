/* sriov/show's output (cli/sriov_commands.c): one JSON document, which
 * --format=json prints and from which the text is printed, so the two
 * never disagree. */
#ifndef PONTOON_CLI_SRIOV_OUTPUT_H
#define PONTOON_CLI_SRIOV_OUTPUT_H

#include <jansson.h>
#include <stddef.h>

#include "util/strbuf.h"

struct db_row;
struct sriov_pf;
struct vf_link;
struct vf_state;

/* One PF: {"name", "pci", "driver", "total_vfs", "num_vfs", "kept_num_vfs",
 * "status", "vfs": [{"vf", "pci", "driver", "netdevs", "link", "kept",
 * "status"}]}.  pf: its sysfs files (NULL: not a PCI PF, e.g. absent or a
 * veth); link: what the kernel reports (NULL: not asked, as for a captured
 * tree); nic: its NIC row (NULL: none); vfs: its VF rows. */
json_t *sriov_pf_json(const char *name, const struct sriov_pf *pf, const struct vf_link *link,
                      const struct db_row *nic, const struct db_row *const *vfs, size_t n_vfs);

/* One VF as `ip -j link show` reports it: {"vf", "link_type", "address",
 * "broadcast", "vlan", "qos", "protocol", "tx_rate", "rate": {"max_tx",
 * "min_tx"}, "spoofchk", "link_state", "trust", "query_rss_en"}; keys left
 * out as ip leaves them out. */
json_t *sriov_vf_state_json(const struct vf_state *vf, unsigned short link_type);

/* The text: per PF a line, then per VF the line `ip link show` prints for
 * it ("vf 0     link/ether ... brd ..., vlan 10, spoof checking on,
 * link-state auto, trust off"), its PCI function, and what is kept. */
void sriov_show_text(json_t *doc, struct strbuf *out);

#endif
