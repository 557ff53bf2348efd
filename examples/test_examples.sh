#!/bin/bash
# Each example runs against the virtual device and prints what it should.
#   test_examples.sh EXAMPLES_BUILD_DIR USBMSC_BINARY SOURCE_ROOT
# A Windows build's programs run through the runner in $USBMSC_RUN (wine,
# its words separated by spaces) and end in .exe; their text output's line
# ends (CR LF) are read as LF.
set -u
EX=$(realpath "$1")
USBMSC=$(realpath "$2")
ROOT=$(realpath "$3")
read -r -a RUN <<<"${USBMSC_RUN:-}"
EXE=${USBMSC_RUN:+.exe}
T=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-examples.XXXXXX")
trap 'rm -rf "$T"' EXIT
n=0

# check DESCRIPTION WANT_STATUS REGEX... -- COMMAND...: the command exits
# with WANT_STATUS and its stdout matches every extended regex.
check() {
	local desc=$1 want=$2 rc out
	local -a regexes=()
	shift 2
	while [ "$1" != -- ]; do regexes+=("$1"); shift; done
	shift
	timeout 60 "${RUN[@]}" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	sed -i 's/\r$//' "$T/out" "$T/err"
	n=$((n + 1))
	for r in "${regexes[@]}"; do
		if ! grep -Eq -- "$r" "$T/out"; then
			echo "not ok $n - $desc"
			echo "# stdout lacks /$r/ (exit $rc)"
			sed 's/^/# out: /' "$T/out" | head -30
			sed 's/^/# err: /' "$T/err" | head -30
			return
		fi
	done
	if [ "$rc" -ne "$want" ] || grep -q 'ERROR: AddressSanitizer\|runtime error:' "$T/err"; then
		echo "not ok $n - $desc"
		echo "# exit $rc, expected $want"
		sed 's/^/# err: /' "$T/err" | head -30
		return
	fi
	echo "ok $n - $desc"
}

check "vendor_command: a vendor command out, another in, a refused one" 0 \
	'^opened sim:.* through ' \
	'^ECHO WRITE: unit attention first, sending again$' \
	'^ECHO WRITE: good, 13 bytes moved$' \
	'^ECHO READ: good, 13 bytes moved$' \
	'^the device holds: hello, device$' \
	'^ECHO READ with a bad field: refused: ILLEGAL REQUEST: invalid field in cdb \(05/24/00\)$' \
	'^category 5 \(illegal-request\)$' \
	-- "$EX/vendor_command$EXE" "sim:$T/vendor.img" 'hello, device'

check "vendor_command: a malformed URI is a usage error" 1 \
	-- "$EX/vendor_command$EXE" "nosuch:thing"

check "vendor_command: a device that is not there" 20 \
	-- "$EX/vendor_command$EXE" "usbv:1209:ffff:NOSUCHSERIAL"

check "own_pipe: the BOT engine over the application's own pipe" 0 \
	'^INQUIRY: USBMSC Virtual Disk ' \
	'^capacity: 131072 blocks of 512 bytes$' \
	'^block 1 read back intact$' \
	'^[1-9][0-9]* bulk transfers went through the application.s pipe$' \
	-- "$EX/own_pipe$EXE" "$T/pipe.img"

if [ -f "$EX/fw_update$EXE" ]; then
	head -c $((3 * 1024 * 1024 + 500000)) /dev/urandom >"$T/payload.bin"
	"${RUN[@]}" "$USBMSC" fw pack --key "$ROOT/data/demo-fw-secret.key" --version 0200 \
		--version-number 2 --vid 1209 --pid 0001 --vendor USBMSC \
		--product 'Virtual Disk' -o "$T/app.umfw" "$T/payload.bin" >/dev/null
	check "fw_update: a whole update, with progress" 0 \
		'^checks passed: ' \
		'^progress:  2[0-9]% \([0-9]+ of 36[0-9]{5} bytes\)$' \
		'^progress:  5[0-9]% ' \
		'^progress:  8[0-9]% ' \
		'^progress: 100% \((36[0-9]{5}) of \1 bytes\)$' \
		'^activating$' \
		'^the new image runs: confirming it$' \
		'^updated: 0200 runs, confirmed$' \
		-- "$EX/fw_update$EXE" "sim:$T/fw.img" "$T/app.umfw" "$ROOT/data/demo-fw-public.key"
	# One byte of the payload changed: the host's checks refuse the image
	# (category 15) before anything is sent.
	cp "$T/app.umfw" "$T/bad.umfw"
	printf 'X' | dd of="$T/bad.umfw" bs=1 seek=100000 conv=notrunc 2>/dev/null
	check "fw_update: a changed image is refused by the host checks" 15 \
		'^before: 0200$' \
		-- "$EX/fw_update$EXE" "sim:$T/fw.img" "$T/bad.umfw" "$ROOT/data/demo-fw-public.key"
fi
echo "1..$n"
