/*
 * vhu-net.c: virtio-net bursts: guest TX dequeue and guest RX enqueue.
 *
 * Each burst takes the vring's lock with a try-lock, reads avail->idx once,
 * publishes used->idx once, and writes the call eventfd at most once, and
 * only if the guest asked for an interrupt.  A burst first walks (and
 * checks) the chains of up to 32 avail entries that are one segment each,
 * the usual shape, prefetching their buffers, and only then copies, so that
 * the cache misses of a whole burst overlap; other chains take the general
 * path.  There packets are copied between the caller's flat buffers and the
 * guest's descriptor segments; the virtio-net header is gathered or
 * scattered like any other bytes, so a header split across descriptors is
 * handled (CVE-2022-2132 class).
 */
#include "vhu-private.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "vhu-split.h"
#include "vhu-vring.h"

/* A position inside a chain's segments. */
struct cursor {
    const struct vhu_chain *chain;
    uint32_t seg;               /* Index into chain->iov. */
    uint32_t off;               /* Offset inside that segment. */
    uint32_t end;               /* One past the last segment to use. */
};

static void
cursor_init(struct cursor *c, const struct vhu_chain *chain, bool writable)
{
    c->chain = chain;
    c->seg = writable ? chain->n_read : 0;
    c->end = writable ? chain->n_read + chain->n_write : chain->n_read;
    c->off = 0;
}

/* Copies 'len' bytes out of the chain at 'c' into 'dst' (NULL: skip). */
static void
cursor_read(struct cursor *c, uint8_t *dst, uint32_t len)
{
    while (len && c->seg < c->end) {
        const struct vhu_iov *iov = &c->chain->iov[c->seg];
        uint32_t n = iov->len - c->off;

        if (n > len) {
            n = len;
        }
        if (dst) {
            memcpy(dst, iov->base + c->off, n);
            dst += n;
        }
        len -= n;
        c->off += n;
        if (c->off == iov->len) {
            c->seg++;
            c->off = 0;
        }
    }
}

/* Copies up to 'len' bytes from 'src' into the chain at 'c'.  Returns the
 * number of bytes copied. */
static uint32_t
cursor_write(struct cursor *c, const uint8_t *src, uint32_t len)
{
    uint32_t done = 0;

    while (done < len && c->seg < c->end) {
        const struct vhu_iov *iov = &c->chain->iov[c->seg];
        uint32_t n = iov->len - c->off;

        if (n > len - done) {
            n = len - done;
        }
        memcpy(iov->base + c->off, src + done, n);
        done += n;
        c->off += n;
        if (c->off == iov->len) {
            c->seg++;
            c->off = 0;
        }
    }
    return done;
}

static void
notify_guest(struct vhu_vring *vq)
{
    static const uint64_t one = 1;

    if (vq->call_fd >= 0 && write(vq->call_fd, &one, sizeof one) > 0) {
        vq->notifications++;
    }
}

/* Takes 'vq' for a burst if it is usable. */
static struct vhu_vring *
burst_begin(struct vhu_dev *dev, int vring)
{
    struct vhu_vring *vq;

    if ((unsigned int) vring >= 2u * dev->max_queue_pairs) {
        return NULL;
    }
    vq = &dev->vrings[vring];
    return vhu_vring_trylock_ready(vq) ? vq : NULL;
}

static void
burst_end(struct vhu_vring *vq, uint16_t old_used)
{
    struct vhu_split *ring = &vq->ring;

    if (ring->last_used_idx != old_used
        && vhu_split_publish_used(ring, old_used, ring->last_used_idx)) {
        notify_guest(vq);
    }
    vhu_vring_unlock(vq);
}

/* Copies one guest TX chain into 'pkt'.  Returns true if 'pkt' was
 * filled, false if the frame was dropped. */
static bool
dequeue_one(struct vhu_dev *dev, struct vhu_vring *vq,
            const struct vhu_chain *chain, struct vhu_pkt *pkt)
{
    uint32_t hdr_len = dev->hdr_len;
    struct cursor c;

    if (chain->read_len <= hdr_len
        || chain->read_len - hdr_len > pkt->size) {
        vq->drops++;
        return false;
    }
    cursor_init(&c, chain, false);
    cursor_read(&c, NULL, hdr_len);     /* No offloads: skip the header. */
    pkt->len = chain->read_len - hdr_len;
    cursor_read(&c, pkt->data, pkt->len);
    vq->packets++;
    vq->bytes += pkt->len;
    return true;
}

/* How many guest TX chains a burst walks ahead of their copies. */
#define FLAT_MAX 32

/* Prefetches the cache line at 'p' for writing: in exclusive state, so
 * that the copy into it does not need a second trip to the guest's CPU
 * (x86's PREFETCHW; __builtin_prefetch() emits a read prefetch unless the
 * whole build targets a CPU that has it). */
static inline void
prefetch_write(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("prefetchw %0" : : "m" (*(const char *) p));
#else
    __builtin_prefetch(p, 1);
#endif
}

/* Walks up to 'max' chains from the ring's last_avail_idx into 'flat',
 * prefetching each buffer, and stops at the first chain that is not one
 * readable segment (guest TX) or one writable segment (guest RX, 'write'),
 * left in '*chain' with *is_odd set, or at a ring error (returned).
 * Nothing is consumed.  Stores the count of flat chains in '*n_flat'.
 * Walking a whole burst before copying lets the cache misses on the
 * descriptors and buffers of all its chains overlap. */
static int
gather_flat(struct vhu_split *ring, int max, bool write,
            struct vhu_flat *flat, int *n_flat, struct vhu_chain *chain,
            bool *is_odd)
{
    int n = 0, error = 0;

    *is_odd = false;
    while (n < max) {
        uint16_t pos = ring->last_avail_idx + n;

        if (!vhu_split_get_flat(ring, pos, write, &flat[n])) {
            error = vhu_split_get_chain(ring, pos, chain);
            if (error) {
                break;
            }
            if (write ? chain->n_write != 1 || chain->n_read
                      : chain->n_read != 1 || chain->n_write) {
                *is_odd = true;
                break;
            }
            flat[n].head = chain->head;
            flat[n].base = chain->iov[0].base;
            flat[n].len = chain->iov[0].len;
        }
        if (write) {
            /* The header's line is usually only read: see put_hdr(). */
            __builtin_prefetch(flat[n].base, 0);
            prefetch_write(flat[n].base + sizeof(struct vhu_net_hdr));
            prefetch_write(flat[n].base + 64);
        } else {
            /* The header is skipped: from the frame's first byte on. */
            __builtin_prefetch(flat[n].base + sizeof(struct vhu_net_hdr), 0);
            __builtin_prefetch(flat[n].base + flat[n].len - 1, 0);
        }
        n++;
    }
    *n_flat = n;
    return error;
}

/* Copies a one-segment guest TX chain into 'pkt', as dequeue_one(). */
static bool
dequeue_flat(struct vhu_dev *dev, struct vhu_vring *vq,
             const struct vhu_flat *fc, struct vhu_pkt *pkt)
{
    uint32_t hdr_len = dev->hdr_len;

    if (fc->len <= hdr_len || fc->len - hdr_len > pkt->size) {
        vq->drops++;
        return false;
    }
    pkt->len = fc->len - hdr_len;
    memcpy(pkt->data, fc->base + hdr_len, pkt->len);
    vq->packets++;
    vq->bytes += pkt->len;
    return true;
}

/* Returns chain 'head' to the guest and moves past its avail entry. */
static void
consume_chain(struct vhu_split *ring, uint16_t head)
{
    vhu_split_put_used(ring, ring->last_used_idx++, head, 0);
    ring->last_avail_idx++;
}

int
vhu_dequeue_burst(struct vhu_dev *dev, int vring, struct vhu_pkt *pkts,
                  int n)
{
    struct vhu_flat flat[FLAT_MAX];
    struct vhu_chain chain;
    struct vhu_vring *vq;
    struct vhu_split *ring;
    uint16_t n_avail, old_used;
    int filled = 0, error;

    vq = burst_begin(dev, vring);
    if (!vq) {
        return 0;
    }
    ring = &vq->ring;
    old_used = ring->last_used_idx;
    error = vhu_split_avail(ring, &n_avail);
    while (!error && n_avail && filled < n) {
        int max = n - filled;
        int n_flat;
        bool is_odd;

        max = max < n_avail ? max : n_avail;
        max = max < FLAT_MAX ? max : FLAT_MAX;
        error = gather_flat(ring, max, false, flat, &n_flat, &chain,
                            &is_odd);
        for (int i = 0; i < n_flat; i++) {
            if (dequeue_flat(dev, vq, &flat[i], &pkts[filled])) {
                filled++;
            }
            consume_chain(ring, flat[i].head);
        }
        n_avail -= n_flat;
        if (is_odd) {
            if (dequeue_one(dev, vq, &chain, &pkts[filled])) {
                filled++;
            }
            consume_chain(ring, chain.head);
            n_avail--;
        }
    }
    if (error) {
        vhu_vring_mark_broken(vq, error, "guest TX");
    }
    burst_end(vq, old_used);
    return filled;
}

/* Sets the num_buffers field of the header at the start of 'first' to 'n'
 * (only a frame spread over several buffers needs it: the header was
 * written with 1). */
static void
set_num_buffers(const struct vhu_chain *first, uint16_t n)
{
    struct cursor c;

    cursor_init(&c, first, true);
    cursor_read(&c, NULL, offsetof(struct vhu_net_hdr, num_buffers));
    cursor_write(&c, (const uint8_t *) &n, sizeof n);
}

/* Places one frame into guest RX buffers starting at the ring's
 * last_avail_idx, writing the virtio-net header and the frame in one pass.
 * Returns 0 on success (indexes advanced), EAGAIN if the guest has not made
 * enough buffers available (nothing advanced), EMSGSIZE if the frame can
 * never fit (dropped; nothing advanced), or a ring error. */
static int
enqueue_one(struct vhu_dev *dev, struct vhu_vring *vq, uint16_t *n_avail,
            const struct vhu_pkt *pkt)
{
    static const struct vhu_net_hdr hdr = { .num_buffers = 1 };
    bool mergeable = dev->features & VHU_BIT(VHU_F_NET_MRG_RXBUF);
    struct vhu_split *ring = &vq->ring;
    struct vhu_chain first, next, *chain = &first;
    uint32_t hdr_len = dev->hdr_len;
    uint32_t done = 0;
    struct cursor c;
    uint16_t used = 0;
    int error;

    if (!*n_avail) {
        return EAGAIN;
    }
    error = vhu_split_get_chain(ring, ring->last_avail_idx, &first);
    if (error) {
        return error;
    }
    if (mergeable && first.write_len < hdr_len) {
        return EINVAL;          /* Guest bug: no room for a header. */
    } else if (!mergeable && first.write_len < hdr_len + pkt->len) {
        return EMSGSIZE;        /* Too small for this frame; keep it. */
    }
    cursor_init(&c, &first, true);
    cursor_write(&c, (const uint8_t *) &hdr, hdr_len);
    for (;;) {
        uint32_t n = cursor_write(&c, (const uint8_t *) pkt->data + done,
                                  pkt->len - done);

        done += n;
        vhu_split_put_used(ring, ring->last_used_idx + used++, chain->head,
                           (chain == &first ? hdr_len : 0) + n);
        if (done == pkt->len) {
            break;
        }
        if (used >= *n_avail) {
            return used >= ring->num ? EMSGSIZE : EAGAIN;
        }
        chain = &next;
        error = vhu_split_get_chain(ring, ring->last_avail_idx + used, chain);
        if (error) {
            return error;
        }
        cursor_init(&c, chain, true);
    }
    if (used > 1) {
        set_num_buffers(&first, used);
    }
    ring->last_avail_idx += used;
    ring->last_used_idx += used;
    *n_avail -= used;
    return 0;
}

/* Writes the 'hdr_len' bytes of 'hdr' to 'dst', a guest RX buffer, unless
 * they are there already, as they are when the guest recycles its buffers
 * and the header does not change (no offloads): the header's cache line
 * then stays shared with the guest's CPU, which reads it next, instead of
 * having to come back from ours. */
static inline void
put_hdr(uint8_t *dst, const struct vhu_net_hdr *hdr, uint32_t hdr_len)
{
    /* A constant size lets the compiler compare inline. */
    if (hdr_len == sizeof *hdr
        ? memcmp(dst, hdr, sizeof *hdr)
        : memcmp(dst, hdr, hdr_len)) {
        memcpy(dst, hdr, hdr_len);
    }
}

/* Places frames from 'pkts' (up to 'n') into the 'n_flat' one-segment
 * chains of 'flat', one each, for as long as they fit, writing the
 * virtio-net header and the frame in one pass.  Returns the count placed. */
static int
place_flat(struct vhu_dev *dev, struct vhu_vring *vq,
           const struct vhu_flat *flat, int n_flat,
           const struct vhu_pkt *pkts, int n)
{
    static const struct vhu_net_hdr hdr = { .num_buffers = 1 };
    struct vhu_split *ring = &vq->ring;
    uint32_t hdr_len = dev->hdr_len;
    int i;

    for (i = 0; i < n_flat && i < n; i++) {
        const struct vhu_pkt *pkt = &pkts[i];

        if (flat[i].len < hdr_len || flat[i].len - hdr_len < pkt->len) {
            break;              /* enqueue_one() decides. */
        }
        put_hdr(flat[i].base, &hdr, hdr_len);
        memcpy(flat[i].base + hdr_len, pkt->data, pkt->len);
        vhu_split_put_used(ring, ring->last_used_idx++, flat[i].head,
                           hdr_len + pkt->len);
        ring->last_avail_idx++;
        vq->packets++;
        vq->bytes += pkt->len;
    }
    return i;
}

/* Places pkts[*placed] with enqueue_one() and accounts for it.  Returns 0,
 * EAGAIN or a ring error. */
static int
enqueue_slow(struct vhu_dev *dev, struct vhu_vring *vq, uint16_t *n_avail,
             const struct vhu_pkt *pkts, int *placed, int *dropped)
{
    int error = enqueue_one(dev, vq, n_avail, &pkts[*placed]);

    if (!error) {
        vq->packets++;
        vq->bytes += pkts[(*placed)++].len;
    } else if (error == EMSGSIZE) {
        vq->drops++;            /* Can never fit: drop it. */
        (*dropped)++;
        (*placed)++;
        error = 0;
    }
    return error;
}

int
vhu_enqueue_burst(struct vhu_dev *dev, int vring, const struct vhu_pkt *pkts,
                  int n, int *n_dropped)
{
    struct vhu_flat flat[FLAT_MAX];
    struct vhu_chain chain;
    struct vhu_vring *vq;
    uint16_t n_avail, old_used;
    int placed = 0, dropped = 0, error;

    if (n_dropped) {
        *n_dropped = 0;
    }
    vq = burst_begin(dev, vring);
    if (!vq) {
        return 0;
    }
    old_used = vq->ring.last_used_idx;
    error = vhu_split_avail(&vq->ring, &n_avail);
    while (!error && placed < n) {
        int max = n - placed, n_flat, k;
        bool is_odd;

        max = max < n_avail ? max : n_avail;
        max = max < FLAT_MAX ? max : FLAT_MAX;
        if (!max) {
            error = EAGAIN;
            break;
        }
        error = gather_flat(&vq->ring, max, true, flat, &n_flat, &chain,
                            &is_odd);
        k = place_flat(dev, vq, flat, n_flat, pkts + placed, n - placed);
        placed += k;
        n_avail -= k;
        if (k < n_flat || is_odd) {
            /* A frame that needs more than one buffer, or a buffer of
             * several segments: the general path, from the same entry. */
            error = (placed < n
                     ? enqueue_slow(dev, vq, &n_avail, pkts, &placed,
                                    &dropped)
                     : 0);
        }
    }
    if (error && error != EAGAIN) {
        vhu_vring_mark_broken(vq, error, "guest RX");
    }
    burst_end(vq, old_used);
    if (n_dropped) {
        *n_dropped = dropped;
    }
    return placed;
}
