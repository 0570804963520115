/*
 * vhu-split.h: access to split virtqueues (virtio 1.x section 2.7) from the
 * device side: reading the avail ring, walking descriptor chains into a
 * bounded list of our own pointers, and publishing used entries.
 *
 * Everything a guest writes is read once into locals and checked before
 * use; the rules are listed in Documentation/internals/design.rst and each
 * has a unit test.
 */
#ifndef VHU_SPLIT_H
#define VHU_SPLIT_H 1

#include <stdbool.h>
#include <stdint.h>

#include "vhu-mem.h"
#include "vhu-proto.h"

#define VHU_MAX_IOV 256         /* Segments in one chain. */

struct vhu_iov {
    uint8_t *base;
    uint32_t len;
};

/* One descriptor chain, translated.  The first 'n_read' segments are
 * device-readable, the next 'n_write' device-writable. */
struct vhu_chain {
    uint16_t head;
    uint16_t n_read, n_write;
    uint32_t read_len, write_len;
    struct vhu_iov iov[VHU_MAX_IOV];
};

/* A translated split ring. */
struct vhu_split {
    uint16_t num;               /* Power of 2, 1..32768. */
    bool event_idx;             /* VIRTIO_RING_F_EVENT_IDX negotiated. */
    bool indirect;              /* VIRTIO_RING_F_INDIRECT_DESC negotiated. */
    struct vhu_desc *desc;
    struct vhu_avail *avail;
    struct vhu_used *used;
    uint16_t last_avail_idx;    /* Next avail entry we will consume. */
    uint16_t last_used_idx;     /* Next used entry we will fill. */
    const struct vhu_mem *mem;
    const struct vhu_region *hint;
};

/* Translates the three ring parts through 'mem' (frontend addresses) and
 * checks size and alignment.  Returns 0, or EINVAL/EFAULT with 'ring'
 * unchanged. */
int vhu_split_map(struct vhu_split *, const struct vhu_mem *, uint32_t num,
                  uint64_t desc_uaddr, uint64_t avail_uaddr,
                  uint64_t used_uaddr);

/* Number of entries the guest made available (acquire-loads avail->idx).
 * Returns 0, or EINVAL if the guest claims more than 'num' entries. */
int vhu_split_avail(const struct vhu_split *, uint16_t *n_avail);

/* Reads avail entry 'pos' (absolute, wrapping) and walks its chain into
 * 'chain'.  Returns 0, or an errno for a malformed chain: EINVAL (bad head,
 * next, flags or layout), ELOOP (longer than the ring), EFAULT (unmapped
 * address), E2BIG (over VHU_MAX_IOV segments or 4 GiB). */
int vhu_split_get_chain(struct vhu_split *, uint16_t pos,
                        struct vhu_chain *);

/* A chain of one descriptor in one memory region, the usual shape. */
struct vhu_flat {
    uint16_t head;
    uint8_t *base;
    uint32_t len;
};

/* The fast path of vhu_split_get_chain() for the usual shape: if avail
 * entry 'pos' heads a chain of one non-empty descriptor, writable if
 * 'write' and readable if not, that lies in one memory region, fills
 * 'flat' and returns true.  Returns false for anything else, leaving the
 * verdict to vhu_split_get_chain(), which checks everything.  Whenever it
 * returns true, vhu_split_get_chain() would have succeeded with that one
 * segment. */
bool vhu_split_get_flat(struct vhu_split *, uint16_t pos, bool write,
                        struct vhu_flat *flat);

/* Writes used entry 'pos' (absolute) without publishing it. */
void vhu_split_put_used(struct vhu_split *, uint16_t pos, uint16_t id,
                        uint32_t len);
/* Publishes used entries up to 'new_idx' (release-stores used->idx) and
 * returns true if the guest wants an interrupt for the step from
 * 'old_idx'. */
bool vhu_split_publish_used(struct vhu_split *, uint16_t old_idx,
                            uint16_t new_idx);

/* Asks the guest not to kick us (we poll). */
void vhu_split_disable_kicks(struct vhu_split *);

#endif /* vhu-split.h */
