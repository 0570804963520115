#!/bin/bash
# ovs-demo.sh: the README's main job (run by "make demo").
#
# Starts a sandboxed ovsdb-server and our ovs-vswitchd (own rundir, own
# network namespace, so nothing touches the host's Open vSwitch), adds a
# userspace bridge with two vhostuser ports, and attaches a vhu-peer
# frontend to each: one echoes, the other sends frames that cross the bridge
# twice and checks every byte that comes back.  Then it measures throughput,
# prints the ports' statistics, "ovs-appctl vhostuser/show" and the PMD's
# view, and stops everything it started, by pid.
#
# Usage: ovs-demo.sh BUILDDIR OVS_SRCDIR OVS_BUILDDIR [SECONDS]
set -e -o pipefail

builddir=$(cd "${1:?BUILDDIR}" && pwd)
ovs_srcdir=$(cd "${2:?OVS_SRCDIR}" && pwd)
ovs_builddir=$(cd "${3:?OVS_BUILDDIR}" && pwd)
secs=${4:-5}

if [ -z "$VHU_DEMO_IN_NETNS" ]; then
    # Re-run inside a new network namespace: the userspace datapath's
    # ovs-netdev and br0 tap devices then stay out of the host's.
    if [ "$(id -u)" -ne 0 ]; then
        echo "ovs-demo: needs root (for a private network namespace)" >&2
        exit 1
    fi
    VHU_DEMO_IN_NETNS=1 exec unshare --net "$0" "$@"
fi

PATH=$builddir/utilities:$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
dir=$(mktemp -d "${TMPDIR:-/tmp}/ovs-demo.XXXXXX")
export OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir OVS_SYSCONFDIR=$dir
pids=

cleanup() {
    for pid in $pids; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $pids; do
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

say() {
    printf '\n== %s\n' "$*"
}

say "starting ovsdb-server and ovs-vswitchd in $dir"
ovsdb-tool create "$dir/conf.db" "$ovs_srcdir/vswitchd/vswitch.ovsschema"
ovsdb-server --detach --no-chdir --pidfile --log-file \
    --remote=punix:"$dir/db.sock" "$dir/conf.db" 2>/dev/null
pids="$(cat "$dir/ovsdb-server.pid") $pids"
ovs-vsctl --no-wait init
ovs-vsctl --no-wait set Open_vSwitch . other_config:pmd-cpu-mask=0x2 \
    other_config:pmd-maxsleep=10000
ovs-vswitchd --detach --no-chdir --pidfile --log-file \
    unix:"$dir/db.sock" 2>/dev/null
pids="$(cat "$dir/ovs-vswitchd.pid") $pids"
ovs-vswitchd --version | head -1

say "bridge br0 (userspace datapath) with vhostuser ports vm1 and vm2"
ovs-vsctl add-br br0 -- set Bridge br0 datapath_type=netdev \
    -- add-port br0 vm1 -- set Interface vm1 type=vhostuser \
    -- add-port br0 vm2 -- set Interface vm2 type=vhostuser
ovs-vsctl get Open_vSwitch . iface_types

say "vm2: vhu-peer echoing every frame back"
vhu-peer --socket "$dir/vm2" --echo > "$dir/vm2.out" 2>&1 &
pids="$! $pids"

say "vm1: vhu-peer sends 20000 frames of 1518 bytes; each crosses br0 twice"
vhu-peer --socket "$dir/vm1" --send 20000 --recv 20000 --size 1518 \
    --timeout 30 | grep -E '^(features|tx_frames|rx_frames|rx_bad|rx_missing|result):'

say "vm1: throughput for $secs s with 64-byte frames"
vhu-peer --socket "$dir/vm1" --size 64 --throughput "$secs" \
    | grep -E '^throughput:'

say "port status (vm1's frontend has left; vm2's is still echoing)"
for port in vm1 vm2; do
    echo "$port: $(ovs-vsctl get Interface $port status)"
done

say "port statistics (ovs-appctl dpctl/show -s)"
ovs-appctl dpctl/show -s | grep -A4 -E 'port [0-9]+: vm[12]'

say "ovs-appctl vhostuser/show vm2"
ovs-appctl vhostuser/show vm2

say "ovs-appctl dpif-netdev/pmd-perf-show (summary)"
ovs-appctl dpif-netdev/pmd-perf-show | grep -E 'Rx packets|Tx packets|EMC hits|pkts/batch'

say "stopping everything this demo started"
