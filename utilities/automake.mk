# utilities/automake.mk: the frontend helper library and command-line tools.
# Included from the top-level Makefile.am; paths are relative to the top
# directory.
#
#   utilities/libvhufront.la  a minimal vhost-user frontend (the "guest"
#                             side), used by vhu-peer and by tests/test-vhu.
#   utilities/vhu-peer        drives a backend as a frontend would.
#   utilities/vhu-loopback    a backend that echoes guest TX back to RX.
#   utilities/ovs-demo.sh     run by "make demo": OVS with vhostuser ports.
#   utilities/vhu-demo.sh     run by "make demo-lib": the library alone.
#   utilities/vhu-bench.sh    run by "make bench".
#   utilities/ovs-bench.sh    run by "make bench-ovs": ours against OVS-DPDK.
#   utilities/ovs-vswitchd    Open vSwitch's daemon with our netdev provider;
#                             built by plugin/automake.mk, installed in sbin.

noinst_LTLIBRARIES += utilities/libvhufront.la
utilities_libvhufront_la_SOURCES = \
	utilities/vhu-front.h \
	utilities/vhu-front.c
utilities_libvhufront_la_LIBADD = lib/libvhostuser.la

bin_PROGRAMS += utilities/vhu-peer
utilities_vhu_peer_SOURCES = utilities/vhu-peer.c
utilities_vhu_peer_LDADD = utilities/libvhufront.la lib/libvhostuser.la

bin_PROGRAMS += utilities/vhu-loopback
utilities_vhu_loopback_SOURCES = utilities/vhu-loopback.c
utilities_vhu_loopback_LDADD = lib/libvhostuser.la

EXTRA_DIST += \
	utilities/ovs-demo.sh \
	utilities/vhu-demo.sh \
	utilities/vhu-bench.sh \
	utilities/ovs-bench.sh
