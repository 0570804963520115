/*
 * vhu-vring.h: one vring: what the frontend set up, the lock that a burst
 * takes, whether the datapath may use it ('ready') and whether a ring error
 * stopped it ('broken').
 *
 * vhu-vring.c owns that state.  The message handlers (vhu-msg.c) set a
 * vring up through the functions below; the device (vhu-dev.c) refreshes,
 * stops and resets its vrings through them and reports the changes as
 * events; the bursts (vhu-net.c) take a vring with
 * vhu_vring_trylock_ready(), work on 'ring' and the counters directly, and
 * mark it broken on a ring error.  A vring knows nothing of its device:
 * what it needs of it, the memory table and the negotiated features, comes
 * in as arguments.
 *
 * Depends on vhu-split.h and vhu-mem.h (the ring, and the table it is
 * translated through) and vhu.h (struct vhu_vring_info).
 */
#ifndef VHU_VRING_H
#define VHU_VRING_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vhu.h"
#include "vhu-mem.h"
#include "vhu-proto.h"
#include "vhu-split.h"

/* One vring.  Fields above 'lock' are written by the control thread only;
 * the datapath reads 'ready' and everything in 'ring' with 'lock' held.
 * Cache-line aligned so that threads on different vrings share no line. */
struct __attribute__((aligned(64))) vhu_vring {
    /* Set up by messages. */
    uint32_t num;                       /* 0 until SET_VRING_NUM. */
    struct vhu_vring_addr addr;
    bool addr_set;
    bool started;                       /* A kick fd (or NOFD) arrived. */
    bool enabled;
    int kick_fd, call_fd, err_fd;       /* -1 if none. */

    atomic_int lock;                    /* 1 while a thread holds it. */

    /* Datapath state, under 'lock'. */
    bool ready;                         /* Translated, started, enabled. */
    bool broken;                        /* A ring error stopped it. */
    struct vhu_split ring;

    /* Counters, written under 'lock', read anywhere (relaxed). */
    uint64_t packets, bytes, drops, errors, notifications;

    /* For log lines; set by vhu_vring_init().  Last, so that the fields
     * above keep their cache lines. */
    const char *name;                   /* The device's socket path. */
    int idx;                            /* Its number in the device. */
};

/* Initializes 'vq' as vring 'idx' of the device whose socket is 'name' (which
 * must outlive 'vq'): not set up, no fds, unlocked. */
void vhu_vring_init(struct vhu_vring *vq, const char *name, int idx);

/* Locks.  The datapath only try-locks; the control side spins, which waits
 * at most for one burst. */
static inline bool
vhu_vring_trylock(struct vhu_vring *vq)
{
    return !atomic_exchange_explicit(&vq->lock, 1, memory_order_acquire);
}

void vhu_vring_lock(struct vhu_vring *);

static inline void
vhu_vring_unlock(struct vhu_vring *vq)
{
    atomic_store_explicit(&vq->lock, 0, memory_order_release);
}

/* Returns true if 'vq' is ready and not broken.  Any thread, no lock. */
static inline bool
vhu_vring_is_ready(const struct vhu_vring *vq)
{
    return (__atomic_load_n(&vq->ready, __ATOMIC_RELAXED)
            && !__atomic_load_n(&vq->broken, __ATOMIC_RELAXED));
}

/* Takes 'vq' for a burst: returns true, holding its lock, if the vring is
 * ready and not broken; returns false at once if it is not, or if the
 * control side or another burst holds the lock. */
static inline bool
vhu_vring_trylock_ready(struct vhu_vring *vq)
{
    if (!__atomic_load_n(&vq->ready, __ATOMIC_RELAXED)
        || !vhu_vring_trylock(vq)) {
        return false;
    }
    if (!vq->ready || vq->broken) {
        vhu_vring_unlock(vq);
        return false;
    }
    return true;
}

/* Marks 'vq' broken after ring error 'error' in a burst ('what' says which
 * kind): counts and logs it and signals the err fd.  The vring stays
 * stopped until the frontend sets it up again.  Caller holds the lock. */
void vhu_vring_mark_broken(struct vhu_vring *, int error, const char *what);

/* Set-up by messages, control side.  Each clears the broken mark where the
 * message does, and takes the lock where a burst could see the change.  None
 * recomputes readiness: the caller follows with vhu_vring_refresh(). */
void vhu_vring_set_num(struct vhu_vring *, uint32_t num);
void vhu_vring_set_addr(struct vhu_vring *, const struct vhu_vring_addr *);
void vhu_vring_set_base(struct vhu_vring *, uint16_t base);
/* Installs 'kick_fd' (-1: none) and marks 'vq' started, and also enabled if
 * 'enable'.  Closes the old kick fd. */
void vhu_vring_start(struct vhu_vring *, int kick_fd, bool enable);
/* Installs 'fd' (-1: none), closing the old one. */
void vhu_vring_set_call_fd(struct vhu_vring *, int fd);
void vhu_vring_set_err_fd(struct vhu_vring *, int fd);
void vhu_vring_set_enabled(struct vhu_vring *, bool enabled);

/* Readiness, control side.  Each returns true if 'vq' became ready or
 * stopped being ready. */

/* Recomputes whether 'vq' may be used, translating its rings through 'mem'
 * (NULL: no table yet) for the negotiated 'features'.  The _locked variant
 * is for a caller that holds the lock. */
bool vhu_vring_refresh(struct vhu_vring *, const struct vhu_mem *mem,
                       uint64_t features);
bool vhu_vring_refresh_locked(struct vhu_vring *, const struct vhu_mem *mem,
                              uint64_t features);
/* Stops 'vq' (GET_VRING_BASE): not ready, not started, not broken, kick and
 * call fds closed.  Takes the lock, so no burst runs on 'vq' afterwards
 * until it is started again. */
bool vhu_vring_stop(struct vhu_vring *);
/* Forgets everything the frontend set up and closes every fd.  Caller holds
 * the lock. */
bool vhu_vring_reset_locked(struct vhu_vring *);

/* Fills 'info' for 'vq'.  Control side only; takes no lock. */
void vhu_vring_get_info(const struct vhu_vring *, struct vhu_vring_info *);

#endif /* vhu-vring.h */
