/*
 * vhu.h: the public API of libvhostuser, a vhost-user backend for virtio-net.
 *
 * This is the only lib/ header that plugin/ (the OVS netdev provider) and
 * other users include.  It depends on libc only.
 *
 * Threading model
 * ---------------
 * A 'struct vhu_dev' is one vhost-user socket endpoint: we listen (server
 * role) or we connect and reconnect (client role).  Two kinds of callers use
 * it:
 *
 *   - The control side: exactly one thread at a time calls vhu_dev_run(),
 *     which accepts or connects, reads and handles vhost-user messages, and
 *     never blocks.  vhu_dev_fd() and the timeout that vhu_dev_run() returns
 *     tell that thread when to call again (poll() on the fd).  Event
 *     callbacks run in this thread, inside vhu_dev_run().  vhu_dev_create()
 *     and vhu_dev_destroy() also belong to the control side.
 *
 *   - The datapath: any number of threads call vhu_dequeue_burst() and
 *     vhu_enqueue_burst(), on distinct vrings or on the same one.  A burst
 *     takes the vring's lock with a try-lock and returns 0 packets at once if
 *     the control side holds it or another thread is in a burst on that
 *     vring, so a datapath thread never waits and never makes a system call
 *     except one eventfd write per burst when the guest wants an interrupt.
 *
 * The control side takes a vring's lock (waiting only for one burst to end)
 * before it changes that vring or the guest memory table, so a burst never
 * sees a half-updated ring or an unmapped region.  Outside bursts, the
 * control side touches guest memory only under the vring's lock (to set
 * VRING_USED_F_NO_NOTIFY and to read ring indexes for introspection).
 *
 * Guest input is hostile: a bad message is rejected (or the connection is
 * closed) and logged with a rate limit; a bad ring marks only that vring
 * broken until the frontend sets it up again.  Nothing aborts.
 */
#ifndef VHU_H
#define VHU_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct vhu_dev;

/* Events reported through vhu_dev_config.event_cb, from vhu_dev_run(). */
enum vhu_event {
    VHU_EV_CONNECTED,           /* A frontend connected. */
    VHU_EV_DISCONNECTED,        /* The frontend went away; state was reset. */
    VHU_EV_VRING_CHANGED,       /* A vring became ready or stopped being. */
    VHU_EV_MTU_CHANGED,         /* NET_SET_MTU was accepted. */
    VHU_EV_FEATURES_CHANGED,    /* SET_FEATURES was accepted. */
    VHU_EV_MEM_CHANGED,         /* The guest memory table changed. */
};

typedef void vhu_event_cb(void *aux, struct vhu_dev *, enum vhu_event,
                          int vring);

struct vhu_dev_config {
    const char *path;           /* UNIX socket path. */
    bool client;                /* true: we connect; false: we listen. */
    uint64_t features;          /* Virtio features to offer; 0: default. */
    uint64_t protocol_features; /* Protocol features to offer; 0: default. */
    uint16_t max_queue_pairs;   /* 1..VHU_MAX_QUEUE_PAIRS; 0: 128. */
    uint32_t reconnect_min_ms;  /* Client backoff; 0: 100 ms. */
    uint32_t reconnect_max_ms;  /* Client backoff cap; 0: 5000 ms. */
    vhu_event_cb *event_cb;     /* May be NULL. */
    void *aux;                  /* Passed to event_cb. */
};

/* Features offered by default: VERSION_1, MRG_RXBUF, INDIRECT_DESC,
 * EVENT_IDX, MQ, MTU, STATUS, PROTOCOL_FEATURES. */
uint64_t vhu_default_features(void);
/* Protocol features offered by default: MQ, REPLY_ACK, MTU, STATUS,
 * CONFIGURE_MEM_SLOTS. */
uint64_t vhu_default_protocol_features(void);

/* Creates a device.  In the server role it listens on 'path' at once
 * (replacing a stale socket).  Returns 0 or a positive errno. */
int vhu_dev_create(const struct vhu_dev_config *, struct vhu_dev **);
/* Closes the connection, unmaps guest memory, closes every fd and, in the
 * server role, removes the socket file. */
void vhu_dev_destroy(struct vhu_dev *);

/* Control side.  Handles whatever is pending without blocking.  Returns the
 * number of milliseconds after which it wants to be called again even if
 * vhu_dev_fd() stays quiet, or -1 for no timeout. */
int vhu_dev_run(struct vhu_dev *);
/* The fd to poll for POLLIN before the next vhu_dev_run(), or -1. */
int vhu_dev_fd(const struct vhu_dev *);
/* Drops the connection (as if the frontend had closed it).  A client
 * reconnects after its backoff; a server accepts again. */
void vhu_dev_disconnect(struct vhu_dev *);

/* Introspection.  Call these from the control thread (the one that calls
 * vhu_dev_run()) or serialize with it; only vhu_dev_vring_ready() may also
 * be called from datapath threads.  A broken vring is not ready. */
bool vhu_dev_is_connected(const struct vhu_dev *);
uint64_t vhu_dev_features(const struct vhu_dev *);          /* Negotiated. */
uint64_t vhu_dev_protocol_features(const struct vhu_dev *); /* Negotiated. */
uint16_t vhu_dev_mtu(const struct vhu_dev *);   /* 0 if never set. */
uint8_t vhu_dev_status(const struct vhu_dev *); /* SET_STATUS value. */
int vhu_dev_n_vrings(const struct vhu_dev *);   /* Highest set up + 1. */
/* Queue pairs whose two vrings are both ready. */
int vhu_dev_n_ready_pairs(const struct vhu_dev *);
bool vhu_dev_vring_ready(const struct vhu_dev *, int vring);
const char *vhu_dev_path(const struct vhu_dev *);

/* Vring numbering: queue pair Q has guest-RX vring 2Q (we enqueue into it)
 * and guest-TX vring 2Q+1 (we dequeue from it). */
static inline int vhu_rx_vring(int qp) { return 2 * qp; }
static inline int vhu_tx_vring(int qp) { return 2 * qp + 1; }

struct vhu_vring_info {
    bool enabled, started, ready, broken;
    uint16_t size;
    uint16_t last_avail_idx, last_used_idx;
    uint16_t avail_idx, used_idx;       /* As the rings show them now. */
    bool has_kick, has_call;
    uint64_t packets, bytes;
    uint64_t drops;             /* Frames that did not fit (guest RX)
                                 * or did not fit the caller's buffer. */
    uint64_t errors;            /* Ring errors (the vring was broken). */
    uint64_t notifications;     /* Call-eventfd writes. */
};
/* Control side only (it reads the ring through pointers that only the
 * control thread changes).  Takes no lock, so it never disturbs a burst;
 * indexes and counters may be a burst old. */
int vhu_dev_vring_info(struct vhu_dev *, int vring, struct vhu_vring_info *);

struct vhu_mem_info {
    uint64_t gpa, size, uaddr, mmap_offset;
};
/* Copies up to 'n' region descriptions; returns the number of regions. */
int vhu_dev_mem_info(const struct vhu_dev *, struct vhu_mem_info *, int n);

/* Message counters. */
struct vhu_dev_stats {
    uint64_t msgs;              /* Messages handled. */
    uint64_t msgs_rejected;     /* Rejected messages. */
    uint64_t connects, disconnects;
    uint64_t mem_faults;        /* Connections closed because guest memory
                                 * shrank under us (SIGBUS survived). */
};
void vhu_dev_get_stats(const struct vhu_dev *, struct vhu_dev_stats *);

/* Datapath.  'data' points to a frame (no virtio-net header). */
struct vhu_pkt {
    void *data;                 /* Dequeue: caller's buffer; enqueue: frame. */
    uint32_t size;              /* Dequeue: buffer capacity. */
    uint32_t len;               /* Frame length (dequeue: set by the call). */
};

/* Guest TX: copies up to 'n' frames from vring 'vring' into the caller's
 * buffers and returns how many it filled.  A frame larger than its buffer
 * is dropped (and counted).  Returns 0 if the vring is not ready, is broken,
 * or is busy. */
int vhu_dequeue_burst(struct vhu_dev *, int vring, struct vhu_pkt *, int n);
/* Guest RX: copies up to 'n' frames into vring 'vring' and returns how many
 * it consumed; the rest did not fit (the ring is full or not ready) and stay
 * with the caller.  A frame larger than any buffer the guest could give is
 * consumed but dropped: such frames are counted in '*n_dropped' (if
 * nonnull) and in the vring's drops. */
int vhu_enqueue_burst(struct vhu_dev *, int vring, const struct vhu_pkt *,
                      int n, int *n_dropped);

/* Logging.  By default lines up to 'info' go to stderr; a user such as OVS
 * installs its own sink, and may install a filter that says which levels
 * it wants (a line it does not want is not even formatted).  Levels follow
 * syslog: 3 error, 4 warning, 6 info, 7 debug.  Lines that a frontend or
 * guest can provoke are rate limited per kind inside the library. */
#define VHU_LOG_ERR 3
#define VHU_LOG_WARN 4
#define VHU_LOG_INFO 6
#define VHU_LOG_DBG 7
typedef void vhu_log_fn(int level, const char *msg);
typedef bool vhu_log_enabled_fn(int level);
void vhu_set_log_fn(vhu_log_fn *);
void vhu_set_log_enabled_fn(vhu_log_enabled_fn *);
/* Without a filter: the highest level logged (default 6, info). */
void vhu_set_log_level(int level);

/* Formats a feature mask as names ("VERSION_1 MRG_RXBUF ..."), into 'buf'.
 * Returns 'buf'. */
char *vhu_features_to_string(uint64_t features, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* vhu.h */
