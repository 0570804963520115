/*
 * vhu-private.h: state shared by the library's own files, never by users.
 *
 * Ownership: vhu-dev.c owns the device and connection lifecycle and vring
 * readiness; vhu-msg.c owns the request table and handlers; vhu-mem.c owns
 * guest memory; vhu-split.c owns ring access; vhu-net.c owns the bursts;
 * vhu-log.c owns logging.
 */
#ifndef VHU_PRIVATE_H
#define VHU_PRIVATE_H 1

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vhu.h"
#include "vhu-guard.h"
#include "vhu-log.h"
#include "vhu-mem.h"
#include "vhu-proto.h"
#include "vhu-socket.h"
#include "vhu-split.h"

/* One vring.  Fields above 'lock' are written by the control thread only;
 * the datapath reads 'ready' and everything in 'ring' with 'lock' held.
 * Cache-line aligned so that threads on different vrings share no line. */
struct __attribute__((aligned(64))) vhu_vring {
    /* Set up by messages. */
    uint32_t num;                       /* 0 until SET_VRING_NUM. */
    struct vhu_vring_addr addr;
    bool addr_set;
    bool started;                       /* A kick fd (or NOFD) arrived. */
    bool enabled;
    int kick_fd, call_fd, err_fd;       /* -1 if none. */

    atomic_int lock;                    /* 1 while a thread holds it. */

    /* Datapath state, under 'lock'. */
    bool ready;                         /* Translated, started, enabled. */
    bool broken;                        /* A ring error stopped it. */
    struct vhu_split ring;

    /* Counters, written under 'lock', read anywhere (relaxed). */
    uint64_t packets, bytes, drops, errors, notifications;
};

struct vhu_dev {
    char *path;
    bool client;
    uint16_t max_queue_pairs;
    uint64_t offered_features;
    uint64_t offered_protocol_features;
    vhu_event_cb *event_cb;
    void *aux;

    /* Connection. */
    int listen_fd;                      /* Server role. */
    int conn_fd;                        /* -1 while disconnected. */
    struct vhu_msg_reader reader;
    uint32_t backoff_min_ms, backoff_max_ms, backoff_ms;
    long long next_connect_ms;          /* Client role. */

    /* Negotiated state; reset on disconnect. */
    uint64_t features;
    uint64_t protocol_features;
    uint16_t mtu;
    uint8_t status;
    uint32_t hdr_len;                   /* virtio-net header bytes. */
    struct vhu_mem *mem;                /* NULL until SET_MEM_TABLE. */

    struct vhu_fault fault;             /* SIGBUS in guest memory. */
    struct vhu_dev_stats stats;
    struct vhu_vring vrings[VHU_MAX_VRINGS];
};

/* vhu-dev.c. */
void vhu_vring_lock(struct vhu_vring *);
bool vhu_vring_trylock(struct vhu_vring *);
void vhu_vring_unlock(struct vhu_vring *);
void vhu_dev_lock_all(struct vhu_dev *);
void vhu_dev_unlock_all(struct vhu_dev *);
void vhu_dev_update_vring(struct vhu_dev *, int idx);
void vhu_dev_set_mem(struct vhu_dev *, struct vhu_mem *);
void vhu_dev_stop_vring(struct vhu_dev *, int idx);
void vhu_dev_reset_state(struct vhu_dev *);
void vhu_dev_event(struct vhu_dev *, enum vhu_event, int vring);
void vhu_vring_broken(struct vhu_dev *, struct vhu_vring *, int error,
                      const char *what);

#endif /* vhu-private.h */
