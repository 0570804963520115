/*
 * netdev-vhostuser-stats.c: statistics and status of the vhost-user netdev
 * provider (plugin/netdev-vhostuser.c), for OVS's Interface statistics and
 * status columns.
 *
 * The library counts packets, bytes, drops and errors per vring (see
 * vhu_dev_vring_info()); the datapath (netdev-vhostuser-dp.c) counts only
 * the frames that never reached the library, in struct netdev_vhostuser.
 * This file adds them up.  It changes nothing, and runs in the main thread.
 */
#include <config.h>

#include "netdev-vhostuser-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "netdev-provider.h"
#include "openvswitch/util.h"
#include "ovs-atomic.h"
#include "smap.h"
#include "util.h"

#include "vhu.h"

static uint64_t
read_u64(atomic_uint64_t *p)
{
    uint64_t v;

    atomic_read_relaxed(p, &v);
    return v;
}

/* The library's counters for one queue pair, kept across reconnections.
 * 'rx' is guest TX (what OVS receives), 'tx' guest RX. */
struct queue_counters {
    uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
    uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
};

static void
queue_counters(struct netdev_vhostuser *dev, int qp, struct queue_counters *c)
{
    struct vhu_vring_info rx, tx;

    memset(c, 0, sizeof *c);
    if (dev->vhu && !vhu_dev_vring_info(dev->vhu, vhu_tx_vring(qp), &rx)
        && !vhu_dev_vring_info(dev->vhu, vhu_rx_vring(qp), &tx)) {
        *c = (struct queue_counters) {
            rx.packets, rx.bytes, rx.drops, rx.errors,
            tx.packets, tx.bytes, tx.drops, tx.errors,
        };
    }
}

int
netdev_vhostuser_get_stats(const struct netdev *netdev,
                           struct netdev_stats *stats)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);
    struct netdev_stats s;

    /* Only the counters set here are reported: OVS has filled 'stats'
     * with all-ones, meaning "not supported". */
    memset(&s, 0, sizeof s);
    ovs_mutex_lock(&dev->mutex);
    for (int i = 0; i < VHOSTUSER_MAX_QUEUES; i++) {
        struct queue_counters c;

        queue_counters(dev, i, &c);
        s.rx_packets += c.rx_packets;
        s.rx_bytes += c.rx_bytes;
        s.rx_dropped += c.rx_dropped;
        s.rx_errors += c.rx_errors;
        s.tx_packets += c.tx_packets;
        s.tx_bytes += c.tx_bytes;
        s.tx_dropped += c.tx_dropped + read_u64(&dev->queues[i].tx_dropped);
        s.tx_errors += c.tx_errors;
    }
    ovs_mutex_unlock(&dev->mutex);
    s.tx_dropped += read_u64(&dev->tx_mtu_exceeded_drops);
    stats->rx_packets = s.rx_packets;
    stats->rx_bytes = s.rx_bytes;
    stats->rx_dropped = s.rx_dropped;
    stats->rx_errors = s.rx_errors;
    stats->tx_packets = s.tx_packets;
    stats->tx_bytes = s.tx_bytes;
    stats->tx_dropped = s.tx_dropped;
    stats->tx_errors = s.tx_errors;
    return 0;
}

static void
add_counter(struct netdev_custom_stats *cs, const char *name, uint64_t value)
{
    struct netdev_custom_counter *c = &cs->counters[cs->size++];

    ovs_strlcpy(c->name, name, sizeof c->name);
    c->value = value;
}

int
netdev_vhostuser_get_custom_stats(const struct netdev *netdev,
                                  struct netdev_custom_stats *cs)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);
    int n_queues;

    ovs_mutex_lock(&dev->mutex);
    n_queues = dev->n_queues;
    cs->size = 0;
    cs->counters = xcalloc(3 + 4 * n_queues, sizeof *cs->counters);
    add_counter(cs, "ovs_tx_retries", read_u64(&dev->tx_retries));
    add_counter(cs, "ovs_tx_failure_drops", read_u64(&dev->tx_failure_drops));
    add_counter(cs, "ovs_tx_mtu_exceeded_drops",
                read_u64(&dev->tx_mtu_exceeded_drops));
    for (int i = 0; i < n_queues; i++) {
        char name[NETDEV_CUSTOM_STATS_NAME_SIZE];
        struct queue_counters c;

        queue_counters(dev, i, &c);
        snprintf(name, sizeof name, "rx_q%d_packets", i);
        add_counter(cs, name, c.rx_packets);
        snprintf(name, sizeof name, "rx_q%d_bytes", i);
        add_counter(cs, name, c.rx_bytes);
        snprintf(name, sizeof name, "tx_q%d_packets", i);
        add_counter(cs, name, c.tx_packets);
        snprintf(name, sizeof name, "tx_q%d_bytes", i);
        add_counter(cs, name, c.tx_bytes);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

int
netdev_vhostuser_get_status(const struct netdev *netdev, struct smap *args)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);
    struct vhu_dev *vhu;
    int n_vrings;

    ovs_mutex_lock(&dev->mutex);
    vhu = dev->vhu;
    smap_add(args, "mode", dev->client ? "client" : "server");
    if (dev->path) {
        smap_add(args, "socket", dev->path);
    }
    netdev_vhostuser_add_warnings(args, dev);
    if (!vhu || !vhu_dev_is_connected(vhu)) {
        smap_add(args, "status", "disconnected");
        goto out;
    }
    smap_add(args, "status", "connected");
    smap_add_format(args, "features", "0x%016"PRIx64, vhu_dev_features(vhu));
    smap_add_format(args, "mtu", "%d", netdev_vhostuser_effective_mtu(dev));
    smap_add_format(args, "numa", "%d", VHOSTUSER_NUMA);
    n_vrings = vhu_dev_n_vrings(vhu);
    smap_add_format(args, "num_of_vrings", "%d", n_vrings);
    for (int i = 0; i < n_vrings; i++) {
        struct vhu_vring_info info;

        if (!vhu_dev_vring_info(vhu, i, &info)) {
            smap_add_nocopy(args, xasprintf("vring_%d_size", i),
                            xasprintf("%d", info.size));
        }
    }
out:
    smap_add_format(args, "n_rxq", "%d", netdev->n_rxq);
    smap_add_format(args, "n_txq", "%d", netdev->n_txq);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}
