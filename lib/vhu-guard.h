/*
 * vhu-guard.h: surviving SIGBUS from guest memory.
 *
 * Guest memory is a frontend's file mapped shared.  The frontend can shrink
 * the file at any time (ftruncate), and then our next access to a page past
 * the new end raises SIGBUS, which would kill the whole process: every VM
 * on an ovs-vswitchd host.  No bounds check can prevent it, so the library
 * survives it instead.  Every guest memory mapping is registered here; a
 * process-wide SIGBUS handler looks the faulting address up, maps an
 * anonymous zero page over the faulting page (so the access completes,
 * reading zeros or writing into a private page), flags the device that owns
 * the mapping and shuts its connection's socket down, which wakes the
 * control side; that side logs the event and closes the connection, which
 * unmaps everything.  Faults at any other address go to the handler that was
 * installed before ours (or kill the process as SIG_DFL would).
 *
 * See Documentation/topics/security.rst.
 */
#ifndef VHU_GUARD_H
#define VHU_GUARD_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a fault reports to the device that owns the mapping. */
struct vhu_fault {
    atomic_bool hit;            /* Set by the handler. */
    atomic_int conn_fd;         /* Shut down by the handler, or -1. */
    _Atomic uint64_t offset;    /* Of the last fault in its mapping. */
};

/* Registers 'len' bytes at 'addr', mapped in pages of 'page_size' bytes,
 * reporting faults to 'fault' (may be NULL: the fault is only survived).
 * Installs the handler on first use.  Returns 0, or ENOSPC if the table of
 * mappings is full, or an errno from sigaction(). */
int vhu_guard_add(void *addr, size_t len, size_t page_size,
                  struct vhu_fault *);
/* Makes faults in the mapping at 'addr' report to 'fault'. */
void vhu_guard_set_fault(void *addr, struct vhu_fault *);
/* Forgets the mapping at 'addr' (before it is unmapped). */
void vhu_guard_remove(void *addr);

/* The number of faults survived so far, in this process. */
uint64_t vhu_guard_faults(void);

#endif /* vhu-guard.h */
