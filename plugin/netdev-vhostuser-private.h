/*
 * netdev-vhostuser-private.h: what the files of the vhost-user netdev
 * provider share.  Only plugin/netdev-vhostuser*.c include it.
 *
 *   netdev-vhostuser.c         the provider: the classes, ports, sockets,
 *                              configuration and the control plane.
 *   netdev-vhostuser-dp.c      the datapath: rxqs and send(), which PMD
 *                              threads call.
 *   netdev-vhostuser-stats.c   statistics and status.
 *   netdev-vhostuser-appctl.c  the vhostuser/... unixctl commands.
 *
 * A function called from another file than its own has the
 * netdev_vhostuser_ prefix and is declared below, under the file that
 * defines it.  None of them is called per packet: the datapath's are called
 * through the class table, and netdev_vhostuser_cast() is inline.
 */
#ifndef NETDEV_VHOSTUSER_PRIVATE_H
#define NETDEV_VHOSTUSER_PRIVATE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "netdev-provider.h"
#include "openvswitch/compiler.h"
#include "openvswitch/list.h"
#include "openvswitch/thread.h"
#include "openvswitch/types.h"
#include "ovs-atomic.h"
#include "util.h"

struct dp_packet_batch;
struct smap;
struct vhu_dev;

#define VHOSTUSER_MAX_QUEUES 128    /* Queue pairs offered to the guest. */

/* The NUMA node we ask OVS to poll from.  Guest memory may live on any
 * node; finding it is future work, and node 0 exists on every host. */
#define VHOSTUSER_NUMA 0

/* Per guest queue pair, on its own cache line.  Packets and bytes are
 * counted by the library per vring; we count only the frames that never
 * reached it. */
struct vhostuser_queue {
    atomic_flag tx_lock;            /* Serializes send() on this queue. */
    atomic_uint64_t tx_dropped;     /* No guest, ring full, or MTU. */
} __attribute__((aligned(CACHE_LINE_SIZE)));

struct netdev_vhostuser {
    struct netdev up;
    struct ovs_list list_node;      /* In 'netdev_vhostuser_devs'. */

    /* Protects the configuration below against the main thread's other
     * callers; the datapath never takes it. */
    struct ovs_mutex mutex;
    bool client;
    bool configured;                /* set_config() has succeeded: the port
                                     * may be in the datapath. */
    char *path;                     /* Socket path, or NULL (client with no
                                     * vhost-server-path yet). */
    struct vhu_dev *vhu;            /* NULL until the socket is open. */
    long long int wake_at;          /* When run() wants to run again
                                     * (msec), or LLONG_MAX. */

    /* A client's new socket, created by set_config() and swapped in by
     * reconfigure(), where no PMD thread can be using 'vhu'. */
    char *pending_path;
    struct vhu_dev *pending_vhu;

    /* Problems that leave the port in the datapath, shown in the status
     * column and logged when they change.  While 'socket_warning' is set,
     * run() re-checks the socket's directory (a server waiting to listen,
     * or a client's directory) every second. */
    char *config_warning;           /* Options ignored or kept, or NULL. */
    char *socket_warning;           /* Socket not usable yet, or NULL. */
    long long int recheck_at;       /* Next check of the directory. */
    struct eth_addr mac;
    int user_mtu;                   /* From mtu_request, or 0. */
    enum netdev_flags flags;
    bool carrier;                   /* Last value reported. */

    /* Read by the datapath. */
    atomic_bool admin_up;           /* NETDEV_UP: pass traffic. */
    atomic_int tx_retries_max;
    atomic_int mtu;                 /* Effective MTU. */
    int n_queues;                   /* Guest queue pairs in use (>= 1). */
    /* OVS txq T sends to guest queue pair txq_map[T % VHOSTUSER_MAX_QUEUES],
     * always one whose guest RX vring is ready if any is.  Written by the
     * main thread when vrings change. */
    atomic_int txq_map[VHOSTUSER_MAX_QUEUES];
    struct vhostuser_queue queues[VHOSTUSER_MAX_QUEUES];

    /* Custom statistics. */
    atomic_uint64_t tx_retries;
    atomic_uint64_t tx_failure_drops;
    atomic_uint64_t tx_mtu_exceeded_drops;
};

/* netdev-vhostuser.c. */

/* All our netdevs, for the class run()/wait() hooks and vhostuser/show.
 * Touched only by the main thread; only netdev-vhostuser.c changes it. */
extern struct ovs_list netdev_vhostuser_devs;

int netdev_vhostuser_construct(struct netdev *);
int netdev_vhostuser_effective_mtu(const struct netdev_vhostuser *);
void netdev_vhostuser_add_warnings(struct smap *,
                                   const struct netdev_vhostuser *dev)
    OVS_REQUIRES(dev->mutex);

/* Returns 'netdev', which must be one of ours, as a netdev_vhostuser.  Our
 * classes all share construct(). */
static inline struct netdev_vhostuser *
netdev_vhostuser_cast(const struct netdev *netdev)
{
    ovs_assert(netdev_get_class(netdev)->construct
               == netdev_vhostuser_construct);
    return CONTAINER_OF(netdev, struct netdev_vhostuser, up);
}

/* netdev-vhostuser-dp.c: the class callbacks of the datapath. */

struct netdev_rxq *netdev_vhostuser_rxq_alloc(void);
int netdev_vhostuser_rxq_construct(struct netdev_rxq *);
void netdev_vhostuser_rxq_destruct(struct netdev_rxq *);
void netdev_vhostuser_rxq_dealloc(struct netdev_rxq *);
bool netdev_vhostuser_rxq_enabled(struct netdev_rxq *);
int netdev_vhostuser_rxq_recv(struct netdev_rxq *, struct dp_packet_batch *,
                              int *qfill);
void netdev_vhostuser_rxq_wait(struct netdev_rxq *);
int netdev_vhostuser_send(struct netdev *, int qid, struct dp_packet_batch *,
                          bool concurrent_txq);

/* netdev-vhostuser-stats.c: the class callbacks for statistics and
 * status. */

int netdev_vhostuser_get_stats(const struct netdev *, struct netdev_stats *);
int netdev_vhostuser_get_custom_stats(const struct netdev *,
                                      struct netdev_custom_stats *);
int netdev_vhostuser_get_status(const struct netdev *, struct smap *);

/* netdev-vhostuser-appctl.c. */

void netdev_vhostuser_appctl_register(void);

#endif /* netdev-vhostuser-private.h */
