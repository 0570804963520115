/*
 * vhu-private.h: the device, struct vhu_dev, shared by the library's own
 * files and never by users (they see an opaque pointer in vhu.h).
 *
 * Ownership, one job per file:
 *   vhu-dev.c     the device, the connection in both roles, the control
 *                 loop, device-wide changes (memory table, reset) and
 *                 events, introspection;
 *   vhu-msg.c     the request table, the dispatcher and the handlers;
 *   vhu-vring.c   each vring's state, lock, readiness and broken mark;
 *   vhu-net.c     the virtio-net bursts;
 *   vhu-split.c   split ring access;
 *   vhu-mem.c     guest memory;
 *   vhu-guard.c   surviving SIGBUS from guest memory;
 *   vhu-socket.c  the socket and message framing;
 *   vhu-log.c     logging and its clock.
 *
 * Each file includes the headers it uses, and the headers include one
 * another without a cycle:
 *   vhu.h, vhu-proto.h, vhu-guard.h   nothing of ours
 *   vhu-log.h                         vhu.h
 *   vhu-mem.h, vhu-socket.h           vhu-proto.h
 *   vhu-split.h                       vhu-mem.h, vhu-proto.h
 *   vhu-vring.h                       vhu.h, vhu-mem.h, vhu-proto.h,
 *                                     vhu-split.h
 *   vhu-msg.h                         vhu-socket.h
 *   vhu-private.h (this file)         vhu.h, vhu-guard.h, vhu-mem.h,
 *                                     vhu-proto.h, vhu-socket.h,
 *                                     vhu-vring.h
 * vhu-dev.c, vhu-msg.c and vhu-net.c include this file; vhu-vring.c and
 * vhu-log.c do not.
 */
#ifndef VHU_PRIVATE_H
#define VHU_PRIVATE_H 1

#include <stdbool.h>
#include <stdint.h>

#include "vhu.h"
#include "vhu-guard.h"
#include "vhu-mem.h"
#include "vhu-proto.h"
#include "vhu-socket.h"
#include "vhu-vring.h"

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

/* vhu-dev.c: changes to the device that the message handlers make.  Each
 * takes the vring locks it needs and reports what changed through the
 * device's event callback. */
void vhu_dev_lock_all(struct vhu_dev *);
void vhu_dev_unlock_all(struct vhu_dev *);
void vhu_dev_update_vring(struct vhu_dev *, int idx);
void vhu_dev_set_mem(struct vhu_dev *, struct vhu_mem *);
void vhu_dev_stop_vring(struct vhu_dev *, int idx);
void vhu_dev_reset_state(struct vhu_dev *);
void vhu_dev_event(struct vhu_dev *, enum vhu_event, int vring);

#endif /* vhu-private.h */
