/*
 * test-ring.c: unit tests for split rings (lib/vhu-split.c) and the bursts
 * built on them (lib/vhu-net.c).
 *
 * The fake guest (utilities/vhu-front.h) writes descriptors and avail
 * entries into a memfd through its own mapping; the backend sees the same
 * memfd through a memory table of its own, mapped elsewhere, with frontend
 * addresses unlike both mappings, so every translation is exercised.  One
 * test per rule of the chain walker.
 */
#include "test-vhu.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vhu-front.h"
#include "vhu-private.h"

#define GPA_BASE   UINT64_C(0x40000000)
#define MEM_SIZE   (1024 * 1024)
#define NUM        256                  /* Default ring size; up to 512. */
#define BUF_SIZE   4096                 /* Data buffers. */
#define IND_SIZE   8192                 /* Indirect tables. */
#define UADDR_BASE UINT64_C(0x7e0000000000)     /* Backend-only tests. */

/* The fake guest (utilities/vhu-front.h) and the backend's view of the
 * same memory and vring. */
struct guest {
    struct vhf_mem *gm;
    struct vhf_vq *vq;                  /* Its rings. */
    struct vhu_desc *desc;              /* vq's rings, for short names. */
    struct vhu_avail *avail;
    struct vhu_used *used;
    uint8_t *buf;                       /* BUF_SIZE bytes at 'buf_gpa'. */
    uint64_t buf_gpa;
    struct vhu_desc *ind;               /* IND_SIZE bytes at 'ind_gpa'. */
    uint64_t ind_gpa;
    struct vhu_mem *mem;                /* The backend's table. */
    struct vhu_split ring;
};

/* The guest-physical address 'off' bytes into the data buffers. */
static uint64_t
buf_gpa(const struct guest *g, uint64_t off)
{
    return g->buf_gpa + off;
}

/* The guest-physical address just past guest memory. */
static uint64_t
mem_end(const struct guest *g)
{
    return GPA_BASE + MEM_SIZE;
}

static void
guest_init_full(struct guest *g, bool indirect, uint32_t num, int n_regions)
{
    struct vhu_vring_addr a;

    memset(g, 0, sizeof *g);
    g->gm = test_guest_mem(MEM_SIZE, n_regions, GPA_BASE);
    CHECK_EQ(vhf_vq_create(g->gm, 0, num, 64, 0, &g->vq), 0);
    g->desc = g->vq->desc;
    g->avail = g->vq->avail;
    g->used = g->vq->used;
    g->buf = test_guest_alloc(g->gm, BUF_SIZE, &g->buf_gpa);
    g->ind = test_guest_alloc(g->gm, IND_SIZE, &g->ind_gpa);
    g->mem = test_backend_mem(g->gm);
    CHECK_EQ(vhf_vq_addr(g->vq, &a), 0);
    CHECK_EQ(vhu_split_map(&g->ring, g->mem, num, a.desc_uaddr,
                           a.avail_uaddr, a.used_uaddr), 0);
    g->ring.indirect = indirect;
    /* The backend's pointers are not the guest's: a real translation. */
    CHECK((void *) g->ring.desc != (void *) g->desc);
}

static void
guest_init_num(struct guest *g, bool indirect, uint32_t num)
{
    guest_init_full(g, indirect, num, 1);
}

static void
guest_init(struct guest *g, bool indirect)
{
    guest_init_num(g, indirect, NUM);
}

static void
guest_fini(struct guest *g)
{
    vhu_mem_free(g->mem);
    vhf_vq_destroy(g->vq);
    vhf_mem_destroy(g->gm);
}

/* Walks the next available chain. */
static int
walk(struct guest *g, struct vhu_chain *c)
{
    uint16_t n;

    CHECK_EQ(vhu_split_avail(&g->ring, &n), 0);
    CHECK(n > 0);
    return vhu_split_get_chain(&g->ring, g->ring.last_avail_idx, c);
}

static void
test_direct(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    memcpy(g.buf, "hello", 5);
    vhf_desc_write(&g.desc[7], buf_gpa(&g, 0), 2, VHU_DESC_F_NEXT, 3);
    vhf_desc_write(&g.desc[3], buf_gpa(&g, 2), 3, VHU_DESC_F_NEXT, 9);
    vhf_desc_write(&g.desc[9], buf_gpa(&g, 100), 50, VHU_DESC_F_WRITE, 0);
    vhf_vq_push_avail(g.vq, 7);
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.head, 7);
    CHECK_EQ(c.n_read, 2);
    CHECK_EQ(c.n_write, 1);
    CHECK_EQ(c.read_len, 5);
    CHECK_EQ(c.write_len, 50);
    CHECK(!memcmp(c.iov[0].base, "he", 2));
    CHECK(!memcmp(c.iov[1].base, "llo", 3));
    guest_fini(&g);
}

static void
test_empty_and_overfull(void)
{
    struct guest g;
    uint16_t n;

    guest_init(&g, false);
    CHECK_EQ(vhu_split_avail(&g.ring, &n), 0);     /* Empty: not an error. */
    CHECK_EQ(n, 0);
    vhf_vq_set_avail_idx(g.vq, NUM);
    CHECK_EQ(vhu_split_avail(&g.ring, &n), 0);
    CHECK_EQ(n, NUM);
    vhf_vq_set_avail_idx(g.vq, NUM + 1);            /* More than the ring. */
    CHECK_EQ(vhu_split_avail(&g.ring, &n), EINVAL);
    g.ring.last_avail_idx = 0xfff0;                 /* Wrapping is fine. */
    vhf_vq_set_avail_idx(g.vq, 0x0010);
    CHECK_EQ(vhu_split_avail(&g.ring, &n), 0);
    CHECK_EQ(n, 0x20);
    guest_fini(&g);
}

static void
test_head_out_of_range(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    vhf_vq_push_avail(g.vq, NUM);
    CHECK_EQ(walk(&g, &c), EINVAL);
    guest_fini(&g);
}

static void
test_next_out_of_range(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    vhf_desc_write(&g.desc[0], buf_gpa(&g, 0), 10, VHU_DESC_F_NEXT, NUM);
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);
    guest_fini(&g);
}

static void
test_loop(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    vhf_desc_write(&g.desc[0], buf_gpa(&g, 0), 10, VHU_DESC_F_NEXT, 1);
    vhf_desc_write(&g.desc[1], buf_gpa(&g, 0), 10, VHU_DESC_F_NEXT, 0);
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), ELOOP);
    /* A self-loop of zero-length descriptors must also end. */
    vhf_desc_write(&g.desc[2], 0, 0, VHU_DESC_F_NEXT, 2);
    g.ring.last_avail_idx++;
    vhf_vq_push_avail(g.vq, 2);
    CHECK_EQ(walk(&g, &c), ELOOP);
    guest_fini(&g);
}

static void
test_write_before_read(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    vhf_desc_write(&g.desc[0], buf_gpa(&g, 0), 10,
                   VHU_DESC_F_NEXT | VHU_DESC_F_WRITE, 1);
    vhf_desc_write(&g.desc[1], buf_gpa(&g, 0), 10, 0, 0);
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);
    /* Also when the writable descriptor has length 0. */
    vhf_desc_write(&g.desc[0], buf_gpa(&g, 0), 0,
                   VHU_DESC_F_NEXT | VHU_DESC_F_WRITE, 1);
    CHECK_EQ(walk(&g, &c), EINVAL);
    guest_fini(&g);
}

static void
test_zero_length(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    /* A zero-length descriptor carries no address: never translated. */
    vhf_desc_write(&g.desc[0], UINT64_C(0xdeadbeef0000), 0, VHU_DESC_F_NEXT,
                   1);
    vhf_desc_write(&g.desc[1], buf_gpa(&g, 0), 10, 0, 0);
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.n_read, 1);
    CHECK_EQ(c.read_len, 10);
    guest_fini(&g);
}

static void
test_unmapped(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    vhf_desc_write(&g.desc[0], mem_end(&g) - 4, 8, 0, 0);  /* Runs off. */
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), EFAULT);
    vhf_desc_write(&g.desc[0], 0x1000, 8, 0, 0);           /* Not guest RAM. */
    CHECK_EQ(walk(&g, &c), EFAULT);
    vhf_desc_write(&g.desc[0], UINT64_MAX - 2, 8, 0, 0);   /* Wraps. */
    CHECK_EQ(walk(&g, &c), EFAULT);
    guest_fini(&g);
}

static void
test_huge_length(void)
{
    struct vhu_mem_region_desc r = { 0, UINT64_C(3) << 30, 0x1000000000, 0 };
    int fd = test_memfd((size_t) 3 << 30);   /* Sparse: costs no RAM. */
    struct vhu_mem *big;
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    vhf_desc_write(&g.desc[0], buf_gpa(&g, 0), UINT32_MAX, 0, 0);
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), EFAULT);
    /* Two mapped 2 GiB descriptors: more than 4 GiB in all.  The ring
     * stays where it is; only buffers are looked up in the big table. */
    CHECK_EQ(vhu_mem_build(&r, &fd, 1, &big), 0);
    g.ring.mem = big;
    g.ring.hint = NULL;
    vhf_desc_write(&g.desc[0], 0, UINT32_C(1) << 31, VHU_DESC_F_NEXT, 1);
    vhf_desc_write(&g.desc[1], 0, UINT32_C(1) << 31, 0, 0);
    CHECK_EQ(walk(&g, &c), E2BIG);
    vhu_mem_free(big);
    close(fd);
    guest_fini(&g);
}

static void
test_iov_cap(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init_num(&g, false, 2 * VHU_MAX_IOV);
    for (int i = 0; i < VHU_MAX_IOV + 1; i++) {
        vhf_desc_write(&g.desc[i], buf_gpa(&g, i), 1,
                       i < VHU_MAX_IOV ? VHU_DESC_F_NEXT : 0, i + 1);
    }
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), E2BIG);
    g.desc[VHU_MAX_IOV - 1].flags = 0;              /* Exactly the cap. */
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.n_read, VHU_MAX_IOV);
    guest_fini(&g);
}

static void
test_indirect(void)
{
    struct vhu_desc *t;
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, true);
    t = g.ind;
    memcpy(g.buf, "abcdef", 6);
    vhf_desc_write(&t[0], buf_gpa(&g, 0), 3, VHU_DESC_F_NEXT, 2);
    vhf_desc_write(&t[2], buf_gpa(&g, 3), 3, VHU_DESC_F_NEXT, 1);
    vhf_desc_write(&t[1], buf_gpa(&g, 100), 20, VHU_DESC_F_WRITE, 0);
    vhf_desc_write(&g.desc[5], g.ind_gpa, 3 * 16, VHU_DESC_F_INDIRECT, 0);
    vhf_vq_push_avail(g.vq, 5);
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.head, 5);
    CHECK_EQ(c.read_len, 6);
    CHECK_EQ(c.write_len, 20);
    CHECK(!memcmp(c.iov[1].base, "def", 3));
    /* Not negotiated: rejected. */
    g.ring.indirect = false;
    CHECK_EQ(walk(&g, &c), EINVAL);
    guest_fini(&g);
}

static void
test_indirect_bad(void)
{
    struct vhu_desc *t;
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, true);
    t = g.ind;
    vhf_desc_write(&t[0], buf_gpa(&g, 0), 3, 0, 0);
    vhf_vq_push_avail(g.vq, 0);
    vhf_desc_write(&g.desc[0], g.ind_gpa, 17, VHU_DESC_F_INDIRECT, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* len % 16. */
    vhf_desc_write(&g.desc[0], g.ind_gpa, 0, VHU_DESC_F_INDIRECT, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Empty table. */
    vhf_desc_write(&g.desc[0], g.ind_gpa, 16 * (NUM + 1), VHU_DESC_F_INDIRECT,
                   0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Over 'num'. */
    vhf_desc_write(&g.desc[0], mem_end(&g) + 4096, 16, VHU_DESC_F_INDIRECT, 0);
    CHECK_EQ(walk(&g, &c), EFAULT);                 /* Unmapped. */
    vhf_desc_write(&g.desc[0], g.ind_gpa, 16,
                   VHU_DESC_F_INDIRECT | VHU_DESC_F_NEXT, 1);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Indirect + next. */
    vhf_desc_write(&g.desc[0], buf_gpa(&g, 0), 4, VHU_DESC_F_NEXT, 1);
    vhf_desc_write(&g.desc[1], g.ind_gpa, 16, VHU_DESC_F_INDIRECT, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Not the first. */
    guest_fini(&g);
}

static void
test_indirect_nested_and_loop(void)
{
    struct vhu_desc *t;
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, true);
    t = g.ind;
    vhf_desc_write(&t[0], buf_gpa(&g, 0), 3, VHU_DESC_F_NEXT, 1);
    vhf_desc_write(&t[1], g.ind_gpa, 32, VHU_DESC_F_INDIRECT, 0);
    vhf_desc_write(&g.desc[0], g.ind_gpa, 32, VHU_DESC_F_INDIRECT, 0);
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Nested. */
    vhf_desc_write(&t[1], buf_gpa(&g, 0), 3, VHU_DESC_F_NEXT, 0);
    CHECK_EQ(walk(&g, &c), ELOOP);                  /* 0 -> 1 -> 0. */
    vhf_desc_write(&t[1], buf_gpa(&g, 0), 3, VHU_DESC_F_NEXT, 2);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* next >= entries. */
    guest_fini(&g);
}

/* An indirect table that straddles two regions whose backend mappings are
 * not adjacent is read entry by entry through the copy loop. */
static void
test_indirect_across_regions(void)
{
    const struct vhf_region *r1;
    struct vhu_desc *t;
    struct vhu_chain c;
    struct guest g;

    /* Two regions of one memfd, which the guest maps in one piece: the
     * bytes just before region 1 are the end of region 0. */
    guest_init_full(&g, true, NUM, 2);
    r1 = &g.gm->regions[1];
    t = (struct vhu_desc *) (r1->ptr - 24);     /* Entry 1 straddles. */
    memcpy(g.buf, "0123456789", 10);
    vhf_desc_write(&t[0], buf_gpa(&g, 0), 4, VHU_DESC_F_NEXT, 1);
    vhf_desc_write(&t[1], buf_gpa(&g, 4), 4, VHU_DESC_F_NEXT, 2);
    vhf_desc_write(&t[2], buf_gpa(&g, 8), 2, 0, 0);
    vhf_desc_write(&g.desc[0], r1->gpa - 24, 48, VHU_DESC_F_INDIRECT, 0);
    vhf_vq_push_avail(g.vq, 0);
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.read_len, 10);
    CHECK(!memcmp(c.iov[1].base, "4567", 4));
    /* A buffer that straddles the two regions becomes two segments. */
    vhf_desc_write(&g.desc[1], r1->gpa - 3, 6, 0, 0);
    g.ring.last_avail_idx++;
    vhf_vq_push_avail(g.vq, 1);
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.n_read, 2);
    CHECK_EQ(c.iov[0].len, 3);
    CHECK_EQ(c.iov[1].len, 3);
    guest_fini(&g);
}

/* A small deterministic generator (xorshift32) for test_flat_matches(). */
static uint32_t
next_random(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* A descriptor address of one of the shapes the walker tells apart. */
static uint64_t
random_addr(const struct guest *g, uint32_t *rnd)
{
    const struct vhf_region *r1 = &g->gm->regions[1];

    switch (next_random(rnd) % 5) {
    case 0:
        return r1->gpa - next_random(rnd) % 64;     /* Straddles. */
    case 1:
        return mem_end(g) - next_random(rnd) % 64;  /* Runs off the end. */
    case 2:
        return next_random(rnd);                    /* Anywhere. */
    default:
        return buf_gpa(g, next_random(rnd) % BUF_SIZE);
    }
}

/* vhu_split_get_flat() is only a fast path: on random descriptors, rings
 * and directions, every chain it accepts is one that vhu_split_get_chain()
 * accepts as the same single segment, and it accepts every single-
 * descriptor chain that vhu_split_get_chain() walks to one segment. */
static void
test_flat_matches(void)
{
    static const uint16_t flag_bits[] = {
        VHU_DESC_F_NEXT, VHU_DESC_F_WRITE, VHU_DESC_F_INDIRECT, 0x8,
    };
    int n_flat = 0, n_walked = 0;
    uint32_t rnd = 2463534242u;
    struct guest g;

    guest_init_full(&g, true, NUM, 2);
    for (int iter = 0; iter < 20000; iter++) {
        uint16_t head = next_random(&rnd) % (NUM + 8);
        struct vhu_flat flat;
        struct vhu_chain c;
        uint16_t flags = 0;
        uint32_t len;
        bool write = next_random(&rnd) & 1;
        bool accepted;
        int error;

        for (size_t i = 0; i < sizeof flag_bits / sizeof *flag_bits; i++) {
            if (next_random(&rnd) % 4 == 0) {
                flags |= flag_bits[i];
            }
        }
        len = (next_random(&rnd) % 8 == 0 ? next_random(&rnd)
               : next_random(&rnd) % 2048);
        if (head < NUM) {
            vhf_desc_write(&g.desc[head], random_addr(&g, &rnd), len, flags,
                           next_random(&rnd) % (NUM + 4));
        }
        g.avail->ring[g.ring.last_avail_idx % NUM] = head;
        accepted = vhu_split_get_flat(&g.ring, g.ring.last_avail_idx, write,
                                      &flat);
        error = vhu_split_get_chain(&g.ring, g.ring.last_avail_idx, &c);
        if (accepted) {
            n_flat++;
            CHECK_EQ(error, 0);
            CHECK_EQ(c.head, flat.head);
            CHECK_EQ(write ? c.n_write : c.n_read, 1);
            CHECK_EQ(write ? c.n_read : c.n_write, 0);
            CHECK(c.iov[0].base == flat.base);
            CHECK_EQ(c.iov[0].len, flat.len);
        } else if (!error && !(flags & (VHU_DESC_F_NEXT
                                        | VHU_DESC_F_INDIRECT))) {
            /* One descriptor that the walker took: the fast path must
             * have declined it only for its direction or its shape. */
            CHECK(c.n_read + c.n_write != 1
                  || (write ? c.n_write : c.n_read) != 1);
        }
        n_walked += !error;
        g.ring.last_avail_idx += next_random(&rnd) % 3;
    }
    /* The random shapes reach both verdicts often. */
    CHECK(n_flat > 1000);
    CHECK(n_walked - n_flat > 1000);
    guest_fini(&g);
}

static void
test_map_checks(void)
{
    struct vhu_split ring;
    struct guest g;
    uint64_t ua;

    guest_init(&g, false);
    ua = g.gm->regions[0].uaddr;
    memset(&ring, 0, sizeof ring);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 255, ua, ua + 8192,
                           ua + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 65536, ua,
                           ua + 8192, ua + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, ua + 8,
                           ua + 8192, ua + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, ua,
                           ua + 8193, ua + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, ua,
                           ua + 8192, ua + 16386), EINVAL);
    /* The used ring (4 + 8 * 256 + 2 bytes) must end inside the region. */
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, ua, ua + 8192,
                           ua + MEM_SIZE - 2048), EFAULT);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, GPA_BASE, ua + 8192,
                           ua + 16384), EFAULT);
    CHECK(ring.desc == NULL);   /* Unchanged by failures. */
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, ua, ua + 8192,
                           ua + MEM_SIZE - 2056), 0);
    guest_fini(&g);
}

/* A region whose mmap_offset is odd leaves frontend addresses aligned but
 * our pointers skewed: the rings must still be refused. */
static void
test_map_skewed_offset(void)
{
    struct vhu_mem_region_desc r = { GPA_BASE, 65536, UADDR_BASE, 1 };
    int fd = test_memfd(65536 + 4096);
    struct vhu_split ring;
    struct vhu_mem *mem;

    memset(&ring, 0, sizeof ring);
    CHECK_EQ(vhu_mem_build(&r, &fd, 1, &mem), 0);
    CHECK_EQ(vhu_split_map(&ring, mem, 64, UADDR_BASE, UADDR_BASE + 4096,
                           UADDR_BASE + 8192), EINVAL);
    CHECK(ring.desc == NULL);
    vhu_mem_free(mem);
    close(fd);
}

static void
test_publish_notify(void)
{
    struct guest g;

    guest_init(&g, false);
    vhu_split_put_used(&g.ring, 0, 3, 77);
    CHECK(vhu_split_publish_used(&g.ring, 0, 1));
    CHECK_EQ(g.used->idx, 1);
    CHECK_EQ(g.used->ring[0].id, 3);
    CHECK_EQ(g.used->ring[0].len, 77);
    g.avail->flags = VHU_AVAIL_F_NO_INTERRUPT;
    CHECK(!vhu_split_publish_used(&g.ring, 1, 2));
    /* With EVENT_IDX the guest's used_event decides, not the flag. */
    g.ring.event_idx = true;
    g.avail->ring[NUM] = 5;                 /* used_event. */
    CHECK(!vhu_split_publish_used(&g.ring, 2, 5));
    CHECK(vhu_split_publish_used(&g.ring, 5, 6));
    CHECK(!vhu_split_publish_used(&g.ring, 6, 7));
    vhu_split_disable_kicks(&g.ring);
    CHECK_EQ(g.used->flags, VHU_USED_F_NO_NOTIFY);
    guest_fini(&g);
}

const struct test_case test_ring_cases[] = {
    { "ring-direct-chain", test_direct },
    { "ring-empty-and-overfull", test_empty_and_overfull },
    { "ring-head-out-of-range", test_head_out_of_range },
    { "ring-next-out-of-range", test_next_out_of_range },
    { "ring-looped-chain", test_loop },
    { "ring-write-before-read", test_write_before_read },
    { "ring-zero-length", test_zero_length },
    { "ring-unmapped-address", test_unmapped },
    { "ring-huge-length", test_huge_length },
    { "ring-iov-cap", test_iov_cap },
    { "ring-indirect", test_indirect },
    { "ring-indirect-bad", test_indirect_bad },
    { "ring-indirect-nested-and-loop", test_indirect_nested_and_loop },
    { "ring-across-regions", test_indirect_across_regions },
    { "ring-flat-matches-walk", test_flat_matches },
    { "ring-map-checks", test_map_checks },
    { "ring-map-skewed-offset", test_map_skewed_offset },
    { "ring-publish-notify", test_publish_notify },
    { NULL, NULL },
};
