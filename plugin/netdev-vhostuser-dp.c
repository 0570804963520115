/*
 * netdev-vhostuser-dp.c: the datapath of the vhost-user netdev provider
 * (plugin/netdev-vhostuser.c): its receive queues and send(), which OVS's
 * PMD threads call through the class table.
 *
 *   - rxq_recv() (guest TX) dequeues a burst of the guest's frames into
 *     empty packets from the rxq's stash, which the PMD thread's packet
 *     pool refills (plugin/netdev-vhostuser-pool.c).
 *   - send() (guest RX) enqueues a batch into the guest queue pair that the
 *     main thread mapped the OVS txq to, retrying up to
 *     options:tx-retries-max times while the guest makes progress, and
 *     gives the packets to the thread's pool.
 *
 * The library's bursts only try-lock a vring, so a PMD thread never waits
 * for the control plane; send() serializes PMD threads that share a guest
 * queue with a per-queue spinlock held for one burst.  The port's
 * configuration reaches this file only through the atomics and the
 * 'vhu' pointer of struct netdev_vhostuser.  Only the class callbacks are
 * exported: everything a packet passes through is static in this file.
 */
#include <config.h>

#include "netdev-vhostuser-private.h"
#include "netdev-vhostuser-pool.h"
#include "netdev-vhostuser-rss.h"

#include <errno.h>
#include <string.h>

#include "dp-packet.h"
#include "dpif-netdev.h"
#include "netdev-provider.h"
#include "ovs-atomic.h"
#include "packets.h"
#include "util.h"

#include "vhu.h"

/* An rxq is polled by one PMD thread at a time, so its stash of empty
 * packets needs no lock.  Packets that a burst did not fill stay for the
 * next one, so an idle poll allocates nothing and touches no packet:
 * 'bufs' keeps the library's view of each stashed packet's buffer. */
struct netdev_rxq_vhostuser {
    struct netdev_rxq up;
    uint32_t stash_size;            /* Frame capacity of stashed packets. */
    int n_stash;
    struct dp_packet *stash[NETDEV_MAX_BURST];
    struct vhu_pkt bufs[NETDEV_MAX_BURST];      /* bufs[i] is stash[i]'s. */
};

/* Datapath: guest TX. */

struct netdev_rxq *
netdev_vhostuser_rxq_alloc(void)
{
    struct netdev_rxq_vhostuser *rx = xzalloc_cacheline(sizeof *rx);

    return &rx->up;
}

int
netdev_vhostuser_rxq_construct(struct netdev_rxq *rxq OVS_UNUSED)
{
    return 0;
}

static void
rxq_stash_free(struct netdev_rxq_vhostuser *rx)
{
    for (int i = 0; i < rx->n_stash; i++) {
        dp_packet_delete(rx->stash[i]);
    }
    rx->n_stash = 0;
}

void
netdev_vhostuser_rxq_destruct(struct netdev_rxq *rxq)
{
    rxq_stash_free(CONTAINER_OF(rxq, struct netdev_rxq_vhostuser, up));
}

void
netdev_vhostuser_rxq_dealloc(struct netdev_rxq *rxq)
{
    free_cacheline(CONTAINER_OF(rxq, struct netdev_rxq_vhostuser, up));
}

bool
netdev_vhostuser_rxq_enabled(struct netdev_rxq *rxq)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(rxq->netdev);
    struct vhu_dev *vhu = dev->vhu;

    return vhu && vhu_dev_vring_ready(vhu, vhu_tx_vring(rxq->queue_id));
}

/* The largest frame a guest may send or receive at 'mtu'. */
static uint32_t
frame_max(int mtu)
{
    return MAX(mtu, ETH_PAYLOAD_MAX) + ETH_HEADER_LEN + 2 * VLAN_HEADER_LEN;
}

/* Fills the stash with empty packets that hold 'size'-byte frames. */
static void
rxq_stash_fill(struct netdev_rxq_vhostuser *rx, uint32_t size)
{
    if (rx->stash_size != size) {
        rxq_stash_free(rx);
        rx->stash_size = size;
    }
    if (rx->n_stash < NETDEV_MAX_BURST) {
        netdev_vhostuser_pool_fill(rx->stash + rx->n_stash,
                                   NETDEV_MAX_BURST - rx->n_stash, size);
        for (int i = rx->n_stash; i < NETDEV_MAX_BURST; i++) {
            rx->bufs[i].data = dp_packet_data(rx->stash[i]);
            rx->bufs[i].size = size;
        }
        rx->n_stash = NETDEV_MAX_BURST;
    }
}

int
netdev_vhostuser_rxq_recv(struct netdev_rxq *rxq,
                          struct dp_packet_batch *batch, int *qfill)
{
    struct netdev_rxq_vhostuser *rx = CONTAINER_OF(rxq,
                                                   struct netdev_rxq_vhostuser,
                                                   up);
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(rxq->netdev);
    struct vhu_dev *vhu = dev->vhu;
    bool up, hash;
    int mtu, n;

    if (qfill) {
        *qfill = 0;
    }
    atomic_read_relaxed(&dev->admin_up, &up);
    if (!vhu || !up || rxq->queue_id >= VHOSTUSER_MAX_QUEUES) {
        /* An administratively down port leaves the guest's frames in its
         * ring, as OVS-DPDK does. */
        return EAGAIN;
    }
    atomic_read_relaxed(&dev->mtu, &mtu);
    rxq_stash_fill(rx, frame_max(mtu));
    n = vhu_dequeue_burst(vhu, vhu_tx_vring(rxq->queue_id), rx->bufs,
                          NETDEV_MAX_BURST);
    if (!n) {
        return EAGAIN;
    }
    /* Hand the first 'n' stashed packets over; the rest move down.  With
     * several queues, output queues are usually picked by hash: give the
     * packets theirs (one queue: spare the cycles). */
    hash = rxq->netdev->n_rxq > 1;
    dp_packet_batch_init(batch);
    for (int i = 0; i < n; i++) {
        dp_packet_set_size(rx->stash[i], rx->bufs[i].len);
        if (hash) {
            netdev_vhostuser_set_rss_hash(rx->stash[i]);
        }
        dp_packet_batch_add(batch, rx->stash[i]);
    }
    memmove(rx->stash, rx->stash + n, (rx->n_stash - n) * sizeof rx->stash[0]);
    memmove(rx->bufs, rx->bufs + n, (rx->n_stash - n) * sizeof rx->bufs[0]);
    rx->n_stash -= n;
    return 0;
}

void
netdev_vhostuser_rxq_wait(struct netdev_rxq *rxq OVS_UNUSED)
{
    /* PMD threads poll; there is nothing to wait on. */
}

/* Datapath: guest RX. */

static void
queue_tx_lock(struct vhostuser_queue *q)
{
    while (atomic_flag_test_and_set_explicit(&q->tx_lock,
                                             memory_order_acquire)) {
        continue;
    }
}

static void
queue_tx_unlock(struct vhostuser_queue *q)
{
    atomic_flag_clear_explicit(&q->tx_lock, memory_order_release);
}

/* Fills 'pkts' from 'batch', dropping frames over the MTU.  Returns the
 * count kept. */
static int
collect_tx(struct netdev_vhostuser *dev, struct dp_packet_batch *batch,
           struct vhu_pkt *pkts)
{
    struct dp_packet *packet;
    uint32_t max;
    int mtu, n = 0;

    atomic_read_relaxed(&dev->mtu, &mtu);
    max = mtu + ETH_HEADER_LEN + VLAN_HEADER_LEN;
    DP_PACKET_BATCH_FOR_EACH (i, packet, batch) {
        uint32_t len = dp_packet_size(packet);

        if (len > max) {
            atomic_add_relaxed(&dev->tx_mtu_exceeded_drops, 1,
                               &(uint64_t) { 0 });
            continue;
        }
        pkts[n].data = dp_packet_data(packet);
        pkts[n].len = len;
        n++;
    }
    return n;
}

/* Enqueues 'n' frames into guest queue 'q' (locked by the caller),
 * retrying as OVS-DPDK does: while the guest makes progress, up to
 * tx-retries-max times.  Returns the frames consumed. */
static int
enqueue_with_retries(struct netdev_vhostuser *dev, struct vhu_dev *vhu,
                     int vring, struct vhu_pkt *pkts, int n)
{
    int sent = 0, retries = 0, max_retries;

    atomic_read_relaxed(&dev->tx_retries_max, &max_retries);
    for (;;) {
        int placed = vhu_enqueue_burst(vhu, vring, pkts + sent, n - sent,
                                       NULL);

        sent += placed;
        if (!placed || sent == n || retries >= max_retries) {
            break;
        }
        retries++;
    }
    if (retries) {
        atomic_add_relaxed(&dev->tx_retries, retries, &(uint64_t) { 0 });
    }
    return sent;
}

int
netdev_vhostuser_send(struct netdev *netdev, int qid,
                      struct dp_packet_batch *batch,
                      bool concurrent_txq OVS_UNUSED)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);
    struct vhu_pkt pkts[NETDEV_MAX_BURST];
    struct vhu_dev *vhu = dev->vhu;
    struct vhostuser_queue *q;
    int n, guest_q, sent = 0;
    bool up;

    atomic_read_relaxed(&dev->txq_map[qid % VHOSTUSER_MAX_QUEUES], &guest_q);
    q = &dev->queues[guest_q];

    n = collect_tx(dev, batch, pkts);
    atomic_read_relaxed(&dev->admin_up, &up);
    if (up && vhu && vhu_dev_vring_ready(vhu, vhu_rx_vring(guest_q))) {
        /* Several OVS txqs may map to one guest queue, whatever
         * 'concurrent_txq' says: always serialize on the guest queue. */
        queue_tx_lock(q);
        sent = enqueue_with_retries(dev, vhu, vhu_rx_vring(guest_q), pkts, n);
        queue_tx_unlock(q);
        if (sent < n) {
            atomic_add_relaxed(&dev->tx_failure_drops, n - sent,
                               &(uint64_t) { 0 });
        }
    }
    if (sent < n) {
        atomic_add_relaxed(&q->tx_dropped, n - sent, &(uint64_t) { 0 });
    }
    netdev_vhostuser_pool_put_batch(batch);
    return 0;
}
