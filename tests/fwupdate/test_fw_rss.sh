#!/bin/bash
# Memory does not grow with the image: peak resident set size (GNU time's
# "Maximum resident set size") of fw update, at most 16 MiB.
#  - a whole update (download past 16 MiB with BUFFER ID as offset bits
#    31:24, activation, confirmation) of a 256 MiB image to a virtual
#    device with 260 MiB slots;
#  - the same image to a device with the default 16 MiB slots: refused for
#    its size before it is read;
#  - its streamed verification (fw inspect --key, the same check fw update
#    makes), which reads all of it.
# The figures are printed as TAP comments (bench/fw_rss.sh prints them for
# docs/BENCHMARKS.md). Skipped under AddressSanitizer (its shadow memory is
# resident) and without /usr/bin/time.
#
#   test_fw_rss.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
SK=$ROOT/data/demo-fw-secret.key
PK=$ROOT/data/demo-fw-public.key
LIMIT_KB=$((16 * 1024))
cd "$T" || exit 1

if [ ! -x /usr/bin/time ]; then
	ok "# SKIP no /usr/bin/time"
	done_testing
fi
if ldd "$USBMSC" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	ok "# SKIP sanitizer build: resident memory is not the program's"
	done_testing
fi

# peak DESC WANT_RC ARGS...: run usbmsc under GNU time; check status and RSS.
peak() {
	local desc=$1 want=$2 kb
	shift 2
	timeout 200 /usr/bin/time -v "$USBMSC" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$T/err")
	echo "# $desc: exit $rc, peak RSS ${kb:-?} KiB"
	expect_rc "$want" "$desc"
	if [ -n "$kb" ] && [ "$kb" -le "$LIMIT_KB" ]; then
		ok "$desc: peak RSS ${kb} KiB <= $LIMIT_KB KiB"
	else
		not_ok "$desc: peak RSS ${kb:-?} KiB <= $LIMIT_KB KiB" "$(tail -n 30 "$T/err")"
	fi
}

truncate -s 256M big.bin
"$USBMSC" fw pack --key "$SK" --version 0300 --version-number 3 -o big.umfw big.bin >/dev/null
rm -f big.bin
peak "fw update of a 256 MiB image" 0 -d "sim:big.img?fw-slot=260M" fw update big.umfw
run -d sim:big.img inquiry
expect_out '^revision: +0300' "the 256 MiB image runs"
rm -f big.img.fw
peak "fw update of a 256 MiB image to 16 MiB slots (refused before it is read)" 15 \
	-d sim:small.img fw update big.umfw
expect_err "the device's buffer holds 16777216" "says why"
peak "streamed verification of the 256 MiB image" 0 fw inspect --key "$PK" big.umfw

done_testing
