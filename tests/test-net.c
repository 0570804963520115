/*
 * test-net.c: unit tests for the virtio-net bursts (lib/vhu-net.c) on a
 * real device: headers split across descriptors, chains too short for a
 * header, mergeable and non-mergeable receive buffers, full rings,
 * interrupt coalescing and suppression, and a broken ring that stops only
 * its own queue.
 *
 * The device is created with vhu_dev_create() and its vrings are set up the
 * way the message handlers would, through the library's own functions; the
 * fake guest (utilities/vhu-front.h) drives both rings through its own
 * mapping of the memfd.
 */
#include "test-vhu.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vhu-front.h"
#include "vhu-private.h"

#define GPA_BASE   UINT64_C(0x80000000)
#define MEM_SIZE   (1024 * 1024)
#define NUM        64
#define BUF_SIZE   4096                 /* Raw data buffers. */

/* A device and the fake guest driving it: 'rx' is vring 0 (guest RX),
 * 'tx' vring 1 (guest TX), each with a 2048-byte buffer per descriptor;
 * chains written raw point into 'buf'. */
struct net {
    struct vhf_mem *gm;
    struct vhf_vq *rx, *tx;
    uint8_t *buf;                       /* BUF_SIZE bytes at 'buf_gpa'. */
    uint64_t buf_gpa;
    struct vhu_dev *dev;
};

/* The guest-physical address 'off' bytes into the raw data buffers. */
static uint64_t
buf_gpa(const struct net *n, uint64_t off)
{
    return n->buf_gpa + off;
}

/* Creates 'vq' as vring 'idx' in the guest and sets it up in the device as
 * SET_VRING_NUM/ADDR/KICK/ENABLE would. */
static void
setup_vring(struct net *n, int idx, uint64_t features, struct vhf_vq **vq)
{
    struct vhu_vring *vr = &n->dev->vrings[idx];

    CHECK_EQ(vhf_vq_create(n->gm, idx, NUM, 2048, features, vq), 0);
    vr->num = NUM;
    CHECK_EQ(vhf_vq_addr(*vq, &vr->addr), 0);
    vr->addr_set = vr->started = vr->enabled = true;
    vhu_dev_update_vring(n->dev, idx);
    CHECK(vhu_dev_vring_ready(n->dev, idx));
}

static void
net_init(struct net *n, uint64_t features)
{
    struct vhu_dev_config cfg = {
        .path = test_socket_path("net"), .max_queue_pairs = 2,
    };

    memset(n, 0, sizeof *n);
    n->gm = test_guest_mem(MEM_SIZE, 1, GPA_BASE);
    n->buf = test_guest_alloc(n->gm, BUF_SIZE, &n->buf_gpa);
    CHECK_EQ(vhu_dev_create(&cfg, &n->dev), 0);
    n->dev->features = features;
    n->dev->hdr_len = (features & (VHU_BIT(VHU_F_VERSION_1)
                                   | VHU_BIT(VHU_F_NET_MRG_RXBUF))
                       ? 12 : 10);
    vhu_dev_set_mem(n->dev, test_backend_mem(n->gm));
    setup_vring(n, 0, features, &n->rx);
    setup_vring(n, 1, features, &n->tx);
}

static void
net_fini(struct net *n)
{
    vhu_dev_destroy(n->dev);
    vhf_vq_destroy(n->rx);
    vhf_vq_destroy(n->tx);
    vhf_mem_destroy(n->gm);
}

static uint64_t
vring_counter(struct net *n, int vring, int which)
{
    struct vhu_vring_info info;

    CHECK_EQ(vhu_dev_vring_info(n->dev, vring, &info), 0);
    return (which == 0 ? info.packets : which == 1 ? info.drops
            : which == 2 ? info.errors : info.notifications);
}

static void
fill_pattern(uint8_t *p, size_t len, int seed)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = (uint8_t) (i * 7 + seed);
    }
}

static void
test_tx_header_split(void)
{
    uint8_t frame[60], out[2048];
    struct vhu_pkt pkt = { .data = out, .size = sizeof out };
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1));
    fill_pattern(frame, sizeof frame, 1);
    /* 5 header bytes, then 7 header bytes and the frame. */
    memset(n.buf, 0, 12);
    memcpy(n.buf + 12, frame, sizeof frame);
    vhf_desc_write(&n.tx->desc[4], buf_gpa(&n, 0), 5, VHU_DESC_F_NEXT, 9);
    vhf_desc_write(&n.tx->desc[9], buf_gpa(&n, 5), 7 + sizeof frame, 0, 0);
    vhf_vq_push_avail(n.tx, 4);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 1);
    CHECK_EQ(pkt.len, sizeof frame);
    CHECK(!memcmp(out, frame, sizeof frame));
    CHECK_EQ(n.tx->used->idx, 1);
    CHECK_EQ(n.tx->used->ring[0].id, 4);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 0);     /* Empty now. */
    net_fini(&n);
}

static void
test_tx_short_chain(void)
{
    uint8_t out[2048];
    struct vhu_pkt pkt = { .data = out, .size = sizeof out };
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1));
    vhf_desc_write(&n.tx->desc[0], buf_gpa(&n, 0), 8, 0, 0);   /* < header. */
    vhf_desc_write(&n.tx->desc[1], buf_gpa(&n, 0), 12, 0, 0);  /* = header. */
    vhf_vq_push_avail(n.tx, 0);
    vhf_vq_push_avail(n.tx, 1);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 0);
    CHECK_EQ(vring_counter(&n, 1, 1), 2);                  /* Dropped. */
    CHECK_EQ(vring_counter(&n, 1, 2), 0);                  /* No error. */
    CHECK_EQ(n.tx->used->idx, 2);                          /* Returned. */
    net_fini(&n);
}

static void
test_tx_buffer_too_small(void)
{
    uint8_t out[64];
    struct vhu_pkt pkt = { .data = out, .size = sizeof out };
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1));
    vhf_desc_write(&n.tx->desc[0], buf_gpa(&n, 0), 12 + 65, 0, 0);
    vhf_desc_write(&n.tx->desc[1], buf_gpa(&n, 0), 12 + 64, 0, 0);
    vhf_vq_push_avail(n.tx, 0);
    vhf_vq_push_avail(n.tx, 1);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 1);
    CHECK_EQ(pkt.len, 64);
    CHECK_EQ(vring_counter(&n, 1, 1), 1);
    net_fini(&n);
}

static void
test_legacy_header(void)
{
    uint8_t out[2048];
    struct vhu_pkt pkt = { .data = out, .size = sizeof out };
    struct net n;

    net_init(&n, 0);                    /* No VERSION_1, no MRG_RXBUF. */
    memcpy(n.buf + 10, "frame", 5);
    vhf_desc_write(&n.tx->desc[0], buf_gpa(&n, 0), 15, 0, 0);
    vhf_vq_push_avail(n.tx, 0);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 1);
    CHECK_EQ(pkt.len, 5);
    CHECK(!memcmp(out, "frame", 5));
    net_fini(&n);
}

/* Posts 'count' single-descriptor receive buffers of 'size' bytes. */
static void
post_rx(struct net *n, int count, uint32_t size)
{
    unsigned int posted;

    CHECK_EQ(vhf_rx_post_max(n->rx, size, count, &posted), 0);
    CHECK_EQ(posted, count);
}

static void
test_rx_mergeable(void)
{
    uint8_t frame[3000];
    struct vhu_pkt pkt = { .data = frame, .len = sizeof frame };
    const struct vhu_net_hdr *hdr;
    uint8_t got[3000];
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    fill_pattern(frame, sizeof frame, 3);
    post_rx(&n, 2, 1024);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, &pkt, 1, NULL), 0); /* Not enough. */
    CHECK_EQ(n.rx->used->idx, 0);
    post_rx(&n, 2, 1024);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, &pkt, 1, NULL), 1);
    CHECK_EQ(n.rx->used->idx, 3);
    CHECK_EQ(n.rx->used->ring[0].len, 1024);
    CHECK_EQ(n.rx->used->ring[1].len, 1024);
    CHECK_EQ(n.rx->used->ring[2].len, 3000 + 12 - 2048);
    hdr = (const struct vhu_net_hdr *) n.rx->slots[0].buf;
    CHECK_EQ(hdr->num_buffers, 3);
    memcpy(got, n.rx->slots[0].buf + 12, 1012);
    memcpy(got + 1012, n.rx->slots[1].buf, 1024);
    memcpy(got + 2036, n.rx->slots[2].buf, 964);
    CHECK(!memcmp(got, frame, sizeof frame));
    net_fini(&n);
}

static void
test_rx_no_mergeable(void)
{
    uint8_t big[3000], small[100];
    struct vhu_pkt pkts[2] = {
        { .data = big, .len = sizeof big },
        { .data = small, .len = sizeof small },
    };
    struct net n;
    int dropped;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1));
    fill_pattern(small, sizeof small, 5);
    post_rx(&n, 1, 1024);
    /* The big frame can never fit a 1024-byte buffer: dropped without
     * consuming it; the small one then uses that buffer. */
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 2, &dropped), 2);
    CHECK_EQ(dropped, 1);
    CHECK_EQ(vring_counter(&n, 0, 1), 1);
    CHECK_EQ(vring_counter(&n, 0, 0), 1);
    CHECK_EQ(n.rx->used->idx, 1);
    CHECK_EQ(n.rx->used->ring[0].len, 112);
    CHECK_EQ(((struct vhu_net_hdr *) n.rx->slots[0].buf)->num_buffers, 1);
    CHECK(!memcmp(n.rx->slots[0].buf + 12, small, sizeof small));
    net_fini(&n);
}

static void
test_rx_ring_full(void)
{
    uint8_t frame[64] = { 0 };
    struct vhu_pkt pkts[4];
    struct net n;

    for (int i = 0; i < 4; i++) {
        pkts[i] = (struct vhu_pkt) { .data = frame, .len = sizeof frame };
    }
    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 4, NULL), 0);
    post_rx(&n, 3, 2048);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 4, NULL), 3);
    CHECK_EQ(vring_counter(&n, 0, 1), 0);
    CHECK_EQ(vring_counter(&n, 0, 2), 0);
    net_fini(&n);
}

static void
test_rx_header_split(void)
{
    uint8_t frame[100];
    struct vhu_pkt pkt = { .data = frame, .len = sizeof frame };
    struct vhu_net_hdr hdr;
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    fill_pattern(frame, sizeof frame, 9);
    /* Header scattered over 2 + 10 bytes, then the frame. */
    vhf_desc_write(&n.rx->desc[0], buf_gpa(&n, 0), 2,
                   VHU_DESC_F_WRITE | VHU_DESC_F_NEXT, 1);
    vhf_desc_write(&n.rx->desc[1], buf_gpa(&n, 0x100), 10,
                   VHU_DESC_F_WRITE | VHU_DESC_F_NEXT, 2);
    vhf_desc_write(&n.rx->desc[2], buf_gpa(&n, 0x200), 200, VHU_DESC_F_WRITE,
                   0);
    vhf_vq_push_avail(n.rx, 0);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, &pkt, 1, NULL), 1);
    memcpy(&hdr, n.buf, 2);
    memcpy((uint8_t *) &hdr + 2, n.buf + 0x100, 10);
    CHECK_EQ(hdr.num_buffers, 1);
    CHECK(!memcmp(n.buf + 0x200, frame, sizeof frame));
    CHECK_EQ(n.rx->used->ring[0].len, 112);
    net_fini(&n);
}

/* Guest RX leaves a buffer's header alone when it already holds the right
 * bytes (put_hdr()); every other header must still be overwritten. */
static void
test_rx_header_rewritten(void)
{
    static const struct vhu_net_hdr want = { .num_buffers = 1 };
    struct vhu_net_hdr stale = { .num_buffers = 7 };
    uint8_t frame[60];
    struct vhu_pkt pkts[3];
    struct net n;

    for (int i = 0; i < 3; i++) {
        pkts[i] = (struct vhu_pkt) { .data = frame, .len = sizeof frame };
    }
    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    fill_pattern(frame, sizeof frame, 3);
    post_rx(&n, 3, 1024);
    memset(n.rx->slots[0].buf, 0xa5, sizeof want);     /* Garbage. */
    memcpy(n.rx->slots[1].buf, &stale, sizeof stale);  /* Only n_buffers. */
    memcpy(n.rx->slots[2].buf, &want, sizeof want);    /* Already right. */
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 3, NULL), 3);
    for (int i = 0; i < 3; i++) {
        CHECK(!memcmp(n.rx->slots[i].buf, &want, sizeof want));
        CHECK(!memcmp(n.rx->slots[i].buf + sizeof want, frame,
                      sizeof frame));
        CHECK_EQ(n.rx->used->ring[i].len, sizeof want + sizeof frame);
    }
    net_fini(&n);
}

static uint64_t
read_eventfd(int fd)
{
    uint64_t v = 0;

    return read(fd, &v, sizeof v) == sizeof v ? v : 0;
}

static void
test_notify_coalesced(void)
{
    uint8_t frame[64] = { 0 };
    struct vhu_pkt pkts[8];
    struct net n;
    int efd;

    for (int i = 0; i < 8; i++) {
        pkts[i] = (struct vhu_pkt) { .data = frame, .len = sizeof frame };
    }
    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    n.dev->vrings[0].call_fd = efd;     /* The device closes it. */
    post_rx(&n, 16, 2048);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 8, NULL), 8);
    CHECK_EQ(read_eventfd(efd), 1);     /* One write for the burst. */
    n.rx->avail->flags = VHU_AVAIL_F_NO_INTERRUPT;
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 4, NULL), 4);
    CHECK_EQ(read_eventfd(efd), 0);     /* Suppressed by the guest. */
    CHECK_EQ(vring_counter(&n, 0, 3), 1);
    net_fini(&n);
}

static void
test_notify_event_idx(void)
{
    uint8_t frame[64] = { 0 };
    struct vhu_pkt pkt = { .data = frame, .len = sizeof frame };
    struct net n;
    int efd;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_RING_EVENT_IDX));
    efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    n.dev->vrings[0].call_fd = efd;
    post_rx(&n, 8, 2048);
    n.rx->avail->flags = VHU_AVAIL_F_NO_INTERRUPT;  /* Ignored now. */
    n.rx->avail->ring[NUM] = 2;         /* used_event: after entry 2. */
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, &pkt, 1, NULL), 1);     /* idx 0->1 */
    CHECK_EQ(read_eventfd(efd), 0);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, &pkt, 1, NULL), 1);     /* 1->2 */
    CHECK_EQ(read_eventfd(efd), 0);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, &pkt, 1, NULL), 1);     /* 2->3 */
    CHECK_EQ(read_eventfd(efd), 1);
    net_fini(&n);
}

static void
test_broken_stops_one_queue(void)
{
    uint8_t out[2048], frame[64] = { 0 };
    struct vhu_pkt pkt = { .data = out, .size = sizeof out };
    struct vhu_pkt rx_pkt = { .data = frame, .len = sizeof frame };
    struct vhu_vring_info info;
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    vhf_vq_push_avail(n.tx, NUM + 5);           /* Head out of range. */
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 0);
    CHECK_EQ(vhu_dev_vring_info(n.dev, 1, &info), 0);
    CHECK(info.broken);
    CHECK_EQ(info.errors, 1);
    /* Even a now-valid entry is not read until the frontend resets. */
    n.tx->avail->ring[0] = 0;
    vhf_desc_write(&n.tx->desc[0], buf_gpa(&n, 0), 20, 0, 0);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 0);
    /* The other vring keeps working. */
    post_rx(&n, 1, 2048);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, &rx_pkt, 1, NULL), 1);
    /* GET_VRING_BASE stops the vring and clears the error; a new kick
     * starts it again. */
    vhu_dev_stop_vring(n.dev, 1);
    n.dev->vrings[1].started = true;
    vhu_dev_update_vring(n.dev, 1);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, &pkt, 1), 1);
    CHECK_EQ(pkt.len, 8);
    net_fini(&n);
}

static void
test_not_ready(void)
{
    uint8_t out[2048];
    struct vhu_pkt pkt = { .data = out, .size = sizeof out };
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1));
    CHECK_EQ(vhu_dequeue_burst(n.dev, 3, &pkt, 1), 0);     /* Not set up. */
    CHECK_EQ(vhu_dequeue_burst(n.dev, 4, &pkt, 1), 0);     /* Out of range. */
    CHECK_EQ(vhu_dequeue_burst(n.dev, -1, &pkt, 1), 0);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 1000, &pkt, 1, NULL), 0);
    net_fini(&n);
}

/* One guest TX burst of chains of every shape: one segment, two segments,
 * one segment too short for a header: the frames come out in ring order and
 * byte for byte, and every chain goes back in the same order. */
static void
test_tx_mixed_burst(void)
{
    static const uint16_t heads[] = { 0, 1, 3, 4, 5 };
    uint8_t out[8][2048], frame[5][100];
    struct vhu_pkt pkts[8];
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1));
    for (int i = 0; i < 8; i++) {
        pkts[i] = (struct vhu_pkt) { .data = out[i], .size = sizeof out[i] };
    }
    memset(n.buf, 0, BUF_SIZE);
    for (int i = 0; i < 5; i++) {
        fill_pattern(frame[i], sizeof frame[i], 20 + i);
        memcpy(n.buf + i * 256 + 12, frame[i], sizeof frame[i]);
    }
    /* 0: one segment; 1 -> 2: header, then the frame; 3: 8 bytes, dropped;
     * 4, 5: one segment each. */
    vhf_desc_write(&n.tx->desc[0], buf_gpa(&n, 0), 112, 0, 0);
    vhf_desc_write(&n.tx->desc[1], buf_gpa(&n, 256), 12, VHU_DESC_F_NEXT, 2);
    vhf_desc_write(&n.tx->desc[2], buf_gpa(&n, 256 + 12), 100, 0, 0);
    vhf_desc_write(&n.tx->desc[3], buf_gpa(&n, 512), 8, 0, 0);
    vhf_desc_write(&n.tx->desc[4], buf_gpa(&n, 768), 112, 0, 0);
    vhf_desc_write(&n.tx->desc[5], buf_gpa(&n, 1024), 112, 0, 0);
    for (int i = 0; i < 5; i++) {
        vhf_vq_push_avail(n.tx, heads[i]);
    }
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, pkts, 8), 4);
    CHECK(!memcmp(out[0], frame[0], 100) && pkts[0].len == 100);
    CHECK(!memcmp(out[1], frame[1], 100) && pkts[1].len == 100);
    CHECK(!memcmp(out[2], frame[3], 100) && pkts[2].len == 100);
    CHECK(!memcmp(out[3], frame[4], 100) && pkts[3].len == 100);
    CHECK_EQ(vring_counter(&n, 1, 1), 1);
    CHECK_EQ(n.tx->used->idx, 5);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(n.tx->used->ring[i].id, heads[i]);
    }
    net_fini(&n);
}

/* A bad avail entry in the middle of a guest TX burst: the frames before it
 * are delivered and returned, then the queue is broken. */
static void
test_tx_error_mid_burst(void)
{
    uint8_t out[4][2048];
    struct vhu_pkt pkts[4];
    struct vhu_vring_info info;
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1));
    for (int i = 0; i < 4; i++) {
        pkts[i] = (struct vhu_pkt) { .data = out[i], .size = sizeof out[i] };
        vhf_desc_write(&n.tx->desc[i], buf_gpa(&n, i * 64), 20, 0, 0);
    }
    vhf_vq_push_avail(n.tx, 0);
    vhf_vq_push_avail(n.tx, 1);
    vhf_vq_push_avail(n.tx, NUM + 1);           /* Head out of range. */
    vhf_vq_push_avail(n.tx, 3);
    CHECK_EQ(vhu_dequeue_burst(n.dev, 1, pkts, 4), 2);
    CHECK_EQ(pkts[0].len, 8);
    CHECK_EQ(n.tx->used->idx, 2);
    CHECK_EQ(vhu_dev_vring_info(n.dev, 1, &info), 0);
    CHECK(info.broken);
    net_fini(&n);
}

/* One guest RX burst through one-segment buffers, a frame that spans
 * three of them (mergeable), and a two-segment chain: every frame lands
 * byte for byte, in order, with the right num_buffers and used lengths. */
static void
test_rx_mixed_burst(void)
{
    uint8_t a[64], b[3000], c[100], d[200];
    struct vhu_pkt pkts[4] = {
        { .data = a, .len = sizeof a }, { .data = b, .len = sizeof b },
        { .data = c, .len = sizeof c }, { .data = d, .len = sizeof d },
    };
    const struct vhu_net_hdr *hdr;
    uint8_t got[3000];
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    fill_pattern(a, sizeof a, 31);
    fill_pattern(b, sizeof b, 32);
    fill_pattern(c, sizeof c, 33);
    fill_pattern(d, sizeof d, 34);
    post_rx(&n, 5, 1024);               /* Ids 0 to 4. */
    /* Id 10: 2 + 300 writable bytes, in two segments. */
    vhf_desc_write(&n.rx->desc[10], buf_gpa(&n, 0), 2,
                   VHU_DESC_F_WRITE | VHU_DESC_F_NEXT, 11);
    vhf_desc_write(&n.rx->desc[11], buf_gpa(&n, 0x100), 300,
                   VHU_DESC_F_WRITE, 0);
    vhf_vq_push_avail(n.rx, 10);
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 4, NULL), 4);
    CHECK_EQ(n.rx->used->idx, 6);
    /* a: buffer 0. */
    CHECK_EQ(n.rx->used->ring[0].id, 0);
    CHECK_EQ(n.rx->used->ring[0].len, 12 + 64);
    hdr = (const struct vhu_net_hdr *) n.rx->slots[0].buf;
    CHECK_EQ(hdr->num_buffers, 1);
    CHECK(!memcmp(n.rx->slots[0].buf + 12, a, sizeof a));
    /* b: buffers 1 to 3. */
    CHECK_EQ(n.rx->used->ring[1].len, 1024);
    CHECK_EQ(n.rx->used->ring[3].len, 3000 + 12 - 2048);
    hdr = (const struct vhu_net_hdr *) n.rx->slots[1].buf;
    CHECK_EQ(hdr->num_buffers, 3);
    memcpy(got, n.rx->slots[1].buf + 12, 1012);
    memcpy(got + 1012, n.rx->slots[2].buf, 1024);
    memcpy(got + 2036, n.rx->slots[3].buf, 964);
    CHECK(!memcmp(got, b, sizeof b));
    /* c: buffer 4. */
    CHECK_EQ(n.rx->used->ring[4].id, 4);
    CHECK_EQ(((struct vhu_net_hdr *) n.rx->slots[4].buf)->num_buffers, 1);
    CHECK(!memcmp(n.rx->slots[4].buf + 12, c, sizeof c));
    /* d: the two-segment chain, header split 2 + 10. */
    CHECK_EQ(n.rx->used->ring[5].id, 10);
    CHECK_EQ(n.rx->used->ring[5].len, 12 + 200);
    CHECK(!memcmp(n.buf + 0x100 + 10, d, sizeof d));
    net_fini(&n);
}

/* A bad avail entry in the middle of a guest RX burst: the frames before it
 * land, then the queue is broken. */
static void
test_rx_error_mid_burst(void)
{
    uint8_t frame[64];
    struct vhu_pkt pkts[3];
    struct vhu_vring_info info;
    struct net n;

    net_init(&n, VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    fill_pattern(frame, sizeof frame, 40);
    for (int i = 0; i < 3; i++) {
        pkts[i] = (struct vhu_pkt) { .data = frame, .len = sizeof frame };
    }
    post_rx(&n, 1, 1024);
    vhf_vq_push_avail(n.rx, NUM + 2);           /* Head out of range. */
    CHECK_EQ(vhu_enqueue_burst(n.dev, 0, pkts, 3, NULL), 1);
    CHECK_EQ(n.rx->used->idx, 1);
    CHECK(!memcmp(n.rx->slots[0].buf + 12, frame, sizeof frame));
    CHECK_EQ(vhu_dev_vring_info(n.dev, 0, &info), 0);
    CHECK(info.broken);
    net_fini(&n);
}

const struct test_case test_net_cases[] = {
    { "net-tx-header-split", test_tx_header_split },
    { "net-tx-short-chain", test_tx_short_chain },
    { "net-tx-buffer-too-small", test_tx_buffer_too_small },
    { "net-legacy-header", test_legacy_header },
    { "net-rx-mergeable", test_rx_mergeable },
    { "net-rx-no-mergeable", test_rx_no_mergeable },
    { "net-rx-ring-full", test_rx_ring_full },
    { "net-rx-header-split", test_rx_header_split },
    { "net-rx-header-rewritten", test_rx_header_rewritten },
    { "net-notify-coalesced", test_notify_coalesced },
    { "net-notify-event-idx", test_notify_event_idx },
    { "net-broken-stops-one-queue", test_broken_stops_one_queue },
    { "net-not-ready", test_not_ready },
    { "net-tx-mixed-burst", test_tx_mixed_burst },
    { "net-tx-error-mid-burst", test_tx_error_mid_burst },
    { "net-rx-mixed-burst", test_rx_mixed_burst },
    { "net-rx-error-mid-burst", test_rx_error_mid_burst },
    { NULL, NULL },
};
