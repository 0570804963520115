# plugin/automake.mk: the Open vSwitch netdev provider built on
# libvhostuser, the Open vSwitch build it needs, and utilities/ovs-vswitchd,
# the stock OVS 3.1 daemon with the provider linked in.  Included from the
# top-level Makefile.am; paths are relative to the top build directory.
#
# 1. Open vSwitch, built once inside our build directory
#
#   ovs/config.id        written by configure: the OVS source and the
#                        arguments for OVS's configure
#   ovs/src/             the OVS tarball, unpacked (not with a source DIR)
#   ovs/build/           OVS's out-of-tree build: its configure and a plain
#                        "make" (all), which also builds OVS's BUILT_SOURCES
#                        (e.g. odp-netlink.h) that single targets would miss
#   ovs/*.stamp          one per step; "make" does nothing more once
#                        ovs/build.stamp exists
#
# "make clean" keeps ovs/ (rebuilding OVS takes minutes and our changes
# never require it); "make clean-ovs" removes it, and so does "make
# distclean".  Run OVS's make again (after editing a --with-ovs-source DIR,
# say) with "rm ovs/build.stamp && make".  OVS's make gets our -j (jobserver)
# or, without one, -j$(OVS_JOBS) (default: the number of CPUs), and not our
# command-line variables: "make CFLAGS=..." applies to our code only.
#
# OVS_SRCDIR, OVS_BUILDDIR (absolute) and OVS_TARBALL come from configure
# (m4/vhu-ovs.m4), as does OVS_CONFIGURE_ARGS.
#
# 2. utilities/ovs-vswitchd
#
# Links OVS's unmodified vswitchd objects and libraries with the plugin
# objects and lib/libvhostuser.la.  Nothing of OVS is recompiled.  Plugin
# sources are compiled against OVS's build-tree config.h with OVS's include
# order (PLUGIN_CPPFLAGS); add new ones to utilities_ovs_vswitchd_SOURCES.
# plugin/vhostuser-register.c holds the constructor that registers the
# provider: it must stay in _SOURCES (a static archive would drop it).

OVS_JOBS =

# Silent rules: "  OVS      step" unless V=1; OVS's configure -q and
# make V=0 likewise.
vhu_v_OVS = $(vhu_v_OVS_@AM_V@)
vhu_v_OVS_ = $(vhu_v_OVS_@AM_DEFAULT_V@)
vhu_v_OVS_0 = @echo "  OVS     " $@;
vhu_v_OVS_1 =
vhu_ovs_configure_v = $(vhu_ovs_configure_v_@AM_V@)
vhu_ovs_configure_v_ = $(vhu_ovs_configure_v_@AM_DEFAULT_V@)
vhu_ovs_configure_v_0 = -q
vhu_ovs_configure_v_1 =
vhu_ovs_make_v = $(vhu_ovs_make_v_@AM_V@)
vhu_ovs_make_v_ = $(vhu_ovs_make_v_@AM_DEFAULT_V@)
vhu_ovs_make_v_0 = V=0
vhu_ovs_make_v_1 = V=1

# Only when ovs/ was removed by hand: configure writes it.
ovs/config.id:
	$(AM_V_GEN)cd $(top_builddir) && $(SHELL) ./config.status $@

if OVS_FROM_TARBALL
ovs/src.stamp: ovs/config.id $(OVS_TARBALL)
	@rm -rf ovs/src $@
	@$(MKDIR_P) ovs/src
	$(vhu_v_OVS)tar -xzf '$(OVS_TARBALL)' -C ovs/src --strip-components=1
	@touch $@
else
ovs/src.stamp: ovs/config.id
	@touch $@
endif

ovs/configure.stamp: ovs/src.stamp ovs/config.id
	@rm -rf ovs/build $@
	@$(MKDIR_P) ovs/build
	$(vhu_v_OVS)cd ovs/build && \
	  '$(OVS_SRCDIR)/configure' $(OVS_CONFIGURE_ARGS) \
	    $(vhu_ovs_configure_v) || { \
	  echo "Open vSwitch's configure failed: see ovs/build/config.log" >&2; \
	  exit 1; }
	@touch $@

ovs/build.stamp: ovs/configure.stamp
	$(vhu_v_OVS)flags=`echo " $$MAKEFLAGS" | sed 's/ -- .*//'`; \
	case "$$flags" in \
	  *" -j"*) jobs= ;; \
	  *) jobs='$(OVS_JOBS)'; \
	     test -n "$$jobs" || jobs=`nproc 2>/dev/null || echo 1`; \
	     jobs=-j$$jobs ;; \
	esac; \
	MAKEFLAGS="$$flags" $(MAKE) -C ovs/build $$jobs $(vhu_ovs_make_v)
	@touch $@

clean-ovs:
	rm -rf ovs/src ovs/build ovs/src.stamp ovs/configure.stamp \
	  ovs/build.stamp
distclean-local:
	rm -rf ovs
.PHONY: clean-ovs

# OVS's include order (B = build dir, S = source dir):
#   -I$B -I$S -I$S/include -I$B/include -I$S/lib -I$B/lib
OVS_CPPFLAGS = \
	-I$(OVS_BUILDDIR) -I$(OVS_SRCDIR) \
	-I$(OVS_SRCDIR)/include -I$(OVS_BUILDDIR)/include \
	-I$(OVS_SRCDIR)/lib -I$(OVS_BUILDDIR)/lib
# Our warnings, -Werror unless --disable-werror; OVS requires
# -fno-strict-aliasing.
PLUGIN_CPPFLAGS = $(OVS_CPPFLAGS) -I$(top_srcdir)/lib
PLUGIN_CFLAGS = $(WARNING_FLAGS) $(WERROR) -fno-strict-aliasing
# bridge.c calls dpdk_init() with the Open_vSwitch other_config on every
# pass of its main loop; the provider reads vhost-sock-dir there, in
# __wrap_dpdk_init(), which calls OVS's own (stub) __real_dpdk_init().
PLUGIN_LINKFLAGS = -Wl,--wrap=dpdk_init

# Exactly what OVS links its own ovs-vswitchd from.  libtool adds the
# libraries these .la files depend on (libopenvswitchavx512 when OVS built
# it, -latomic, -lssl, -lcap-ng...).
OVS_VSWITCHD_LDADD = \
	$(OVS_BUILDDIR)/vswitchd/ovs-vswitchd.$(OBJEXT) \
	$(OVS_BUILDDIR)/vswitchd/bridge.$(OBJEXT) \
	$(OVS_BUILDDIR)/vswitchd/system-stats.$(OBJEXT) \
	$(OVS_BUILDDIR)/ofproto/libofproto.la \
	$(OVS_BUILDDIR)/lib/libsflow.la \
	$(OVS_BUILDDIR)/lib/libopenvswitch.la

sbin_PROGRAMS += utilities/ovs-vswitchd
utilities_ovs_vswitchd_SOURCES = \
	plugin/vhostuser-register.c \
	plugin/netdev-vhostuser.h \
	plugin/netdev-vhostuser.c \
	plugin/netdev-vhostuser-private.h \
	plugin/netdev-vhostuser-dp.c \
	plugin/netdev-vhostuser-rss.h \
	plugin/netdev-vhostuser-pool.h \
	plugin/netdev-vhostuser-pool.c \
	plugin/netdev-vhostuser-stats.c \
	plugin/netdev-vhostuser-appctl.c
utilities_ovs_vswitchd_CPPFLAGS = $(PLUGIN_CPPFLAGS)
utilities_ovs_vswitchd_CFLAGS = $(PLUGIN_CFLAGS)
utilities_ovs_vswitchd_LDFLAGS = $(PLUGIN_LINKFLAGS)
utilities_ovs_vswitchd_LDADD = $(OVS_VSWITCHD_LDADD) lib/libvhostuser.la
utilities_ovs_vswitchd_DEPENDENCIES = ovs/build.stamp lib/libvhostuser.la

# Plugin objects need OVS's config.h and generated headers.
$(utilities_ovs_vswitchd_OBJECTS): ovs/build.stamp
