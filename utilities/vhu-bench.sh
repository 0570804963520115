#!/bin/sh
# vhu-bench.sh: the library-level benchmark (run by "make bench").
#
# vhu-peer (frontend) sends as fast as it can into vhu-loopback (backend,
# libvhostuser), which echoes every frame back; both run on this machine,
# one datapath thread each.  Prints Mpps and Gbit/s for each frame size.
# A benchmark, not a test: it asserts nothing about speed.
#
# Usage: vhu-bench.sh BUILDDIR [SECONDS]
set -e

builddir=${1:-.}
secs=${2:-5}
peer=$builddir/utilities/vhu-peer
loopback=$builddir/utilities/vhu-loopback
dir=$(mktemp -d "${TMPDIR:-/tmp}/vhu-bench.XXXXXX")
pid=

cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

printf '%-6s %-7s %10s %10s %10s\n' size queues tx_Mpps rx_Mpps rx_Gbps
for size in 64 1518; do
    sock=$dir/bench-$size.sock
    "$loopback" --socket "$sock" --queues 1 --quiet > "$dir/backend.out" 2>&1 &
    pid=$!
    for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    line=$("$peer" --socket "$sock" --size "$size" --throughput "$secs" \
           | grep '^throughput:')
    kill "$pid"; wait "$pid" || true; pid=
    tx=$(echo "$line" | sed -n 's/.*tx \([0-9.]*\) Mpps.*/\1/p')
    rx=$(echo "$line" | sed -n 's/.*rx \([0-9.]*\) Mpps.*/\1/p')
    gbps=$(awk -v r="$rx" -v s="$size" 'BEGIN { printf "%.2f", r * s * 8 / 1000 }')
    printf '%-6s %-7s %10s %10s %10s\n' "$size" 1 "$tx" "$rx" "$gbps"
done
