/*
 * fuzz-dispatch.c: fuzz target for the vhost-user message dispatcher
 * (lib/vhu-msg.c, lib/vhu-dev.c, lib/vhu-socket.c), with the memory and
 * ring code behind it.
 *
 * Each input creates a real device (server or client role) on a real UNIX
 * socket, connects to it, and plays a sequence of operations decoded as
 * fuzz-enc.h describes: arbitrary and well-formed messages carrying real
 * fds (a memfd of guest memory, an eventfd, a pipe, a short memfd), raw
 * bytes, reconnects, writes of descriptors and avail entries into guest
 * memory, and dequeue/enqueue bursts.  After each operation the device
 * handles what arrived (vhu_dev_run()) and we drain its replies.
 *
 * Checked: burst results fit the caller's buffers and counts, introspection
 * stays consistent, events name valid vrings, and once the device is
 * destroyed no fd and no guest-memory mapping is left behind (a leak
 * traps, which libFuzzer reports as a crash).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz-enc.h"
#include "fuzz-util.h"
#include "vhu.h"
#include "vhu-proto.h"
#include "vhu-socket.h"

#define N_SHADOW 8              /* Vrings whose layout we remember. */

/* What we last told the device about a vring, to write its rings. */
struct shadow {
    uint32_t num;
    uint64_t desc_uaddr, avail_uaddr;
    uint16_t avail_idx;
};

struct world {
    struct vhu_dev *dev;
    int fd;                     /* Our end of the connection, or -1. */
    int listen_fd;              /* Client role: our listening socket. */
    int max_vrings;
    bool client;
    struct shadow shadow[N_SHADOW];
};

static int pool[N_DFD];
static uint8_t *guest;          /* The guest memfd, mapped here. */
static char sock_path[108];

static void
init_once(void)
{
    int pipe_fds[2];

    fuzz_quiet_log();
    pool[DFD_GUEST] = fuzz_memfd("guest", GUEST_SIZE);
    pool[DFD_EVENT] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (pipe(pipe_fds)) {
        abort();
    }
    close(pipe_fds[1]);
    pool[DFD_PIPE] = pipe_fds[0];
    pool[DFD_SMALL] = fuzz_memfd("small", 4096);
    guest = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
                 pool[DFD_GUEST], 0);
    if (guest == MAP_FAILED) {
        abort();
    }
    snprintf(sock_path, sizeof sock_path, "%s/vhu-fuzz-%ld.sock",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long) getpid());
}

static void
event_cb(void *aux, struct vhu_dev *dev, enum vhu_event ev, int vring)
{
    struct world *w = aux;

    FUZZ_CHECK(ev >= VHU_EV_CONNECTED && ev <= VHU_EV_MEM_CHANGED);
    FUZZ_CHECK(ev != VHU_EV_VRING_CHANGED
               || (vring >= 0 && vring < w->max_vrings));
}

/* Reads and discards whatever the device sent us. */
static void
drain_replies(struct world *w)
{
    for (int i = 0; w->fd >= 0 && i < 64; i++) {
        union vhu_cmsg_buf cbuf;
        char buf[4096];
        struct iovec iov = { buf, sizeof buf };
        struct msghdr mh = {
            .msg_iov = &iov, .msg_iovlen = 1,
            .msg_control = cbuf.buf, .msg_controllen = sizeof cbuf.buf,
        };
        struct cmsghdr *cm;

        if (recvmsg(w->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0) {
            return;
        }
        for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
            if (cm->cmsg_type == SCM_RIGHTS) {
                int n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                vhu_close_fds((int *) CMSG_DATA(cm), n);
            }
        }
    }
}

static void
check_introspection(struct world *w)
{
    struct vhu_mem_info mi[4];
    struct vhu_dev_stats st;
    int n_vrings = vhu_dev_n_vrings(w->dev);

    FUZZ_CHECK(n_vrings >= 0 && n_vrings <= w->max_vrings);
    FUZZ_CHECK(vhu_dev_n_ready_pairs(w->dev) <= w->max_vrings / 2);
    FUZZ_CHECK(vhu_dev_mem_info(w->dev, mi, 4) >= 0);
    for (int i = 0; i < w->max_vrings && i < N_SHADOW; i++) {
        struct vhu_vring_info info;

        FUZZ_CHECK(!vhu_dev_vring_info(w->dev, i, &info));
        FUZZ_CHECK(!info.ready || (info.size && info.started));
        FUZZ_CHECK(!(info.size & (info.size - 1)));
    }
    vhu_dev_get_stats(w->dev, &st);
    FUZZ_CHECK(st.msgs_rejected <= st.msgs);
}

/* Lets the device handle what we sent, then reads its replies. */
static void
run_device(struct world *w)
{
    vhu_dev_run(w->dev);
    drain_replies(w);
    check_introspection(w);
}

/* Connects us and the device, in either role. */
static void
connect_world(struct world *w)
{
    if (!w->client) {
        if (!vhu_sock_connect(sock_path, 1, &w->fd)) {
            vhu_dev_run(w->dev);        /* Accepts. */
        }
        return;
    }
    /* Client role: the device connects after its backoff (1 ms). */
    for (int i = 0; i < 100 && w->fd < 0; i++) {
        vhu_dev_run(w->dev);
        if (vhu_sock_accept(w->listen_fd, &w->fd) && i) {
            usleep(200);
        }
    }
}

static void
disconnect_world(struct world *w, bool by_device)
{
    if (by_device) {
        vhu_dev_disconnect(w->dev);
    }
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    vhu_dev_run(w->dev);                /* Sees the end of file. */
    memset(w->shadow, 0, sizeof w->shadow);
}

/* Reconnects first if the device closed the connection. */
static void
ensure_connected(struct world *w)
{
    if (!vhu_dev_is_connected(w->dev) || w->fd < 0) {
        disconnect_world(w, false);
        connect_world(w);
    }
}

static void
send_msg(struct world *w, uint32_t request, uint32_t flags,
         const void *payload, uint32_t size, const int *fds, int n_fds)
{
    struct vhu_msg_hdr hdr = { request, flags, size };

    ensure_connected(w);
    if (w->fd >= 0) {
        vhu_sock_send(w->fd, &hdr, payload, fds, n_fds, 0);
    }
    run_device(w);
}

static uint32_t
std_flags(bool need_reply)
{
    return VHU_FLAG_VERSION | (need_reply ? VHU_FLAG_NEED_REPLY : 0);
}

static int
read_fd(struct fuzz_input *in)
{
    return pool[fuzz_u8(in) % N_DFD];
}

static void
op_msg(struct world *w, struct fuzz_input *in)
{
    static uint8_t payload[2 * VHU_MAX_PAYLOAD];
    uint32_t request = fuzz_u8(in), flags, size;
    uint8_t fl, n_fds;
    int fds[16];

    if (request >= 64) {
        request = fuzz_u32(in);
    }
    fl = fuzz_u8(in);
    flags = fl & 0x80 ? fuzz_u32(in) : std_flags(fl & 1);
    size = fuzz_u8(in);
    if (size == 255) {
        size = fuzz_u16(in) % sizeof payload;
    }
    fuzz_bytes(in, payload, size);
    n_fds = fuzz_u8(in) % 16;
    for (int i = 0; i < n_fds; i++) {
        fds[i] = read_fd(in);
    }
    if (n_fds > VHU_MAX_FDS || size > VHU_MAX_PAYLOAD) {
        /* vhu_sock_send() refuses these: send the bytes ourselves. */
        struct vhu_msg_hdr hdr = { request, flags, size };
        union { char buf[CMSG_SPACE(sizeof fds)]; struct cmsghdr a; } cbuf;
        struct iovec iov[2] = { { &hdr, sizeof hdr }, { payload, size } };
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

        if (n_fds) {
            struct cmsghdr *cm;

            mh.msg_control = cbuf.buf;
            mh.msg_controllen = CMSG_SPACE(n_fds * sizeof(int));
            cm = CMSG_FIRSTHDR(&mh);
            cm->cmsg_level = SOL_SOCKET;
            cm->cmsg_type = SCM_RIGHTS;
            cm->cmsg_len = CMSG_LEN(n_fds * sizeof(int));
            memcpy(CMSG_DATA(cm), fds, n_fds * sizeof(int));
        }
        ensure_connected(w);
        if (w->fd >= 0) {
            sendmsg(w->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        run_device(w);
        return;
    }
    send_msg(w, request, flags, payload, size, fds, n_fds);
}

/* Reads a region description (see fuzz-enc.h) and its fd. */
static void
read_region(struct fuzz_input *in, struct vhu_mem_region_desc *d, int *fd)
{
    uint64_t page = fuzz_u8(in), pages = fuzz_u8(in) + 1;
    uint8_t flags = fuzz_u8(in);

    d->gpa = flags & DREG_RAW_GPA ? fuzz_u64(in) : GUEST_GPA + page * 4096;
    d->size = flags & DREG_RAW_SIZE ? fuzz_u64(in) : pages * 4096;
    d->uaddr = (flags & DREG_RAW_UADDR ? fuzz_u64(in)
                : GUEST_UADDR + page * 4096);
    d->mmap_offset = flags & DREG_RAW_OFFSET ? fuzz_u64(in) : page * 4096;
    *fd = flags & DREG_FD ? read_fd(in) : pool[DFD_GUEST];
}

static void
op_mem_table(struct world *w, struct fuzz_input *in)
{
    struct vhu_mem_table_desc t;
    uint8_t flags = fuzz_u8(in);
    uint32_t n = fuzz_u8(in) % 10;
    int fds[10];

    memset(&t, 0, sizeof t);
    t.n_regions = n;
    for (uint32_t i = 0; i < n; i++) {
        struct vhu_mem_region_desc d;

        read_region(in, &d, &fds[i]);
        if (i < VHU_MEM_TABLE_MAX_REGIONS) {
            t.regions[i] = d;
        }
    }
    send_msg(w, VHU_REQ_SET_MEM_TABLE, std_flags(flags & 1), &t,
             n <= VHU_MEM_TABLE_MAX_REGIONS ? 8 + n * 32 : sizeof t, fds,
             n <= VHU_MAX_FDS ? n : VHU_MAX_FDS);
}

static void
op_mem_reg(struct world *w, struct fuzz_input *in)
{
    uint8_t how = fuzz_u8(in);
    struct vhu_mem_reg_msg m = { 0 };
    int fd;

    read_region(in, &m.region, &fd);
    send_msg(w, how & 1 ? VHU_REQ_REM_MEM_REG : VHU_REQ_ADD_MEM_REG,
             std_flags(how & 2), &m, sizeof m, &fd, how & 4 ? 0 : 1);
}

static uint64_t
addr16(struct fuzz_input *in)
{
    return (uint64_t) fuzz_u16(in) * 4;
}

static void
vring_fd_msg(struct world *w, uint32_t request, uint32_t vring,
             struct fuzz_input *in)
{
    uint8_t sel = fuzz_u8(in);
    uint64_t u64 = vring | (sel ? 0 : VHU_VRING_NOFD);
    int fd = sel ? pool[(sel - 1) % N_DFD] : -1;

    send_msg(w, request, std_flags(sel & 0x80), &u64, sizeof u64, &fd,
             sel ? 1 : 0);
}

static void
op_vring(struct world *w, struct fuzz_input *in)
{
    uint32_t vring = fuzz_u8(in);
    struct shadow *sh = vring < N_SHADOW ? &w->shadow[vring] : NULL;
    struct vhu_vring_state st = { vring, 0 };

    switch (fuzz_u8(in) % N_DVR) {
    case DVR_NUM: {
        uint8_t l = fuzz_u8(in);

        st.num = l & 0x80 ? fuzz_u32(in) : 1u << (l % 16);
        if (sh) {
            sh->num = st.num;
        }
        send_msg(w, VHU_REQ_SET_VRING_NUM, std_flags(l & 0x40), &st,
                 sizeof st, NULL, 0);
        break;
    }
    case DVR_ADDR: {
        struct vhu_vring_addr a = { .index = vring };

        a.desc_uaddr = GUEST_UADDR + addr16(in);
        a.avail_uaddr = GUEST_UADDR + addr16(in);
        a.used_uaddr = GUEST_UADDR + addr16(in);
        a.flags = fuzz_u8(in) % 4;
        if (sh) {
            sh->desc_uaddr = a.desc_uaddr;
            sh->avail_uaddr = a.avail_uaddr;
        }
        send_msg(w, VHU_REQ_SET_VRING_ADDR, std_flags(true), &a, sizeof a,
                 NULL, 0);
        break;
    }
    case DVR_BASE:
        st.num = fuzz_u32(in);
        if (sh) {
            sh->avail_idx = st.num;
        }
        send_msg(w, VHU_REQ_SET_VRING_BASE, std_flags(false), &st,
                 sizeof st, NULL, 0);
        break;
    case DVR_KICK:
        vring_fd_msg(w, VHU_REQ_SET_VRING_KICK, vring, in);
        break;
    case DVR_CALL:
        vring_fd_msg(w, VHU_REQ_SET_VRING_CALL, vring, in);
        break;
    case DVR_ERR:
        vring_fd_msg(w, VHU_REQ_SET_VRING_ERR, vring, in);
        break;
    case DVR_ENABLE:
        st.num = fuzz_u8(in) % 3;
        send_msg(w, VHU_REQ_SET_VRING_ENABLE, std_flags(false), &st,
                 sizeof st, NULL, 0);
        break;
    case DVR_GET_BASE:
        send_msg(w, VHU_REQ_GET_VRING_BASE, std_flags(false), &st,
                 sizeof st, NULL, 0);
        break;
    }
}

static void
op_set(struct world *w, struct fuzz_input *in)
{
    static const uint32_t requests[] = {
        VHU_REQ_SET_FEATURES, VHU_REQ_SET_PROTOCOL_FEATURES,
        VHU_REQ_NET_SET_MTU, VHU_REQ_SET_STATUS,
    };
    uint8_t what = fuzz_u8(in) % 4;
    uint64_t value = fuzz_u64(in);
    uint8_t mask = fuzz_u8(in);

    if (mask & 1 && what == 0) {
        value &= vhu_default_features();
    } else if (mask & 1 && what == 1) {
        value &= vhu_default_protocol_features();
    }
    send_msg(w, requests[what], std_flags(mask & 2), &value, sizeof value,
             NULL, 0);
}

static void
op_get(struct world *w, struct fuzz_input *in)
{
    static const uint32_t requests[] = {
        VHU_REQ_GET_FEATURES, VHU_REQ_GET_PROTOCOL_FEATURES,
        VHU_REQ_GET_QUEUE_NUM, VHU_REQ_GET_MAX_MEM_SLOTS,
        VHU_REQ_GET_STATUS, VHU_REQ_SET_OWNER, VHU_REQ_RESET_OWNER,
    };

    send_msg(w, requests[fuzz_u8(in) % 7], std_flags(false), NULL, 0, NULL,
             0);
}

/* Writes 'len' bytes at offset 'ofs' of guest memory, clipped to it. */
static void
guest_write(uint64_t ofs, const void *data, size_t len)
{
    if (ofs < GUEST_SIZE) {
        memcpy(guest + ofs, data,
               len < GUEST_SIZE - ofs ? len : GUEST_SIZE - ofs);
    }
}

/* The ring size we last set for 'sh''s vring, or 1. */
static uint32_t
shadow_num(const struct shadow *sh)
{
    return sh->num && sh->num <= VHU_MAX_RING_SIZE ? sh->num : 1;
}

static void
ring_desc(struct shadow *sh, struct fuzz_input *in)
{
    uint16_t idx = fuzz_u16(in) % shadow_num(sh);
    struct vhu_desc d;

    d.addr = GUEST_GPA + addr16(in);
    d.len = fuzz_u16(in);
    d.flags = fuzz_u8(in);
    d.next = fuzz_u16(in);
    guest_write(sh->desc_uaddr - GUEST_UADDR + idx * sizeof d, &d, sizeof d);
}

static void
ring_avail(struct shadow *sh, struct fuzz_input *in)
{
    uint16_t head = fuzz_u16(in);
    uint64_t avail = sh->avail_uaddr - GUEST_UADDR;

    guest_write(avail + 4 + (sh->avail_idx % shadow_num(sh)) * 2, &head,
                sizeof head);
    sh->avail_idx++;
    if (avail < GUEST_SIZE - 4) {
        /* Release: the entry is visible before the index. */
        __atomic_store_n((uint16_t *) (guest + avail + 2), sh->avail_idx,
                         __ATOMIC_RELEASE);
    }
}

static void
op_ring(struct world *w, struct fuzz_input *in)
{
    uint8_t what = fuzz_u8(in) % 3;

    if (what == 2) {
        uint8_t buf[256];
        uint64_t ofs = addr16(in);
        uint8_t len = fuzz_u8(in);

        fuzz_bytes(in, buf, len);
        guest_write(ofs, buf, len);
    } else {
        struct shadow *sh = &w->shadow[fuzz_u8(in) % N_SHADOW];

        if (what == 0) {
            ring_desc(sh, in);
        } else {
            ring_avail(sh, in);
        }
    }
}

static void
op_burst(struct world *w, struct fuzz_input *in)
{
    int vring = fuzz_u8(in) % N_SHADOW;
    uint8_t how = fuzz_u8(in);
    uint32_t size = fuzz_u16(in) % 10000;
    int n = 1 + (how >> 1) % 8;
    struct vhu_pkt pkts[8];
    int done, dropped;

    for (int i = 0; i < n; i++) {
        pkts[i].data = malloc(size ? size : 1);
        pkts[i].size = size;
        pkts[i].len = how & 1 ? size : UINT32_MAX;
        memset(pkts[i].data, i, size);
    }
    if (how & 1) {
        done = vhu_enqueue_burst(w->dev, vring, pkts, n, &dropped);
        FUZZ_CHECK(done >= 0 && done <= n);
        FUZZ_CHECK(dropped >= 0 && dropped <= done);
    } else {
        done = vhu_dequeue_burst(w->dev, vring, pkts, n);
        FUZZ_CHECK(done >= 0 && done <= n);
        for (int i = 0; i < done; i++) {
            FUZZ_CHECK(pkts[i].len <= pkts[i].size);
        }
    }
    if (fuzz_verbose()) {
        fprintf(stderr, "burst: vring %d, %s %d of %d\n", vring,
                how & 1 ? "enqueued" : "dequeued", done, n);
    }
    for (int i = 0; i < n; i++) {
        free(pkts[i].data);
    }
    check_introspection(w);
}

static void
op_bytes(struct world *w, struct fuzz_input *in)
{
    uint8_t buf[256], len = fuzz_u8(in);
    int fds[3], n_fds;

    fuzz_bytes(in, buf, len);
    n_fds = fuzz_u8(in) % 4;
    for (int i = 0; i < n_fds; i++) {
        fds[i] = read_fd(in);
    }
    ensure_connected(w);
    if (w->fd >= 0 && len) {
        struct iovec iov = { buf, len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        union vhu_cmsg_buf cbuf;

        if (n_fds) {
            vhu_sock_attach_fds(&mh, &cbuf, fds, n_fds);
        }
        sendmsg(w->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    run_device(w);
}

static void
play(struct world *w, struct fuzz_input *in)
{
    while (!fuzz_input_done(in)) {
        switch (fuzz_u8(in) % N_DOPS) {
        case DOP_MSG: op_msg(w, in); break;
        case DOP_MEM_TABLE: op_mem_table(w, in); break;
        case DOP_MEM_REG: op_mem_reg(w, in); break;
        case DOP_VRING: op_vring(w, in); break;
        case DOP_SET: op_set(w, in); break;
        case DOP_GET: op_get(w, in); break;
        case DOP_RING: op_ring(w, in); break;
        case DOP_BURST: op_burst(w, in); break;
        case DOP_BYTES: op_bytes(w, in); break;
        case DOP_RECONNECT:
            disconnect_world(w, fuzz_u8(in) & 1);
            connect_world(w);
            break;
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool inited;
    struct world w = { .fd = -1, .listen_fd = -1 };
    struct vhu_dev_config cfg = {
        .path = sock_path, .reconnect_min_ms = 1, .reconnect_max_ms = 1,
        .event_cb = event_cb, .aux = &w,
    };
    struct fuzz_input in;
    uint8_t config;
    int fds, maps;

    if (!inited) {
        init_once();
        inited = true;
    }
    fds = fuzz_count_fds();
    maps = fuzz_count_memfd_maps();
    memset(guest, 0, GUEST_SIZE);

    fuzz_input_init(&in, data, size);
    config = fuzz_u8(&in);
    cfg.max_queue_pairs = (config & DCFG_QP_MAX ? 0
                           : (config & DCFG_QP_MASK) + 1);
    w.max_vrings = 2 * (cfg.max_queue_pairs ? cfg.max_queue_pairs
                                            : VHU_MAX_QUEUE_PAIRS);
    if (config & DCFG_NO_PF) {
        cfg.features = (vhu_default_features()
                        & ~VHU_BIT(VHU_F_PROTOCOL_FEATURES));
    }
    w.client = cfg.client = config & DCFG_CLIENT;
    if (w.client && vhu_sock_listen(sock_path, &w.listen_fd)) {
        abort();
    }
    if (vhu_dev_create(&cfg, &w.dev)) {
        abort();
    }
    connect_world(&w);
    play(&w, &in);

    vhu_dev_destroy(w.dev);
    if (w.fd >= 0) {
        close(w.fd);
    }
    if (w.listen_fd >= 0) {
        close(w.listen_fd);
        unlink(sock_path);
    }
    FUZZ_CHECK(fuzz_count_fds() == fds);
    FUZZ_CHECK(fuzz_count_memfd_maps() == maps);
    return 0;
}
