/*
 * test-mem.c: unit tests for guest memory tables (lib/vhu-mem.c): the
 * validation rules, translation at region boundaries, copies across
 * regions, sharing between tables, and that nothing is left mapped.
 */
#include "test-vhu.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhu-mem.h"

#define PAGE 4096

static struct vhu_mem_region_desc
region(uint64_t gpa, uint64_t size, uint64_t uaddr, uint64_t offset)
{
    return (struct vhu_mem_region_desc) { gpa, size, uaddr, offset };
}

static void
test_overlap(void)
{
    struct vhu_mem_region_desc r[2];

    r[0] = region(0x1000, 0x2000, 0x10000, 0);
    r[1] = region(0x2fff, 0x1000, 0x20000, 0);       /* gpa overlaps. */
    CHECK_EQ(vhu_mem_check(r, 2, 8), EINVAL);
    r[1] = region(0x3000, 0x1000, 0x11fff, 0);       /* uaddr overlaps. */
    CHECK_EQ(vhu_mem_check(r, 2, 8), EINVAL);
    r[1] = region(0x3000, 0x1000, 0x12000, 0);       /* Adjacent: fine. */
    CHECK_EQ(vhu_mem_check(r, 2, 8), 0);
    r[1] = region(0x0, 0x10000, 0x40000, 0);         /* Contains r[0]. */
    CHECK_EQ(vhu_mem_check(r, 2, 8), EINVAL);
}

static void
test_wrap(void)
{
    struct vhu_mem_region_desc r;

    r = region(UINT64_MAX - 0xfff, 0x1000, 0x1000, 0);  /* Ends at 2^64. */
    CHECK_EQ(vhu_mem_check(&r, 1, 8), EINVAL);
    r = region(UINT64_MAX - 0x1fff, 0x1000, 0x1000, 0); /* Just fits. */
    CHECK_EQ(vhu_mem_check(&r, 1, 8), 0);
    r = region(0x1000, 0x1000, UINT64_MAX - 0x10, 0);
    CHECK_EQ(vhu_mem_check(&r, 1, 8), EINVAL);
    r = region(0x1000, 0x1000, 0x1000, UINT64_MAX - 0x10);
    CHECK_EQ(vhu_mem_check(&r, 1, 8), EINVAL);
    r = region(0x1000, 0, 0x1000, 0);                   /* Size 0. */
    CHECK_EQ(vhu_mem_check(&r, 1, 8), EINVAL);
    r = region(0x1000, UINT64_MAX, 0, 0);
    CHECK_EQ(vhu_mem_check(&r, 1, 8), EINVAL);
}

static void
test_too_many(void)
{
    struct vhu_mem_region_desc r[9];

    for (int i = 0; i < 9; i++) {
        r[i] = region(i * 0x10000, 0x1000, 0x100000 + i * 0x10000, 0);
    }
    CHECK_EQ(vhu_mem_check(r, 8, 8), 0);
    CHECK_EQ(vhu_mem_check(r, 9, 8), E2BIG);
    CHECK_EQ(vhu_mem_check(r, 9, VHU_MAX_MEM_SLOTS), 0);
}

/* Two regions of one memfd: gpa [0x100000, +2 pages) at file offset 0 and
 * gpa [0x300000, +1 page) at file offset 2 pages, with a hole between. */
static struct vhu_mem *
build_two(int *fdp)
{
    struct vhu_mem_region_desc r[2] = {
        region(0x100000, 2 * PAGE, 0x7f0000000000, 0),
        region(0x300000, PAGE, 0x7f0000100000, 2 * PAGE),
    };
    int fd = test_memfd(3 * PAGE);
    int fds[2] = { fd, fd };
    struct vhu_mem *mem;

    CHECK_EQ(vhu_mem_check(r, 2, 8), 0);
    CHECK_EQ(vhu_mem_build(r, fds, 2, &mem), 0);
    *fdp = fd;
    return mem;
}

static void
test_holes(void)
{
    const struct vhu_region *hint = NULL;
    struct vhu_mem *mem;
    uint64_t len;
    int fd;

    mem = build_two(&fd);
    len = 16;
    CHECK(vhu_mem_gpa_to_hva(mem, 0x100000 + 2 * PAGE, &len, &hint) == NULL);
    CHECK_EQ(len, 0);
    len = 16;
    CHECK(vhu_mem_gpa_to_hva(mem, 0x0fffff, &len, &hint) == NULL);
    len = 16;
    CHECK(vhu_mem_gpa_to_hva(mem, 0x300000 + PAGE, &len, &hint) == NULL);
    len = 16;
    CHECK(vhu_mem_gpa_to_hva(mem, UINT64_MAX, &len, &hint) == NULL);
    len = 16;
    CHECK(vhu_mem_gpa_to_hva(mem, 0x300000, &len, &hint) != NULL);
    CHECK_EQ(len, 16);
    vhu_mem_free(mem);
    close(fd);
}

static void
test_boundary(void)
{
    const struct vhu_region *hint = NULL;
    struct vhu_mem *mem;
    uint8_t *base, *last;
    uint64_t len;
    int fd;

    mem = build_two(&fd);
    len = 1;
    base = vhu_mem_gpa_to_hva(mem, 0x100000, &len, &hint);
    CHECK(base != NULL);
    len = 100;
    last = vhu_mem_gpa_to_hva(mem, 0x100000 + 2 * PAGE - 1, &len, &hint);
    CHECK(last == base + 2 * PAGE - 1);
    CHECK_EQ(len, 1);                   /* Clipped at the region end. */
    len = UINT64_MAX;
    CHECK(vhu_mem_gpa_to_hva(mem, 0x100000, &len, NULL) == base);
    CHECK_EQ(len, 2 * PAGE);
    /* The second region maps file offset 2 pages: write through the first
     * mapping's view of the fd and read through the second region. */
    CHECK(pwrite(fd, "xyz", 3, 2 * PAGE) == 3);
    len = 3;
    CHECK(!memcmp(vhu_mem_gpa_to_hva(mem, 0x300000, &len, &hint), "xyz", 3));
    /* uaddr translation lands on the same bytes as gpa translation. */
    len = 3;
    CHECK(!memcmp(vhu_mem_uaddr_to_hva(mem, 0x7f0000100000, &len), "xyz",
                  3));
    len = 8;
    CHECK(vhu_mem_uaddr_to_hva(mem, 0x300000, &len) == NULL);
    vhu_mem_free(mem);
    close(fd);
}

static void
test_one_byte(void)
{
    struct vhu_mem_region_desc r[3];
    const struct vhu_region *hint = NULL;
    int fd = test_memfd(PAGE);
    int fds[3] = { fd, fd, fd };
    struct vhu_mem *mem;
    uint8_t buf[3];
    uint64_t len;

    CHECK(pwrite(fd, "abc", 3, 10) == 3);
    /* Three adjacent 1-byte regions at gpa 0x5000..0x5002, each mapping
     * one byte of the file. */
    for (int i = 0; i < 3; i++) {
        r[i] = region(0x5000 + i, 1, 0x9000 + 2 * i, 10 + i);
    }
    CHECK_EQ(vhu_mem_check(r, 3, 8), 0);
    CHECK_EQ(vhu_mem_build(r, fds, 3, &mem), 0);
    for (int i = 0; i < 3; i++) {
        len = 2;
        CHECK(*(uint8_t *) vhu_mem_gpa_to_hva(mem, 0x5000 + i, &len, &hint)
              == "abc"[i]);
        CHECK_EQ(len, 1);
    }
    CHECK_EQ(vhu_mem_read(mem, 0x5000, buf, 3, &hint), 0);
    CHECK(!memcmp(buf, "abc", 3));
    CHECK_EQ(vhu_mem_read(mem, 0x5001, buf, 3, &hint), EFAULT);
    vhu_mem_free(mem);
    close(fd);
}

static void
test_read_span(void)
{
    struct vhu_mem_region_desc r[2] = {
        region(0x10000, PAGE, 0x1000000, PAGE),     /* File page 1. */
        region(0x11000, PAGE, 0x2000000, 0),        /* File page 0. */
    };
    int fd = test_memfd(2 * PAGE);
    int fds[2] = { fd, fd };
    struct vhu_mem *mem;
    char buf[8];

    CHECK(pwrite(fd, "1234", 4, 2 * PAGE - 4) == 4);
    CHECK(pwrite(fd, "5678", 4, 0) == 4);
    CHECK_EQ(vhu_mem_build(r, fds, 2, &mem), 0);
    CHECK_EQ(vhu_mem_read(mem, 0x11000 - 4, buf, 8, NULL), 0);
    CHECK(!memcmp(buf, "12345678", 8));
    CHECK_EQ(vhu_mem_read(mem, 0x12000 - 4, buf, 8, NULL), EFAULT);
    vhu_mem_free(mem);
    close(fd);
}

static void
test_short_fd(void)
{
    struct vhu_mem_region_desc r = region(0, 2 * PAGE, 0x1000, PAGE);
    int fd = test_memfd(2 * PAGE);      /* Needs 3 pages. */
    int maps = test_count_memfd_maps();
    struct vhu_mem *mem;

    CHECK_EQ(vhu_mem_build(&r, &fd, 1, &mem), EINVAL);
    CHECK(mem == NULL);
    CHECK_EQ(test_count_memfd_maps(), maps);
    fd = -1;
    CHECK_EQ(vhu_mem_build(&r, &fd, 1, &mem), EBADF);
}

static void
test_equal(void)
{
    struct vhu_mem_region_desc r[2] = {
        region(0x100000, 2 * PAGE, 0x7f0000000000, 0),
        region(0x300000, PAGE, 0x7f0000100000, 2 * PAGE),
    };
    struct vhu_mem_region_desc swapped[2] = { r[1], r[0] };
    struct vhu_mem *mem;
    int fd;

    mem = build_two(&fd);
    CHECK(vhu_mem_equal(mem, r, 2));
    CHECK(vhu_mem_equal(mem, swapped, 2));
    CHECK(!vhu_mem_equal(mem, r, 1));
    r[1].mmap_offset = 0;
    CHECK(!vhu_mem_equal(mem, r, 2));
    CHECK(!vhu_mem_equal(NULL, r, 0));
    vhu_mem_free(mem);
    close(fd);
}

static void
test_add_remove(void)
{
    struct vhu_mem_region_desc extra = region(0x500000, PAGE, 0x10000000, 0);
    struct vhu_mem_region_desc overlap = region(0x100800, PAGE, 0x2000, 0);
    int maps = test_count_memfd_maps();
    struct vhu_mem *mem, *more, *less;
    uint64_t len = 4;
    int fd, fd2 = test_memfd(PAGE);

    mem = build_two(&fd);
    CHECK_EQ(vhu_mem_add(mem, &overlap, fd2, 8, &more), EINVAL);
    CHECK_EQ(vhu_mem_add(mem, &extra, fd2, 2, &more), E2BIG);
    CHECK_EQ(vhu_mem_add(mem, &extra, fd2, 8, &more), 0);
    CHECK_EQ(more->n, 3);
    vhu_mem_free(mem);          /* 'more' keeps the shared mappings. */
    CHECK(pwrite(fd, "ok", 2, 0) == 2);
    CHECK(!memcmp(vhu_mem_gpa_to_hva(more, 0x100000, &len, NULL), "ok", 2));
    CHECK_EQ(vhu_mem_remove(more, &overlap, &less), ENOENT);
    CHECK_EQ(vhu_mem_remove(more, &extra, &less), 0);
    CHECK_EQ(less->n, 2);
    len = 4;
    CHECK(vhu_mem_gpa_to_hva(less, 0x500000, &len, NULL) == NULL);
    vhu_mem_free(more);
    vhu_mem_free(less);
    close(fd);
    close(fd2);
    CHECK_EQ(test_count_memfd_maps(), maps);
}

static void
test_no_leak(void)
{
    int maps = test_count_memfd_maps(), fds = test_count_fds();

    for (int i = 0; i < 50; i++) {
        int fd;

        vhu_mem_free(build_two(&fd));
        close(fd);
    }
    CHECK_EQ(test_count_memfd_maps(), maps);
    CHECK_EQ(test_count_fds(), fds);
}

static void
test_many_slots(void)
{
    struct vhu_mem *mem = NULL;
    int fd = test_memfd(PAGE);

    /* 509 one-page regions, all mapping the same page. */
    for (int i = 0; i < VHU_MAX_MEM_SLOTS; i++) {
        struct vhu_mem_region_desc r = region((uint64_t) i * 2 * PAGE, PAGE,
                                              0x40000000 + i * PAGE, 0);
        struct vhu_mem *next;

        CHECK_EQ(vhu_mem_add(mem, &r, fd, VHU_MAX_MEM_SLOTS, &next), 0);
        vhu_mem_free(mem);
        mem = next;
    }
    CHECK_EQ(mem->n, VHU_MAX_MEM_SLOTS);
    for (int i = 0; i < VHU_MAX_MEM_SLOTS; i++) {
        uint64_t len = 8;

        CHECK(vhu_mem_gpa_to_hva(mem, (uint64_t) i * 2 * PAGE + 8, &len,
                                 NULL) != NULL);
        len = 8;
        CHECK(vhu_mem_gpa_to_hva(mem, (uint64_t) i * 2 * PAGE + PAGE, &len,
                                 NULL) == NULL);
    }
    vhu_mem_free(mem);
    close(fd);
}

/* On hugetlbfs, mmap() rounds a length up to the huge page size but
 * munmap() fails on a length that is not a multiple of it, so an unrounded
 * region would leak its mapping.  Needs one free 2 MiB huge page
 * (vm.nr_hugepages); skips (exit 77) without. */
static void
test_hugetlb(void)
{
    const uint64_t huge = 2 * 1024 * 1024;
    struct vhu_mem_region_desc r = region(0x100000, huge / 2 + PAGE,
                                          0x7f0000000000, 0);
    int fd = memfd_create("vhu-test-huge", MFD_CLOEXEC | MFD_HUGETLB);
    int maps = test_count_memfd_maps();
    struct vhu_mem *mem;
    uint64_t len = 64;
    void *probe;

    if (fd < 0 || ftruncate(fd, huge)
        || (probe = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_SHARED,
                         fd, 0)) == MAP_FAILED) {
        printf("skipped: no free 2 MiB huge page (see vm.nr_hugepages)\n");
        exit(77);
    }
    CHECK_EQ(munmap(probe, huge), 0);
    CHECK_EQ(vhu_mem_build(&r, &fd, 1, &mem), 0);
    CHECK_EQ(test_count_memfd_maps(), maps + 1);
    CHECK(vhu_mem_gpa_to_hva(mem, 0x100000 + huge / 2, &len, NULL) != NULL);
    CHECK_EQ(len, 64);
    vhu_mem_free(mem);
    CHECK_EQ(test_count_memfd_maps(), maps);
    CHECK_EQ(close(fd), 0);
}

const struct test_case test_mem_cases[] = {
    { "mem-hugetlb", test_hugetlb },
    { "mem-overlap", test_overlap },
    { "mem-wrap", test_wrap },
    { "mem-too-many-regions", test_too_many },
    { "mem-holes", test_holes },
    { "mem-boundary", test_boundary },
    { "mem-one-byte-regions", test_one_byte },
    { "mem-read-across-regions", test_read_span },
    { "mem-short-fd", test_short_fd },
    { "mem-equal", test_equal },
    { "mem-add-remove", test_add_remove },
    { "mem-no-leak", test_no_leak },
    { "mem-509-slots", test_many_slots },
    { NULL, NULL },
};
