#! /bin/sh
# tests/fuzz/run-fuzz.sh: "make fuzz" (tests/fuzz/automake.mk).
#
#   run-fuzz.sh SRCDIR SECONDS 'EXTRA LIBFUZZER FLAGS' TARGET...
#
# Run in the build directory.  For each TARGET, one after the other: copies
# SRCDIR/tests/fuzz/corpus/TARGET to a fresh tests/fuzz/work/TARGET/corpus,
# runs tests/fuzz/fuzz-TARGET on it for SECONDS with -print_final_stats=1
# (log in tests/fuzz/work/TARGET/log), and prints its executions, exec/s,
# and coverage (cov and ft from libFuzzer's last status line).  A crash,
# leak, timeout or out-of-memory keeps its input in tests/fuzz/work/TARGET/
# and makes the script fail once every target has run.

srcdir=$1 seconds=$2 flags=$3
shift 3
failed=
for target in "$@"; do
    work=tests/fuzz/work/$target
    rm -rf "$work/corpus"
    mkdir -p "$work/corpus" || exit 1
    cp "$srcdir/tests/fuzz/corpus/$target/"* "$work/corpus/" 2>/dev/null
    echo "fuzz-$target: running for $seconds s (log in $work/log)"
    # $flags is split into words on purpose.
    ./tests/fuzz/fuzz-$target -max_total_time="$seconds" \
        -print_final_stats=1 -timeout=25 -artifact_prefix="$work/" \
        $flags "$work/corpus" > "$work/log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
    last=$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$work/log" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    echo "fuzz-$target: ${execs:-?} executions, ${rate:-?} exec/s," \
         "cov ${cov:-?}, ft ${ft:-?}"
    if test $status != 0; then
        artifacts=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* \
                       "$work"/oom-* 2>/dev/null | tr '\n' ' ')
        echo "fuzz-$target: FAILED (exit status $status): ${artifacts:-no artifact}"
        grep -E 'ERROR|invariant broken|SUMMARY' "$work/log" | head -n 5 \
            | sed "s/^/fuzz-$target:   /"
        failed="$failed $target"
    fi
done
if test -n "$failed"; then
    echo "make fuzz: crashes in:$failed" >&2
    echo "Replay one with tests/fuzz/replay-TARGET FILE; keep it as a" \
         "regression case in tests/fuzz/crashers/TARGET/." >&2
    exit 1
fi
echo "make fuzz: $# targets, no crash"
