/*
 * test-vhu.h: the unit-test runner's shared declarations.
 *
 * Each test is a function registered in a table of one file (test-mem.c,
 * test-ring.c, test-net.c, test-msg.c); tests/unit.at runs each one by name, one
 * autotest case per unit test.  A failed CHECK prints where and exits 1.
 */
#ifndef TEST_VHU_H
#define TEST_VHU_H 1

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

struct test_case {
    const char *name;
    void (*fn)(void);
};

#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n",                \
                    __FILE__, __LINE__, #COND);                         \
            exit(1);                                                    \
        }                                                               \
    } while (0)

#define CHECK_EQ(A, B)                                                  \
    do {                                                                \
        long long a_ = (long long) (A), b_ = (long long) (B);           \
        if (a_ != b_) {                                                 \
            fprintf(stderr, "%s:%d: check failed: %s == %s "            \
                    "(%lld != %lld)\n", __FILE__, __LINE__, #A, #B,     \
                    a_, b_);                                            \
            exit(1);                                                    \
        }                                                               \
    } while (0)

/* Number of open fds in this process. */
int test_count_fds(void);
/* Mappings of test memfds (test_memfd()) in this process.  Other mappings
 * come and go with the allocator, especially under AddressSanitizer. */
int test_count_memfd_maps(void);
/* A memfd of 'size' bytes; exits on failure (test setup, not the code
 * under test). */
int test_memfd(size_t size);
/* A unique socket path under the current directory. */
const char *test_socket_path(const char *tag);

/* The fake guest is utilities/vhu-front.h's.  test_guest_mem() creates its
 * memory: 'size' bytes in 'n_regions' equal regions of one memfd,
 * contiguous in guest-physical addresses from 'gpa_base', and advertised
 * at frontend addresses that are neither our pointers nor the backend's.
 * test_backend_mem() builds the backend's table of that memory, which maps
 * the memfd again elsewhere.  Both exit on failure. */
struct vhf_mem;
struct vhu_mem;
struct vhf_mem *test_guest_mem(size_t size, int n_regions, uint64_t gpa_base);
struct vhu_mem *test_backend_mem(const struct vhf_mem *);
/* 'size' zeroed bytes of guest memory, page-aligned, at '*gpa'. */
void *test_guest_alloc(struct vhf_mem *, uint64_t size, uint64_t *gpa);

extern const struct test_case test_mem_cases[];
extern const struct test_case test_ring_cases[];
extern const struct test_case test_net_cases[];
extern const struct test_case test_msg_cases[];

#endif /* test-vhu.h */
