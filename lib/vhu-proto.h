/*
 * vhu-proto.h: the vhost-user wire format (QEMU docs/interop/vhost-user.rst).
 *
 * Shared by the backend library (lib/) and the frontend tools (utilities/).
 * Only plain C types; every payload size is checked at compile time.
 * Terms follow the spec: "frontend" drives the device, "backend" (us)
 * implements it.
 */
#ifndef VHU_PROTO_H
#define VHU_PROTO_H 1

#include <stdint.h>

#define VHU_STATIC_ASSERT(COND, MSG) _Static_assert(COND, MSG)

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ovs-vhostuser supports little-endian hosts only"
#endif

/* Header flags. */
#define VHU_FLAG_VERSION_MASK 0x3u
#define VHU_FLAG_VERSION      0x1u
#define VHU_FLAG_REPLY        (1u << 2)
#define VHU_FLAG_NEED_REPLY   (1u << 3)

/* Frontend requests (vhost-user.rst, "Front-end message types"). */
enum vhu_request {
    VHU_REQ_NONE = 0,
    VHU_REQ_GET_FEATURES = 1,
    VHU_REQ_SET_FEATURES = 2,
    VHU_REQ_SET_OWNER = 3,
    VHU_REQ_RESET_OWNER = 4,
    VHU_REQ_SET_MEM_TABLE = 5,
    VHU_REQ_SET_LOG_BASE = 6,
    VHU_REQ_SET_LOG_FD = 7,
    VHU_REQ_SET_VRING_NUM = 8,
    VHU_REQ_SET_VRING_ADDR = 9,
    VHU_REQ_SET_VRING_BASE = 10,
    VHU_REQ_GET_VRING_BASE = 11,
    VHU_REQ_SET_VRING_KICK = 12,
    VHU_REQ_SET_VRING_CALL = 13,
    VHU_REQ_SET_VRING_ERR = 14,
    VHU_REQ_GET_PROTOCOL_FEATURES = 15,
    VHU_REQ_SET_PROTOCOL_FEATURES = 16,
    VHU_REQ_GET_QUEUE_NUM = 17,
    VHU_REQ_SET_VRING_ENABLE = 18,
    VHU_REQ_SEND_RARP = 19,
    VHU_REQ_NET_SET_MTU = 20,
    VHU_REQ_SET_BACKEND_REQ_FD = 21,
    VHU_REQ_IOTLB_MSG = 22,
    VHU_REQ_SET_VRING_ENDIAN = 23,
    VHU_REQ_GET_CONFIG = 24,
    VHU_REQ_SET_CONFIG = 25,
    VHU_REQ_CREATE_CRYPTO_SESSION = 26,
    VHU_REQ_CLOSE_CRYPTO_SESSION = 27,
    VHU_REQ_POSTCOPY_ADVISE = 28,
    VHU_REQ_POSTCOPY_LISTEN = 29,
    VHU_REQ_POSTCOPY_END = 30,
    VHU_REQ_GET_INFLIGHT_FD = 31,
    VHU_REQ_SET_INFLIGHT_FD = 32,
    VHU_REQ_GPU_SET_SOCKET = 33,
    VHU_REQ_RESET_DEVICE = 34,
    VHU_REQ_VRING_KICK = 35,
    VHU_REQ_GET_MAX_MEM_SLOTS = 36,
    VHU_REQ_ADD_MEM_REG = 37,
    VHU_REQ_REM_MEM_REG = 38,
    VHU_REQ_SET_STATUS = 39,
    VHU_REQ_GET_STATUS = 40,
    VHU_REQ_MAX_
};

/* Virtio and vhost-user feature bits (u64, GET/SET_FEATURES). */
#define VHU_F_NET_MTU            3
#define VHU_F_NET_MAC            5
#define VHU_F_NET_MRG_RXBUF      15
#define VHU_F_NET_STATUS         16
#define VHU_F_NET_CTRL_VQ        17
#define VHU_F_NET_MQ             22
#define VHU_F_LOG_ALL            26
#define VHU_F_RING_INDIRECT_DESC 28
#define VHU_F_RING_EVENT_IDX     29
#define VHU_F_PROTOCOL_FEATURES  30
#define VHU_F_VERSION_1          32
#define VHU_F_RING_PACKED        34
#define VHU_F_IN_ORDER           35

/* Protocol feature bits (GET/SET_PROTOCOL_FEATURES). */
#define VHU_PF_MQ                  0
#define VHU_PF_LOG_SHMFD           1
#define VHU_PF_RARP                2
#define VHU_PF_REPLY_ACK           3
#define VHU_PF_MTU                 4
#define VHU_PF_BACKEND_REQ         5
#define VHU_PF_CROSS_ENDIAN        6
#define VHU_PF_CONFIG              9
#define VHU_PF_INFLIGHT_SHMFD      12
#define VHU_PF_RESET_DEVICE        13
#define VHU_PF_INBAND_NOTIFICATIONS 14
#define VHU_PF_CONFIGURE_MEM_SLOTS 15
#define VHU_PF_STATUS              16

#define VHU_BIT(N) (UINT64_C(1) << (N))

/* Limits. */
#define VHU_MEM_TABLE_MAX_REGIONS 8     /* Regions in one SET_MEM_TABLE. */
#define VHU_MAX_MEM_SLOTS 509           /* With CONFIGURE_MEM_SLOTS. */
#define VHU_MAX_QUEUE_PAIRS 128
#define VHU_MAX_VRINGS (2 * VHU_MAX_QUEUE_PAIRS)
#define VHU_MAX_RING_SIZE 32768
#define VHU_MAX_FDS 8                   /* Fds one message may carry. */
#define VHU_MAX_PAYLOAD 4096            /* Larger payloads are refused. */

/* SET_VRING_KICK/CALL/ERR u64 payload. */
#define VHU_VRING_IDX_MASK 0xffu
#define VHU_VRING_NOFD     (1u << 8)

/* Message header. */
struct vhu_msg_hdr {
    uint32_t request;
    uint32_t flags;
    uint32_t size;              /* Payload bytes that follow. */
};
VHU_STATIC_ASSERT(sizeof(struct vhu_msg_hdr) == 12, "vhu_msg_hdr size");

/* SET_VRING_NUM, SET_VRING_BASE, GET_VRING_BASE, SET_VRING_ENABLE. */
struct vhu_vring_state {
    uint32_t index;
    uint32_t num;
};
VHU_STATIC_ASSERT(sizeof(struct vhu_vring_state) == 8, "vring_state size");

/* SET_VRING_ADDR.  Addresses are in the frontend's address space. */
#define VHU_VRING_F_LOG 0x1u
struct vhu_vring_addr {
    uint32_t index;
    uint32_t flags;
    uint64_t desc_uaddr;
    uint64_t used_uaddr;
    uint64_t avail_uaddr;
    uint64_t log_gpa;
};
VHU_STATIC_ASSERT(sizeof(struct vhu_vring_addr) == 40, "vring_addr size");

/* One memory region. */
struct vhu_mem_region_desc {
    uint64_t gpa;               /* Guest physical address. */
    uint64_t size;
    uint64_t uaddr;             /* Frontend's virtual address. */
    uint64_t mmap_offset;       /* Offset of the region in its fd. */
};
VHU_STATIC_ASSERT(sizeof(struct vhu_mem_region_desc) == 32, "region size");

/* SET_MEM_TABLE. */
struct vhu_mem_table_desc {
    uint32_t n_regions;
    uint32_t padding;
    struct vhu_mem_region_desc regions[VHU_MEM_TABLE_MAX_REGIONS];
};
VHU_STATIC_ASSERT(sizeof(struct vhu_mem_table_desc) == 8 + 8 * 32,
                  "mem table size");

/* ADD_MEM_REG, REM_MEM_REG. */
struct vhu_mem_reg_msg {
    uint64_t padding;
    struct vhu_mem_region_desc region;
};
VHU_STATIC_ASSERT(sizeof(struct vhu_mem_reg_msg) == 40, "mem reg size");

/* Split virtqueue layout (virtio 1.x, 2.7). */
#define VHU_DESC_F_NEXT     1
#define VHU_DESC_F_WRITE    2
#define VHU_DESC_F_INDIRECT 4

#define VHU_AVAIL_F_NO_INTERRUPT 1
#define VHU_USED_F_NO_NOTIFY     1

struct vhu_desc {
    uint64_t addr;              /* Guest physical. */
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
VHU_STATIC_ASSERT(sizeof(struct vhu_desc) == 16, "desc size");

struct vhu_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[];            /* num entries, then used_event. */
};

struct vhu_used_elem {
    uint32_t id;
    uint32_t len;
};
VHU_STATIC_ASSERT(sizeof(struct vhu_used_elem) == 8, "used elem size");

struct vhu_used {
    uint16_t flags;
    uint16_t idx;
    struct vhu_used_elem ring[]; /* num entries, then avail_event. */
};

/* Bytes each part of a split ring occupies for 'num' entries, including
 * the event-index fields. */
#define VHU_DESC_BYTES(NUM)  ((uint64_t) (NUM) * 16)
#define VHU_AVAIL_BYTES(NUM) (4 + (uint64_t) (NUM) * 2 + 2)
#define VHU_USED_BYTES(NUM)  (4 + (uint64_t) (NUM) * 8 + 2)

/* virtio-net header.  10 bytes for legacy devices without MRG_RXBUF,
 * 12 bytes (with num_buffers) otherwise. */
struct vhu_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};
VHU_STATIC_ASSERT(sizeof(struct vhu_net_hdr) == 12, "net hdr size");

/* True if an event index crossing from 'old' to 'new' passes 'event'
 * (virtio 1.x, vring_need_event). */
static inline int
vhu_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t) (new_idx - event - 1) < (uint16_t) (new_idx - old_idx);
}

#endif /* vhu-proto.h */
