/*
 * netdev-vhostuser-rss.h: the hash that the vhost-user datapath
 * (plugin/netdev-vhostuser-dp.c) gives the frames a guest sends on a
 * multi-queue port, as a NIC gives its RSS hash, so that OVS need not parse
 * a frame again only to pick its output queue with
 * other_config:tx-steering=hash.  Like a NIC's hash it is not the one OVS
 * would compute (flow_hash_5tuple() costs about 80 instructions a frame):
 * it depends on the 5-tuple alone and spreads flows evenly
 * (tests/test-rss.c checks both).  Inline: it runs for every received
 * frame.
 */
#ifndef NETDEV_VHOSTUSER_RSS_H
#define NETDEV_VHOSTUSER_RSS_H 1

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp-packet.h"
#include "packets.h"

/* Mixes two 64-bit words into 64 well-spread bits: the high and low halves
 * of their 128-bit product, folded.  Each word is first offset by an odd
 * constant, so that a zero word does not cancel the other. */
static inline uint64_t
netdev_vhostuser_rss_mix(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128) (a ^ 0x9e3779b97f4a7c15ULL)
                          * (b ^ 0xbf58476d1ce4e5b9ULL);

    return (uint64_t) r ^ (uint64_t) (r >> 64);
}

/* Gives an untagged IPv4 TCP, UDP or SCTP frame that is not a fragment a
 * hash of its addresses, protocol and ports.  Other frames get none, and
 * OVS hashes them itself if it needs to.  Every frame of a TCP, UDP or SCTP
 * flow that is not fragmented is hashed, so all of them get the same
 * value.  The frame is the guest's: every offset is checked against its
 * length. */
static inline void
netdev_vhostuser_set_rss_hash(struct dp_packet *p)
{
    const uint8_t *eth = dp_packet_data(p);
    uint32_t len = dp_packet_size(p);
    const uint8_t *ip = eth + ETH_HEADER_LEN;
    uint64_t addrs, h;
    uint32_t ihl, ports;
    ovs_be16 type, frag;
    uint8_t proto;

    /* The shortest frame read: an IPv4 header without options, then the
     * 4 bytes of ports. */
    if (len < ETH_HEADER_LEN + IP_HEADER_LEN + 4) {
        return;
    }
    memcpy(&type, eth + 12, sizeof type);
    memcpy(&frag, ip + 6, sizeof frag);
    ihl = (ip[0] & 0x0f) * 4;
    proto = ip[9];
    if (type != htons(ETH_TYPE_IP) || ip[0] >> 4 != 4 || ihl < IP_HEADER_LEN
        || ihl > len - ETH_HEADER_LEN - 4
        || frag & htons(IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)
        || (proto != IPPROTO_TCP && proto != IPPROTO_UDP
            && proto != IPPROTO_SCTP)) {
        return;
    }
    memcpy(&addrs, ip + 12, sizeof addrs);      /* Source, destination. */
    memcpy(&ports, ip + ihl, sizeof ports);     /* Source, destination. */
    h = netdev_vhostuser_rss_mix(addrs, (uint64_t) ports << 8 | proto);
    dp_packet_set_rss_hash(p, (uint32_t) (h ^ (h >> 32)));
}

#endif /* netdev-vhostuser-rss.h */
