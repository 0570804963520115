/*
 * vhostuser-register.c: registers the vhost-user netdev classes in
 * ovs-vswitchd, from a constructor that runs before main().
 *
 * OVS has no loader for netdev plugins, and ovs-vswitchd is linked from
 * OVS's unmodified objects, so this constructor is the only hook.  It must
 * be linked as an object of utilities/ovs-vswitchd itself (its _SOURCES in
 * plugin/automake.mk): in a static archive nothing references it and the
 * linker would silently drop it, and the registration with it.
 */
#include <config.h>
#include "netdev-vhostuser.h"
#include "openvswitch/compiler.h"

OVS_CONSTRUCTOR(vhostuser_register)
{
    netdev_vhostuser_register();
}
