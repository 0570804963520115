/*
 * test-ring.c: unit tests for split rings (lib/vhu-split.c) and the bursts
 * built on them (lib/vhu-net.c).
 *
 * A fake guest writes descriptors and avail entries into a memfd through
 * its own mapping; the backend sees the same memfd through a memory table
 * with other guest-physical and frontend addresses, so every translation
 * is exercised.  One test per rule of the chain walker.
 */
#include "test-vhu.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhu-private.h"

#define GPA_BASE   UINT64_C(0x40000000)
#define UADDR_BASE UINT64_C(0x7e0000000000)
#define MEM_SIZE   (1024 * 1024)
#define NUM        256                  /* Default ring size; up to 512. */
#define DESC_OFF   0
#define AVAIL_OFF  32768
#define USED_OFF   40960
#define IND_OFF    49152                /* Indirect tables. */
#define BUF_OFF    (64 * 1024)          /* Data buffers. */

struct guest {
    int fd;
    uint8_t *view;                      /* The guest's own mapping. */
    struct vhu_mem *mem;                /* The backend's table. */
    struct vhu_split ring;
    struct vhu_desc *desc;
    struct vhu_avail *avail;
    struct vhu_used *used;
    uint16_t avail_idx;
};

static uint64_t
gpa(uint64_t off)
{
    return GPA_BASE + off;
}

static void
guest_init_num(struct guest *g, bool indirect, uint32_t num)
{
    struct vhu_mem_region_desc r = { GPA_BASE, MEM_SIZE, UADDR_BASE, 0 };

    memset(g, 0, sizeof *g);
    g->fd = test_memfd(MEM_SIZE);
    g->view = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                   g->fd, 0);
    CHECK(g->view != MAP_FAILED);
    CHECK_EQ(vhu_mem_build(&r, &g->fd, 1, &g->mem), 0);
    g->desc = (struct vhu_desc *) (g->view + DESC_OFF);
    g->avail = (struct vhu_avail *) (g->view + AVAIL_OFF);
    g->used = (struct vhu_used *) (g->view + USED_OFF);
    CHECK_EQ(vhu_split_map(&g->ring, g->mem, num, UADDR_BASE + DESC_OFF,
                           UADDR_BASE + AVAIL_OFF, UADDR_BASE + USED_OFF), 0);
    g->ring.indirect = indirect;
    /* The backend's pointers are not the guest's: a real translation. */
    CHECK((uint8_t *) g->ring.desc != g->view);
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
    munmap(g->view, MEM_SIZE);
    close(g->fd);
}

static void
set_desc(struct vhu_desc *d, uint64_t addr, uint32_t len, uint16_t flags,
         uint16_t next)
{
    d->addr = addr;
    d->len = len;
    d->flags = flags;
    d->next = next;
}

static void
make_avail(struct guest *g, uint16_t head)
{
    g->avail->ring[g->avail_idx % g->ring.num] = head;
    __atomic_store_n(&g->avail->idx, ++g->avail_idx, __ATOMIC_RELEASE);
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
    memcpy(g.view + BUF_OFF, "hello", 5);
    set_desc(&g.desc[7], gpa(BUF_OFF), 2, VHU_DESC_F_NEXT, 3);
    set_desc(&g.desc[3], gpa(BUF_OFF + 2), 3, VHU_DESC_F_NEXT, 9);
    set_desc(&g.desc[9], gpa(BUF_OFF + 100), 50, VHU_DESC_F_WRITE, 0);
    make_avail(&g, 7);
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
    g.avail->idx = NUM;
    CHECK_EQ(vhu_split_avail(&g.ring, &n), 0);
    CHECK_EQ(n, NUM);
    g.avail->idx = NUM + 1;                         /* More than the ring. */
    CHECK_EQ(vhu_split_avail(&g.ring, &n), EINVAL);
    g.ring.last_avail_idx = 0xfff0;                 /* Wrapping is fine. */
    g.avail->idx = 0x0010;
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
    make_avail(&g, NUM);
    CHECK_EQ(walk(&g, &c), EINVAL);
    guest_fini(&g);
}

static void
test_next_out_of_range(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    set_desc(&g.desc[0], gpa(BUF_OFF), 10, VHU_DESC_F_NEXT, NUM);
    make_avail(&g, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);
    guest_fini(&g);
}

static void
test_loop(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    set_desc(&g.desc[0], gpa(BUF_OFF), 10, VHU_DESC_F_NEXT, 1);
    set_desc(&g.desc[1], gpa(BUF_OFF), 10, VHU_DESC_F_NEXT, 0);
    make_avail(&g, 0);
    CHECK_EQ(walk(&g, &c), ELOOP);
    /* A self-loop of zero-length descriptors must also end. */
    set_desc(&g.desc[2], 0, 0, VHU_DESC_F_NEXT, 2);
    g.ring.last_avail_idx++;
    make_avail(&g, 2);
    CHECK_EQ(walk(&g, &c), ELOOP);
    guest_fini(&g);
}

static void
test_write_before_read(void)
{
    struct vhu_chain c;
    struct guest g;

    guest_init(&g, false);
    set_desc(&g.desc[0], gpa(BUF_OFF), 10, VHU_DESC_F_NEXT | VHU_DESC_F_WRITE,
             1);
    set_desc(&g.desc[1], gpa(BUF_OFF), 10, 0, 0);
    make_avail(&g, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);
    /* Also when the writable descriptor has length 0. */
    set_desc(&g.desc[0], gpa(BUF_OFF), 0, VHU_DESC_F_NEXT | VHU_DESC_F_WRITE,
             1);
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
    set_desc(&g.desc[0], UINT64_C(0xdeadbeef0000), 0, VHU_DESC_F_NEXT, 1);
    set_desc(&g.desc[1], gpa(BUF_OFF), 10, 0, 0);
    make_avail(&g, 0);
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
    set_desc(&g.desc[0], gpa(MEM_SIZE - 4), 8, 0, 0);   /* Runs off. */
    make_avail(&g, 0);
    CHECK_EQ(walk(&g, &c), EFAULT);
    set_desc(&g.desc[0], 0x1000, 8, 0, 0);              /* Not guest RAM. */
    CHECK_EQ(walk(&g, &c), EFAULT);
    set_desc(&g.desc[0], UINT64_MAX - 2, 8, 0, 0);      /* Wraps. */
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
    set_desc(&g.desc[0], gpa(BUF_OFF), UINT32_MAX, 0, 0);
    make_avail(&g, 0);
    CHECK_EQ(walk(&g, &c), EFAULT);
    /* Two mapped 2 GiB descriptors: more than 4 GiB in all.  The ring
     * stays where it is; only buffers are looked up in the big table. */
    CHECK_EQ(vhu_mem_build(&r, &fd, 1, &big), 0);
    g.ring.mem = big;
    g.ring.hint = NULL;
    set_desc(&g.desc[0], 0, UINT32_C(1) << 31, VHU_DESC_F_NEXT, 1);
    set_desc(&g.desc[1], 0, UINT32_C(1) << 31, 0, 0);
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
        set_desc(&g.desc[i], gpa(BUF_OFF + i), 1,
                 i < VHU_MAX_IOV ? VHU_DESC_F_NEXT : 0, i + 1);
    }
    make_avail(&g, 0);
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
    t = (struct vhu_desc *) (g.view + IND_OFF);
    memcpy(g.view + BUF_OFF, "abcdef", 6);
    set_desc(&t[0], gpa(BUF_OFF), 3, VHU_DESC_F_NEXT, 2);
    set_desc(&t[2], gpa(BUF_OFF + 3), 3, VHU_DESC_F_NEXT, 1);
    set_desc(&t[1], gpa(BUF_OFF + 100), 20, VHU_DESC_F_WRITE, 0);
    set_desc(&g.desc[5], gpa(IND_OFF), 3 * 16, VHU_DESC_F_INDIRECT, 0);
    make_avail(&g, 5);
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
    t = (struct vhu_desc *) (g.view + IND_OFF);
    set_desc(&t[0], gpa(BUF_OFF), 3, 0, 0);
    make_avail(&g, 0);
    set_desc(&g.desc[0], gpa(IND_OFF), 17, VHU_DESC_F_INDIRECT, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* len % 16. */
    set_desc(&g.desc[0], gpa(IND_OFF), 0, VHU_DESC_F_INDIRECT, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Empty table. */
    set_desc(&g.desc[0], gpa(IND_OFF), 16 * (NUM + 1), VHU_DESC_F_INDIRECT,
             0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Over 'num'. */
    set_desc(&g.desc[0], gpa(MEM_SIZE + 4096), 16, VHU_DESC_F_INDIRECT, 0);
    CHECK_EQ(walk(&g, &c), EFAULT);                 /* Unmapped. */
    set_desc(&g.desc[0], gpa(IND_OFF), 16,
             VHU_DESC_F_INDIRECT | VHU_DESC_F_NEXT, 1);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Indirect + next. */
    set_desc(&g.desc[0], gpa(BUF_OFF), 4, VHU_DESC_F_NEXT, 1);
    set_desc(&g.desc[1], gpa(IND_OFF), 16, VHU_DESC_F_INDIRECT, 0);
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
    t = (struct vhu_desc *) (g.view + IND_OFF);
    set_desc(&t[0], gpa(BUF_OFF), 3, VHU_DESC_F_NEXT, 1);
    set_desc(&t[1], gpa(IND_OFF), 32, VHU_DESC_F_INDIRECT, 0);
    set_desc(&g.desc[0], gpa(IND_OFF), 32, VHU_DESC_F_INDIRECT, 0);
    make_avail(&g, 0);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* Nested. */
    set_desc(&t[1], gpa(BUF_OFF), 3, VHU_DESC_F_NEXT, 0);
    CHECK_EQ(walk(&g, &c), ELOOP);                  /* 0 -> 1 -> 0. */
    set_desc(&t[1], gpa(BUF_OFF), 3, VHU_DESC_F_NEXT, 2);
    CHECK_EQ(walk(&g, &c), EINVAL);                 /* next >= entries. */
    guest_fini(&g);
}

/* An indirect table that straddles two regions whose backend mappings are
 * not adjacent is read entry by entry through the copy loop. */
static void
test_indirect_across_regions(void)
{
    struct vhu_mem_region_desc r[2] = {
        { GPA_BASE, MEM_SIZE / 2, UADDR_BASE, 0 },
        { GPA_BASE + MEM_SIZE / 2, MEM_SIZE / 2,
          UADDR_BASE + MEM_SIZE / 2, MEM_SIZE / 2 },
    };
    uint64_t table_off = MEM_SIZE / 2 - 24;  /* Entry 1 straddles. */
    struct vhu_desc *t;
    struct vhu_chain c;
    struct guest g;
    int fds[2];

    guest_init(&g, true);
    fds[0] = fds[1] = g.fd;
    vhu_mem_free(g.mem);
    CHECK_EQ(vhu_mem_build(r, fds, 2, &g.mem), 0);
    CHECK_EQ(vhu_split_map(&g.ring, g.mem, NUM, UADDR_BASE + DESC_OFF,
                           UADDR_BASE + AVAIL_OFF, UADDR_BASE + USED_OFF), 0);
    t = (struct vhu_desc *) (g.view + table_off);
    memcpy(g.view + BUF_OFF, "0123456789", 10);
    set_desc(&t[0], gpa(BUF_OFF), 4, VHU_DESC_F_NEXT, 1);
    set_desc(&t[1], gpa(BUF_OFF + 4), 4, VHU_DESC_F_NEXT, 2);
    set_desc(&t[2], gpa(BUF_OFF + 8), 2, 0, 0);
    set_desc(&g.desc[0], gpa(table_off), 48, VHU_DESC_F_INDIRECT, 0);
    make_avail(&g, 0);
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.read_len, 10);
    CHECK(!memcmp(c.iov[1].base, "4567", 4));
    /* A buffer that straddles the two regions becomes two segments. */
    set_desc(&g.desc[1], gpa(MEM_SIZE / 2 - 3), 6, 0, 0);
    g.ring.last_avail_idx++;
    make_avail(&g, 1);
    CHECK_EQ(walk(&g, &c), 0);
    CHECK_EQ(c.n_read, 2);
    CHECK_EQ(c.iov[0].len, 3);
    CHECK_EQ(c.iov[1].len, 3);
    guest_fini(&g);
}

static void
test_map_checks(void)
{
    struct vhu_split ring;
    struct guest g;

    guest_init(&g, false);
    memset(&ring, 0, sizeof ring);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 255, UADDR_BASE, UADDR_BASE + 8192,
                           UADDR_BASE + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 65536, UADDR_BASE,
                           UADDR_BASE + 8192, UADDR_BASE + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, UADDR_BASE + 8,
                           UADDR_BASE + 8192, UADDR_BASE + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, UADDR_BASE,
                           UADDR_BASE + 8193, UADDR_BASE + 16384), EINVAL);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, UADDR_BASE,
                           UADDR_BASE + 8192, UADDR_BASE + 16386), EINVAL);
    /* The used ring (4 + 8 * 256 + 2 bytes) must end inside the region. */
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, UADDR_BASE, UADDR_BASE + 8192,
                           UADDR_BASE + MEM_SIZE - 2048), EFAULT);
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, GPA_BASE, UADDR_BASE + 8192,
                           UADDR_BASE + 16384), EFAULT);
    CHECK(ring.desc == NULL);   /* Unchanged by failures. */
    CHECK_EQ(vhu_split_map(&ring, g.mem, 256, UADDR_BASE, UADDR_BASE + 8192,
                           UADDR_BASE + MEM_SIZE - 2056), 0);
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
    { "ring-map-checks", test_map_checks },
    { "ring-map-skewed-offset", test_map_skewed_offset },
    { "ring-publish-notify", test_publish_notify },
    { NULL, NULL },
};
