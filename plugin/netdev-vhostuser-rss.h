/*
 * netdev-vhostuser-rss.h: the hash that the vhost-user datapath
 * (plugin/netdev-vhostuser-dp.c) gives the frames a guest sends on a
 * multi-queue port, as a NIC gives its RSS hash: exactly the value that
 * OVS's flow_hash_5tuple() computes, so that nothing changes but the work
 * OVS saves (tests/test-rss.c compares the two).  Inline: it runs for
 * every received frame.
 */
#ifndef NETDEV_VHOSTUSER_RSS_H
#define NETDEV_VHOSTUSER_RSS_H 1

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dp-packet.h"
#include "hash.h"
#include "packets.h"

/* True if OVS's flow extraction reads the ports of an L4 header of
 * protocol 'proto' at 'l4', 'size' bytes long: TCP, UDP and SCTP, when
 * long enough.  The ports are then the first 4 bytes. */
static inline bool
netdev_vhostuser_l4_has_ports(const uint8_t *l4, uint32_t size, uint8_t proto)
{
    switch (proto) {
    case IPPROTO_TCP:
        return (size >= TCP_HEADER_LEN
                && (l4[12] >> 4) * 4 >= TCP_HEADER_LEN
                && size >= (l4[12] >> 4) * 4);
    case IPPROTO_UDP:
        return size >= UDP_HEADER_LEN;
    case IPPROTO_SCTP:
        return size >= SCTP_HEADER_LEN;
    default:
        return false;
    }
}

/* Gives an untagged, well-formed IPv4 TCP, UDP or SCTP frame that is not a
 * fragment the hash of its 5-tuple that OVS would compute for it
 * (flow_hash_5tuple()), as a NIC gives its RSS hash, so that OVS need not
 * parse the frame again only to pick an output queue with
 * other_config:tx-steering=hash.  Other frames get none, and OVS hashes
 * them itself, the same way.  The frame is the guest's: every offset is
 * checked against its length. */
static inline void
netdev_vhostuser_set_rss_hash(struct dp_packet *p)
{
    const uint8_t *eth = dp_packet_data(p);
    uint32_t len = dp_packet_size(p);
    const uint8_t *ip = eth + ETH_HEADER_LEN;
    uint32_t ihl, src, dst, ports, hash;
    ovs_be16 type, tot_len, frag;

    if (len < ETH_HEADER_LEN + IP_HEADER_LEN) {
        return;
    }
    memcpy(&type, eth + 12, sizeof type);
    memcpy(&tot_len, ip + 2, sizeof tot_len);
    memcpy(&frag, ip + 6, sizeof frag);
    ihl = (ip[0] & 0x0f) * 4;
    if (type != htons(ETH_TYPE_IP) || ip[0] >> 4 != 4 || ihl < IP_HEADER_LEN
        || ntohs(tot_len) > len - ETH_HEADER_LEN || ntohs(tot_len) < ihl
        || frag & htons(IP_MORE_FRAGMENTS | IP_FRAG_OFF_MASK)
        || !netdev_vhostuser_l4_has_ports(ip + ihl, ntohs(tot_len) - ihl,
                                          ip[9])) {
        return;
    }
    memcpy(&src, ip + 12, sizeof src);
    memcpy(&dst, ip + 16, sizeof dst);
    memcpy(&ports, ip + ihl, sizeof ports);
    hash = hash_add(hash_add(hash_add(hash_add(0, src), dst), ip[9]), ports);
    dp_packet_set_rss_hash(p, hash_finish(hash, 42));
}

#endif /* netdev-vhostuser-rss.h */
