/*
 * replay.c: runs a fuzz target's LLVMFuzzerTestOneInput() on files, without
 * libFuzzer, so that "make check" (tests/fuzz.at) replays every seed and
 * every saved crasher with the ordinary compiler in every build.
 *
 *     replay-TARGET [FILE | DIR]...
 *
 * A DIR stands for the files in it (not recursively), in name order,
 * skipping names that start with "." or "README".  Each file's name is
 * printed before it runs, so a crash names its input.  Exits 0 if every
 * input ran, 1 if a file could not be read; a broken invariant in the
 * target aborts the program.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz-util.h"

/* Targets may define LLVMFuzzerInitialize(); libFuzzer calls it if so. */
#pragma weak LLVMFuzzerInitialize

static int
replay_file(const char *name)
{
    FILE *f = fopen(name, "rb");
    uint8_t *data = NULL;
    size_t size = 0, cap = 0;

    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", name, strerror(errno));
        return 1;
    }
    for (;;) {
        size_t n;

        if (size == cap) {
            cap = cap ? 2 * cap : 4096;
            data = realloc(data, cap);
            if (!data) {
                abort();
            }
        }
        n = fread(data + size, 1, cap - size, f);
        if (!n) {
            break;
        }
        size += n;
    }
    fclose(f);
    printf("replay: %s (%zu bytes)\n", name, size);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return 0;
}

static int
skip_name(const struct dirent *de)
{
    return de->d_name[0] != '.' && strncmp(de->d_name, "README", 6);
}

/* Replays every file in 'dir'.  '*n' counts inputs run. */
static int
replay_dir(const char *dir, int *n)
{
    struct dirent **names;
    int n_names = scandir(dir, &names, skip_name, alphasort);
    int status = 0;

    if (n_names < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    for (int i = 0; i < n_names; i++) {
        char path[4096];
        struct stat st;

        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (!stat(path, &st) && S_ISREG(st.st_mode)) {
            status |= replay_file(path);
            ++*n;
        }
        free(names[i]);
    }
    free(names);
    return status;
}

int
main(int argc, char *argv[])
{
    int status = 0, n = 0;

    if (LLVMFuzzerInitialize) {
        LLVMFuzzerInitialize(&argc, &argv);
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (!stat(argv[i], &st) && S_ISDIR(st.st_mode)) {
            status |= replay_dir(argv[i], &n);
        } else {
            status |= replay_file(argv[i]);
            n++;
        }
    }
    printf("replay: %d inputs\n", n);
    return status;
}
