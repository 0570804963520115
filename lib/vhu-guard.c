/*
 * vhu-guard.c: the SIGBUS guard for guest memory (see vhu-guard.h).
 *
 * The table of live mappings is a fixed array of slots that the handler
 * scans without locks.  Slots are claimed with a compare-and-swap and
 * published with a release store of their start address, so the handler
 * sees either a whole entry or none.  A slot is removed only when its
 * mapping is about to be unmapped, which happens only while no datapath
 * thread can touch that mapping (the device holds every vring lock), so a
 * handler never works on a mapping that is going away.
 *
 * The handler does only async-signal-safe work: atomic loads and stores,
 * mmap(), shutdown() and restoring errno.
 */
#include "vhu-guard.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define VHU_GUARD_SLOTS 8192
#define SLOT_FREE 0
#define SLOT_BUSY 1             /* Claimed, being filled or emptied. */

struct guard_slot {
    _Atomic uintptr_t start;    /* SLOT_FREE, SLOT_BUSY or an address. */
    size_t len;
    size_t page_size;
    _Atomic(struct vhu_fault *) fault;
};

static struct guard_slot slots[VHU_GUARD_SLOTS];
static struct sigaction old_action;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_error;
static _Atomic uint64_t n_faults;

/* Maps a private zero page over the faulting page of slot 's'.  Returns
 * false if that fails (then the fault is not survivable). */
static bool
patch_fault(struct guard_slot *s, uintptr_t start, uintptr_t addr)
{
    uintptr_t page = addr & ~(uintptr_t) (s->page_size - 1);
    struct vhu_fault *fault;
    void *p = mmap((void *) page, s->page_size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

    if (p == MAP_FAILED) {
        return false;
    }
    atomic_fetch_add(&n_faults, 1);
    fault = atomic_load(&s->fault);
    if (fault) {
        int fd = atomic_load(&fault->conn_fd);

        atomic_store(&fault->offset, addr - start);
        atomic_store(&fault->hit, true);
        if (fd >= 0) {
            shutdown(fd, SHUT_RDWR);    /* Wakes the control side. */
        }
    }
    return true;
}

/* Passes a fault that is not ours to whoever handled SIGBUS before us. */
static void
chain(int sig, siginfo_t *si, void *uctx)
{
    if (old_action.sa_flags & SA_SIGINFO) {
        if (old_action.sa_sigaction) {
            old_action.sa_sigaction(sig, si, uctx);
            return;
        }
    } else if (old_action.sa_handler != SIG_DFL
               && old_action.sa_handler != SIG_IGN) {
        old_action.sa_handler(sig);
        return;
    }
    /* Default action: on return the access faults again and, with the
     * default disposition back, the process dies as it would have. */
    signal(sig, SIG_DFL);
}

static void
sigbus_handler(int sig, siginfo_t *si, void *uctx)
{
    uintptr_t addr = (uintptr_t) si->si_addr;
    int saved_errno = errno;

    for (size_t i = 0; i < VHU_GUARD_SLOTS; i++) {
        struct guard_slot *s = &slots[i];
        uintptr_t start = atomic_load_explicit(&s->start,
                                               memory_order_acquire);

        if (start > SLOT_BUSY && addr - start < s->len) {
            if (patch_fault(s, start, addr)) {
                errno = saved_errno;
                return;
            }
            break;
        }
    }
    errno = saved_errno;
    chain(sig, si, uctx);
}

static void
install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigbus_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &old_action)) {
        install_error = errno;
    }
}

int
vhu_guard_add(void *addr, size_t len, size_t page_size,
              struct vhu_fault *fault)
{
    pthread_once(&install_once, install);
    if (install_error) {
        return install_error;
    }
    for (size_t i = 0; i < VHU_GUARD_SLOTS; i++) {
        struct guard_slot *s = &slots[i];
        uintptr_t expected = SLOT_FREE;

        if (atomic_compare_exchange_strong(&s->start, &expected,
                                           SLOT_BUSY)) {
            s->len = len;
            s->page_size = page_size;
            atomic_store(&s->fault, fault);
            atomic_store_explicit(&s->start, (uintptr_t) addr,
                                  memory_order_release);
            return 0;
        }
    }
    return ENOSPC;
}

void
vhu_guard_remove(void *addr)
{
    for (size_t i = 0; i < VHU_GUARD_SLOTS; i++) {
        struct guard_slot *s = &slots[i];
        uintptr_t expected = (uintptr_t) addr;

        if (atomic_compare_exchange_strong(&s->start, &expected, SLOT_BUSY)) {
            s->len = 0;
            atomic_store(&s->fault, NULL);
            atomic_store_explicit(&s->start, SLOT_FREE, memory_order_release);
            return;
        }
    }
}

void
vhu_guard_set_fault(void *addr, struct vhu_fault *fault)
{
    for (size_t i = 0; i < VHU_GUARD_SLOTS; i++) {
        struct guard_slot *s = &slots[i];

        if (atomic_load(&s->start) == (uintptr_t) addr) {
            atomic_store(&s->fault, fault);
            return;
        }
    }
}

uint64_t
vhu_guard_faults(void)
{
    return atomic_load(&n_faults);
}
