#!/bin/sh
# vhu-demo.sh: the README's main job (run by "make demo").
#
# Starts the loopback backend (libvhostuser) on a socket in a private
# directory, connects vhu-peer to it as the frontend, checks that traffic
# flows both ways with byte-exact content, measures throughput for a few
# seconds, and prints both sides' counters.  It stops what it started, by
# pid.
#
# Usage: vhu-demo.sh BUILDDIR
set -e

builddir=${1:-.}
peer=$builddir/utilities/vhu-peer
loopback=$builddir/utilities/vhu-loopback
dir=$(mktemp -d "${TMPDIR:-/tmp}/vhu-demo.XXXXXX")
sock=$dir/vhu0.sock
pid=

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo "== starting the backend: vhu-loopback on $sock (2 queue pairs)"
"$loopback" --socket "$sock" --queues 2 --quiet > "$dir/backend.out" 2>&1 &
pid=$!
for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done

echo
echo "== frontend: vhu-peer, 1000 frames of 1518 bytes each way, verified"
"$peer" --socket "$sock" --queues 2 --size 1518 --send 1000 --recv 1000 \
        --timeout 10

echo
echo "== frontend: vhu-peer ping, 5 round trips"
"$peer" --socket "$sock" --ping 5 --timeout 10

echo
echo "== frontend: vhu-peer throughput for 3 s, 64-byte frames"
"$peer" --socket "$sock" --queues 2 --size 64 --throughput 3

kill "$pid"
wait "$pid" || true
pid=
echo
echo "== backend counters (all connections)"
cat "$dir/backend.out"
