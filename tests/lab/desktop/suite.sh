#!/bin/sh
# The desktop suite inside the guest (tests/lab/desktop/run-all.sh boots it
# once): runs each case /add/*.case.sh in name order, each in its own
# shell; prints "ok N - CASE (K checks, S s)" (and the case's "# note:"
# lines) or "not ok N - CASE" with the case's output, then "N passed, M
# failed"; exits non-zero on a failure.
cd /tmp || exit 1
n=0 passed=0 failed=0
for c in /add/*.case.sh; do
    [ -f "$c" ] || continue
    n=$((n + 1))
    name=${c##*/}; name=${name%.case.sh}
    start=$(cut -d. -f1 /proc/uptime)
    sh "$c" > /tmp/case.out 2>&1
    rc=$?
    secs=$(( $(cut -d. -f1 /proc/uptime) - start ))
    checks=$(grep -c '^ok ' /tmp/case.out)
    if [ $rc = 0 ]; then
        echo "ok $n - $name ($checks checks, $secs s)"
        grep -A3 '^# note:' /tmp/case.out | sed 's/^/#   /'   # what a passing case remarked
        passed=$((passed + 1))
    else
        echo "not ok $n - $name (exit $rc, $secs s)"
        sed 's/^/#   /' /tmp/case.out
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $n -gt 0 ]
