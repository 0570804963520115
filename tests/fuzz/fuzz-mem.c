/*
 * fuzz-mem.c: fuzz target for guest memory tables (lib/vhu-mem.c).
 *
 * The input is a sequence of operations on one table: replace it (as
 * SET_MEM_TABLE does: vhu_mem_check(), vhu_mem_equal(), vhu_mem_build()),
 * add or remove a region (ADD_MEM_REG, REM_MEM_REG: vhu_mem_add(),
 * vhu_mem_remove()), and translate or read guest addresses.  The regions
 * map a small pool of memfds whose bytes follow a known pattern, plus an
 * eventfd and a bad fd that must be refused.
 *
 * A model of the table, kept here from the documented semantics (regions
 * re-added identically count references), predicts every translation:
 * vhu_mem_gpa_to_hva() and vhu_mem_uaddr_to_hva() must return NULL exactly
 * when no region holds the address, and otherwise a pointer inside a live
 * mapping whose clipped length stays inside the region and whose bytes are
 * the file's bytes at the region's mmap offset.  vhu_mem_read() must agree
 * byte for byte.  After each input the table is freed and no fd and no
 * mapping may remain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "vhu-mem.h"

#define UADDR_BASE UINT64_C(0x7f0000000000)
#define MODEL_MAX 600           /* More than VHU_MAX_MEM_SLOTS. */

/* The fd pool: memfds of these sizes, then an eventfd, then -1. */
static const size_t memfd_sizes[] = { 0x10000, 0x40000, 0x1000 };
#define N_MEMFDS (sizeof memfd_sizes / sizeof memfd_sizes[0])
#define N_POOL (N_MEMFDS + 2)
static int pool[N_POOL];

struct model_region {
    struct vhu_mem_region_desc d;
    int fd_idx;                 /* Index in 'pool'. */
    int refs;
};

struct state {
    struct vhu_mem *mem;        /* Current table, or NULL. */
    const struct vhu_region *hint;
    int n;
    struct model_region m[MODEL_MAX];
};

/* The byte at 'ofs' of memfd 'k'. */
static uint8_t
pattern(int k, uint64_t ofs)
{
    uint32_t x = (uint32_t) ofs * 2654435761u ^ (uint32_t) (k + 1) * 40503u;

    return (x >> 24) ^ (uint8_t) (ofs >> 12);
}

static void
init_pool(void)
{
    for (size_t k = 0; k < N_MEMFDS; k++) {
        uint8_t *p;

        pool[k] = fuzz_memfd("mem", memfd_sizes[k]);
        p = mmap(NULL, memfd_sizes[k], PROT_READ | PROT_WRITE, MAP_SHARED,
                 pool[k], 0);
        if (p == MAP_FAILED) {
            abort();
        }
        for (size_t o = 0; o < memfd_sizes[k]; o++) {
            p[o] = pattern(k, o);
        }
        munmap(p, memfd_sizes[k]);
    }
    pool[N_MEMFDS] = eventfd(0, EFD_CLOEXEC);
    pool[N_MEMFDS + 1] = -1;
}

/* Reads one region description.  Small, page-granular values by default;
 * flag bits replace a field with an arbitrary one. */
static void
read_desc(struct fuzz_input *in, struct vhu_mem_region_desc *d)
{
    uint8_t flags = fuzz_u8(in);

    d->gpa = flags & 1 ? fuzz_u64(in) : (uint64_t) fuzz_u16(in) << 12;
    d->size = (flags & 2 ? fuzz_u16(in)
               : flags & 16 ? fuzz_u64(in)
               : ((uint64_t) fuzz_u8(in) + 1) << 12);
    d->mmap_offset = flags & 4 ? fuzz_u64(in) : (uint64_t) fuzz_u8(in) << 12;
    d->uaddr = (flags & 8 ? fuzz_u64(in)
                : UADDR_BASE + ((uint64_t) fuzz_u16(in) << 12));
}

static int
model_find(const struct state *s, const struct vhu_mem_region_desc *d,
           bool exact)
{
    for (int i = 0; i < s->n; i++) {
        const struct vhu_mem_region_desc *r = &s->m[i].d;

        if (r->gpa == d->gpa && r->size == d->size && r->uaddr == d->uaddr
            && (!exact || r->mmap_offset == d->mmap_offset)) {
            return i;
        }
    }
    return -1;
}

/* The model region holding 'addr' (a gpa, or with 'uaddr' a frontend
 * address), or -1. */
static int
model_lookup(const struct state *s, uint64_t addr, bool uaddr)
{
    for (int i = 0; i < s->n; i++) {
        const struct vhu_mem_region_desc *r = &s->m[i].d;
        uint64_t start = uaddr ? r->uaddr : r->gpa;

        if (addr - start < r->size) {
            return i;
        }
    }
    return -1;
}

static void
set_mem(struct state *s, struct vhu_mem *mem)
{
    vhu_mem_free(s->mem);
    s->mem = mem;
    s->hint = NULL;
}

/* The table must hold the model's regions, sorted by gpa, each inside
 * its mapping. */
static void
check_table(const struct state *s)
{
    uint32_t n = s->mem ? s->mem->n : 0;

    FUZZ_CHECK(n == (uint32_t) s->n);
    for (uint32_t i = 0; i < n; i++) {
        const struct vhu_region *r = &s->mem->regions[i];
        const struct vhu_mapping *m = r->mapping;
        struct vhu_mem_region_desc d = {
            r->gpa, r->size, r->uaddr, r->mmap_offset,
        };
        int k = model_find(s, &d, true);

        FUZZ_CHECK(k >= 0);
        FUZZ_CHECK(r->extra_adds + 1 == (uint32_t) s->m[k].refs);
        FUZZ_CHECK(i == 0 || s->mem->regions[i - 1].gpa < r->gpa);
        FUZZ_CHECK(m && m->refs > 0);
        FUZZ_CHECK(r->hva >= (uint8_t *) m->addr
                   && r->hva + r->size <= (uint8_t *) m->addr + m->len);
    }
}

static void
op_set_table(struct state *s, struct fuzz_input *in)
{
    struct vhu_mem_region_desc d[VHU_MEM_TABLE_MAX_REGIONS + 1];
    int fds[VHU_MEM_TABLE_MAX_REGIONS + 1], idx[VHU_MEM_TABLE_MAX_REGIONS + 1];
    uint32_t n = fuzz_u8(in) % (VHU_MEM_TABLE_MAX_REGIONS + 2);
    struct vhu_mem *mem;

    for (uint32_t i = 0; i < n; i++) {
        idx[i] = fuzz_u8(in) % N_POOL;
        fds[i] = pool[idx[i]];
        read_desc(in, &d[i]);
    }
    if (vhu_mem_check(d, n, VHU_MEM_TABLE_MAX_REGIONS)
        || vhu_mem_equal(s->mem, d, n)) {
        return;
    }
    if (!vhu_mem_build(d, fds, n, &mem)) {
        FUZZ_CHECK(vhu_mem_equal(mem, d, n));
        set_mem(s, mem);
        s->n = n;
        for (uint32_t i = 0; i < n; i++) {
            s->m[i] = (struct model_region) { d[i], idx[i], 1 };
        }
    }
}

static uint32_t
read_max_regions(struct fuzz_input *in)
{
    uint8_t b = fuzz_u8(in);

    return b < 128 ? VHU_MAX_MEM_SLOTS : b < 192 ? 8 : b % 8;
}

static void
op_add(struct state *s, struct fuzz_input *in)
{
    int k = fuzz_u8(in) % N_POOL, error, old;
    uint32_t max = read_max_regions(in);
    struct vhu_mem_region_desc d;
    struct vhu_mem *mem;

    read_desc(in, &d);
    old = model_find(s, &d, true);
    error = vhu_mem_add(s->mem, &d, pool[k], max, &mem);
    if (old >= 0) {
        FUZZ_CHECK(!error);     /* A repeated region maps nothing. */
        s->m[old].refs++;
    } else if (!error) {
        FUZZ_CHECK(s->n < MODEL_MAX && (uint32_t) s->n < max);
        s->m[s->n++] = (struct model_region) { d, k, 1 };
    }
    if (!error) {
        set_mem(s, mem);
    } else {
        FUZZ_CHECK(!mem);
    }
}

static void
op_remove(struct state *s, struct fuzz_input *in)
{
    uint8_t how = fuzz_u8(in);
    struct vhu_mem_region_desc d;
    struct vhu_mem *mem;
    int k, error;

    if (how & 1 && s->n) {
        d = s->m[fuzz_u16(in) % s->n].d;
        d.mmap_offset ^= how & 2 ? fuzz_u64(in) : 0;  /* Not compared. */
    } else {
        read_desc(in, &d);
    }
    k = model_find(s, &d, false);
    error = vhu_mem_remove(s->mem, &d, &mem);
    FUZZ_CHECK(k < 0 ? error == ENOENT : !error);
    if (error) {
        return;
    }
    if (--s->m[k].refs == 0) {
        memmove(&s->m[k], &s->m[k + 1], (s->n - k - 1) * sizeof s->m[0]);
        s->n--;
    }
    set_mem(s, mem);
}

/* Reads an address: inside (or near) a model region, or arbitrary. */
static uint64_t
read_addr(const struct state *s, struct fuzz_input *in, bool uaddr)
{
    uint8_t how = fuzz_u8(in);

    if (how & 1 && s->n) {
        const struct vhu_mem_region_desc *r = &s->m[fuzz_u16(in) % s->n].d;
        uint64_t start = uaddr ? r->uaddr : r->gpa;

        return start + (how & 2 ? r->size - 1 - fuzz_u8(in)
                        : fuzz_u32(in) % r->size);
    }
    return fuzz_u64(in);
}

/* A translation result must be what the model predicts. */
static void
check_translation(const struct state *s, uint64_t addr, bool uaddr,
                  uint64_t want, const uint8_t *hva, uint64_t len)
{
    int k = model_lookup(s, addr, uaddr);
    const struct model_region *m;
    uint64_t off, room;

    if (k < 0) {
        FUZZ_CHECK(!hva && !len);
        return;
    }
    m = &s->m[k];
    off = addr - (uaddr ? m->d.uaddr : m->d.gpa);
    room = m->d.size - off;
    FUZZ_CHECK(hva != NULL);
    FUZZ_CHECK(len == (want < room ? want : room));
    /* The bytes really are the region's bytes of its fd. */
    FUZZ_CHECK(hva[0] == pattern(m->fd_idx, m->d.mmap_offset + off));
    if (len) {
        FUZZ_CHECK(hva[len - 1]
                   == pattern(m->fd_idx, m->d.mmap_offset + off + len - 1));
    }
}

static void
op_translate(struct state *s, struct fuzz_input *in, bool uaddr)
{
    uint64_t addr = read_addr(s, in, uaddr);
    uint8_t how = fuzz_u8(in);
    uint64_t want = how & 1 ? fuzz_u64(in) : fuzz_u16(in);
    uint64_t len = want;
    const uint8_t *hva;

    if (uaddr) {
        hva = vhu_mem_uaddr_to_hva(s->mem, addr, &len);
    } else {
        hva = vhu_mem_gpa_to_hva(s->mem, addr, &len,
                                 how & 2 ? &s->hint : NULL);
    }
    check_translation(s, addr, uaddr, want, hva, len);
}

static void
op_read(struct state *s, struct fuzz_input *in)
{
    uint64_t gpa = read_addr(s, in, false);
    size_t len = fuzz_u16(in) % 0x3000;
    uint8_t *buf = malloc(len ? len : 1);
    bool mapped = true;
    int error;

    /* The model, one region at a time: is every byte mapped? */
    for (size_t i = 0; i < len && mapped; ) {
        int k = model_lookup(s, gpa + i, false);

        if (k < 0) {
            mapped = false;
        } else {
            i += s->m[k].d.gpa + s->m[k].d.size - (gpa + i);
        }
    }
    error = vhu_mem_read(s->mem, gpa, buf, len, &s->hint);
    FUZZ_CHECK(mapped ? !error : error == EFAULT);
    for (size_t i = 0; !error && i < len; ) {
        const struct model_region *m = &s->m[model_lookup(s, gpa + i, false)];
        uint64_t off = gpa + i - m->d.gpa;

        for (; i < len && off < m->d.size; i++, off++) {
            FUZZ_CHECK(buf[i] == pattern(m->fd_idx, m->d.mmap_offset + off));
        }
    }
    free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct state s;
    static bool inited;
    struct fuzz_input in;
    int fds, maps;

    if (!inited) {
        fuzz_quiet_log();
        init_pool();
        inited = true;
    }
    fds = fuzz_count_fds();
    maps = fuzz_count_memfd_maps();
    memset(&s, 0, sizeof s);
    fuzz_input_init(&in, data, size);
    while (!fuzz_input_done(&in)) {
        switch (fuzz_u8(&in) % 7) {
        case 0: op_set_table(&s, &in); break;
        case 1: op_add(&s, &in); break;
        case 2: op_remove(&s, &in); break;
        case 3: op_translate(&s, &in, false); break;
        case 4: op_translate(&s, &in, true); break;
        case 5: op_read(&s, &in); break;
        case 6: set_mem(&s, NULL); s.n = 0; break;
        }
        check_table(&s);
    }
    set_mem(&s, NULL);
    FUZZ_CHECK(fuzz_count_fds() == fds);
    FUZZ_CHECK(fuzz_count_memfd_maps() == maps);
    return 0;
}
