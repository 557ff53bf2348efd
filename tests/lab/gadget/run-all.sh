#!/bin/bash
# Run every usbmsc-gadget scenario in the lab, one guest boot each:
#   tests/lab/gadget/run-all.sh [SCENARIO...]
# Each scenario (a .sh file here) runs in the guest through
#   tests/lab/run --device gadget --gadget-args ARGS --add lib.sh --script FILE
# with ARGS from its "# gadget-args:" comment, and --add for each file of
# the build its "# lab-add:" lines name (paths below the build directory;
# one that was not built is left out and the scenario says so). Prints "ok N - name" or
# "not ok N - name" (with the guest's output) per scenario and
# "N passed, M failed" at the end; exits non-zero on a failure.
# USBMSC_BUILD names the build directory (default: build).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/../run
BUILD=${USBMSC_BUILD:-$(cd "$HERE/../../.." && pwd)/build}

# The gadget arguments of a scenario: its "# gadget-args:" line and the
# "#   " lines that continue it.
gadget_args() {
    awk '/^# gadget-args:/ { sub(/^# gadget-args: */, ""); a = $0; on = 1; next }
         on && /^#   / { sub(/^# +/, ""); a = a " " $0; next }
         { on = 0 }
         END { print a }' "$1"
}

# --add FILE for each built file of a scenario's "# lab-add:" lines.
lab_adds() {
    local f
    for f in $(sed -n 's/^# lab-add: *//p' "$1"); do
        [ -f "$BUILD/$f" ] && printf -- '--add\n%s\n' "$BUILD/$f"
    done
    return 0
}

if [ $# -gt 0 ]; then
    scenarios=("$@")
else
    scenarios=(enumerate sg3 fs dd ro bs4096 twolun kill vendorif)
fi

n=0 passed=0 failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for s in "${scenarios[@]}"; do
    file=$HERE/${s%.sh}.sh
    n=$((n + 1))
    if [ ! -f "$file" ]; then
        echo "not ok $n - $s (no such scenario)"
        failed=$((failed + 1))
        continue
    fi
    start=$SECONDS
    mapfile -t adds < <(lab_adds "$file")
    "$LAB" --device gadget --gadget-args "$(gadget_args "$file")" --add "$HERE/lib.sh" \
        ${adds[@]+"${adds[@]}"} --script "$file" > "$out" 2>&1
    rc=$?
    checks=$(grep -c '^ok ' "$out")
    if [ $rc = 0 ]; then
        echo "ok $n - $s ($checks checks, $((SECONDS - start)) s)"
        passed=$((passed + 1))
    else
        echo "not ok $n - $s (exit $rc)"
        sed 's/^/#   /' "$out"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
