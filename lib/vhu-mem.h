/*
 * vhu-mem.h: guest memory tables.
 *
 * Three address kinds, named in every variable:
 *   gpa   - guest physical address, used by descriptors;
 *   uaddr - the frontend's own virtual address, used by SET_VRING_ADDR;
 *   hva   - our pointer.
 * Only vhu-mem.c converts between them.  A table is built whole, validated,
 * and then never changes; a new message builds a new table.
 */
#ifndef VHU_MEM_H
#define VHU_MEM_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhu-proto.h"

/* One mmap()ed fd, shared by the tables that contain its region. */
struct vhu_mapping {
    void *addr;
    size_t len;
    int refs;                   /* Tables holding it (control thread). */
};

struct vhu_region {
    uint64_t gpa, size, uaddr, mmap_offset;
    uint8_t *hva;               /* mapping->addr + mmap_offset. */
    struct vhu_mapping *mapping;
    uint32_t extra_adds;        /* Repeated ADD_MEM_REGs (control thread). */
};

struct vhu_mem {
    uint32_t n;                 /* Regions, sorted by gpa. */
    struct vhu_region regions[];
};

/* Checks a set of region descriptions: 1..max_regions regions (0 allowed
 * if 'max_regions' permits an empty table), every size > 0, no overflow of
 * gpa+size, uaddr+size or mmap_offset+size, and no overlap in guest
 * physical or frontend address space.  Returns 0 or EINVAL/E2BIG. */
int vhu_mem_check(const struct vhu_mem_region_desc *, uint32_t n,
                  uint32_t max_regions);

/* Builds a table from 'n' checked descriptions, mapping fds[i] for region
 * i.  Does not close the fds.  Returns 0 or an errno (nothing mapped). */
int vhu_mem_build(const struct vhu_mem_region_desc *, const int *fds,
                  uint32_t n, struct vhu_mem **);
/* Returns true if 'mem' describes exactly these regions, in this order. */
bool vhu_mem_equal(const struct vhu_mem *, const struct vhu_mem_region_desc *,
                   uint32_t n);
/* ADD_MEM_REG and REM_MEM_REG.  QEMU (up to 8.x at least) sends each of
 * them once per queue pair, so the same region may be added several times:
 * a region identical to one in the table (gpa, size, uaddr, mmap_offset)
 * counts as one more reference, mapping nothing, and is removed only with
 * its last reference.
 *
 * A new table holding 'old' (may be NULL) plus one region mapped from
 * 'fd', sharing old's mappings.  Checks the result against 'max_regions'. */
int vhu_mem_add(const struct vhu_mem *old, const struct vhu_mem_region_desc *,
                int fd, uint32_t max_regions, struct vhu_mem **);
/* A new table holding 'old' less the region that matches 'desc' (gpa, size
 * and uaddr).  ENOENT if none does. */
int vhu_mem_remove(const struct vhu_mem *old,
                   const struct vhu_mem_region_desc *, struct vhu_mem **);
/* Frees a table; unmaps each mapping that no other table holds. */
void vhu_mem_free(struct vhu_mem *);
/* Reports SIGBUS faults in any of the table's mappings to 'fault'. */
struct vhu_fault;
void vhu_mem_set_fault(const struct vhu_mem *, struct vhu_fault *);

/* The one translate function per address kind.  Returns a pointer valid for
 * the returned '*len', clipped to the end of the region, or NULL (with *len
 * = 0) if 'addr' is not in any region.  'hint' (may be NULL) is a last-hit
 * cache owned by the caller and reset when the table changes. */
void *vhu_mem_gpa_to_hva(const struct vhu_mem *, uint64_t gpa, uint64_t *len,
                         const struct vhu_region **hint);
void *vhu_mem_uaddr_to_hva(const struct vhu_mem *, uint64_t uaddr,
                           uint64_t *len);
/* Copies 'len' bytes at 'gpa' into 'dst', across region boundaries.
 * Returns 0 or EFAULT if any byte is unmapped. */
int vhu_mem_read(const struct vhu_mem *, uint64_t gpa, void *dst, size_t len,
                 const struct vhu_region **hint);

#endif /* vhu-mem.h */
