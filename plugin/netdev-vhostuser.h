/*
 * netdev-vhostuser.h: the OVS netdev provider for vhost-user ports, built
 * on libvhostuser (lib/).  plugin/vhostuser-register.c calls
 * netdev_vhostuser_register() from a constructor in ovs-vswitchd.
 */
#ifndef NETDEV_VHOSTUSER_H
#define NETDEV_VHOSTUSER_H 1

/* Registers the "vhostuser", "vhostuserclient", "dpdkvhostuser" and
 * "dpdkvhostuserclient" netdev classes. */
void netdev_vhostuser_register(void);

#endif /* netdev-vhostuser.h */
