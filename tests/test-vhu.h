/*
 * test-vhu.h: the unit-test runner's shared declarations.
 *
 * Each test is a function registered in a table of one file (test-mem.c,
 * test-ring.c, test-msg.c); tests/unit.at runs each one by name, one
 * autotest case per unit test.  A failed CHECK prints where and exits 1.
 */
#ifndef TEST_VHU_H
#define TEST_VHU_H 1

#include <inttypes.h>
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

extern const struct test_case test_mem_cases[];
extern const struct test_case test_ring_cases[];
extern const struct test_case test_net_cases[];
extern const struct test_case test_msg_cases[];

#endif /* test-vhu.h */
