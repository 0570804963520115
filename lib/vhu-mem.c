/*
 * vhu-mem.c: guest memory tables: validation, mapping, sharing between
 * successive tables, and every address translation the library does.
 *
 * The checks here are the memory half of the safety model
 * (Documentation/internals/design.rst): no region of size 0, no wrapping
 * arithmetic, no overlap, fds mapped only as far as the fd really extends
 * (so a short file cannot SIGBUS us on first touch; a file that shrinks
 * later is survived by vhu-guard.c), lengths rounded to the mapping's page
 * size (huge pages on hugetlbfs, so munmap() cannot fail and leak), and
 * translations that cannot overflow ('addr - start < size').
 */
#include "vhu-mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "vhu-guard.h"

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif
#define ROUND_UP(X, Y) (((X) + (Y) - 1) / (Y) * (Y))

static bool
add_overflows(uint64_t a, uint64_t b)
{
    return a + b < a;
}

static bool
ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
    return a < b + b_size && b < a + a_size;
}

int
vhu_mem_check(const struct vhu_mem_region_desc *r, uint32_t n,
              uint32_t max_regions)
{
    if (n > max_regions) {
        return E2BIG;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!r[i].size
            || add_overflows(r[i].gpa, r[i].size)
            || add_overflows(r[i].uaddr, r[i].size)
            || add_overflows(r[i].mmap_offset, r[i].size)
            || r[i].mmap_offset + r[i].size > (uint64_t) SIZE_MAX) {
            return EINVAL;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (ranges_overlap(r[i].gpa, r[i].size, r[j].gpa, r[j].size)
                || ranges_overlap(r[i].uaddr, r[i].size,
                                  r[j].uaddr, r[j].size)) {
                return EINVAL;
            }
        }
    }
    return 0;
}

/* The page size of 'fd''s mapping: the huge page size on hugetlbfs, where
 * mmap() and munmap() lengths must be multiples of it. */
static size_t
fd_page_size(int fd, const struct stat *st)
{
    struct statfs fs;

    if (!fstatfs(fd, &fs) && fs.f_type == HUGETLBFS_MAGIC
        && st->st_blksize > 0) {
        return st->st_blksize;
    }
    return sysconf(_SC_PAGESIZE);
}

static int
map_region(const struct vhu_mem_region_desc *d, int fd,
           struct vhu_region *region)
{
    uint64_t need = d->mmap_offset + d->size;
    struct vhu_mapping *m;
    size_t page_size;
    struct stat st;
    uint64_t len;
    void *addr;
    int error;

    if (fd < 0) {
        return EBADF;
    }
    if (fstat(fd, &st)) {
        return errno;
    }
    /* Touching a shared mapping past the end of its file raises SIGBUS, so
     * a regular file (memfd, hugetlbfs) must cover the whole region.  (It
     * can still shrink later: vhu-guard.c survives that.) */
    if (S_ISREG(st.st_mode) && (uint64_t) st.st_size < need) {
        return EINVAL;
    }
    page_size = fd_page_size(fd, &st);
    len = ROUND_UP(need, page_size);
    if (len < need || len > SIZE_MAX) {
        return EINVAL;
    }
    addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
        return errno;
    }
    m = malloc(sizeof *m);
    error = m ? vhu_guard_add(addr, len, page_size, NULL) : ENOMEM;
    if (error) {
        free(m);
        munmap(addr, len);
        return error;
    }
    m->addr = addr;
    m->len = len;
    m->refs = 1;
    region->gpa = d->gpa;
    region->size = d->size;
    region->uaddr = d->uaddr;
    region->mmap_offset = d->mmap_offset;
    region->hva = (uint8_t *) addr + d->mmap_offset;
    region->mapping = m;
    return 0;
}

static void
mapping_unref(struct vhu_mapping *m)
{
    if (m && !--m->refs) {
        vhu_guard_remove(m->addr);
        munmap(m->addr, m->len);
        free(m);
    }
}

static int
region_cmp(const void *a_, const void *b_)
{
    const struct vhu_region *a = a_, *b = b_;

    return a->gpa < b->gpa ? -1 : a->gpa > b->gpa;
}

static struct vhu_mem *
mem_alloc(uint32_t n)
{
    struct vhu_mem *mem = calloc(1, sizeof *mem
                                    + (size_t) n * sizeof mem->regions[0]);
    if (mem) {
        mem->n = n;
    }
    return mem;
}

int
vhu_mem_build(const struct vhu_mem_region_desc *d, const int *fds,
              uint32_t n, struct vhu_mem **memp)
{
    struct vhu_mem *mem = mem_alloc(n);

    *memp = NULL;
    if (!mem) {
        return ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        int error = map_region(&d[i], fds[i], &mem->regions[i]);

        if (error) {
            mem->n = i;
            vhu_mem_free(mem);
            return error;
        }
    }
    qsort(mem->regions, n, sizeof mem->regions[0], region_cmp);
    *memp = mem;
    return 0;
}

bool
vhu_mem_equal(const struct vhu_mem *mem, const struct vhu_mem_region_desc *d,
              uint32_t n)
{
    if (!mem || mem->n != n) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        bool found = false;

        for (uint32_t j = 0; j < n && !found; j++) {
            const struct vhu_region *r = &mem->regions[j];

            found = (r->gpa == d[i].gpa && r->size == d[i].size
                     && r->uaddr == d[i].uaddr
                     && r->mmap_offset == d[i].mmap_offset);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static void
region_to_desc(const struct vhu_region *r, struct vhu_mem_region_desc *d)
{
    d->gpa = r->gpa;
    d->size = r->size;
    d->uaddr = r->uaddr;
    d->mmap_offset = r->mmap_offset;
}

/* Checks 'mem' plus 'extra' (if nonnull) as one table. */
static int
check_with(const struct vhu_mem *mem, const struct vhu_mem_region_desc *extra,
           uint32_t max_regions)
{
    uint32_t n = (mem ? mem->n : 0) + (extra != NULL);
    struct vhu_mem_region_desc *d;
    int error;

    if (n > max_regions) {
        return E2BIG;
    }
    d = malloc((n ? n : 1) * sizeof *d);
    if (!d) {
        return ENOMEM;
    }
    for (uint32_t i = 0; mem && i < mem->n; i++) {
        region_to_desc(&mem->regions[i], &d[i]);
    }
    if (extra) {
        d[n - 1] = *extra;
    }
    error = vhu_mem_check(d, n, max_regions);
    free(d);
    return error;
}

/* Returns the index in 'mem' of the region that 'd' names (gpa, size and
 * uaddr, and with 'exact' the mmap offset too), or -1. */
static int
find_region(const struct vhu_mem *mem, const struct vhu_mem_region_desc *d,
            bool exact)
{
    for (uint32_t i = 0; mem && i < mem->n; i++) {
        const struct vhu_region *r = &mem->regions[i];

        if (r->gpa == d->gpa && r->size == d->size && r->uaddr == d->uaddr
            && (!exact || r->mmap_offset == d->mmap_offset)) {
            return i;
        }
    }
    return -1;
}

/* A copy of 'old' sharing its mappings, with region 'idx' named 'delta'
 * more times. */
static int
mem_copy_readd(const struct vhu_mem *old, int idx, int delta,
               struct vhu_mem **memp)
{
    struct vhu_mem *mem = mem_alloc(old->n);

    if (!mem) {
        return ENOMEM;
    }
    for (uint32_t i = 0; i < old->n; i++) {
        mem->regions[i] = old->regions[i];
        mem->regions[i].mapping->refs++;
    }
    mem->regions[idx].extra_adds += delta;
    *memp = mem;
    return 0;
}

int
vhu_mem_add(const struct vhu_mem *old, const struct vhu_mem_region_desc *d,
            int fd, uint32_t max_regions, struct vhu_mem **memp)
{
    uint32_t n_old = old ? old->n : 0;
    struct vhu_mem *mem;
    int error, idx;

    *memp = NULL;
    idx = find_region(old, d, true);
    if (idx >= 0) {
        return mem_copy_readd(old, idx, 1, memp);
    }
    error = check_with(old, d, max_regions);
    if (error) {
        return error;
    }
    mem = mem_alloc(n_old + 1);
    if (!mem) {
        return ENOMEM;
    }
    error = map_region(d, fd, &mem->regions[n_old]);
    if (error) {
        free(mem);
        return error;
    }
    for (uint32_t i = 0; i < n_old; i++) {
        mem->regions[i] = old->regions[i];
        mem->regions[i].mapping->refs++;
    }
    qsort(mem->regions, mem->n, sizeof mem->regions[0], region_cmp);
    *memp = mem;
    return 0;
}

int
vhu_mem_remove(const struct vhu_mem *old, const struct vhu_mem_region_desc *d,
               struct vhu_mem **memp)
{
    struct vhu_mem *mem;
    uint32_t k = 0;
    int idx;

    *memp = NULL;
    idx = find_region(old, d, false);
    if (idx < 0) {
        return ENOENT;
    }
    if (old->regions[idx].extra_adds) {
        return mem_copy_readd(old, idx, -1, memp);
    }
    mem = mem_alloc(old->n - 1);
    if (!mem) {
        return ENOMEM;
    }
    for (uint32_t i = 0; i < old->n; i++) {
        if (i != (uint32_t) idx) {
            mem->regions[k] = old->regions[i];
            mem->regions[k++].mapping->refs++;
        }
    }
    *memp = mem;
    return 0;
}

void
vhu_mem_free(struct vhu_mem *mem)
{
    if (mem) {
        for (uint32_t i = 0; i < mem->n; i++) {
            mapping_unref(mem->regions[i].mapping);
        }
        free(mem);
    }
}

static void *
clip(const struct vhu_region *r, uint64_t offset, uint64_t *len)
{
    uint64_t room = r->size - offset;

    if (*len > room) {
        *len = room;
    }
    return r->hva + offset;
}

void *
vhu_mem_gpa_to_hva(const struct vhu_mem *mem, uint64_t gpa, uint64_t *len,
                   const struct vhu_region **hint)
{
    const struct vhu_region *r;
    uint32_t lo, hi;

    if (hint && *hint && gpa - (*hint)->gpa < (*hint)->size) {
        return clip(*hint, gpa - (*hint)->gpa, len);
    }
    /* Binary search for the last region starting at or below 'gpa'. */
    lo = 0;
    hi = mem ? mem->n : 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (mem->regions[mid].gpa <= gpa) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo) {
        r = &mem->regions[lo - 1];
        if (gpa - r->gpa < r->size) {
            if (hint) {
                *hint = r;
            }
            return clip(r, gpa - r->gpa, len);
        }
    }
    *len = 0;
    return NULL;
}

void *
vhu_mem_uaddr_to_hva(const struct vhu_mem *mem, uint64_t uaddr,
                     uint64_t *len)
{
    for (uint32_t i = 0; mem && i < mem->n; i++) {
        const struct vhu_region *r = &mem->regions[i];

        if (uaddr - r->uaddr < r->size) {
            return clip(r, uaddr - r->uaddr, len);
        }
    }
    *len = 0;
    return NULL;
}

int
vhu_mem_read(const struct vhu_mem *mem, uint64_t gpa, void *dst_, size_t len,
             const struct vhu_region **hint)
{
    uint8_t *dst = dst_;

    while (len) {
        uint64_t chunk = len;
        const void *src = vhu_mem_gpa_to_hva(mem, gpa, &chunk, hint);

        if (!src) {
            return EFAULT;
        }
        memcpy(dst, src, chunk);
        dst += chunk;
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

void
vhu_mem_set_fault(const struct vhu_mem *mem, struct vhu_fault *fault)
{
    for (uint32_t i = 0; mem && i < mem->n; i++) {
        vhu_guard_set_fault(mem->regions[i].mapping->addr, fault);
    }
}
