#!/bin/sh
# TEST UNIT READY through SG_IO, usbmsc against sg_turs, each timed as a
# whole process from outside, inside the lab guest (bench/lab_tur.sh runs
# it with a kernel-msc device):
#
#   tests/lab/run --device kernel-msc --add tur.conf --script bench/guest_tur.sh
#
# /add/tur.conf may set ROUNDS (15) and TURS (2000). With /add/usbmsc-base
# (another build's usbmsc, bench/lab_tur.sh --baseline) that one runs in
# every round too, against the same sg_turs runs.
#
# A round runs `usbmsc -d $SG --json bench tur -n TURS` and `sg_turs -t -n TURS $SG`
# as A B B A (the order flips every round), and its ratio is usbmsc's total
# over sg_turs's: a drift that is steady over the round cancels. The
# clock is the guest's CLOCK_MONOTONIC read from /proc/timer_list by the
# shell (no fork) just before the process starts and just after it exits,
# so start-up, the command loop and the exit all count. The report is the
# median of the rounds' ratios (target <= 1.05), their range, and the
# same with -n 1 (start-up and one command) to split start-up from the
# per-command cost. Then, counted once with strace -c and ltrace -c (both
# in the guest, tests/lab/setup): system calls and library calls of each
# tool at -n 1 and per command (from -n 1 to -n N), the allocations among
# them. Output lines:
#   run R KEY NS                  one whole-process time
#   ratio ...                     the medians
#   syscalls|libcalls ...         the counts
# Exits 1 when a run failed.

ROUNDS=15
TURS=2000
[ -f /add/tur.conf ] && . /add/tur.conf
SG=${LAB_SG:-}
[ -c "$SG" ] || { echo "guest_tur.sh: run with --device kernel-msc (LAB_SG)" >&2; exit 1; }
W=/tmp/tur
mkdir -p "$W"
: > "$W/data"

# NOW: CLOCK_MONOTONIC in ns, from the third line of /proc/timer_list.
now_ns() {
	{ read -r _ _; read -r _ _; read -r _ _ NOW _; } < /proc/timer_list
}

failed=0
# whole R KEY CMD...: one run of CMD, timed whole; its own clock of its
# command loop (usbmsc --json's seconds, sg_turs -t's "was N secs") is
# kept too, as KEY-loop.
whole() {
	_r=$1 _k=$2
	shift 2
	now_ns
	_t0=$NOW
	"$@" > "$W/out" 2>&1
	_rc=$?
	now_ns
	if [ $_rc != 0 ]; then
		echo "FAILED: round $_r: $_k: $* (exit $_rc)"
		sed 's/^/#   /' "$W/out" | tail -n 3
		failed=1
		return
	fi
	echo "$_r $_k $((NOW - _t0))" >> "$W/data"
	echo "run $_r $_k $((NOW - _t0))"
	_loop=$(sed -n -e 's/^ *"seconds": \([0-9.]*\),*$/\1/p' -e 's/.*was \([0-9.]*\) secs.*/\1/p' "$W/out" |
		head -n 1)
	[ -z "$_loop" ] || echo "$_r $_k-loop $(awk -v s="$_loop" 'BEGIN { printf "%.0f", s * 1e9 }')" >> "$W/data"
}

BASE=
[ -x /add/usbmsc-base ] && BASE=/add/usbmsc-base
ours() {
	whole "$1" "ours$2" usbmsc -d "$SG" --json bench tur -n "$2"
	[ -z "$BASE" ] || whole "$1" "base$2" "$BASE" -d "$SG" --json bench tur -n "$2"
}
theirs() { whole "$1" "theirs$2" sg_turs -t -n "$2" "$SG"; }

echo "device: $SG ($(cat "/sys/class/scsi_generic/${SG##*/}/device/vendor" | tr -s ' ')$(cat "/sys/class/scsi_generic/${SG##*/}/device/model" | tr -s ' ')); kernel $(uname -r); $(grep -c ^processor /proc/cpuinfo) CPU; clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "$ROUNDS rounds of A B B A: usbmsc -d \$SG bench tur -n N, sg_turs -n N \$SG; N = $TURS and 1"
sg_turs "$SG" > /dev/null 2>&1   # the power-on unit attention, before anything is timed
r=1
while [ $r -le "$ROUNDS" ]; do
	for n in "$TURS" 1; do
		if [ $((r % 2)) = 1 ]; then
			ours $r $n; theirs $r $n; theirs $r $n; ours $r $n
		else
			theirs $r $n; ours $r $n; ours $r $n; theirs $r $n
		fi
	done
	r=$((r + 1))
done
[ $failed = 0 ] || exit 1

awk -v n=$TURS '
function median(list,    k, a, i, j, t) {
	k = split(list, a, " ")
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
{ T[$1, $2] += $3; if ($1 > rounds) rounds = $1; if (!($2 in B) || $3 < B[$2]) B[$2] = $3 }
function ratio(x, y,    r, l, v) {
	l = ""; LO = 1e9; HI = 0
	for (r = 1; r <= rounds; r++) {
		v = T[r, x] / T[r, y]; l = l " " v
		if (v < LO) LO = v
		if (v > HI) HI = v
	}
	return median(l)
}
function each(x,    r, l) { l = ""; for (r = 1; r <= rounds; r++) l = l " " T[r, x] / 2; return median(l) }
END {
	v = ratio("ours" n, "theirs" n)
	printf "ratio TUR whole process, %d commands, usbmsc / sg_turs: %.1f / %.1f ms = %.3f (rounds %.3f..%.3f); target <= 1.05: %s\n",
		n, each("ours" n) / 1e6, each("theirs" n) / 1e6, v, LO, HI, v <= 1.05 ? "met" : "NOT met"
	# interference only ever slows a run down: the fastest run of each
	printf "ratio   fastest run of each: %.1f / %.1f ms = %.3f; one command: %.2f / %.2f ms = %.3f\n",
		B["ours" n] / 1e6, B["theirs" n] / 1e6, B["ours" n] / B["theirs" n],
		B["ours1"] / 1e6, B["theirs1"] / 1e6, B["ours1"] / B["theirs1"]
	v = ratio("ours1", "theirs1")
	printf "ratio   start-up, one command: %.2f / %.2f ms = %.3f (rounds %.3f..%.3f)\n",
		each("ours1") / 1e6, each("theirs1") / 1e6, v, LO, HI
	printf "ratio   per command, (N - 1 command) / (N - 1): %.1f / %.1f us = %.3f\n",
		(each("ours" n) - each("ours1")) / (n - 1) / 1e3,
		(each("theirs" n) - each("theirs1")) / (n - 1) / 1e3,
		(each("ours" n) - each("ours1")) / (each("theirs" n) - each("theirs1"))
	v = ratio("ours" n "-loop", "theirs" n "-loop")
	printf "ratio   each tool'"'"'s own clock of its command loop: %.1f / %.1f us per command = %.3f (rounds %.3f..%.3f)\n",
		each("ours" n "-loop") / n / 1e3, each("theirs" n "-loop") / n / 1e3, v, LO, HI
	if (!((1, "base" n) in T)) exit
	v = ratio("base" n, "theirs" n)
	printf "ratio baseline build, %d commands, / sg_turs: %.1f ms = %.3f (rounds %.3f..%.3f); this build / baseline %.3f; fastest runs: baseline / sg_turs %.3f\n",
		n, each("base" n) / 1e6, v, LO, HI, ratio("ours" n, "base" n), B["base" n] / B["theirs" n]
	v = ratio("base1", "theirs1")
	printf "ratio   baseline start-up, one command: %.2f ms = %.3f; this build / baseline %.3f; fastest runs: %.2f ms, / sg_turs %.3f\n",
		each("base1") / 1e6, v, ratio("ours1", "base1"), B["base1"] / 1e6, B["base1"] / B["theirs1"]
}' "$W/data"

# Start-up alone: a process that prints its version, 15 times each,
# alternated; and what the dynamic loader says of itself.
: > "$W/start"
k=1
while [ $k -le 15 ]; do
	for cmd in "usbmsc --version" "sg_turs -V"; do
		now_ns; _t0=$NOW
		$cmd > /dev/null 2>&1
		now_ns
		echo "${cmd%% *} $((NOW - _t0))" >> "$W/start"
	done
	k=$((k + 1))
done
for tool in usbmsc sg_turs; do
	awk -v t=$tool '$1 == t { print $2 }' "$W/start" | sort -n | sed -n 8p > "$W/m"
	echo "start-up: $tool --version, median of 15: $(($(cat "$W/m") / 1000)) us; dynamic loader: $(
		LD_DEBUG=statistics $tool $( [ $tool = usbmsc ] && echo --version || echo -V ) 2>&1 >/dev/null |
		sed -n 's/.*total startup time in dynamic loader: \([0-9]*\) cycles.*/\1 cycles/p' | head -n 1)"
done

# counts TOOL LABEL N CMD...: strace -c (system calls) or ltrace -c (library
# calls) of CMD; prints "NAME COUNT" lines into $W/LABEL.N.
counts() {
	_tool=$1 _label=$2 _n=$3
	shift 3
	if [ "$_tool" = strace ]; then
		strace -f -c -o "$W/raw" "$@" > /dev/null 2>&1 || { echo "FAILED: strace $*"; failed=1; return; }
	else
		ltrace -f -c -o "$W/raw" "$@" > /dev/null 2>&1 || { echo "FAILED: ltrace $*"; failed=1; return; }
	fi
	# Columns: % time, seconds, usecs/call, calls, [errors], name.
	awk 'NR > 2 && $1 ~ /^[0-9]/ && $NF != "total" { print $NF, $4 }' "$W/raw" > "$W/$_label.$_n"
}

# report KIND LABEL: start-up (-n 1) and per command ((N - 1) commands more).
report() {
	awk -v kind="$1" -v label="$2" -v n=$TURS '
	FILENAME ~ /\.1$/ { one[$1] = $2; all[$1] = 1; next }
	{ many[$1] = $2; all[$1] = 1 }
	END {
		t1 = 0; per = 0; s1 = ""; sp = ""
		for (k in all) {
			t1 += one[k]; d = (many[k] - one[k]) / (n - 1); per += d
			s1 = s1 sprintf(" %s %d", k, one[k])
			if (d >= 0.01) sp = sp sprintf(" %s %.2f", k, d)
		}
		printf "%s: %s: start-up and one command %d:%s\n", kind, label, t1, s1
		printf "%s: %s: per command %.2f:%s\n", kind, label, per, sp
	}' "$W/$2.1" "$W/$2.$TURS"
}

for tool in strace ltrace; do
	command -v $tool > /dev/null || { echo "$tool: not in the guest"; continue; }
	for n in 1 "$TURS"; do
		counts $tool "$tool-usbmsc" "$n" usbmsc -d "$SG" bench tur -n "$n"
		counts $tool "$tool-sg_turs" "$n" sg_turs -n "$n" "$SG"
	done
	kind=syscalls
	[ $tool = ltrace ] && kind=libcalls
	report $kind "$tool-usbmsc"
	report $kind "$tool-sg_turs"
done
[ $failed = 0 ] || exit 1
exit 0
