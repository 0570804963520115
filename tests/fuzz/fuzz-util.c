/*
 * fuzz-util.c: helpers shared by the fuzz targets; see fuzz-util.h.
 */
#include "fuzz-util.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vhu.h"

void
fuzz_check_failed(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    fflush(stderr);
    __builtin_trap();
}

void
fuzz_input_init(struct fuzz_input *in, const uint8_t *data, size_t size)
{
    in->data = data;
    in->size = size;
    in->ofs = 0;
}

bool
fuzz_input_done(const struct fuzz_input *in)
{
    return in->ofs >= in->size;
}

void
fuzz_bytes(struct fuzz_input *in, void *dst_, size_t n)
{
    uint8_t *dst = dst_;
    size_t left = in->ofs < in->size ? in->size - in->ofs : 0;
    size_t take = n < left ? n : left;

    if (take) {
        memcpy(dst, in->data + in->ofs, take);
        in->ofs += take;
    }
    memset(dst + take, 0, n - take);
}

uint8_t
fuzz_u8(struct fuzz_input *in)
{
    uint8_t v;

    fuzz_bytes(in, &v, sizeof v);
    return v;
}

uint16_t
fuzz_u16(struct fuzz_input *in)
{
    uint16_t v;

    fuzz_bytes(in, &v, sizeof v);
    return v;
}

uint32_t
fuzz_u32(struct fuzz_input *in)
{
    uint32_t v;

    fuzz_bytes(in, &v, sizeof v);
    return v;
}

uint64_t
fuzz_u64(struct fuzz_input *in)
{
    uint64_t v;

    fuzz_bytes(in, &v, sizeof v);
    return v;
}

int
fuzz_count_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    if (!dir) {
        abort();
    }
    while ((de = readdir(dir)) != NULL) {
        n += de->d_name[0] != '.';
    }
    closedir(dir);
    return n - 1;               /* Less the directory's own fd. */
}

int
fuzz_count_memfd_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    int n = 0;

    if (!f) {
        abort();
    }
    while (fgets(line, sizeof line, f)) {
        n += strstr(line, "/memfd:") != NULL;
    }
    fclose(f);
    return n;
}

int
fuzz_memfd(const char *name, size_t size)
{
    char full[64];
    int fd;

    snprintf(full, sizeof full, "vhu-fuzz-%s", name);
    fd = memfd_create(full, MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, size)) {
        perror("memfd_create");
        abort();
    }
    return fd;
}

bool
fuzz_verbose(void)
{
    static int verbose = -1;

    if (verbose < 0) {
        verbose = getenv("VHU_FUZZ_VERBOSE") != NULL;
    }
    return verbose;
}

static void
log_sink(int level, const char *msg)
{
    if (fuzz_verbose()) {
        fprintf(stderr, "log(%d): %s\n", level, msg);
    }
}

void
fuzz_quiet_log(void)
{
    vhu_set_log_fn(log_sink);
}
