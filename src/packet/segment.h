/* Software fallbacks for offloads an output cannot take: cutting a large TCP
 * segment (GSO) into MSS-sized frames, and filling in a partial checksum.
 * Pure: no I/O, no allocation. */
#ifndef PONTOON_PACKET_SEGMENT_H
#define PONTOON_PACKET_SEGMENT_H

#include "packet/packet.h"

/* Completes a VIRTIO_NET_HDR_F_NEEDS_CSUM frame: the ones' complement sum from
 * offload.csum_start to the end, stored at csum_start + csum_offset, and
 * clears the flag.  0, or -EINVAL when the offsets lie outside the frame. */
int packet_complete_csum(struct packet *pkt);

/* Cuts a TCP GSO frame (gso_type TCPV4 or TCPV6, optionally 802.1Q-tagged)
 * into frames of at most offload.gso_size payload bytes each, written into
 * segs[0..max) (their buffers are overwritten), with IP lengths, IPv4 ids and
 * header checksums, TCP sequence numbers, flags (FIN/PSH on the last only,
 * CWR on the first only) and full TCP checksums.  The segments carry no
 * offload.  Returns the number of segments, -EINVAL for a frame that is not
 * such a TCP segment, -ENOSPC when more than `max` would be needed. */
int packet_segment_tcp(const struct packet *pkt, struct packet *const *segs, unsigned max);

#endif
