/*
 * fuzz-util.h: helpers shared by the fuzz targets in tests/fuzz/.
 *
 * Each target (fuzz-dispatch.c, fuzz-split.c, fuzz-mem.c) defines
 * LLVMFuzzerTestOneInput().  It is linked either with libFuzzer (clang,
 * "make fuzz", see tests/fuzz/automake.mk) or with tests/fuzz/replay.c (the
 * ordinary compiler, "make check").  This file gives both a way to consume
 * an input byte by byte, to count the process's fds and guest-memory
 * mappings, and to report a broken invariant as a crash.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* libFuzzer's entry points. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant that must hold whatever the input: on failure, says which
 * and traps, so that libFuzzer reports a crash and keeps the input. */
#define FUZZ_CHECK(COND)                                                \
    do {                                                                \
        if (!(COND)) {                                                  \
            fuzz_check_failed(__FILE__, __LINE__, #COND);               \
        }                                                               \
    } while (0)

void fuzz_check_failed(const char *file, int line, const char *what)
    __attribute__((noreturn));

/* The input, consumed from the front.  Past its end every read returns
 * zeros, so a decoder never needs to check for the end except to stop. */
struct fuzz_input {
    const uint8_t *data;
    size_t size;
    size_t ofs;
};

void fuzz_input_init(struct fuzz_input *, const uint8_t *data, size_t size);
bool fuzz_input_done(const struct fuzz_input *);
uint8_t fuzz_u8(struct fuzz_input *);
uint16_t fuzz_u16(struct fuzz_input *);
uint32_t fuzz_u32(struct fuzz_input *);
uint64_t fuzz_u64(struct fuzz_input *);
/* Copies up to 'n' bytes into 'dst', zero-filling past the end of input. */
void fuzz_bytes(struct fuzz_input *, void *dst, size_t n);

/* Open fds in this process. */
int fuzz_count_fds(void);
/* Lines of /proc/self/maps that map a memfd (only the targets, and the
 * frontend toolkit they use, create memfds). */
int fuzz_count_memfd_maps(void);
/* A memfd named "vhu-fuzz-NAME" of 'size' bytes; aborts on failure
 * (harness setup, not the code under test). */
int fuzz_memfd(const char *name, size_t size);

/* True if VHU_FUZZ_VERBOSE is set: targets then trace what they do. */
bool fuzz_verbose(void);
/* Silences the library's log (VHU_FUZZ_VERBOSE=1 in the environment shows
 * it on stderr). */
void fuzz_quiet_log(void);

#endif /* fuzz-util.h */
