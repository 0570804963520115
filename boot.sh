#! /bin/sh
# boot.sh: generates configure, Makefile.in and the build-aux/ and m4/
# helpers from configure.ac and the automake.mk files.  Run it once in a
# fresh checkout (and after editing configure.ac), then ./configure && make.
set -e
cd "$(dirname "$0")"
mkdir -p m4
autoreconf --install --force
