# tests/automake.mk: the unit-test program and the autotest suite.  Included
# from the top-level Makefile.am; paths are relative to the top directory.
#
# "make check" builds tests/test-vhu, generates tests/testsuite from the
# .at files below and runs it in tests/ (logs in tests/testsuite.log and,
# for failed tests, tests/testsuite.dir/NNN/).  Its last line, printed by
# tests/summary.sh, is "N passed, N failed, N skipped".
#
# Pass options to the testsuite with TESTSUITEFLAGS, e.g.
#   make check TESTSUITEFLAGS='-j2'         run tests in parallel
#   make check TESTSUITEFLAGS='-k mem'      tests whose keywords match "mem"
#   make check TESTSUITEFLAGS='5 7-9 -v -d' these tests, verbose, keep dirs
#   make check TESTSUITEFLAGS='--list'      list the tests
# "make check-valgrind" runs the suite with every program under valgrind.
#
# The suite includes Open vSwitch's unmodified tests/ovs-macros.at,
# ovsdb-macros.at and ofproto-macros.at (OVS_VSWITCHD_START...) from
# $(OVS_SRCDIR); our tests/package.m4 comes first in autom4te's path.  Its
# programs come from AUTOTEST_PATH: ours first (utilities/ovs-vswitchd
# included), then the OVS build's ovs-vsctl, ovs-appctl, ovs-ofctl,
# ovsdb-server and ovsdb-tool -- never the OVS build's own ovs-vswitchd.

check_PROGRAMS += tests/test-vhu
tests_test_vhu_SOURCES = \
	tests/test-vhu.c \
	tests/test-vhu.h \
	tests/test-mem.c \
	tests/test-ring.c \
	tests/test-net.c \
	tests/test-msg.c
tests_test_vhu_LDADD = utilities/libvhufront.la lib/libvhostuser.la

# The datapath's RSS hash against OVS's own, linked with libopenvswitch.
check_PROGRAMS += tests/test-rss
tests_test_rss_SOURCES = tests/test-rss.c
tests_test_rss_CPPFLAGS = $(PLUGIN_CPPFLAGS) -I$(top_srcdir)/plugin
tests_test_rss_CFLAGS = $(PLUGIN_CFLAGS)
tests_test_rss_LDADD = $(OVS_BUILDDIR)/lib/libopenvswitch.la
tests_test_rss_DEPENDENCIES = ovs/build.stamp
$(tests_test_rss_OBJECTS): ovs/build.stamp

TESTSUITE_AT = \
	tests/testsuite.at \
	tests/unit.at \
	tests/peer.at \
	tests/ovs.at \
	tests/hostile.at \
	tests/system-qemu.at \
	tests/system-dpdk.at \
	tests/fuzz.at
TESTSUITE = $(srcdir)/tests/testsuite
TESTSUITE_DIR = $(abs_top_builddir)/tests/testsuite.dir
AUTOTEST = $(AUTOM4TE) -l autotest
AUTOTEST_PATH = $(abs_top_builddir)/utilities:$(abs_top_builddir)/tests:$(abs_top_builddir)/tests/fuzz:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/ovsdb:$(OVS_BUILDDIR)/tests

EXTRA_DIST += \
	$(TESTSUITE_AT) \
	$(TESTSUITE) \
	tests/package.m4 \
	tests/summary.sh \
	tests/vhu-hostile.py \
	tests/guest/init \
	tests/guest/vhu-guest-build
DISTCLEANFILES += tests/atconfig

# The testsuite's status is kept while the summary line is printed last.
check-local: tests/atlocal $(TESTSUITE)
	@touch tests/testsuite.stamp; \
	status=0; \
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(TESTSUITEFLAGS) || status=$$?; \
	$(SHELL) '$(srcdir)/tests/summary.sh' tests/testsuite.log \
	  tests/testsuite.stamp; \
	exit $$status

# Valgrind: each program in AUTOTEST_PATH gets a wrapper script in
# tests/valgrind/, which comes first in the testsuite's PATH.  Valgrind's
# reports are left in tests/testsuite.dir/NNN/valgrind.PID.
VALGRIND = valgrind --log-file=valgrind.%p --error-exitcode=1 \
	--leak-check=full --errors-for-leak-kinds=definite --track-fds=yes \
	--num-callers=30
check-valgrind: all $(check_PROGRAMS) tests/atlocal $(TESTSUITE)
	@if test '$(enable_sanitizers)' = yes; then \
	  echo "check-valgrind: reconfigure without --enable-sanitizers" >&2; \
	  exit 1; \
	fi
	@rm -rf tests/valgrind && $(MKDIR_P) tests/valgrind && \
	for prog in $(bin_PROGRAMS) $(sbin_PROGRAMS) $(check_PROGRAMS); do \
	  wrapper=tests/valgrind/`basename $$prog`; \
	  { echo '#! /bin/sh'; \
	    echo 'exec $(VALGRIND) "$(abs_top_builddir)/'$$prog'" "$$@"'; \
	  } > $$wrapper && chmod +x $$wrapper || exit 1; \
	done
	@touch tests/testsuite.stamp; \
	status=0; \
	$(SHELL) '$(TESTSUITE)' -C tests \
	  AUTOTEST_PATH='$(abs_top_builddir)/tests/valgrind:$(AUTOTEST_PATH)' \
	  $(TESTSUITEFLAGS) || status=$$?; \
	$(SHELL) '$(srcdir)/tests/summary.sh' tests/testsuite.log \
	  tests/testsuite.stamp; \
	exit $$status
.PHONY: check-valgrind

# OVS's macros must be unpacked first: ovs/src.stamp is an order-only
# prerequisite (GNU make), so unpacking OVS does not make the distributed
# testsuite out of date.
$(TESTSUITE): $(srcdir)/tests/package.m4 $(TESTSUITE_AT) | ovs/src.stamp
	$(AM_V_GEN)$(AUTOTEST) -I $(srcdir) -I $(srcdir)/tests -I $(OVS_SRCDIR) \
	  -o $@.tmp $@.at && mv $@.tmp $@

# Autotest reads the package name and version from package.m4.
$(srcdir)/tests/package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN):;{ \
	  echo '# Signature of the current package.' && \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])' && \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])' && \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])' && \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])' && \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} > '$(srcdir)/tests/package.m4'

clean-local:
	rm -rf tests/testsuite.dir tests/testsuite.log tests/testsuite.stamp \
	  tests/valgrind tests/valgrind.[0-9]*
