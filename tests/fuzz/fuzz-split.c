/*
 * fuzz-split.c: fuzz target for the split descriptor walker
 * (lib/vhu-split.c) and the virtio-net bursts over it (lib/vhu-net.c).
 *
 * Once per process: guest memory of two regions, each its own memfd and
 * contiguous in gpa (utilities/vhu-front.h's vhf_mem), a real device with
 * one queue pair, and a frontend connection (vhf_conn) that negotiates and
 * sends the memory table.  Per input (see fuzz-enc.h): features and ring
 * size and bases from the header, then both vrings are stopped and set up
 * again from scratch, and the operations write descriptors, indirect
 * tables, avail entries, flags and used_event, run guest TX and RX bursts
 * (vhu_dequeue_burst(), vhu_enqueue_burst()) and walk chains directly with
 * vhu_split_get_chain() on our own mapping of the same memory.  The ring
 * memory may change between bursts, as a hostile guest's would.
 *
 * Checked: setup with valid messages succeeds; every dequeued frame fits
 * its buffer (buffers are malloc()ed to their exact size, so AddressSanitizer
 * catches any overrun); bursts never return more than asked; every used
 * entry the device publishes names a head < ring size, TX entries have
 * length 0 and RX entries add up to exactly the header plus the frames
 * placed; the used index the device reports is the one in guest memory; and
 * a walked chain has every segment inside a region, its lengths add up and
 * it never exceeds VHU_MAX_IOV segments.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fuzz-enc.h"
#include "fuzz-util.h"
#include "vhu.h"
#include "vhu-front.h"
#include "vhu-mem.h"
#include "vhu-split.h"

struct vring_state {
    uint32_t num;
    uint16_t avail_idx;         /* Our shadow of avail->idx. */
};

static struct {
    struct vhu_dev *dev;
    struct vhf_conn *conn;
    struct vhf_mem *mem;
    struct vhu_mem *local;      /* Our own table over the same memfds. */
    int kick_fd, call_fd;
    char path[108];
} g;

static struct {
    uint8_t features;           /* SPLIT_F_*. */
    uint32_t num;
    uint32_t hdr_len;
    uint16_t avail_idx[2];      /* Shadows of avail->idx. */
} cur;

static void
run_dev(void *aux)
{
    vhu_dev_run(aux);
}

static uint64_t
gpa_of(uint64_t ofs)
{
    return GUEST_GPA + ofs;
}

/* Writes guest memory at 'gpa', across regions; bytes outside guest
 * memory are dropped. */
static void
gwrite(uint64_t gpa, const void *data_, size_t len)
{
    const uint8_t *data = data_;

    for (size_t i = 0; i < len; i++) {
        uint8_t *p = vhf_mem_gpa_to_ptr(g.mem, gpa + i, 1);

        if (p) {
            *p = data[i];
        }
    }
}

static uint16_t
gread16(uint64_t gpa)
{
    uint16_t *p = vhf_mem_gpa_to_ptr(g.mem, gpa, 2);

    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void
gwrite16(uint64_t gpa, uint16_t v)
{
    uint16_t *p = vhf_mem_gpa_to_ptr(g.mem, gpa, 2);

    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void
init_once(void)
{
    struct vhu_dev_config cfg = { .max_queue_pairs = 1 };
    struct vhu_mem_table_desc t;
    struct vhf_mem_opts mopts;
    struct vhf_conn_opts copts;
    int fds[VHU_MEM_TABLE_MAX_REGIONS];

    fuzz_quiet_log();
    snprintf(g.path, sizeof g.path, "%s/vhu-fuzz-split-%ld.sock",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (long) getpid());
    cfg.path = g.path;
    vhf_mem_opts_init(&mopts);
    mopts.gpa_base = GUEST_GPA;
    mopts.gpa_hole = 0;
    mopts.fd_per_region = true;
    mopts.uaddr_bias = 0x1000000;
    vhf_conn_opts_init(&copts);
    copts.wait_cb = run_dev;
    if (vhu_dev_create(&cfg, &g.dev)
        || vhf_mem_create(GUEST_SIZE, 2, &mopts, &g.mem)) {
        abort();
    }
    copts.wait_aux = g.dev;
    g.kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g.call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    vhf_mem_table(g.mem, &t, fds);
    if (vhf_connect(g.path, &copts, &g.conn)
        || vhf_negotiate(g.conn, vhu_default_features(),
                         VHF_DEFAULT_PROTOCOL_FEATURES, false)
        || vhf_set_mem_table(g.conn, g.mem)
        || vhu_mem_build(t.regions, fds, t.n_regions, &g.local)) {
        fprintf(stderr, "fuzz-split: setup failed\n");
        abort();
    }
    /* Connected for the life of the process, which never destroys the
     * device: the socket file is not needed any more. */
    unlink(g.path);
}

static uint64_t
features_of(uint8_t f)
{
    return (VHU_BIT(VHU_F_PROTOCOL_FEATURES)
            | (f & SPLIT_F_INDIRECT ? VHU_BIT(VHU_F_RING_INDIRECT_DESC) : 0)
            | (f & SPLIT_F_EVENT_IDX ? VHU_BIT(VHU_F_RING_EVENT_IDX) : 0)
            | (f & SPLIT_F_MRG_RXBUF ? VHU_BIT(VHU_F_NET_MRG_RXBUF) : 0)
            | (f & SPLIT_F_VERSION_1 ? VHU_BIT(VHU_F_VERSION_1) : 0));
}

static void
setup_vring(int v, uint16_t base)
{
    struct vhu_vring_addr a = {
        .index = v,
        .desc_uaddr = vhf_mem_gpa_to_uaddr(g.mem, gpa_of(SPLIT_DESC_OFS(v))),
        .avail_uaddr = vhf_mem_gpa_to_uaddr(g.mem,
                                            gpa_of(SPLIT_AVAIL_OFS(v))),
        .used_uaddr = vhf_mem_gpa_to_uaddr(g.mem, gpa_of(SPLIT_USED_OFS(v))),
    };
    int error;

    gwrite16(gpa_of(SPLIT_AVAIL_OFS(v)) + 2, base);
    gwrite16(gpa_of(SPLIT_USED_OFS(v)) + 2, base);
    cur.avail_idx[v] = base;
    error = vhf_set_vring_state(g.conn, VHU_REQ_SET_VRING_NUM, v, cur.num);
    error = error ? error : vhf_set_vring_addr(g.conn, &a);
    error = error ? error : vhf_set_vring_state(g.conn,
                                                VHU_REQ_SET_VRING_BASE, v,
                                                base);
    error = error ? error : vhf_set_vring_fd(
        g.conn, VHU_REQ_SET_VRING_CALL, v,
        cur.features & SPLIT_F_NO_CALL ? -1 : g.call_fd);
    error = error ? error : vhf_set_vring_fd(g.conn, VHU_REQ_SET_VRING_KICK,
                                             v, g.kick_fd);
    error = error ? error : vhf_set_vring_enable(g.conn, v, true);
    FUZZ_CHECK(!error);
    FUZZ_CHECK(vhu_dev_vring_ready(g.dev, v));
}

/* Stops both vrings, clears guest memory and sets everything up again as
 * the input's header says. */
static void
reset(struct fuzz_input *in)
{
    uint16_t bases[2];
    uint32_t base;

    for (int v = 0; v < 2; v++) {
        FUZZ_CHECK(!vhf_get_vring_base(g.conn, v, &base));
    }
    for (int i = 0; i < g.mem->n_regions; i++) {
        memset(g.mem->regions[i].ptr, 0, g.mem->regions[i].size);
    }
    cur.features = fuzz_u8(in);
    cur.num = 1u << (fuzz_u8(in) % 9);
    cur.hdr_len = (cur.features & (SPLIT_F_VERSION_1 | SPLIT_F_MRG_RXBUF)
                   ? 12 : 10);
    bases[1] = fuzz_u16(in);
    bases[0] = fuzz_u16(in);
    FUZZ_CHECK(!vhf_set_u64(g.conn, VHU_REQ_SET_FEATURES,
                            features_of(cur.features)));
    for (int v = 0; v < 2; v++) {
        setup_vring(v, bases[v]);
    }
}

/* An "addr" operand (fuzz-enc.h). */
static uint64_t
read_addr(struct fuzz_input *in)
{
    switch (fuzz_u8(in) % 4) {
    case 0: return gpa_of(SPLIT_BUF_OFS + fuzz_u16(in));
    case 1: return gpa_of(SPLIT_IND_OFS + 16 * fuzz_u8(in));
    case 2: return gpa_of(SPLIT_BOUNDARY_OFS - fuzz_u8(in));
    default: return fuzz_u64(in);
    }
}

static void
read_desc(struct fuzz_input *in, struct vhu_desc *d)
{
    d->addr = read_addr(in);
    d->len = fuzz_u32(in);
    d->flags = fuzz_u8(in);
    d->next = fuzz_u16(in);
}

static void
op_desc(struct fuzz_input *in)
{
    int v = fuzz_u8(in) & 1;
    uint16_t idx = fuzz_u16(in) % cur.num;
    struct vhu_desc d;

    read_desc(in, &d);
    gwrite(gpa_of(SPLIT_DESC_OFS(v)) + 16 * idx, &d, sizeof d);
}

static void
op_indirect(struct fuzz_input *in)
{
    uint8_t slot = fuzz_u8(in);
    struct vhu_desc d;

    read_desc(in, &d);
    gwrite(gpa_of(SPLIT_IND_OFS) + 16 * slot, &d, sizeof d);
}

static void
op_avail(struct fuzz_input *in)
{
    int v = fuzz_u8(in) & 1;
    uint16_t head = fuzz_u16(in);
    uint64_t avail = gpa_of(SPLIT_AVAIL_OFS(v));

    gwrite(avail + 4 + 2 * (cur.avail_idx[v] % cur.num), &head, 2);
    gwrite16(avail + 2, ++cur.avail_idx[v]);
}

static void
op_avail_set(struct fuzz_input *in)
{
    int v = fuzz_u8(in) & 1;
    uint8_t what = fuzz_u8(in) % 3;
    uint16_t value = fuzz_u16(in);
    uint64_t avail = gpa_of(SPLIT_AVAIL_OFS(v));

    if (what == 0) {
        cur.avail_idx[v] = value;
        gwrite16(avail + 2, value);
    } else if (what == 1) {
        gwrite16(avail, value);
    } else {
        gwrite16(avail + 4 + 2 * cur.num, value);   /* used_event. */
    }
}

/* Checks the used entries the device published in [old, new) of vring
 * 'v' and returns the sum of their lengths. */
static uint64_t
check_used(int v, uint16_t old, uint16_t new)
{
    uint64_t used = gpa_of(SPLIT_USED_OFS(v));
    struct vhu_vring_info info;
    uint64_t sum = 0;

    FUZZ_CHECK((uint16_t) (new - old) <= cur.num);
    for (uint16_t i = old; i != new; i++) {
        const struct vhu_used_elem *e = vhf_mem_gpa_to_ptr(
            g.mem, used + 4 + 8 * (i % cur.num), sizeof *e);

        FUZZ_CHECK(e->id < cur.num);
        sum += e->len;
    }
    FUZZ_CHECK(!vhu_dev_vring_info(g.dev, v, &info));
    FUZZ_CHECK(info.last_used_idx == new);
    return sum;
}

static void
op_dequeue(struct fuzz_input *in)
{
    int n = 1 + fuzz_u8(in) % 32;
    uint32_t size = fuzz_u16(in);
    uint64_t used_idx = gpa_of(SPLIT_USED_OFS(1)) + 2;
    uint16_t old = gread16(used_idx);
    struct vhu_pkt pkts[32];
    int done;

    for (int i = 0; i < n; i++) {
        pkts[i].data = malloc(size ? size : 1);
        pkts[i].size = size;
        pkts[i].len = UINT32_MAX;
    }
    done = vhu_dequeue_burst(g.dev, 1, pkts, n);
    FUZZ_CHECK(done >= 0 && done <= n);
    for (int i = 0; i < done; i++) {
        FUZZ_CHECK(pkts[i].len <= pkts[i].size);
    }
    if (fuzz_verbose()) {
        fprintf(stderr, "dequeued %d of %d\n", done, n);
    }
    FUZZ_CHECK(check_used(1, old, gread16(used_idx)) == 0);
    FUZZ_CHECK((uint16_t) (gread16(used_idx) - old) >= done);
    for (int i = 0; i < n; i++) {
        free(pkts[i].data);
    }
}

static void
op_enqueue(struct fuzz_input *in)
{
    int n = 1 + fuzz_u8(in) % 32;
    uint32_t len = fuzz_u16(in) % 9200;
    uint64_t used_idx = gpa_of(SPLIT_USED_OFS(0)) + 2;
    uint16_t old = gread16(used_idx), new;
    struct vhu_pkt pkts[32];
    uint8_t *frame = malloc(len ? len : 1);
    int done, dropped;

    for (uint32_t i = 0; i < len; i++) {
        frame[i] = i;
    }
    for (int i = 0; i < n; i++) {
        pkts[i] = (struct vhu_pkt) { .data = frame, .size = len, .len = len };
    }
    done = vhu_enqueue_burst(g.dev, 0, pkts, n, &dropped);
    FUZZ_CHECK(done >= 0 && done <= n);
    FUZZ_CHECK(dropped >= 0 && dropped <= done);
    new = gread16(used_idx);
    if (fuzz_verbose()) {
        fprintf(stderr, "enqueued %d of %d (%d dropped), %d used entries\n",
                done, n, dropped, (uint16_t) (new - old));
    }
    FUZZ_CHECK(check_used(0, old, new)
               == (uint64_t) (done - dropped) * (cur.hdr_len + len));
    if (!(cur.features & SPLIT_F_MRG_RXBUF)) {
        FUZZ_CHECK((uint16_t) (new - old) == done - dropped);
    }
    free(frame);
}

static void
op_write(struct fuzz_input *in)
{
    uint64_t ofs = (uint64_t) fuzz_u16(in) * 4;
    uint8_t buf[256], len = fuzz_u8(in);

    fuzz_bytes(in, buf, len);
    gwrite(gpa_of(ofs), buf, len);
}

/* True if [p, p + len) lies inside one region of our own table. */
static bool
in_guest(const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < g.local->n; i++) {
        const struct vhu_region *r = &g.local->regions[i];

        if (p >= r->hva && len <= r->size && p - r->hva <= r->size - len) {
            return true;
        }
    }
    return false;
}

static void
op_walk(struct fuzz_input *in)
{
    int v = fuzz_u8(in) & 1;
    uint16_t pos = fuzz_u16(in);
    static struct vhu_chain chain;
    struct vhu_split ring;
    uint32_t rlen = 0, wlen = 0;
    int error;

    memset(&ring, 0, sizeof ring);
    FUZZ_CHECK(!vhu_split_map(
        &ring, g.local, cur.num,
        vhf_mem_gpa_to_uaddr(g.mem, gpa_of(SPLIT_DESC_OFS(v))),
        vhf_mem_gpa_to_uaddr(g.mem, gpa_of(SPLIT_AVAIL_OFS(v))),
        vhf_mem_gpa_to_uaddr(g.mem, gpa_of(SPLIT_USED_OFS(v)))));
    ring.indirect = cur.features & SPLIT_F_INDIRECT;
    error = vhu_split_get_chain(&ring, pos, &chain);
    if (fuzz_verbose()) {
        fprintf(stderr, "walk vring %d pos %u: %s, %u+%u segments\n", v,
                pos, error ? strerror(error) : "chain", chain.n_read,
                chain.n_write);
    }
    if (error) {
        FUZZ_CHECK(error == EINVAL || error == ELOOP || error == EFAULT
                   || error == E2BIG);
        return;
    }
    FUZZ_CHECK(chain.head < cur.num);
    FUZZ_CHECK(chain.n_read + chain.n_write <= VHU_MAX_IOV);
    for (int i = 0; i < chain.n_read + chain.n_write; i++) {
        const struct vhu_iov *iov = &chain.iov[i];

        FUZZ_CHECK(iov->len > 0 && in_guest(iov->base, iov->len));
        if (i < chain.n_read) {
            rlen += iov->len;
        } else {
            wlen += iov->len;
        }
    }
    FUZZ_CHECK(rlen == chain.read_len && wlen == chain.write_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool inited;
    struct fuzz_input in;
    uint64_t count;
    int fds, maps;

    if (!inited) {
        init_once();
        inited = true;
    }
    fuzz_input_init(&in, data, size);
    reset(&in);
    /* Counted after the reset: the device holds a kick and call fd per
     * vring from then on. */
    fds = fuzz_count_fds();
    maps = fuzz_count_memfd_maps();
    while (!fuzz_input_done(&in)) {
        switch (fuzz_u8(&in) % N_SOPS) {
        case SOP_DESC: op_desc(&in); break;
        case SOP_INDIRECT: op_indirect(&in); break;
        case SOP_AVAIL: op_avail(&in); break;
        case SOP_AVAIL_SET: op_avail_set(&in); break;
        case SOP_DEQUEUE: op_dequeue(&in); break;
        case SOP_ENQUEUE: op_enqueue(&in); break;
        case SOP_WRITE: op_write(&in); break;
        case SOP_WALK: op_walk(&in); break;
        }
    }
    if (read(g.call_fd, &count, sizeof count) < 0) {
        /* Nothing to drain. */
    }
    FUZZ_CHECK(vhu_dev_is_connected(g.dev));
    FUZZ_CHECK(fuzz_count_fds() == fds);
    FUZZ_CHECK(fuzz_count_memfd_maps() == maps);
    return 0;
}
