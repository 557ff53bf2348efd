# Test lines for the lab's guest-side scripts (busybox sh), sourced from
# /add/tap.sh: each check prints "ok N - DESC" or "not ok N - DESC", a
# failure followed by the end of $OUT (the output of the command checked).
# tests/lab/scenarios.sh and the suites' run-all.sh copy it in.

n=0 passed=0 failed=0
OUT=${OUT:-/tmp/check.out}

pass() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
fail() {
    n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
    [ -s "$OUT" ] && sed 's/^/#   /' "$OUT" | tail -n 20
    return 0
}
# check DESC COMMAND...: COMMAND succeeds (its output in $OUT).
check() {
    desc=$1; shift
    if "$@" > "$OUT" 2>&1; then pass "$desc"; else fail "$desc (exit $?)"; fi
}
# check_rc DESC WANT COMMAND...: COMMAND exits WANT (its output in $OUT).
check_rc() {
    desc=$1 want=$2; shift 2
    "$@" > "$OUT" 2>&1
    got=$?
    if [ "$got" = "$want" ]; then pass "$desc (exit $want)"; else fail "$desc (exit $got, want $want)"; fi
}
# check_out DESC TEXT COMMAND...: COMMAND's output contains TEXT.
check_out() {
    desc=$1 text=$2; shift 2
    "$@" > "$OUT" 2>&1
    if grep -q -- "$text" "$OUT"; then pass "$desc"; else fail "$desc (no '$text')"; fi
}
# check_eq DESC WANT GOT
check_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else : > "$OUT"; fail "$1 (got '$3', want '$2')"; fi
}
# said DESC TEXT: the last check's output ($OUT) contains TEXT.
said() { if grep -q -- "$2" "$OUT"; then pass "$1"; else fail "$1 (no '$2')"; fi; }
# not_said DESC TEXT: it does not.
not_said() { if grep -q -- "$2" "$OUT"; then fail "$1 ('$2' is there)"; else pass "$1"; fi; }
