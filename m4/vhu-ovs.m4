# m4/vhu-ovs.m4: find the Open vSwitch 3.1 source that ovs-vswitchd is
# built from.  Called from configure.ac.  -*- autoconf -*-
#
# VHU_OVS_SOURCE
# --------------
# --with-ovs-source=TARBALL|DIR, default Debian 12's openvswitch-source
# tarball.  Checks the version from configure.ac alone (a TARBALL is not
# unpacked here; make does that, see plugin/automake.mk) and substitutes:
#   OVS_TARBALL      the tarball (absolute), empty for a DIR
#   OVS_SRCDIR       OVS's source tree (absolute): DIR, or ovs/src in our
#                    build directory for a tarball (unpacked by make)
#   OVS_BUILDDIR     OVS's build tree (absolute): always ovs/build in our
#                    build directory
#   OVS_VERSION      e.g. 3.1.0
#   OVS_CONFIGURE_ARGS  what make passes to OVS's configure
# and the automake conditional OVS_FROM_TARBALL.
#
# It also writes ovs/config.id, which names the source and the arguments;
# the make rules depend on it, so OVS is unpacked, configured and built
# again only when one of them changed.
AC_DEFUN([VHU_OVS_SOURCE], [
vhu_ovs_default=/usr/src/openvswitch/openvswitch.tar.gz
vhu_ovs_hint="Install Debian 12's Open vSwitch 3.1 source package,
    apt-get install openvswitch-source
which provides $vhu_ovs_default, or give
--with-ovs-source=TARBALL|DIR for another Open vSwitch 3.1.x source."

AC_ARG_WITH([ovs-source],
  [AS_HELP_STRING([--with-ovs-source=TARBALL|DIR],
     [Open vSwitch 3.1.x source to build ovs-vswitchd from: a .tar.gz or an
      unpacked source tree (not configured in-tree)
      @<:@/usr/src/openvswitch/openvswitch.tar.gz@:>@])],
  [], [with_ovs_source=$vhu_ovs_default])
AS_CASE([$with_ovs_source],
  [yes|''], [with_ovs_source=$vhu_ovs_default],
  [no], [AC_MSG_ERROR([--without-ovs-source: the Open vSwitch source is required.
$vhu_ovs_hint])])

AC_ARG_VAR([OVS_PYTHON3], [Python 3 for Open vSwitch's build @<:@/usr/bin/python3@:>@])
: "${OVS_PYTHON3=/usr/bin/python3}"
AC_ARG_VAR([OVS_CONFIGURE_FLAGS], [extra arguments for Open vSwitch's configure])

AC_MSG_CHECKING([for the Open vSwitch source])
vhu_ovs_src=$with_ovs_source
AS_CASE([$vhu_ovs_src], [/*], [], [vhu_ovs_src=`pwd`/$vhu_ovs_src])
OVS_TARBALL=
if test -d "$vhu_ovs_src"; then
    vhu_ovs_src=`cd "$vhu_ovs_src" && pwd`
    AC_MSG_RESULT([$vhu_ovs_src (directory)])
    OVS_SRCDIR=$vhu_ovs_src
    test -f "$OVS_SRCDIR/configure.ac" ||
        AC_MSG_ERROR([$OVS_SRCDIR has no configure.ac: not an Open vSwitch source tree.
$vhu_ovs_hint])
    test -x "$OVS_SRCDIR/configure" && test -f "$OVS_SRCDIR/tests/testsuite" ||
        AC_MSG_ERROR([$OVS_SRCDIR has no generated configure or tests/testsuite (a git checkout?).
Run ./boot.sh and make tests/testsuite there, or use a release tarball.])
    test ! -f "$OVS_SRCDIR/config.status" ||
        AC_MSG_ERROR([$OVS_SRCDIR is configured in-tree, but ovs-vswitchd is built from it out of tree.
Run "make distclean" there first.])
    vhu_ovs_configure_ac=`cat "$OVS_SRCDIR/configure.ac"`
elif test -f "$vhu_ovs_src"; then
    AC_MSG_RESULT([$vhu_ovs_src (tarball)])
    OVS_TARBALL=$vhu_ovs_src
    OVS_SRCDIR=`pwd`/ovs/src
    # Only the top-level configure.ac is extracted, to stdout.
    vhu_ovs_configure_ac=`tar -xzf "$OVS_TARBALL" -O --wildcards \
        --no-wildcards-match-slash '*/configure.ac' 2>/dev/null`
    test -n "$vhu_ovs_configure_ac" ||
        AC_MSG_ERROR([$OVS_TARBALL is not an Open vSwitch source tarball (no */configure.ac).
$vhu_ovs_hint])
else
    AC_MSG_RESULT([not found])
    AC_MSG_ERROR([Open vSwitch source not found: $vhu_ovs_src does not exist.
$vhu_ovs_hint])
fi

AC_MSG_CHECKING([the Open vSwitch version])
# AC_INIT(openvswitch, 3.1.0, bugs@openvswitch.org), brackets optional.
OVS_VERSION=`printf '%s\n' "$vhu_ovs_configure_ac" | tr -d '@<:@@:>@ ' |
    sed -n 's/^@<:@A@:>@C_INIT(openvswitch,\(@<:@^,)@:>@*\).*/\1/p' | sed 1q`
AC_MSG_RESULT([${OVS_VERSION:-unknown}])
AS_CASE([$OVS_VERSION],
  [3.1|3.1.*], [],
  [''], [AC_MSG_ERROR([$vhu_ovs_src: no A@&t@C_INIT(openvswitch, VERSION, ...) in configure.ac: not an Open vSwitch source.
$vhu_ovs_hint])],
  [AC_MSG_ERROR([$vhu_ovs_src is Open vSwitch $OVS_VERSION, but 3.1.x is required.
$vhu_ovs_hint])])

AS_IF([test -x "$OVS_PYTHON3"], [],
  [AC_MSG_ERROR([Open vSwitch's build needs $OVS_PYTHON3: apt-get install python3 (or set OVS_PYTHON3)])])

# SSL and libcap-ng: OVS's configure would detect them itself; deciding here
# makes the choice visible and explicit.
OVS_CONFIGURE_ARGS="CC='$CC' PYTHON3=$OVS_PYTHON3 CFLAGS='-O2 -g' --prefix=/usr --localstatedir=/var --sysconfdir=/etc --disable-afxdp"
vhu_save_LIBS=$LIBS
AC_CHECK_HEADER([openssl/ssl.h],
  [AC_CHECK_LIB([ssl], [SSL_new], [vhu_ovs_ssl=yes], [vhu_ovs_ssl=no], [-lcrypto])],
  [vhu_ovs_ssl=no])
AC_CHECK_HEADER([cap-ng.h],
  [AC_CHECK_LIB([cap-ng], [capng_clear], [vhu_ovs_capng=yes], [vhu_ovs_capng=no])],
  [vhu_ovs_capng=no])
LIBS=$vhu_save_LIBS
AS_IF([test "$vhu_ovs_ssl" = no], [
  AC_MSG_WARN([OpenSSL not found: ovs-vswitchd is built without SSL (apt-get install libssl-dev)])
  OVS_CONFIGURE_ARGS="$OVS_CONFIGURE_ARGS --disable-ssl"])
AS_IF([test "$vhu_ovs_capng" = no], [
  AC_MSG_WARN([libcap-ng not found: ovs-vswitchd is built without it (apt-get install libcap-ng-dev)])
  OVS_CONFIGURE_ARGS="$OVS_CONFIGURE_ARGS --disable-libcapng"])
AS_IF([test -n "$OVS_CONFIGURE_FLAGS"],
  [OVS_CONFIGURE_ARGS="$OVS_CONFIGURE_ARGS $OVS_CONFIGURE_FLAGS"])

OVS_BUILDDIR=`pwd`/ovs/build
AC_SUBST([OVS_TARBALL])
AC_SUBST([OVS_SRCDIR])
AC_SUBST([OVS_BUILDDIR])
AC_SUBST([OVS_VERSION])
AC_SUBST([OVS_CONFIGURE_ARGS])
AM_CONDITIONAL([OVS_FROM_TARBALL], [test -n "$OVS_TARBALL"])

# config.status rewrites ovs/config.id only when its content changes.  The
# id goes into config.status inside single quotes, hence the tr.
vhu_ovs_id=`printf '%s\n' "source=$vhu_ovs_src" "compiler=$CC" \
    "args=$OVS_CONFIGURE_ARGS" | tr "'" '"'`
AC_CONFIG_COMMANDS([ovs/config.id],
  [AS_IF([test -f ovs/config.id && test "`cat ovs/config.id`" = "$vhu_ovs_id"], [],
     [AS_MKDIR_P([ovs])
      printf '%s\n' "$vhu_ovs_id" > ovs/config.id])],
  [vhu_ovs_id='$vhu_ovs_id'])
])
