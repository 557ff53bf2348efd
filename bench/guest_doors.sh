#!/bin/sh
# The vendor interface against SG_IO, inside the lab guest (bench/lab_doors.sh
# runs it): one usbmsc-gadget with --vendor-interface --control-lun
# --fw-state --fw-reboot stay as device 1. /add/bench.conf sets ROUNDS,
# TURS, TUR_PAIRS and IMAGE_MIB.
#
# The shared machine under the guest drifts by tens of percent within
# seconds, so the two doors are measured in pairs, back to back, and each
# pair gives one ratio; the result is the median of the pairs' ratios.
# TUR: each round has TUR_PAIRS pairs of `usbmsc bench tur -n
# TURS/TUR_PAIRS` (which times its own loop: commands/s), in A B, B A, A B
# ... order. Firmware: each round updates A B B A, two pairs. The whole
# `usbmsc fw update` (probe, download, activation, the device's reboot,
# confirmation) by the clock, as MB of image per second; fwdl: the download
# alone, as the update's last progress event reports it. Every update
# installs a new version (the anti-rollback floor rises); packing it is
# not measured.
#
# Output lines:
#   run R KIND DOOR SECONDS UNITS   one measurement (UNITS: commands, or bytes)
#   ratio KIND usbv/sgio: median M (range A..B) of N pairs, target >= 1.0: met|missed
#   median KIND: usbv X UNIT/s, sgio Y UNIT/s
# Exits 1 when a measurement failed (not when a target is missed).

ROUNDS=3
TURS=2000
TUR_PAIRS=5
IMAGE_MIB=15
[ -f /add/bench.conf ] && . /add/bench.conf

W=/tmp/bench
mkdir -p "$W"
: > "$W/data"
V=usbv:$LAB_USB
SG=$LAB_SG
VP=${LAB_USB%:*}

now_ns() {
	{ read -r _ _; read -r _ _; read -r _ _ NOW _; } < /proc/timer_list
}

failed=0
fail() {
	echo "FAILED: $*"
	sed 's/^/#   /' "$W/out" | tail -n 8
	failed=1
}

# json KEY: a number from usbmsc's --json output.
json() { sed -n "s/^ *\"$1\": \([0-9.]*\),*$/\1/p" "$W/out" | head -n 1; }

# settle URI: consume pending unit attentions (an update through one door
# leaves 06/3F/01 on the LUN for the other), so that the measured loop
# meets none.
settle() {
	for _k in 1 2 3 4; do
		usbmsc -d "$1" tur > /dev/null 2>&1 && return 0
	done
	return 1
}

# tur PAIR DOOR URI: one measurement of TURS/TUR_PAIRS commands
tur() {
	settle "$3"
	if usbmsc -d "$3" --json bench tur -n $((TURS / TUR_PAIRS)) > "$W/out" 2>&1; then
		s=$(json seconds) c=$(json commands)
		echo "run $1 tur $2 $s $c"
		echo "$1 tur $2 $s $c" >> "$W/data"
	else
		fail "pair $1: bench tur -d $3"
	fi
}

# jnum KEY EVENT: a number from fw update --json's last EVENT line.
jnum() {
	grep "\"event\": *\"$2\"" "$W/out" | tail -n 1 |
		sed -n "s/.*\"$1\": *\([0-9.]*\).*/\1/p"
}

# fw PAIR DOOR URI IMAGE: update through URI, by the clock (the whole update)
# and by the download's own rate (the last progress event).
fw() {
	settle "$3"
	bytes=$(wc -c < "$4")
	now_ns
	t0=$NOW
	usbmsc -d "$3" --json fw update "$4" > "$W/out" 2>&1
	rc=$?
	now_ns
	if [ $rc != 0 ] || ! grep -q '"confirmed": *true' "$W/out"; then
		fail "pair $1: fw update -d $3 (exit $rc)"
		return
	fi
	s=$(awk -v n=$((NOW - t0)) 'BEGIN { printf "%.6f", n / 1e9 }')
	echo "run $1 fw $2 $s $bytes"
	echo "$1 fw $2 $s $bytes" >> "$W/data"
	rate=$(jnum mb_per_s progress)
	chunk=$(jnum chunk done)
	if [ -n "$rate" ]; then
		dl=$(awk -v b="$bytes" -v r="$rate" 'BEGIN { if (r <= 0) r = 1e-9; printf "%.6f", b / (r * 1e6) }')
		echo "run $1 fwdl $2 $dl $bytes (download $rate MB/s, chunk $chunk bytes)"
		echo "$1 fwdl $2 $dl $bytes" >> "$W/data"
	fi
}

# pack NUMBER: the image of version NUMBER in $W/img (a new version for
# every update: the anti-rollback floor rises with each). Not measured.
head -c $((IMAGE_MIB * 1048576)) /dev/urandom > "$W/payload"
pack() {
	usbmsc fw pack --key "$LAB_FW_SECRET" --version "$(printf '%04d' "$1")" \
		--version-number "$1" --vid "${VP%:*}" --pid "${VP#*:}" --vendor usbmsc \
		--product "Gadget Disk" -o "$W/img" "$W/payload" > "$W/out" 2>&1 ||
		{ fail "fw pack $1"; exit 1; }
}

settle "$SG"
settle "$V" || { echo "FAILED: usbv: does not answer"; exit 1; }

# Pairs: "R.P" names pair P of round R.
n=2
r=1
while [ $r -le "$ROUNDS" ]; do
	p=1
	while [ $p -le "$TUR_PAIRS" ]; do
		if [ $((p % 2)) = 1 ]; then
			tur $r.$p usbv "$V"; tur $r.$p sgio "$SG"
		else
			tur $r.$p sgio "$SG"; tur $r.$p usbv "$V"
		fi
		p=$((p + 1))
	done
	pack $n && fw $r.1 usbv "$V" "$W/img"
	pack $((n + 1)) && fw $r.1 sgio "$SG" "$W/img"
	pack $((n + 2)) && fw $r.2 sgio "$SG" "$W/img"
	pack $((n + 3)) && fw $r.2 usbv "$V" "$W/img"
	n=$((n + 4))
	r=$((r + 1))
done

# Per pair and kind: the ratio of the rates usbv/sgio; the median over the
# pairs; the doors' own median rates beside it.
awk '
	{ pairs[$1] = 1; s[$1, $2, $3] = $4; u[$1, $2, $3] = $5 }
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		split("tur fw fwdl", kinds, " ")
		for (k = 1; k <= 3; k++) {
			kind = kinds[k]; n = 0; lo = 1e9; hi = 0
			for (pr in pairs) {
				if (s[pr, kind, "usbv"] <= 0 || s[pr, kind, "sgio"] <= 0) continue
				rv = u[pr, kind, "usbv"] / s[pr, kind, "usbv"]
				rs = u[pr, kind, "sgio"] / s[pr, kind, "sgio"]
				n++; ratio[n] = rv / rs; vv[n] = rv; ss[n] = rs
				if (rv / rs < lo) lo = rv / rs
				if (rv / rs > hi) hi = rv / rs
			}
			if (!n) { printf "ratio %s usbv/sgio: no measurements\n", kind; continue }
			m = median(ratio, n)
			unit = kind == "tur" ? "commands" : "MB"
			div = kind == "tur" ? 1 : 1e6
			verdict = m >= 1.0 ? "met" : "missed"
			printf "ratio %s usbv/sgio: median %.2f (range %.2f..%.2f) of %d pairs, target >= 1.0: %s\n",
				kind, m, lo, hi, n, verdict
			printf "median %s: usbv %.1f %s/s, sgio %.1f %s/s\n", kind,
				median(vv, n) / div, unit, median(ss, n) / div, unit
		}
	}' "$W/data"
exit $failed
