# lib/automake.mk: libvhostuser, the vhost-user backend library.  Included
# from the top-level Makefile.am; paths are relative to the top directory.
# It is a libtool convenience library, linked into the programs in
# utilities/, the unit tests in tests/ and (later) the OVS plugin.

noinst_LTLIBRARIES += lib/libvhostuser.la
lib_libvhostuser_la_SOURCES = \
	lib/vhu.h \
	lib/vhu-proto.h \
	lib/vhu-socket.h \
	lib/vhu-socket.c \
	lib/vhu-private.h \
	lib/vhu-log.h \
	lib/vhu-log.c \
	lib/vhu-guard.h \
	lib/vhu-guard.c \
	lib/vhu-mem.h \
	lib/vhu-mem.c \
	lib/vhu-split.h \
	lib/vhu-split.c \
	lib/vhu-vring.h \
	lib/vhu-vring.c \
	lib/vhu-net.c \
	lib/vhu-msg.h \
	lib/vhu-msg.c \
	lib/vhu-dev.c
