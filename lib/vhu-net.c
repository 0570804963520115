/*
 * vhu-net.c: virtio-net bursts: guest TX dequeue and guest RX enqueue.
 *
 * Each burst takes the vring's lock with a try-lock, reads avail->idx once,
 * publishes used->idx once, and writes the call eventfd at most once, and
 * only if the guest asked for an interrupt.  Packets are copied between the
 * caller's flat buffers and the guest's descriptor segments; the virtio-net
 * header is gathered or scattered like any other bytes, so a header split
 * across descriptors is handled (CVE-2022-2132 class).
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

/* How many chains ahead of the one being copied the bursts prefetch. */
#define PREFETCH_AHEAD 4

/* Starts fetching the first bytes of the buffer that the head descriptor of
 * avail entry 'pos' points to, so that the cache misses of the next few
 * chains overlap with the copy of this one.  Nothing is checked here: the
 * chain is walked and checked in its turn, and a prefetch never faults,
 * even on guest memory that has shrunk. */
static void
prefetch_buffer(struct vhu_split *ring, uint16_t pos, bool write)
{
    uint16_t mask = ring->num - 1;
    uint16_t head = __atomic_load_n(&ring->avail->ring[pos & mask],
                                    __ATOMIC_RELAXED) & mask;
    uint64_t gpa = __atomic_load_n(&ring->desc[head].addr, __ATOMIC_RELAXED);
    uint64_t len = 1;
    uint8_t *hva = vhu_mem_gpa_to_hva(ring->mem, gpa, &len, &ring->hint);

    if (hva) {
        if (write) {
            __builtin_prefetch(hva, 1);
        } else {
            __builtin_prefetch(hva, 0);
        }
    }
}

/* Prefetches the buffers of avail entries 'pos' to 'pos + n - 1'. */
static void
prefetch_buffers(struct vhu_split *ring, uint16_t pos, uint16_t n, bool write)
{
    for (uint16_t i = 0; i < n; i++) {
        prefetch_buffer(ring, pos + i, write);
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

int
vhu_dequeue_burst(struct vhu_dev *dev, int vring, struct vhu_pkt *pkts,
                  int n)
{
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
    if (!error) {
        prefetch_buffers(ring, ring->last_avail_idx,
                         n_avail < PREFETCH_AHEAD ? n_avail : PREFETCH_AHEAD,
                         false);
    }
    for (uint16_t i = 0; !error && i < n_avail && filled < n; i++) {
        if (i + PREFETCH_AHEAD < n_avail) {
            prefetch_buffer(ring, ring->last_avail_idx + PREFETCH_AHEAD,
                            false);
        }
        error = vhu_split_get_chain(ring, ring->last_avail_idx, &chain);
        if (error) {
            break;
        }
        if (dequeue_one(dev, vq, &chain, &pkts[filled])) {
            filled++;
        }
        vhu_split_put_used(ring, ring->last_used_idx++, chain.head, 0);
        ring->last_avail_idx++;
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

int
vhu_enqueue_burst(struct vhu_dev *dev, int vring, const struct vhu_pkt *pkts,
                  int n, int *n_dropped)
{
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
    if (!error) {
        prefetch_buffers(&vq->ring, vq->ring.last_avail_idx,
                         n_avail < PREFETCH_AHEAD ? n_avail : PREFETCH_AHEAD,
                         true);
    }
    while (!error && placed < n) {
        if (PREFETCH_AHEAD < n_avail) {
            prefetch_buffer(&vq->ring, vq->ring.last_avail_idx
                            + PREFETCH_AHEAD, true);
        }
        error = enqueue_one(dev, vq, &n_avail, &pkts[placed]);
        if (!error) {
            vq->packets++;
            vq->bytes += pkts[placed++].len;
        } else if (error == EMSGSIZE) {
            vq->drops++;        /* Can never fit: drop it. */
            dropped++;
            placed++;
            error = 0;
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
