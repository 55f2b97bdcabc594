/* Text for bond/show, lacp/show and lacp/show-stats, in Open vSwitch 3.1's
 * exact layouts (see tests/data/compat/ovs-3.1-outputs.txt).  Each call appends one
 * bond's block; the caller loops over bonds for the no-argument forms.  JSON
 * output should be built from the same status structs (bond.h, lacp.h). */
#ifndef PONTOON_SWITCHING_BOND_SHOW_H
#define PONTOON_SWITCHING_BOND_SHOW_H

#include <stdint.h>

struct bond;
struct lacp;
struct strbuf;

/* "---- NAME ----" and the bond's details, members sorted by name, ending
 * with an empty line as OVS does; `now_ms` for "next rebalance" and delays. */
void bond_format_show(struct strbuf *sb, const struct bond *bond, uint64_t now_ms);
/* lacp/show for one bond. */
void lacp_format_show(struct strbuf *sb, const struct lacp *lacp);
/* lacp/show-stats for one bond. */
void lacp_format_stats(struct strbuf *sb, const struct lacp *lacp);

#endif
