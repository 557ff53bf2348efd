#!/bin/sh
# The Linux lab benchmarks, inside the lab guest: usbmsc against its peers
# on one kernel-msc device (the kernel's f_mass_storage on dummy_hcd), all
# in this one guest run. bench/lab_linux.sh runs it:
#
#   tests/lab/run --device kernel-msc --add bench.conf --script bench/guest_linux.sh
#
# /add/bench.conf may set ROUNDS (9), TURS (2000) and SIZE_MIB (16).
#
# The machines are shared and the guest is emulated, so the speed of
# everything drifts while it runs. Each round therefore measures its
# sequence forwards and then backwards (A B C ... C B A), and each ratio of
# a round compares the two tools' totals over both passes; a drift that is
# steady over the round cancels. The report is the median over the rounds.
#
# Output lines:
#   run R KEY SECONDS UNITS     one measurement (UNITS: bytes, or commands for TUR)
#   ratio ...                   a median ratio over the rounds, its range, its target
#   best runs: ...              the same ratios from each tool's fastest run
#   where: ...                  where the time goes (CPU time, blocking, guest CPU)
#   sweep: ...                  raw BOT throughput by chunk size
#   syscalls: ...               system calls per command (when strace is there)
# Exits 1 when a measurement failed (not when a target is missed).
#
# Clocks: usbmsc bench, sg_turs -t and sg_dd time=1 time their own command
# loops. busybox dd has no clock, so dd is timed from outside: from before
# the process starts to after it exits (/proc/timer_list "now", read by the
# shell without forking), less the median cost of the same wrapper around a
# busybox process that does nothing. usbmsc is timed the same way too, to
# show what its start-up adds.

ROUNDS=9
TURS=2000
SIZE_MIB=16
[ -f /add/bench.conf ] && . /add/bench.conf

W=/tmp/bench
mkdir -p "$W"
: > "$W/data"
: > "$W/where"

if [ -z "${LAB_SG:-}" ] || [ -z "${LAB_BLOCK:-}" ] || [ -z "${LAB_USB:-}" ]; then
	echo "guest_linux.sh: run with --device kernel-msc (LAB_SG, LAB_BLOCK, LAB_USB)" >&2
	exit 1
fi

# ---- clocks and counters ------------------------------------------------------

# NOW: CLOCK_MONOTONIC in ns, from the third line of /proc/timer_list
# ("now at N nsecs"); a forked clock would cost tens of milliseconds here.
now_ns() {
	{ read -r _ _; read -r _ _; read -r _ _ NOW _; } < /proc/timer_list
}

# The first line of /proc/stat, in USER_HZ ticks.
cpu_now() {
	read -r _ C_U C_N C_S C_I C_W C_IRQ C_SIRQ _ < /proc/stat
}

# timed CMD...: run CMD, stdout in $W/out, stderr in $W/out.err. Sets
# WALL_NS (the outside clock, less the wrapper's cost once calibrated), RU
# ("user_s sys_s voluntary_cs involuntary_cs" of the process, from busybox
# time) and CPU ("busy% user% sys+irq% softirq%" of the guest meanwhile).
ZERO=0
timed() {
	cpu_now
	_u=$((C_U + C_N)) _s=$((C_S + C_IRQ)) _i=$((C_I + C_W)) _q=$C_SIRQ
	now_ns
	_t0=$NOW
	busybox time -f "%U %S %w %c" -o "$W/ru" "$@" > "$W/out" 2> "$W/out.err"
	_rc=$?
	now_ns
	WALL_NS=$((NOW - _t0 - ZERO))
	cpu_now
	RU=$(tail -n 1 "$W/ru")
	CPU=$(awk -v u=$((C_U + C_N - _u)) -v s=$((C_S + C_IRQ - _s)) -v i=$((C_I + C_W - _i)) \
		-v q=$((C_SIRQ - _q)) 'BEGIN { all = u + s + i + q; if (all <= 0) all = 1
		printf "%.0f %.0f %.0f %.0f", 100 * (all - i) / all, 100 * u / all, 100 * s / all, 100 * q / all }')
	return $_rc
}

# The median of 5 runs of CMD by the outside clock.
median5() {
	for _k in 1 2 3 4 5; do
		timed "$@"
		echo $WALL_NS
	done | sort -n | sed -n 3p
}

# json KEY: a number from usbmsc's --json output.
json() {
	sed -n "s/^ *\"$1\": \([0-9.]*\),*$/\1/p" "$W/out" | head -n 1
}

failed=0
fail() {
	echo "FAILED: $*"
	sed 's/^/#   /' "$W/out.err" | tail -n 5
	failed=1
}

# rec R KEY SECONDS UNITS COMMANDS: one measurement and its resources.
rec() {
	case $3 in
	'' | *[!0-9.]* | 0 | 0.0 | 0.00 | 0.000 | 0.0000 | 0.00000 | 0.000000)
		echo "FAILED: round $1: $2: no time in the output"
		return 1 ;;
	esac
	echo "run $1 $2 $3 $4"
	echo "$1 $2 $3 $4" >> "$W/data"
	set -- "$2" "$5" $RU $CPU
	echo "$*" >> "$W/where"
}

# ---- the device's nodes ---------------------------------------------------------

# The USB interface behind the sg node, e.g. /sys/devices/.../1-1/1-1:1.0.
# usb: takes the device from usb-storage and gives it back, after which the
# kernel may name the nodes anew.
iface=$(readlink -f "/sys/class/scsi_generic/${LAB_SG##*/}/device")
iface=${iface%/host*}
SG=$LAB_SG
BLOCK=$LAB_BLOCK

find_nodes() {
	SG='' BLOCK=''
	for d in "$iface"/host*/target*/*:*/scsi_generic/*; do
		[ -e "$d" ] && SG=/dev/${d##*/}
	done
	for d in "$iface"/host*/target*/*:*/block/*; do
		[ -e "$d" ] && BLOCK=/dev/${d##*/}
	done
	[ -c "$SG" ] && [ -b "$BLOCK" ]
}

# After a usb: run: wait (up to 30 s) until usb-storage has the device
# again and it answers, then a little longer for the kernel's own reads
# (the partition scan) to be over.
wait_rebound() {
	_k=0
	while [ $_k -lt 300 ]; do
		if find_nodes && sg_turs "$SG" > /dev/null 2>&1; then
			usleep 500000
			return 0
		fi
		usleep 100000
		_k=$((_k + 1))
	done
	echo "FAILED: usb-storage did not take the device back within 30 s"
	exit 1
}

# ---- the measurements -------------------------------------------------------------

disk=${BLOCK##*/}
C=$(($(cat "/sys/block/$disk/queue/max_sectors_kb") * 1024))   # the SG_IO maximum transfer
COUNT=$((SIZE_MIB * 1048576 / C))
BYTES=$((COUNT * C))
BIG=1048576                                                     # raw BOT's best chunk
BIG_COUNT=$((SIZE_MIB * 1048576 / BIG))
BIG_BYTES=$((BIG_COUNT * BIG))

# measure R KEY: one measurement of R's round.
measure() {
	case $2 in
	tur_ours)
		timed usbmsc -d "$SG" --json bench tur -n "$TURS" &&
			rec "$1" "$2" "$(json seconds)" "$TURS" "$TURS" ;;
	tur_theirs)
		timed sg_turs -n "$TURS" -t "$SG" &&
			rec "$1" "$2" "$(sed -n 's/.*was \([0-9.]*\) secs.*/\1/p' "$W/out" "$W/out.err" | head -n 1)" \
				"$TURS" "$TURS" ;;
	sg|sd|usb|usb_big)
		case $2 in
		sg) uri=$SG size=$BYTES chunk=$C ;;
		sd) uri=$BLOCK size=$BYTES chunk=$C ;;
		usb) uri=usb:$LAB_USB size=$BYTES chunk=$C ;;
		usb_big) uri=usb:$LAB_USB size=$BIG_BYTES chunk=$BIG ;;
		esac
		timed usbmsc -d "$uri" --json bench read --size "$size" --chunk "$chunk" &&
			rec "$1" "$2" "$(json seconds)" "$size" $((size / chunk)) &&
			rec "$1" "$2_wall" "$(awk -v ns=$WALL_NS 'BEGIN { printf "%.6f", ns / 1e9 }')" \
				"$size" $((size / chunk))
		_rc=$?
		case $2 in usb*) wait_rebound ;; esac
		[ $_rc = 0 ] ;;
	dd)
		timed dd if="$BLOCK" of=/dev/null bs="$C" iflag=direct count="$COUNT" &&
			rec "$1" "$2" "$(awk -v ns=$WALL_NS 'BEGIN { printf "%.6f", ns / 1e9 }')" \
				"$BYTES" "$COUNT" ;;
	dd_big)
		timed dd if="$BLOCK" of=/dev/null bs="$BIG" iflag=direct count="$BIG_COUNT" &&
			rec "$1" "$2" "$(awk -v ns=$WALL_NS 'BEGIN { printf "%.6f", ns / 1e9 }')" \
				"$BIG_BYTES" $((BIG_BYTES / C)) ;;
	sg_dd)
		timed sg_dd if="$SG" of=/dev/null bs=512 bpt=$((C / 512)) count=$((BYTES / 512)) time=1 &&
			rec "$1" "$2" "$(sed -n 's/.*transfer data: \([0-9.]*\) secs.*/\1/p' "$W/out" "$W/out.err" |
				head -n 1)" "$BYTES" "$COUNT" ;;
	esac || fail "round $1: $2"
}

ZERO=$(median5 busybox true)
START_NS=$(median5 usbmsc --version)
OPEN_NS=$(median5 usbmsc -d "$SG" capacity)

echo "device: $LAB_USB ($(cat "/sys/block/$disk/device/vendor" | tr -s ' ')$(cat "/sys/block/$disk/device/model" | tr -s ' ')), $SG, $BLOCK; kernel $(uname -r); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(grep -c ^processor /proc/cpuinfo) CPU"
echo "SG_IO max transfer $C bytes (queue/max_sectors_kb); $ROUNDS rounds; outside-clock wrapper cost $((ZERO / 1000)) us"
echo "usbmsc start-up by the outside clock: --version $((START_NS / 1000)) us; -d \$LAB_SG capacity $((OPEN_NS / 1000)) us"
echo "commands:"
echo "  tur_ours    usbmsc -d \$LAB_SG --json bench tur -n $TURS"
echo "  tur_theirs  sg_turs -n $TURS -t \$LAB_SG"
echo "  sg          usbmsc -d \$LAB_SG --json bench read --size $BYTES --chunk $C"
echo "  dd          dd if=\$LAB_BLOCK of=/dev/null bs=$C iflag=direct count=$COUNT"
echo "  sd          usbmsc -d \$LAB_BLOCK --json bench read --size $BYTES --chunk $C"
echo "  sg_dd       sg_dd if=\$LAB_SG of=/dev/null bs=512 bpt=$((C / 512)) count=$((BYTES / 512)) time=1"
echo "  usb         usbmsc -d usb:\$LAB_USB --json bench read --size $BYTES --chunk $C"
echo "  usb_big     usbmsc -d usb:\$LAB_USB --json bench read --size $BIG_BYTES --chunk $BIG"
echo "  dd_big      dd if=\$LAB_BLOCK of=/dev/null bs=$BIG iflag=direct count=$BIG_COUNT"

# Each pair with a target is adjacent, so that it is measured close in time.
SEQ="tur_ours tur_theirs dd sg usb usb_big dd_big sd sg_dd"
REV=$(echo $SEQ | tr ' ' '\n' | sed -n '1!G;h;$p' | tr '\n' ' ')
r=1
while [ $r -le "$ROUNDS" ]; do
	for key in $SEQ $REV; do
		measure $r $key
	done
	r=$((r + 1))
done
[ $failed = 0 ] || exit 1

# ---- the report -------------------------------------------------------------------

# summary: from the data lines "R KEY SECONDS UNITS", per round the rate of
# each key over both passes (units / seconds), then medians over rounds.
awk -v C=$C -v BIG=$BIG '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	if (n == 0) return "nan"
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# The median over rounds of rate(x) / rate(y); rates in units per second.
# LO and HI are then the lowest and highest of the rounds.
function ratio(x, y,    r, l, v) {
	l = ""; LO = 1e9; HI = 0
	for (r = 1; r <= rounds; r++) {
		v = (U[r, x] / T[r, x]) / (U[r, y] / T[r, y])
		l = l " " v
		if (v < LO) LO = v
		if (v > HI) HI = v
	}
	return median(l)
}
function spread(inverse) {
	return inverse ? sprintf("rounds %.2f..%.2f", 1 / HI, 1 / LO) : sprintf("rounds %.2f..%.2f", LO, HI)
}
function rate(x, scale,    r, l) {
	l = ""
	for (r = 1; r <= rounds; r++) l = l " " U[r, x] / T[r, x] / scale
	return median(l)
}
function verdict(v, op, t) {
	return sprintf("target %s %s: %s", op, t, (op == "<=" ? v <= t : v >= t) ? "met" : "NOT met")
}
# The same from the least disturbed run of each (interference only ever
# slows a run down): the best rate over all runs.
function best_ratio(x, y) { return B[x] / B[y] }
{
	T[$1, $2] += $3; U[$1, $2] += $4; if ($1 > rounds) rounds = $1
	if ($4 / $3 > B[$2]) B[$2] = $4 / $3
}
END {
	tur = 1 / ratio("tur_ours", "tur_theirs")
	printf "medians of %d rounds; MB/s = 10^6 bytes/s; usbmsc, sg_turs and sg_dd by their own loop clocks, dd by the outside clock\n", rounds
	printf "ratio TUR time per command, usbmsc bench tur / sg_turs: %.1f / %.1f us = %.3f (%s); %s\n",
		1e6 / rate("tur_ours", 1), 1e6 / rate("tur_theirs", 1), tur, spread(1), verdict(tur, "<=", 1.05)
	v = ratio("sg", "dd")
	printf "ratio READ %d B/cmd through SG_IO, usbmsc -d $LAB_SG / dd iflag=direct: %.2f / %.2f MB/s = %.3f (%s); %s\n",
		C, rate("sg", 1e6), rate("dd", 1e6), v, spread(0), verdict(v, ">=", 0.95)
	printf "ratio   usbmsc by the outside clock (start-up included) / dd: %.2f MB/s, %.3f\n",
		rate("sg_wall", 1e6), ratio("sg_wall", "dd")
	printf "ratio   usbmsc -d $LAB_SG / sg_dd on the same sg node: %.2f / %.2f MB/s = %.3f\n",
		rate("sg", 1e6), rate("sg_dd", 1e6), ratio("sg", "sg_dd")
	v = ratio("sd", "dd")
	printf "ratio   usbmsc -d $LAB_BLOCK (SG_IO on the block node) / dd: %.2f / %.2f MB/s = %.3f (%s); outside clock %.3f\n",
		rate("sd", 1e6), rate("dd", 1e6), v, spread(0), ratio("sd_wall", "dd")
	v = ratio("usb", "sg")
	printf "ratio READ %d B/cmd, raw BOT usb:$LAB_USB / SG_IO $LAB_SG: %.2f / %.2f MB/s = %.3f (%s); %s\n",
		C, rate("usb", 1e6), rate("sg", 1e6), v, spread(0), verdict(v, ">=", 0.9)
	printf "ratio   raw BOT / SG_IO on the block node: %.2f / %.2f MB/s = %.3f\n",
		rate("usb", 1e6), rate("sd", 1e6), ratio("usb", "sd")
	printf "ratio READ raw BOT at its best chunk %d B/cmd / SG_IO $LAB_SG at %d: %.2f / %.2f MB/s = %.3f\n",
		BIG, C, rate("usb_big", 1e6), rate("sg", 1e6), ratio("usb_big", "sg")
	v = ratio("usb_big", "dd_big")
	printf "ratio   raw BOT at %d / dd bs=%d iflag=direct (the kernel splits it into %d-byte commands): %.2f / %.2f MB/s = %.3f (%s)\n",
		BIG, BIG, C, rate("usb_big", 1e6), rate("dd_big", 1e6), v, spread(0)
	printf "best runs: TUR %.3f; READ %d: SG_IO/dd %.3f, SG_IO/sg_dd %.3f, block node/dd %.3f, raw BOT/SG_IO %.3f, raw BOT/block node %.3f; READ %d raw BOT/SG_IO at %d %.3f, raw BOT/dd %.3f\n",
		1 / best_ratio("tur_ours", "tur_theirs"), C, best_ratio("sg", "dd"), best_ratio("sg", "sg_dd"),
		best_ratio("sd", "dd"), best_ratio("usb", "sg"), best_ratio("usb", "sd"), BIG, C,
		best_ratio("usb_big", "sg"), best_ratio("usb_big", "dd_big")
}' "$W/data"

# Where the time goes, per command: the process's CPU time and how often
# it blocked, and how busy the guest's CPU was meanwhile (the device side,
# dummy_hcd and the host side all run on it). Medians over the runs.
echo "where: KEY user_ms/cmd sys_ms/cmd voluntary_cs/cmd involuntary_cs/cmd guest_busy% user% sys+irq% softirq%"
for key in $SEQ; do
	awk -v k=$key '$1 == k { n = $2; print $3 * 1e3 / n, $4 * 1e3 / n, $5 / n, $6 / n, $7, $8, $9, $10 }' \
		"$W/where" > "$W/where.k"
	line="where: $key"
	col=1
	while [ $col -le 8 ]; do
		line="$line $(cut -d' ' -f$col "$W/where.k" | sort -n | awk '{ a[NR] = $1 } END {
			printf "%.3g", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
		col=$((col + 1))
	done
	echo "$line"
done

# raw BOT's chunk: each size read once forwards and once backwards.
sweep="$C 262144 524288 $BIG"
for chunk in $sweep $(echo $sweep | tr ' ' '\n' | sed -n '1!G;h;$p'); do
	size=$((SIZE_MIB * 1048576 / chunk * chunk))
	if timed usbmsc -d "usb:$LAB_USB" --json bench read --size $size --chunk $chunk; then
		echo "$chunk $(json seconds) $size" >> "$W/sweep"
	else
		fail "usb: chunk $chunk"
	fi
	wait_rebound
done
[ $failed = 0 ] || exit 1
echo "sweep: raw BOT READ MB/s by chunk (usbmsc -d usb:\$LAB_USB bench read --size ${SIZE_MIB}M --chunk CHUNK, both passes):$(
	for chunk in $sweep; do
		awk -v c=$chunk '$1 == c { t += $2; b += $3 } END { printf " %d: %.2f;", c, b / t / 1e6 }' "$W/sweep"
	done)"

# System calls per command, counted by strace when it is in the guest
# (tests/lab/setup puts it there); strace slows the runs, so
# only the counts mean something.
if command -v strace > /dev/null; then
	calls() {  # calls LABEL COMMANDS CMD...
		_label=$1 _n=$2
		shift 2
		if strace -c -o "$W/sc" "$@" > /dev/null 2> "$W/out.err"; then
			# Columns: % time, seconds, usecs/call, calls, [errors], syscall.
			awk -v l="$_label" -v n="$_n" '$NF == "total" { t = $4 }
				NR > 2 && $1 ~ /^[0-9]/ && $NF != "total" && $4 >= n / 2 { c[$NF] = $4 }
				END { printf "syscalls: %s: %.1f per command, start-up included (", l, t / n
					sep = ""; for (k in c) { printf "%s%s %.1f", sep, k, c[k] / n; sep = ", " }
					print ")" }' "$W/sc"
		else
			fail "strace $*"
		fi
	}
	calls "usbmsc -d \$LAB_SG bench tur -n 1000" 1000 usbmsc -d "$SG" bench tur -n 1000
	calls "sg_turs -n 1000 \$LAB_SG" 1000 sg_turs -n 1000 "$SG"
	n=500
	calls "usbmsc -d \$LAB_SG bench read --size $((n * C)) --chunk $C" $n \
		usbmsc -d "$SG" bench read --size $((n * C)) --chunk $C
	calls "dd if=\$LAB_BLOCK of=/dev/null bs=$C iflag=direct count=$n" $n \
		dd if="$BLOCK" of=/dev/null bs=$C iflag=direct count=$n
	calls "usbmsc -d usb:\$LAB_USB bench read --size $((n * C)) --chunk $C" $n \
		usbmsc -d "usb:$LAB_USB" bench read --size $((n * C)) --chunk $C
	wait_rebound
	calls "usbmsc -d usb:\$LAB_USB bench tur -n 1000" 1000 usbmsc -d "usb:$LAB_USB" bench tur -n 1000
	wait_rebound
fi
[ $failed = 0 ] || exit 1
exit 0
