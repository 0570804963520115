/*
 * vhu-dev.c: the device: creation and destruction, the connection in both
 * socket roles (listen, or connect with backoff), the control loop, changes
 * that concern every vring at once (a new memory table, a reset), events,
 * and read-only introspection.
 *
 * Message semantics live in vhu-msg.c.  A vring's own state, its lock and
 * when the datapath may use it belong to vhu-vring.c; this file tells the
 * vrings what changed on the device (memory, features) and reports what
 * that did to them as events.
 */
#include "vhu-private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhu-log.h"
#include "vhu-mem.h"
#include "vhu-msg.h"
#include "vhu-socket.h"
#include "vhu-vring.h"

#define VHU_MSGS_PER_RUN 64

uint64_t
vhu_default_features(void)
{
    return (VHU_BIT(VHU_F_VERSION_1) | VHU_BIT(VHU_F_NET_MRG_RXBUF)
            | VHU_BIT(VHU_F_RING_INDIRECT_DESC)
            | VHU_BIT(VHU_F_RING_EVENT_IDX) | VHU_BIT(VHU_F_NET_MQ)
            | VHU_BIT(VHU_F_NET_MTU) | VHU_BIT(VHU_F_NET_STATUS)
            | VHU_BIT(VHU_F_PROTOCOL_FEATURES) | VHU_BIT(VHU_F_IN_ORDER));
}

uint64_t
vhu_default_protocol_features(void)
{
    return (VHU_BIT(VHU_PF_MQ) | VHU_BIT(VHU_PF_REPLY_ACK)
            | VHU_BIT(VHU_PF_MTU) | VHU_BIT(VHU_PF_STATUS)
            | VHU_BIT(VHU_PF_CONFIGURE_MEM_SLOTS));
}

void
vhu_dev_lock_all(struct vhu_dev *dev)
{
    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        vhu_vring_lock(&dev->vrings[i]);
    }
}

void
vhu_dev_unlock_all(struct vhu_dev *dev)
{
    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        vhu_vring_unlock(&dev->vrings[i]);
    }
}

void
vhu_dev_event(struct vhu_dev *dev, enum vhu_event ev, int vring)
{
    if (dev->event_cb) {
        dev->event_cb(dev->aux, dev, ev, vring);
    }
}

/* Recomputes whether vring 'idx' may be used, re-translating it through the
 * current memory table, and reports a change. */
void
vhu_dev_update_vring(struct vhu_dev *dev, int idx)
{
    if (vhu_vring_refresh(&dev->vrings[idx], dev->mem, dev->features)) {
        vhu_dev_event(dev, VHU_EV_VRING_CHANGED, idx);
    }
}

/* Installs 'mem' as the memory table, re-translating every vring, and frees
 * the old table once no burst can still be using it. */
void
vhu_dev_set_mem(struct vhu_dev *dev, struct vhu_mem *mem)
{
    struct vhu_mem *old = dev->mem;
    bool changed[VHU_MAX_VRINGS];

    vhu_mem_set_fault(mem, &dev->fault);
    vhu_dev_lock_all(dev);
    dev->mem = mem;
    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        changed[i] = vhu_vring_refresh_locked(&dev->vrings[i], dev->mem,
                                              dev->features);
    }
    vhu_dev_unlock_all(dev);
    vhu_mem_free(old);          /* No burst holds a vring lock now. */
    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        if (changed[i]) {
            vhu_dev_event(dev, VHU_EV_VRING_CHANGED, i);
        }
    }
    vhu_dev_event(dev, VHU_EV_MEM_CHANGED, -1);
}

/* Stops vring 'idx' (GET_VRING_BASE) and reports it if it was ready. */
void
vhu_dev_stop_vring(struct vhu_dev *dev, int idx)
{
    if (vhu_vring_stop(&dev->vrings[idx])) {
        vhu_dev_event(dev, VHU_EV_VRING_CHANGED, idx);
    }
}

/* Forgets everything negotiated on the connection: vrings, memory and
 * features.  Keeps the connection itself. */
void
vhu_dev_reset_state(struct vhu_dev *dev)
{
    bool was_ready[VHU_MAX_VRINGS];

    vhu_dev_lock_all(dev);
    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        was_ready[i] = vhu_vring_reset_locked(&dev->vrings[i]);
    }
    vhu_mem_free(dev->mem);
    dev->mem = NULL;
    vhu_dev_unlock_all(dev);
    dev->features = dev->protocol_features = 0;
    dev->mtu = 0;
    dev->status = 0;
    dev->hdr_len = sizeof(struct vhu_net_hdr);
    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        if (was_ready[i]) {
            vhu_dev_event(dev, VHU_EV_VRING_CHANGED, i);
        }
    }
}

int
vhu_dev_create(const struct vhu_dev_config *cfg, struct vhu_dev **devp)
{
    struct vhu_dev *dev;
    int error;

    *devp = NULL;
    if (!cfg->path || cfg->max_queue_pairs > VHU_MAX_QUEUE_PAIRS) {
        return EINVAL;
    }
    dev = calloc(1, sizeof *dev);
    if (!dev || !(dev->path = strdup(cfg->path))) {
        free(dev);
        return ENOMEM;
    }
    dev->client = cfg->client;
    dev->max_queue_pairs = cfg->max_queue_pairs ? cfg->max_queue_pairs
                                                : VHU_MAX_QUEUE_PAIRS;
    dev->offered_features = (cfg->features ? cfg->features
                                           : vhu_default_features());
    dev->offered_protocol_features = (cfg->protocol_features
                                      ? cfg->protocol_features
                                      : vhu_default_protocol_features());
    dev->event_cb = cfg->event_cb;
    dev->aux = cfg->aux;
    dev->backoff_min_ms = cfg->reconnect_min_ms ? cfg->reconnect_min_ms : 100;
    dev->backoff_max_ms = cfg->reconnect_max_ms ? cfg->reconnect_max_ms : 5000;
    dev->backoff_ms = dev->backoff_min_ms;
    dev->listen_fd = dev->conn_fd = -1;
    atomic_init(&dev->fault.hit, false);
    atomic_init(&dev->fault.conn_fd, -1);
    atomic_init(&dev->fault.offset, 0);
    dev->hdr_len = sizeof(struct vhu_net_hdr);
    vhu_msg_reader_init(&dev->reader);
    for (int i = 0; i < VHU_MAX_VRINGS; i++) {
        vhu_vring_init(&dev->vrings[i], dev->path, i);
    }
    if (!dev->client) {
        error = vhu_sock_listen(dev->path, &dev->listen_fd);
        if (error) {
            vhu_log(VHU_LOG_ERR, "%s: cannot listen (%s)", dev->path,
                    strerror(error));
            vhu_dev_destroy(dev);
            return error;
        }
    }
    *devp = dev;
    return 0;
}

static void
close_connection(struct vhu_dev *dev)
{
    if (dev->conn_fd < 0) {
        return;
    }
    if (atomic_exchange(&dev->fault.hit, false)) {
        dev->stats.mem_faults++;
        vhu_log_rl(VHU_LOG_WARN, "%s: guest memory shrank under us (bus "
                   "error at offset 0x%"PRIx64" of a mapped region); "
                   "closing the connection", dev->path,
                   (uint64_t) atomic_load(&dev->fault.offset));
    }
    /* No SIGBUS handler may shut the socket down once it is closed (its
     * number could be reused): forget it, then wait, by taking every vring
     * lock in vhu_dev_reset_state(), for any burst that could fault. */
    atomic_store(&dev->fault.conn_fd, -1);
    vhu_msg_reader_reset(&dev->reader);
    dev->stats.disconnects++;
    vhu_dev_reset_state(dev);
    close(dev->conn_fd);
    dev->conn_fd = -1;
    dev->next_connect_ms = vhu_now_ms() + dev->backoff_min_ms;
    dev->backoff_ms = dev->backoff_min_ms;
    vhu_log_rl(VHU_LOG_INFO, "%s: frontend disconnected", dev->path);
    vhu_dev_event(dev, VHU_EV_DISCONNECTED, -1);
}

void
vhu_dev_disconnect(struct vhu_dev *dev)
{
    close_connection(dev);
}

void
vhu_dev_destroy(struct vhu_dev *dev)
{
    if (!dev) {
        return;
    }
    dev->event_cb = NULL;
    close_connection(dev);
    vhu_dev_reset_state(dev);
    if (dev->listen_fd >= 0) {
        close(dev->listen_fd);
        unlink(dev->path);
    }
    free(dev->path);
    free(dev);
}

static void
connected(struct vhu_dev *dev, int fd)
{
    dev->conn_fd = fd;
    atomic_store(&dev->fault.conn_fd, fd);
    dev->backoff_ms = dev->backoff_min_ms;
    dev->stats.connects++;
    vhu_msg_reader_init(&dev->reader);
    vhu_log_rl(VHU_LOG_INFO, "%s: frontend connected", dev->path);
    vhu_dev_event(dev, VHU_EV_CONNECTED, -1);
}

/* Client role: one connection attempt if its time has come.  Returns the
 * milliseconds until the next attempt, or -1 once connected. */
static int
try_connect(struct vhu_dev *dev)
{
    long long now = vhu_now_ms();
    int fd, error;

    if (now < dev->next_connect_ms) {
        return (int) (dev->next_connect_ms - now);
    }
    error = vhu_sock_connect(dev->path, 1, &fd);
    if (!error) {
        connected(dev, fd);
        return -1;
    }
    vhu_log_rl(VHU_LOG_DBG, "%s: connect failed (%s), retrying in %u ms",
               dev->path, strerror(error), dev->backoff_ms);
    dev->next_connect_ms = now + dev->backoff_ms;
    dev->backoff_ms = (dev->backoff_ms * 2 > dev->backoff_max_ms
                       ? dev->backoff_max_ms : dev->backoff_ms * 2);
    return (int) (dev->next_connect_ms - now);
}

static void
try_accept(struct vhu_dev *dev)
{
    int fd, error = vhu_sock_accept(dev->listen_fd, &fd);

    if (!error) {
        connected(dev, fd);
    } else if (error != EAGAIN && error != EINTR) {
        vhu_log_rl(VHU_LOG_WARN, "%s: accept failed (%s)", dev->path,
                   strerror(error));
    }
}

/* Reads and handles up to VHU_MSGS_PER_RUN messages.  Returns true if more
 * may be pending. */
static bool
read_messages(struct vhu_dev *dev)
{
    for (int i = 0; i < VHU_MSGS_PER_RUN && dev->conn_fd >= 0; i++) {
        int error = vhu_msg_reader_read(&dev->reader, dev->conn_fd);

        if (!error) {
            error = vhu_msg_dispatch(dev, &dev->reader.msg);
            vhu_msg_reader_init(&dev->reader);
        }
        if (error == EAGAIN) {
            return false;
        } else if (error) {
            if (error != EPIPE) {
                vhu_log_rl(VHU_LOG_WARN, "%s: closing connection (%s)",
                           dev->path, strerror(error));
            }
            close_connection(dev);
            return false;
        }
    }
    return dev->conn_fd >= 0;
}

int
vhu_dev_run(struct vhu_dev *dev)
{
    if (atomic_load(&dev->fault.hit)) {
        close_connection(dev);
        atomic_store(&dev->fault.hit, false);
    }
    if (dev->conn_fd < 0) {
        if (dev->client) {
            int timeout = try_connect(dev);

            if (timeout >= 0) {
                return timeout;
            }
        } else {
            try_accept(dev);
        }
    }
    if (dev->conn_fd >= 0 && read_messages(dev)) {
        return 0;
    }
    if (dev->conn_fd < 0 && dev->client) {
        long long wait = dev->next_connect_ms - vhu_now_ms();

        return wait > 0 ? (int) wait : 0;
    }
    return -1;
}

int
vhu_dev_fd(const struct vhu_dev *dev)
{
    return dev->conn_fd >= 0 ? dev->conn_fd : dev->listen_fd;
}

bool
vhu_dev_is_connected(const struct vhu_dev *dev)
{
    return dev->conn_fd >= 0;
}

uint64_t
vhu_dev_features(const struct vhu_dev *dev)
{
    return dev->features;
}

uint64_t
vhu_dev_protocol_features(const struct vhu_dev *dev)
{
    return dev->protocol_features;
}

uint16_t
vhu_dev_mtu(const struct vhu_dev *dev)
{
    return dev->mtu;
}

uint8_t
vhu_dev_status(const struct vhu_dev *dev)
{
    return dev->status;
}

const char *
vhu_dev_path(const struct vhu_dev *dev)
{
    return dev->path;
}

int
vhu_dev_n_vrings(const struct vhu_dev *dev)
{
    int n = 0;

    for (int i = 0; i < 2 * dev->max_queue_pairs; i++) {
        if (dev->vrings[i].num) {
            n = i + 1;
        }
    }
    return n;
}

bool
vhu_dev_vring_ready(const struct vhu_dev *dev, int vring)
{
    return ((unsigned int) vring < 2u * dev->max_queue_pairs
            && vhu_vring_is_ready(&dev->vrings[vring]));
}

int
vhu_dev_n_ready_pairs(const struct vhu_dev *dev)
{
    int n = 0;

    for (int qp = 0; qp < dev->max_queue_pairs; qp++) {
        n += (vhu_dev_vring_ready(dev, vhu_rx_vring(qp))
              && vhu_dev_vring_ready(dev, vhu_tx_vring(qp)));
    }
    return n;
}

int
vhu_dev_vring_info(struct vhu_dev *dev, int vring,
                   struct vhu_vring_info *info)
{
    if ((unsigned int) vring >= 2u * dev->max_queue_pairs) {
        return EINVAL;
    }
    vhu_vring_get_info(&dev->vrings[vring], info);
    return 0;
}

int
vhu_dev_mem_info(const struct vhu_dev *dev, struct vhu_mem_info *info, int n)
{
    const struct vhu_mem *mem = dev->mem;

    for (int i = 0; mem && i < n && (uint32_t) i < mem->n; i++) {
        info[i].gpa = mem->regions[i].gpa;
        info[i].size = mem->regions[i].size;
        info[i].uaddr = mem->regions[i].uaddr;
        info[i].mmap_offset = mem->regions[i].mmap_offset;
    }
    return mem ? (int) mem->n : 0;
}

void
vhu_dev_get_stats(const struct vhu_dev *dev, struct vhu_dev_stats *stats)
{
    *stats = dev->stats;
}

char *
vhu_features_to_string(uint64_t features, char *buf, size_t size)
{
    static const struct { int bit; const char *name; } names[] = {
        { VHU_F_NET_MTU, "MTU" }, { VHU_F_NET_MAC, "MAC" },
        { VHU_F_NET_MRG_RXBUF, "MRG_RXBUF" },
        { VHU_F_NET_STATUS, "STATUS" }, { VHU_F_NET_CTRL_VQ, "CTRL_VQ" },
        { VHU_F_NET_MQ, "MQ" }, { VHU_F_LOG_ALL, "LOG_ALL" },
        { VHU_F_RING_INDIRECT_DESC, "INDIRECT_DESC" },
        { VHU_F_RING_EVENT_IDX, "EVENT_IDX" },
        { VHU_F_PROTOCOL_FEATURES, "PROTOCOL_FEATURES" },
        { VHU_F_VERSION_1, "VERSION_1" },
        { VHU_F_RING_PACKED, "RING_PACKED" },
        { VHU_F_IN_ORDER, "IN_ORDER" },
    };
    size_t used = 0;

    if (size) {
        buf[0] = '\0';
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (features & VHU_BIT(names[i].bit) && used < size) {
            used += snprintf(buf + used, size - used, "%s%s",
                             used ? " " : "", names[i].name);
            features &= ~VHU_BIT(names[i].bit);
        }
    }
    for (int bit = 0; bit < 64 && used < size; bit++) {
        if (features & VHU_BIT(bit)) {
            used += snprintf(buf + used, size - used, "%sbit%d",
                             used ? " " : "", bit);
        }
    }
    return buf;
}
