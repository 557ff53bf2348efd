#!/bin/sh
# What a command costs through SG_IO, counted with strace and ltrace (both in
# the guest): a TEST UNIT READY loop must cost what sg_turs's costs, one
# SG_IO ioctl per command and no other system call, and no work at open
# that a command to LUN 0 does not need. Runs inside the lab guest:
#
#   tests/lab/run --device kernel-msc --add tests/lab/tap.sh --script tests/lab/linux/sgio_cost.sh
#
# Prints "ok N - ..." or "not ok N - ..." per check, "1..N" at the end, and
# exits 1 if a check failed.

OUT=/tmp/sgio_cost.out
. /add/tap.sh
T=/tmp/sgio_cost
mkdir -p $T

if [ -z "$LAB_SG" ] || ! command -v strace > /dev/null || ! command -v ltrace > /dev/null; then
	echo "Bail out! run with --device kernel-msc, with strace and ltrace in the guest"
	exit 1
fi
sg_turs "$LAB_SG" > /dev/null 2>&1   # whatever unit attention is left, gone

# calls TOOL FILE CMD...: strace -c or ltrace -c of CMD; FILE gets "NAME COUNT".
calls() {
	_tool=$1 _file=$2
	shift 2
	if $_tool -f -c -o $T/raw "$@" > "$OUT" 2>&1; then
		awk 'NR > 2 && $1 ~ /^[0-9]/ && $NF != "total" { print $NF, $4 }' $T/raw > "$_file"
	else
		: > "$_file"
		return 1
	fi
}
# count FILE NAME: NAME's count in FILE (0 when absent).
count() { awk -v k="$2" '$1 == k { c = $2 } END { print c + 0 }' "$1"; }
# more FILE1 FILE2: the calls FILE2 has beyond FILE1, "NAME COUNT" each.
more() {
	awk 'NR == FNR { a[$1] = $2; next } { d = $2 - a[$1]; if (d) print $1, d }' "$1" "$2"
}

# ---- per command: exactly one SG_IO, and no library call but it and the
# clock that times the command
check "strace, bench tur -n 1" calls strace $T/s1 usbmsc -d "$LAB_SG" bench tur -n 1
check "strace, bench tur -n 201" calls strace $T/s201 usbmsc -d "$LAB_SG" bench tur -n 201
check_eq "200 more commands: 200 ioctls and no other system call" "ioctl 200" "$(more $T/s1 $T/s201)"
check "ltrace, bench tur -n 1" calls ltrace $T/l1 usbmsc -d "$LAB_SG" bench tur -n 1
check "ltrace, bench tur -n 201" calls ltrace $T/l201 usbmsc -d "$LAB_SG" bench tur -n 201
check_eq "200 more commands: 200 ioctl and 200 clock_gettime, no other library call" \
	"clock_gettime 200 ioctl 200" "$(more $T/l1 $T/l201 | sort | tr '\n' ' ' | sed 's/ $//')"

# ---- at open: no sysfs lookups a command to LUN 0 does not need (the
# SCSI device's directory, resolved through a dozen symlinks), and no sg
# reserved buffer for commands that move no data
check "strace of the whole of bench tur -n 5" \
	strace -f -o $T/trace usbmsc -d "$LAB_SG" bench tur -n 5
check_eq "no readlink (the SCSI device's directory is looked up on demand)" 0 \
	"$(grep -c '^[0-9]* *readlink' $T/trace)"
check_eq "no SG_SET_RESERVED_SIZE for commands without data" 0 \
	"$(grep -c 'SG_SET_RESERVED_SIZE' $T/trace)"
check_eq "-n 5 sends 5 TEST UNIT READY, as sg_turs -n 5 does" 5 "$(grep -c 'SG_IO' $T/trace)"
check "strace of sg_turs -n 5" strace -f -o $T/theirs sg_turs -n 5 "$LAB_SG"
check_eq "... sg_turs: 5" 5 "$(grep -c 'SG_IO' $T/theirs)"
echo "# start-up and 5 commands: usbmsc $(wc -l < $T/trace) system calls, sg_turs $(wc -l < $T/theirs)"

# ---- what is deferred still happens when needed
check "bench read of 4 commands of 120 KiB" \
	strace -f -o $T/read usbmsc -d "$LAB_SG" bench read --size 480k --chunk 120k
check_eq "the reserved buffer is sized once, before the first READ" 1 \
	"$(grep -c 'SG_SET_RESERVED_SIZE' $T/read)"
check_out "-v still names the SCSI device at open" "is SCSI device [0-9]*:[0-9]*:[0-9]*:[0-9]*" \
	usbmsc -v -d "$LAB_SG" tur
check_out "the largest transfer still comes from the block queue's limits" \
	"max transfer [0-9]* bytes (block queue limits)" usbmsc -v -d "$LAB_SG" tur
check_rc "a command to a LUN the device does not have: refused by number" 1 \
	usbmsc -d "$LAB_SG" --lun 3 tur
said "... naming the device's LUNs" "LUNs 0..0"

echo "1..$n"
[ $failed = 0 ]
