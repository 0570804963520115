#! /bin/sh
# tests/summary.sh: prints the one-line result of an autotest run,
#     N passed, N failed, N skipped
# which "make check" (tests/automake.mk) prints as its very last line.
#
# Usage: tests/summary.sh LOG [STAMP]
#   LOG    the testsuite's log, normally tests/testsuite.log
#   STAMP  a file touched just before the run; results older than it are
#          from an earlier run and are ignored
#
# "failed" is what autotest calls unexpected: FAILED tests and UNEXPECTED
# PASSes.  "passed" is the rest of the tests that ran, so it includes
# expected failures.  "skipped" is the tests that exited with status 77.
#
# The counts come from the "Test results" section at the end of LOG, the
# only place that also counts expected failures.  With -d (or -e, which
# implies it), the testsuite writes no LOG; the counts then come from the
# per-test logs that -d keeps in testsuite.dir/NNN/testsuite.log.

log=${1-tests/testsuite.log}
stamp=$2

# fresh FILE: true if FILE exists and is from this run.
fresh () {
    test -f "$1" || return 1
    test -z "$stamp" || test -n "$(find "$1" -newer "$stamp")"
}

if fresh "$log"; then
    # The section looks like one of, e.g.:
    #   All 12 tests were successful.
    #   ERROR: 9 tests were run,
    #   2 failed (1 expected failure).
    #   1 test was skipped.
    # The "Test results" code in tests/testsuite shows every form.
    awk '
        /^## Test results\. ##$/ { section = 1; found = 1; next }
        section && /^## [^-]/ { exit }
        !section || /^## -/ || /^$/ { next }
        {
            line = $0
            sub(/^ERROR: /, "", line)
            sub(/^All /, "", line)
            split(line, w, /[ ,().]+/)
        }
        !have_run { run = w[1]; have_run = 1 }
        line ~ /run, one (passed|failed) unexpectedly/ { fail = 1 }
        line ~ /^[0-9]+ (failed|passed) unexpectedly/ { fail += w[1] }
        line ~ /^[0-9]+ failed \([0-9]+ expected failures?\)/ {
            fail += w[1] - w[3]
        }
        line ~ /^[0-9]+ did not behave as expected/ { fail = w[1] }
        line ~ /^[0-9]+ tests? (was|were) skipped/ { skip = w[1] }
        END {
            if (!found) {
                print "summary.sh: no test results in log" > "/dev/stderr"
                exit 1
            }
            printf "%d passed, %d failed, %d skipped\n",
                   run - fail, fail, skip
        }
    ' "$log" && exit 0
else
    # Debug mode: one log per test group, whose last result line is
    #   N. DESCRIPTION (FILE:LINE): RESULT
    dir=$(dirname "$log")/testsuite.dir
    pass=0 fail=0 skip=0
    for group_log in "$dir"/[0-9]*/testsuite.log; do
        fresh "$group_log" || continue
        result=$(grep -E '^[0-9]+\. .*\): (ok|skipped|FAILED|expected failure|UNEXPECTED PASS)( .*)?$' \
                 "$group_log" | tail -n 1)
        case $result in
            *"): FAILED ("*")") fail=$((fail + 1)) ;;
            *"): UNEXPECTED PASS"*) fail=$((fail + 1)) ;;
            *"): expected failure ("*")") pass=$((pass + 1)) ;;
            *"): skipped ("*")") skip=$((skip + 1)) ;;
            *"): ok"*) pass=$((pass + 1)) ;;
        esac
    done
    if test $((pass + fail + skip)) -gt 0; then
        echo "$pass passed, $fail failed, $skip skipped"
        exit 0
    fi
    echo "$0: $log: no test results" >&2
fi
echo "0 passed, 0 failed, 0 skipped"
exit 1
