# plugin/automake.mk: the Open vSwitch netdev provider built on
# libvhostuser.  Included from the top-level Makefile.am.
#
# Placeholder: nothing is built here yet.  Note that plugin code is compiled
# against OVS's own config.h, which is why our configure header is named
# vhu-config.h.
