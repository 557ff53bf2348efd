#!/bin/bash
# Run every side-door scenario in the lab, one guest boot each:
#   tests/lab/doors/run-all.sh [SCENARIO...]
# Each scenario (a .sh file here) runs in the guest through
#   tests/lab/run --device gadget [LAB-ARGS] --gadget-args ARGS
#                 --add ../gadget/lib.sh --add doorslib.sh --script FILE
# with ARGS from its "# gadget-args:" comment (continued on "#   " lines)
# and LAB-ARGS (e.g. --mount) from its "# lab-args:" line. A scenario whose
# "# needs:" gadget options the built usbmsc-gadget lacks (usbmsc-gadget
# --help does not list them) is reported as skipped. Prints "ok N - name"
# or "not ok N - name" (with the guest's output) per scenario and "N passed,
# M failed" at the end; exits non-zero on a failure.
# USBMSC_BUILD names the build directory (default: build).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/../run
BUILD=${USBMSC_BUILD:-$(cd "$HERE/../../.." && pwd)/build}

gadget_args() {
    awk '/^# gadget-args:/ { sub(/^# gadget-args: */, ""); a = $0; on = 1; next }
         on && /^#   / { sub(/^# +/, ""); a = a " " $0; next }
         { on = 0 }
         END { print a }' "$1"
}
lab_args() { sed -n 's/^# lab-args: *//p' "$1"; }

# The "# needs:" options of a scenario that usbmsc-gadget --help lacks.
missing_options() {
    local help opt missing=""
    help=$("$BUILD/tools/usbmsc-gadget/usbmsc-gadget" --help 2>&1) || true
    for opt in $(sed -n 's/^# needs: *//p' "$1"); do
        grep -q -- "$opt" <<<"$help" || missing="$missing $opt"
    done
    echo "${missing# }"
}

if [ $# -gt 0 ]; then
    scenarios=("$@")
else
    scenarios=(doors nodoors)
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
    missing=$(missing_options "$file")
    if [ -n "$missing" ]; then
        echo "ok $n - $s # SKIP usbmsc-gadget has no $missing"
        passed=$((passed + 1))
        continue
    fi
    start=$SECONDS
    # shellcheck disable=SC2046 # lab-args are words
    "$LAB" --device gadget $(lab_args "$file") --gadget-args "$(gadget_args "$file")" \
        --add "$HERE/../gadget/lib.sh" --add "$HERE/doorslib.sh" --script "$file" > "$out" 2>&1
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
