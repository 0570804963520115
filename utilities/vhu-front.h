/*
 * vhu-front.h: a vhost-user FRONTEND toolkit (prefix vhf_).
 *
 * This is the other side of lib/: what QEMU plus a guest virtio-net driver
 * would do.  utilities/vhu-peer uses it to drive any vhost-user backend (our
 * library, OVS-DPDK, DPDK vhost); tests/test-vhu uses it as the fake guest
 * whose rings, well-formed or hostile, a backend reads.  It depends on
 * lib/vhu-proto.h and lib/vhu-socket.[ch] only, never on the backend itself.
 *
 * Pieces:
 *
 *   - Guest memory (struct vhf_mem): memfd-backed, split into regions whose
 *     guest-physical addresses (gpa) differ from our virtual addresses and
 *     may leave holes, so that a backend's gpa and uaddr translations are
 *     really exercised.  A bump allocator hands out guest buffers.
 *
 *   - A connection (struct vhf_conn): blocking request/reply helpers with
 *     timeouts and REPLY_ACK handling.  A 'wait_cb' lets a single-threaded
 *     test run an in-process backend while the frontend waits for a reply.
 *
 *   - Device setup (struct vhf_dev): feature negotiation and vring setup in
 *     one call, plus a stop helper.
 *
 *   - A driver-side split virtqueue (struct vhf_vq): TX chains (optionally
 *     with a separate header descriptor, segmented, or indirect), RX buffer
 *     posting and polling with MRG_RXBUF merging, notification suppression
 *     (NO_NOTIFY, EVENT_IDX), and raw descriptor and avail writers for
 *     chains no driver would build.
 *
 * Every function that can fail returns 0 or a positive errno, unless its
 * comment says otherwise.  Nothing here is thread-safe: one thread per
 * connection and per virtqueue.
 */
#ifndef VHU_FRONT_H
#define VHU_FRONT_H 1

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vhu-proto.h"
#include "vhu-socket.h"

/* ---------------------------------------------------------------------- */
/* Guest memory. */

#define VHF_BAD_ADDR UINT64_MAX

struct vhf_region {
    uint64_t offset;            /* Start within the logical memory. */
    uint64_t size;
    uint64_t gpa;               /* Guest physical address. */
    uint64_t uaddr;             /* Frontend address we advertise. */
    uint64_t mmap_offset;       /* Offset of the region in 'fd'. */
    int fd;                     /* Owned by the vhf_mem. */
    uint8_t *ptr;               /* Our mapping of the region. */
};

struct vhf_mem_opts {
    uint64_t gpa_base;          /* Gpa of the first region. */
    uint64_t gpa_hole;          /* Gpa gap between consecutive regions. */
    int64_t uaddr_bias;         /* Advertised uaddr = our pointer + bias. */
    bool fd_per_region;         /* One memfd per region, not one shared. */
    bool spread;                /* vhf_mem_alloc() rotates over regions
                                 * instead of filling them in order. */
    const uint64_t *sizes;      /* Region sizes (page multiples summing to
                                 * the total), or NULL for an even split. */
};

/* Defaults: gpa_base 0x100000, gpa_hole 0x200000, uaddr_bias 0, a single
 * shared memfd, no spreading, even split. */
void vhf_mem_opts_init(struct vhf_mem_opts *);

struct vhf_mem {
    uint64_t total;             /* Bytes, a page multiple. */
    int n_regions;
    struct vhf_region regions[VHU_MEM_TABLE_MAX_REGIONS];
    bool fd_per_region;
    int n_fds;
    int fds[VHU_MEM_TABLE_MAX_REGIONS];
    uint8_t *maps[VHU_MEM_TABLE_MAX_REGIONS];  /* Our mapping of each fd. */
    int64_t uaddr_bias;
    uint64_t alloc_cursor[VHU_MEM_TABLE_MAX_REGIONS];  /* Logical offsets. */
    uint64_t alloc_high;        /* Highest allocated logical offset. */
    bool spread;                /* See vhf_mem_opts. */
    int alloc_next;             /* Next region to try when spreading. */
};

/* Creates 'total' bytes (rounded up to pages) of shared guest memory split
 * into 'n_regions' (1..8) regions.  'opts' may be NULL for defaults. */
int vhf_mem_create(size_t total, int n_regions, const struct vhf_mem_opts *,
                   struct vhf_mem **);
void vhf_mem_destroy(struct vhf_mem *);

/* Translations (NULL or VHF_BAD_ADDR if unmapped).  A range must lie
 * entirely within one region. */
void *vhf_mem_gpa_to_ptr(const struct vhf_mem *, uint64_t gpa, uint64_t len);
uint64_t vhf_mem_gpa_to_uaddr(const struct vhf_mem *, uint64_t gpa);

/* Bump allocator: 'size' zeroed bytes aligned to 'align' (a power of 2),
 * never straddling two regions.  Either out pointer may be NULL.  ENOMEM
 * when no region has room.  The first region with room is used, or with
 * 'spread' the first one from the region after the previous allocation's. */
int vhf_mem_alloc(struct vhf_mem *, uint64_t size, uint64_t align,
                  uint64_t *gpa, void **ptr);

/* Fills a SET_MEM_TABLE payload and its fds (not duplicated: owned by the
 * vhf_mem) for the current layout. */
void vhf_mem_table(const struct vhf_mem *, struct vhu_mem_table_desc *,
                   int fds[VHU_MEM_TABLE_MAX_REGIONS]);

/* Re-splits a shared-memfd memory into 'n_regions' regions ('sizes' as in
 * vhf_mem_opts, may be NULL) with gap 'gpa_hole' between them.  The first
 * region keeps its gpa; with 'gpa_hole' 0 and an original hole of 0, no
 * byte's gpa changes.  Otherwise gpas move, which breaks live rings (useful
 * for hostile tests).  ENOTSUP for per-region memfds. */
int vhf_mem_resplit(struct vhf_mem *, int n_regions, const uint64_t *sizes,
                    uint64_t gpa_hole);

/* ---------------------------------------------------------------------- */
/* Connection. */

typedef void vhf_wait_cb(void *aux);

struct vhf_conn_opts {
    int connect_timeout_ms;     /* Connect retries / accept wait.  10000. */
    int reply_timeout_ms;       /* Each reply.  5000.  -1: forever. */
    vhf_wait_cb *wait_cb;       /* Called repeatedly while waiting for a
                                 * connection or a reply; NULL: block. */
    void *wait_aux;
    const volatile sig_atomic_t *cancel;  /* If nonnull: once it is
                                 * nonzero (e.g. set by a signal handler),
                                 * connect retries, accepts and replies stop
                                 * waiting with ECANCELED.  NULL. */
};
void vhf_conn_opts_init(struct vhf_conn_opts *);

struct vhf_conn {
    int fd;                     /* Non-blocking socket. */
    char *listen_path;          /* Socket file we created (server), or NULL. */
    int timeout_ms;             /* Reply timeout. */
    vhf_wait_cb *wait_cb;
    void *wait_aux;
    const volatile sig_atomic_t *cancel;    /* See vhf_conn_opts. */
    struct vhu_msg_reader reader;

    /* Negotiation state, filled by vhf_negotiate() and friends. */
    uint64_t offered_features;      /* GET_FEATURES reply. */
    uint64_t features;              /* Acked with SET_FEATURES. */
    uint64_t offered_protocol_features;
    uint64_t protocol_features;     /* Acked with SET_PROTOCOL_FEATURES. */
    bool pf_negotiated;         /* VHU_F_PROTOCOL_FEATURES acked: vrings
                                 * start disabled, need SET_VRING_ENABLE. */
    bool reply_ack;             /* Set NEED_REPLY on set-type messages and
                                 * wait for the ack.  Tests may flip it. */
    int max_queue_pairs;        /* GET_QUEUE_NUM, or 1. */
};

/* Connects to a listening backend at 'path', retrying until the connect
 * timeout.  'opts' may be NULL. */
int vhf_connect(const char *path, const struct vhf_conn_opts *,
                struct vhf_conn **);
/* Listens at 'path' and waits for a backend (in client mode) to connect.
 * The socket file is removed by vhf_conn_destroy(). */
int vhf_accept(const char *path, const struct vhf_conn_opts *,
               struct vhf_conn **);
void vhf_conn_destroy(struct vhf_conn *);

/* A listening socket that outlives its connections, for a frontend that
 * accepts one backend after another on the same path (e.g. a backend that
 * restarts and reconnects).  Connections it accepts do not remove the
 * socket file; vhf_listener_destroy() does. */
struct vhf_listener {
    int fd;                     /* Non-blocking listening socket. */
    char *path;                 /* Socket file we created. */
};

/* Listens at 'path', replacing a stale socket file there. */
int vhf_listen(const char *path, struct vhf_listener **);
/* Waits up to the connect timeout for a backend to connect. */
int vhf_listener_accept(struct vhf_listener *, const struct vhf_conn_opts *,
                        struct vhf_conn **);
/* Closes the socket and removes its file. */
void vhf_listener_destroy(struct vhf_listener *);

/* Returns true if the backend closed the connection (reads nothing else;
 * any message that arrives is consumed and discarded). */
bool vhf_conn_closed(struct vhf_conn *);

int vhf_set_u64(struct vhf_conn *, uint32_t request, uint64_t value);
int vhf_set_vring_state(struct vhf_conn *, uint32_t request, uint32_t index,
                        uint32_t num);
int vhf_set_vring_addr(struct vhf_conn *, const struct vhu_vring_addr *);
/* SET_VRING_KICK/CALL/ERR; 'fd' < 0 sends VHU_VRING_NOFD. */
int vhf_set_vring_fd(struct vhf_conn *, uint32_t request, uint32_t index,
                     int fd);
int vhf_set_vring_enable(struct vhf_conn *, uint32_t index, bool enable);
/* GET_VRING_BASE: stops the vring, returns the backend's next avail idx. */
int vhf_get_vring_base(struct vhf_conn *, uint32_t index, uint32_t *base);
/* SET_MEM_TABLE with the current layout of 'mem'. */
int vhf_set_mem_table(struct vhf_conn *, const struct vhf_mem *);

/* Names of the feature bits set in 'features', space-separated ("bitN" for
 * unknown ones), into 'buf'.  Returns 'buf'. */
char *vhf_features_to_string(uint64_t features, char *buf, size_t size);
char *vhf_protocol_features_to_string(uint64_t pf, char *buf, size_t size);

/* ---------------------------------------------------------------------- */
/* Split virtqueue, driver side. */

/* Features this frontend can drive. */
#define VHF_SUPPORTED_FEATURES                   \
    (VHU_BIT(VHU_F_NET_MRG_RXBUF)                \
     | VHU_BIT(VHU_F_NET_MQ)                     \
     | VHU_BIT(VHU_F_RING_INDIRECT_DESC)         \
     | VHU_BIT(VHU_F_RING_EVENT_IDX)             \
     | VHU_BIT(VHU_F_PROTOCOL_FEATURES)          \
     | VHU_BIT(VHU_F_VERSION_1))
#define VHF_SUPPORTED_PROTOCOL_FEATURES          \
    (VHU_BIT(VHU_PF_MQ)                          \
     | VHU_BIT(VHU_PF_REPLY_ACK)                 \
     | VHU_BIT(VHU_PF_MTU)                       \
     | VHU_BIT(VHU_PF_STATUS)                    \
     | VHU_BIT(VHU_PF_CONFIGURE_MEM_SLOTS)       \
     | VHU_BIT(VHU_PF_RESET_DEVICE))
#define VHF_DEFAULT_PROTOCOL_FEATURES            \
    (VHU_BIT(VHU_PF_MQ) | VHU_BIT(VHU_PF_REPLY_ACK) | VHU_BIT(VHU_PF_STATUS))

#define VHF_MAX_SEGS 64         /* Descriptors in one chain we build. */

/* Per descriptor-index state. */
enum vhf_slot_state {
    VHF_SLOT_FREE,              /* On the free list. */
    VHF_SLOT_TX,                /* Head of a TX chain the backend owns. */
    VHF_SLOT_RX,                /* Head of an RX chain the backend owns. */
    VHF_SLOT_BUSY,              /* Non-head member of a chain. */
};

struct vhf_slot {
    uint8_t state;              /* enum vhf_slot_state. */
    uint16_t n_desc;            /* Descriptors the chain took. */
    uint32_t len;               /* TX: bytes queued; RX: writable bytes. */
    uint8_t *buf;               /* This index's buffer in guest memory. */
    uint64_t buf_gpa;
    struct vhu_desc *ind;       /* This index's indirect table, or NULL. */
    uint64_t ind_gpa;
};

struct vhf_vq_stats {
    uint64_t frames, bytes;     /* TX: queued; RX: delivered. */
    uint64_t kicks;             /* Kick eventfd writes. */
    uint64_t kicks_suppressed;  /* Kicks the backend did not want. */
    uint64_t full;              /* vhf_tx_add() calls that found no room. */
    uint64_t used;              /* Used entries consumed. */
    uint64_t used_bad;          /* Invalid used entries (backend bug). */
    uint64_t rx_bad;            /* Bad header/num_buffers/length. */
    uint64_t interrupts;        /* Call eventfd count, drained. */
};

struct vhf_vq {
    struct vhf_mem *mem;
    int index;                  /* Vring index: 2Q guest RX, 2Q+1 TX. */
    uint16_t size;
    uint32_t buf_size;          /* Buffer bytes per descriptor index. */

    /* Negotiated behaviour (vhf_vq_set_features()). */
    uint64_t features;
    uint32_t hdr_len;           /* 12, or 10 without VERSION_1/MRG_RXBUF. */
    bool event_idx, indirect, mrg_rxbuf;

    bool interrupts;            /* Ask the backend for interrupts. */
    bool no_call_fd;            /* Setup sends SET_VRING_CALL with NOFD. */

    /* RX chain layout for vhf_rx_post(). */
    bool rx_hdr_separate;       /* Header in its own descriptor. */
    int rx_segs;                /* Data descriptors per chain (>= 1). */
    bool rx_indirect;           /* Post as indirect tables if negotiated. */

    /* The ring, in guest memory. */
    struct vhu_desc *desc;
    struct vhu_avail *avail;
    struct vhu_used *used;
    uint64_t desc_gpa, avail_gpa, used_gpa;
    int kick_fd, call_fd;       /* Eventfds (ours; copies go to backend). */
    uint32_t base;              /* Next SET_VRING_BASE value. */

    /* Driver state. */
    uint16_t avail_idx;         /* Shadow of avail->idx. */
    uint16_t last_used_idx;
    uint16_t kick_idx;          /* avail_idx at the last kick decision. */
    uint16_t free_head, n_free;
    uint16_t *links;            /* Private free-list and chain links. */
    struct vhf_slot *slots;
    uint8_t *rx_frame;          /* Gather buffer for merged RX frames. */
    uint32_t rx_frame_size;

    struct vhf_vq_stats stats;
};

/* Creates vring 'index' with 'size' entries (a power of 2, <= 32768) in
 * 'mem': rings, a 'buf_size'-byte buffer and (if 'features' has
 * INDIRECT_DESC) an indirect table per descriptor, and two eventfds. */
int vhf_vq_create(struct vhf_mem *, int index, uint16_t size,
                  uint32_t buf_size, uint64_t features, struct vhf_vq **);
void vhf_vq_destroy(struct vhf_vq *);
/* The SET_VRING_ADDR payload for 'vq': the frontend addresses of its
 * rings.  EINVAL if one is not in guest memory. */
int vhf_vq_addr(const struct vhf_vq *, struct vhu_vring_addr *);

/* TX. */
struct vhf_tx_opts {
    bool hdr_separate;          /* Header in its own descriptor. */
    bool indirect;              /* Use an indirect table if negotiated. */
    uint32_t seg_size;          /* Split data into descriptors of at most
                                 * this many bytes; 0: don't split. */
    bool no_kick;               /* Publish but don't notify; call
                                 * vhf_vq_kick() later. */
    const struct vhu_net_hdr *hdr;  /* Header to send; NULL: zeros. */
};
/* Queues one frame (a virtio-net header is prepended) and publishes it.
 * ENOBUFS if the ring has no room (reclaim first), EMSGSIZE if header and
 * frame exceed the buffer, EINVAL for too many segments. */
int vhf_tx_add(struct vhf_vq *, const void *frame, uint32_t len,
               const struct vhf_tx_opts *);
/* TX chains the backend owns: queued and not yet reclaimed. */
unsigned int vhf_tx_in_flight(const struct vhf_vq *);
/* Collects used TX entries and frees their descriptors.  '*n' (may be
 * NULL) gets the number reclaimed.  EPROTO if the backend returned an
 * invalid used entry (it is skipped and counted). */
int vhf_tx_reclaim(struct vhf_vq *, unsigned int *n);

/* Kicks the backend if it wants a notification for what was published
 * since the last decision (or always if 'force').  Returns 0 or errno. */
int vhf_vq_kick(struct vhf_vq *, bool force);
/* Reads the call eventfd (non-blocking); adds its count to
 * stats.interrupts and stores it in '*n' (may be NULL). */
int vhf_vq_drain_call(struct vhf_vq *, uint64_t *n);

/* RX. */
/* Posts as many writable 'buf_size'-byte chains as free descriptors allow
 * (layout from vq->rx_*), publishes and kicks as needed.  '*n' (may be
 * NULL) gets the number of chains posted. */
int vhf_rx_post(struct vhf_vq *, uint32_t buf_size, unsigned int *n);
/* The same, posting at most 'max' chains (0: no limit). */
int vhf_rx_post_max(struct vhf_vq *, uint32_t buf_size, unsigned int max,
                    unsigned int *n);

/* Called for each received frame.  'frame' (without the virtio-net header)
 * is valid only during the call. */
typedef void vhf_rx_cb(void *aux, struct vhf_vq *,
                       const struct vhu_net_hdr *, const uint8_t *frame,
                       uint32_t len);
/* Delivers up to 'max' frames (0: no limit), gathering MRG_RXBUF buffers,
 * and frees their descriptors (repost with vhf_rx_post()).  '*n' (may be
 * NULL) gets the number of frames.  EPROTO if the backend produced an
 * invalid used entry or header (skipped and counted). */
int vhf_rx_poll(struct vhf_vq *, unsigned int max, vhf_rx_cb *, void *aux,
                unsigned int *n);

/* Used entries the backend published that we have not consumed. */
unsigned int vhf_vq_used_pending(const struct vhf_vq *);

/* Raw access, for hostile tests: vq->desc, vq->avail and vq->used point at
 * the rings.  Nothing here touches the driver's own bookkeeping, so a test
 * that writes raw chains should not also queue frames on the same vring. */
/* Writes one descriptor verbatim, in a ring or in an indirect table. */
void vhf_desc_write(struct vhu_desc *, uint64_t addr, uint32_t len,
                    uint16_t flags, uint16_t next);
/* Writes avail entry 'pos' (wrapping at 'size', a power of 2) to name
 * 'head', without publishing it: also for rings a test lays out itself. */
void vhf_avail_write(struct vhu_avail *, uint16_t size, uint16_t pos,
                     uint16_t head);
/* Stores avail->idx with release semantics. */
void vhf_avail_publish(struct vhu_avail *, uint16_t idx);
/* Appends 'head' (any value) to vq's avail ring and publishes avail->idx.
 * Does not kick. */
void vhf_vq_push_avail(struct vhf_vq *, uint16_t head);
/* Stores an arbitrary avail->idx (and the shadow). */
void vhf_vq_set_avail_idx(struct vhf_vq *, uint16_t idx);

/* ---------------------------------------------------------------------- */
/* Device: negotiation plus all vrings. */

struct vhf_setup_opts {
    uint64_t features;          /* Wanted virtio features (a mask). */
    uint64_t protocol_features; /* Wanted protocol features (a mask). */
    int n_queue_pairs;          /* 1. */
    uint16_t ring_size;         /* 256. */
    uint32_t buf_size;          /* Per-descriptor buffer bytes.  2048. */
    bool interrupts;            /* Ask for interrupts.  true. */
    bool no_call_fd;            /* Send SET_VRING_CALL with NOFD. */
    bool qemu_order;            /* Negotiate in QEMU's message order:
                                 * GET_FEATURES, protocol features,
                                 * GET_QUEUE_NUM, SET_OWNER, then
                                 * SET_FEATURES.  Default: GET/SET_FEATURES,
                                 * protocol features, SET_OWNER,
                                 * GET_QUEUE_NUM. */
    bool no_status;             /* Don't send SET_STATUS even if
                                 * negotiated. */
};
/* Defaults: every supported feature, VHF_DEFAULT_PROTOCOL_FEATURES. */
void vhf_setup_opts_init(struct vhf_setup_opts *);

/* Feature negotiation only: GET_FEATURES, SET_FEATURES (offered & wanted &
 * supported), GET/SET_PROTOCOL_FEATURES if PROTOCOL_FEATURES was offered
 * and wanted, SET_OWNER, GET_QUEUE_NUM if MQ was negotiated. */
int vhf_negotiate(struct vhf_conn *, uint64_t features,
                  uint64_t protocol_features, bool qemu_order);

struct vhf_dev {
    struct vhf_conn *conn;      /* Not owned. */
    struct vhf_mem *mem;        /* Not owned. */
    int n_queue_pairs;
    struct vhf_vq *vqs[VHU_MAX_VRINGS];     /* 2Q: guest RX, 2Q+1: TX. */
};

/* Negotiates, sends the memory table, creates and sets up 2 vrings per
 * queue pair and, with the STATUS protocol feature, sets DRIVER_OK.
 * ENOTSUP if more queue pairs are wanted than the backend allows. */
int vhf_dev_setup(struct vhf_conn *, struct vhf_mem *,
                  const struct vhf_setup_opts *, struct vhf_dev **);
/* Frees the virtqueues (not the connection or memory). */
void vhf_dev_destroy(struct vhf_dev *);
/* Disables (with protocol features) and stops every vring with
 * GET_VRING_BASE. */
int vhf_dev_stop(struct vhf_dev *);
static inline struct vhf_vq *
vhf_dev_rx_vq(const struct vhf_dev *dev, int qp)
{
    return dev->vqs[2 * qp];
}
static inline struct vhf_vq *
vhf_dev_tx_vq(const struct vhf_dev *dev, int qp)
{
    return dev->vqs[2 * qp + 1];
}

#endif /* vhu-front.h */
