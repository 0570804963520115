/*
 * vhu-split.c: the device side of split virtqueues.
 *
 * Descriptor chains are walked into a bounded 'struct vhu_chain' of our own
 * pointers.  Each guest descriptor is copied into a local once and never
 * read again (no time-of-check/time-of-use), every index is range checked,
 * and the walk is bounded, so a hostile guest can at worst make us report
 * an error for its own queue.
 */
#include "vhu-split.h"

#include <errno.h>
#include <string.h>

static bool
is_pow2(uint32_t x)
{
    return x && !(x & (x - 1));
}

/* Translates 'bytes' at frontend address 'uaddr'; the whole range must be
 * in one region, and both the frontend address and our pointer must be
 * aligned to 'align' (a region's mmap_offset could otherwise skew ours). */
static void *
map_part(const struct vhu_mem *mem, uint64_t uaddr, uint64_t bytes,
         uint64_t align, int *error)
{
    uint64_t len = bytes;
    void *hva;

    if (uaddr % align) {
        *error = EINVAL;
        return NULL;
    }
    hva = vhu_mem_uaddr_to_hva(mem, uaddr, &len);
    if (!hva || len < bytes) {
        *error = EFAULT;
        return NULL;
    }
    if ((uintptr_t) hva % align) {
        *error = EINVAL;
        return NULL;
    }
    return hva;
}

int
vhu_split_map(struct vhu_split *ring, const struct vhu_mem *mem,
              uint32_t num, uint64_t desc_uaddr, uint64_t avail_uaddr,
              uint64_t used_uaddr)
{
    struct vhu_desc *desc;
    struct vhu_avail *avail;
    struct vhu_used *used;
    int error = 0;

    if (!is_pow2(num) || num > VHU_MAX_RING_SIZE) {
        return EINVAL;
    }
    desc = map_part(mem, desc_uaddr, VHU_DESC_BYTES(num), 16, &error);
    avail = map_part(mem, avail_uaddr, VHU_AVAIL_BYTES(num), 2, &error);
    used = map_part(mem, used_uaddr, VHU_USED_BYTES(num), 4, &error);
    if (error) {
        return error;
    }
    ring->num = num;
    ring->desc = desc;
    ring->avail = avail;
    ring->used = used;
    ring->mem = mem;
    ring->hint = NULL;
    return 0;
}

int
vhu_split_avail(const struct vhu_split *ring, uint16_t *n_avail)
{
    /* Acquire: the ring entries we read next were written before idx. */
    uint16_t idx = __atomic_load_n(&ring->avail->idx, __ATOMIC_ACQUIRE);
    uint16_t n = idx - ring->last_avail_idx;

    if (n > ring->num) {
        *n_avail = 0;
        return EINVAL;
    }
    *n_avail = n;
    return 0;
}

/* Walk state shared by the direct and indirect loops. */
struct walk {
    struct vhu_split *ring;
    struct vhu_chain *chain;
    uint64_t total;
    bool seen_write;
};

/* Copies a descriptor out of guest memory with exactly two loads, so the
 * compiler cannot fetch any field twice. */
static void
fetch_desc(const struct vhu_desc *src, struct vhu_desc *d)
{
    const uint64_t *p = (const uint64_t *) src;
    uint64_t lo = __atomic_load_n(&p[0], __ATOMIC_RELAXED);
    uint64_t hi = __atomic_load_n(&p[1], __ATOMIC_RELAXED);

    d->addr = lo;
    d->len = (uint32_t) hi;
    d->flags = (uint16_t) (hi >> 32);
    d->next = (uint16_t) (hi >> 48);
}

/* Appends descriptor 'd' (already copied to a local) to the chain. */
static int
add_desc(struct walk *w, const struct vhu_desc *d)
{
    struct vhu_chain *c = w->chain;
    bool writable = d->flags & VHU_DESC_F_WRITE;
    uint64_t gpa = d->addr;
    uint64_t left = d->len;

    if (!writable && w->seen_write) {
        return EINVAL;          /* Readable after writable. */
    }
    w->seen_write |= writable;
    w->total += left;
    if (w->total > UINT32_MAX) {
        return E2BIG;
    }
    while (left) {              /* Zero-length descriptors map nothing. */
        uint64_t len = left;
        void *hva = vhu_mem_gpa_to_hva(w->ring->mem, gpa, &len,
                                       &w->ring->hint);
        struct vhu_iov *iov;

        if (!hva) {
            return EFAULT;
        }
        if (c->n_read + c->n_write >= VHU_MAX_IOV) {
            return E2BIG;
        }
        iov = &c->iov[c->n_read + c->n_write];
        iov->base = hva;
        iov->len = len;
        if (writable) {
            c->n_write++;
            c->write_len += len;
        } else {
            c->n_read++;
            c->read_len += len;
        }
        gpa += len;
        left -= len;
    }
    return 0;
}

/* Reads entry 'i' of an indirect table at 'table_gpa'. */
static int
read_indirect(struct walk *w, const struct vhu_desc *table, uint64_t table_gpa,
              uint32_t i, struct vhu_desc *d)
{
    if (table) {
        fetch_desc(&table[i], d);
        return 0;
    }
    /* The table spans regions: read the entry through the copy loop. */
    return vhu_mem_read(w->ring->mem, table_gpa + (uint64_t) i * sizeof *d,
                        d, sizeof *d, &w->ring->hint);
}

static int
walk_indirect(struct walk *w, const struct vhu_desc *ind)
{
    uint32_t n = ind->len / sizeof(struct vhu_desc);
    const struct vhu_desc *table;
    uint64_t len = ind->len;
    uint32_t i = 0;

    if (!w->ring->indirect || ind->len % sizeof(struct vhu_desc)
        || !n || n > w->ring->num || ind->flags & VHU_DESC_F_NEXT) {
        return EINVAL;
    }
    table = vhu_mem_gpa_to_hva(w->ring->mem, ind->addr, &len, &w->ring->hint);
    if (table && (len < ind->len || (uintptr_t) table % 8)) {
        table = NULL;
    } else if (!table) {
        return EFAULT;
    }
    for (uint32_t count = 0; ; count++) {
        struct vhu_desc d;
        int error;

        if (count >= n) {
            return ELOOP;
        }
        error = read_indirect(w, table, ind->addr, i, &d);
        if (error) {
            return error;
        }
        if (d.flags & VHU_DESC_F_INDIRECT) {
            return EINVAL;      /* Nested indirect tables. */
        }
        error = add_desc(w, &d);
        if (error || !(d.flags & VHU_DESC_F_NEXT)) {
            return error;
        }
        if (d.next >= n) {
            return EINVAL;
        }
        i = d.next;
    }
}

int
vhu_split_get_chain(struct vhu_split *ring, uint16_t pos,
                    struct vhu_chain *chain)
{
    uint16_t num = ring->num;
    uint16_t head = __atomic_load_n(&ring->avail->ring[pos & (num - 1)],
                                    __ATOMIC_RELAXED);
    struct walk w = { .ring = ring, .chain = chain };
    uint16_t i = head;

    chain->head = head;
    chain->n_read = chain->n_write = 0;
    chain->read_len = chain->write_len = 0;
    if (head >= num) {
        return EINVAL;
    }
    for (uint32_t count = 0; ; count++) {
        struct vhu_desc d;
        int error;

        if (count >= num) {
            return ELOOP;
        }
        fetch_desc(&ring->desc[i], &d);
        if (d.flags & VHU_DESC_F_INDIRECT) {
            /* An indirect descriptor must be the only one in its chain. */
            return count ? EINVAL : walk_indirect(&w, &d);
        }
        error = add_desc(&w, &d);
        if (error || !(d.flags & VHU_DESC_F_NEXT)) {
            return error;
        }
        if (d.next >= num) {
            return EINVAL;
        }
        i = d.next;
    }
}

bool
vhu_split_get_flat(struct vhu_split *ring, uint16_t pos, bool write,
                   struct vhu_flat *flat)
{
    uint16_t num = ring->num;
    uint16_t head = __atomic_load_n(&ring->avail->ring[pos & (num - 1)],
                                    __ATOMIC_RELAXED);
    uint16_t want = write ? VHU_DESC_F_WRITE : 0;
    struct vhu_desc d;
    uint64_t len;
    void *hva;

    if (head >= num) {
        return false;
    }
    fetch_desc(&ring->desc[head], &d);
    if ((d.flags & (VHU_DESC_F_NEXT | VHU_DESC_F_INDIRECT
                    | VHU_DESC_F_WRITE)) != want || !d.len) {
        return false;
    }
    len = d.len;
    hva = vhu_mem_gpa_to_hva(ring->mem, d.addr, &len, &ring->hint);
    if (!hva || len != d.len) {
        return false;
    }
    flat->head = head;
    flat->base = hva;
    flat->len = d.len;
    return true;
}

void
vhu_split_put_used(struct vhu_split *ring, uint16_t pos, uint16_t id,
                   uint32_t len)
{
    struct vhu_used_elem *e = &ring->used->ring[pos & (ring->num - 1)];

    e->id = id;
    e->len = len;
}

bool
vhu_split_publish_used(struct vhu_split *ring, uint16_t old_idx,
                       uint16_t new_idx)
{
    /* Release: the used entries and the buffers they describe become
     * visible to the guest before the new index. */
    __atomic_store_n(&ring->used->idx, new_idx, __ATOMIC_RELEASE);
    if (ring->event_idx) {
        uint16_t used_event;

        /* Full barrier: our used->idx store must be visible before we read
         * used_event, or we and the guest can both decide not to act. */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        used_event = __atomic_load_n(&ring->avail->ring[ring->num],
                                     __ATOMIC_RELAXED);
        return vhu_need_event(used_event, new_idx, old_idx);
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return !(__atomic_load_n(&ring->avail->flags, __ATOMIC_RELAXED)
             & VHU_AVAIL_F_NO_INTERRUPT);
}

void
vhu_split_disable_kicks(struct vhu_split *ring)
{
    /* With EVENT_IDX the guest ignores used->flags and kicks when avail->idx
     * passes avail_event; we leave avail_event alone, so that happens at
     * most once per 65536 buffers. */
    __atomic_store_n(&ring->used->flags, VHU_USED_F_NO_NOTIFY,
                     __ATOMIC_RELAXED);
}
