/*
 * netdev-vhostuser-appctl.c: the "ovs-appctl vhostuser/..." commands of the
 * vhost-user netdev provider (plugin/netdev-vhostuser.c), registered by its
 * class init() through netdev_vhostuser_appctl_register().
 *
 *   vhostuser/show [PORT]   each port's (or PORT's) socket, warnings,
 *                           negotiated features, memory regions and vrings,
 *                           from the library's vhu_dev_*_info() calls.
 *   vhostuser/pool-show     the PMD threads' packet pools
 *                           (plugin/netdev-vhostuser-pool.c).
 *
 * unixctl runs the commands in the main thread, the only thread that
 * changes the list of ports.
 */
#include <config.h>

#include "netdev-vhostuser-private.h"
#include "netdev-vhostuser-pool.h"

#include <inttypes.h>
#include <string.h>

#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

#include "vhu.h"

/* ovs-appctl vhostuser/show [PORT]. */

static void
show_vrings(struct ds *s, struct vhu_dev *vhu)
{
    for (int i = 0; i < vhu_dev_n_vrings(vhu); i++) {
        struct vhu_vring_info v;

        if (vhu_dev_vring_info(vhu, i, &v) || !v.size) {
            continue;
        }
        ds_put_format(s, "  vring %d (%s %d): size %u %s%s%s%s\n", i,
                      i % 2 ? "guest tx" : "guest rx", i / 2, v.size,
                      v.ready ? "ready" : "not-ready",
                      v.enabled ? " enabled" : "",
                      v.started ? " started" : "",
                      v.broken ? " BROKEN" : "");
        ds_put_format(s, "    last_avail_idx %u last_used_idx %u "
                      "avail_idx %u used_idx %u kick %s call %s\n",
                      v.last_avail_idx, v.last_used_idx, v.avail_idx,
                      v.used_idx, v.has_kick ? "yes" : "no",
                      v.has_call ? "yes" : "no");
        ds_put_format(s, "    packets %"PRIu64" bytes %"PRIu64" drops "
                      "%"PRIu64" errors %"PRIu64" notifications %"PRIu64"\n",
                      v.packets, v.bytes, v.drops, v.errors,
                      v.notifications);
    }
}

static void
show_warnings(struct ds *s, const struct netdev_vhostuser *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct smap warnings = SMAP_INITIALIZER(&warnings);
    const struct smap_node **nodes;

    netdev_vhostuser_add_warnings(&warnings, dev);
    nodes = smap_sort(&warnings);
    for (size_t i = 0; i < smap_count(&warnings); i++) {
        ds_put_format(s, "  %s: %s\n", nodes[i]->key, nodes[i]->value);
    }
    if (dev->pending_path) {
        ds_put_format(s, "  next socket: %s\n", dev->pending_path);
    }
    free(nodes);
    smap_destroy(&warnings);
}

static void
show_dev(struct ds *s, struct netdev_vhostuser *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct vhu_dev *vhu = dev->vhu;
    struct vhu_mem_info mem[16];
    struct vhu_dev_stats st;
    char names[512];
    int n_mem;

    ds_put_format(s, "%s: type %s, %s mode, socket %s, %s\n",
                  netdev_get_name(&dev->up), netdev_get_type(&dev->up),
                  dev->client ? "client" : "server",
                  dev->path ? dev->path : "(none)",
                  vhu && vhu_dev_is_connected(vhu) ? "connected"
                                                   : "disconnected");
    show_warnings(s, dev);
    if (!vhu) {
        return;
    }
    vhu_dev_get_stats(vhu, &st);
    ds_put_format(s, "  features 0x%016"PRIx64" %s\n", vhu_dev_features(vhu),
                  vhu_features_to_string(vhu_dev_features(vhu), names,
                                         sizeof names));
    ds_put_format(s, "  protocol features 0x%016"PRIx64"\n",
                  vhu_dev_protocol_features(vhu));
    ds_put_format(s, "  mtu %d, queue pairs ready %d, n_rxq %d, n_txq %d\n",
                  netdev_vhostuser_effective_mtu(dev),
                  vhu_dev_n_ready_pairs(vhu), dev->up.n_rxq, dev->up.n_txq);
    ds_put_format(s, "  messages %"PRIu64" rejected %"PRIu64" connects "
                  "%"PRIu64" disconnects %"PRIu64"\n", st.msgs,
                  st.msgs_rejected, st.connects, st.disconnects);
    if (st.mem_faults) {
        ds_put_format(s, "  guest memory faults %"PRIu64" (connections "
                      "closed because guest memory shrank)\n",
                      st.mem_faults);
    }
    n_mem = vhu_dev_mem_info(vhu, mem, ARRAY_SIZE(mem));
    for (int i = 0; i < MIN(n_mem, (int) ARRAY_SIZE(mem)); i++) {
        ds_put_format(s, "  memory region %d: gpa 0x%"PRIx64" size 0x%"PRIx64
                      " uaddr 0x%"PRIx64" offset 0x%"PRIx64"\n", i,
                      mem[i].gpa, mem[i].size, mem[i].uaddr,
                      mem[i].mmap_offset);
    }
    if (n_mem > (int) ARRAY_SIZE(mem)) {
        ds_put_format(s, "  (%d more memory regions)\n",
                      n_mem - (int) ARRAY_SIZE(mem));
    }
    show_vrings(s, vhu);
}

static void
netdev_vhostuser_show(struct unixctl_conn *conn, int argc,
                      const char *argv[], void *aux OVS_UNUSED)
{
    struct netdev_vhostuser *dev;
    struct ds s = DS_EMPTY_INITIALIZER;
    bool found = false;

    LIST_FOR_EACH (dev, list_node, &netdev_vhostuser_devs) {
        if (argc > 1 && strcmp(argv[1], netdev_get_name(&dev->up))) {
            continue;
        }
        found = true;
        ovs_mutex_lock(&dev->mutex);
        show_dev(&s, dev);
        ovs_mutex_unlock(&dev->mutex);
    }
    if (argc > 1 && !found) {
        unixctl_command_reply_error(conn, "no such vhostuser port");
    } else {
        unixctl_command_reply(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
}

/* ovs-appctl vhostuser/pool-show. */

static void
netdev_vhostuser_pool_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                           const char *argv[] OVS_UNUSED,
                           void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;

    netdev_vhostuser_pool_format(&s);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

/* Registers the commands.  The provider's class init() calls it once. */
void
netdev_vhostuser_appctl_register(void)
{
    unixctl_command_register("vhostuser/show", "[port]", 0, 1,
                             netdev_vhostuser_show, NULL);
    unixctl_command_register("vhostuser/pool-show", "", 0, 0,
                             netdev_vhostuser_pool_show, NULL);
}
