/*
 * test-msg.c: unit tests for the vhost-user message handlers (lib/vhu-msg.c)
 * and the connection around them (lib/vhu-dev.c), over a real UNIX socket.
 *
 * Each test creates a server-role device, connects to it as a frontend
 * would, and alternates between sending one message with vhu_sock_send()
 * and letting the device handle it with vhu_dev_run().  Guest memory is
 * memfds, vring notifications are eventfds.
 *
 * A rejected message must change nothing: not the device state, not the
 * process's open fds (the backend closes every fd it was sent), not the
 * guest memory mappings, and no event may fire.  Only msgs_rejected moves
 * and, with REPLY_ACK, the ack is nonzero.  A request that has a reply of
 * its own cannot be refused with an ack, so a bad one (or a bad header)
 * closes the connection instead.
 */
#include "test-vhu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vhu.h"
#include "vhu-proto.h"
#include "vhu-socket.h"
#include "vhu-guard.h"

#define MAX_QP 2                /* Queue pairs of most test devices. */

/* Guest memory layout used by most tests: region i is REG_SIZE bytes at
 * REG_OFFSET in its own memfd, at guest address GPA_BASE + i * REG_STEP and
 * frontend address UADDR_BASE + i * REG_STEP. */
#define GPA_BASE UINT64_C(0x40000000)
#define UADDR_BASE UINT64_C(0x7f1200000000)
#define REG_STEP UINT64_C(0x10000000)
#define REG_SIZE UINT64_C(0x100000)
#define REG_OFFSET UINT64_C(0x10000)
#define MEMFD_SIZE (REG_OFFSET + REG_SIZE)

/* Vring i's descriptor table, avail ring and used ring lie at offsets 0,
 * AVAIL_OFS and USED_OFS of a RING_STRIDE block at i * RING_STRIDE. */
#define RING_NUM 256
#define RING_STRIDE 0x4000
#define AVAIL_OFS 0x1000
#define USED_OFS 0x2000

static const uint8_t zeros[VHU_MAX_PAYLOAD + 64];
static int events[VHU_EV_MEM_CHANGED + 1];

static void
count_event(void *aux, struct vhu_dev *dev, enum vhu_event ev, int vring)
{
    CHECK(ev >= 0 && ev <= VHU_EV_MEM_CHANGED);
    events[ev]++;
}

/* Small helpers. */

static int
new_eventfd(void)
{
    int fd = eventfd(0, EFD_CLOEXEC);

    CHECK(fd >= 0);
    return fd;
}

static void
close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        CHECK_EQ(close(fds[i]), 0);
    }
}

/* A memfd of MEMFD_SIZE bytes, also mapped here at '*mapp'. */
static int
guest_memfd(uint8_t **mapp)
{
    int fd = test_memfd(MEMFD_SIZE);

    *mapp = mmap(NULL, MEMFD_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(*mapp != MAP_FAILED);
    return fd;
}

static struct vhu_mem_region_desc
region(int i)
{
    return (struct vhu_mem_region_desc) {
        .gpa = GPA_BASE + i * REG_STEP,
        .size = REG_SIZE,
        .uaddr = UADDR_BASE + i * REG_STEP,
        .mmap_offset = REG_OFFSET,
    };
}

/* Vring 'idx' laid out at the start of region 'reg' (see RING_STRIDE). */
static struct vhu_vring_addr
ring_addr(uint32_t idx, int reg)
{
    uint64_t base = region(reg).uaddr + idx * RING_STRIDE;

    return (struct vhu_vring_addr) {
        .index = idx,
        .desc_uaddr = base,
        .avail_uaddr = base + AVAIL_OFS,
        .used_uaddr = base + USED_OFS,
    };
}

/* used->flags of vring 'idx' laid out by ring_addr() in a memfd mapped at
 * 'map'. */
static uint16_t
used_flags(const uint8_t *map, uint32_t idx)
{
    const struct vhu_used *used = (const void *) (map + REG_OFFSET
                                                  + idx * RING_STRIDE
                                                  + USED_OFS);
    return used->flags;
}

/* The connection. */

struct conn {
    char path[128];
    struct vhu_dev *dev;
    int max_qp;
    int fd;                     /* Our (the frontend's) end, or -1. */
    int fds_start;              /* Open fds before the device existed. */
    int maps_start;             /* test_count_memfd_maps() then. */
};

static void
conn_connect(struct conn *c)
{
    int before = test_count_fds();

    CHECK_EQ(vhu_sock_connect(c->path, 0, &c->fd), 0);
    vhu_dev_run(c->dev);
    CHECK(vhu_dev_is_connected(c->dev));
    CHECK_EQ(test_count_fds(), before + 2);
}

/* Creates a server-role device offering 'features' and 'pfeatures' (0:
 * defaults) with 'max_qp' queue pairs and connects to it. */
static void
conn_create_with(struct conn *c, const char *tag, int max_qp,
                 uint64_t features, uint64_t pfeatures)
{
    struct vhu_dev_config cfg = {
        .features = features,
        .protocol_features = pfeatures,
        .max_queue_pairs = max_qp,
        .event_cb = count_event,
    };

    memset(c, 0, sizeof *c);
    memset(events, 0, sizeof events);
    snprintf(c->path, sizeof c->path, "%s", test_socket_path(tag));
    cfg.path = c->path;
    c->max_qp = max_qp ? max_qp : VHU_MAX_QUEUE_PAIRS;
    c->fds_start = test_count_fds();
    c->maps_start = test_count_memfd_maps();
    CHECK_EQ(vhu_dev_create(&cfg, &c->dev), 0);
    CHECK_EQ(test_count_fds(), c->fds_start + 1);
    CHECK(access(c->path, F_OK) == 0);
    conn_connect(c);
    CHECK_EQ(events[VHU_EV_CONNECTED], 1);
}

static void
conn_create(struct conn *c, const char *tag)
{
    conn_create_with(c, tag, MAX_QP, 0, 0);
}

/* Open fds while connected with nothing else set up: the test's own, the
 * listening socket and both ends of the connection. */
static int
conn_base(const struct conn *c)
{
    return c->fds_start + 3;
}

/* Memfd mappings made since the device was created, ours and its own. */
static int
new_maps(const struct conn *c)
{
    return test_count_memfd_maps() - c->maps_start;
}

/* Destroys the device; every fd it had must be closed and its socket file
 * removed. */
static void
conn_destroy(struct conn *c)
{
    if (c->fd >= 0) {
        CHECK_EQ(close(c->fd), 0);
    }
    vhu_dev_destroy(c->dev);
    CHECK_EQ(test_count_fds(), c->fds_start);
    CHECK(access(c->path, F_OK) < 0 && errno == ENOENT);
}

static bool
has_ack(const struct conn *c)
{
    return vhu_dev_protocol_features(c->dev) & VHU_BIT(VHU_PF_REPLY_ACK);
}

/* Sends one message, closes our copies of 'fds', and lets the device
 * handle it. */
static void
send_msg(struct conn *c, uint32_t req, uint32_t flags, const void *payload,
         uint32_t size, int *fds, int n_fds)
{
    struct vhu_msg_hdr hdr = { .request = req, .flags = flags, .size = size };

    CHECK_EQ(vhu_sock_send(c->fd, &hdr, payload, fds, n_fds, 1000), 0);
    close_all(fds, n_fds);
    vhu_dev_run(c->dev);
}

static void
expect_silence(struct conn *c)
{
    struct vhu_msg msg;

    CHECK_EQ(vhu_sock_recv(c->fd, &msg, 0), ETIMEDOUT);
}

/* Receives the reply to 'req' and checks that nothing else follows. */
static void
recv_reply(struct conn *c, uint32_t req, struct vhu_msg *msg)
{
    CHECK_EQ(vhu_sock_recv(c->fd, msg, 1000), 0);
    CHECK_EQ(msg->hdr.request, req);
    CHECK_EQ(msg->hdr.flags, VHU_FLAG_VERSION | VHU_FLAG_REPLY);
    CHECK_EQ(msg->n_fds, 0);
    expect_silence(c);
}

/* Sends a request that has no reply of its own, with NEED_REPLY if
 * REPLY_ACK was negotiated.  Returns the ack, or UINT64_MAX (after
 * checking that nothing came back) without REPLY_ACK. */
static uint64_t
send_acked(struct conn *c, uint32_t req, const void *payload, uint32_t size,
           int *fds, int n_fds)
{
    bool ack = has_ack(c);
    struct vhu_msg msg;

    send_msg(c, req, VHU_FLAG_VERSION | (ack ? VHU_FLAG_NEED_REPLY : 0),
             payload, size, fds, n_fds);
    if (!ack) {
        expect_silence(c);
        return UINT64_MAX;
    }
    recv_reply(c, req, &msg);
    CHECK_EQ(msg.hdr.size, sizeof(uint64_t));
    return msg.payload.u64;
}

/* Sends a GET_* request and returns its u64 reply. */
static uint64_t
get_u64(struct conn *c, uint32_t req)
{
    struct vhu_msg msg;

    send_msg(c, req, VHU_FLAG_VERSION, NULL, 0, NULL, 0);
    recv_reply(c, req, &msg);
    CHECK_EQ(msg.hdr.size, sizeof(uint64_t));
    return msg.payload.u64;
}

/* Everything a rejected message must leave alone. */
struct snapshot {
    uint64_t features, protocol_features;
    uint16_t mtu;
    uint8_t status;
    int n_vrings, n_ready_pairs, n_fds, n_maps;
    int n_mem;
    struct vhu_mem_info mem[32];
    struct vhu_vring_info vrings[VHU_MAX_VRINGS];
    int events[VHU_EV_MEM_CHANGED + 1];
    struct vhu_dev_stats stats;
};

static void
take_snapshot(const struct conn *c, struct snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->features = vhu_dev_features(c->dev);
    s->protocol_features = vhu_dev_protocol_features(c->dev);
    s->mtu = vhu_dev_mtu(c->dev);
    s->status = vhu_dev_status(c->dev);
    s->n_vrings = vhu_dev_n_vrings(c->dev);
    s->n_ready_pairs = vhu_dev_n_ready_pairs(c->dev);
    s->n_fds = test_count_fds();
    s->n_maps = new_maps(c);
    s->n_mem = vhu_dev_mem_info(c->dev, s->mem, 32);
    for (int i = 0; i < 2 * c->max_qp; i++) {
        CHECK_EQ(vhu_dev_vring_info(c->dev, i, &s->vrings[i]), 0);
    }
    memcpy(s->events, events, sizeof events);
    vhu_dev_get_stats(c->dev, &s->stats);
}

static void
check_unchanged(const struct conn *c, const struct snapshot *a,
                const struct snapshot *b)
{
    CHECK_EQ(a->features, b->features);
    CHECK_EQ(a->protocol_features, b->protocol_features);
    CHECK_EQ(a->mtu, b->mtu);
    CHECK_EQ(a->status, b->status);
    CHECK_EQ(a->n_vrings, b->n_vrings);
    CHECK_EQ(a->n_ready_pairs, b->n_ready_pairs);
    CHECK_EQ(a->n_fds, b->n_fds);
    CHECK_EQ(a->n_maps, b->n_maps);
    CHECK_EQ(a->n_mem, b->n_mem);
    CHECK(!memcmp(a->mem, b->mem, sizeof a->mem));
    for (int i = 0; i < 2 * c->max_qp; i++) {
        CHECK(!memcmp(&a->vrings[i], &b->vrings[i], sizeof a->vrings[i]));
    }
    CHECK(!memcmp(a->events, b->events, sizeof a->events));
}

/* Sends a request that the device must accept. */
static void
expect_ok(struct conn *c, uint32_t req, const void *payload, uint32_t size,
          int *fds, int n_fds)
{
    struct vhu_dev_stats before, after;
    bool ack = has_ack(c);
    uint64_t v;

    vhu_dev_get_stats(c->dev, &before);
    v = send_acked(c, req, payload, size, fds, n_fds);
    vhu_dev_get_stats(c->dev, &after);
    CHECK(vhu_dev_is_connected(c->dev));
    CHECK_EQ(after.msgs, before.msgs + 1);
    CHECK_EQ(after.msgs_rejected, before.msgs_rejected);
    if (ack) {
        CHECK_EQ(v, 0);
    }
}

/* Sends a request that the device must reject, keeping the connection, and
 * checks that nothing changed.  'fds' (closed here) must all be open and
 * distinct: the backend must close its copies. */
static void
expect_reject(struct conn *c, uint32_t req, const void *payload,
              uint32_t size, int *fds, int n_fds)
{
    struct snapshot before, after;
    bool ack = has_ack(c);
    uint64_t v;

    take_snapshot(c, &before);
    before.n_fds -= n_fds;
    v = send_acked(c, req, payload, size, fds, n_fds);
    take_snapshot(c, &after);
    CHECK(vhu_dev_is_connected(c->dev));
    CHECK_EQ(after.stats.msgs, before.stats.msgs + 1);
    CHECK_EQ(after.stats.msgs_rejected, before.stats.msgs_rejected + 1);
    CHECK_EQ(after.stats.disconnects, before.stats.disconnects);
    check_unchanged(c, &before, &after);
    if (ack) {
        CHECK(v != 0);
    }
}

static void
expect(struct conn *c, bool ok, uint32_t req, const void *payload,
       uint32_t size, int *fds, int n_fds)
{
    if (ok) {
        expect_ok(c, req, payload, size, fds, n_fds);
    } else {
        expect_reject(c, req, payload, size, fds, n_fds);
    }
}

static void
u64_req(struct conn *c, bool ok, uint32_t req, uint64_t value)
{
    expect(c, ok, req, &value, sizeof value, NULL, 0);
}

static void
state_req(struct conn *c, bool ok, uint32_t req, uint32_t idx, uint32_t num)
{
    struct vhu_vring_state s = { .index = idx, .num = num };

    expect(c, ok, req, &s, sizeof s, NULL, 0);
}

/* SET_VRING_KICK/CALL/ERR with u64 'value' and 'fd' (consumed), or no fd
 * if 'fd' is -1. */
static void
file_req(struct conn *c, bool ok, uint32_t req, uint64_t value, int fd)
{
    expect(c, ok, req, &value, sizeof value, &fd, fd >= 0);
}

/* SET_MEM_TABLE with the 'n' regions in 'r' and 'n_fds' fds (consumed). */
static void
mem_table_req(struct conn *c, bool ok, const struct vhu_mem_region_desc *r,
              uint32_t n, int *fds, int n_fds)
{
    uint8_t buf[8 + 16 * sizeof *r] = { 0 };

    CHECK(n <= 16);
    memcpy(buf, &n, sizeof n);
    if (n) {
        memcpy(buf + 8, r, n * sizeof *r);
    }
    expect(c, ok, VHU_REQ_SET_MEM_TABLE, buf, 8 + n * sizeof *r, fds, n_fds);
}

/* ADD_MEM_REG or REM_MEM_REG of 'r' with 'n_fds' fds (consumed). */
static void
mem_reg_req(struct conn *c, bool ok, uint32_t req,
            struct vhu_mem_region_desc r, int *fds, int n_fds)
{
    struct vhu_mem_reg_msg m = { .region = r };

    expect(c, ok, req, &m, sizeof m, fds, n_fds);
}

/* Checks that the device forgot everything negotiated on the connection. */
static void
check_reset(const struct conn *c)
{
    struct vhu_mem_info mem;

    CHECK_EQ(vhu_dev_features(c->dev), 0);
    CHECK_EQ(vhu_dev_protocol_features(c->dev), 0);
    CHECK_EQ(vhu_dev_mtu(c->dev), 0);
    CHECK_EQ(vhu_dev_status(c->dev), 0);
    CHECK_EQ(vhu_dev_mem_info(c->dev, &mem, 1), 0);
    CHECK_EQ(vhu_dev_n_vrings(c->dev), 0);
    CHECK_EQ(vhu_dev_n_ready_pairs(c->dev), 0);
    for (int i = 0; i < 2 * c->max_qp; i++) {
        struct vhu_vring_info info;

        CHECK_EQ(vhu_dev_vring_info(c->dev, i, &info), 0);
        CHECK(!info.ready && !info.started && !info.enabled);
        CHECK(!info.has_kick && !info.has_call);
        CHECK_EQ(info.size, 0);
    }
}

/* Sends a message after which the device must close the connection (it
 * must hold no fds but the connection, so that none can leak unseen),
 * checks that, then reconnects. */
static void
expect_close(struct conn *c, uint32_t req, uint32_t flags,
             const void *payload, uint32_t size, int *fds, int n_fds)
{
    struct vhu_dev_stats before, after;
    struct vhu_msg msg;
    int n_open = test_count_fds() - n_fds - 1;

    vhu_dev_get_stats(c->dev, &before);
    send_msg(c, req, flags, payload, size, fds, n_fds);
    vhu_dev_get_stats(c->dev, &after);
    CHECK(!vhu_dev_is_connected(c->dev));
    CHECK_EQ(test_count_fds(), n_open);
    CHECK_EQ(vhu_sock_recv(c->fd, &msg, 1000), EPIPE);
    CHECK_EQ(after.disconnects, before.disconnects + 1);
    CHECK(after.msgs - before.msgs <= 1);
    CHECK_EQ(after.msgs_rejected - before.msgs_rejected,
             after.msgs - before.msgs);
    check_reset(c);
    CHECK_EQ(close(c->fd), 0);
    c->fd = -1;
    conn_connect(c);
}

/* Negotiation and setup. */

static void
negotiate(struct conn *c, uint64_t features, uint64_t pfeatures)
{
    CHECK_EQ(get_u64(c, VHU_REQ_GET_FEATURES), vhu_default_features());
    CHECK_EQ(get_u64(c, VHU_REQ_GET_PROTOCOL_FEATURES),
             vhu_default_protocol_features());
    u64_req(c, true, VHU_REQ_SET_PROTOCOL_FEATURES, pfeatures);
    u64_req(c, true, VHU_REQ_SET_FEATURES, features);
    CHECK_EQ(vhu_dev_features(c->dev), features);
    CHECK_EQ(vhu_dev_protocol_features(c->dev), pfeatures);
}

static void
negotiate_default(struct conn *c)
{
    negotiate(c, vhu_default_features(), vhu_default_protocol_features());
}

/* Sends a one-region table (region(reg)) backed by 'fd' (consumed). */
static void
set_mem(struct conn *c, int reg, int fd)
{
    struct vhu_mem_region_desc r = region(reg);

    mem_table_req(c, true, &r, 1, &fd, 1);
}

/* Sets vring 'idx' up in region 'reg' and starts and enables it. */
static void
start_vring(struct conn *c, uint32_t idx, int reg)
{
    struct vhu_vring_addr a = ring_addr(idx, reg);

    state_req(c, true, VHU_REQ_SET_VRING_NUM, idx, RING_NUM);
    expect_ok(c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    state_req(c, true, VHU_REQ_SET_VRING_BASE, idx, 0);
    file_req(c, true, VHU_REQ_SET_VRING_KICK, idx, new_eventfd());
    file_req(c, true, VHU_REQ_SET_VRING_CALL, idx, new_eventfd());
    state_req(c, true, VHU_REQ_SET_VRING_ENABLE, idx, 1);
}

/* The tests. */

static void
test_connect(void)
{
    struct vhu_dev_config cfg = { .max_queue_pairs = MAX_QP };
    struct vhu_dev_stats stats;
    struct vhu_dev *dev;
    struct conn c;
    int fd;

    conn_create(&c, "connect");
    vhu_dev_get_stats(c.dev, &stats);
    CHECK_EQ(stats.connects, 1);
    CHECK_EQ(stats.msgs, 0);
    CHECK(vhu_dev_fd(c.dev) >= 0);
    CHECK(!strcmp(vhu_dev_path(c.dev), c.path));
    check_reset(&c);

    /* A live socket is not replaced. */
    cfg.path = c.path;
    CHECK_EQ(vhu_dev_create(&cfg, &dev), EADDRINUSE);
    CHECK(dev == NULL);
    conn_destroy(&c);

    /* A stale one is; a file that is not a socket is not. */
    CHECK_EQ(vhu_sock_listen(c.path, &fd), 0);
    CHECK_EQ(close(fd), 0);
    conn_create(&c, "connect");
    conn_destroy(&c);
    fd = open(c.path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    CHECK_EQ(close(fd), 0);
    CHECK_EQ(vhu_dev_create(&cfg, &dev), EEXIST);
    CHECK_EQ(unlink(c.path), 0);
    CHECK_EQ(test_count_fds(), c.fds_start);
}

static void
test_second_frontend(void)
{
    struct vhu_msg_hdr hdr = {
        .request = VHU_REQ_GET_QUEUE_NUM, .flags = VHU_FLAG_VERSION,
    };
    struct vhu_dev_stats stats;
    struct vhu_msg msg;
    struct conn c;
    int fd;

    /* A second frontend waits, even if it talks, until the first one goes
     * away. */
    conn_create(&c, "second-frontend");
    CHECK_EQ(vhu_sock_connect(c.path, 0, &fd), 0);
    CHECK_EQ(vhu_sock_send(fd, &hdr, NULL, NULL, 0, 1000), 0);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_QUEUE_NUM), MAX_QP);
    CHECK_EQ(vhu_sock_recv(fd, &msg, 0), ETIMEDOUT);
    CHECK_EQ(close(c.fd), 0);
    c.fd = fd;
    vhu_dev_run(c.dev);
    CHECK(!vhu_dev_is_connected(c.dev));
    vhu_dev_run(c.dev);
    CHECK(vhu_dev_is_connected(c.dev));
    recv_reply(&c, VHU_REQ_GET_QUEUE_NUM, &msg);
    CHECK_EQ(msg.payload.u64, MAX_QP);
    vhu_dev_get_stats(c.dev, &stats);
    CHECK_EQ(stats.connects, 2);
    CHECK_EQ(stats.disconnects, 1);
    conn_destroy(&c);
}

static void
test_features(void)
{
    uint64_t def = vhu_default_features();
    struct conn c;

    conn_create(&c, "features");
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_FEATURES), def);
    u64_req(&c, true, VHU_REQ_SET_FEATURES, VHU_BIT(VHU_F_VERSION_1));
    CHECK_EQ(vhu_dev_features(c.dev), VHU_BIT(VHU_F_VERSION_1));
    CHECK_EQ(events[VHU_EV_FEATURES_CHANGED], 1);
    u64_req(&c, false, VHU_REQ_SET_FEATURES, def | VHU_BIT(VHU_F_RING_PACKED));
    u64_req(&c, false, VHU_REQ_SET_FEATURES, def | VHU_BIT(VHU_F_LOG_ALL));
    u64_req(&c, false, VHU_REQ_SET_FEATURES, VHU_BIT(63));
    u64_req(&c, true, VHU_REQ_SET_FEATURES, def);
    CHECK_EQ(vhu_dev_features(c.dev), def);
    u64_req(&c, true, VHU_REQ_SET_FEATURES, 0);
    CHECK_EQ(vhu_dev_features(c.dev), 0);
    conn_destroy(&c);

    /* A device that offers less. */
    def = VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_PROTOCOL_FEATURES);
    conn_create_with(&c, "features", MAX_QP, def, 0);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_FEATURES), def);
    u64_req(&c, false, VHU_REQ_SET_FEATURES,
            def | VHU_BIT(VHU_F_NET_MRG_RXBUF));
    u64_req(&c, true, VHU_REQ_SET_FEATURES, def);
    CHECK_EQ(vhu_dev_features(c.dev), def);
    conn_destroy(&c);
}

static void
test_protocol_features(void)
{
    uint64_t def = vhu_default_protocol_features();
    struct conn c;

    conn_create(&c, "pfeatures");
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_PROTOCOL_FEATURES), def);
    u64_req(&c, true, VHU_REQ_SET_PROTOCOL_FEATURES, VHU_BIT(VHU_PF_MQ));
    CHECK_EQ(vhu_dev_protocol_features(c.dev), VHU_BIT(VHU_PF_MQ));
    u64_req(&c, true, VHU_REQ_SET_PROTOCOL_FEATURES, def);
    CHECK_EQ(vhu_dev_protocol_features(c.dev), def);

    /* Now with REPLY_ACK: each rejection is acked nonzero. */
    u64_req(&c, false, VHU_REQ_SET_PROTOCOL_FEATURES,
            def | VHU_BIT(VHU_PF_LOG_SHMFD));
    u64_req(&c, false, VHU_REQ_SET_PROTOCOL_FEATURES,
            def | VHU_BIT(VHU_PF_BACKEND_REQ));
    u64_req(&c, false, VHU_REQ_SET_PROTOCOL_FEATURES, VHU_BIT(63));
    CHECK_EQ(vhu_dev_protocol_features(c.dev), def);
    conn_destroy(&c);

    /* A device that offers no REPLY_ACK. */
    conn_create_with(&c, "pfeatures", MAX_QP, 0, VHU_BIT(VHU_PF_MQ));
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_PROTOCOL_FEATURES), VHU_BIT(VHU_PF_MQ));
    u64_req(&c, false, VHU_REQ_SET_PROTOCOL_FEATURES,
            VHU_BIT(VHU_PF_REPLY_ACK));
    u64_req(&c, true, VHU_REQ_SET_PROTOCOL_FEATURES, VHU_BIT(VHU_PF_MQ));
    conn_destroy(&c);

    /* A device that does not offer PROTOCOL_FEATURES at all: SET is
     * rejected, and GET (which waits for a reply) closes the connection. */
    conn_create_with(&c, "pfeatures", MAX_QP, VHU_BIT(VHU_F_VERSION_1), 0);
    u64_req(&c, false, VHU_REQ_SET_PROTOCOL_FEATURES, VHU_BIT(VHU_PF_MQ));
    CHECK_EQ(vhu_dev_protocol_features(c.dev), 0);
    expect_close(&c, VHU_REQ_GET_PROTOCOL_FEATURES, VHU_FLAG_VERSION, NULL, 0,
                 NULL, 0);
    conn_destroy(&c);
}

static void
test_reply_ack(void)
{
    uint64_t pf = vhu_default_protocol_features() & ~VHU_BIT(VHU_PF_REPLY_ACK);
    uint64_t value = 0;
    struct vhu_msg msg;
    struct conn c;

    /* Without REPLY_ACK, NEED_REPLY gets no answer, good or bad. */
    conn_create(&c, "ack");
    negotiate(&c, vhu_default_features(), pf);
    send_msg(&c, VHU_REQ_SET_OWNER, VHU_FLAG_VERSION | VHU_FLAG_NEED_REPLY,
             NULL, 0, NULL, 0);
    expect_silence(&c);
    send_msg(&c, VHU_REQ_SET_OWNER, VHU_FLAG_VERSION | VHU_FLAG_NEED_REPLY,
             &value, sizeof value, NULL, 0);
    expect_silence(&c);
    CHECK(vhu_dev_is_connected(c.dev));

    /* With it, an ack for each, but GET_* only send their own reply. */
    u64_req(&c, true, VHU_REQ_SET_PROTOCOL_FEATURES,
            pf | VHU_BIT(VHU_PF_REPLY_ACK));
    CHECK(has_ack(&c));
    expect_ok(&c, VHU_REQ_SET_OWNER, NULL, 0, NULL, 0);
    expect_reject(&c, VHU_REQ_SET_OWNER, &value, sizeof value, NULL, 0);
    send_msg(&c, VHU_REQ_GET_FEATURES, VHU_FLAG_VERSION | VHU_FLAG_NEED_REPLY,
             NULL, 0, NULL, 0);
    recv_reply(&c, VHU_REQ_GET_FEATURES, &msg);
    CHECK_EQ(msg.hdr.size, 8);
    CHECK_EQ(msg.payload.u64, vhu_default_features());

    /* Without NEED_REPLY, no ack even with REPLY_ACK. */
    send_msg(&c, VHU_REQ_SET_OWNER, VHU_FLAG_VERSION, NULL, 0, NULL, 0);
    send_msg(&c, VHU_REQ_SET_OWNER, VHU_FLAG_VERSION, &value, sizeof value,
             NULL, 0);
    expect_silence(&c);
    conn_destroy(&c);
}

static void
test_owner(void)
{
    struct vhu_dev_stats stats;
    uint8_t *map;
    struct conn c;

    conn_create(&c, "owner");
    set_mem(&c, 0, guest_memfd(&map));
    expect_ok(&c, VHU_REQ_SET_OWNER, NULL, 0, NULL, 0);
    negotiate_default(&c);
    expect_ok(&c, VHU_REQ_SET_OWNER, NULL, 0, NULL, 0);
    start_vring(&c, 0, 0);
    start_vring(&c, 1, 0);
    file_req(&c, true, VHU_REQ_SET_VRING_ERR, 0, new_eventfd());
    u64_req(&c, true, VHU_REQ_NET_SET_MTU, 9000);
    u64_req(&c, true, VHU_REQ_SET_STATUS, 7);
    CHECK_EQ(vhu_dev_n_ready_pairs(c.dev), 1);
    CHECK_EQ(test_count_fds(), conn_base(&c) + 5);
    CHECK_EQ(new_maps(&c), 2);

    /* RESET_OWNER forgets everything but keeps the connection. */
    expect_ok(&c, VHU_REQ_RESET_OWNER, NULL, 0, NULL, 0);
    check_reset(&c);
    CHECK(vhu_dev_is_connected(c.dev));
    CHECK_EQ(test_count_fds(), conn_base(&c));
    CHECK_EQ(new_maps(&c), 1);
    vhu_dev_get_stats(c.dev, &stats);
    CHECK_EQ(stats.disconnects, 0);

    /* Without REPLY_ACK now: rejections are silent. */
    expect_reject(&c, VHU_REQ_RESET_OWNER, zeros, 8, NULL, 0);
    negotiate_default(&c);
    conn_destroy(&c);
    CHECK_EQ(munmap(map, MEMFD_SIZE), 0);
}

static void
test_queue_num(void)
{
    struct conn c;

    conn_create(&c, "queue-num");
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_QUEUE_NUM), MAX_QP);
    conn_destroy(&c);

    conn_create_with(&c, "queue-num", 0, 0, 0);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_QUEUE_NUM), VHU_MAX_QUEUE_PAIRS);
    conn_destroy(&c);
}

static void
new_memfds(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        fds[i] = test_memfd(MEMFD_SIZE);
    }
}

static void
check_mem(const struct conn *c, const struct vhu_mem_region_desc *r, int n)
{
    struct vhu_mem_info info[16];

    CHECK_EQ(vhu_dev_mem_info(c->dev, info, 16), n);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(info[i].gpa, r[i].gpa);
        CHECK_EQ(info[i].size, r[i].size);
        CHECK_EQ(info[i].uaddr, r[i].uaddr);
        CHECK_EQ(info[i].mmap_offset, r[i].mmap_offset);
    }
}

static void
test_mem_table(void)
{
    struct vhu_mem_region_desc r[3] = { region(2), region(0), region(1) };
    struct vhu_mem_region_desc sorted[3] = { region(0), region(1), region(2) };
    struct vhu_mem_table_desc t = { .n_regions = 1, .padding = UINT32_MAX };
    int fds[3];
    struct conn c;

    conn_create(&c, "mem-table");
    negotiate_default(&c);
    set_mem(&c, 0, test_memfd(MEMFD_SIZE));
    check_mem(&c, sorted, 1);
    CHECK_EQ(events[VHU_EV_MEM_CHANGED], 1);
    CHECK_EQ(new_maps(&c), 1);
    CHECK_EQ(test_count_fds(), conn_base(&c));

    /* Three regions out of order; the third shares the second's memfd. */
    new_memfds(fds, 2);
    fds[2] = dup(fds[1]);
    r[2].mmap_offset = sorted[1].mmap_offset = 0;
    mem_table_req(&c, true, r, 3, fds, 3);
    check_mem(&c, sorted, 3);
    CHECK_EQ(events[VHU_EV_MEM_CHANGED], 2);
    CHECK_EQ(new_maps(&c), 3);
    CHECK_EQ(test_count_fds(), conn_base(&c));

    /* The padding word is ignored. */
    t.regions[0] = region(3);
    new_memfds(fds, 1);
    expect_ok(&c, VHU_REQ_SET_MEM_TABLE, &t, 8 + sizeof r[0], fds, 1);
    check_mem(&c, t.regions, 1);

    /* An empty table unmaps everything. */
    mem_table_req(&c, true, NULL, 0, NULL, 0);
    check_mem(&c, NULL, 0);
    CHECK_EQ(new_maps(&c), 0);
    CHECK_EQ(events[VHU_EV_MEM_CHANGED], 4);
    conn_destroy(&c);
}

static void
test_mem_table_same(void)
{
    struct vhu_mem_region_desc sorted[2] = { region(0), region(1) };
    struct vhu_mem_region_desc r[2] = { region(1), region(0) };
    int fds[2];
    struct conn c;

    conn_create(&c, "mem-table-same");
    negotiate_default(&c);
    new_memfds(fds, 2);
    mem_table_req(&c, true, sorted, 2, fds, 2);
    CHECK_EQ(events[VHU_EV_MEM_CHANGED], 1);
    CHECK_EQ(new_maps(&c), 2);
    CHECK_EQ(test_count_fds(), conn_base(&c));

    /* The same table again (in another order) only closes the fds. */
    new_memfds(fds, 2);
    mem_table_req(&c, true, r, 2, fds, 2);
    CHECK_EQ(events[VHU_EV_MEM_CHANGED], 1);
    CHECK_EQ(new_maps(&c), 2);
    CHECK_EQ(test_count_fds(), conn_base(&c));
    check_mem(&c, sorted, 2);

    /* Any change remaps. */
    r[0].mmap_offset = sorted[1].mmap_offset = 0;
    new_memfds(fds, 2);
    mem_table_req(&c, true, r, 2, fds, 2);
    CHECK_EQ(events[VHU_EV_MEM_CHANGED], 2);
    CHECK_EQ(new_maps(&c), 2);
    CHECK_EQ(test_count_fds(), conn_base(&c));
    check_mem(&c, sorted, 2);
    conn_destroy(&c);
}

static void
test_mem_table_remap(void)
{
    uint8_t *map[2];
    int memfd[2] = { guest_memfd(&map[0]), guest_memfd(&map[1]) };
    struct vhu_mem_region_desc r = region(0);
    struct conn c;

    conn_create(&c, "mem-table-remap");
    negotiate_default(&c);
    set_mem(&c, 0, dup(memfd[0]));
    start_vring(&c, 0, 0);
    CHECK(vhu_dev_vring_ready(c.dev, 0));
    CHECK_EQ(used_flags(map[0], 0), VHU_USED_F_NO_NOTIFY);

    /* Same frontend addresses, other guest addresses and memory: the vring
     * follows into the new memfd. */
    r.gpa += REG_SIZE;
    mem_table_req(&c, true, &r, 1, (int[]) { dup(memfd[1]) }, 1);
    CHECK(vhu_dev_vring_ready(c.dev, 0));
    CHECK_EQ(used_flags(map[1], 0), VHU_USED_F_NO_NOTIFY);
    CHECK_EQ(new_maps(&c), 1);

    /* A table without the rings stops the vring; one with them restarts
     * it. */
    set_mem(&c, 1, dup(memfd[0]));
    CHECK(!vhu_dev_vring_ready(c.dev, 0));
    CHECK_EQ(new_maps(&c), 1);
    set_mem(&c, 0, test_memfd(MEMFD_SIZE));
    CHECK(vhu_dev_vring_ready(c.dev, 0));
    conn_destroy(&c);
    CHECK_EQ(new_maps(&c), 0);
    close_all(memfd, 2);
    CHECK_EQ(munmap(map[0], MEMFD_SIZE), 0);
    CHECK_EQ(munmap(map[1], MEMFD_SIZE), 0);
}

static void
test_mem_table_bad_count(void)
{
    struct vhu_mem_region_desc r[9];
    struct vhu_mem_table_desc t;
    int fds[8];
    struct conn c;

    for (int i = 0; i < 9; i++) {
        r[i] = region(i);
    }
    conn_create(&c, "mem-table-bad-count");
    negotiate_default(&c);
    set_mem(&c, 0, test_memfd(MEMFD_SIZE));

    /* Nine regions, in a payload that fits eight or nine. */
    memset(&t, 0, sizeof t);
    t.n_regions = 9;
    memcpy(t.regions, r, sizeof t.regions);
    new_memfds(fds, 8);
    expect_reject(&c, VHU_REQ_SET_MEM_TABLE, &t, sizeof t, fds, 8);
    new_memfds(fds, 8);
    mem_table_req(&c, false, r, 9, fds, 8);

    /* Two regions in a payload with room for one. */
    t.n_regions = 2;
    new_memfds(fds, 2);
    expect_reject(&c, VHU_REQ_SET_MEM_TABLE, &t, 8 + sizeof r[0], fds, 2);
    new_memfds(fds, 2);
    expect_reject(&c, VHU_REQ_SET_MEM_TABLE, &t, 8 + 2 * sizeof r[0] - 1,
                  fds, 2);

    /* Eight is fine. */
    new_memfds(fds, 8);
    mem_table_req(&c, true, r, 8, fds, 8);
    check_mem(&c, r, 8);
    conn_destroy(&c);
}

static void
test_mem_table_bad_fds(void)
{
    struct vhu_mem_region_desc r[2] = { region(0), region(1) };
    int fds[3];
    struct conn c;

    conn_create(&c, "mem-table-bad-fds");
    negotiate_default(&c);
    set_mem(&c, 3, test_memfd(MEMFD_SIZE));

    new_memfds(fds, 1);
    mem_table_req(&c, false, r, 2, fds, 1);     /* Fewer fds. */
    new_memfds(fds, 3);
    mem_table_req(&c, false, r, 2, fds, 3);     /* More fds. */
    mem_table_req(&c, false, r, 2, NULL, 0);    /* None. */
    new_memfds(fds, 2);
    mem_table_req(&c, false, NULL, 0, fds, 2);  /* No regions. */

    /* Fds that cannot be mapped. */
    fds[0] = test_memfd(MEMFD_SIZE);
    fds[1] = new_eventfd();
    mem_table_req(&c, false, r, 2, fds, 2);
    CHECK(pipe(fds) == 0);
    mem_table_req(&c, false, r, 2, fds, 2);
    fds[0] = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    CHECK(fds[0] >= 0);
    r[0].size = 0x1000;                         /* Within the file. */
    r[0].mmap_offset = 0;
    mem_table_req(&c, false, r, 1, fds, 1);
    conn_destroy(&c);
}

/* Sends a one-region table with 'r' that must be rejected. */
static void
bad_region(struct conn *c, struct vhu_mem_region_desc r)
{
    int fd = test_memfd(MEMFD_SIZE);

    mem_table_req(c, false, &r, 1, &fd, 1);
}

/* Sends a two-region table that must be rejected. */
static void
bad_pair(struct conn *c, struct vhu_mem_region_desc r0,
         struct vhu_mem_region_desc r1)
{
    struct vhu_mem_region_desc r[2] = { r0, r1 };
    int fds[2];

    new_memfds(fds, 2);
    mem_table_req(c, false, r, 2, fds, 2);
}

static void
test_mem_table_bad_regions(void)
{
    struct vhu_mem_region_desc r = region(0);
    struct vhu_vring_addr a = ring_addr(0, 0);
    struct conn c;

    conn_create(&c, "mem-table-bad-regions");
    negotiate_default(&c);

    /* A vring in the last 16 kB of region 0, with its used ring in the last
     * page, which would be touched (SIGBUS) if a region that extends past
     * the end of its memfd were mapped. */
    a.desc_uaddr = region(0).uaddr + REG_SIZE - 0x4000;
    a.avail_uaddr = region(0).uaddr + REG_SIZE - 0x3000;
    a.used_uaddr = region(0).uaddr + REG_SIZE - 0x1000;
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, 0, RING_NUM);
    expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, VHU_VRING_NOFD, -1);
    state_req(&c, true, VHU_REQ_SET_VRING_ENABLE, 0, 1);
    set_mem(&c, 4, test_memfd(MEMFD_SIZE));

    r.size = 0;
    bad_region(&c, r);
    r = region(0);
    r.mmap_offset = REG_OFFSET + 0x1000;        /* Past the memfd's end. */
    bad_region(&c, r);
    r.mmap_offset = 0;
    r.size = MEMFD_SIZE + 0x1000;
    bad_region(&c, r);
    r = region(0);
    r.gpa = UINT64_MAX - 0xfff;                 /* Wraps around. */
    bad_region(&c, r);
    r = region(0);
    r.uaddr = UINT64_MAX - 0xfff;
    bad_region(&c, r);
    r = region(0);
    r.mmap_offset = UINT64_MAX - 0xfff;
    bad_region(&c, r);
    r = region(0);
    r.size = UINT64_MAX;
    bad_region(&c, r);

    /* Overlaps, in guest and in frontend addresses. */
    r = region(1);
    r.gpa = region(0).gpa + REG_SIZE - 1;
    bad_pair(&c, region(0), r);
    r = region(1);
    r.uaddr = region(0).uaddr - REG_SIZE + 1;
    bad_pair(&c, region(0), r);
    bad_pair(&c, region(0), region(0));

    CHECK(vhu_dev_vring_ready(c.dev, 0) == false);
    conn_destroy(&c);
}

static void
test_mem_slots_gated(void)
{
    uint64_t pf = (vhu_default_protocol_features()
                   & ~VHU_BIT(VHU_PF_CONFIGURE_MEM_SLOTS));
    int fd;
    struct conn c;

    conn_create(&c, "mem-slots-gated");
    negotiate(&c, vhu_default_features(), pf);
    fd = test_memfd(MEMFD_SIZE);
    mem_reg_req(&c, false, VHU_REQ_ADD_MEM_REG, region(0), &fd, 1);
    mem_reg_req(&c, false, VHU_REQ_REM_MEM_REG, region(0), NULL, 0);
    expect_close(&c, VHU_REQ_GET_MAX_MEM_SLOTS, VHU_FLAG_VERSION, NULL, 0,
                 NULL, 0);
    conn_destroy(&c);
}

/* ADD_MEM_REG or REM_MEM_REG of 'r' with 'n_fds' new memfds. */
static void
mem_reg(struct conn *c, bool ok, uint32_t req, struct vhu_mem_region_desc r,
        int n_fds)
{
    int fds[2];

    new_memfds(fds, n_fds);
    mem_reg_req(c, ok, req, r, fds, n_fds);
}

static void
test_mem_reg(void)
{
    struct conn c;

    conn_create(&c, "mem-reg");
    negotiate_default(&c);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_MAX_MEM_SLOTS), VHU_MAX_MEM_SLOTS);

    /* More regions than SET_MEM_TABLE could carry. */
    mem_reg(&c, true, VHU_REQ_ADD_MEM_REG, region(0), 1);
    start_vring(&c, 0, 0);
    CHECK(vhu_dev_vring_ready(c.dev, 0));
    for (int i = 1; i < 12; i++) {
        mem_reg(&c, true, VHU_REQ_ADD_MEM_REG, region(i), 1);
        CHECK_EQ(vhu_dev_mem_info(c.dev, NULL, 0), i + 1);
    }
    CHECK_EQ(new_maps(&c), 12);
    CHECK(vhu_dev_vring_ready(c.dev, 0));

    /* Remove one (QEMU may attach its fd, which is closed). */
    mem_reg(&c, true, VHU_REQ_REM_MEM_REG, region(5), 1);
    CHECK_EQ(vhu_dev_mem_info(c.dev, NULL, 0), 11);
    CHECK_EQ(new_maps(&c), 11);
    CHECK_EQ(test_count_fds(), conn_base(&c) + 2);
    CHECK(vhu_dev_vring_ready(c.dev, 0));

    /* Removing the vring's region stops it. */
    mem_reg(&c, true, VHU_REQ_REM_MEM_REG, region(0), 0);
    CHECK(!vhu_dev_vring_ready(c.dev, 0));
    CHECK_EQ(new_maps(&c), 10);
    conn_destroy(&c);
    CHECK_EQ(new_maps(&c), 0);
}

/* QEMU 7.2 with queues=N runs one vhost device per queue pair on the
 * socket, and each sends ADD_MEM_REG, then REM_MEM_REG, for the same
 * regions: the repeats add and remove references, not regions. */
static void
test_mem_reg_per_queue_pair(void)
{
    struct vhu_mem_region_desc moved = region(0);
    struct conn c;

    conn_create(&c, "mem-reg-qp");
    negotiate_default(&c);
    for (int i = 0; i < 4; i++) {
        mem_reg(&c, true, VHU_REQ_ADD_MEM_REG, region(0), 1);
        CHECK_EQ(vhu_dev_mem_info(c.dev, NULL, 0), 1);
        CHECK_EQ(new_maps(&c), 1);
        CHECK_EQ(test_count_fds(), conn_base(&c));
    }
    start_vring(&c, 0, 0);
    CHECK(vhu_dev_vring_ready(c.dev, 0));

    /* The same region at another mmap offset is another region, which
     * overlaps the first. */
    moved.mmap_offset += REG_SIZE;
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, moved, 1);

    /* Three of the four removals leave the region and the ring as they
     * were; the fourth removes it. */
    for (int i = 0; i < 3; i++) {
        mem_reg(&c, true, VHU_REQ_REM_MEM_REG, region(0), 0);
        CHECK_EQ(vhu_dev_mem_info(c.dev, NULL, 0), 1);
        CHECK(vhu_dev_vring_ready(c.dev, 0));
    }
    mem_reg(&c, true, VHU_REQ_REM_MEM_REG, region(0), 0);
    CHECK_EQ(vhu_dev_mem_info(c.dev, NULL, 0), 0);
    CHECK(!vhu_dev_vring_ready(c.dev, 0));
    CHECK_EQ(new_maps(&c), 0);
    mem_reg(&c, false, VHU_REQ_REM_MEM_REG, region(0), 0);
    conn_destroy(&c);
}

static void
test_mem_reg_bad(void)
{
    struct vhu_mem_region_desc r;
    struct conn c;

    conn_create(&c, "mem-reg-bad");
    negotiate_default(&c);
    mem_reg(&c, false, VHU_REQ_REM_MEM_REG, region(0), 0);   /* No table. */
    for (int i = 0; i < 8; i++) {
        mem_reg(&c, true, VHU_REQ_ADD_MEM_REG, region(i), 1);
    }

    /* Unknown regions. */
    mem_reg(&c, false, VHU_REQ_REM_MEM_REG, region(8), 0);
    r = region(4);
    r.size /= 2;
    mem_reg(&c, false, VHU_REQ_REM_MEM_REG, r, 0);
    r = region(4);
    r.uaddr += REG_STEP / 2;
    mem_reg(&c, false, VHU_REQ_REM_MEM_REG, r, 0);
    mem_reg(&c, false, VHU_REQ_REM_MEM_REG, region(4), 2);

    /* Overlaps, a region past its memfd's end, wrong fd counts. */
    r = region(8);
    r.gpa = region(4).gpa + 0x1000;
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, r, 1);
    r = region(8);
    r.uaddr = region(6).uaddr + REG_SIZE - 1;
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, r, 1);
    r = region(7);              /* Identical but for the offset. */
    r.mmap_offset += REG_SIZE;
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, r, 1);
    r = region(8);
    r.size = REG_SIZE * 2;
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, r, 1);
    r.size = 0;
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, r, 1);
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, region(8), 0);
    mem_reg(&c, false, VHU_REQ_ADD_MEM_REG, region(8), 2);
    mem_reg(&c, true, VHU_REQ_ADD_MEM_REG, region(8), 1);
    CHECK_EQ(new_maps(&c), 9);
    conn_destroy(&c);
}

static void
test_vring_num(void)
{
    struct conn c;
    struct vhu_vring_info info;

    conn_create(&c, "vring-num");
    negotiate_default(&c);
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, 1, RING_NUM);
    CHECK_EQ(vhu_dev_n_vrings(c.dev), 2);
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, 0, 1);
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, 0, 32768);
    CHECK_EQ(vhu_dev_vring_info(c.dev, 0, &info), 0);
    CHECK_EQ(info.size, 32768);
    state_req(&c, false, VHU_REQ_SET_VRING_NUM, 0, 3);
    state_req(&c, false, VHU_REQ_SET_VRING_NUM, 0, 0);
    state_req(&c, false, VHU_REQ_SET_VRING_NUM, 0, 65536);
    state_req(&c, false, VHU_REQ_SET_VRING_NUM, 0, 32768 + 1024);
    state_req(&c, false, VHU_REQ_SET_VRING_NUM, 0, UINT32_MAX);

    /* Not while the vring runs. */
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 0, new_eventfd());
    state_req(&c, false, VHU_REQ_SET_VRING_NUM, 0, RING_NUM);
    conn_destroy(&c);
}

static void
test_vring_addr(void)
{
    struct vhu_vring_addr a = ring_addr(0, 0);
    struct conn c;

    conn_create(&c, "vring-addr");
    negotiate_default(&c);
    set_mem(&c, 0, test_memfd(MEMFD_SIZE));
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, 0, RING_NUM);
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, VHU_VRING_NOFD, -1);
    state_req(&c, true, VHU_REQ_SET_VRING_ENABLE, 0, 1);
    CHECK(!vhu_dev_vring_ready(c.dev, 0));

    a.flags = 2;
    expect_reject(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    a.flags = VHU_VRING_F_LOG;
    a.log_gpa = GPA_BASE;
    expect_reject(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    a.flags = UINT32_MAX;
    expect_reject(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);

    a = ring_addr(0, 0);
    expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    CHECK(vhu_dev_vring_ready(c.dev, 0));

    /* Accepted, but rings outside memory or misaligned are not used. */
    a.used_uaddr = region(0).uaddr + REG_SIZE - VHU_USED_BYTES(RING_NUM) + 2;
    expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    CHECK(!vhu_dev_vring_ready(c.dev, 0));
    a = ring_addr(0, 0);
    a.desc_uaddr += 8;
    expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    CHECK(!vhu_dev_vring_ready(c.dev, 0));
    a = ring_addr(0, 1);
    expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    CHECK(!vhu_dev_vring_ready(c.dev, 0));
    a = ring_addr(0, 0);
    a.used_uaddr = region(0).uaddr + REG_SIZE - VHU_USED_BYTES(RING_NUM) - 2;
    expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    CHECK(vhu_dev_vring_ready(c.dev, 0));
    conn_destroy(&c);
}

static void
test_vring_base(void)
{
    struct vhu_vring_state s = { .index = 1 };
    struct vhu_vring_info info;
    struct vhu_msg msg;
    struct conn c;

    conn_create(&c, "vring-base");
    negotiate_default(&c);
    state_req(&c, true, VHU_REQ_SET_VRING_BASE, 1, 5);
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK_EQ(info.last_avail_idx, 5);
    state_req(&c, true, VHU_REQ_SET_VRING_BASE, 1, 65535);
    state_req(&c, false, VHU_REQ_SET_VRING_BASE, 1, 65536);
    state_req(&c, false, VHU_REQ_SET_VRING_BASE, 1, UINT32_MAX);
    state_req(&c, true, VHU_REQ_SET_VRING_BASE, 1, 1234);

    /* Not while running; GET_VRING_BASE stops the vring and closes its
     * kick and call fds. */
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 1, new_eventfd());
    file_req(&c, true, VHU_REQ_SET_VRING_CALL, 1, new_eventfd());
    state_req(&c, false, VHU_REQ_SET_VRING_BASE, 1, 7);
    CHECK_EQ(test_count_fds(), conn_base(&c) + 2);
    send_msg(&c, VHU_REQ_GET_VRING_BASE, VHU_FLAG_VERSION, &s, sizeof s,
             NULL, 0);
    recv_reply(&c, VHU_REQ_GET_VRING_BASE, &msg);
    CHECK_EQ(msg.hdr.size, sizeof s);
    memcpy(&s, msg.payload.bytes, sizeof s);
    CHECK_EQ(s.index, 1);
    CHECK_EQ(s.num, 1234);
    CHECK_EQ(test_count_fds(), conn_base(&c));
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK(!info.started && !info.has_kick && !info.has_call);
    state_req(&c, true, VHU_REQ_SET_VRING_BASE, 1, 7);
    conn_destroy(&c);
}

/* Checks SET_VRING_KICK, SET_VRING_CALL or SET_VRING_ERR on vring 1. */
static void
check_vring_file(uint32_t req)
{
    int fds[2];
    struct conn c;

    conn_create(&c, "vring-file");
    negotiate_default(&c);
    file_req(&c, true, req, 1, new_eventfd());
    CHECK_EQ(test_count_fds(), conn_base(&c) + 1);
    file_req(&c, true, req, 1, new_eventfd());  /* Closes the old one. */
    CHECK_EQ(test_count_fds(), conn_base(&c) + 1);
    file_req(&c, true, req, 1 | VHU_VRING_NOFD, -1);
    CHECK_EQ(test_count_fds(), conn_base(&c));

    file_req(&c, false, req, 1 | VHU_VRING_NOFD, new_eventfd());
    file_req(&c, false, req, 1, -1);
    if (req != VHU_REQ_SET_VRING_KICK) {
        /* We write to call and err fds: a pipe, which could fill up and
         * block the datapath, is refused; an eventfd is made
         * non-blocking. */
        int efd = eventfd(0, EFD_CLOEXEC);
        int p[2];

        CHECK(!pipe(p));
        file_req(&c, false, req, 1, p[1]);
        close(p[0]);
        CHECK(!(fcntl(efd, F_GETFL) & O_NONBLOCK));
        file_req(&c, true, req, 1, dup(efd));
        CHECK(fcntl(efd, F_GETFL) & O_NONBLOCK);
        close(efd);
        file_req(&c, true, req, 1 | VHU_VRING_NOFD, -1);
    }
    fds[0] = new_eventfd();
    fds[1] = new_eventfd();
    expect_reject(&c, req, &(uint64_t) { 1 }, 8, fds, 2);
    conn_destroy(&c);
}

static void
test_vring_kick(void)
{
    struct vhu_vring_info info;
    struct conn c;

    check_vring_file(VHU_REQ_SET_VRING_KICK);

    conn_create(&c, "vring-kick");
    negotiate_default(&c);
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 1, new_eventfd());
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK(info.started && info.has_kick && !info.enabled);
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 0 | VHU_VRING_NOFD, -1);
    CHECK_EQ(vhu_dev_vring_info(c.dev, 0, &info), 0);
    CHECK(info.started && !info.has_kick);
    conn_destroy(&c);

    /* Without PROTOCOL_FEATURES, a kick also enables the vring. */
    conn_create(&c, "vring-kick");
    u64_req(&c, true, VHU_REQ_SET_FEATURES, VHU_BIT(VHU_F_VERSION_1));
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 1, new_eventfd());
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK(info.started && info.enabled);
    conn_destroy(&c);
}

static void
test_vring_call(void)
{
    struct vhu_vring_info info;
    struct conn c;

    check_vring_file(VHU_REQ_SET_VRING_CALL);

    conn_create(&c, "vring-call");
    negotiate_default(&c);
    file_req(&c, true, VHU_REQ_SET_VRING_CALL, 0, new_eventfd());
    CHECK_EQ(vhu_dev_vring_info(c.dev, 0, &info), 0);
    CHECK(info.has_call && !info.started);
    conn_destroy(&c);
}

static void
test_vring_err(void)
{
    check_vring_file(VHU_REQ_SET_VRING_ERR);
}

static void
test_vring_enable(void)
{
    struct vhu_vring_info info;
    struct conn c;

    conn_create(&c, "vring-enable");
    negotiate_default(&c);
    state_req(&c, true, VHU_REQ_SET_VRING_ENABLE, 3, 1);
    CHECK_EQ(vhu_dev_vring_info(c.dev, 3, &info), 0);
    CHECK(info.enabled);
    state_req(&c, false, VHU_REQ_SET_VRING_ENABLE, 3, 2);
    state_req(&c, false, VHU_REQ_SET_VRING_ENABLE, 3, UINT32_MAX);
    state_req(&c, true, VHU_REQ_SET_VRING_ENABLE, 3, 0);
    CHECK_EQ(vhu_dev_vring_info(c.dev, 3, &info), 0);
    CHECK(!info.enabled);
    conn_destroy(&c);
}

/* Sends every vring request for vring 'idx', which is out of range. */
static void
bad_vring_index(struct conn *c, uint32_t idx)
{
    struct vhu_vring_addr a = ring_addr(0, 0);
    static const uint32_t state_reqs[] = {
        VHU_REQ_SET_VRING_NUM, VHU_REQ_SET_VRING_BASE,
        VHU_REQ_SET_VRING_ENABLE,
    };
    static const uint32_t file_reqs[] = {
        VHU_REQ_SET_VRING_KICK, VHU_REQ_SET_VRING_CALL,
        VHU_REQ_SET_VRING_ERR,
    };

    for (int i = 0; i < 3; i++) {
        state_req(c, false, state_reqs[i], idx, 1);
        if (idx <= VHU_VRING_IDX_MASK) {
            file_req(c, false, file_reqs[i], idx, new_eventfd());
            file_req(c, false, file_reqs[i], idx | VHU_VRING_NOFD, -1);
        }
    }
    a.index = idx;
    expect_reject(c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
    expect_close(c, VHU_REQ_GET_VRING_BASE, VHU_FLAG_VERSION,
                 &(struct vhu_vring_state) { .index = idx }, 8, NULL, 0);
    negotiate_default(c);
}

static void
test_vring_index(void)
{
    struct conn c;

    conn_create(&c, "vring-index");
    negotiate_default(&c);
    bad_vring_index(&c, 2 * MAX_QP);
    bad_vring_index(&c, VHU_VRING_IDX_MASK);
    bad_vring_index(&c, 256);
    bad_vring_index(&c, UINT32_MAX);
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, 2 * MAX_QP - 1, 64);
    CHECK_EQ(vhu_dev_n_vrings(c.dev), 2 * MAX_QP);
    conn_destroy(&c);

    /* The largest device takes every index the KICK/CALL/ERR byte holds. */
    conn_create_with(&c, "vring-index", VHU_MAX_QUEUE_PAIRS, 0, 0);
    negotiate_default(&c);
    file_req(&c, true, VHU_REQ_SET_VRING_CALL, VHU_VRING_IDX_MASK,
             new_eventfd());
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, VHU_MAX_VRINGS - 1, 64);
    state_req(&c, false, VHU_REQ_SET_VRING_NUM, VHU_MAX_VRINGS, 64);
    conn_destroy(&c);
}

static void
test_mtu(void)
{
    uint64_t pf = vhu_default_protocol_features() & ~VHU_BIT(VHU_PF_MTU);
    struct conn c;

    conn_create(&c, "mtu");
    negotiate(&c, vhu_default_features(), pf);
    u64_req(&c, false, VHU_REQ_NET_SET_MTU, 1500);
    CHECK_EQ(vhu_dev_mtu(c.dev), 0);
    u64_req(&c, true, VHU_REQ_SET_PROTOCOL_FEATURES,
            vhu_default_protocol_features());
    u64_req(&c, false, VHU_REQ_NET_SET_MTU, 67);
    u64_req(&c, false, VHU_REQ_NET_SET_MTU, 65536);
    u64_req(&c, false, VHU_REQ_NET_SET_MTU, 0);
    u64_req(&c, false, VHU_REQ_NET_SET_MTU, (UINT64_C(1) << 32) | 1500);
    u64_req(&c, true, VHU_REQ_NET_SET_MTU, 68);
    CHECK_EQ(vhu_dev_mtu(c.dev), 68);
    u64_req(&c, true, VHU_REQ_NET_SET_MTU, 65535);
    u64_req(&c, true, VHU_REQ_NET_SET_MTU, 1500);
    CHECK_EQ(vhu_dev_mtu(c.dev), 1500);
    CHECK_EQ(events[VHU_EV_MTU_CHANGED], 3);
    conn_destroy(&c);
}

static void
test_status(void)
{
    uint64_t pf = vhu_default_protocol_features() & ~VHU_BIT(VHU_PF_STATUS);
    struct conn c;

    conn_create(&c, "status");
    negotiate(&c, vhu_default_features(), pf);
    u64_req(&c, false, VHU_REQ_SET_STATUS, 1);
    expect_close(&c, VHU_REQ_GET_STATUS, VHU_FLAG_VERSION, NULL, 0, NULL, 0);

    negotiate_default(&c);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_STATUS), 0);
    u64_req(&c, true, VHU_REQ_SET_STATUS, 0x0f);
    CHECK_EQ(vhu_dev_status(c.dev), 0x0f);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_STATUS), 0x0f);
    u64_req(&c, false, VHU_REQ_SET_STATUS, 256);
    u64_req(&c, false, VHU_REQ_SET_STATUS, UINT64_MAX);
    u64_req(&c, true, VHU_REQ_SET_STATUS, 0xff);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_STATUS), 0xff);
    conn_destroy(&c);
}

static void
test_log(void)
{
    uint64_t log_base[2] = { 4096, 0 };
    int fd;
    struct conn c;

    conn_create(&c, "log");
    negotiate_default(&c);
    fd = test_memfd(4096);
    expect_reject(&c, VHU_REQ_SET_LOG_BASE, log_base, sizeof log_base,
                  &fd, 1);
    expect_reject(&c, VHU_REQ_SET_LOG_BASE, log_base, sizeof log_base,
                  NULL, 0);
    fd = new_eventfd();
    expect_reject(&c, VHU_REQ_SET_LOG_FD, NULL, 0, &fd, 1);
    u64_req(&c, false, VHU_REQ_SET_FEATURES,
            vhu_default_features() | VHU_BIT(VHU_F_LOG_ALL));
    conn_destroy(&c);
}

static void
test_unsupported(void)
{
    static const uint32_t reqs[] = {
        VHU_REQ_SEND_RARP, VHU_REQ_SET_BACKEND_REQ_FD,
        VHU_REQ_SET_VRING_ENDIAN, VHU_REQ_SET_CONFIG,
        VHU_REQ_CLOSE_CRYPTO_SESSION, VHU_REQ_POSTCOPY_LISTEN,
        VHU_REQ_SET_INFLIGHT_FD, VHU_REQ_GPU_SET_SOCKET,
        VHU_REQ_RESET_DEVICE, VHU_REQ_VRING_KICK,
    };
    struct conn c;

    conn_create(&c, "unsupported");
    negotiate_default(&c);
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        int fd = new_eventfd();

        expect_reject(&c, reqs[i], zeros, 8, NULL, 0);
        expect_reject(&c, reqs[i], zeros, 64, &fd, 1);
    }
    conn_destroy(&c);
}

static void
test_unknown(void)
{
    static const uint32_t reqs[] = {
        VHU_REQ_NONE, VHU_REQ_MAX_, 99, 1000, UINT32_MAX,
    };
    int fds[VHU_MAX_FDS];
    struct conn c;

    conn_create(&c, "unknown");
    negotiate_default(&c);
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        expect_reject(&c, reqs[i], NULL, 0, NULL, 0);
        new_memfds(fds, VHU_MAX_FDS);
        expect_reject(&c, reqs[i], zeros, VHU_MAX_PAYLOAD, fds, VHU_MAX_FDS);
    }

    /* Without REPLY_ACK too. */
    u64_req(&c, true, VHU_REQ_SET_PROTOCOL_FEATURES, 0);
    expect_reject(&c, 99, zeros, 8, NULL, 0);
    conn_destroy(&c);
}

/* Fixed payload sizes, fd counts, and whether the request has a reply. */
struct size_rule {
    uint32_t req;
    uint32_t size;
    int n_fds;
    bool reply;
};

static const struct size_rule size_rules[] = {
    { VHU_REQ_GET_FEATURES, 0, 0, true },
    { VHU_REQ_SET_FEATURES, 8, 0, false },
    { VHU_REQ_SET_OWNER, 0, 0, false },
    { VHU_REQ_RESET_OWNER, 0, 0, false },
    { VHU_REQ_SET_VRING_NUM, 8, 0, false },
    { VHU_REQ_SET_VRING_ADDR, 40, 0, false },
    { VHU_REQ_SET_VRING_BASE, 8, 0, false },
    { VHU_REQ_GET_VRING_BASE, 8, 0, true },
    { VHU_REQ_SET_VRING_KICK, 8, 1, false },
    { VHU_REQ_SET_VRING_CALL, 8, 1, false },
    { VHU_REQ_SET_VRING_ERR, 8, 1, false },
    { VHU_REQ_GET_PROTOCOL_FEATURES, 0, 0, true },
    { VHU_REQ_SET_PROTOCOL_FEATURES, 8, 0, false },
    { VHU_REQ_GET_QUEUE_NUM, 0, 0, true },
    { VHU_REQ_SET_VRING_ENABLE, 8, 0, false },
    { VHU_REQ_NET_SET_MTU, 8, 0, false },
    { VHU_REQ_GET_MAX_MEM_SLOTS, 0, 0, true },
    { VHU_REQ_ADD_MEM_REG, 40, 1, false },
    { VHU_REQ_REM_MEM_REG, 40, 0, false },
    { VHU_REQ_SET_STATUS, 8, 0, false },
    { VHU_REQ_GET_STATUS, 0, 0, true },
};

static void
bad_size(struct conn *c, const struct size_rule *rule, uint32_t size)
{
    int fd = rule->n_fds ? test_memfd(MEMFD_SIZE) : -1;

    if (size == rule->size) {
        return;
    } else if (rule->reply) {
        expect_close(c, rule->req, VHU_FLAG_VERSION, zeros, size, &fd,
                     rule->n_fds);
        negotiate_default(c);
    } else {
        expect_reject(c, rule->req, zeros, size, &fd, rule->n_fds);
    }
}

static void
test_bad_size(void)
{
    struct conn c;

    conn_create(&c, "bad-size");
    negotiate_default(&c);
    for (size_t i = 0; i < sizeof size_rules / sizeof size_rules[0]; i++) {
        const struct size_rule *rule = &size_rules[i];

        bad_size(&c, rule, 0);
        bad_size(&c, rule, rule->size + 1);
        bad_size(&c, rule, rule->size + 8);
        bad_size(&c, rule, rule->size ? rule->size - 1 : 4);
        bad_size(&c, rule, VHU_MAX_PAYLOAD);
    }

    /* SET_MEM_TABLE: less than a header, more than eight regions. */
    expect_reject(&c, VHU_REQ_SET_MEM_TABLE, zeros, 4, NULL, 0);
    expect_reject(&c, VHU_REQ_SET_MEM_TABLE, zeros, 0, NULL, 0);
    expect_reject(&c, VHU_REQ_SET_MEM_TABLE, zeros,
                  sizeof(struct vhu_mem_table_desc) + 32, NULL, 0);
    conn_destroy(&c);
}

static void
test_reply_closes(void)
{
    static const uint32_t with_reply[] = {
        VHU_REQ_IOTLB_MSG, VHU_REQ_GET_CONFIG, VHU_REQ_CREATE_CRYPTO_SESSION,
        VHU_REQ_POSTCOPY_ADVISE, VHU_REQ_POSTCOPY_END,
        VHU_REQ_GET_INFLIGHT_FD,
    };
    int fd;
    struct conn c;

    /* A bad GET_* cannot be answered, so the connection goes. */
    conn_create(&c, "reply-closes");
    fd = new_eventfd();
    expect_close(&c, VHU_REQ_GET_FEATURES, VHU_FLAG_VERSION, NULL, 0, &fd, 1);
    fd = new_eventfd();
    expect_close(&c, VHU_REQ_GET_QUEUE_NUM, VHU_FLAG_VERSION, NULL, 0,
                 &fd, 1);
    expect_close(&c, VHU_REQ_GET_PROTOCOL_FEATURES, VHU_FLAG_VERSION, zeros,
                 8, NULL, 0);
    expect_close(&c, VHU_REQ_GET_MAX_MEM_SLOTS, VHU_FLAG_VERSION, NULL, 0,
                 NULL, 0);
    expect_close(&c, VHU_REQ_GET_STATUS, VHU_FLAG_VERSION, NULL, 0, NULL, 0);

    /* Unsupported requests that the spec answers with a reply. */
    for (size_t i = 0; i < sizeof with_reply / sizeof with_reply[0]; i++) {
        fd = new_eventfd();
        expect_close(&c, with_reply[i], VHU_FLAG_VERSION, zeros, 8, &fd, 1);
    }

    /* Even with REPLY_ACK and NEED_REPLY: no ack instead of the reply. */
    negotiate_default(&c);
    fd = new_eventfd();
    expect_close(&c, VHU_REQ_GET_VRING_BASE,
                 VHU_FLAG_VERSION | VHU_FLAG_NEED_REPLY,
                 &(struct vhu_vring_state) { .index = 0 }, 8, &fd, 1);
    CHECK_EQ(get_u64(&c, VHU_REQ_GET_FEATURES), vhu_default_features());
    conn_destroy(&c);
}

static void
test_bad_flags(void)
{
    static const uint32_t flags[] = {
        0, 2, 3, VHU_FLAG_VERSION | VHU_FLAG_REPLY,
        VHU_FLAG_REPLY | VHU_FLAG_NEED_REPLY,
    };
    struct vhu_msg msg;
    struct conn c;

    conn_create(&c, "bad-flags");
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        int fds[2] = { new_eventfd(), test_memfd(4096) };

        negotiate_default(&c);
        expect_close(&c, VHU_REQ_SET_OWNER, flags[i], NULL, 0, NULL, 0);
        negotiate_default(&c);
        expect_close(&c, VHU_REQ_SET_VRING_CALL, flags[i], zeros, 8, fds, 1);
        expect_close(&c, VHU_REQ_GET_FEATURES, flags[i], NULL, 0, &fds[1], 1);
    }

    /* Unknown high flag bits are ignored. */
    send_msg(&c, VHU_REQ_GET_FEATURES, VHU_FLAG_VERSION | 0x80000000u,
             NULL, 0, NULL, 0);
    CHECK(vhu_dev_is_connected(c.dev));
    CHECK_EQ(vhu_sock_recv(c.fd, &msg, 1000), 0);
    CHECK_EQ(msg.payload.u64, vhu_default_features());
    conn_destroy(&c);
}

static void
test_too_big(void)
{
    int fds[VHU_MAX_FDS];
    struct conn c;

    /* The header alone tells: the payload is never read. */
    conn_create(&c, "too-big");
    new_memfds(fds, VHU_MAX_FDS);
    expect_close(&c, VHU_REQ_SET_MEM_TABLE, VHU_FLAG_VERSION, NULL,
                 VHU_MAX_PAYLOAD + 1, fds, VHU_MAX_FDS);
    fds[0] = new_eventfd();
    expect_close(&c, VHU_REQ_SET_OWNER, VHU_FLAG_VERSION, NULL, UINT32_MAX,
                 fds, 1);
    expect_close(&c, VHU_REQ_GET_FEATURES, VHU_FLAG_VERSION, NULL,
                 VHU_MAX_PAYLOAD + 1, NULL, 0);

    /* VHU_MAX_PAYLOAD itself is read (and then rejected). */
    expect_reject(&c, VHU_REQ_SET_OWNER, zeros, VHU_MAX_PAYLOAD, NULL, 0);
    conn_destroy(&c);
}

/* Sends 'len' bytes at 'data' with 'n' fds in one sendmsg(), without
 * vhu_sock_send()'s limit on fds, and closes our copies of the fds. */
static void
send_raw(int sock, const void *data, size_t len, int *fds, int n)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 2 * VHU_MAX_FDS)];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = n ? u.buf : NULL,
        .msg_controllen = n ? CMSG_SPACE(sizeof(int) * n) : 0,
    };
    struct cmsghdr *cmsg;

    CHECK(n <= 2 * VHU_MAX_FDS);
    memset(&u, 0, sizeof u);
    if (n) {
        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n);
    }
    CHECK_EQ(sendmsg(sock, &mh, MSG_NOSIGNAL), len);
    close_all(fds, n);
}

static void
new_eventfds(int *fds, int n)
{
    for (int i = 0; i < n; i++) {
        fds[i] = new_eventfd();
    }
}

/* Checks that the device closed the connection and every fd it got. */
static void
expect_closed(struct conn *c)
{
    struct vhu_msg msg;

    vhu_dev_run(c->dev);
    CHECK(!vhu_dev_is_connected(c->dev));
    CHECK_EQ(test_count_fds(), c->fds_start + 2);
    CHECK_EQ(vhu_sock_recv(c->fd, &msg, 1000), EPIPE);
    CHECK_EQ(close(c->fd), 0);
    conn_connect(c);
}

static void
test_too_many_fds(void)
{
    struct vhu_msg_hdr hdr = { VHU_REQ_SET_OWNER, VHU_FLAG_VERSION, 0 };
    struct vhu_msg_hdr hdr8 = { VHU_REQ_SET_FEATURES, VHU_FLAG_VERSION, 8 };
    int fds[2 * VHU_MAX_FDS];
    struct vhu_dev_stats stats;
    struct conn c;

    conn_create(&c, "too-many-fds");
    new_eventfds(fds, VHU_MAX_FDS + 1);
    send_raw(c.fd, &hdr, sizeof hdr, fds, VHU_MAX_FDS + 1);
    expect_closed(&c);
    new_eventfds(fds, 2 * VHU_MAX_FDS);
    send_raw(c.fd, &hdr, sizeof hdr, fds, 2 * VHU_MAX_FDS);
    expect_closed(&c);

    /* Eight with the header and one more with the payload. */
    new_eventfds(fds, VHU_MAX_FDS + 1);
    send_raw(c.fd, &hdr8, sizeof hdr8, fds, VHU_MAX_FDS);
    send_raw(c.fd, zeros, 8, &fds[VHU_MAX_FDS], 1);
    expect_closed(&c);
    vhu_dev_get_stats(c.dev, &stats);
    CHECK_EQ(stats.msgs, 0);
    CHECK_EQ(stats.disconnects, 3);

    /* Eight on a request that takes none: rejected, all closed. */
    new_memfds(fds, VHU_MAX_FDS);
    expect_reject(&c, VHU_REQ_SET_OWNER, NULL, 0, fds, VHU_MAX_FDS);
    conn_destroy(&c);
}

static void
test_partial(void)
{
    struct vhu_msg_hdr hdr = {
        .request = VHU_REQ_SET_FEATURES, .flags = VHU_FLAG_VERSION, .size = 8,
    };
    uint64_t features = VHU_BIT(VHU_F_VERSION_1);
    struct vhu_dev_stats stats;
    int fds[2];
    struct conn c;

    conn_create(&c, "partial");
    CHECK_EQ(send(c.fd, &hdr, 5, MSG_NOSIGNAL), 5);
    vhu_dev_run(c.dev);
    CHECK_EQ(send(c.fd, (char *) &hdr + 5, 7, MSG_NOSIGNAL), 7);
    vhu_dev_run(c.dev);
    CHECK_EQ(send(c.fd, &features, 3, MSG_NOSIGNAL), 3);
    vhu_dev_run(c.dev);
    vhu_dev_get_stats(c.dev, &stats);
    CHECK_EQ(stats.msgs, 0);
    CHECK(vhu_dev_is_connected(c.dev));
    CHECK_EQ(send(c.fd, (char *) &features + 3, 5, MSG_NOSIGNAL), 5);
    vhu_dev_run(c.dev);
    CHECK_EQ(vhu_dev_features(c.dev), features);

    /* A frontend that goes away mid-message, which carried fds. */
    new_eventfds(fds, 2);
    send_raw(c.fd, &hdr, 5, fds, 2);
    vhu_dev_run(c.dev);
    CHECK_EQ(test_count_fds(), conn_base(&c) + 2);
    CHECK_EQ(close(c.fd), 0);
    c.fd = -1;
    vhu_dev_run(c.dev);
    CHECK(!vhu_dev_is_connected(c.dev));
    CHECK_EQ(test_count_fds(), c.fds_start + 1);

    /* Or that we drop then. */
    conn_connect(&c);
    new_eventfds(fds, 2);
    send_raw(c.fd, &hdr, 5, fds, 2);
    vhu_dev_run(c.dev);
    vhu_dev_disconnect(c.dev);
    CHECK_EQ(test_count_fds(), c.fds_start + 2);
    conn_destroy(&c);
}

static void
test_setup(void)
{
    struct vhu_dev_stats stats;
    uint8_t *map;
    int memfd = guest_memfd(&map);
    struct conn c;

    conn_create(&c, "setup");
    for (int round = 0; round < 2; round++) {
        negotiate_default(&c);
        set_mem(&c, 0, dup(memfd));
        start_vring(&c, 0, 0);
        CHECK(!vhu_dev_vring_ready(c.dev, 1));
        CHECK_EQ(vhu_dev_n_ready_pairs(c.dev), 0);
        start_vring(&c, 1, 0);
        file_req(&c, true, VHU_REQ_SET_VRING_ERR, 1, new_eventfd());
        CHECK(vhu_dev_vring_ready(c.dev, 0) && vhu_dev_vring_ready(c.dev, 1));
        CHECK_EQ(vhu_dev_n_ready_pairs(c.dev), 1);
        CHECK_EQ(vhu_dev_n_vrings(c.dev), 2);
        CHECK_EQ(events[VHU_EV_VRING_CHANGED], 2 + 4 * round);

        /* The frontend goes away: everything is released. */
        CHECK_EQ(close(c.fd), 0);
        c.fd = -1;
        vhu_dev_run(c.dev);
        CHECK(!vhu_dev_is_connected(c.dev));
        CHECK_EQ(events[VHU_EV_DISCONNECTED], round + 1);
        CHECK_EQ(events[VHU_EV_VRING_CHANGED], 4 + 4 * round);
        check_reset(&c);
        CHECK_EQ(test_count_fds(), c.fds_start + 1);
        CHECK_EQ(new_maps(&c), 0);
        conn_connect(&c);
    }
    vhu_dev_get_stats(c.dev, &stats);
    CHECK_EQ(stats.connects, 3);
    CHECK_EQ(stats.disconnects, 2);
    CHECK_EQ(stats.msgs_rejected, 0);

    /* vhu_dev_disconnect() does the same from our side. */
    vhu_dev_disconnect(c.dev);
    CHECK(!vhu_dev_is_connected(c.dev));
    CHECK_EQ(close(c.fd), 0);
    c.fd = -1;
    conn_connect(&c);
    conn_destroy(&c);
    CHECK_EQ(close(memfd), 0);
    CHECK_EQ(used_flags(map, 0), VHU_USED_F_NO_NOTIFY);
    CHECK_EQ(used_flags(map, 1), VHU_USED_F_NO_NOTIFY);
    CHECK_EQ(munmap(map, MEMFD_SIZE), 0);
}

/* Runs a client-role device until it connects, for at most 'ms'
 * milliseconds.  Every timeout it returns must lie in 1..'max_ms'. */
static bool
run_until_connected(struct vhu_dev *dev, int ms, int max_ms)
{
    for (int waited = 0; waited <= ms; ) {
        int timeout = vhu_dev_run(dev);

        if (vhu_dev_is_connected(dev)) {
            return true;
        }
        CHECK(timeout > 0 && timeout <= max_ms);
        CHECK_EQ(vhu_dev_fd(dev), -1);
        poll(NULL, 0, timeout);
        waited += timeout;
    }
    return false;
}

static void
test_client(void)
{
    struct vhu_dev_config cfg = {
        .client = true, .max_queue_pairs = MAX_QP,
        .reconnect_min_ms = 10, .reconnect_max_ms = 40,
    };
    int start = test_count_fds();
    char path[128];
    int listen_fd, fd;
    struct vhu_dev *dev;
    struct vhu_msg msg;

    snprintf(path, sizeof path, "%s", test_socket_path("client"));
    cfg.path = path;
    CHECK_EQ(vhu_dev_create(&cfg, &dev), 0);
    CHECK_EQ(test_count_fds(), start);

    /* Nobody listens: the device backs off. */
    CHECK(!run_until_connected(dev, 200, 40));
    CHECK_EQ(test_count_fds(), start);

    CHECK_EQ(vhu_sock_listen(path, &listen_fd), 0);
    for (int round = 0; round < 2; round++) {
        struct vhu_msg_hdr hdr = {
            .request = VHU_REQ_GET_QUEUE_NUM, .flags = VHU_FLAG_VERSION,
        };

        CHECK(run_until_connected(dev, 1000, 40));
        CHECK_EQ(vhu_sock_accept(listen_fd, &fd), 0);
        CHECK_EQ(vhu_sock_send(fd, &hdr, NULL, NULL, 0, 1000), 0);
        CHECK_EQ(vhu_dev_run(dev), -1);
        CHECK_EQ(vhu_sock_recv(fd, &msg, 1000), 0);
        CHECK_EQ(msg.payload.u64, MAX_QP);

        /* The frontend goes away; the device reconnects after a while. */
        CHECK_EQ(close(fd), 0);
        CHECK(vhu_dev_run(dev) > 0);
        CHECK(!vhu_dev_is_connected(dev));
        CHECK_EQ(test_count_fds(), start + 1);
    }
    vhu_dev_destroy(dev);
    CHECK_EQ(close(listen_fd), 0);
    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(test_count_fds(), start);
}

/* Robustness: reconnecting frontends, guest memory that shrinks, logs. */

/* GET_VRING_BASE: stops vring 'idx' and returns its base. */
static uint32_t
get_vring_base(struct conn *c, uint32_t idx)
{
    struct vhu_vring_state s = { .index = idx };
    struct vhu_msg msg;

    send_msg(c, VHU_REQ_GET_VRING_BASE, VHU_FLAG_VERSION, &s, sizeof s,
             NULL, 0);
    recv_reply(c, VHU_REQ_GET_VRING_BASE, &msg);
    CHECK_EQ(msg.hdr.size, sizeof s);
    memcpy(&s, msg.payload.bytes, sizeof s);
    CHECK_EQ(s.index, idx);
    return s.num;
}

/* The split ring of vring 'idx' laid out by ring_addr(idx, 0) in the memfd
 * mapped at 'map'. */
struct test_ring {
    struct vhu_desc *desc;
    struct vhu_avail *avail;
    struct vhu_used *used;
};

static struct test_ring
test_ring(uint8_t *map, uint32_t idx)
{
    uint8_t *base = map + REG_OFFSET + idx * RING_STRIDE;

    return (struct test_ring) {
        .desc = (void *) base,
        .avail = (void *) (base + AVAIL_OFS),
        .used = (void *) (base + USED_OFS),
    };
}

/* Offset in region 0 of the guest buffers, past every ring. */
#define BUF_OFS UINT64_C(0x80000)

/* Makes 'n' one-descriptor buffers of 'len' bytes available on vring
 * 'idx', starting at avail index 'first'. */
static void
post_buffers(uint8_t *map, uint32_t idx, uint16_t first, int n, uint32_t len,
             bool writable)
{
    struct test_ring r = test_ring(map, idx);

    for (int i = 0; i < n; i++) {
        uint16_t slot = (uint16_t) (first + i) % RING_NUM;

        r.desc[slot] = (struct vhu_desc) {
            .addr = GPA_BASE + BUF_OFS + slot * 2048,
            .len = len,
            .flags = writable ? VHU_DESC_F_WRITE : 0,
        };
        r.avail->ring[slot] = slot;
    }
    __atomic_store_n(&r.avail->idx, (uint16_t) (first + n), __ATOMIC_RELEASE);
}

/* A frontend that reconnects to a restarted backend may send base 0 while
 * the used ring shows how far the old backend got (DPDK's virtio-user
 * does): the vring resumes from used->idx instead of breaking. */
static void
test_vring_resync(void)
{
    uint8_t buf[2048];
    struct vhu_pkt pkt = { .data = buf, .size = sizeof buf };
    struct vhu_vring_info info;
    uint8_t *map;
    int memfd = guest_memfd(&map);
    struct test_ring r = test_ring(map, 1);
    struct conn c;

    conn_create(&c, "resync");
    negotiate_default(&c);
    set_mem(&c, 0, dup(memfd));
    /* The old backend consumed 20000 frames; 3 more wait. */
    r.used->idx = 20000;
    post_buffers(map, 1, 20000, 3, 12 + 60, false);
    start_vring(&c, 0, 0);
    start_vring(&c, 1, 0);
    CHECK(vhu_dev_vring_ready(c.dev, 1));
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK_EQ(info.last_avail_idx, 20000);
    CHECK_EQ(info.last_used_idx, 20000);
    CHECK_EQ(vhu_dequeue_burst(c.dev, 1, &pkt, 1), 1);
    CHECK_EQ(pkt.len, 60);
    CHECK_EQ(vhu_dequeue_burst(c.dev, 1, &pkt, 1), 1);
    CHECK_EQ(r.used->idx, 20002);
    CHECK(vhu_dev_vring_ready(c.dev, 1));

    /* Stopped and restarted with the right base: nothing to resync. */
    CHECK_EQ(get_vring_base(&c, 1), 20002);
    state_req(&c, true, VHU_REQ_SET_VRING_BASE, 1, 20002);
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 1, new_eventfd());
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK_EQ(info.last_avail_idx, 20002);
    CHECK_EQ(vhu_dequeue_burst(c.dev, 1, &pkt, 1), 1);

    /* A guest that claims more than the ring holds past the used index is
     * still hostile: the vring breaks, at its first burst. */
    CHECK_EQ(get_vring_base(&c, 1), 20003);
    r.used->idx = 100;
    r.avail->idx = 100 + RING_NUM + 1;
    state_req(&c, true, VHU_REQ_SET_VRING_BASE, 1, 0);
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 1, new_eventfd());
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK_EQ(info.last_avail_idx, 100);
    CHECK_EQ(vhu_dequeue_burst(c.dev, 1, &pkt, 1), 0);
    CHECK(!vhu_dev_vring_ready(c.dev, 1));
    CHECK_EQ(vhu_dev_vring_info(c.dev, 1, &info), 0);
    CHECK(info.broken);
    conn_destroy(&c);
    CHECK_EQ(close(memfd), 0);
    CHECK_EQ(munmap(map, MEMFD_SIZE), 0);
}

/* Where a frontend shrinks guest memory under us. */
enum shrink_case {
    SHRINK_POLL,                /* Polling avail->idx, no traffic. */
    SHRINK_DEQUEUE,             /* Copying a guest TX frame. */
    SHRINK_ENQUEUE,             /* Copying into a guest RX buffer. */
    SHRINK_ENABLE,              /* SET_VRING_ENABLE, in the control thread. */
};

/* Sets up both vrings of queue pair 0 (vring 1 left disabled for
 * SHRINK_ENABLE), shrinks the memfd and touches guest memory as 'sc' says.
 * The process must survive, and the device must drop the connection and
 * release everything. */
static void
check_shrink(enum shrink_case sc)
{
    uint64_t faults = vhu_guard_faults();
    uint8_t buf[2048] = { 0 };
    struct vhu_pkt pkt = { .data = buf, .size = sizeof buf, .len = 60 };
    struct vhu_dev_stats stats;
    uint8_t *map;
    int memfd = guest_memfd(&map);
    struct conn c;

    conn_create(&c, "shrink");
    negotiate_default(&c);
    set_mem(&c, 0, dup(memfd));
    start_vring(&c, 0, 0);
    if (sc == SHRINK_ENABLE) {
        struct vhu_vring_addr a = ring_addr(1, 0);

        state_req(&c, true, VHU_REQ_SET_VRING_NUM, 1, RING_NUM);
        expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &a, sizeof a, NULL, 0);
        file_req(&c, true, VHU_REQ_SET_VRING_KICK, 1, new_eventfd());
    } else {
        start_vring(&c, 1, 0);
    }
    post_buffers(map, 0, 0, 4, 2048, true);
    post_buffers(map, 1, 0, 4, 12 + 60, false);
    CHECK_EQ(munmap(map, MEMFD_SIZE), 0);   /* We must not fault either. */

    /* Keep the rings, lose the buffers; or lose everything. */
    CHECK_EQ(ftruncate(memfd, sc == SHRINK_DEQUEUE || sc == SHRINK_ENQUEUE
                              ? REG_OFFSET + BUF_OFS : 0), 0);
    switch (sc) {
    case SHRINK_POLL:
        CHECK_EQ(vhu_dequeue_burst(c.dev, 1, &pkt, 1), 0);
        break;
    case SHRINK_DEQUEUE:
        vhu_dequeue_burst(c.dev, 1, &pkt, 1);
        break;
    case SHRINK_ENQUEUE:
        vhu_enqueue_burst(c.dev, 0, &pkt, 1, NULL);
        break;
    case SHRINK_ENABLE: {
        struct vhu_vring_state s = { .index = 1, .num = 1 };

        send_msg(&c, VHU_REQ_SET_VRING_ENABLE, VHU_FLAG_VERSION, &s,
                 sizeof s, NULL, 0);
        break;
    }
    }
    CHECK(vhu_guard_faults() > faults);

    /* The control side closes the connection and unmaps everything. */
    vhu_dev_run(c.dev);
    CHECK(!vhu_dev_is_connected(c.dev));
    vhu_dev_get_stats(c.dev, &stats);
    CHECK_EQ(stats.mem_faults, 1);
    CHECK_EQ(test_count_fds(), conn_base(&c) - 1);
    CHECK_EQ(new_maps(&c), -1);         /* Ours is gone too. */
    CHECK(!vhu_dev_vring_ready(c.dev, 0) && !vhu_dev_vring_ready(c.dev, 1));

    /* A new frontend gets a working device. */
    CHECK_EQ(close(c.fd), 0);
    conn_connect(&c);
    negotiate_default(&c);
    conn_destroy(&c);
    CHECK_EQ(close(memfd), 0);
}

static void
test_shrink_poll(void)
{
    check_shrink(SHRINK_POLL);
}

static void
test_shrink_dequeue(void)
{
    check_shrink(SHRINK_DEQUEUE);
}

static void
test_shrink_enqueue(void)
{
    check_shrink(SHRINK_ENQUEUE);
}

static void
test_shrink_enable(void)
{
    check_shrink(SHRINK_ENABLE);
}

/* Log lines captured by capture_log(). */
static int n_warn_rejected, n_warn_other, n_debug;

static void
capture_log(int level, const char *msg)
{
    if (strstr(msg, "suppressed")) {
        return;
    } else if (level == VHU_LOG_DBG) {
        n_debug++;
    } else if (strstr(msg, "rejected")) {
        n_warn_rejected++;
    } else if (level == VHU_LOG_WARN) {
        n_warn_other++;
    }
}

static long long
elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return ((now.tv_sec - start->tv_sec) * 1000
            + (now.tv_nsec - start->tv_nsec) / 1000000);
}

static bool
only_warnings(int level)
{
    return level <= VHU_LOG_WARN;
}

/* A flood of one kind of line cannot hide another kind, and lines below
 * the level the sink wants cost no budget. */
static void
test_log_rate_limits(void)
{
    struct vhu_vring_addr bad = ring_addr(1, 0);
    uint8_t *map;
    int memfd = guest_memfd(&map);
    struct conn c;

    struct timespec start;

    vhu_set_log_fn(capture_log);
    vhu_set_log_enabled_fn(only_warnings);
    conn_create(&c, "log");
    negotiate_default(&c);
    set_mem(&c, 0, dup(memfd));
    /* 10 lines at once, then one a second. */
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < 100; i++) {
        u64_req(&c, false, VHU_REQ_SET_FEATURES, UINT64_MAX);
    }
    CHECK(n_warn_rejected >= 10);
    CHECK(n_warn_rejected <= 10 + elapsed_ms(&start) / 1000 + 1);
    CHECK_EQ(n_debug, 0);

    /* Another kind of warning still gets through: rings outside memory. */
    bad.used_uaddr = region(1).uaddr;
    state_req(&c, true, VHU_REQ_SET_VRING_NUM, 1, RING_NUM);
    expect_ok(&c, VHU_REQ_SET_VRING_ADDR, &bad, sizeof bad, NULL, 0);
    file_req(&c, true, VHU_REQ_SET_VRING_KICK, 1, new_eventfd());
    state_req(&c, true, VHU_REQ_SET_VRING_ENABLE, 1, 1);
    CHECK_EQ(n_warn_other, 1);

    /* With debug enabled, every message logs a debug line, up to its own
     * limit; the warning budget is untouched by them. */
    vhu_set_log_enabled_fn(NULL);
    vhu_set_log_level(VHU_LOG_DBG);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int i = 0; i < 1000; i++) {
        get_u64(&c, VHU_REQ_GET_FEATURES);
    }
    CHECK(n_debug >= 200);
    CHECK(n_debug <= 200 + elapsed_ms(&start) / 100 + 1);
    vhu_set_log_level(VHU_LOG_INFO);
    conn_destroy(&c);
    CHECK_EQ(close(memfd), 0);
    CHECK_EQ(munmap(map, MEMFD_SIZE), 0);
}

const struct test_case test_msg_cases[] = {
    { "msg-connect", test_connect },
    { "msg-second-frontend", test_second_frontend },
    { "msg-features", test_features },
    { "msg-protocol-features", test_protocol_features },
    { "msg-reply-ack", test_reply_ack },
    { "msg-owner", test_owner },
    { "msg-queue-num", test_queue_num },
    { "msg-mem-table", test_mem_table },
    { "msg-mem-table-same", test_mem_table_same },
    { "msg-mem-table-remap", test_mem_table_remap },
    { "msg-mem-table-bad-count", test_mem_table_bad_count },
    { "msg-mem-table-bad-fds", test_mem_table_bad_fds },
    { "msg-mem-table-bad-regions", test_mem_table_bad_regions },
    { "msg-mem-slots-gated", test_mem_slots_gated },
    { "msg-mem-reg", test_mem_reg },
    { "msg-mem-reg-bad", test_mem_reg_bad },
    { "msg-mem-reg-per-queue-pair", test_mem_reg_per_queue_pair },
    { "msg-vring-num", test_vring_num },
    { "msg-vring-addr", test_vring_addr },
    { "msg-vring-base", test_vring_base },
    { "msg-vring-kick", test_vring_kick },
    { "msg-vring-call", test_vring_call },
    { "msg-vring-err", test_vring_err },
    { "msg-vring-enable", test_vring_enable },
    { "msg-vring-index", test_vring_index },
    { "msg-mtu", test_mtu },
    { "msg-status", test_status },
    { "msg-log", test_log },
    { "msg-unsupported", test_unsupported },
    { "msg-unknown", test_unknown },
    { "msg-bad-size", test_bad_size },
    { "msg-reply-closes", test_reply_closes },
    { "msg-bad-flags", test_bad_flags },
    { "msg-too-big", test_too_big },
    { "msg-too-many-fds", test_too_many_fds },
    { "msg-partial", test_partial },
    { "msg-setup", test_setup },
    { "msg-client", test_client },
    { "msg-vring-resync", test_vring_resync },
    { "msg-shrink-poll", test_shrink_poll },
    { "msg-shrink-dequeue", test_shrink_dequeue },
    { "msg-shrink-enqueue", test_shrink_enqueue },
    { "msg-shrink-enable", test_shrink_enable },
    { "msg-log-rate-limits", test_log_rate_limits },
    { NULL, NULL },
};
