/*
 * netdev-vhostuser-pool.c: per-thread pools of empty dp_packets (see
 * netdev-vhostuser-pool.h).  The datapath (rxq_recv() and send()) is the
 * only user; the appctl command vhostuser/show prints the counters.
 *
 * Each pool is a LIFO stack owned by one thread, so the packet last freed
 * by send() is the next one filled by rxq_recv(), its buffer still in
 * cache.  No lock is taken on the packet path.  'pools_mutex' guards only
 * the list of pools, which changes when a thread creates its pool or
 * exits, and is read by the main thread for the counters.
 */
#include <config.h>

#include "netdev-vhostuser-pool.h"

#include "dp-packet.h"
#include "dpif-netdev.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "util.h"

/* Buffers larger than this go back to the allocator, so that a pool never
 * holds megabytes of, say, 64 KiB buffers from another netdev. */
#define POOL_BUF_MAX (16 * 1024)

/* Counters, each written only by the pool's thread and read by the main
 * thread. */
enum pool_counter {
    POOL_REUSED,                /* Packets that rxq_recv() took from it. */
    POOL_ALLOCATED,             /* Packets rxq_recv() had to allocate. */
    POOL_RECYCLED,              /* Packets send() gave back. */
    POOL_FREED,                 /* Packets send() freed: full or unfit. */
    POOL_N_COUNTERS
};

static const char *const pool_counter_names[POOL_N_COUNTERS] = {
    "reused", "allocated", "recycled", "freed",
};

struct vhostuser_pool {
    struct ovs_list node;       /* In 'pools', under 'pools_mutex'. */
    char *thread_name;
    size_t capacity;            /* Frame capacity the last fill asked for. */
    int n;
    atomic_uint64_t counters[POOL_N_COUNTERS];
    struct dp_packet *pkts[NETDEV_VHOSTUSER_POOL_MAX];
};

static struct ovs_mutex pools_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list pools OVS_GUARDED_BY(pools_mutex)
    = OVS_LIST_INITIALIZER(&pools);
/* Counters of pools whose threads have exited. */
static uint64_t retired[POOL_N_COUNTERS] OVS_GUARDED_BY(pools_mutex);

/* The calling thread's pool, if it has one. */
DEFINE_STATIC_PER_THREAD_DATA(struct vhostuser_pool *, thread_pool, NULL);

/* Frees 'pool_' at its thread's exit. */
static ovsthread_key_t pool_key;

static void
counter_add(struct vhostuser_pool *pool, enum pool_counter c, uint64_t n)
{
    uint64_t value;

    /* Only this thread writes the counter: no atomic add needed. */
    atomic_read_relaxed(&pool->counters[c], &value);
    atomic_store_relaxed(&pool->counters[c], value + n);
}

static uint64_t
counter_get(struct vhostuser_pool *pool, enum pool_counter c)
{
    uint64_t value;

    atomic_read_relaxed(&pool->counters[c], &value);
    return value;
}

static void
pool_destroy(void *pool_)
{
    struct vhostuser_pool *pool = pool_;

    ovs_mutex_lock(&pools_mutex);
    ovs_list_remove(&pool->node);
    for (int c = 0; c < POOL_N_COUNTERS; c++) {
        retired[c] += counter_get(pool, c);
    }
    ovs_mutex_unlock(&pools_mutex);

    for (int i = 0; i < pool->n; i++) {
        dp_packet_delete(pool->pkts[i]);
    }
    free(pool->thread_name);
    free_cacheline(pool);
}

static struct vhostuser_pool *
pool_create(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;
    struct vhostuser_pool *pool;

    if (ovsthread_once_start(&once)) {
        ovsthread_key_create(&pool_key, pool_destroy);
        ovsthread_once_done(&once);
    }
    pool = xzalloc_cacheline(sizeof *pool);
    pool->thread_name = xstrdup(get_subprogram_name());
    ovsthread_setspecific(pool_key, pool);

    ovs_mutex_lock(&pools_mutex);
    ovs_list_push_back(&pools, &pool->node);
    ovs_mutex_unlock(&pools_mutex);
    return pool;
}

/* Pops a packet from 'pool' that holds at least 'need' bytes, freeing
 * smaller ones (left from a smaller MTU).  Returns NULL if none. */
static struct dp_packet *
pool_pop(struct vhostuser_pool *pool, size_t need)
{
    while (pool->n) {
        struct dp_packet *b = pool->pkts[--pool->n];

        if (dp_packet_get_allocated(b) >= need) {
            return b;
        }
        dp_packet_delete(b);
    }
    return NULL;
}

/* Stores 'n' empty packets in 'pkts', each with room for a 'capacity'-byte
 * frame after DP_NETDEV_HEADROOM, from the calling thread's pool as far as
 * it goes. */
void
netdev_vhostuser_pool_fill(struct dp_packet **pkts, int n, size_t capacity)
{
    struct vhostuser_pool **poolp = thread_pool_get();
    struct vhostuser_pool *pool = *poolp;
    size_t need = capacity + DP_NETDEV_HEADROOM;
    int reused = 0;

    if (OVS_UNLIKELY(!pool)) {
        pool = *poolp = pool_create();
    }
    pool->capacity = capacity;
    for (int i = 0; i < n; i++) {
        struct dp_packet *b = pool_pop(pool, need);

        if (b) {
            /* Reset everything a previous user may have set. */
            dp_packet_use(b, dp_packet_base(b), dp_packet_get_allocated(b));
            dp_packet_reserve(b, DP_NETDEV_HEADROOM);
            reused++;
        } else {
            b = dp_packet_new_with_headroom(capacity, DP_NETDEV_HEADROOM);
        }
        pkts[i] = b;
    }
    if (reused) {
        counter_add(pool, POOL_REUSED, reused);
    }
    if (reused < n) {
        counter_add(pool, POOL_ALLOCATED, n - reused);
    }
}

/* True if 'b' may go into 'pool': a malloc'd packet that can hold the
 * frames the pool's thread last asked for, but not a huge one. */
static bool
pool_fits(const struct vhostuser_pool *pool, const struct dp_packet *b)
{
    size_t allocated = dp_packet_get_allocated(b);

    return (b->source == DPBUF_MALLOC
            && allocated >= pool->capacity + DP_NETDEV_HEADROOM
            && allocated <= POOL_BUF_MAX);
}

/* Takes every packet of 'batch' (which ends up empty): into the calling
 * thread's pool while it has room, otherwise back to the allocator. */
void
netdev_vhostuser_pool_put_batch(struct dp_packet_batch *batch)
{
    struct vhostuser_pool *pool = *thread_pool_get();
    struct dp_packet *b;
    int recycled = 0;

    if (!pool) {
        dp_packet_delete_batch(batch, true);
        return;
    }
    DP_PACKET_BATCH_FOR_EACH (i, b, batch) {
        if (pool->n < NETDEV_VHOSTUSER_POOL_MAX && pool_fits(pool, b)) {
            pool->pkts[pool->n++] = b;
            recycled++;
        } else {
            dp_packet_delete(b);
        }
    }
    if (recycled) {
        counter_add(pool, POOL_RECYCLED, recycled);
    }
    if (recycled < batch->count) {
        counter_add(pool, POOL_FREED, batch->count - recycled);
    }
    dp_packet_batch_init(batch);
}

/* Appends the pools' counters to 'out': one line per live pool, then the
 * totals including pools of threads that have exited. */
void
netdev_vhostuser_pool_format(struct ds *out)
{
    uint64_t total[POOL_N_COUNTERS];
    struct vhostuser_pool *pool;

    ovs_mutex_lock(&pools_mutex);
    memcpy(total, retired, sizeof total);
    LIST_FOR_EACH (pool, node, &pools) {
        /* 'n' is the owner's; read racily, it is only shown. */
        ds_put_format(out, "packet pool %s: size %d/%d,", pool->thread_name,
                      *(volatile int *) &pool->n, NETDEV_VHOSTUSER_POOL_MAX);
        for (int c = 0; c < POOL_N_COUNTERS; c++) {
            uint64_t value = counter_get(pool, c);

            ds_put_format(out, " %s %"PRIu64, pool_counter_names[c], value);
            total[c] += value;
        }
        ds_put_char(out, '\n');
    }
    ovs_mutex_unlock(&pools_mutex);

    ds_put_cstr(out, "packet pools total:");
    for (int c = 0; c < POOL_N_COUNTERS; c++) {
        ds_put_format(out, " %s %"PRIu64, pool_counter_names[c], total[c]);
    }
    ds_put_char(out, '\n');
}
