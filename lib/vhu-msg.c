/*
 * vhu-msg.c: the vhost-user request table, the dispatcher and the handlers.
 *
 * One row per request says how big its payload may be, which fds it
 * carries, where its vring index is, which protocol feature gates it, and
 * whether it has a reply.  The dispatcher applies all of that before a
 * handler runs, owns every received fd until a handler takes it, and closes
 * the rest.  Handlers validate into locals and commit last, so a rejected
 * message changes nothing.  Documentation/internals/messages.rst lists every
 * request and what happens to it.
 */
#include "vhu-msg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vhu-log.h"
#include "vhu-mem.h"
#include "vhu-private.h"
#include "vhu-socket.h"
#include "vhu-vring.h"

struct reply {
    uint32_t size;
    union {
        uint64_t u64;
        struct vhu_vring_state state;
    } u;
};

typedef int handler_fn(struct vhu_dev *, struct vhu_msg *, int vring,
                       struct reply *);

enum fd_rule {
    FDS_NONE,                   /* No fds. */
    FDS_ONE,                    /* Exactly one. */
    FDS_OPTIONAL,               /* Zero or one. */
    FDS_VRING_FILE,             /* One, or none with the NOFD bit. */
    FDS_MEM_TABLE,              /* One per region. */
};

enum vring_arg {
    VRING_NONE,
    VRING_U32,                  /* u32 index at the start of the payload. */
    VRING_U64_LOW,              /* Bits 0-7 of a u64 payload. */
};

struct request_info {
    const char *name;
    handler_fn *handler;        /* NULL: rejected, see 'why'. */
    const char *why;            /* Why an unhandled request is rejected. */
    uint32_t min_size, max_size;
    enum fd_rule fds;
    enum vring_arg vring;
    int pf_gate;                /* Protocol feature needed, or -1. */
    bool has_reply;             /* Replies even without REPLY_ACK. */
};

static handler_fn get_features, set_features, get_protocol_features,
    set_protocol_features, set_owner, reset_owner, get_queue_num,
    set_mem_table, get_max_mem_slots, add_mem_reg, rem_mem_reg,
    set_vring_num, set_vring_addr, set_vring_base, get_vring_base,
    set_vring_kick, set_vring_call, set_vring_err, set_vring_enable,
    net_set_mtu, set_status, get_status;

#define ROW(REQ, FN, MIN, MAX, FDS, VRING, GATE, REPLY) \
    [VHU_REQ_##REQ] = { #REQ, FN, NULL, MIN, MAX, FDS, VRING, GATE, REPLY }
#define ROW_(...) ROW(__VA_ARGS__)  /* Expands U64 and STATE first. */
#define U64 8, 8                /* A u64 payload. */
#define STATE 8, 8              /* A struct vhu_vring_state payload. */
#define REJECT(REQ, WHY) \
    [VHU_REQ_##REQ] = { #REQ, NULL, WHY, 0, 0, FDS_NONE, VRING_NONE, -1, \
                        false }
/* A rejected request whose frontend waits for a reply: the connection is
 * closed rather than left hanging. */
#define REJECT_REPLY(REQ, WHY) \
    [VHU_REQ_##REQ] = { #REQ, NULL, WHY, 0, 0, FDS_NONE, VRING_NONE, -1, \
                        true }

static const struct request_info requests[VHU_REQ_MAX_] = {
    ROW_(GET_FEATURES, get_features, 0, 0, FDS_NONE, VRING_NONE, -1, true),
    ROW_(SET_FEATURES, set_features, U64, FDS_NONE, VRING_NONE, -1, false),
    ROW_(SET_OWNER, set_owner, 0, 0, FDS_NONE, VRING_NONE, -1, false),
    ROW_(RESET_OWNER, reset_owner, 0, 0, FDS_NONE, VRING_NONE, -1, false),
    ROW_(SET_MEM_TABLE, set_mem_table, 8, sizeof(struct vhu_mem_table_desc),
        FDS_MEM_TABLE, VRING_NONE, -1, false),
    REJECT(SET_LOG_BASE, "dirty logging (LOG_SHMFD) is not offered"),
    REJECT(SET_LOG_FD, "dirty logging (LOG_SHMFD) is not offered"),
    ROW_(SET_VRING_NUM, set_vring_num, STATE, FDS_NONE, VRING_U32, -1, false),
    ROW_(SET_VRING_ADDR, set_vring_addr, sizeof(struct vhu_vring_addr),
        sizeof(struct vhu_vring_addr), FDS_NONE, VRING_U32, -1, false),
    ROW_(SET_VRING_BASE, set_vring_base, STATE, FDS_NONE, VRING_U32, -1,
        false),
    ROW_(GET_VRING_BASE, get_vring_base, STATE, FDS_NONE, VRING_U32, -1,
        true),
    ROW_(SET_VRING_KICK, set_vring_kick, U64, FDS_VRING_FILE, VRING_U64_LOW,
        -1, false),
    ROW_(SET_VRING_CALL, set_vring_call, U64, FDS_VRING_FILE, VRING_U64_LOW,
        -1, false),
    ROW_(SET_VRING_ERR, set_vring_err, U64, FDS_VRING_FILE, VRING_U64_LOW,
        -1, false),
    ROW_(GET_PROTOCOL_FEATURES, get_protocol_features, 0, 0, FDS_NONE,
        VRING_NONE, -1, true),
    ROW_(SET_PROTOCOL_FEATURES, set_protocol_features, U64, FDS_NONE,
        VRING_NONE, -1, false),
    ROW_(GET_QUEUE_NUM, get_queue_num, 0, 0, FDS_NONE, VRING_NONE, -1, true),
    ROW_(SET_VRING_ENABLE, set_vring_enable, STATE, FDS_NONE, VRING_U32, -1,
        false),
    REJECT(SEND_RARP, "the RARP protocol feature is not offered"),
    ROW_(NET_SET_MTU, net_set_mtu, U64, FDS_NONE, VRING_NONE, VHU_PF_MTU,
        false),
    REJECT(SET_BACKEND_REQ_FD, "the BACKEND_REQ protocol feature is not "
           "offered"),
    REJECT_REPLY(IOTLB_MSG, "VIRTIO_F_IOMMU_PLATFORM is not offered"),
    REJECT(SET_VRING_ENDIAN, "the CROSS_ENDIAN protocol feature is not "
           "offered"),
    REJECT_REPLY(GET_CONFIG, "the CONFIG protocol feature is not offered"),
    REJECT(SET_CONFIG, "the CONFIG protocol feature is not offered"),
    REJECT_REPLY(CREATE_CRYPTO_SESSION, "not a crypto device"),
    REJECT(CLOSE_CRYPTO_SESSION, "not a crypto device"),
    REJECT_REPLY(POSTCOPY_ADVISE, "postcopy migration is not offered"),
    REJECT(POSTCOPY_LISTEN, "postcopy migration is not offered"),
    REJECT_REPLY(POSTCOPY_END, "postcopy migration is not offered"),
    REJECT_REPLY(GET_INFLIGHT_FD, "the INFLIGHT_SHMFD protocol feature is "
                 "not offered"),
    REJECT(SET_INFLIGHT_FD, "the INFLIGHT_SHMFD protocol feature is not "
           "offered"),
    REJECT(GPU_SET_SOCKET, "not a GPU device"),
    REJECT(RESET_DEVICE, "the RESET_DEVICE protocol feature is not offered"),
    REJECT(VRING_KICK, "in-band notifications are not offered"),
    ROW_(GET_MAX_MEM_SLOTS, get_max_mem_slots, 0, 0, FDS_NONE, VRING_NONE,
        VHU_PF_CONFIGURE_MEM_SLOTS, true),
    ROW_(ADD_MEM_REG, add_mem_reg, sizeof(struct vhu_mem_reg_msg),
        sizeof(struct vhu_mem_reg_msg), FDS_ONE, VRING_NONE,
        VHU_PF_CONFIGURE_MEM_SLOTS, false),
    ROW_(REM_MEM_REG, rem_mem_reg, sizeof(struct vhu_mem_reg_msg),
        sizeof(struct vhu_mem_reg_msg), FDS_OPTIONAL, VRING_NONE,
        VHU_PF_CONFIGURE_MEM_SLOTS, false),
    ROW_(SET_STATUS, set_status, U64, FDS_NONE, VRING_NONE, VHU_PF_STATUS,
        false),
    ROW_(GET_STATUS, get_status, 0, 0, FDS_NONE, VRING_NONE, VHU_PF_STATUS,
        true),
};

static const char *
request_name(uint32_t request)
{
    return (request < VHU_REQ_MAX_ && requests[request].name
            ? requests[request].name : "UNKNOWN");
}

/* Takes fd 'i' out of 'msg' so the dispatcher will not close it. */
static int
take_fd(struct vhu_msg *msg, int i)
{
    int fd = msg->fds[i];

    msg->fds[i] = -1;
    return fd;
}

static int
reject(struct vhu_dev *dev, const struct vhu_msg *msg, int error,
       const char *why)
{
    vhu_log_rl(VHU_LOG_WARN, "%s: rejected %s (request %u): %s",
               dev->path, request_name(msg->hdr.request),
               msg->hdr.request, why);
    return error;
}

/* Generic checks from the table row.  Returns 0 or an errno. */
static int
check_generic(struct vhu_dev *dev, const struct request_info *ri,
              const struct vhu_msg *msg, int *vringp)
{
    uint32_t size = msg->hdr.size;
    int want_fds = 0;

    if (size < ri->min_size || size > ri->max_size) {
        return reject(dev, msg, EINVAL, "bad payload size");
    }
    *vringp = -1;
    if (ri->vring == VRING_U32) {
        uint32_t idx;

        memcpy(&idx, msg->payload.bytes, sizeof idx);
        *vringp = idx < 2u * dev->max_queue_pairs ? (int) idx : -1;
    } else if (ri->vring == VRING_U64_LOW) {
        uint32_t idx = msg->payload.u64 & VHU_VRING_IDX_MASK;

        *vringp = idx < 2u * dev->max_queue_pairs ? (int) idx : -1;
    }
    if (ri->vring != VRING_NONE && *vringp < 0) {
        return reject(dev, msg, ERANGE, "vring index out of range");
    }
    switch (ri->fds) {
    case FDS_NONE:
        want_fds = 0;
        break;
    case FDS_ONE:
        want_fds = 1;
        break;
    case FDS_OPTIONAL:
        want_fds = msg->n_fds ? 1 : 0;
        break;
    case FDS_VRING_FILE:
        want_fds = msg->payload.u64 & VHU_VRING_NOFD ? 0 : 1;
        break;
    case FDS_MEM_TABLE: {
        uint32_t n_regions;

        memcpy(&n_regions, msg->payload.bytes, sizeof n_regions);
        want_fds = n_regions <= VHU_MAX_FDS ? (int) n_regions : -1;
        break;
    }
    }
    if (msg->n_fds != want_fds) {
        return reject(dev, msg, EBADF, "wrong number of fds");
    }
    if (ri->pf_gate >= 0
        && !(dev->protocol_features & VHU_BIT(ri->pf_gate))) {
        return reject(dev, msg, ENOTSUP,
                      "its protocol feature was not negotiated");
    }
    return 0;
}

static int
send_reply(struct vhu_dev *dev, const struct vhu_msg *msg,
           const struct reply *reply)
{
    struct vhu_msg_hdr hdr = {
        .request = msg->hdr.request,
        .flags = VHU_FLAG_VERSION | VHU_FLAG_REPLY,
        .size = reply->size,
    };

    /* Never wait: a frontend that leaves no room in its socket for a reply
     * is closed, so the control thread does not block. */
    return vhu_sock_send(dev->conn_fd, &hdr, &reply->u, NULL, 0, 0);
}

int
vhu_msg_dispatch(struct vhu_dev *dev, struct vhu_msg *msg)
{
    uint32_t req = msg->hdr.request;
    const struct request_info *ri = req < VHU_REQ_MAX_ ? &requests[req] : NULL;
    bool ack = (msg->hdr.flags & VHU_FLAG_NEED_REPLY
                && dev->protocol_features & VHU_BIT(VHU_PF_REPLY_ACK));
    struct reply reply = { .size = 0 };
    int vring = -1, error;

    dev->stats.msgs++;
    if ((msg->hdr.flags & VHU_FLAG_VERSION_MASK) != VHU_FLAG_VERSION
        || msg->hdr.flags & VHU_FLAG_REPLY) {
        error = reject(dev, msg, EPROTO, "bad header flags");
    } else if (!ri || !ri->name) {
        error = reject(dev, msg, ENOSYS, "unknown request");
    } else if (!ri->handler) {
        error = reject(dev, msg, ri->has_reply ? EPROTO : ENOTSUP, ri->why);
    } else {
        error = check_generic(dev, ri, msg, &vring);
        if (!error) {
            error = ri->handler(dev, msg, vring, &reply);
        }
    }
    /* Generous, for debugging a negotiation, but still bounded. */
    vhu_log_rl_n(200, 100, VHU_LOG_DBG,
                 "%s: %s (request %u, %u bytes, %d fds%s): %s",
                 dev->path, request_name(req), req, msg->hdr.size,
                 msg->n_fds, msg->hdr.flags & VHU_FLAG_NEED_REPLY
                 ? ", need reply" : "", error ? strerror(error) : "ok");
    vhu_close_fds(msg->fds, msg->n_fds);
    if (error) {
        dev->stats.msgs_rejected++;
        if ((ri && ri->has_reply) || error == EPROTO) {
            /* The frontend waits for a reply we cannot give: close. */
            return error;
        }
    }
    if (ri && ri->has_reply && !error) {
        return send_reply(dev, msg, &reply);
    }
    if (ack) {
        reply.size = sizeof reply.u.u64;
        reply.u.u64 = error ? 1 : 0;
        return send_reply(dev, msg, &reply);
    }
    return 0;
}

static void
reply_u64(struct reply *reply, uint64_t value)
{
    reply->size = sizeof reply->u.u64;
    reply->u.u64 = value;
}

/* Features. */

static int
get_features(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
             struct reply *reply)
{
    reply_u64(reply, dev->offered_features);
    return 0;
}

static int
set_features(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
             struct reply *reply)
{
    uint64_t features = msg->payload.u64;

    if (features & ~dev->offered_features) {
        return reject(dev, msg, EINVAL, "features that were not offered");
    }
    /* Bursts read the features and header length: change them only while
     * no burst runs. */
    vhu_dev_lock_all(dev);
    dev->features = features;
    dev->hdr_len = (features & (VHU_BIT(VHU_F_VERSION_1)
                                | VHU_BIT(VHU_F_NET_MRG_RXBUF))
                    ? sizeof(struct vhu_net_hdr)
                    : sizeof(struct vhu_net_hdr) - sizeof(uint16_t));
    vhu_dev_unlock_all(dev);
    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        if (dev->vrings[i].ready) {
            vhu_dev_update_vring(dev, i);
        }
    }
    vhu_dev_event(dev, VHU_EV_FEATURES_CHANGED, -1);
    return 0;
}

/* GET/SET_PROTOCOL_FEATURES are valid only if we offered the
 * PROTOCOL_FEATURES virtio feature bit. */
static int
check_pf_offered(struct vhu_dev *dev, const struct vhu_msg *msg)
{
    return (dev->offered_features & VHU_BIT(VHU_F_PROTOCOL_FEATURES)
            ? 0 : reject(dev, msg, ENOTSUP,
                         "PROTOCOL_FEATURES was not offered"));
}

static int
get_protocol_features(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
                      struct reply *reply)
{
    int error = check_pf_offered(dev, msg);

    if (!error) {
        reply_u64(reply, dev->offered_protocol_features);
    }
    return error;
}

static int
set_protocol_features(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
                      struct reply *reply)
{
    int error = check_pf_offered(dev, msg);

    if (error) {
        return error;
    } else if (msg->payload.u64 & ~dev->offered_protocol_features) {
        return reject(dev, msg, EINVAL,
                      "protocol features that were not offered");
    }
    dev->protocol_features = msg->payload.u64;
    return 0;
}

static int
set_owner(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
          struct reply *reply)
{
    return 0;
}

static int
reset_owner(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
            struct reply *reply)
{
    vhu_dev_reset_state(dev);
    return 0;
}

static int
get_queue_num(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
              struct reply *reply)
{
    reply_u64(reply, dev->max_queue_pairs);
    return 0;
}

/* Memory. */

static int
set_mem_table(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
              struct reply *reply)
{
    const struct vhu_mem_table_desc *t = (const void *) msg->payload.bytes;
    uint32_t n = t->n_regions;
    struct vhu_mem *mem;
    int error;

    if (n > VHU_MEM_TABLE_MAX_REGIONS
        || msg->hdr.size < 8 + n * sizeof t->regions[0]) {
        return reject(dev, msg, EINVAL, "bad region count");
    }
    error = vhu_mem_check(t->regions, n, VHU_MEM_TABLE_MAX_REGIONS);
    if (error) {
        return reject(dev, msg, error, "invalid memory regions");
    }
    if (vhu_mem_equal(dev->mem, t->regions, n)) {
        return 0;               /* Unchanged: the dispatcher closes fds. */
    }
    error = vhu_mem_build(t->regions, msg->fds, n, &mem);
    if (error) {
        return reject(dev, msg, error, "cannot map memory regions");
    }
    vhu_dev_set_mem(dev, mem);
    return 0;
}

static int
get_max_mem_slots(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
                  struct reply *reply)
{
    reply_u64(reply, VHU_MAX_MEM_SLOTS);
    return 0;
}

static int
add_mem_reg(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
            struct reply *reply)
{
    const struct vhu_mem_reg_msg *m = (const void *) msg->payload.bytes;
    struct vhu_mem *mem;
    int error;

    error = vhu_mem_add(dev->mem, &m->region, msg->fds[0], VHU_MAX_MEM_SLOTS,
                        &mem);
    if (error) {
        return reject(dev, msg, error, "cannot add memory region");
    }
    vhu_dev_set_mem(dev, mem);
    return 0;
}

static int
rem_mem_reg(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
            struct reply *reply)
{
    const struct vhu_mem_reg_msg *m = (const void *) msg->payload.bytes;
    struct vhu_mem *mem;
    int error;

    error = vhu_mem_remove(dev->mem, &m->region, &mem);
    if (error) {
        return reject(dev, msg, error, "no such memory region");
    }
    vhu_dev_set_mem(dev, mem);
    return 0;
}

/* Vrings. */

static const struct vhu_vring_state *
payload_state(const struct vhu_msg *msg)
{
    return (const void *) msg->payload.bytes;
}

static int
set_vring_num(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
              struct reply *reply)
{
    uint32_t num = payload_state(msg)->num;
    struct vhu_vring *vq = &dev->vrings[vring];

    if (!num || num > VHU_MAX_RING_SIZE || num & (num - 1)) {
        return reject(dev, msg, EINVAL, "ring size not a power of 2 in "
                      "1..32768");
    }
    if (vq->started) {
        return reject(dev, msg, EBUSY, "vring is running");
    }
    vhu_vring_set_num(vq, num);
    vhu_dev_update_vring(dev, vring);
    return 0;
}

static int
set_vring_addr(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
               struct reply *reply)
{
    struct vhu_vring_addr addr;
    struct vhu_vring *vq = &dev->vrings[vring];

    memcpy(&addr, msg->payload.bytes, sizeof addr);
    if (addr.flags & ~VHU_VRING_F_LOG) {
        return reject(dev, msg, EINVAL, "unknown vring address flags");
    }
    if (addr.flags & VHU_VRING_F_LOG) {
        return reject(dev, msg, ENOTSUP, "dirty logging is not offered");
    }
    vhu_vring_set_addr(vq, &addr);
    vhu_dev_update_vring(dev, vring);
    return 0;
}

static int
set_vring_base(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
               struct reply *reply)
{
    uint32_t base = payload_state(msg)->num;
    struct vhu_vring *vq = &dev->vrings[vring];

    if (base > UINT16_MAX) {
        return reject(dev, msg, EINVAL, "base index over 65535");
    }
    if (vq->started) {
        return reject(dev, msg, EBUSY, "vring is running");
    }
    vhu_vring_set_base(vq, base);
    return 0;
}

static int
get_vring_base(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
               struct reply *reply)
{
    /* Stopping takes the vring lock, so no burst is in progress when we
     * read the index we hand back. */
    vhu_dev_stop_vring(dev, vring);
    reply->size = sizeof reply->u.state;
    reply->u.state.index = vring;
    reply->u.state.num = dev->vrings[vring].ring.last_avail_idx;
    return 0;
}

/* Takes the fd of a SET_VRING_KICK/CALL/ERR message, or -1 for NOFD. */
static int
take_vring_fd(struct vhu_msg *msg)
{
    return msg->n_fds ? take_fd(msg, 0) : -1;
}

static int
set_vring_kick(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
               struct reply *reply)
{
    /* Without PROTOCOL_FEATURES, rings start enabled. */
    bool enable = !(dev->features & VHU_BIT(VHU_F_PROTOCOL_FEATURES));

    vhu_vring_start(&dev->vrings[vring], take_vring_fd(msg), enable);
    vhu_dev_update_vring(dev, vring);
    return 0;
}

/* We write to call and err fds from the datapath, so they must be eventfds
 * (a pipe could fill up) and non-blocking (a frontend could push an
 * eventfd's counter to its limit).  The flag is set on the open file that
 * the frontend shares; frontends such as QEMU create their eventfds
 * non-blocking anyway. */
static int
check_notify_fd(struct vhu_dev *dev, const struct vhu_msg *msg)
{
    static const char eventfd_link[] = "anon_inode:[eventfd]";
    char path[64], target[sizeof eventfd_link + 1];
    ssize_t n;
    int fd, flags;

    if (!msg->n_fds) {
        return 0;               /* NOFD. */
    }
    fd = msg->fds[0];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, target, sizeof target);
    if (n >= 0 && ((size_t) n != strlen(eventfd_link)
                   || memcmp(target, eventfd_link, n))) {
        return reject(dev, msg, EBADF, "notification fd is not an eventfd");
    }
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return reject(dev, msg, EBADF, "cannot make the fd non-blocking");
    }
    return 0;
}

static int
set_vring_call(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
               struct reply *reply)
{
    int error = check_notify_fd(dev, msg);

    if (!error) {
        vhu_vring_set_call_fd(&dev->vrings[vring], take_vring_fd(msg));
    }
    return error;
}

static int
set_vring_err(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
              struct reply *reply)
{
    int error = check_notify_fd(dev, msg);

    if (!error) {
        vhu_vring_set_err_fd(&dev->vrings[vring], take_vring_fd(msg));
    }
    return error;
}

static int
set_vring_enable(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
                 struct reply *reply)
{
    uint32_t enable = payload_state(msg)->num;

    if (enable > 1) {
        return reject(dev, msg, EINVAL, "enable flag not 0 or 1");
    }
    vhu_vring_set_enabled(&dev->vrings[vring], enable);
    vhu_dev_update_vring(dev, vring);
    return 0;
}

/* Device configuration. */

static int
net_set_mtu(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
            struct reply *reply)
{
    uint64_t mtu = msg->payload.u64;

    if (mtu < 68 || mtu > 65535) {
        return reject(dev, msg, EINVAL, "MTU outside 68..65535");
    }
    dev->mtu = mtu;
    vhu_dev_event(dev, VHU_EV_MTU_CHANGED, -1);
    return 0;
}

static int
set_status(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
           struct reply *reply)
{
    if (msg->payload.u64 > UINT8_MAX) {
        return reject(dev, msg, EINVAL, "status over 255");
    }
    dev->status = msg->payload.u64;
    return 0;
}

static int
get_status(struct vhu_dev *dev, struct vhu_msg *msg, int vring,
           struct reply *reply)
{
    reply_u64(reply, dev->status);
    return 0;
}
