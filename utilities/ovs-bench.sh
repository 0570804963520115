#!/bin/bash
# ovs-bench.sh: our ovs-vswitchd against Debian's OVS-DPDK, side by side
# (run by "make bench-ovs"; Documentation/topics/benchmarking.rst).
#
# Each side is a sandboxed ovsdb-server and ovs-vswitchd (own run, log and
# database directory in one mktemp directory, own network namespace) with a
# userspace bridge and two vhost-user client ports, p1 and p2: type
# vhostuserclient on ours, dpdkvhostuserclient on OVS-DPDK.  One
# dpdk-testpmd per side is the frontend of both ports (virtio-user, server
# mode, --no-huge) and runs DPDK's "flowgen" engine, which sends 256 UDP
# flows out of each of its ports and receives and drops what comes in.
# (DPDK 22.11's flowgen cannot be kept from sending on a port: virtio-user
# refuses the "deferred start" that would leave a transmit queue stopped.)
# So the traffic goes both ways, testpmd port 0 -> p1 -> p2 -> testpmd
# port 1 and back, through two OpenFlow port flows or through NORMAL.
#
# Runs alternate between the sides (ours, OVS-DPDK, ours, ...), the idle
# side's testpmd stopped and its PMD thread asleep.  Each run prints the
# forwarded rate, the PMD's busy share and cycles per packet, and who set
# the pace; the end gives, per frame size and flow, the per-pair ratios
# ours/OVS-DPDK.  A benchmark, not a test: it asserts nothing about speed.
# It stops everything it started, by pid, and puts the 2 MiB hugepage count
# back as it found it.  Needs root (network namespaces, hugepages).
#
# Usage: ovs-bench.sh BUILDDIR OVS_SRCDIR OVS_BUILDDIR [OPTION]...
#   (ovs-bench.sh --help lists the options)
set -e -o pipefail
export LC_ALL=C

usage() {
    cat <<EOF
usage: $0 BUILDDIR OVS_SRCDIR OVS_BUILDDIR [OPTION]...

Options (defaults in brackets):
  --pairs N         interleaved runs per side, per size and flow [5]
  --secs S          measured seconds per run [10]
  --warmup S        seconds of traffic before each measurement [3]
  --sizes LIST      frame sizes in bytes, with FCS [64,512,1518]
  --flows LIST      "port" (in_port=1,actions=output:2 and
                    in_port=2,actions=output:1) and/or
                    "normal" (actions=NORMAL) [port,normal]
  --queues Q        queue pairs per port, testpmd forwarding lcores [1]
  --queue-size N    descriptors per virtqueue, a power of 2 from 64 to
                    8192: testpmd's queue_size, --rxd and --txd [1024]
  --pmds P          PMD threads [1]
  --pmd-cores LIST  CPUs of the PMD threads [the first P CPUs allowed]
  --gen-cores LIST  CPUs of testpmd's forwarding lcores, one lcore each,
                    at most Q; with fewer lcores than queue pairs each
                    lcore polls several queues [the next Q CPUs, or as
                    many as there are]
  --sides LIST      "ours" and/or "ovs-dpdk" [ours,ovs-dpdk]
  --hugepages N     2 MiB hugepages to reserve for OVS-DPDK [1536]
  --baseline PATH   run PATH, another build of our ovs-vswitchd, as the
                    second side in place of OVS-DPDK (vhostuserclient
                    ports, no hugepages), so that the ratios compare
                    two builds of ours; tables still name it "ovs-dpdk"
  --baseline-queues Q
                    queue pairs per port on the baseline side [--queues];
                    with PATH our own build, the ratios compare --queues
                    queue pairs with Q on the same code
  --baseline-queue-size N
                    descriptors per virtqueue on the baseline side
                    [--queue-size]; --queues 2 --queue-size 512
                    against --baseline-queues 1 --baseline-queue-size
                    1024 keeps as many buffers in flight on both sides
  --keep            keep the sandbox directory (logs) at exit
LISTs are separated by commas or spaces.
EOF
}

die() {
    echo "ovs-bench: error: $*" >&2
    exit 1
}

note() {
    echo "ovs-bench: $*" >&2
}

if [ "$1" = --help ] || [ "$1" = -h ]; then
    usage
    exit 0
fi
[ $# -ge 3 ] || { usage >&2; exit 1; }
builddir=$(cd "$1" && pwd) || die "no build directory $1"
ovs_srcdir=$(cd "$2" && pwd) || die "no OVS source directory $2"
ovs_builddir=$(cd "$3" && pwd) || die "no OVS build directory $3"
shift 3

pairs=5
secs=10
warmup=3
sizes="64 512 1518"
flows="port normal"
queues=1
pmds=1
pmd_cores=
gen_cores=
sides="ours ovs-dpdk"
hugepages=1536
keep=false
baseline=
baseline_queues=
queue_size=1024
baseline_queue_size=
while [ $# -gt 0 ]; do
    opt=$1
    case $opt in
        --keep) keep=true; shift; continue ;;
        --help|-h) usage; exit 0 ;;
        --*=*) val=${opt#*=}; opt=${opt%%=*} ;;
        --*) [ $# -ge 2 ] || die "$opt needs a value"; val=$2; shift ;;
        *) die "unknown argument $opt (see --help)" ;;
    esac
    shift
    val=${val//,/ }
    case $opt in
        --pairs) pairs=$val ;;
        --baseline) baseline=$val ;;
        --baseline-queues) baseline_queues=$val ;;
        --queue-size) queue_size=$val ;;
        --baseline-queue-size) baseline_queue_size=$val ;;
        --secs) secs=$val ;;
        --warmup) warmup=$val ;;
        --sizes) sizes=$val ;;
        --flows) flows=$val ;;
        --queues) queues=$val ;;
        --pmds) pmds=$val ;;
        --pmd-cores) pmd_cores=$val ;;
        --gen-cores) gen_cores=$val ;;
        --sides) sides=$val ;;
        --hugepages) hugepages=$val ;;
        *) die "unknown option $opt (see --help)" ;;
    esac
done

is_uint() {
    case $1 in ''|*[!0-9]*) return 1 ;; esac
}
for v in pairs secs queues pmds hugepages; do
    is_uint "${!v}" && [ "${!v}" -ge 1 ] || die "--$v wants a positive integer"
done
if [ -n "$baseline_queues" ]; then
    [ -n "$baseline" ] || die "--baseline-queues needs --baseline"
    is_uint "$baseline_queues" && [ "$baseline_queues" -ge 1 ] \
        || die "--baseline-queues wants a positive integer"
fi
baseline_queues=${baseline_queues:-$queues}
if [ -n "$baseline_queue_size" ]; then
    [ -n "$baseline" ] || die "--baseline-queue-size needs --baseline"
fi
baseline_queue_size=${baseline_queue_size:-$queue_size}
for n in $queue_size $baseline_queue_size; do
    is_uint "$n" && [ "$n" -ge 64 ] && [ "$n" -le 8192 ] \
        && [ $((n & (n - 1))) -eq 0 ] \
        || die "queue size $n: a power of 2 from 64 to 8192"
done
# The most queue pairs either side has.
max_queues=$((queues > baseline_queues ? queues : baseline_queues))
is_uint "$warmup" || die "--warmup wants an integer"
for s in $sizes; do
    is_uint "$s" && [ "$s" -ge 64 ] && [ "$s" -le 1518 ] \
        || die "frame size $s: 64 to 1518 bytes (the MTU is 1500)"
done
for f in $flows; do
    case $f in port|normal) ;; *) die "unknown flow $f (port, normal)" ;; esac
done
for s in $sides; do
    case $s in ours|ovs-dpdk) ;; *) die "unknown side $s (ours, ovs-dpdk)" ;; esac
done
[ -n "$sizes" ] && [ -n "$flows" ] && [ -n "$sides" ] \
    || die "--sizes, --flows and --sides must not be empty"

# --- Programs -------------------------------------------------------------

[ "$(id -u)" -eq 0 ] \
    || die "needs root (network namespaces for the userspace datapaths, hugepages for OVS-DPDK)"

ours_vswitchd=$builddir/utilities/ovs-vswitchd
# OVS_BENCH_DPDK_VSWITCHD may name another OVS-DPDK build's ovs-vswitchd.
dpdk_vswitchd=${OVS_BENCH_DPDK_VSWITCHD:-/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk}
if [ -n "$baseline" ]; then
    dpdk_vswitchd=$baseline
fi
PATH=$ovs_builddir/utilities:$ovs_builddir/ovsdb:$PATH
[ -x "$ours_vswitchd" ] || die "$ours_vswitchd not found: run make first"
for prog in ovsdb-tool ovsdb-server ovs-vsctl ovs-appctl ovs-ofctl \
            dpdk-testpmd stdbuf unshare taskset mkfifo; do
    command -v $prog > /dev/null || die "$prog not found"
done

have_side() {
    case " $sides " in *" $1 "*) return 0 ;; esac
    return 1
}
alone_reason=
if have_side ovs-dpdk && [ ! -x "$dpdk_vswitchd" ]; then
    alone_reason="$dpdk_vswitchd not found: install Debian's openvswitch-switch-dpdk (apt-get install openvswitch-switch-dpdk)"
    sides=ours
fi
have_side ours || have_side ovs-dpdk || die "no side to run"

# --- CPUs -----------------------------------------------------------------

# expand_cpus LIST: "0-2,5" -> "0 1 2 5".
expand_cpus() {
    local part out=
    for part in ${1//,/ }; do
        case $part in
            *-*) out="$out $(seq "${part%-*}" "${part#*-}" | tr '\n' ' ')" ;;
            *) out="$out $part" ;;
        esac
    done
    echo $out
}
allowed=$(expand_cpus "$(taskset -cp $$ | sed 's/.*: *//')")
for c in $pmd_cores $gen_cores; do
    is_uint "$c" || die "CPU $c: not a number"
    case " $allowed " in *" $c "*) ;; *) die "CPU $c is not one this process may use ($allowed)" ;; esac
done
set -- $allowed
if [ -z "$pmd_cores" ]; then
    [ $pmds -le $# ] || die "--pmds $pmds: only $# CPUs ($allowed)"
    pmd_cores=$(echo $allowed | cut -d' ' -f1-$pmds)
fi
set -- $pmd_cores
[ $# -eq $pmds ] || die "--pmd-cores names $# CPUs, --pmds wants $pmds"
others=
for c in $allowed; do
    case " $pmd_cores " in *" $c "*) ;; *) others="$others $c" ;; esac
done
others=$(echo $others)
if [ -z "$gen_cores" ]; then
    # One forwarding lcore per queue pair, on distinct CPUs while there
    # are enough; testpmd spreads the streams over fewer otherwise.
    set -- ${others:-$allowed}
    while [ $# -gt $max_queues ]; do
        set -- $(echo $* | cut -d' ' -f1-$max_queues)
    done
    gen_cores="$*"
fi
set -- $gen_cores
[ $# -ge 1 ] && [ $# -le $max_queues ] \
    || die "--gen-cores names $# CPUs, --queues $max_queues wants 1 to $max_queues"
n_gen=$#
# Housekeeping (ovsdb-server, the non-PMD threads of ovs-vswitchd): the
# CPUs without a PMD thread, if any.
hk_cores=${others:-$allowed}
hk_list=$(echo $hk_cores | tr ' ' ,)
pmd_mask=0
for c in $pmd_cores; do
    pmd_mask=$((pmd_mask | (1 << c)))
done
pmd_mask=$(printf '0x%x' $pmd_mask)
# testpmd: main lcore 0 on the first generator CPU, forwarding lcore k+1
# on the kth.
set -- $gen_cores
tp_lcores="0@$1"
i=1
for c in $gen_cores; do
    tp_lcores="$tp_lcores,$i@$c"
    i=$((i + 1))
done
overlap=
for c in $gen_cores; do
    case " $pmd_cores " in *" $c "*) overlap="$overlap $c" ;; esac
done

# --- Sandbox and cleanup --------------------------------------------------

dir=$(mktemp -d "${TMPDIR:-/tmp}/ovs-bench.XXXXXX")
old_hugepages=
pids=          # "pid:start-time:name" of every process started, newest first
dpdk_prefixes=
failed=false

# start_time PID: when PID started (field 22 of /proc/PID/stat), so that
# a pid is never signalled once it may belong to another process.
start_time() {
    local stat
    stat=$(cat /proc/$1/stat 2>/dev/null) || return 1
    set -- ${stat##*) }
    echo ${20}
}

# stop_pid PID START NAME: SIGTERM, up to 10 s, then SIGKILL; nothing if
# PID is no longer the process that started at START.
stop_pid() {
    local pid=$1 i=0
    [ "$(start_time $pid)" = "$2" ] || return 0
    kill "$pid" 2>/dev/null || return 0
    while [ "$(start_time $pid)" = "$2" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if [ "$(start_time $pid)" = "$2" ]; then
        note "$3 (pid $pid) did not stop in 10 s: SIGKILL"
        kill -9 "$pid" 2>/dev/null || true
    fi
}

cleanup() {
    local rc=$? entry pid start name side i
    # No second interruption halfway through.
    trap - EXIT
    trap '' INT TERM
    [ $rc -eq 0 ] || failed=true
    # testpmd first: "quit" lets it close its sockets.
    for side in ours ovs-dpdk; do
        pid=$(cat "$dir/$side/testpmd.pid" 2>/dev/null) || continue
        if kill -0 "$pid" 2>/dev/null; then
            echo quit 2>/dev/null >&"$(tp_fd $side)" || true
            i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
                sleep 0.1
                i=$((i + 1))
            done
        fi
    done
    for entry in $pids; do
        IFS=: read -r pid start name <<< "$entry"
        stop_pid "$pid" "$start" "$name"
    done
    if [ -n "$old_hugepages" ]; then
        echo "$old_hugepages" > /proc/sys/vm/nr_hugepages 2>/dev/null \
            || note "could not put vm.nr_hugepages back to $old_hugepages"
    fi
    for p in $dpdk_prefixes; do
        rm -rf "/var/run/dpdk/$p"
    done
    if $keep || $failed; then
        note "logs kept in $dir"
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'failed=true; exit 130' INT TERM

# record PID NAME
record() {
    local start
    is_uint "$1" || die "$2: no pid"
    start=$(start_time $1) || die "$2 (pid $1) exited at once"
    pids="$1:$start:${2// /_} $pids"
}

# fail_with_logs SIDE MESSAGE: shows the end of SIDE's logs, then dies.
fail_with_logs() {
    local f
    failed=true
    for f in "$dir/$1"/*.log "$dir/$1/testpmd.out"; do
        [ -f "$f" ] || continue
        echo "---- last lines of $f" >&2
        tail -15 "$f" >&2
    done
    die "$1: $2"
}

# --- Per-side commands ----------------------------------------------------

tp_fd() {
    case $1 in ours) echo 7 ;; *) echo 8 ;; esac
}
side_env() {
    local d=$dir/$1
    echo OVS_RUNDIR=$d OVS_LOGDIR=$d OVS_DBDIR=$d OVS_SYSCONFDIR=$d \
         OVS_PKGDATADIR=$ovs_srcdir
}
vsctl() {
    local side=$1
    shift
    env $(side_env $side) ovs-vsctl --timeout=60 \
        --db=unix:"$dir/$side/db.sock" "$@"
}
appctl() {
    local side=$1
    shift
    ovs-appctl --timeout=30 -t "$dir/$side/vswitchd.ctl" "$@"
}
ofctl() {
    local side=$1
    shift
    env $(side_env $side) ovs-ofctl --timeout=30 "$@"
}

# alive SIDE: all of SIDE's processes still run.
alive() {
    local f
    for f in ovsdb-server.pid ovs-vswitchd.pid testpmd.pid; do
        [ -f "$dir/$1/$f" ] || continue
        kill -0 "$(cat "$dir/$1/$f")" 2>/dev/null \
            || { echo "${f%.pid} exited"; return 1; }
    done
}

# testpmd in interactive mode reads commands from a FIFO that this shell
# holds open read-write (fd 7 for ours, 8 for OVS-DPDK), so that it never
# sees end of file; its output, unbuffered, goes to testpmd.out, where
# every command is followed by the next "testpmd> " prompt.
tp_prompts() {
    grep -o 'testpmd> ' "$dir/$1/testpmd.out" | wc -l
}

# tp_cmd SIDE COMMAND: types COMMAND and waits up to 60 s for the next
# prompt; the command's output is then in SIDE/testpmd.last.
tp_cmd() {
    local side=$1 d=$dir/$1 mark want i=0
    mark=$(wc -c < "$d/testpmd.out")
    want=$(($(tp_prompts $side) + 1))
    echo "$2" >&"$(tp_fd $side)"
    while [ $(tp_prompts $side) -lt $want ]; do
        kill -0 "$(cat "$d/testpmd.pid")" 2>/dev/null \
            || fail_with_logs $side "testpmd exited after \"$2\""
        [ $i -lt 600 ] \
            || fail_with_logs $side "testpmd: no prompt 60 s after \"$2\""
        sleep 0.1
        i=$((i + 1))
    done
    tail -c +$((mark + 1)) "$d/testpmd.out" | sed '1d;$d' > "$d/testpmd.last"
}

# tp_fwd SIDE: "TX-packets TX-dropped RX-packets" of testpmd, all ports
# together, from "show fwd stats all" (counted since "start").
tp_fwd() {
    tp_cmd $1 "show fwd stats all"
    awk '/Accumulated forward statistics/ { p = 1 }
         p && /RX-packets:/ { rx = $2 }
         p && /TX-packets:/ { tx = $2; txd = $4 }
         END { if (tx == "" || rx == "") exit 1
               print tx, txd, rx }' "$dir/$1/testpmd.last" \
        || fail_with_logs $1 "no forwarding statistics from testpmd"
}

# dp_counters SIDE: "RX-packets RX-dropped TX-packets TX-dropped" of p1,
# then the same of p2, from dpctl/show -s.
dp_counters() {
    appctl $1 dpctl/show -s |
        awk '/^  port [0-9]+: / { p = $3 }
             (p == "p1" || p == "p2") && ($1 == "RX" || $1 == "TX") &&
             $2 ~ /^packets:/ {
                 for (i = 2; i <= NF; i++) {
                     split($i, kv, ":")
                     v[p, $1, kv[1]] = kv[2]
                 }
             }
             END { for (i = 1; i <= 2; i++)
                       for (j = 1; j <= 2; j++) {
                           p = "p" i; d = j == 1 ? "RX" : "TX"
                           if (v[p, d, "packets"] == "") exit 1
                           printf "%.0f %.0f ", v[p, d, "packets"], v[p, d, "dropped"]
                       }
                   printf "\n" }' \
        || fail_with_logs $1 "no port statistics from dpctl/show"
}

# pmd_stats SIDE: "packets busy-cycles idle-cycles max-busy-% threads",
# summed over the PMD threads, from pmd-stats-show.  (Counters go through
# awk as doubles, exact up to 2^53, and out with %.0f: mawk's %d stops at
# 2^31.)
pmd_stats() {
    appctl $1 dpif-netdev/pmd-stats-show |
        awk 'function flush() {
                 if (t && idle + busy > 0) {
                     pct = 100 * busy / (idle + busy)
                     if (pct > max) max = pct
                 }
                 t = 0; idle = 0; busy = 0
             }
             /^pmd thread/ { flush(); t = 1; n++ }
             /^main thread/ { flush() }
             t && /^  packets received:/ { pk += $3 }
             t && /^  idle cycles:/ { idle = $3; sidle += $3 }
             t && /^  processing cycles:/ { busy = $3; sbusy += $3 }
             END { flush()
                   if (!n) exit 1
                   printf "%.0f %.0f %.0f %.1f %d\n", pk, sbusy, sidle, max, n }' \
        || fail_with_logs $1 "no PMD thread in pmd-stats-show"
}

# thread_ns PID REGEX: "NS N": the CPU time, in ns, of the N threads of
# PID whose names match REGEX (from /proc/PID/task/*/schedstat).
thread_ns() {
    local t c ns rest sum=0 n=0
    for t in /proc/$1/task/*; do
        read -r c < "$t/comm" 2>/dev/null || continue
        [[ $c =~ $2 ]] || continue
        read -r ns rest < "$t/schedstat" 2>/dev/null || continue
        sum=$((sum + ns))
        n=$((n + 1))
    done
    echo $sum $n
}

# cpu_times SIDE: "PMD-ns PMD-threads generator-ns generator-lcores".
cpu_times() {
    echo $(thread_ns "$(cat "$dir/$1/ovs-vswitchd.pid")" '^pmd') \
         $(thread_ns "$(cat "$dir/$1/testpmd.pid")" '^rte-worker')
}

# --- Starting a side ------------------------------------------------------

# side_queues SIDE: the queue pairs per port on SIDE.
side_queues() {
    if [ $1 = ours ]; then echo $queues; else echo $baseline_queues; fi
}

# side_queue_size SIDE: the descriptors per virtqueue on SIDE.
side_queue_size() {
    if [ $1 = ours ]; then echo $queue_size; else echo $baseline_queue_size; fi
}

start_side() {
    local side=$1 d=$dir/$1 type vswitchd pid i n prefix q
    local nq=$(side_queues $1) qs=$(side_queue_size $1) ngen=$n_gen
    # Enough mbufs for every ring of both ports full, twice over, and
    # memory for them (about 2.3 KiB each) and the rest.
    local mbufs=$((8 * nq * qs > 65536 ? 8 * nq * qs : 65536))
    local mem_mb=$((mbufs * 3 / 1024 + 512))
    [ $mem_mb -ge 1024 ] || mem_mb=1024
    [ $ngen -le $nq ] || ngen=$nq
    mkdir "$d"
    if [ $side = ours ]; then
        type=vhostuserclient
        vswitchd=$ours_vswitchd
    elif [ -n "$baseline" ]; then
        type=vhostuserclient
        vswitchd=$dpdk_vswitchd
    else
        type=dpdkvhostuserclient
        vswitchd=$dpdk_vswitchd
    fi

    ovsdb-tool create "$d/conf.db" "$ovs_srcdir/vswitchd/vswitch.ovsschema"
    env $(side_env $side) taskset -c $hk_list ovsdb-server --detach \
        --no-chdir --pidfile="$d/ovsdb-server.pid" \
        --log-file="$d/ovsdb-server.log" --unixctl="$d/ovsdb-server.ctl" \
        --remote=punix:"$d/db.sock" "$d/conf.db" 2>> "$d/ovsdb-server.log" \
        || fail_with_logs $side "ovsdb-server did not start"
    record "$(cat "$d/ovsdb-server.pid")" "$side ovsdb-server"

    vsctl $side --no-wait init
    # pmd-maxsleep: the PMD thread sleeps while its side is idle; it is 0
    # during a run (see run_one).
    vsctl $side --no-wait set Open_vSwitch . \
        other_config:pmd-cpu-mask=$pmd_mask other_config:pmd-maxsleep=10000
    if [ $pmds -gt 1 ]; then
        # p1's queues are pinned below, one per PMD thread in turn; the
        # PMD threads still poll the other rxqs (p2's).
        vsctl $side --no-wait set Open_vSwitch . \
            other_config:pmd-rxq-assign=group \
            other_config:pmd-rxq-isolate=false
    fi
    if [ $side = ovs-dpdk ] && [ -z "$baseline" ]; then
        prefix=ovs-bench-$$-ovs-dpdk
        dpdk_prefixes="$dpdk_prefixes $prefix"
        vsctl $side --no-wait set Open_vSwitch . other_config:dpdk-init=true \
            other_config:dpdk-extra="--no-pci --no-telemetry --file-prefix=$prefix"
    fi

    # Its own network namespace: each userspace datapath makes a tap
    # device ovs-netdev (and br0), which would collide on the host.
    env $(side_env $side) taskset -c $hk_list unshare --net "$vswitchd" \
        --detach --no-chdir --pidfile="$d/ovs-vswitchd.pid" \
        --unixctl="$d/vswitchd.ctl" --log-file="$d/ovs-vswitchd.log" \
        unix:"$d/db.sock" 2>> "$d/ovs-vswitchd.log" \
        || fail_with_logs $side "ovs-vswitchd did not start"
    record "$(cat "$d/ovs-vswitchd.pid")" "$side ovs-vswitchd"

    if [ $side = ovs-dpdk ] && [ -z "$baseline" ]; then
        i=0
        until [ "$(vsctl $side get Open_vSwitch . dpdk_initialized)" = true ]; do
            alive $side > /dev/null \
                || fail_with_logs $side "ovs-vswitchd-dpdk exited during DPDK initialization"
            [ $i -lt 600 ] \
                || fail_with_logs $side "DPDK not initialized after 60 s"
            sleep 0.1
            i=$((i + 1))
        done
    fi

    vsctl $side add-br br0 -- set Bridge br0 datapath_type=netdev \
            fail-mode=secure \
        -- add-port br0 p1 -- set Interface p1 type=$type \
            options:vhost-server-path="$d/p1.sock" ofport_request=1 \
        -- add-port br0 p2 -- set Interface p2 type=$type \
            options:vhost-server-path="$d/p2.sock" ofport_request=2 \
        || fail_with_logs $side "could not add the bridge and ports"
    # For NORMAL: flowgen gives both directions the same MAC addresses, so
    # learning would move 00:01:02:03:04:00 between p1 and p2 all the time;
    # with learning off (flood_vlans) NORMAL floods every frame, and the
    # bridge's own port (a tap device) is left out of flooding.
    vsctl $side set Bridge br0 flood_vlans=0
    ofctl $side mod-port br0 br0 no-flood
    for p in p1 p2; do
        e=$(vsctl $side get Interface $p error)
        [ "$e" = '[]' ] || fail_with_logs $side "port $p: $e"
    done
    # With more queue pairs than PMD threads, OVS's default steering would
    # send everything a PMD thread forwards into one queue of the other
    # port, which testpmd's lcores, polling each queue in turn, cannot
    # drain; hash steering spreads it over all the queues, on both sides.
    if [ $nq -gt $pmds ]; then
        for p in p1 p2; do
            vsctl $side set Interface $p other_config:tx-steering=hash
        done
    fi
    if [ $pmds -gt 1 ]; then
        local aff= c
        for q in $(seq 0 $((nq - 1))); do
            c=$(echo $pmd_cores | cut -d' ' -f$((q % pmds + 1)))
            aff="$aff,$q:$c"
        done
        vsctl $side set Interface p1 other_config:pmd-rxq-affinity="${aff#,}"
    fi

    # testpmd: the server of both sockets, flowgen on both ports.
    prefix=ovs-bench-$$-$side-testpmd
    dpdk_prefixes="$dpdk_prefixes $prefix"
    mkfifo "$d/testpmd.in"
    eval "exec $(tp_fd $side)<>\"\$d/testpmd.in\""
    stdbuf -o0 dpdk-testpmd --lcores $tp_lcores --no-pci \
        --no-huge -m $mem_mb --no-shconf --no-telemetry --file-prefix $prefix \
        --vdev net_virtio_user0,path="$d/p1.sock",server=1,queues=$nq,queue_size=$qs \
        --vdev net_virtio_user1,path="$d/p2.sock",server=1,queues=$nq,queue_size=$qs \
        -- -i --nb-cores=$ngen --rxq=$nq --txq=$nq \
        --rxd=$qs --txd=$qs --total-num-mbufs=$mbufs \
        --forward-mode=flowgen --flowgen-flows=256 --txpkts=64 \
        < "$d/testpmd.in" > "$d/testpmd.out" 2>&1 7>&- 8>&- &
    pid=$!
    echo $pid > "$d/testpmd.pid"
    record $pid "$side testpmd"
    i=0
    until [ $(tp_prompts $side) -ge 1 ]; do
        kill -0 $pid 2>/dev/null || fail_with_logs $side "testpmd exited"
        [ $i -lt 1200 ] \
            || fail_with_logs $side "testpmd: no prompt after 120 s (did ovs-vswitchd connect?)"
        sleep 0.1
        i=$((i + 1))
    done
    # Both ports' queues enabled and polled.
    i=0
    while true; do
        n=$(appctl $side dpif-netdev/pmd-rxq-show |
                grep -cE 'port: p[12] .*\(enabled\)' || true)
        [ "$n" -ge $((2 * nq)) ] && break
        alive $side > /dev/null || fail_with_logs $side "$(alive $side)"
        [ $i -lt 600 ] \
            || fail_with_logs $side "only $n of $((2 * nq)) rxqs enabled after 60 s"
        sleep 0.1
        i=$((i + 1))
    done
}

# --- One run ---------------------------------------------------------------

# set_flow SIDE FLOW: the OpenFlow table for FLOW.  Both testpmd ports
# send (see the top of this file), so there are flows both ways.
set_flow() {
    local side=$1
    [ "$(cat "$dir/$side/flow" 2>/dev/null)" = $2 ] && return 0
    ofctl $side del-flows br0
    case $2 in
        port)
            ofctl $side add-flow br0 in_port=1,actions=output:2
            ofctl $side add-flow br0 in_port=2,actions=output:1
            ;;
        normal)
            ofctl $side add-flow br0 actions=NORMAL
            ;;
    esac
    echo $2 > "$dir/$side/flow"
}

results=$dir/results

# run_one SIDE SIZE FLOW PAIR
run_one() {
    local side=$1 size=$2 flow=$3 pair=$4 msg
    local t0 t1 f0 f1 d0 d1 c0 c1 pmd

    msg=$(alive $side) || fail_with_logs $side "$msg"
    set_flow $side $flow
    tp_cmd $side "set txpkts $size"
    vsctl $side set Open_vSwitch . other_config:pmd-maxsleep=0
    tp_cmd $side start
    sleep $warmup

    f0=$(tp_fwd $side)
    appctl $side dpif-netdev/pmd-stats-clear > /dev/null
    c0=$(cpu_times $side)
    t0=$EPOCHREALTIME
    d0=$(dp_counters $side)
    sleep $secs
    c1=$(cpu_times $side)
    t1=$EPOCHREALTIME
    d1=$(dp_counters $side)
    pmd=$(pmd_stats $side)
    f1=$(tp_fwd $side)

    tp_cmd $side stop
    vsctl $side set Open_vSwitch . other_config:pmd-maxsleep=10000
    msg=$(alive $side) || fail_with_logs $side "$msg"

    # Fields: 1-4 side size flow pair, 5-6 times, 7-14 and 15-22 the
    # ports' counters (p1 rx rxd tx txd, p2 rx rxd tx txd), 23-27 the PMD
    # threads (packets busy idle max-busy% threads), 28-30 and 31-33
    # testpmd's (tx txd rx), 34-37 and 38-41 CPU times (see cpu_times).
    echo "$side $size $flow $pair $t0 $t1 $d0 $d1 $pmd $f0 $f1 $c0 $c1" |
        awk '{ side = $1; size = $2; flow = $3; pair = $4
               secs = $6 - $5
               rx = $15 + $19 - $7 - $11; rxd = $16 + $20 - $8 - $12
               tx = $17 + $21 - $9 - $13; txd = $18 + $22 - $10 - $14
               pk = $23; busy = $24; idle = $25; maxbusy = $26; npmd = $27
               gtx = $31 - $28; gdrop = $32 - $29
               pcpu = $35 ? 100 * ($38 - $34) / ($35 * secs * 1e9) : 0
               gcpu = $37 ? 100 * ($40 - $36) / ($37 * secs * 1e9) : 0
               mpps = tx / secs / 1e6
               cpp = pk ? busy / pk : 0
               ghz = npmd ? (busy + idle) / (npmd * secs * 1e9) : 0
               refused = gtx + gdrop ? 100 * gdrop / (gtx + gdrop) : 0
               lost = rx + rxd ? 100 * (rxd + txd) / (rx + rxd) : 0
               pace = maxbusy >= 95 ? "ovs" : "generator"
               if (pcpu < 90 || gcpu < 90) pace = pace "*"
               printf "%-8s %5d %-6s %4d %8.3f %6.1f %8.1f %5.0f%% %5.0f%% %7.1f%% %6.2f%% %s\n",
                      side, size, flow, pair, mpps, maxbusy, cpp, pcpu, gcpu,
                      refused, lost, pace
               printf "%s %d %s %d %.6f %.1f %.2f %.2f %.4f %s %.0f %.3f %.1f %.1f %.3f\n",
                      side, size, flow, pair, mpps, maxbusy, cpp, refused,
                      lost, pace, tx, secs, pcpu, gcpu, ghz >> "'"$results"'"
             }'
    # A run that forwarded nothing is broken, not slow.
    tail -1 "$results" | awk '{ exit !($11 > 0) }' \
        || fail_with_logs $side "no frame forwarded in the measured interval"
}

# --- Main -----------------------------------------------------------------

# All of it in a function, read whole before it runs: bash reads a script
# as it goes, and an edit to this file during a run would otherwise be
# read in the middle.
main() {
    echo "ovs-bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n), $(nproc) CPUs: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
    echo "ovs-bench: sandbox $dir"
    if [ -n "$alone_reason" ]; then
        echo "ovs-bench: *** OVS-DPDK side skipped: $alone_reason"
        echo "ovs-bench: *** running our side alone: no ratios"
    fi
    echo "ovs-bench: PMD threads on CPU(s) $pmd_cores (pmd-cpu-mask=$pmd_mask), testpmd forwarding lcore(s) on $gen_cores, housekeeping on $hk_list"
    [ -z "$overlap" ] \
        || echo "ovs-bench: warning: CPU(s)$overlap carry both a PMD thread and a generator lcore"
    echo "ovs-bench: $pairs pair(s) of runs, ${warmup} s warm-up + ${secs} s measured; $queues queue pair(s) of $queue_size descriptors; sizes $sizes; flows $flows"

    if have_side ovs-dpdk && [ -z "$baseline" ]; then
        # OVS-DPDK runs with --in-memory, which needs hugepages (no mount).
        cur=$(cat /proc/sys/vm/nr_hugepages)
        free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
        if [ "$free" -lt "$hugepages" ]; then
            old_hugepages=$cur
            echo $((cur + hugepages - free)) > /proc/sys/vm/nr_hugepages || true
            free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
            [ "$free" -ge "$hugepages" ] \
                || die "could reserve only $free free 2 MiB hugepages of the $hugepages OVS-DPDK needs (--hugepages)"
            echo "ovs-bench: vm.nr_hugepages $cur -> $(cat /proc/sys/vm/nr_hugepages) (put back at exit)"
        fi
    fi

    for side in ours ovs-dpdk; do
        if have_side $side; then
            start_side $side
            if [ $side = ours ]; then
                echo "ovs-bench: ours: $ours_vswitchd, built $(date -u -r "$ours_vswitchd" '+%Y-%m-%d %H:%M UTC'), ports vhostuserclient"
            elif [ -n "$baseline" ]; then
                echo "ovs-bench: baseline, named ovs-dpdk below: $baseline, built $(date -u -r "$baseline" '+%Y-%m-%d %H:%M UTC'), ports vhostuserclient, $baseline_queues queue pair(s) of $baseline_queue_size descriptors"
            else
                echo "ovs-bench: ovs-dpdk: $("$dpdk_vswitchd" --version | sed -n 1p) with $("$dpdk_vswitchd" --version | sed -n 's/^DPDK/DPDK/p'), ports dpdkvhostuserclient"
            fi
        fi
    done
    echo "ovs-bench: testpmd (DPDK $(dpkg-query -W -f '${Version}' dpdk-dev 2>/dev/null || echo '?')) flowgen, 256 UDP flows each way: testpmd port 0 <-> p1 <-> p2 <-> testpmd port 1"

    echo
    printf '%-8s %5s %-6s %4s %8s %6s %8s %6s %6s %8s %7s %s\n' \
           side size flow pair Mpps busy% cyc/pkt pmdcpu gencpu refused lost pace
    for size in $sizes; do
        for flow in $flows; do
            for pair in $(seq $pairs); do
                for side in ours ovs-dpdk; do
                    have_side $side || continue
                    run_one $side $size $flow $pair
                done
            done
        done
    done

    echo
    echo "Per frame size and flow: runs in which a busy poller got under 90% of its CPU"
    echo "(runs*), each side's medians, and the per-pair ratios ours/${baseline:+baseline, named }OVS-DPDK (min median max):"
    awk -v sizes="$sizes" -v flows="$flows" '
        function median(a, n,    i, j, t) {
            for (i = 2; i <= n; i++)
                for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                    t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
                }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        function sorted_min_med_max(a, n,    m) {
            m = median(a, n)
            return sprintf("%5.2f %5.2f %5.2f", a[1], m, a[n])
        }
        { mpps[$1, $2, $3, $4] = $5; cpp[$1, $2, $3, $4] = $7
          seen[$1] = 1; np[$2, $3] = $4 > np[$2, $3] ? $4 : np[$2, $3]
          runs[$2, $3]++; if ($13 < 90 || $14 < 90) shared[$2, $3]++ }
        END {
            printf "%5s %-6s %6s %10s %10s %10s %10s   %-17s   %-17s\n", "size",
                   "flow", "runs*", "ours Mpps", "cyc/pkt", "dpdk Mpps", "cyc/pkt",
                   "Mpps ratio", "cyc/pkt ratio"
            ns = split(sizes, S, " "); nf = split(flows, F, " ")
            for (i = 1; i <= ns; i++) for (j = 1; j <= nf; j++) {
                s = S[i]; f = F[j]; n = np[s, f]
                line = sprintf("%5d %-6s %6s", s, f,
                               (shared[s, f] + 0) "/" runs[s, f])
                for (k = 1; k <= 2; k++) {
                    side = k == 1 ? "ours" : "ovs-dpdk"
                    if (!seen[side]) { line = line sprintf(" %10s %10s", "-", "-"); continue }
                    delete a; delete b
                    for (p = 1; p <= n; p++) { a[p] = mpps[side, s, f, p]; b[p] = cpp[side, s, f, p] }
                    line = line sprintf(" %10.3f %10.1f", median(a, n), median(b, n))
                }
                if (seen["ours"] && seen["ovs-dpdk"]) {
                    delete a; delete b; m = 0
                    for (p = 1; p <= n; p++)
                        if (mpps["ovs-dpdk", s, f, p] > 0 && cpp["ovs-dpdk", s, f, p] > 0) {
                            m++
                            a[m] = mpps["ours", s, f, p] / mpps["ovs-dpdk", s, f, p]
                            b[m] = cpp["ours", s, f, p] / cpp["ovs-dpdk", s, f, p]
                        }
                    if (m) line = line "   " sorted_min_med_max(a, m) "   " sorted_min_med_max(b, m)
                }
                print line
            }
        }' "$results"
    # The PMD threads count cycles with the TSC: its rate, as they saw it.
    awk '{ n++; g += $15 } END { if (n) printf "\nPMD cycles are TSC cycles, %.2f GHz here.\n", g / n }' "$results"
    if [ -n "$alone_reason" ]; then
        echo
        echo "ovs-bench: *** no OVS-DPDK figures: $alone_reason"
    fi
}

main "$@"; exit
