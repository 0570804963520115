/*
 * netdev-vhostuser.c: the Open vSwitch netdev provider for vhost-user ports,
 * built on libvhostuser (lib/vhu.h).  It is linked into ovs-vswitchd (see
 * plugin/vhostuser-register.c) and, with the other plugin/netdev-vhostuser*
 * files, is the only code of this project that includes OVS headers.
 *
 * Types: "vhostuser" (OVS listens at <vhost-sock-dir>/<port name>) and
 * "vhostuserclient" (OVS connects to options:vhost-server-path), plus
 * "dpdkvhostuser" and "dpdkvhostuserclient" as aliases so that existing
 * configurations work unchanged.
 *
 * This file holds the classes and everything of a port but its traffic:
 * construct/destruct, options, the socket, link state, MAC, MTU, flags and
 * the control plane.  The datapath is in netdev-vhostuser-dp.c, statistics
 * and status in netdev-vhostuser-stats.c, the unixctl commands in
 * netdev-vhostuser-appctl.c; netdev-vhostuser-private.h has what they share.
 *
 * Threads:
 *   - The vhost-user control plane runs in the OVS main thread, through the
 *     class run() and wait() hooks: vhu_dev_run() never blocks, and its
 *     event callbacks call netdev_request_reconfigure() and
 *     netdev_change_seq_changed() directly.  No thread of ours exists, so
 *     none can take an OVS lock.
 *   - PMD threads call rxq_recv() (guest TX) and send() (guest RX), in
 *     netdev-vhostuser-dp.c.  They never take the port's mutex: what they
 *     read of the port is atomic, or changes only while no PMD thread can
 *     use the port (see install_vhu()).
 *   - reconfigure() runs with the port quiesced and sets n_rxq/n_txq from
 *     the queue pairs the guest made ready.
 */
#include <config.h>

#include "netdev-vhostuser.h"
#include "netdev-vhostuser-private.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>

#include "dirs.h"
#include "fatal-signal.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-thread.h"
#include "packets.h"
#include "openvswitch/poll-loop.h"
#include "smap.h"
#include "timeval.h"
#include "userspace-tso.h"
#include "util.h"

#include "vhu.h"

VLOG_DEFINE_THIS_MODULE(netdev_vhostuser);

#define VHOSTUSER_TX_RETRIES_DEFAULT 8
#define VHOSTUSER_TX_RETRIES_MAX 32

struct ovs_list netdev_vhostuser_devs
    = OVS_LIST_INITIALIZER(&netdev_vhostuser_devs);

/* Directory for "vhostuser" sockets, from other_config:vhost-sock-dir. */
static char *vhost_sock_dir;

/* other_config:userspace-tso-enable, which these ports cannot honour. */
static bool vhost_tso_requested;

static bool
class_is_client(const struct netdev_class *class)
{
    return strstr(class->type, "client") != NULL;
}

/* Logging from the library goes to this module's VLOG.  The library rate
 * limits what a frontend can provoke, per kind of line, and asks
 * netdev_vhostuser_log_enabled() first, so lines that this module's log
 * levels would discard are never formatted. */
static enum vlog_level
vhu_level_to_vlog(int level)
{
    return (level <= VHU_LOG_ERR ? VLL_ERR : level == VHU_LOG_WARN ? VLL_WARN
            : level <= VHU_LOG_INFO ? VLL_INFO : VLL_DBG);
}

static bool
netdev_vhostuser_log_enabled(int level)
{
    return vlog_is_enabled(&this_module, vhu_level_to_vlog(level));
}

static void
netdev_vhostuser_log(int level, const char *msg)
{
    vlog(&this_module, vhu_level_to_vlog(level), "%s", msg);
}

/* The status:offload_warning of every port, or NULL.  Open vSwitch keeps
 * TSO on until it restarts, once it has been enabled. */
static const char *
tso_warning(void)
{
    return (vhost_tso_requested || userspace_tso_enabled()
            ? "userspace-tso-enable is true, but vhostuser ports offer no "
              "TSO or checksum offloads yet"
            : NULL);
}

/* Warns, once per change to true, that userspace TSO does not apply to
 * these ports, and has their status refreshed. */
static void
check_tso(bool requested)
{
    struct netdev_vhostuser *dev;

    if (requested == vhost_tso_requested) {
        return;
    }
    vhost_tso_requested = requested;
    if (requested) {
        VLOG_WARN("other_config:userspace-tso-enable is true, but vhostuser "
                  "ports offer no TSO or checksum offloads yet: Open vSwitch "
                  "drops the packets that still need them when it sends them "
                  "to these ports");
    }
    LIST_FOR_EACH (dev, list_node, &netdev_vhostuser_devs) {
        netdev_change_seq_changed(&dev->up);
    }
}

/* Called by ovs-vswitchd's bridge with the Open_vSwitch other_config on
 * every pass of its main loop, before ports are (re)configured.  OVS-DPDK
 * reads vhost-sock-dir in the same place; the link wraps the stock
 * non-DPDK dpdk_init() (see plugin/automake.mk). */
void __real_dpdk_init(const struct smap *);
void __wrap_dpdk_init(const struct smap *);

void
__wrap_dpdk_init(const struct smap *ovs_other_config)
{
    const char *dir = smap_get(ovs_other_config, "vhost-sock-dir");

    if (!nullable_string_is_equal(dir, vhost_sock_dir)) {
        free(vhost_sock_dir);
        vhost_sock_dir = nullable_xstrdup(dir);
        VLOG_INFO("vhost-sock-dir is %s", dir ? dir : "(the OVS rundir)");
    }
    check_tso(smap_get_bool(ovs_other_config, "userspace-tso-enable", false));
    __real_dpdk_init(ovs_other_config);
}

/* Returns the directory for server-mode sockets (caller frees), or NULL
 * with '*errp' set. */
static char *
vhostuser_sock_dir(char **errp)
{
    if (!vhost_sock_dir) {
        return xstrdup(ovs_rundir());
    } else if (strstr(vhost_sock_dir, "..")) {
        *errp = xasprintf("other_config:vhost-sock-dir \"%s\" must not "
                          "contain \"..\"", vhost_sock_dir);
        return NULL;
    } else if (vhost_sock_dir[0] == '/') {
        return xstrdup(vhost_sock_dir);
    }
    /* Relative, as in OVS-DPDK: below the OVS rundir. */
    return xasprintf("%s/%s", ovs_rundir(), vhost_sock_dir);
}

/* A port name becomes a file name: refuse what cannot be one. */
static bool
port_name_is_valid(const char *name)
{
    if (!name[0] || name[0] == '.' || strlen(name) > 64) {
        return false;
    }
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char) *p) && !strchr("-_.:@+", *p)) {
            return false;
        }
    }
    return true;
}

/* sun_path holds 108 bytes including the terminating null. */
#define VHOSTUSER_MAX_PATH 107

/* Returns NULL if 'path' can be a socket's path, else what is wrong with
 * it (the caller frees it), with '*errorp' set. */
static char *
check_socket_path(const char *path, int *errorp)
{
    if (path[0] != '/') {
        *errorp = EINVAL;
        return xasprintf("socket path \"%s\" is not absolute", path);
    } else if (strlen(path) > VHOSTUSER_MAX_PATH) {
        *errorp = ENAMETOOLONG;
        return xasprintf("socket path \"%s\" is longer than %d bytes", path,
                         VHOSTUSER_MAX_PATH);
    }
    return NULL;
}

/* True if the directory that holds socket 'path' exists. */
static bool
socket_dir_exists(const char *path)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    struct stat st;
    bool exists;

    if (slash) {
        slash[slash == dir] = '\0';   /* "/x" is in "/". */
    }
    exists = !stat(dir, &st) && S_ISDIR(st.st_mode);
    free(dir);
    return exists;
}

/* True if 'a' and 'b' name the same socket: the same string, or the same
 * existing file (through a symlink, say). */
static bool
same_socket(const char *a, const char *b)
{
    struct stat sa, sb;

    return (!strcmp(a, b)
            || (!stat(a, &sa) && !stat(b, &sb)
                && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino));
}

static struct netdev *
netdev_vhostuser_alloc(void)
{
    struct netdev_vhostuser *dev = xzalloc_cacheline(sizeof *dev);

    return &dev->up;
}

static void
netdev_vhostuser_dealloc(struct netdev *netdev)
{
    free_cacheline(netdev_vhostuser_cast(netdev));
}

/* The largest MTU we accept, from mtu_request or from the guest. */
#define VHOSTUSER_MTU_MAX 9702

int
netdev_vhostuser_effective_mtu(const struct netdev_vhostuser *dev)
{
    uint16_t guest_mtu = dev->vhu ? vhu_dev_mtu(dev->vhu) : 0;

    return (dev->user_mtu ? dev->user_mtu
            : guest_mtu ? MIN(guest_mtu, VHOSTUSER_MTU_MAX)
            : ETH_PAYLOAD_MAX);
}

/* The receive queues the datapath should poll: up to the highest queue
 * pair whose two vrings are ready, at least 1.  Pairs below it that are not
 * ready (a guest may leave a hole) get rxqs that report disabled. */
static int
vhostuser_n_rxq(const struct netdev_vhostuser *dev)
{
    for (int qp = VHOSTUSER_MAX_QUEUES - 1; dev->vhu && qp > 0; qp--) {
        if (vhu_dev_vring_ready(dev->vhu, vhu_rx_vring(qp))
            && vhu_dev_vring_ready(dev->vhu, vhu_tx_vring(qp))) {
            return qp + 1;
        }
    }
    return 1;
}

/* Maps every OVS txq onto a queue pair whose guest RX vring is ready, as
 * OVS-DPDK does: txq T goes to the (T mod N)th of the N ready ones (queue
 * pair 0 if none is).  Main thread; send() reads the map without a lock,
 * and a PMD thread that read the old entry at worst sends one burst to a
 * vring that was just disabled, which drops it. */
static void
vhostuser_remap_txqs(struct netdev_vhostuser *dev)
{
    int ready[VHOSTUSER_MAX_QUEUES];
    int n = 0;

    for (int qp = 0; dev->vhu && qp < VHOSTUSER_MAX_QUEUES; qp++) {
        if (vhu_dev_vring_ready(dev->vhu, vhu_rx_vring(qp))) {
            ready[n++] = qp;
        }
    }
    for (int i = 0; i < VHOSTUSER_MAX_QUEUES; i++) {
        atomic_store_relaxed(&dev->txq_map[i], n ? ready[i % n] : 0);
    }
}

/* Publishes link state and MTU changes to OVS, remaps the txqs, and
 * requests a reconfiguration when the guest's queue pairs differ from what
 * the datapath polls.  Main thread. */
static void
vhostuser_update(struct netdev_vhostuser *dev)
{
    bool carrier = dev->vhu && vhu_dev_vring_ready(dev->vhu, 0)
                   && vhu_dev_vring_ready(dev->vhu, 1);
    int mtu = netdev_vhostuser_effective_mtu(dev);
    int old_mtu;

    atomic_read_relaxed(&dev->mtu, &old_mtu);
    if (carrier != dev->carrier || mtu != old_mtu) {
        dev->carrier = carrier;
        atomic_store_relaxed(&dev->mtu, mtu);
        netdev_change_seq_changed(&dev->up);
    }
    vhostuser_remap_txqs(dev);
    if (vhostuser_n_rxq(dev) != dev->n_queues) {
        netdev_request_reconfigure(&dev->up);
    }
}

static void
vhostuser_event(void *aux, struct vhu_dev *vhu,
                enum vhu_event ev, int vring OVS_UNUSED)
{
    struct netdev_vhostuser *dev = aux;

    if (vhu != dev->vhu) {
        return;                 /* A pending device: not run yet. */
    }
    if (ev == VHU_EV_CONNECTED || ev == VHU_EV_DISCONNECTED) {
        static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 60);

        VLOG_INFO_RL(&rl, "%s: vhost-user frontend %s",
                     netdev_get_name(&dev->up),
                     ev == VHU_EV_CONNECTED ? "connected" : "disconnected");
        netdev_change_seq_changed(&dev->up);
    }
    vhostuser_update(dev);
}

/* Creates a library device on 'path' in the port's role.  A server listens
 * at once. */
static int
create_vhu(struct netdev_vhostuser *dev, const char *path,
           struct vhu_dev **vhup)
{
    struct vhu_dev_config cfg = {
        .path = path,
        .client = dev->client,
        .max_queue_pairs = VHOSTUSER_MAX_QUEUES,
        .event_cb = vhostuser_event,
        .aux = dev,
    };
    int error = vhu_dev_create(&cfg, vhup);

    if (!error && !dev->client) {
        fatal_signal_add_file_to_unlink(path);
    }
    return error;
}

/* Destroys 'vhu' (may be NULL), which listened or connected on 'path'. */
static void
destroy_vhu(struct netdev_vhostuser *dev, struct vhu_dev *vhu,
            const char *path)
{
    if (vhu) {
        if (!dev->client) {
            fatal_signal_remove_file_to_unlink(path);
        }
        vhu_dev_destroy(vhu);
    }
}

/* Replaces the port's device and path by 'vhu' and 'path' (both owned by
 * the port from now on).  Only where no PMD thread can be using the old
 * device: before the port is in the datapath, in reconfigure() and in
 * destruct(). */
static void
install_vhu(struct netdev_vhostuser *dev, char *path, struct vhu_dev *vhu)
    OVS_REQUIRES(dev->mutex)
{
    destroy_vhu(dev, dev->vhu, dev->path);
    free(dev->path);
    dev->vhu = vhu;
    dev->path = path;
    dev->wake_at = 0;               /* Run it at once: connect, accept. */
}

static void
drop_pending(struct netdev_vhostuser *dev) OVS_REQUIRES(dev->mutex)
{
    destroy_vhu(dev, dev->pending_vhu, dev->pending_path);
    free(dev->pending_path);
    dev->pending_vhu = NULL;
    dev->pending_path = NULL;
}

/* Makes 'vhu' on 'path' the port's device: at once if no PMD thread can be
 * using the port yet, else at the next reconfigure(). */
static void
use_vhu(struct netdev_vhostuser *dev, const char *path, struct vhu_dev *vhu)
    OVS_REQUIRES(dev->mutex)
{
    drop_pending(dev);
    if (!dev->configured) {
        install_vhu(dev, xstrdup(path), vhu);
    } else {
        dev->pending_vhu = vhu;
        dev->pending_path = xstrdup(path);
        netdev_request_reconfigure(&dev->up);
    }
}

/* The socket path the port is configured with: the pending one, if any. */
static const char *
configured_path(const struct netdev_vhostuser *dev)
{
    return dev->pending_path ? dev->pending_path : dev->path;
}

/* Sets status:socket_warning to 'msg' (owned by the port from now on, or
 * NULL), logging a change.  While it is set, run() checks every second
 * whether the socket's directory has appeared. */
static void
set_socket_warning(struct netdev_vhostuser *dev, char *msg)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);

    if (nullable_string_is_equal(msg, dev->socket_warning)) {
        free(msg);
        return;
    }
    if (msg) {
        VLOG_WARN("%s: %s", name, msg);
    } else {
        VLOG_INFO("%s: socket %s: directory found", name,
                  configured_path(dev));
    }
    free(dev->socket_warning);
    dev->socket_warning = msg;
    dev->recheck_at = time_msec() + 1000;
    netdev_change_seq_changed(&dev->up);
}

/* Sets status:config_warning to 'msg' ("" for none), logging a change. */
static void
set_config_warning(struct netdev_vhostuser *dev, const char *msg)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);

    if (!msg[0]) {
        msg = NULL;
    }
    if (nullable_string_is_equal(msg, dev->config_warning)) {
        return;
    }
    if (msg) {
        VLOG_WARN("%s: %s", name, msg);
    } else {
        VLOG_INFO("%s: options accepted, configuration warning cleared",
                  name);
    }
    free(dev->config_warning);
    dev->config_warning = nullable_xstrdup(msg);
    netdev_change_seq_changed(&dev->up);
}

/* The status keys of problems that leave the port in the datapath. */
void
netdev_vhostuser_add_warnings(struct smap *args,
                              const struct netdev_vhostuser *dev)
    OVS_REQUIRES(dev->mutex)
{
    if (dev->config_warning) {
        smap_add(args, "config_warning", dev->config_warning);
    }
    if (dev->socket_warning) {
        smap_add(args, "socket_warning", dev->socket_warning);
    }
    if (tso_warning()) {
        smap_add(args, "offload_warning", tso_warning());
    }
}

/* A client's socket directory: warn while it is missing. */
static void
check_client_dir(struct netdev_vhostuser *dev) OVS_REQUIRES(dev->mutex)
{
    const char *path = configured_path(dev);

    set_socket_warning(dev, socket_dir_exists(path) ? NULL
                       : xasprintf("the directory of %s does not exist: "
                                   "connecting once it does and a "
                                   "frontend listens there", path));
}

int
netdev_vhostuser_construct(struct netdev *netdev)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    ovs_mutex_init(&dev->mutex);
    dev->client = class_is_client(netdev_get_class(netdev));
    eth_addr_random(&dev->mac);
    dev->mac.ea[0] = (dev->mac.ea[0] & ~1) | 2;     /* Local, unicast. */
    dev->flags = NETDEV_UP | NETDEV_PROMISC;
    atomic_init(&dev->admin_up, true);
    dev->n_queues = 1;
    atomic_init(&dev->tx_retries_max, VHOSTUSER_TX_RETRIES_DEFAULT);
    atomic_init(&dev->mtu, ETH_PAYLOAD_MAX);
    for (int i = 0; i < VHOSTUSER_MAX_QUEUES; i++) {
        atomic_flag_clear(&dev->queues[i].tx_lock);
        atomic_init(&dev->txq_map[i], 0);
    }
    netdev->n_rxq = netdev->n_txq = 1;
    ovs_list_push_back(&netdev_vhostuser_devs, &dev->list_node);
    /* The socket is opened by set_config(), which OVS calls next and which
     * can explain a failure in the Interface's error column. */
    return 0;
}

/* Returns another port whose socket is 'path', or NULL: a client port that
 * connects there if 'client', else a server port that listens there.  All
 * ports' paths change only in the main thread, which is ours. */
static struct netdev_vhostuser *
find_socket_user(const struct netdev_vhostuser *self, const char *path,
                 bool client)
{
    struct netdev_vhostuser *dev;

    LIST_FOR_EACH (dev, list_node, &netdev_vhostuser_devs) {
        const char *p = configured_path(dev);

        if (dev != self && dev->client == client && p
            && same_socket(p, path)) {
            return dev;
        }
    }
    return NULL;
}

/* The server role: listens at 'path' now, or from run() once its directory
 * exists. */
static int
listen_or_wait(struct netdev_vhostuser *dev, const char *path, char **errp)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    struct vhu_dev *vhu;
    int error;

    if (!socket_dir_exists(path)) {
        dev->path = xstrdup(path);
        set_socket_warning(dev, xasprintf("cannot listen on %s yet: its "
                                          "directory does not exist; "
                                          "listening once it does", path));
        return 0;
    }
    error = create_vhu(dev, path, &vhu);
    if (error) {
        *errp = xasprintf("%s: cannot listen on %s (%s)", name, path,
                          ovs_strerror(error));
        return error;
    }
    install_vhu(dev, xstrdup(path), vhu);
    VLOG_INFO("%s: vhost-user server socket %s", name, path);
    return 0;
}

/* Server role, when the port is created: listens at
 * <vhost-sock-dir>/<port name>.  The path never changes afterwards. */
static int
open_server_socket(struct netdev_vhostuser *dev, char **errp)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    struct netdev_vhostuser *client;
    char *dir, *path, *problem;
    int error = 0;

    if (dev->path) {
        return 0;
    }
    if (!port_name_is_valid(name)) {
        *errp = xasprintf("%s: a vhostuser port's name becomes its socket's "
                          "file name: use letters, digits and -_.:@+ only, "
                          "not starting with '.', at most 64 bytes", name);
        return EINVAL;
    }
    dir = vhostuser_sock_dir(errp);
    if (!dir) {
        return EINVAL;
    }
    path = xasprintf("%s/%s", dir, name);
    free(dir);
    problem = check_socket_path(path, &error);
    client = problem ? NULL : find_socket_user(dev, path, true);
    if (problem) {
        *errp = xasprintf("%s: %s", name, problem);
        free(problem);
    } else if (client) {
        *errp = xasprintf("%s: socket path %s is where client port %s "
                          "connects: a port cannot be its own frontend",
                          name, path, netdev_get_name(&client->up));
        error = EADDRINUSE;
    } else {
        error = listen_or_wait(dev, path, errp);
    }
    free(path);
    return error;
}

/* Retries a server port's socket once a second while its directory was
 * missing, and a client's check of its directory. */
static void
recheck_socket(struct netdev_vhostuser *dev) OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    struct vhu_dev *vhu;
    int error;

    if (!dev->socket_warning || time_msec() < dev->recheck_at) {
        return;
    }
    dev->recheck_at = time_msec() + 1000;
    if (dev->client) {
        check_client_dir(dev);
    } else if (socket_dir_exists(dev->path)) {
        error = create_vhu(dev, dev->path, &vhu);
        if (error) {
            set_socket_warning(dev, xasprintf("cannot listen on %s (%s): "
                                              "retrying", dev->path,
                                              ovs_strerror(error)));
            return;
        }
        /* The pending device takes the same path. */
        use_vhu(dev, dev->path, vhu);
        set_socket_warning(dev, NULL);
        VLOG_INFO("%s: vhost-user server socket %s", name, dev->path);
    }
}

static void
netdev_vhostuser_destruct(struct netdev *netdev)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    drop_pending(dev);
    install_vhu(dev, NULL, NULL);   /* Closes and unlinks. */
    free(dev->config_warning);
    free(dev->socket_warning);
    ovs_mutex_unlock(&dev->mutex);
    ovs_list_remove(&dev->list_node);
    ovs_mutex_destroy(&dev->mutex);
}

static int
netdev_vhostuser_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);
    int retries;

    ovs_mutex_lock(&dev->mutex);
    if (dev->client && configured_path(dev)) {
        smap_add(args, "vhost-server-path", configured_path(dev));
    }
    atomic_read_relaxed(&dev->tx_retries_max, &retries);
    if (retries != VHOSTUSER_TX_RETRIES_DEFAULT) {
        smap_add_format(args, "tx-retries-max", "%d", retries);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Returns options:tx-retries-max, or the default, as OVS-DPDK does, with a
 * warning in 'warnings' for an invalid value. */
static int
parse_tx_retries(const struct smap *args, struct ds *warnings)
{
    const char *s = smap_get(args, "tx-retries-max");
    int retries;

    if (!s) {
        return VHOSTUSER_TX_RETRIES_DEFAULT;
    }
    if (!str_to_int(s, 10, &retries) || retries < 0
        || retries > VHOSTUSER_TX_RETRIES_MAX) {
        ds_put_format(warnings, "%soptions:tx-retries-max \"%s\" is not an "
                      "integer in 0..%d: using %d", warnings->length ? "; " : "",
                      s, VHOSTUSER_TX_RETRIES_MAX,
                      VHOSTUSER_TX_RETRIES_DEFAULT);
        return VHOSTUSER_TX_RETRIES_DEFAULT;
    }
    return retries;
}

/* What is wrong with 'path' as a new vhost-server-path for 'dev' (the
 * caller frees it), with '*errorp' set, or NULL. */
static char *
check_client_path(const struct netdev_vhostuser *dev, const char *path,
                  int *errorp)
{
    struct netdev_vhostuser *other;
    char *problem;

    if (!path || !path[0]) {
        *errorp = EINVAL;
        return xstrdup("options:vhost-server-path is required for a "
                       "vhostuserclient port");
    }
    problem = check_socket_path(path, errorp);
    if (problem) {
        return problem;
    }
    *errorp = EADDRINUSE;
    other = find_socket_user(dev, path, false);
    if (other) {
        return xasprintf("options:vhost-server-path %s is the socket of "
                         "vhostuser port %s, which Open vSwitch serves: a "
                         "port cannot be its own frontend", path,
                         netdev_get_name(&other->up));
    }
    other = find_socket_user(dev, path, true);
    if (other) {
        return xasprintf("options:vhost-server-path %s is already used by "
                         "port %s", path, netdev_get_name(&other->up));
    }
    *errorp = 0;
    return NULL;
}

/* Client role: connects to 'path' from now on (through a pending device on
 * a live port).  Returns what went wrong, as check_client_path() does. */
static char *
open_client_socket(struct netdev_vhostuser *dev, const char *path,
                   int *errorp) OVS_REQUIRES(dev->mutex)
{
    char *problem = check_client_path(dev, path, errorp);
    struct vhu_dev *vhu;

    if (problem) {
        return problem;
    }
    if (nullable_string_is_equal(path, dev->path)) {
        drop_pending(dev);          /* Changed back before it took effect. */
    } else {
        *errorp = create_vhu(dev, path, &vhu);
        if (*errorp) {
            return xasprintf("cannot use %s (%s)", path,
                             ovs_strerror(*errorp));
        }
        use_vhu(dev, path, vhu);
        VLOG_INFO("%s: vhost-user client of %s", netdev_get_name(&dev->up),
                  path);
    }
    check_client_dir(dev);
    return NULL;
}

/* Opens the socket: the server's in the socket directory, or the client's
 * at options:vhost-server-path.  On a live port, a bad option is a warning:
 * the server ignores it, the client keeps its socket. */
static int
set_socket(struct netdev_vhostuser *dev, const struct smap *args,
           struct ds *warnings, char **errp) OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    const char *path = smap_get(args, "vhost-server-path");
    char *problem;
    int error;

    if (!dev->client) {
        if (path) {
            ds_put_format(warnings, "%soptions:vhost-server-path applies to "
                          "vhostuserclient ports only: ignored",
                          warnings->length ? "; " : "");
        }
        return open_server_socket(dev, errp);
    }
    if (path && nullable_string_is_equal(path, configured_path(dev))) {
        return 0;
    }
    problem = open_client_socket(dev, path, &error);
    if (!problem) {
        return 0;
    } else if (!dev->configured) {
        *errp = xasprintf("%s: %s", name, problem);
    } else {
        ds_put_format(warnings, "%s%s: keeping %s",
                      warnings->length ? "; " : "", problem,
                      configured_path(dev));
        error = 0;
    }
    free(problem);
    return error;
}

static int
netdev_vhostuser_set_config(struct netdev *netdev, const struct smap *args,
                            char **errp)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);
    struct ds warnings = DS_EMPTY_INITIALIZER;
    int retries, error;

    ovs_mutex_lock(&dev->mutex);
    retries = parse_tx_retries(args, &warnings);
    error = set_socket(dev, args, &warnings, errp);
    if (!error) {
        atomic_store_relaxed(&dev->tx_retries_max, retries);
        set_config_warning(dev, ds_cstr(&warnings));
        dev->configured = true;
    }
    ovs_mutex_unlock(&dev->mutex);
    ds_destroy(&warnings);
    return error;
}

static int
netdev_vhostuser_get_numa_id(const struct netdev *netdev OVS_UNUSED)
{
    return VHOSTUSER_NUMA;
}

/* Runs with the port quiesced: no PMD thread polls or sends to it, so this
 * is where a pending device replaces the old one. */
static int
netdev_vhostuser_reconfigure(struct netdev *netdev)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (dev->pending_vhu) {
        install_vhu(dev, dev->pending_path, dev->pending_vhu);
        dev->pending_vhu = NULL;
        dev->pending_path = NULL;
    }
    dev->n_queues = vhostuser_n_rxq(dev);
    netdev->n_rxq = dev->n_queues;
    netdev->n_txq = dev->n_queues;
    vhostuser_update(dev);
    ovs_mutex_unlock(&dev->mutex);
    netdev_change_seq_changed(netdev);
    return 0;
}

/* Link, MAC, MTU, flags. */

static int
netdev_vhostuser_set_etheraddr(struct netdev *netdev, const struct eth_addr mac)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (!eth_addr_equals(dev->mac, mac)) {
        dev->mac = mac;
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhostuser_get_etheraddr(const struct netdev *netdev,
                               struct eth_addr *mac)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->mac;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhostuser_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    atomic_read_relaxed(&dev->mtu, mtup);
    return 0;
}

static int
netdev_vhostuser_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    if (mtu < ETH_PAYLOAD_MIN || mtu > VHOSTUSER_MTU_MAX) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    dev->user_mtu = mtu;
    vhostuser_update(dev);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhostuser_get_carrier(const struct netdev *netdev, bool *carrier)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *carrier = dev->carrier;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_vhostuser_update_flags(struct netdev *netdev, enum netdev_flags off,
                              enum netdev_flags on,
                              enum netdev_flags *old_flagsp)
{
    struct netdev_vhostuser *dev = netdev_vhostuser_cast(netdev);

    if ((off | on) & ~(NETDEV_UP | NETDEV_PROMISC)) {
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    *old_flagsp = dev->flags;
    dev->flags = (dev->flags & ~off) | on;
    atomic_store_relaxed(&dev->admin_up, (dev->flags & NETDEV_UP) != 0);
    if (dev->flags != *old_flagsp) {
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* The control plane, in the main thread. */

static void
netdev_vhostuser_run(const struct netdev_class *class)
{
    struct netdev_vhostuser *dev;

    LIST_FOR_EACH (dev, list_node, &netdev_vhostuser_devs) {
        if (netdev_get_class(&dev->up) == class) {
            ovs_mutex_lock(&dev->mutex);
            recheck_socket(dev);
            if (dev->vhu) {
                int timeout = vhu_dev_run(dev->vhu);

                dev->wake_at = (timeout < 0 ? LLONG_MAX
                                : time_msec() + timeout);
            }
            ovs_mutex_unlock(&dev->mutex);
        }
    }
}

/* Only registers what run() waits for: the socket and its timer. */
static void
netdev_vhostuser_wait(const struct netdev_class *class)
{
    struct netdev_vhostuser *dev;

    LIST_FOR_EACH (dev, list_node, &netdev_vhostuser_devs) {
        if (netdev_get_class(&dev->up) == class) {
            ovs_mutex_lock(&dev->mutex);
            if (dev->socket_warning) {
                poll_timer_wait_until(dev->recheck_at);
            }
            if (dev->vhu) {
                int fd = vhu_dev_fd(dev->vhu);

                if (fd >= 0) {
                    poll_fd_wait(fd, POLLIN);
                }
                if (dev->wake_at != LLONG_MAX) {
                    poll_timer_wait_until(dev->wake_at);
                }
            }
            ovs_mutex_unlock(&dev->mutex);
        }
    }
}

static int
netdev_vhostuser_class_init(void)
{
    static struct ovsthread_once once = OVSTHREAD_ONCE_INITIALIZER;

    if (ovsthread_once_start(&once)) {
        vhu_set_log_fn(netdev_vhostuser_log);
        vhu_set_log_enabled_fn(netdev_vhostuser_log_enabled);
        netdev_vhostuser_appctl_register();
        ovsthread_once_done(&once);
    }
    return 0;
}

#define NETDEV_VHOSTUSER_CLASS(NAME)                        \
    {                                                       \
        .type = NAME,                                       \
        .is_pmd = true,                                     \
        .init = netdev_vhostuser_class_init,                \
        .run = netdev_vhostuser_run,                        \
        .wait = netdev_vhostuser_wait,                      \
        .alloc = netdev_vhostuser_alloc,                    \
        .construct = netdev_vhostuser_construct,            \
        .destruct = netdev_vhostuser_destruct,              \
        .dealloc = netdev_vhostuser_dealloc,                \
        .get_config = netdev_vhostuser_get_config,          \
        .set_config = netdev_vhostuser_set_config,          \
        .get_numa_id = netdev_vhostuser_get_numa_id,        \
        .send = netdev_vhostuser_send,                      \
        .set_etheraddr = netdev_vhostuser_set_etheraddr,    \
        .get_etheraddr = netdev_vhostuser_get_etheraddr,    \
        .get_mtu = netdev_vhostuser_get_mtu,                \
        .set_mtu = netdev_vhostuser_set_mtu,                \
        .get_carrier = netdev_vhostuser_get_carrier,        \
        .get_stats = netdev_vhostuser_get_stats,            \
        .get_custom_stats = netdev_vhostuser_get_custom_stats, \
        .get_status = netdev_vhostuser_get_status,          \
        .update_flags = netdev_vhostuser_update_flags,      \
        .reconfigure = netdev_vhostuser_reconfigure,        \
        .rxq_alloc = netdev_vhostuser_rxq_alloc,            \
        .rxq_construct = netdev_vhostuser_rxq_construct,    \
        .rxq_destruct = netdev_vhostuser_rxq_destruct,      \
        .rxq_dealloc = netdev_vhostuser_rxq_dealloc,        \
        .rxq_enabled = netdev_vhostuser_rxq_enabled,        \
        .rxq_recv = netdev_vhostuser_rxq_recv,              \
        .rxq_wait = netdev_vhostuser_rxq_wait,              \
    }

static const struct netdev_class vhostuser_classes[] = {
    NETDEV_VHOSTUSER_CLASS("vhostuser"),
    NETDEV_VHOSTUSER_CLASS("vhostuserclient"),
    NETDEV_VHOSTUSER_CLASS("dpdkvhostuser"),
    NETDEV_VHOSTUSER_CLASS("dpdkvhostuserclient"),
};

void
netdev_vhostuser_register(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(vhostuser_classes); i++) {
        netdev_register_provider(&vhostuser_classes[i]);
    }
}
