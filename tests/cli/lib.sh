# TAP helpers for the usbmsc command's tests; sourced by each test_cli_*.sh.
#
#   test_cli_X.sh USBMSC_BINARY
#
# Each check prints "ok N - ..." or "not ok N - ..." with the evidence as
# "#" lines; the plan comes last. Every usbmsc run is bounded by `timeout`.

set -u

USBMSC=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
tap_n=0
rc=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/# /'
	done
}

# Under AddressSanitizer/UBSan a report on stderr is a failure of its own,
# whatever the exit status (usage errors exit 1 like the sanitizers do).
no_sanitizer_report() {
	if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$T/err"; then
		not_ok "no sanitizer report from: usbmsc $*" "$(head -c 3000 "$T/err")"
	fi
}

# Run usbmsc with the arguments; stdout in $T/out, stderr in $T/err, the
# exit status in $rc, the elapsed seconds in $secs.
run() {
	local start=$SECONDS
	timeout 20 "$USBMSC" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	secs=$((SECONDS - start))
	no_sanitizer_report "$@"
}

# The same with standard input from a file.
run_in() {
	local input=$1 start=$SECONDS
	shift
	timeout 20 "$USBMSC" "$@" <"$input" >"$T/out" 2>"$T/err"
	rc=$?
	secs=$((SECONDS - start))
	no_sanitizer_report "$@"
}

what_ran() {
	echo "exit status $rc"
	echo "stdout: $(head -c 1500 "$T/out")"
	echo "stderr: $(head -c 1500 "$T/err")"
}

# expect_rc WANT DESCRIPTION
expect_rc() {
	if [ "$rc" -eq "$1" ]; then ok "$2 (exit $1)"; else not_ok "$2 (exit $1)" "$(what_ran)"; fi
}

# expect_out REGEX DESCRIPTION: stdout matches an extended regex.
expect_out() {
	if grep -Eq -- "$1" "$T/out"; then ok "$2"; else not_ok "$2" "stdout lacks /$1/" "$(what_ran)"; fi
}

# expect_err REGEX DESCRIPTION: stderr matches an extended regex.
expect_err() {
	if grep -Eq -- "$1" "$T/err"; then ok "$2"; else not_ok "$2" "stderr lacks /$1/" "$(what_ran)"; fi
}

# expect_json DESCRIPTION EXPR...: stdout is one JSON document `d` and every
# Python expression holds.
expect_json() {
	local desc=$1
	shift
	if python3 - "$T/out" "$@" >"$T/py" 2>&1 <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
for expr in sys.argv[2:]:
    if not eval(expr, {"d": d}):
        sys.exit("does not hold: %s\ndocument: %s" % (expr, json.dumps(d)[:1500]))
PY
	then ok "$desc"; else not_ok "$desc" "$(cat "$T/py")" "$(what_ran)"; fi
}

# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "failed: $*"; fi
}

done_testing() {
	echo "1..$tap_n"
	exit 0
}
