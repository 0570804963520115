/*
 * vhu-front.c: a vhost-user frontend toolkit: guest memory, the control
 * connection, negotiation and the driver side of split virtqueues.
 *
 * Used by utilities/vhu-peer and by the unit tests as a "fake guest"; see
 * vhu-front.h.  Talks to any vhost-user backend through lib/vhu-socket.c.
 */
#include "vhu-front.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#define VHF_PAGE 4096u

/* virtio device status bits (SET_STATUS). */
#define VHF_STATUS_ACKNOWLEDGE 1
#define VHF_STATUS_DRIVER      2
#define VHF_STATUS_DRIVER_OK   4
#define VHF_STATUS_FEATURES_OK 8

static uint64_t
vhf_round_up(uint64_t x, uint64_t align)
{
    return (x + align - 1) & ~(align - 1);
}

static long long
vhf_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
vhf_deadline(int timeout_ms)
{
    return timeout_ms < 0 ? LLONG_MAX : vhf_now_ms() + timeout_ms;
}

/* ---------------------------------------------------------------------- */
/* Guest memory. */

void
vhf_mem_opts_init(struct vhf_mem_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->gpa_base = 0x100000;
    opts->gpa_hole = 0x200000;
}

/* Computes 'n' region sizes for 'total' bytes into 'out'. */
static int
vhf_mem_split(uint64_t total, int n, const uint64_t *sizes, uint64_t *out)
{
    uint64_t sum = 0;

    if (n < 1 || n > VHU_MEM_TABLE_MAX_REGIONS) {
        return EINVAL;
    }
    if (sizes) {
        for (int i = 0; i < n; i++) {
            if (!sizes[i] || sizes[i] % VHF_PAGE) {
                return EINVAL;
            }
            out[i] = sizes[i];
            sum += sizes[i];
        }
        return sum == total ? 0 : EINVAL;
    }

    uint64_t each = (total / n) & ~(uint64_t) (VHF_PAGE - 1);
    if (!each) {
        return EINVAL;
    }
    for (int i = 0; i < n; i++) {
        out[i] = i == n - 1 ? total - each * (n - 1) : each;
    }
    return 0;
}

/* Lays out the regions (offsets, gpas, fds, mmap offsets), not pointers. */
static void
vhf_mem_layout(struct vhf_mem *mem, int n, const uint64_t *sizes,
               uint64_t gpa_base, uint64_t gpa_hole)
{
    uint64_t offset = 0;
    uint64_t gpa = gpa_base;

    mem->n_regions = n;
    for (int i = 0; i < n; i++) {
        struct vhf_region *r = &mem->regions[i];

        r->offset = offset;
        r->size = sizes[i];
        r->gpa = gpa;
        r->fd = mem->fd_per_region ? mem->fds[i] : mem->fds[0];
        r->mmap_offset = mem->fd_per_region ? 0 : offset;
        offset += sizes[i];
        gpa += sizes[i] + gpa_hole;
    }
}

/* Bytes of memfd 'i'. */
static uint64_t
vhf_mem_fd_size(const struct vhf_mem *mem, int i)
{
    return mem->fd_per_region ? mem->regions[i].size : mem->total;
}

/* Maps every memfd and points the regions into the mappings. */
static int
vhf_mem_map(struct vhf_mem *mem, int64_t uaddr_bias)
{
    for (int i = 0; i < mem->n_fds; i++) {
        void *p = mmap(NULL, vhf_mem_fd_size(mem, i), PROT_READ | PROT_WRITE,
                       MAP_SHARED, mem->fds[i], 0);

        if (p == MAP_FAILED) {
            return errno;
        }
        mem->maps[i] = p;
    }
    for (int i = 0; i < mem->n_regions; i++) {
        struct vhf_region *r = &mem->regions[i];

        r->ptr = mem->fd_per_region ? mem->maps[i] : mem->maps[0] + r->offset;
        r->uaddr = (uint64_t) (uintptr_t) r->ptr + uaddr_bias;
    }
    mem->uaddr_bias = uaddr_bias;
    return 0;
}

static int
vhf_memfd(uint64_t size, int *fdp)
{
    int fd = memfd_create("vhu-front", MFD_CLOEXEC);

    if (fd < 0) {
        return errno;
    }
    if (ftruncate(fd, size) < 0) {
        int error = errno;
        close(fd);
        return error;
    }
    *fdp = fd;
    return 0;
}

int
vhf_mem_create(size_t total_, int n_regions,
               const struct vhf_mem_opts *opts_, struct vhf_mem **memp)
{
    uint64_t sizes[VHU_MEM_TABLE_MAX_REGIONS];
    uint64_t total = vhf_round_up(total_, VHF_PAGE);
    struct vhf_mem_opts opts;
    struct vhf_mem *mem;
    int error;

    *memp = NULL;
    if (opts_) {
        opts = *opts_;
    } else {
        vhf_mem_opts_init(&opts);
    }
    error = vhf_mem_split(total, n_regions, opts.sizes, sizes);
    if (error) {
        return error;
    }

    mem = calloc(1, sizeof *mem);
    if (!mem) {
        return ENOMEM;
    }
    mem->total = total;
    mem->fd_per_region = opts.fd_per_region;
    mem->spread = opts.spread;
    mem->n_fds = opts.fd_per_region ? n_regions : 1;
    for (int i = 0; i < VHU_MEM_TABLE_MAX_REGIONS; i++) {
        mem->fds[i] = -1;
    }
    for (int i = 0; i < mem->n_fds; i++) {
        error = vhf_memfd(opts.fd_per_region ? sizes[i] : total,
                          &mem->fds[i]);
        if (error) {
            goto fail;
        }
    }
    vhf_mem_layout(mem, n_regions, sizes, opts.gpa_base, opts.gpa_hole);
    error = vhf_mem_map(mem, opts.uaddr_bias);
    if (error) {
        goto fail;
    }
    for (int i = 0; i < n_regions; i++) {
        mem->alloc_cursor[i] = mem->regions[i].offset;
    }
    *memp = mem;
    return 0;

fail:
    vhf_mem_destroy(mem);
    return error;
}

void
vhf_mem_destroy(struct vhf_mem *mem)
{
    if (!mem) {
        return;
    }
    for (int i = 0; i < mem->n_fds; i++) {
        if (mem->maps[i]) {
            munmap(mem->maps[i], vhf_mem_fd_size(mem, i));
        }
        if (mem->fds[i] >= 0) {
            close(mem->fds[i]);
        }
    }
    free(mem);
}

/* Index of the region holding 'gpa', or -1. */
static int
vhf_mem_find_gpa(const struct vhf_mem *mem, uint64_t gpa)
{
    for (int i = 0; i < mem->n_regions; i++) {
        const struct vhf_region *r = &mem->regions[i];

        if (gpa >= r->gpa && gpa - r->gpa < r->size) {
            return i;
        }
    }
    return -1;
}

void *
vhf_mem_gpa_to_ptr(const struct vhf_mem *mem, uint64_t gpa, uint64_t len)
{
    int i = vhf_mem_find_gpa(mem, gpa);

    if (i < 0) {
        return NULL;
    }
    const struct vhf_region *r = &mem->regions[i];
    uint64_t off = gpa - r->gpa;
    if (len > r->size - off) {
        return NULL;
    }
    return r->ptr + off;
}

uint64_t
vhf_mem_gpa_to_uaddr(const struct vhf_mem *mem, uint64_t gpa)
{
    int i = vhf_mem_find_gpa(mem, gpa);

    return i < 0 ? VHF_BAD_ADDR
                 : mem->regions[i].uaddr + (gpa - mem->regions[i].gpa);
}

/* Allocates as vhf_mem_alloc() does, in region 'region' only. */
static int
vhf_mem_alloc_in(struct vhf_mem *mem, int region, uint64_t size,
                 uint64_t align, uint64_t *gpap, void **ptrp)
{
    if (region < 0 || region >= mem->n_regions || !align
        || align & (align - 1)) {
        return EINVAL;
    }

    const struct vhf_region *r = &mem->regions[region];
    uint64_t off = vhf_round_up(mem->alloc_cursor[region], align);
    uint64_t end = r->offset + r->size;
    if (off < r->offset || off > end || size > end - off) {
        return ENOMEM;
    }
    mem->alloc_cursor[region] = off + size;
    if (off + size > mem->alloc_high) {
        mem->alloc_high = off + size;
    }

    uint8_t *p = r->ptr + (off - r->offset);
    memset(p, 0, size);
    if (gpap) {
        *gpap = r->gpa + (off - r->offset);
    }
    if (ptrp) {
        *ptrp = p;
    }
    return 0;
}

int
vhf_mem_alloc(struct vhf_mem *mem, uint64_t size, uint64_t align,
              uint64_t *gpap, void **ptrp)
{
    int n = mem->n_regions;
    int first = mem->spread ? mem->alloc_next % n : 0;

    for (int i = 0; i < n; i++) {
        int region = (first + i) % n;
        int error = vhf_mem_alloc_in(mem, region, size, align, gpap, ptrp);

        if (!error) {
            mem->alloc_next = (region + 1) % n;
        }
        if (error != ENOMEM) {
            return error;
        }
    }
    return ENOMEM;
}

void
vhf_mem_table(const struct vhf_mem *mem, struct vhu_mem_table_desc *table,
              int fds[VHU_MEM_TABLE_MAX_REGIONS])
{
    memset(table, 0, sizeof *table);
    table->n_regions = mem->n_regions;
    for (int i = 0; i < mem->n_regions; i++) {
        const struct vhf_region *r = &mem->regions[i];

        table->regions[i].gpa = r->gpa;
        table->regions[i].size = r->size;
        table->regions[i].uaddr = r->uaddr;
        table->regions[i].mmap_offset = r->mmap_offset;
        fds[i] = r->fd;
    }
}

int
vhf_mem_resplit(struct vhf_mem *mem, int n_regions, const uint64_t *sizes_,
                uint64_t gpa_hole)
{
    uint64_t sizes[VHU_MEM_TABLE_MAX_REGIONS];
    uint8_t *base = mem->regions[0].ptr;
    uint64_t gpa_base = mem->regions[0].gpa;
    int error;

    if (mem->fd_per_region) {
        return ENOTSUP;
    }
    error = vhf_mem_split(mem->total, n_regions, sizes_, sizes);
    if (error) {
        return error;
    }
    vhf_mem_layout(mem, n_regions, sizes, gpa_base, gpa_hole);
    for (int i = 0; i < n_regions; i++) {
        struct vhf_region *r = &mem->regions[i];
        uint64_t end = r->offset + r->size;

        r->ptr = base + r->offset;
        r->uaddr = (uint64_t) (uintptr_t) r->ptr + mem->uaddr_bias;
        mem->alloc_cursor[i] = (mem->alloc_high < r->offset ? r->offset
                                : mem->alloc_high > end ? end
                                : mem->alloc_high);
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* Connection. */

void
vhf_conn_opts_init(struct vhf_conn_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->connect_timeout_ms = 10000;
    opts->reply_timeout_ms = 5000;
}

/* True if 'cancel' says to stop waiting. */
static bool
vhf_cancelled(const volatile sig_atomic_t *cancel)
{
    return cancel && *cancel;
}

/* Waits until 'fd' reports one of 'events' or 'deadline' passes, calling
 * 'cb' (if nonnull) meanwhile.  Returns 0, ETIMEDOUT, ECANCELED (once
 * '*cancel' is nonzero; 'cancel' may be NULL) or an errno. */
static int
vhf_wait_fd(vhf_wait_cb *cb, void *aux, const volatile sig_atomic_t *cancel,
            int fd, short events, long long deadline)
{
    for (;;) {
        long long now, ms;
        struct pollfd pfd = { .fd = fd, .events = events };
        int n;

        if (vhf_cancelled(cancel)) {
            return ECANCELED;
        }
        if (cb) {
            cb(aux);
        }
        now = vhf_now_ms();
        if (deadline == LLONG_MAX) {
            ms = -1;
        } else {
            ms = deadline > now ? deadline - now : 0;
        }
        if (cb && (ms < 0 || ms > 1)) {
            ms = 1;
        } else if (cancel && (ms < 0 || ms > 100)) {
            /* A signal that came just before poll() does not wake it. */
            ms = 100;
        }
        n = poll(&pfd, 1, ms > INT_MAX ? INT_MAX : (int) ms);
        if (n > 0) {
            return 0;
        } else if (n < 0 && errno != EINTR) {
            return errno;
        } else if (n == 0 && vhf_now_ms() >= deadline) {
            return ETIMEDOUT;
        }
    }
}

static void
vhf_sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000,
                           .tv_nsec = (long) (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

static int
vhf_conn_new(int fd, const struct vhf_conn_opts *opts,
             struct vhf_conn **connp)
{
    struct vhf_conn *conn = calloc(1, sizeof *conn);
    int flags;

    if (!conn) {
        close(fd);
        return ENOMEM;
    }
    flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && !(flags & O_NONBLOCK)) {
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
    conn->fd = fd;
    conn->timeout_ms = opts->reply_timeout_ms;
    conn->wait_cb = opts->wait_cb;
    conn->wait_aux = opts->wait_aux;
    conn->cancel = opts->cancel;
    conn->max_queue_pairs = 1;
    vhu_msg_reader_init(&conn->reader);
    *connp = conn;
    return 0;
}

int
vhf_connect(const char *path, const struct vhf_conn_opts *opts_,
            struct vhf_conn **connp)
{
    struct vhf_conn_opts opts;
    long long deadline;

    *connp = NULL;
    if (opts_) {
        opts = *opts_;
    } else {
        vhf_conn_opts_init(&opts);
    }
    deadline = vhf_deadline(opts.connect_timeout_ms);
    for (;;) {
        int fd, error;

        error = vhu_sock_connect(path, 1, &fd);
        if (!error) {
            return vhf_conn_new(fd, &opts, connp);
        }
        if (error != ENOENT && error != ECONNREFUSED && error != EAGAIN) {
            return error;
        }
        if (vhf_cancelled(opts.cancel)) {
            return ECANCELED;
        }
        if (vhf_now_ms() >= deadline) {
            return ETIMEDOUT;
        }
        if (opts.wait_cb) {
            opts.wait_cb(opts.wait_aux);
            vhf_sleep_ms(1);
        } else {
            vhf_sleep_ms(50);
        }
    }
}

int
vhf_listen(const char *path, struct vhf_listener **listenerp)
{
    struct vhf_listener *listener;
    int fd, error;

    *listenerp = NULL;
    error = vhu_sock_listen(path, &fd);
    if (error) {
        return error;
    }
    listener = calloc(1, sizeof *listener);
    if (listener) {
        listener->path = strdup(path);
    }
    if (!listener || !listener->path) {
        free(listener);
        close(fd);
        unlink(path);
        return ENOMEM;
    }
    listener->fd = fd;
    *listenerp = listener;
    return 0;
}

int
vhf_listener_accept(struct vhf_listener *listener,
                    const struct vhf_conn_opts *opts_,
                    struct vhf_conn **connp)
{
    struct vhf_conn_opts opts;
    long long deadline;
    int fd = -1;
    int error;

    *connp = NULL;
    if (opts_) {
        opts = *opts_;
    } else {
        vhf_conn_opts_init(&opts);
    }
    deadline = vhf_deadline(opts.connect_timeout_ms);
    for (;;) {
        error = vhu_sock_accept(listener->fd, &fd);
        if (error != EAGAIN && error != EWOULDBLOCK) {
            break;
        }
        error = vhf_wait_fd(opts.wait_cb, opts.wait_aux, opts.cancel,
                            listener->fd, POLLIN, deadline);
        if (error) {
            break;
        }
    }
    return error ? error : vhf_conn_new(fd, &opts, connp);
}

/* Closes socket 'fd' and, if 'path' is nonnull, removes its file and frees
 * 'path'. */
static void
socket_release(int fd, char *path)
{
    close(fd);
    if (path) {
        unlink(path);
        free(path);
    }
}

void
vhf_listener_destroy(struct vhf_listener *listener)
{
    if (listener) {
        socket_release(listener->fd, listener->path);
        free(listener);
    }
}

/* Accepts a single backend: the listening socket is closed once it has
 * connected, and the connection removes the socket file when destroyed. */
int
vhf_accept(const char *path, const struct vhf_conn_opts *opts,
           struct vhf_conn **connp)
{
    struct vhf_listener *listener;
    int error;

    *connp = NULL;
    error = vhf_listen(path, &listener);
    if (error) {
        return error;
    }
    error = vhf_listener_accept(listener, opts, connp);
    if (!error) {
        /* Hand the socket file over to the connection. */
        (*connp)->listen_path = listener->path;
        listener->path = NULL;
    }
    vhf_listener_destroy(listener);
    return error;
}

void
vhf_conn_destroy(struct vhf_conn *conn)
{
    if (!conn) {
        return;
    }
    vhu_msg_reader_reset(&conn->reader);
    socket_release(conn->fd, conn->listen_path);
    free(conn);
}

/* Sends one message: 'flags' as given, header size 'size'. */
static int
vhf_send_raw(struct vhf_conn *conn, uint32_t request, uint32_t flags,
             const void *payload, uint32_t size, const int *fds, int n_fds)
{
    struct vhu_msg_hdr hdr = {
        .request = request,
        .flags = flags,
        .size = size,
    };

    return vhu_sock_send(conn->fd, &hdr, payload, fds, n_fds,
                         conn->timeout_ms);
}

/* Receives the next message from the backend, waiting at most the reply
 * timeout: ETIMEDOUT, EPIPE (closed), or another errno.  The caller owns
 * 'msg->fds'. */
static int
vhf_recv_reply(struct vhf_conn *conn, struct vhu_msg *msg)
{
    long long deadline = vhf_deadline(conn->timeout_ms);

    for (;;) {
        int error = vhu_msg_reader_read(&conn->reader, conn->fd);

        if (!error) {
            *msg = conn->reader.msg;
            vhu_msg_reader_init(&conn->reader);
            return 0;
        } else if (error != EAGAIN && error != EWOULDBLOCK) {
            vhu_msg_reader_reset(&conn->reader);
            vhu_msg_reader_init(&conn->reader);
            return error;
        }
        error = vhf_wait_fd(conn->wait_cb, conn->wait_aux, conn->cancel,
                            conn->fd, POLLIN, deadline);
        if (error) {
            return error;
        }
    }
}

bool
vhf_conn_closed(struct vhf_conn *conn)
{
    for (;;) {
        int error = vhu_msg_reader_read(&conn->reader, conn->fd);

        if (!error) {
            vhu_close_fds(conn->reader.msg.fds, conn->reader.msg.n_fds);
            vhu_msg_reader_init(&conn->reader);
            continue;
        }
        return error != EAGAIN && error != EWOULDBLOCK;
    }
}

/* Checks that 'msg' is a reply to 'request' with 'size' payload bytes ('size'
 * < 0: any).  Closes any fds it carries. */
static int
vhf_check_reply(struct vhu_msg *msg, uint32_t request, int size)
{
    vhu_close_fds(msg->fds, msg->n_fds);
    msg->n_fds = 0;
    if (msg->hdr.request != request
        || (msg->hdr.flags & VHU_FLAG_VERSION_MASK) != VHU_FLAG_VERSION
        || !(msg->hdr.flags & VHU_FLAG_REPLY)
        || (size >= 0 && msg->hdr.size != (uint32_t) size)) {
        return EPROTO;
    }
    return 0;
}

/* A set-type request: sends it with NEED_REPLY when 'reply_ack', then checks
 * the ack (EREMOTEIO if the backend reported failure, EPROTO for a bad
 * reply). */
static int
vhf_set(struct vhf_conn *conn, uint32_t request, const void *payload,
        uint32_t size, const int *fds, int n_fds)
{
    bool ack = conn->reply_ack;
    struct vhu_msg reply;
    int error;

    error = vhf_send_raw(conn, request,
                         VHU_FLAG_VERSION | (ack ? VHU_FLAG_NEED_REPLY : 0),
                         payload, size, fds, n_fds);
    if (error || !ack) {
        return error;
    }
    error = vhf_recv_reply(conn, &reply);
    if (!error) {
        error = vhf_check_reply(&reply, request, sizeof(uint64_t));
    }
    if (!error && reply.payload.u64) {
        error = EREMOTEIO;
    }
    return error;
}

/* A get-type request: sends it and receives the reply for the same request
 * into 'reply' (EPROTO if something else came back).  The caller owns
 * 'reply->fds'. */
static int
vhf_get(struct vhf_conn *conn, uint32_t request, const void *payload,
        uint32_t size, struct vhu_msg *reply)
{
    int error;

    error = vhf_send_raw(conn, request, VHU_FLAG_VERSION, payload, size,
                         NULL, 0);
    if (!error) {
        error = vhf_recv_reply(conn, reply);
    }
    if (!error && (reply->hdr.request != request
                   || !(reply->hdr.flags & VHU_FLAG_REPLY)
                   || ((reply->hdr.flags & VHU_FLAG_VERSION_MASK)
                       != VHU_FLAG_VERSION))) {
        vhu_close_fds(reply->fds, reply->n_fds);
        reply->n_fds = 0;
        error = EPROTO;
    }
    return error;
}

static int
vhf_get_u64(struct vhf_conn *conn, uint32_t request, uint64_t *value)
{
    struct vhu_msg reply;
    int error;

    error = vhf_get(conn, request, NULL, 0, &reply);
    if (!error) {
        error = vhf_check_reply(&reply, request, sizeof(uint64_t));
    }
    *value = error ? 0 : reply.payload.u64;
    return error;
}

int
vhf_set_u64(struct vhf_conn *conn, uint32_t request, uint64_t value)
{
    return vhf_set(conn, request, &value, sizeof value, NULL, 0);
}

int
vhf_set_vring_state(struct vhf_conn *conn, uint32_t request, uint32_t index,
                    uint32_t num)
{
    struct vhu_vring_state state = { .index = index, .num = num };

    return vhf_set(conn, request, &state, sizeof state, NULL, 0);
}

int
vhf_set_vring_addr(struct vhf_conn *conn, const struct vhu_vring_addr *addr)
{
    return vhf_set(conn, VHU_REQ_SET_VRING_ADDR, addr, sizeof *addr,
                   NULL, 0);
}

int
vhf_set_vring_fd(struct vhf_conn *conn, uint32_t request, uint32_t index,
                 int fd)
{
    uint64_t value = index & VHU_VRING_IDX_MASK;

    if (fd < 0) {
        value |= VHU_VRING_NOFD;
    }
    return vhf_set(conn, request, &value, sizeof value, fd < 0 ? NULL : &fd,
                   fd < 0 ? 0 : 1);
}

int
vhf_set_vring_enable(struct vhf_conn *conn, uint32_t index, bool enable)
{
    return vhf_set_vring_state(conn, VHU_REQ_SET_VRING_ENABLE, index,
                               enable);
}

int
vhf_get_vring_base(struct vhf_conn *conn, uint32_t index, uint32_t *base)
{
    struct vhu_vring_state state = { .index = index };
    struct vhu_msg reply;
    int error;

    *base = 0;
    error = vhf_get(conn, VHU_REQ_GET_VRING_BASE, &state, sizeof state,
                    &reply);
    if (!error) {
        error = vhf_check_reply(&reply, VHU_REQ_GET_VRING_BASE,
                                sizeof state);
    }
    if (!error) {
        memcpy(&state, reply.payload.bytes, sizeof state);
        if (state.index != index) {
            return EPROTO;
        }
        *base = state.num;
    }
    return error;
}

int
vhf_set_mem_table(struct vhf_conn *conn, const struct vhf_mem *mem)
{
    struct vhu_mem_table_desc table;
    int fds[VHU_MEM_TABLE_MAX_REGIONS];

    vhf_mem_table(mem, &table, fds);
    return vhf_set(conn, VHU_REQ_SET_MEM_TABLE, &table,
                   8 + table.n_regions * sizeof table.regions[0], fds,
                   table.n_regions);
}

/* ---------------------------------------------------------------------- */
/* Names. */

struct vhf_name {
    int bit;
    const char *name;
};

static const struct vhf_name feature_names[] = {
    { VHU_F_NET_MTU, "MTU" },
    { VHU_F_NET_MAC, "MAC" },
    { VHU_F_NET_MRG_RXBUF, "MRG_RXBUF" },
    { VHU_F_NET_STATUS, "STATUS" },
    { VHU_F_NET_CTRL_VQ, "CTRL_VQ" },
    { VHU_F_NET_MQ, "MQ" },
    { VHU_F_LOG_ALL, "LOG_ALL" },
    { VHU_F_RING_INDIRECT_DESC, "INDIRECT_DESC" },
    { VHU_F_RING_EVENT_IDX, "EVENT_IDX" },
    { VHU_F_PROTOCOL_FEATURES, "PROTOCOL_FEATURES" },
    { VHU_F_VERSION_1, "VERSION_1" },
    { VHU_F_RING_PACKED, "RING_PACKED" },
    { -1, NULL },
};

static const struct vhf_name protocol_feature_names[] = {
    { VHU_PF_MQ, "MQ" },
    { VHU_PF_LOG_SHMFD, "LOG_SHMFD" },
    { VHU_PF_RARP, "RARP" },
    { VHU_PF_REPLY_ACK, "REPLY_ACK" },
    { VHU_PF_MTU, "MTU" },
    { VHU_PF_BACKEND_REQ, "BACKEND_REQ" },
    { VHU_PF_CROSS_ENDIAN, "CROSS_ENDIAN" },
    { VHU_PF_CONFIG, "CONFIG" },
    { VHU_PF_INFLIGHT_SHMFD, "INFLIGHT_SHMFD" },
    { VHU_PF_RESET_DEVICE, "RESET_DEVICE" },
    { VHU_PF_INBAND_NOTIFICATIONS, "INBAND_NOTIFICATIONS" },
    { VHU_PF_CONFIGURE_MEM_SLOTS, "CONFIGURE_MEM_SLOTS" },
    { VHU_PF_STATUS, "STATUS" },
    { -1, NULL },
};

static char *
vhf_bits_to_string(const struct vhf_name *names, uint64_t bits, char *buf,
                   size_t size)
{
    size_t len = 0;

    if (!size) {
        return buf;
    }
    buf[0] = '\0';
    for (int bit = 0; bit < 64; bit++) {
        const char *name = NULL;
        char tmp[16];

        if (!(bits & VHU_BIT(bit))) {
            continue;
        }
        for (const struct vhf_name *n = names; n->name; n++) {
            if (n->bit == bit) {
                name = n->name;
                break;
            }
        }
        if (!name) {
            snprintf(tmp, sizeof tmp, "bit%d", bit);
            name = tmp;
        }
        int n = snprintf(buf + len, size - len, "%s%s", len ? " " : "",
                         name);
        if (n < 0 || (size_t) n >= size - len) {
            break;
        }
        len += n;
    }
    return buf;
}

char *
vhf_features_to_string(uint64_t features, char *buf, size_t size)
{
    return vhf_bits_to_string(feature_names, features, buf, size);
}

char *
vhf_protocol_features_to_string(uint64_t pf, char *buf, size_t size)
{
    return vhf_bits_to_string(protocol_feature_names, pf, buf, size);
}

/* ---------------------------------------------------------------------- */
/* Split virtqueue: creation and features. */

struct vhf_seg {
    uint32_t off, len;
};

static uint16_t *
vhf_vq_used_event(const struct vhf_vq *vq)
{
    return &vq->avail->ring[vq->size];
}

static uint16_t *
vhf_vq_avail_event(const struct vhf_vq *vq)
{
    return (uint16_t *) &vq->used->ring[vq->size];
}

static void
vhf_vq_update_used_event(struct vhf_vq *vq)
{
    if (vq->event_idx) {
        uint16_t event = vq->last_used_idx + (vq->interrupts ? 0 : 0x8000);
        __atomic_store_n(vhf_vq_used_event(vq), event, __ATOMIC_RELAXED);
    }
}

/* Chooses whether the backend should interrupt us, updating avail->flags
 * or used_event. */
static void
vhf_vq_set_interrupts(struct vhf_vq *vq, bool interrupts)
{
    uint16_t flags = (vq->event_idx || interrupts
                      ? 0 : VHU_AVAIL_F_NO_INTERRUPT);

    vq->interrupts = interrupts;
    __atomic_store_n(&vq->avail->flags, flags, __ATOMIC_RELAXED);
    vhf_vq_update_used_event(vq);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static int
vhf_vq_alloc_indirect(struct vhf_vq *vq)
{
    for (int i = 0; i < vq->size; i++) {
        struct vhf_slot *slot = &vq->slots[i];
        void *p = NULL;
        int error;

        if (slot->ind) {
            continue;
        }
        error = vhf_mem_alloc(vq->mem, VHF_MAX_SEGS * sizeof(struct vhu_desc),
                              16, &slot->ind_gpa, &p);
        if (error) {
            return error;
        }
        slot->ind = p;
    }
    return 0;
}

/* Applies negotiated 'features' (header length, EVENT_IDX, ...). */
static int
vhf_vq_set_features(struct vhf_vq *vq, uint64_t features)
{
    bool indirect = features & VHU_BIT(VHU_F_RING_INDIRECT_DESC);

    if (indirect) {
        int error = vhf_vq_alloc_indirect(vq);
        if (error) {
            return error;
        }
    }
    vq->features = features;
    vq->indirect = indirect;
    vq->event_idx = features & VHU_BIT(VHU_F_RING_EVENT_IDX);
    vq->mrg_rxbuf = features & VHU_BIT(VHU_F_NET_MRG_RXBUF);
    vq->hdr_len = (features & (VHU_BIT(VHU_F_VERSION_1)
                               | VHU_BIT(VHU_F_NET_MRG_RXBUF))
                   ? sizeof(struct vhu_net_hdr) : 10);
    vhf_vq_set_interrupts(vq, vq->interrupts);
    return 0;
}

/* Forgets every chain and empties the rings. */
static void
vhf_vq_reset(struct vhf_vq *vq)
{
    memset(vq->desc, 0, VHU_DESC_BYTES(vq->size));
    memset(vq->avail, 0, VHU_AVAIL_BYTES(vq->size));
    memset(vq->used, 0, VHU_USED_BYTES(vq->size));
    vq->avail_idx = vq->last_used_idx = vq->kick_idx = 0;
    vq->base = 0;
    vq->free_head = 0;
    vq->n_free = vq->size;
    for (int i = 0; i < vq->size; i++) {
        vq->links[i] = i + 1;
        vq->slots[i].state = VHF_SLOT_FREE;
        vq->slots[i].n_desc = 0;
    }
    vhf_vq_set_interrupts(vq, vq->interrupts);
}

static int
vhf_vq_alloc_rings(struct vhf_vq *vq)
{
    void *desc, *avail, *used;
    int error;

    error = vhf_mem_alloc(vq->mem, VHU_DESC_BYTES(vq->size), VHF_PAGE,
                          &vq->desc_gpa, &desc);
    if (!error) {
        error = vhf_mem_alloc(vq->mem, VHU_AVAIL_BYTES(vq->size), 64,
                              &vq->avail_gpa, &avail);
    }
    if (!error) {
        error = vhf_mem_alloc(vq->mem, VHU_USED_BYTES(vq->size), VHF_PAGE,
                              &vq->used_gpa, &used);
    }
    if (error) {
        return error;
    }
    vq->desc = desc;
    vq->avail = avail;
    vq->used = used;

    for (int i = 0; i < vq->size; i++) {
        void *p = NULL;

        error = vhf_mem_alloc(vq->mem, vq->buf_size, 64,
                              &vq->slots[i].buf_gpa, &p);
        if (error) {
            return error;
        }
        vq->slots[i].buf = p;
    }
    return 0;
}

int
vhf_vq_create(struct vhf_mem *mem, int index, uint16_t size,
              uint32_t buf_size, uint64_t features, struct vhf_vq **vqp)
{
    struct vhf_vq *vq;
    int error;

    *vqp = NULL;
    if (!size || size & (size - 1) || size > VHU_MAX_RING_SIZE
        || index < 0 || index >= VHU_MAX_VRINGS
        || buf_size <= sizeof(struct vhu_net_hdr)) {
        return EINVAL;
    }
    vq = calloc(1, sizeof *vq);
    if (!vq) {
        return ENOMEM;
    }
    vq->mem = mem;
    vq->index = index;
    vq->size = size;
    vq->buf_size = buf_size;
    vq->interrupts = true;
    vq->rx_segs = 1;
    vq->kick_fd = vq->call_fd = -1;
    vq->links = calloc(size, sizeof *vq->links);
    vq->slots = calloc(size, sizeof *vq->slots);
    vq->rx_frame_size = 65536 + 2 * VHF_PAGE;
    vq->rx_frame = malloc(vq->rx_frame_size);
    if (!vq->links || !vq->slots || !vq->rx_frame) {
        error = ENOMEM;
        goto fail;
    }
    error = vhf_vq_alloc_rings(vq);
    if (error) {
        goto fail;
    }
    vq->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    vq->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (vq->kick_fd < 0 || vq->call_fd < 0) {
        error = errno;
        goto fail;
    }
    error = vhf_vq_set_features(vq, features);
    if (error) {
        goto fail;
    }
    vhf_vq_reset(vq);
    *vqp = vq;
    return 0;

fail:
    vhf_vq_destroy(vq);
    return error;
}

void
vhf_vq_destroy(struct vhf_vq *vq)
{
    if (!vq) {
        return;
    }
    if (vq->kick_fd >= 0) {
        close(vq->kick_fd);
    }
    if (vq->call_fd >= 0) {
        close(vq->call_fd);
    }
    free(vq->links);
    free(vq->slots);
    free(vq->rx_frame);
    free(vq);
}

/* ---------------------------------------------------------------------- */
/* Split virtqueue: vhost-user setup. */

int
vhf_vq_addr(const struct vhf_vq *vq, struct vhu_vring_addr *addr)
{
    *addr = (struct vhu_vring_addr) {
        .index = vq->index,
        .desc_uaddr = vhf_mem_gpa_to_uaddr(vq->mem, vq->desc_gpa),
        .used_uaddr = vhf_mem_gpa_to_uaddr(vq->mem, vq->used_gpa),
        .avail_uaddr = vhf_mem_gpa_to_uaddr(vq->mem, vq->avail_gpa),
    };
    return (addr->desc_uaddr == VHF_BAD_ADDR
            || addr->used_uaddr == VHF_BAD_ADDR
            || addr->avail_uaddr == VHF_BAD_ADDR ? EINVAL : 0);
}

/* Sends SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE (vq->base),
 * SET_VRING_CALL, SET_VRING_KICK and, with protocol features,
 * SET_VRING_ENABLE 1. */
static int
vhf_vq_setup(struct vhf_conn *conn, struct vhf_vq *vq)
{
    int error;

    error = vhf_set_vring_state(conn, VHU_REQ_SET_VRING_NUM, vq->index,
                                vq->size);
    if (!error) {
        struct vhu_vring_addr addr;

        error = vhf_vq_addr(vq, &addr);
        if (!error) {
            error = vhf_set_vring_addr(conn, &addr);
        }
    }
    if (!error) {
        error = vhf_set_vring_state(conn, VHU_REQ_SET_VRING_BASE, vq->index,
                                    vq->base);
    }
    if (!error) {
        error = vhf_set_vring_fd(conn, VHU_REQ_SET_VRING_CALL, vq->index,
                                 vq->no_call_fd ? -1 : vq->call_fd);
    }
    if (!error) {
        error = vhf_set_vring_fd(conn, VHU_REQ_SET_VRING_KICK, vq->index,
                                 vq->kick_fd);
    }
    if (!error && conn->pf_negotiated) {
        error = vhf_set_vring_enable(conn, vq->index, true);
    }
    return error;
}

/* GET_VRING_BASE; keeps the result in vq->base for a later setup. */
static int
vhf_vq_stop(struct vhf_conn *conn, struct vhf_vq *vq)
{
    uint32_t base;
    int error = vhf_get_vring_base(conn, vq->index, &base);

    if (!error) {
        vq->base = base;
    }
    return error;
}

/* ---------------------------------------------------------------------- */
/* Split virtqueue: descriptors and notifications. */

static int
vhf_vq_get_chain(struct vhf_vq *vq, unsigned int n, uint16_t *headp)
{
    uint16_t idx;

    if (!n || n > vq->n_free) {
        return ENOBUFS;
    }
    idx = *headp = vq->free_head;
    for (unsigned int i = 1; i < n; i++) {
        idx = vq->links[idx];
    }
    vq->free_head = vq->links[idx];
    vq->n_free -= n;
    return 0;
}

static void
vhf_vq_free_chain(struct vhf_vq *vq, uint16_t head)
{
    unsigned int n = vq->slots[head].n_desc;
    uint16_t idx = head;

    for (unsigned int i = 0; i < n; i++) {
        vq->slots[idx].state = VHF_SLOT_FREE;
        if (i + 1 < n) {
            idx = vq->links[idx];
        }
    }
    vq->links[idx] = vq->free_head;
    vq->free_head = head;
    vq->n_free += n;
    vq->slots[head].n_desc = 0;
}

/* Cuts [0, total) into segments: the header alone first if
 * 'hdr_separate', then pieces of at most 'seg_size' bytes (0: one). */
static int
vhf_build_segs(uint32_t hdr_len, uint32_t total, bool hdr_separate,
               uint32_t seg_size, struct vhf_seg *segs, int *n_segsp)
{
    uint32_t off = 0;
    int n = 0;

    if (hdr_separate) {
        segs[n].off = 0;
        segs[n++].len = hdr_len;
        off = hdr_len;
    }
    while (off < total) {
        uint32_t len = total - off;

        if (seg_size && len > seg_size) {
            len = seg_size;
        }
        if (n >= VHF_MAX_SEGS) {
            return EINVAL;
        }
        segs[n].off = off;
        segs[n++].len = len;
        off += len;
    }
    *n_segsp = n;
    return 0;
}

/* Writes the chain for 'head' over its buffer: directly through the
 * descriptors taken with vhf_vq_get_chain(), or through its indirect
 * table. */
static void
vhf_vq_write_chain(struct vhf_vq *vq, uint16_t head,
                   const struct vhf_seg *segs, int n, bool indirect,
                   uint16_t flags)
{
    struct vhf_slot *slot = &vq->slots[head];

    if (indirect) {
        for (int i = 0; i < n; i++) {
            bool last = i == n - 1;

            slot->ind[i].addr = slot->buf_gpa + segs[i].off;
            slot->ind[i].len = segs[i].len;
            slot->ind[i].flags = flags | (last ? 0 : VHU_DESC_F_NEXT);
            slot->ind[i].next = last ? 0 : i + 1;
        }
        vq->desc[head].addr = slot->ind_gpa;
        vq->desc[head].len = n * sizeof(struct vhu_desc);
        vq->desc[head].flags = VHU_DESC_F_INDIRECT;
        vq->desc[head].next = 0;
        slot->n_desc = 1;
        return;
    }

    uint16_t idx = head;
    for (int i = 0; i < n; i++) {
        bool last = i == n - 1;
        uint16_t next = vq->links[idx];

        vq->desc[idx].addr = slot->buf_gpa + segs[i].off;
        vq->desc[idx].len = segs[i].len;
        vq->desc[idx].flags = flags | (last ? 0 : VHU_DESC_F_NEXT);
        vq->desc[idx].next = last ? 0 : next;
        if (idx != head) {
            vq->slots[idx].state = VHF_SLOT_BUSY;
        }
        idx = next;
    }
    slot->n_desc = n;
}

static void
vhf_vq_add_avail(struct vhf_vq *vq, uint16_t head)
{
    vhf_avail_write(vq->avail, vq->size, vq->avail_idx++, head);
}

static void
vhf_vq_publish(struct vhf_vq *vq)
{
    vhf_avail_publish(vq->avail, vq->avail_idx);
}

int
vhf_vq_kick(struct vhf_vq *vq, bool force)
{
    uint16_t old = vq->kick_idx;
    uint16_t new = vq->avail_idx;
    uint64_t one = 1;
    bool need;

    /* Order the avail->idx store before reading the backend's wishes. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (vq->event_idx) {
        uint16_t event = __atomic_load_n(vhf_vq_avail_event(vq),
                                         __ATOMIC_RELAXED);
        need = vhu_need_event(event, new, old);
    } else {
        need = !(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED)
                 & VHU_USED_F_NO_NOTIFY);
    }
    vq->kick_idx = new;
    if (!force && (old == new || !need)) {
        if (old != new) {
            vq->stats.kicks_suppressed++;
        }
        return 0;
    }
    if (write(vq->kick_fd, &one, sizeof one) < 0 && errno != EAGAIN) {
        return errno;
    }
    vq->stats.kicks++;
    return 0;
}

int
vhf_vq_drain_call(struct vhf_vq *vq, uint64_t *np)
{
    uint64_t n = 0;

    if (read(vq->call_fd, &n, sizeof n) < 0) {
        n = 0;
        if (errno != EAGAIN) {
            if (np) {
                *np = 0;
            }
            return errno;
        }
    }
    vq->stats.interrupts += n;
    if (np) {
        *np = n;
    }
    return 0;
}

unsigned int
vhf_vq_used_pending(const struct vhf_vq *vq)
{
    uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);

    return (uint16_t) (used_idx - vq->last_used_idx);
}

/* Reads used entry 'i' (ring position, unmasked) once. */
static void
vhf_vq_read_used(const struct vhf_vq *vq, uint16_t i, uint32_t *id,
                 uint32_t *len)
{
    struct vhu_used_elem *e = &vq->used->ring[i & (vq->size - 1)];

    *id = __atomic_load_n(&e->id, __ATOMIC_RELAXED);
    *len = __atomic_load_n(&e->len, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------------- */
/* TX. */

int
vhf_tx_add(struct vhf_vq *vq, const void *frame, uint32_t len,
           const struct vhf_tx_opts *opts)
{
    static const struct vhf_tx_opts default_opts;
    struct vhf_seg segs[VHF_MAX_SEGS];
    uint32_t total = vq->hdr_len + len;
    bool indirect;
    uint16_t head;
    int n_segs, error;

    if (!opts) {
        opts = &default_opts;
    }
    if (len > vq->buf_size || total > vq->buf_size) {
        return EMSGSIZE;
    }
    error = vhf_build_segs(vq->hdr_len, total, opts->hdr_separate,
                           opts->seg_size, segs, &n_segs);
    if (error) {
        return error;
    }
    indirect = opts->indirect && vq->indirect;
    if (vhf_vq_get_chain(vq, indirect ? 1 : n_segs, &head)) {
        vq->stats.full++;
        return ENOBUFS;
    }

    struct vhf_slot *slot = &vq->slots[head];
    if (opts->hdr) {
        memcpy(slot->buf, opts->hdr, vq->hdr_len);
    } else {
        memset(slot->buf, 0, vq->hdr_len);
    }
    memcpy(slot->buf + vq->hdr_len, frame, len);
    vhf_vq_write_chain(vq, head, segs, n_segs, indirect, 0);
    slot->state = VHF_SLOT_TX;
    slot->len = total;

    vhf_vq_add_avail(vq, head);
    vhf_vq_publish(vq);
    vq->stats.frames++;
    vq->stats.bytes += len;
    return opts->no_kick ? 0 : vhf_vq_kick(vq, false);
}

/* Checks that the backend published at most a ring's worth of entries. */
static int
vhf_vq_check_pending(struct vhf_vq *vq, uint16_t *pendingp)
{
    uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
    uint16_t pending = used_idx - vq->last_used_idx;

    if (pending > vq->size) {
        vq->stats.used_bad++;
        *pendingp = 0;
        return EPROTO;
    }
    *pendingp = pending;
    return 0;
}

unsigned int
vhf_tx_in_flight(const struct vhf_vq *vq)
{
    unsigned int n = 0;

    for (int i = 0; i < vq->size; i++) {
        n += vq->slots[i].state == VHF_SLOT_TX;
    }
    return n;
}

int
vhf_tx_reclaim(struct vhf_vq *vq, unsigned int *np)
{
    unsigned int n = 0;
    uint16_t pending;
    int error;

    error = vhf_vq_check_pending(vq, &pending);
    for (; pending; pending--) {
        uint32_t id, len;

        vhf_vq_read_used(vq, vq->last_used_idx++, &id, &len);
        vq->stats.used++;
        if (id < vq->size && vq->slots[id].state == VHF_SLOT_TX) {
            vhf_vq_free_chain(vq, id);
            n++;
        } else {
            vq->stats.used_bad++;
            error = EPROTO;
        }
    }
    vhf_vq_update_used_event(vq);
    if (np) {
        *np = n;
    }
    return error;
}

/* ---------------------------------------------------------------------- */
/* RX. */

int
vhf_rx_post(struct vhf_vq *vq, uint32_t buf_size, unsigned int *np)
{
    return vhf_rx_post_max(vq, buf_size, 0, np);
}

int
vhf_rx_post_max(struct vhf_vq *vq, uint32_t buf_size, unsigned int max,
                unsigned int *np)
{
    struct vhf_seg segs[VHF_MAX_SEGS];
    unsigned int n = 0;
    uint32_t data, seg_size;
    int n_segs, error;
    bool indirect;

    if (np) {
        *np = 0;
    }
    if (buf_size > vq->buf_size || buf_size <= vq->hdr_len
        || vq->rx_segs < 1) {
        return EINVAL;
    }
    data = buf_size - (vq->rx_hdr_separate ? vq->hdr_len : 0);
    seg_size = (data + vq->rx_segs - 1) / vq->rx_segs;
    error = vhf_build_segs(vq->hdr_len, buf_size, vq->rx_hdr_separate,
                           seg_size, segs, &n_segs);
    if (error) {
        return error;
    }
    indirect = vq->rx_indirect && vq->indirect;

    uint16_t head;
    while ((!max || n < max)
           && !vhf_vq_get_chain(vq, indirect ? 1 : n_segs, &head)) {
        vhf_vq_write_chain(vq, head, segs, n_segs, indirect,
                           VHU_DESC_F_WRITE);
        vq->slots[head].state = VHF_SLOT_RX;
        vq->slots[head].len = buf_size;
        vhf_vq_add_avail(vq, head);
        n++;
    }
    if (np) {
        *np = n;
    }
    if (!n) {
        return 0;
    }
    vhf_vq_publish(vq);
    return vhf_vq_kick(vq, false);
}

/* Validates used entry ('id', 'len') of an RX vring.  Returns the slot or
 * NULL (counted). */
static struct vhf_slot *
vhf_rx_check_used(struct vhf_vq *vq, uint32_t id, uint32_t len)
{
    if (id >= vq->size || vq->slots[id].state != VHF_SLOT_RX) {
        vq->stats.used_bad++;
        return NULL;
    }
    if (len > vq->slots[id].len) {
        vq->stats.used_bad++;
        vhf_vq_free_chain(vq, id);
        return NULL;
    }
    return &vq->slots[id];
}

/* Gathers the 'n_bufs' - 1 buffers that follow a merged frame's first
 * into vq->rx_frame after 'len' bytes already there.  Consumes them all.
 * Returns false if any was bad or the frame does not fit. */
static bool
vhf_rx_gather(struct vhf_vq *vq, unsigned int n_bufs, uint32_t *lenp)
{
    uint32_t len = *lenp;
    bool ok = true;

    for (unsigned int i = 1; i < n_bufs; i++) {
        uint32_t id, blen;
        struct vhf_slot *slot;

        vhf_vq_read_used(vq, vq->last_used_idx++, &id, &blen);
        vq->stats.used++;
        slot = vhf_rx_check_used(vq, id, blen);
        if (!slot) {
            ok = false;
            continue;
        }
        if (ok && blen <= vq->rx_frame_size - len) {
            memcpy(vq->rx_frame + len, slot->buf, blen);
            len += blen;
        } else {
            ok = false;
        }
        vhf_vq_free_chain(vq, id);
    }
    *lenp = len;
    return ok;
}

/* Handles the frame whose first used entry is next.  Returns 0, EAGAIN if
 * its remaining buffers are not published yet, or EPROTO (counted). */
static int
vhf_rx_one(struct vhf_vq *vq, uint16_t pending, vhf_rx_cb *cb, void *aux,
           unsigned int *n_usedp)
{
    struct vhu_net_hdr hdr;
    struct vhf_slot *slot;
    uint32_t id, len, n_bufs;

    vhf_vq_read_used(vq, vq->last_used_idx, &id, &len);
    *n_usedp = 1;
    slot = vhf_rx_check_used(vq, id, len);
    if (slot && len < vq->hdr_len) {
        vq->stats.rx_bad++;
        vhf_vq_free_chain(vq, id);
        slot = NULL;
    }
    if (!slot) {
        vq->last_used_idx++;
        vq->stats.used++;
        return EPROTO;
    }

    memset(&hdr, 0, sizeof hdr);
    memcpy(&hdr, slot->buf, vq->hdr_len);
    n_bufs = vq->mrg_rxbuf ? hdr.num_buffers : 1;
    if (!vq->mrg_rxbuf && vq->hdr_len < sizeof hdr) {
        hdr.num_buffers = 1;
    }
    if (!n_bufs || n_bufs > vq->size) {
        vq->stats.rx_bad++;
        vhf_vq_free_chain(vq, id);
        vq->last_used_idx++;
        vq->stats.used++;
        return EPROTO;
    }
    if (n_bufs > pending) {
        *n_usedp = 0;
        return EAGAIN;
    }
    *n_usedp = n_bufs;
    vq->last_used_idx++;
    vq->stats.used++;

    len -= vq->hdr_len;
    if (n_bufs == 1) {
        vq->stats.frames++;
        vq->stats.bytes += len;
        cb(aux, vq, &hdr, slot->buf + vq->hdr_len, len);
        vhf_vq_free_chain(vq, id);
        return 0;
    }

    memcpy(vq->rx_frame, slot->buf + vq->hdr_len, len);
    vhf_vq_free_chain(vq, id);
    if (!vhf_rx_gather(vq, n_bufs, &len)) {
        vq->stats.rx_bad++;
        return EPROTO;
    }
    vq->stats.frames++;
    vq->stats.bytes += len;
    cb(aux, vq, &hdr, vq->rx_frame, len);
    return 0;
}

int
vhf_rx_poll(struct vhf_vq *vq, unsigned int max, vhf_rx_cb *cb, void *aux,
            unsigned int *np)
{
    unsigned int n = 0;
    uint16_t pending;
    int error;

    error = vhf_vq_check_pending(vq, &pending);
    while (pending && (!max || n < max)) {
        unsigned int n_used;
        int retval = vhf_rx_one(vq, pending, cb, aux, &n_used);

        if (retval == EAGAIN) {
            break;
        } else if (retval) {
            error = retval;
        } else if (!retval) {
            n++;
        }
        pending -= n_used;
    }
    vhf_vq_update_used_event(vq);
    if (np) {
        *np = n;
    }
    return error;
}

/* ---------------------------------------------------------------------- */
/* Raw access. */

void
vhf_desc_write(struct vhu_desc *desc, uint64_t addr, uint32_t len,
               uint16_t flags, uint16_t next)
{
    desc->addr = addr;
    desc->len = len;
    desc->flags = flags;
    desc->next = next;
}

void
vhf_avail_write(struct vhu_avail *avail, uint16_t size, uint16_t pos,
                uint16_t head)
{
    avail->ring[pos & (size - 1)] = head;
}

void
vhf_avail_publish(struct vhu_avail *avail, uint16_t idx)
{
    __atomic_store_n(&avail->idx, idx, __ATOMIC_RELEASE);
}

void
vhf_vq_push_avail(struct vhf_vq *vq, uint16_t head)
{
    vhf_vq_add_avail(vq, head);
    vhf_vq_publish(vq);
}

void
vhf_vq_set_avail_idx(struct vhf_vq *vq, uint16_t idx)
{
    vq->avail_idx = idx;
    vhf_vq_publish(vq);
}

/* ---------------------------------------------------------------------- */
/* Negotiation and device setup. */

void
vhf_setup_opts_init(struct vhf_setup_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->features = VHF_SUPPORTED_FEATURES;
    opts->protocol_features = VHF_DEFAULT_PROTOCOL_FEATURES;
    opts->n_queue_pairs = 1;
    opts->ring_size = 256;
    opts->buf_size = 2048;
    opts->interrupts = true;
}

static int
vhf_negotiate_protocol(struct vhf_conn *conn, uint64_t wanted)
{
    uint64_t offered, pf;
    int error;

    error = vhf_get_u64(conn, VHU_REQ_GET_PROTOCOL_FEATURES, &offered);
    if (error) {
        return error;
    }
    conn->offered_protocol_features = offered;
    pf = offered & wanted & VHF_SUPPORTED_PROTOCOL_FEATURES;
    error = vhf_set_u64(conn, VHU_REQ_SET_PROTOCOL_FEATURES, pf);
    if (error) {
        return error;
    }
    conn->protocol_features = pf;
    conn->reply_ack = pf & VHU_BIT(VHU_PF_REPLY_ACK);
    return 0;
}

static int
vhf_get_queue_num(struct vhf_conn *conn)
{
    uint64_t n;
    int error;

    conn->max_queue_pairs = 1;
    if (!(conn->protocol_features & VHU_BIT(VHU_PF_MQ))) {
        return 0;
    }
    error = vhf_get_u64(conn, VHU_REQ_GET_QUEUE_NUM, &n);
    if (error) {
        return error;
    }
    if (!n) {
        return EPROTO;
    }
    conn->max_queue_pairs = n > VHU_MAX_QUEUE_PAIRS ? VHU_MAX_QUEUE_PAIRS : n;
    return 0;
}

int
vhf_negotiate(struct vhf_conn *conn, uint64_t wanted,
              uint64_t wanted_pf, bool qemu_order)
{
    uint64_t features;
    bool pf;
    int error;

    error = vhf_get_u64(conn, VHU_REQ_GET_FEATURES,
                        &conn->offered_features);
    if (error) {
        return error;
    }
    features = conn->offered_features & wanted & VHF_SUPPORTED_FEATURES;
    pf = features & VHU_BIT(VHU_F_PROTOCOL_FEATURES);
    if (!qemu_order) {
        error = vhf_set_u64(conn, VHU_REQ_SET_FEATURES, features);
    }
    if (!error && pf) {
        error = vhf_negotiate_protocol(conn, wanted_pf);
    }
    if (!error && !qemu_order) {
        error = vhf_set(conn, VHU_REQ_SET_OWNER, NULL, 0, NULL, 0);
    }
    if (!error) {
        error = vhf_get_queue_num(conn);
    }
    if (!error && qemu_order) {
        error = vhf_set(conn, VHU_REQ_SET_OWNER, NULL, 0, NULL, 0);
        if (!error) {
            error = vhf_set_u64(conn, VHU_REQ_SET_FEATURES, features);
        }
    }
    if (!error) {
        conn->features = features;
        conn->pf_negotiated = pf;
    }
    return error;
}

static int
vhf_dev_add_vq(struct vhf_dev *dev, int index,
               const struct vhf_setup_opts *opts)
{
    struct vhf_conn *conn = dev->conn;
    struct vhf_vq *vq;
    int error;

    error = vhf_vq_create(dev->mem, index, opts->ring_size, opts->buf_size,
                          conn->features, &vq);
    if (error) {
        return error;
    }
    dev->vqs[index] = vq;
    vq->no_call_fd = opts->no_call_fd;
    vhf_vq_set_interrupts(vq, opts->interrupts);
    return vhf_vq_setup(conn, vq);
}

int
vhf_dev_setup(struct vhf_conn *conn, struct vhf_mem *mem,
              const struct vhf_setup_opts *opts_,
              struct vhf_dev **devp)
{
    struct vhf_setup_opts opts;
    struct vhf_dev *dev;
    int error;

    *devp = NULL;
    if (opts_) {
        opts = *opts_;
    } else {
        vhf_setup_opts_init(&opts);
    }
    if (opts.n_queue_pairs < 1 || opts.n_queue_pairs > VHU_MAX_QUEUE_PAIRS) {
        return EINVAL;
    }
    error = vhf_negotiate(conn, opts.features, opts.protocol_features,
                          opts.qemu_order);
    if (error) {
        return error;
    }
    if (opts.n_queue_pairs > 1
        && (!(conn->features & VHU_BIT(VHU_F_NET_MQ))
            || opts.n_queue_pairs > conn->max_queue_pairs)) {
        return ENOTSUP;
    }
    error = vhf_set_mem_table(conn, mem);
    if (error) {
        return error;
    }

    dev = calloc(1, sizeof *dev);
    if (!dev) {
        return ENOMEM;
    }
    dev->conn = conn;
    dev->mem = mem;
    dev->n_queue_pairs = opts.n_queue_pairs;
    for (int i = 0; !error && i < 2 * opts.n_queue_pairs; i++) {
        error = vhf_dev_add_vq(dev, i, &opts);
    }
    if (!error && !opts.no_status
        && conn->protocol_features & VHU_BIT(VHU_PF_STATUS)) {
        error = vhf_set_u64(conn, VHU_REQ_SET_STATUS,
                            VHF_STATUS_ACKNOWLEDGE | VHF_STATUS_DRIVER
                            | VHF_STATUS_FEATURES_OK | VHF_STATUS_DRIVER_OK);
    }
    if (error) {
        vhf_dev_destroy(dev);
        return error;
    }
    *devp = dev;
    return 0;
}

void
vhf_dev_destroy(struct vhf_dev *dev)
{
    if (!dev) {
        return;
    }
    for (int i = 0; i < VHU_MAX_VRINGS; i++) {
        vhf_vq_destroy(dev->vqs[i]);
    }
    free(dev);
}

int
vhf_dev_stop(struct vhf_dev *dev)
{
    int error = 0;

    for (int i = 0; i < 2 * dev->n_queue_pairs; i++) {
        struct vhf_vq *vq = dev->vqs[i];
        int retval = 0;

        if (dev->conn->pf_negotiated) {
            retval = vhf_set_vring_enable(dev->conn, vq->index, false);
        }
        if (!retval) {
            retval = vhf_vq_stop(dev->conn, vq);
        }
        if (retval && !error) {
            error = retval;
        }
    }
    return error;
}
