/*
 * netdev-vhostuser-pool.h: per-thread pools of empty dp_packets for the
 * vhost-user datapath, so that a PMD thread that forwards between our ports
 * calls the allocator only to make up for packets OVS kept or freed itself.
 *
 * rxq_recv() takes packets with netdev_vhostuser_pool_fill(); send()
 * returns the packets it consumed with netdev_vhostuser_pool_put_batch().
 * Pool packets are ordinary malloc'd dp_packets (DPBUF_MALLOC), so any
 * other path in OVS (another netdev's send, a clone, a drop) may free them
 * with dp_packet_delete().  Each thread's pool holds at most
 * NETDEV_VHOSTUSER_POOL_MAX packets and is freed when the thread exits: a
 * PMD thread exits when the datapath has no more PMD ports.  Only threads
 * that have received from a vhost-user rxq have a pool; send() from any
 * other thread frees its packets as before.
 */
#ifndef NETDEV_VHOSTUSER_POOL_H
#define NETDEV_VHOSTUSER_POOL_H 1

#include <stddef.h>
#include <stdint.h>

struct dp_packet;
struct dp_packet_batch;
struct ds;

#define NETDEV_VHOSTUSER_POOL_MAX 256

void netdev_vhostuser_pool_fill(struct dp_packet **pkts, int n,
                                size_t capacity);
void netdev_vhostuser_pool_put_batch(struct dp_packet_batch *);
void netdev_vhostuser_pool_format(struct ds *);

#endif /* netdev-vhostuser-pool.h */
