/*
 * gen-seeds.c: writes the seed corpora of the fuzz targets.
 *
 *     gen-seeds DIR
 *
 * creates DIR/dispatch, DIR/split and DIR/mem and writes into them inputs
 * that mean something in the encodings of fuzz-enc.h (for fuzz-mem.c, in
 * the operations that file decodes): a QEMU-like negotiation with traffic,
 * the memory-slot messages, client role, reconnects, malformed messages,
 * and guest rings with direct, indirect, mergeable and region-crossing
 * chains.  Its output is committed in tests/fuzz/corpus/; tests/fuzz.at
 * checks that the two agree, so change both together:
 *     tests/fuzz/gen-seeds tests/fuzz/corpus
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz-enc.h"
#include "vhu-proto.h"

struct buf {
    uint8_t data[4096];
    size_t len;
};

static void
put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > sizeof b->data) {
        fprintf(stderr, "gen-seeds: seed too large\n");
        exit(1);
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put8(struct buf *b, uint8_t v) { put(b, &v, 1); }
static void put16(struct buf *b, uint16_t v) { put(b, &v, 2); }
static void put32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put64(struct buf *b, uint64_t v) { put(b, &v, 8); }

static const char *outdir;

static void
save(const char *target, const char *name, const struct buf *b)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", outdir, target);
    if (mkdir(path, 0777) && errno != EEXIST) {
        perror(path);
        exit(1);
    }
    snprintf(path, sizeof path, "%s/%s/%s", outdir, target, name);
    f = fopen(path, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

/* fuzz-dispatch. */

#define NET_FEATURES (VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF) \
                      | VHU_BIT(VHU_F_RING_INDIRECT_DESC)                    \
                      | VHU_BIT(VHU_F_RING_EVENT_IDX)                        \
                      | VHU_BIT(VHU_F_NET_MQ)                                \
                      | VHU_BIT(VHU_F_PROTOCOL_FEATURES))
#define PROTOCOL_FEATURES (VHU_BIT(VHU_PF_MQ) | VHU_BIT(VHU_PF_REPLY_ACK) \
                           | VHU_BIT(VHU_PF_MTU) | VHU_BIT(VHU_PF_STATUS))

enum { GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM, GET_MAX_MEM_SLOTS,
       GET_STATUS, SET_OWNER, RESET_OWNER };

static void
d_get(struct buf *b, int which)
{
    put8(b, DOP_GET);
    put8(b, which);
}

/* DOP_SET 'what' with NEED_REPLY. */
static void
d_set(struct buf *b, int what, uint64_t value)
{
    put8(b, DOP_SET);
    put8(b, what);
    put64(b, value);
    put8(b, 2);
}

/* An identity-mapped region of 'pages' pages at page 'page'. */
static void
d_region(struct buf *b, int page, int pages)
{
    put8(b, page);
    put8(b, pages - 1);
    put8(b, 0);
}

static void
d_vring(struct buf *b, int vring, int what)
{
    put8(b, DOP_VRING);
    put8(b, vring);
    put8(b, what);
}

/* Vring 'v' of 256 entries at offset v * 0x4000 of guest memory, with
 * eventfds, enabled. */
static void
d_setup_vring(struct buf *b, int v)
{
    uint32_t ofs = v * 0x4000;

    d_vring(b, v, DVR_NUM);
    put8(b, 8);
    d_vring(b, v, DVR_ADDR);
    put16(b, ofs / 4);
    put16(b, (ofs + 0x1000) / 4);
    put16(b, (ofs + 0x2000) / 4);
    put8(b, 0);
    d_vring(b, v, DVR_BASE);
    put32(b, 0);
    d_vring(b, v, DVR_CALL);
    put8(b, 1 + DFD_EVENT);
    d_vring(b, v, DVR_KICK);
    put8(b, 1 + DFD_EVENT);
    d_vring(b, v, DVR_ENABLE);
    put8(b, 1);
}

/* QEMU's order: GET_FEATURES, protocol features, GET_QUEUE_NUM,
 * SET_OWNER, SET_FEATURES. */
static void
d_negotiate(struct buf *b, uint64_t pf)
{
    d_get(b, GET_FEATURES);
    d_get(b, GET_PROTOCOL_FEATURES);
    d_set(b, 1, pf);
    d_get(b, GET_QUEUE_NUM);
    d_get(b, SET_OWNER);
    d_set(b, 0, NET_FEATURES);
}

static void
d_mem_table(struct buf *b)
{
    put8(b, DOP_MEM_TABLE);
    put8(b, 1);
    put8(b, 1);
    d_region(b, 0, GUEST_SIZE / 4096);
}

/* A descriptor of vring 'v' at 'idx' for the buffer at guest offset
 * 'ofs'. */
static void
d_desc(struct buf *b, int v, int idx, uint32_t ofs, uint16_t len,
       uint8_t flags, uint16_t next)
{
    put8(b, DOP_RING);
    put8(b, 0);
    put8(b, v);
    put16(b, idx);
    put16(b, ofs / 4);
    put16(b, len);
    put8(b, flags);
    put16(b, next);
}

static void
d_avail(struct buf *b, int v, uint16_t head)
{
    put8(b, DOP_RING);
    put8(b, 1);
    put8(b, v);
    put16(b, head);
}

static void
d_burst(struct buf *b, int v, bool enqueue, int n, uint16_t size)
{
    put8(b, DOP_BURST);
    put8(b, v);
    put8(b, (enqueue ? 1 : 0) | (n - 1) << 1);
    put16(b, size);
}

/* One TX frame from the guest and one RX frame to it on queue pair 0. */
static void
d_traffic(struct buf *b)
{
    d_desc(b, 1, 0, 0x10000, 12 + 60, 0, 0);
    d_avail(b, 1, 0);
    d_burst(b, 1, false, 1, 2048);
    d_desc(b, 0, 0, 0x20000, 2048, VHU_DESC_F_WRITE, 0);
    d_avail(b, 0, 0);
    d_burst(b, 0, true, 1, 60);
}

static void
gen_dispatch(void)
{
    struct buf b;

    /* QEMU: negotiation, memory, two vrings, DRIVER_OK, traffic, stop. */
    memset(&b, 0, sizeof b);
    put8(&b, 0x01);
    d_negotiate(&b, PROTOCOL_FEATURES);
    d_mem_table(&b);
    d_setup_vring(&b, 0);
    d_setup_vring(&b, 1);
    d_set(&b, 3, 0xf);
    d_traffic(&b);
    d_vring(&b, 0, DVR_GET_BASE);
    d_vring(&b, 1, DVR_GET_BASE);
    save("dispatch", "qemu-session", &b);

    /* QEMU with CONFIGURE_MEM_SLOTS: ADD_MEM_REG once per queue pair. */
    memset(&b, 0, sizeof b);
    put8(&b, 0x01);
    d_negotiate(&b, PROTOCOL_FEATURES
                    | VHU_BIT(VHU_PF_CONFIGURE_MEM_SLOTS));
    d_get(&b, GET_MAX_MEM_SLOTS);
    for (int i = 0; i < 2; i++) {
        put8(&b, DOP_MEM_REG);
        put8(&b, 2);
        d_region(&b, 0, 32);
        put8(&b, DOP_MEM_REG);
        put8(&b, 2);
        d_region(&b, 32, 32);
    }
    d_setup_vring(&b, 0);
    d_setup_vring(&b, 1);
    d_traffic(&b);
    put8(&b, DOP_MEM_REG);
    put8(&b, 3);
    d_region(&b, 32, 32);
    d_burst(&b, 1, false, 1, 2048);
    save("dispatch", "qemu-mem-slots", &b);

    /* No PROTOCOL_FEATURES: vrings start enabled on their kick. */
    memset(&b, 0, sizeof b);
    put8(&b, DCFG_NO_PF);
    d_get(&b, GET_FEATURES);
    d_get(&b, SET_OWNER);
    d_set(&b, 0, VHU_BIT(VHU_F_NET_MRG_RXBUF));
    d_mem_table(&b);
    d_setup_vring(&b, 0);
    d_setup_vring(&b, 1);
    d_traffic(&b);
    save("dispatch", "legacy-no-protocol-features", &b);

    /* Client role, a reconnect by each side, and the session again. */
    memset(&b, 0, sizeof b);
    put8(&b, DCFG_CLIENT);
    d_negotiate(&b, PROTOCOL_FEATURES);
    d_mem_table(&b);
    d_setup_vring(&b, 1);
    put8(&b, DOP_RECONNECT);
    put8(&b, 0);
    d_negotiate(&b, PROTOCOL_FEATURES);
    d_mem_table(&b);
    d_setup_vring(&b, 0);
    d_setup_vring(&b, 1);
    d_traffic(&b);
    put8(&b, DOP_RECONNECT);
    put8(&b, 1);
    d_get(&b, RESET_OWNER);
    save("dispatch", "client-reconnect", &b);

    /* Malformed: bad flags, an unknown request, too many fds, half a
     * header, a pipe as a call fd, a short memfd, a payload over the
     * limit. */
    memset(&b, 0, sizeof b);
    put8(&b, 0x03);
    put8(&b, DOP_MSG);                  /* REPLY flag set by a frontend. */
    put8(&b, VHU_REQ_SET_OWNER);
    put8(&b, 0x80);
    put32(&b, VHU_FLAG_VERSION | VHU_FLAG_REPLY);
    put8(&b, 0);
    put8(&b, 0);
    put8(&b, DOP_MSG);                  /* Unknown request with 2 fds. */
    put8(&b, 63);
    put8(&b, 1);
    put8(&b, 8);
    put64(&b, 0);
    put8(&b, 2);
    put8(&b, DFD_GUEST);
    put8(&b, DFD_PIPE);
    put8(&b, DOP_MSG);                  /* SET_VRING_CALL with 9 fds. */
    put8(&b, VHU_REQ_SET_VRING_CALL);
    put8(&b, 0);
    put8(&b, 8);
    put64(&b, 0);
    put8(&b, 9);
    for (int i = 0; i < 9; i++) {
        put8(&b, i % N_DFD);
    }
    put8(&b, DOP_BYTES);                /* A header in two halves. */
    put8(&b, 6);
    put32(&b, VHU_REQ_GET_FEATURES);
    put16(&b, VHU_FLAG_VERSION);
    put8(&b, 0);
    put8(&b, DOP_BYTES);
    put8(&b, 6);
    put16(&b, 0);
    put32(&b, 0);
    put8(&b, 0);
    d_get(&b, GET_FEATURES);
    put8(&b, DOP_MSG);                  /* A pipe for an eventfd. */
    put8(&b, VHU_REQ_SET_VRING_CALL);
    put8(&b, 1);
    put8(&b, 8);
    put64(&b, 1);
    put8(&b, 1);
    put8(&b, DFD_PIPE);
    put8(&b, DOP_MEM_TABLE);            /* A region past the memfd's end. */
    put8(&b, 1);
    put8(&b, 1);
    put8(&b, 0);
    put8(&b, 1);
    put8(&b, DREG_FD);
    put8(&b, DFD_SMALL);
    put8(&b, DOP_MSG);                  /* Last: it swallows the rest. */
    put8(&b, VHU_REQ_SET_MEM_TABLE);
    put8(&b, 0);
    put8(&b, 255);
    put16(&b, 5000);
    save("dispatch", "malformed", &b);

    /* An indirect TX chain and a looped one, written through raw ring
     * bytes. */
    memset(&b, 0, sizeof b);
    put8(&b, 0x00);
    d_negotiate(&b, PROTOCOL_FEATURES);
    d_mem_table(&b);
    d_setup_vring(&b, 1);
    d_desc(&b, 1, 0, 0x30000, 32, VHU_DESC_F_INDIRECT, 0);
    {
        struct vhu_desc ind[2] = {
            { GUEST_GPA + 0x31000, 12, VHU_DESC_F_NEXT, 1 },
            { GUEST_GPA + 0x31100, 64, 0, 0 },
        };

        put8(&b, DOP_RING);
        put8(&b, 2);
        put16(&b, 0x30000 / 4);
        put8(&b, sizeof ind);
        put(&b, ind, sizeof ind);
    }
    d_avail(&b, 1, 0);
    d_burst(&b, 1, false, 2, 1500);
    d_desc(&b, 1, 1, 0x10000, 64, VHU_DESC_F_NEXT, 1);
    d_avail(&b, 1, 1);
    d_burst(&b, 1, false, 1, 1500);
    save("dispatch", "indirect-and-loop", &b);
}

/* fuzz-split. */

static void
s_header(struct buf *b, uint8_t features, int log2_num)
{
    memset(b, 0, sizeof *b);
    put8(b, features);
    put8(b, log2_num);
    put16(b, 0);
    put16(b, 0);
}

/* An "addr" operand in the buffer area. */
static void
s_addr_buf(struct buf *b, uint16_t ofs)
{
    put8(b, 0);
    put16(b, ofs);
}

static void
s_desc(struct buf *b, int v, uint16_t idx, uint16_t buf_ofs, uint32_t len,
       uint8_t flags, uint16_t next)
{
    put8(b, SOP_DESC);
    put8(b, v);
    put16(b, idx);
    s_addr_buf(b, buf_ofs);
    put32(b, len);
    put8(b, flags);
    put16(b, next);
}

static void
s_avail(struct buf *b, int v, uint16_t head)
{
    put8(b, SOP_AVAIL);
    put8(b, v);
    put16(b, head);
}

static void
s_burst(struct buf *b, int op, int n, uint16_t size)
{
    put8(b, op);
    put8(b, n - 1);
    put16(b, size);
}

static void
s_walk(struct buf *b, int v, uint16_t pos)
{
    put8(b, SOP_WALK);
    put8(b, v);
    put16(b, pos);
}

#define ALL_F (SPLIT_F_INDIRECT | SPLIT_F_EVENT_IDX | SPLIT_F_MRG_RXBUF \
               | SPLIT_F_VERSION_1)

static void
gen_split(void)
{
    struct buf b;

    /* Guest TX: a one-descriptor frame, then a header split over three
     * descriptors. */
    s_header(&b, ALL_F, 8);
    s_desc(&b, 1, 0, 0, 12 + 60, 0, 0);
    s_avail(&b, 1, 0);
    s_walk(&b, 1, 0);
    s_burst(&b, SOP_DEQUEUE, 1, 2048);
    s_desc(&b, 1, 1, 0x100, 4, VHU_DESC_F_NEXT, 2);
    s_desc(&b, 1, 2, 0x200, 8, VHU_DESC_F_NEXT, 3);
    s_desc(&b, 1, 3, 0x300, 100, 0, 0);
    s_avail(&b, 1, 1);
    s_walk(&b, 1, 1);
    s_burst(&b, SOP_DEQUEUE, 4, 1500);
    save("split", "tx-direct", &b);

    /* Guest TX: an indirect table, then one that crosses the regions. */
    s_header(&b, ALL_F, 4);
    put8(&b, SOP_DESC);
    put8(&b, 1);
    put16(&b, 0);
    put8(&b, 1);                        /* Indirect slot 0. */
    put8(&b, 0);
    put32(&b, 3 * 16);
    put8(&b, VHU_DESC_F_INDIRECT);
    put16(&b, 0);
    for (int i = 0; i < 3; i++) {
        put8(&b, SOP_INDIRECT);
        put8(&b, i);
        s_addr_buf(&b, 0x1000 * i);
        put32(&b, i ? 500 : 12);
        put8(&b, i < 2 ? VHU_DESC_F_NEXT : 0);
        put16(&b, i + 1);
    }
    s_avail(&b, 1, 0);
    put8(&b, SOP_DESC);
    put8(&b, 1);
    put16(&b, 1);
    put8(&b, 1);
    put8(&b, 126);                      /* Slots 126-129: 2 regions. */
    put32(&b, 4 * 16);
    put8(&b, VHU_DESC_F_INDIRECT);
    put16(&b, 0);
    for (int i = 0; i < 4; i++) {
        put8(&b, SOP_INDIRECT);
        put8(&b, 126 + i);
        s_addr_buf(&b, 0x2000 + 0x100 * i);
        put32(&b, 64);
        put8(&b, i < 3 ? VHU_DESC_F_NEXT : 0);
        put16(&b, i + 1);
    }
    s_avail(&b, 1, 1);
    s_walk(&b, 1, 0);
    s_walk(&b, 1, 1);
    s_burst(&b, SOP_DEQUEUE, 2, 4096);
    save("split", "tx-indirect", &b);

    /* Guest RX with MRG_RXBUF: four 1 KiB buffers, two 1500-byte frames;
     * a buffer crossing from one region into the other. */
    s_header(&b, ALL_F, 8);
    for (int i = 0; i < 4; i++) {
        s_desc(&b, 0, i, 0x400 * i, 1024, VHU_DESC_F_WRITE, 0);
        s_avail(&b, 0, i);
    }
    s_burst(&b, SOP_ENQUEUE, 2, 1500);
    put8(&b, SOP_DESC);
    put8(&b, 0);
    put16(&b, 4);
    put8(&b, 2);                        /* 100 bytes before the boundary. */
    put8(&b, 100);
    put32(&b, 2048);
    put8(&b, VHU_DESC_F_WRITE);
    put16(&b, 0);
    s_avail(&b, 0, 4);
    s_walk(&b, 0, 4);
    s_burst(&b, SOP_ENQUEUE, 1, 1000);
    save("split", "rx-mergeable", &b);

    /* Guest RX without MRG_RXBUF (10-byte header, no interrupts), and
     * EVENT_IDX with used_event. */
    s_header(&b, SPLIT_F_NO_CALL, 2);
    s_desc(&b, 0, 0, 0, 10, VHU_DESC_F_WRITE | VHU_DESC_F_NEXT, 1);
    s_desc(&b, 0, 1, 0x100, 1514, VHU_DESC_F_WRITE, 0);
    s_avail(&b, 0, 0);
    s_burst(&b, SOP_ENQUEUE, 2, 1000);
    s_desc(&b, 0, 2, 0x800, 1524, VHU_DESC_F_WRITE, 0);
    s_avail(&b, 0, 2);
    s_burst(&b, SOP_ENQUEUE, 1, 1514);
    save("split", "rx-simple", &b);

    s_header(&b, SPLIT_F_EVENT_IDX | SPLIT_F_VERSION_1, 8);
    put8(&b, SOP_AVAIL_SET);
    put8(&b, 1);
    put8(&b, 2);
    put16(&b, 0);
    s_desc(&b, 1, 0, 0, 80, 0, 0);
    s_avail(&b, 1, 0);
    s_avail(&b, 1, 0);
    s_burst(&b, SOP_DEQUEUE, 8, 128);
    save("split", "event-idx", &b);

    /* Hostile: a loop, a readable after a writable, an out-of-range head,
     * and an avail index far ahead; bases near the wrap. */
    s_header(&b, ALL_F, 3);
    b.len = 2;
    put16(&b, 65534);
    put16(&b, 65535);
    s_desc(&b, 1, 0, 0, 64, VHU_DESC_F_NEXT, 0);
    s_avail(&b, 1, 0);
    s_walk(&b, 1, 65534);
    s_burst(&b, SOP_DEQUEUE, 1, 2048);
    s_desc(&b, 0, 0, 0, 64, VHU_DESC_F_WRITE | VHU_DESC_F_NEXT, 1);
    s_desc(&b, 0, 1, 0x100, 64, VHU_DESC_F_NEXT, 2);
    s_desc(&b, 0, 2, 0x200, 64, 0, 0);
    s_avail(&b, 0, 0);
    s_avail(&b, 0, 9);
    s_walk(&b, 0, 65535);
    s_burst(&b, SOP_ENQUEUE, 2, 60);
    put8(&b, SOP_AVAIL_SET);
    put8(&b, 0);
    put8(&b, 0);
    put16(&b, 1000);
    s_burst(&b, SOP_ENQUEUE, 1, 60);
    save("split", "hostile", &b);
}

/* fuzz-mem: operations 0 table, 1 add, 2 remove, 3 gpa, 4 uaddr, 5 read,
 * 6 free.  A region: flags 0, gpa page:u16, size pages - 1:u8, offset
 * page:u8, uaddr page:u16. */

static void
m_region(struct buf *b, uint16_t gpa_page, uint8_t pages, uint8_t ofs_page,
         uint16_t uaddr_page)
{
    put8(b, 0);
    put16(b, gpa_page);
    put8(b, pages - 1);
    put8(b, ofs_page);
    put16(b, uaddr_page);
}

/* Translates near the start and the end of model region 'r'. */
static void
m_probe(struct buf *b, int r)
{
    for (int kind = 3; kind <= 4; kind++) {
        put8(b, kind);
        put8(b, 1);
        put16(b, r);
        put32(b, 100);
        put8(b, 2);
        put16(b, 0x2000);
        put8(b, kind);
        put8(b, 3);
        put16(b, r);
        put8(b, 10);
        put8(b, 0);
        put16(b, 64);
    }
}

static void
gen_mem(void)
{
    struct buf b;

    /* A table of three regions of different memfds, probes, a read
     * across two adjacent regions, then the same table again. */
    memset(&b, 0, sizeof b);
    for (int again = 0; again < 2; again++) {
        put8(&b, 0);
        put8(&b, 3);
        put8(&b, 0);
        m_region(&b, 0x100, 16, 0, 0x100);
        put8(&b, 1);
        m_region(&b, 0x110, 32, 4, 0x200);
        put8(&b, 2);
        m_region(&b, 0x400, 1, 0, 0x50);
    }
    for (int r = 0; r < 3; r++) {
        m_probe(&b, r);
    }
    put8(&b, 5);
    put8(&b, 1);
    put16(&b, 0);
    put32(&b, 0xf000);
    put16(&b, 0x2000);
    save("mem", "set-table", &b);

    /* ADD_MEM_REG twice (a second reference), REM_MEM_REG, an overlap and
     * a short fd refused, and an eventfd. */
    memset(&b, 0, sizeof b);
    for (int i = 0; i < 2; i++) {
        put8(&b, 1);
        put8(&b, 1);
        put8(&b, 0);
        m_region(&b, 0x1000, 32, 8, 0x1000);
    }
    put8(&b, 1);
    put8(&b, 0);
    put8(&b, 0);
    m_region(&b, 0x2000, 8, 0, 0x3000);
    put8(&b, 1);                        /* Overlaps the first. */
    put8(&b, 1);
    put8(&b, 0);
    m_region(&b, 0x1010, 8, 0, 0x5000);
    put8(&b, 1);                        /* Past the end of a 4 KiB fd. */
    put8(&b, 2);
    put8(&b, 0);
    m_region(&b, 0x6000, 2, 0, 0x6000);
    put8(&b, 1);                        /* An eventfd. */
    put8(&b, 3);
    put8(&b, 0);
    m_region(&b, 0x7000, 1, 0, 0x7000);
    m_probe(&b, 0);
    m_probe(&b, 1);
    put8(&b, 2);
    put8(&b, 1);
    put16(&b, 0);
    m_probe(&b, 0);
    put8(&b, 2);
    put8(&b, 1);
    put16(&b, 0);
    put8(&b, 2);
    put8(&b, 0);
    m_region(&b, 0x1000, 32, 0, 0x1000);
    m_probe(&b, 0);
    put8(&b, 6);
    save("mem", "add-remove", &b);

    /* Many small regions through ADD_MEM_REG, limited to 8. */
    memset(&b, 0, sizeof b);
    for (int i = 0; i < 10; i++) {
        put8(&b, 1);
        put8(&b, 0);
        put8(&b, i < 9 ? 0 : 130);
        m_region(&b, 0x10 * i, 1, i, 0x10 * i);
    }
    for (int r = 0; r < 8; r += 3) {
        m_probe(&b, r);
    }
    save("mem", "many-regions", &b);
}

int
main(int argc, char *argv[])
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    if (mkdir(outdir, 0777) && errno != EEXIST) {
        perror(outdir);
        return 1;
    }
    gen_dispatch();
    gen_split();
    gen_mem();
    return 0;
}
