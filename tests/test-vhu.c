/*
 * test-vhu.c: the unit-test runner.  "test-vhu NAME" runs one test,
 * "test-vhu --list" lists them, and "test-vhu" alone runs them all.
 */
#include "test-vhu.h"

#include <dirent.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vhu.h"

static const struct test_case *const tables[] = {
    test_mem_cases, test_ring_cases, test_net_cases, test_msg_cases,
};

int
test_count_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    CHECK(dir != NULL);
    while ((de = readdir(dir)) != NULL) {
        n += de->d_name[0] != '.';
    }
    closedir(dir);
    return n - 1;               /* Less the directory's own fd. */
}

int
test_count_memfd_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[1024];
    int n = 0;

    CHECK(f != NULL);
    while (fgets(line, sizeof line, f)) {
        n += strstr(line, "/memfd:vhu-test") != NULL;
    }
    fclose(f);
    return n;
}

int
test_memfd(size_t size)
{
    int fd = memfd_create("vhu-test", MFD_CLOEXEC);

    CHECK(fd >= 0);
    CHECK(!ftruncate(fd, size));
    return fd;
}

const char *
test_socket_path(const char *tag)
{
    static char path[128];

    snprintf(path, sizeof path, "vhu-test-%s-%ld.sock", tag, (long) getpid());
    unlink(path);
    return path;
}

static void
quiet_log(int level, const char *msg)
{
    if (getenv("VHU_TEST_VERBOSE")) {
        fprintf(stderr, "log(%d): %s\n", level, msg);
    }
}

/* Runs test 'name' in a fresh process, as the testsuite does, so that no
 * test sees state (rate-limit budgets, say) that an earlier one left. */
static void
run_isolated(const char *name)
{
    int status;
    pid_t pid;

    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0);
    if (!pid) {
        execl("/proc/self/exe", "test-vhu", name, (char *) NULL);
        _exit(127);
    }
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fprintf(stderr, "test-vhu: %s failed\n", name);
        exit(1);
    }
}

int
main(int argc, char *argv[])
{
    int ran = 0;

    vhu_set_log_fn(quiet_log);
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (const struct test_case *c = tables[t]; c->name; c++) {
            if (argc > 1 && !strcmp(argv[1], "--list")) {
                printf("%s\n", c->name);
            } else if (argc < 2) {
                run_isolated(c->name);
                ran++;
            } else if (!strcmp(argv[1], c->name)) {
                c->fn();
                printf("%s: ok\n", c->name);
                ran++;
            }
        }
    }
    if (argc > 1 && strcmp(argv[1], "--list") && !ran) {
        fprintf(stderr, "test-vhu: no test named %s\n", argv[1]);
        return 2;
    }
    return 0;
}
