/*
 * vhu-vring.c: one vring's state, its lock, its readiness and its broken
 * mark.
 *
 * This file decides when a vring may be used by the datapath, and makes
 * every change that a burst could see under the vring's lock.  Message
 * semantics stay in vhu-msg.c, device-wide changes (the memory table,
 * features, events) in vhu-dev.c, and the bursts in vhu-net.c.
 */
#include "vhu-vring.h"

#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "vhu-log.h"
#include "vhu-socket.h"

void
vhu_vring_init(struct vhu_vring *vq, const char *name, int idx)
{
    memset(vq, 0, sizeof *vq);
    vq->kick_fd = vq->call_fd = vq->err_fd = -1;
    atomic_init(&vq->lock, 0);
    vq->name = name;
    vq->idx = idx;
}

void
vhu_vring_lock(struct vhu_vring *vq)
{
    while (!vhu_vring_trylock(vq)) {
        sched_yield();
    }
}

void
vhu_vring_mark_broken(struct vhu_vring *vq, int error, const char *what)
{
    static const uint64_t one = 1;

    vq->broken = true;
    vq->errors++;
    vhu_log_rl(VHU_LOG_WARN, "%s: vring %d (%s): malformed ring (%s); "
               "vring stopped until the frontend resets it", vq->name,
               vq->idx, what, strerror(error));
    if (vq->err_fd >= 0 && write(vq->err_fd, &one, sizeof one) < 0) {
        /* Nothing more to do: the error is counted and logged. */
    }
}

void
vhu_vring_set_num(struct vhu_vring *vq, uint32_t num)
{
    vhu_vring_lock(vq);
    vq->num = num;
    vq->broken = false;
    vhu_vring_unlock(vq);
}

void
vhu_vring_set_addr(struct vhu_vring *vq, const struct vhu_vring_addr *addr)
{
    vhu_vring_lock(vq);
    vq->addr = *addr;
    vq->addr_set = true;
    vq->broken = false;
    vhu_vring_unlock(vq);
}

void
vhu_vring_set_base(struct vhu_vring *vq, uint16_t base)
{
    vhu_vring_lock(vq);
    vq->ring.last_avail_idx = vq->ring.last_used_idx = base;
    vq->broken = false;
    vhu_vring_unlock(vq);
}

/* Installs 'fd' into '*slot', one of vq's fds, under the lock, and closes
 * the old one. */
static void
swap_fd(struct vhu_vring *vq, int *slot, int fd)
{
    int old;

    vhu_vring_lock(vq);
    old = *slot;
    *slot = fd;
    vhu_vring_unlock(vq);
    vhu_close_fds(&old, 1);
}

void
vhu_vring_start(struct vhu_vring *vq, int kick_fd, bool enable)
{
    swap_fd(vq, &vq->kick_fd, kick_fd);
    vhu_vring_lock(vq);
    vq->started = true;
    vq->broken = false;
    if (enable) {
        vq->enabled = true;
    }
    vhu_vring_unlock(vq);
}

void
vhu_vring_set_call_fd(struct vhu_vring *vq, int fd)
{
    swap_fd(vq, &vq->call_fd, fd);
}

void
vhu_vring_set_err_fd(struct vhu_vring *vq, int fd)
{
    swap_fd(vq, &vq->err_fd, fd);
}

/* 'enabled' only feeds vhu_vring_refresh(), which takes the lock. */
void
vhu_vring_set_enabled(struct vhu_vring *vq, bool enabled)
{
    vq->enabled = enabled;
}

bool
vhu_vring_refresh(struct vhu_vring *vq, const struct vhu_mem *mem,
                  uint64_t features)
{
    bool changed;

    vhu_vring_lock(vq);
    changed = vhu_vring_refresh_locked(vq, mem, features);
    vhu_vring_unlock(vq);
    return changed;
}

/* 'vq' is starting: its base came from SET_VRING_BASE (or from where we
 * left it).  Every chain we consumed got a used entry, so the base must
 * equal used->idx.  A frontend that reconnects to a restarted backend may
 * not know the base (DPDK's virtio-user sends 0), while the used ring still
 * shows how far the old backend got: restart from used->idx, as librte_vhost
 * does.  Frames in flight at the restart may then be sent twice or lost;
 * that beats a broken ring.  A guest that claims more than 'num' entries
 * past the used index is still caught, as broken, by the first burst.
 * Caller holds the lock. */
static void
resync(struct vhu_vring *vq)
{
    struct vhu_split *ring = &vq->ring;
    uint16_t used_idx = __atomic_load_n(&ring->used->idx, __ATOMIC_ACQUIRE);

    if (used_idx != ring->last_used_idx
        || ring->last_avail_idx != ring->last_used_idx) {
        vhu_log_rl(VHU_LOG_INFO, "%s: vring %d: base %u disagrees with the "
                   "used ring's index %u; resuming from %u", vq->name,
                   vq->idx, ring->last_avail_idx, used_idx, used_idx);
        ring->last_avail_idx = ring->last_used_idx = used_idx;
    }
}

bool
vhu_vring_refresh_locked(struct vhu_vring *vq, const struct vhu_mem *mem,
                         uint64_t features)
{
    bool want = vq->started && vq->enabled && vq->addr_set && vq->num
                && mem && !vq->broken;
    bool was = vq->ready, now = false;

    if (want) {
        int error = vhu_split_map(&vq->ring, mem, vq->num,
                                  vq->addr.desc_uaddr, vq->addr.avail_uaddr,
                                  vq->addr.used_uaddr);
        if (error) {
            vhu_log_rl(VHU_LOG_WARN, "%s: vring %d: rings not in guest "
                       "memory or misaligned (%s)", vq->name, vq->idx,
                       strerror(error));
        } else {
            vq->ring.event_idx = features & VHU_BIT(VHU_F_RING_EVENT_IDX);
            vq->ring.indirect = features
                                & VHU_BIT(VHU_F_RING_INDIRECT_DESC);
            vhu_split_disable_kicks(&vq->ring);
            if (!was) {
                resync(vq);
            }
            now = true;
        }
    }
    /* One store: vhu_vring_is_ready() reads 'ready' without the lock, and
     * a vring that stays ready across a re-translation (a memory table
     * change) must never look stopped, even for a moment. */
    __atomic_store_n(&vq->ready, now, __ATOMIC_RELAXED);
    return was != now;
}

bool
vhu_vring_stop(struct vhu_vring *vq)
{
    bool was;

    vhu_vring_lock(vq);
    was = vq->ready;
    vq->ready = false;
    vq->started = false;
    vq->broken = false;
    vhu_close_fds(&vq->kick_fd, 1);
    vhu_close_fds(&vq->call_fd, 1);
    vhu_vring_unlock(vq);
    return was;
}

bool
vhu_vring_reset_locked(struct vhu_vring *vq)
{
    bool was = vq->ready;

    vq->ready = false;
    vhu_close_fds(&vq->kick_fd, 1);
    vhu_close_fds(&vq->call_fd, 1);
    vhu_close_fds(&vq->err_fd, 1);
    vq->num = 0;
    vq->addr_set = vq->started = vq->enabled = vq->broken = false;
    memset(&vq->ring, 0, sizeof vq->ring);
    return was;
}

static uint64_t
load_counter(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
vhu_vring_get_info(const struct vhu_vring *vq, struct vhu_vring_info *info)
{
    memset(info, 0, sizeof *info);
    /* No lock: only the control thread, which is us, maps, re-translates or
     * unmaps rings, so the ring stays mapped while we read its indexes, and
     * a datapath burst on this vring is never made to miss its try-lock by
     * a statistics read. */
    info->enabled = vq->enabled;
    info->started = vq->started;
    info->ready = vq->ready;
    info->broken = vq->broken;
    info->size = vq->num;
    info->last_avail_idx = vq->ring.last_avail_idx;
    info->last_used_idx = vq->ring.last_used_idx;
    if (vq->ready) {
        info->avail_idx = __atomic_load_n(&vq->ring.avail->idx,
                                          __ATOMIC_RELAXED);
        info->used_idx = __atomic_load_n(&vq->ring.used->idx,
                                         __ATOMIC_RELAXED);
    }
    info->has_kick = vq->kick_fd >= 0;
    info->has_call = vq->call_fd >= 0;
    info->packets = load_counter(&vq->packets);
    info->bytes = load_counter(&vq->bytes);
    info->drops = load_counter(&vq->drops);
    info->errors = load_counter(&vq->errors);
    info->notifications = load_counter(&vq->notifications);
}
