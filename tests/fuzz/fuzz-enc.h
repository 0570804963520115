/*
 * fuzz-enc.h: the input encodings of the fuzz targets fuzz-dispatch.c and
 * fuzz-split.c, shared with the seed generator gen-seeds.c.
 *
 * An input is a sequence of operations, each an opcode byte (taken modulo
 * the number of operations) followed by its operands, little-endian.  The
 * comments below give the operands; "addr16" is a u16 that, times 4, is an
 * offset in guest memory.  Past the end of the input every byte reads as
 * zero, so a truncated input is still a valid one.
 */
#ifndef FUZZ_ENC_H
#define FUZZ_ENC_H 1

#include <stdint.h>

/* Guest memory of both targets: gpa GUEST_GPA + offset and frontend
 * address GUEST_UADDR + offset name byte 'offset' of a GUEST_SIZE-byte
 * memfd, unless the input chooses otherwise. */
#define GUEST_GPA   UINT64_C(0x40000000)
#define GUEST_UADDR UINT64_C(0x7f1200000000)
#define GUEST_SIZE  0x40000

/* fuzz-dispatch.  The first byte configures the device:
 *   bits 0-1: max_queue_pairs - 1;   bit 7: max_queue_pairs 0 (128);
 *   bit 6: do not offer PROTOCOL_FEATURES;
 *   bit 4: client role (the device connects to us). */
#define DCFG_QP_MASK   0x03
#define DCFG_QP_MAX    0x80
#define DCFG_NO_PF     0x40
#define DCFG_CLIENT    0x10

/* Fds a message can carry, by index: the guest memfd, an eventfd, the read
 * end of a pipe, and a one-page memfd. */
enum { DFD_GUEST, DFD_EVENT, DFD_PIPE, DFD_SMALL, N_DFD };

enum dispatch_op {
    /* request:u8 (>= 64: a u32 follows and is the request), flags:u8
     * (bit 7: a raw u32 follows; else VERSION, NEED_REPLY if bit 0),
     * size:u8 (255: a u16 mod 8192 follows), payload, fds:u8 (bits 0-3: count), one
     * u8 fd index per fd. */
    DOP_MSG,
    /* flags:u8 (bit 0 NEED_REPLY), n:u8 (mod 10), n regions. */
    DOP_MEM_TABLE,
    /* how:u8 (bit 0: remove; bit 1: NEED_REPLY; bit 2: no fd), region. */
    DOP_MEM_REG,
    /* vring:u8, what:u8 (enum dispatch_vring_op), operands. */
    DOP_VRING,
    /* what:u8 (0 features, 1 protocol features, 2 MTU, 3 status),
     * value:u64, mask:u8 (bit 0: AND the value with what is offered). */
    DOP_SET,
    /* which:u8: GET_FEATURES, GET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
     * GET_MAX_MEM_SLOTS, GET_STATUS, SET_OWNER, RESET_OWNER (mod 7). */
    DOP_GET,
    /* what:u8 (0 descriptor, 1 avail entry, 2 raw bytes), operands. */
    DOP_RING,
    /* vring:u8, how:u8 (bit 0 enqueue; bits 1-3: n - 1), size:u16. */
    DOP_BURST,
    /* len:u8, bytes, fds:u8 (count mod 4, each from the next u8): raw
     * bytes on the socket, e.g. half a message. */
    DOP_BYTES,
    /* how:u8 (bit 0: the device drops the connection; else we do). */
    DOP_RECONNECT,
    N_DOPS
};

/* A region (DOP_MEM_TABLE, DOP_MEM_REG): page:u8, pages:u8 (size (pages +
 * 1) * 4096 at file offset page * 4096, identity-mapped), flags:u8 (bit 0:
 * raw gpa:u64, bit 1: raw size:u64, bit 2: raw uaddr:u64, bit 3: raw
 * mmap_offset:u64, each following in that order; bit 4: the fd is
 * fd:u8 (an index) instead of the guest memfd). */
#define DREG_RAW_GPA    0x01
#define DREG_RAW_SIZE   0x02
#define DREG_RAW_UADDR  0x04
#define DREG_RAW_OFFSET 0x08
#define DREG_FD         0x10

enum dispatch_vring_op {
    DVR_NUM,                    /* log2:u8 (bit 7: raw u32 follows). */
    DVR_ADDR,                   /* desc, avail, used:addr16, flags:u8. */
    DVR_BASE,                   /* base:u32. */
    DVR_KICK,                   /* fd:u8 (0: NOFD; else index fd - 1). */
    DVR_CALL,
    DVR_ERR,
    DVR_ENABLE,                 /* enable:u8. */
    DVR_GET_BASE,
    N_DVR
};

/* DOP_RING operands:
 *   0: vring:u8, idx:u16, addr:addr16, len:u16, flags:u8, next:u16: a
 *      descriptor of the vring as we last described it (identity map);
 *   1: vring:u8, head:u16: appended to its avail ring, avail->idx++;
 *   2: ofs:addr16, len:u8, bytes: written into guest memory. */

/* fuzz-split.  Header: features:u8 (SPLIT_F_*), log2 ring size:u8 (mod
 * 9), tx base:u16, rx base:u16.  Then operations. */
#define SPLIT_F_INDIRECT  0x01
#define SPLIT_F_EVENT_IDX 0x02
#define SPLIT_F_MRG_RXBUF 0x04
#define SPLIT_F_VERSION_1 0x08
#define SPLIT_F_NO_CALL   0x10  /* SET_VRING_CALL with NOFD. */

/* fuzz-split's guest memory: two regions of GUEST_SIZE / 2 bytes, each
 * its own memfd, contiguous in gpa from GUEST_GPA.  Offsets from
 * GUEST_GPA: */
#define SPLIT_DESC_OFS(V)  ((V) * 0x4000)           /* Vring V's table, */
#define SPLIT_AVAIL_OFS(V) ((V) * 0x4000 + 0x1000)  /* avail ring, */
#define SPLIT_USED_OFS(V)  ((V) * 0x4000 + 0x2000)  /* used ring. */
#define SPLIT_BUF_OFS      0x8000       /* Buffers (64 KiB and more). */
#define SPLIT_BOUNDARY_OFS (GUEST_SIZE / 2)         /* Second region. */
#define SPLIT_IND_OFS      (SPLIT_BOUNDARY_OFS - 0x800) /* 256 indirect
                                         * entries; 128 on each side. */

/* Vrings: 0 is guest RX (enqueue), 1 guest TX (dequeue). */
enum split_op {
    /* vring:u8 (bit 0), idx:u16, addr, len:u32, flags:u8, next:u16. */
    SOP_DESC,
    /* slot:u8, addr, len:u32, flags:u8, next:u16: entry 'slot' of the
     * indirect area (SPLIT_IND_GPA). */
    SOP_INDIRECT,
    /* vring:u8, head:u16: appended to the avail ring, avail->idx++. */
    SOP_AVAIL,
    /* vring:u8, what:u8 (0 avail->idx, 1 avail->flags, 2 used_event),
     * value:u16. */
    SOP_AVAIL_SET,
    /* how:u8 (bits 0-4: n - 1), size:u16: guest TX burst into 'n'
     * buffers of 'size' bytes. */
    SOP_DEQUEUE,
    /* how:u8 (bits 0-4: n - 1), len:u16: guest RX burst of 'n' frames of
     * 'len' bytes (mod 9200). */
    SOP_ENQUEUE,
    /* gpa ofs:u16 (times 4, from the start of guest memory), len:u8,
     * bytes. */
    SOP_WRITE,
    /* vring:u8, pos:u16: vhu_split_get_chain() on our own mapping. */
    SOP_WALK,
    N_SOPS
};

/* An "addr" operand of fuzz-split: mode:u8, then by mode % 4:
 *   0: ofs:u16, the gpa SPLIT_BUF_GPA + ofs;
 *   1: slot:u8, the gpa of that entry of the indirect area;
 *   2: back:u8, the gpa SPLIT_BOUNDARY_GPA - back (buffers crossing from
 *      the first region into the second);
 *   3: a raw gpa:u64. */

#endif /* fuzz-enc.h */
