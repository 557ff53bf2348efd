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
# Device locks (fw update) in the test's directory, not the machine's.
export USBMSC_LOCK_DIR=$T/locks
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
# How a lock's holder is named in a message (a regular expression): "pid N"
# and what follows where the OS backend can tell (Linux), "another program"
# elsewhere.  holder_re PID [MORE]
holder_re() {
	if [ "${USBMSC_OS_BACKEND:-linux}" = linux ]; then
		printf 'pid %s %s' "$1" "${2:-}"
	else
		printf 'another program'
	fi
}

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

# hold_lock FILE: another process (python3) takes an exclusive flock on
# FILE, as an open device does on its image; its pid in $holder, until
# release_lock.
hold_lock() {
	rm -f "$T/hold.in" "$T/hold.out"
	mkfifo "$T/hold.in" "$T/hold.out"
	python3 -c 'import fcntl, sys
f = open(sys.argv[1], "rb")
fcntl.flock(f, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()' "$1" <"$T/hold.in" >"$T/hold.out" &
	holder=$!
	exec 4>"$T/hold.in"
	read -r _ <"$T/hold.out"
}

release_lock() {
	exec 4>&-
	wait "$holder"
}

# The helper behind start_held (its stdin and stdout talk to the test).
held_py=$(cat <<'PY'
import fcntl, os, signal, subprocess, sys, time
tdir, argv = sys.argv[1], sys.argv[2:]
# A background job of a script inherits SIGINT ignored: not the command.
signal.signal(signal.SIGINT, signal.SIG_DFL)
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ
with open(os.path.join(tdir, "out"), "wb") as out:
    p = subprocess.Popen(argv, stdout=out, stderr=w)
os.close(w)
err = os.fdopen(r, "rb")
head = b"".join(err.readline() for _ in range(20))
print(p.pid, flush=True)
sig = sys.stdin.readline().strip()
start = time.monotonic()
if sig:
    p.send_signal(getattr(signal, "SIG" + sig))
rest = err.read()
rc = p.wait()
with open(os.path.join(tdir, "err"), "wb") as f:
    f.write(head + rest)
print(rc if rc >= 0 else 128 - rc, int((time.monotonic() - start) * 1000), flush=True)
PY
)

# start_held ARGS...: usbmsc in the background (ARGS with -vv, for a
# trace) with its stderr through a pipe of one page, until it has written
# 20 lines of it: the command is under way, and once the pipe is full it
# waits for us, so it cannot finish meanwhile. Its pid in $held; then
# finish_held [SIGNAL] sends SIGNAL (if given) and collects the rest:
# stdout in $T/out, stderr in $T/err, the exit status in $rc, the
# milliseconds from the signal to the end in $ms. (A command that never
# ends is stopped by the test's own time-out.)
start_held() {
	coproc HELD { python3 -c "$held_py" "$T" "$USBMSC" "$@"; }
	read -r held <&"${HELD[0]}"
}

finish_held() {
	echo "${1:-}" >&"${HELD[1]}"
	read -r rc ms <&"${HELD[0]}"
	wait "$HELD_PID"
	no_sanitizer_report "(held)"
}

# run_signalled SIGNAL ARGS...: start_held ARGS, then finish_held SIGNAL.
run_signalled() {
	local sig=$1
	shift
	start_held "$@"
	finish_held "$sig"
}

done_testing() {
	echo "1..$tap_n"
	exit 0
}
