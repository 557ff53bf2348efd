# The scenario runner of the gadget-based lab suites (gadget, firmware,
# doors), sourced by their run-all.sh:
#   run_scenarios SUITE_DIR LIB... -- SCENARIO...
# runs each SCENARIO (SUITE_DIR/NAME.sh) in its own guest boot through
#   tests/lab/run --device gadget [LAB-ARGS] --gadget-args ARGS
#                 [--add BUILT...] --add tests/lab/tap.sh --add LIB... --script FILE
# where, from the scenario's comments:
#   "# gadget-args: ..."  the gadget's arguments ("#   " lines continue it)
#   "# lab-args: ..."     more arguments of tests/lab/run (e.g. --mount)
#   "# lab-add: PATH"     a file of the build to copy in (left out when it
#                         was not built; the scenario then says so)
#   "# needs: --opt ..."  gadget options the scenario needs: when the built
#                         usbmsc-gadget's --help lacks one, it is skipped
# Prints "ok N - name" or "not ok N - name" (with the guest's output) per
# scenario and "N passed, M failed" at the end; returns non-zero on a
# failure. USBMSC_BUILD names the build directory (default: build).

LAB_RUN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run
BUILD=${USBMSC_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}

# The gadget arguments of a scenario: its "# gadget-args:" line and the
# "#   " lines that continue it.
scenario_gadget_args() {
    awk '/^# gadget-args:/ { sub(/^# gadget-args: */, ""); a = $0; on = 1; next }
         on && /^#   / { sub(/^# +/, ""); a = a " " $0; next }
         { on = 0 }
         END { print a }' "$1"
}

scenario_lab_args() { sed -n 's/^# lab-args: *//p' "$1"; }

# --add FILE for each built file of a scenario's "# lab-add:" lines.
scenario_lab_adds() {
    local f
    for f in $(sed -n 's/^# lab-add: *//p' "$1"); do
        [ -f "$BUILD/$f" ] && printf -- '--add\n%s\n' "$BUILD/$f"
    done
    return 0
}

# The "# needs:" options of a scenario that usbmsc-gadget --help lacks.
scenario_missing_options() {
    local help opt missing=""
    help=$("$BUILD/tools/usbmsc-gadget/usbmsc-gadget" --help 2>&1) || true
    for opt in $(sed -n 's/^# needs: *//p' "$1"); do
        grep -q -- "$opt" <<<"$help" || missing="$missing $opt"
    done
    echo "${missing# }"
}

run_scenarios() {
    local dir=$1 s file missing start rc checks out
    local n=0 passed=0 failed=0 adds=() libadds=(--add "$(dirname "$LAB_RUN")/tap.sh")
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do libadds+=(--add "$1"); shift; done
    [ $# -gt 0 ] && shift
    out=$(mktemp)
    for s in "$@"; do
        file=$dir/${s%.sh}.sh
        n=$((n + 1))
        if [ ! -f "$file" ]; then
            echo "not ok $n - $s (no such scenario)"
            failed=$((failed + 1))
            continue
        fi
        missing=$(scenario_missing_options "$file")
        if [ -n "$missing" ]; then
            echo "ok $n - $s # SKIP usbmsc-gadget has no $missing"
            passed=$((passed + 1))
            continue
        fi
        start=$SECONDS
        mapfile -t adds < <(scenario_lab_adds "$file")
        # shellcheck disable=SC2046 # lab-args are words
        "$LAB_RUN" --device gadget $(scenario_lab_args "$file") \
            --gadget-args "$(scenario_gadget_args "$file")" \
            ${adds[@]+"${adds[@]}"} "${libadds[@]}" --script "$file" > "$out" 2>&1
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
    rm -f "$out"
    echo "$passed passed, $failed failed"
    [ $failed = 0 ]
}
