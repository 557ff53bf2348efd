#!/bin/bash
# Usage errors exit 1 with a one-line reason; device errors carry their
# category and a hint; --json turns every failure into one JSON document.
. "$(dirname "$0")/lib.sh"

DEV="sim:$T/disk.img"

run
expect_rc 1 "no command"
expect_err '^usbmsc: no command given$' "says no command was given"

run -d "$DEV" frobnicate
expect_rc 1 "unknown command"
expect_err "^usbmsc: unknown command 'frobnicate'$" "names the unknown command"
expect_err "usbmsc --help" "points to --help"

run -d "$DEV" inquiry --frob
expect_rc 1 "unknown option"
expect_err "^usbmsc: inquiry: unknown option '--frob'$" "names the unknown option"
expect_err '^usage: usbmsc inquiry' "prints the command's synopsis"

run -d "$DEV" tur --vpd 0x80
expect_rc 1 "an option of another command"
expect_err '^usbmsc: tur: tur takes no option --vpd$' "says the command does not take it"

run -d "$DEV" tur extra
expect_rc 1 "too many arguments"
run -d "$DEV" --timeout 0 tur
expect_rc 1 "--timeout 0"
run -d "$DEV" --timeout abc tur
expect_rc 1 "--timeout abc"
run -d "$DEV" --lun 16 tur
expect_rc 1 "--lun 16 (Bulk-Only has 0..15)"
# A LUN the device does not have: refused before it is sent, every command.
for cmd in inquiry tur sense capacity "read 0 1" "raw 12 00 00 00 24 00 --in 36" "bench tur -n 2"; do
	run -d "$DEV" --lun 1 $cmd
	expect_rc 1 "--lun 1 on a one-LUN device: $cmd"
	expect_err "^usbmsc: ${cmd%% *}: the device has LUNs 0..0, not 1$" "$cmd says which LUNs there are"
done
head -c 512 /dev/zero >"$T/block.bin"
run -d "$DEV" --lun 1 write 0 "$T/block.bin"
expect_rc 1 "--lun 1 on a one-LUN device: write"
run -d "sim:$T/two.img?luns=2&size=1M" --lun 1 capacity
expect_rc 0 "--lun 1 on a two-LUN device"
run -d "sim:$T/two.img?luns=2&size=1M" --lun 2 tur
expect_rc 1 "--lun 2 on a two-LUN device"
expect_err "the device has LUNs 0..1, not 2" "says which LUNs there are"
run tur -d
expect_rc 1 "-d without a value"
expect_err "option '-d' needs a value" "says -d needs a value"
run --json=1 list
expect_rc 1 "--json=VALUE"

# Short options with attached values and long options with '='.
run "-d$DEV" --timeout=5 --lun=0 -vv tur
expect_rc 0 "-dURI, --timeout=5, --lun=0, -vv"
run --device "$DEV" tur -- 
expect_rc 0 "-- ends the options"

# ---- the device
env -u USBMSC_DEVICE "$USBMSC" tur >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "no device given"
expect_err 'no device: give -d URI or set USBMSC_DEVICE' "says how to give a device"

# A malformed URI is a usage error (exit 1) that says what is wrong with
# it; a well-formed one naming no device is exit 20.
run -d disk.img inquiry
expect_rc 1 "a device without a scheme"
expect_err "^usbmsc: inquiry: 'disk.img' is not a device URI: it has no scheme \(did you mean 'sim:disk.img'\?\)$" \
	"says the scheme is missing and suggests sim:"
# Device nodes: what a path that is no device node, or a missing node, is
# depends on the OS backend; without one, no device node is supported.
if [ "${USBMSC_OS_BACKEND:-linux}" = linux ]; then
	run -d "$T/disk.img" inquiry
	expect_rc 1 "a path to a file"
	expect_err "^usbmsc: inquiry: $T/disk.img is not a device node but a file .*'sim:$T/disk.img'\)$" \
		"says it is a file and suggests sim:"
	run -d /etc/passwd inquiry
	expect_rc 1 "-d /etc/passwd"
	run -d "$T" inquiry
	expect_rc 1 "a path to a directory"
	expect_err "is not a device node but a directory" "says it is a directory"
	run -d / inquiry
	expect_rc 1 "-d /"
	run -d /dev/usbmsc-no-such-node inquiry
	expect_rc 20 "a device node that is not there"
	expect_err "^usbmsc: hint: check the URI; 'usbmsc list' shows devices$" "the second line says what to do"
else
	run -d "$T/disk.img" inquiry
	expect_rc 1 "a path to a file"
	expect_err "not supported on this system" "says device nodes are not supported here"
	run -d /dev/usbmsc-no-such-node inquiry
	expect_rc 1 "a device node"
fi
run -d "" inquiry
expect_rc 1 "an empty URI"
expect_err "^usbmsc: inquiry: an empty device URI; this build accepts sim:PATH" "says it is empty"
run -d "nosuch:thing" inquiry
expect_rc 1 "an unknown scheme"
expect_err "^usbmsc: inquiry: unknown scheme 'nosuch:' in 'nosuch:thing'; this build accepts sim:PATH" \
	"names the scheme and the accepted ones"

run -d "sim:$T/no/such/dir/disk.img" inquiry
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then ok "an image that cannot be created fails (exit $rc)"; else not_ok "an image that cannot be created fails" "$(what_ran)"; fi
expect_err '^usbmsc: inquiry: ' "with an error line"

# ---- the virtual device's files: a full file system, no write access
# A 64 KiB tmpfs filled to the last byte, in a mount namespace of its own.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir "$T/full"
	unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1" || exit 0
		dd if=/dev/zero of="$1/fill" bs=4k 2>/dev/null
		timeout 20 "$2" -d "sim:$1/disk.img" inquiry >"$3/out" 2>"$3/err"
		echo $? >"$3/rc"
		ls "$1" >"$3/left"' sh "$T/full" "$USBMSC" "$T"
fi
if [ -s "$T/rc" ]; then
	rc=$(cat "$T/rc")
	no_sanitizer_report "sim on a full file system"
	expect_rc 15 "a sim: image on a full file system"
	expect_err "^usbmsc: inquiry: cannot write the factory image to $T/full/disk.img.fw: No space left on device$" \
		"the message gives the system's reason"
	check "nothing is left behind on it" test "$(cat "$T/left")" = fill
else
	ok "a sim: image on a full file system # SKIP needs root and a tmpfs mount"
fi

# An image the user may read but not write: the way out is ?ro=1, not a
# device node's permissions. Root writes anything, so run as nobody.
as_user() { "$@"; }
if [ "$(id -u)" = 0 ]; then
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
	chmod 0711 "$T"
fi
mkdir -m 0755 "$T/ro"
run -d "sim:$T/ro/disk.img" tur
chmod 0444 "$T/ro/disk.img" "$T/ro/disk.img.fw"
if as_user test -x "$USBMSC" 2>/dev/null && ! as_user test -w "$T/ro/disk.img"; then
	as_user timeout 20 "$USBMSC" -d "sim:$T/ro/disk.img" inquiry >"$T/out" 2>"$T/err"
	rc=$?
	no_sanitizer_report "sim on a read-only image"
	expect_rc 22 "a sim: image without write permission"
	expect_err "^usbmsc: inquiry: cannot open image $T/ro/disk.img for writing: Permission denied; the option ro=1 \(sim:PATH\?ro=1\) opens it read-only$" \
		"the message names ro=1"
	expect_err '^usbmsc: hint: sim: .*add \?ro=1' "the hint names ?ro=1"
	if grep -q 'device node' "$T/err"; then not_ok "no word of device nodes" "$(what_ran)"; else ok "no word of device nodes"; fi
	as_user timeout 20 "$USBMSC" -d "sim:$T/ro/disk.img?ro=1" inquiry >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "the same image with ?ro=1"
else
	ok "a sim: image without write permission # SKIP no unprivileged user can run $USBMSC"
fi

# ---- --json: one document on stdout, also for failures
if [ "${USBMSC_OS_BACKEND:-linux}" = linux ]; then
	missing=/dev/usbmsc-no-such-node what="no such device node"
else
	missing=usbv:1209:ffff:NOSUCHSERIAL what="1209:ffff"
fi
run -d "$missing" --json inquiry
expect_rc 20 "--json with a missing device"
expect_json "the failure is a JSON error document" 'd["error"]["status"] == 20' \
	'd["error"]["command"] == "inquiry"' 'd["error"]["category"] == "no-device"' \
	"\"$what\" in d[\"error\"][\"message\"]"
run -d disk.img --json inquiry
expect_rc 1 "--json with a malformed URI"
expect_json "the usage error is a JSON error document" 'd["error"]["status"] == 1' \
	'd["error"]["category"] == "usage"' '"no scheme" in d["error"]["message"]'
run frobnicate --json
expect_rc 1 "--json with an unknown command"
expect_json "a usage error is a JSON error document" 'd["error"]["status"] == 1' \
	'd["error"]["command"] is None'
run -d "$DEV" --json raw d7 00 00 00 00 00
expect_rc 5 "--json with a CHECK CONDITION"
expect_json "exactly one document: the raw result, not an error document" \
	'"error" not in d' 'd["sense"]["key"] == 5'
run -d "$DEV" --json inquiry --vpd 0xfe
expect_rc 5 "--json with a failed inquiry"
expect_json "the error document carries the sense" 'd["error"]["sense"]["key"] == 5' \
	'd["error"]["sense"]["asc"] == 0x24'

# help is JSON too
run --json help
expect_rc 0 "--json help"
expect_json "the overview as JSON" 'd["usage"].startswith("usbmsc ")' \
	'"raw" in [c["name"] for c in d["commands"]]' \
	'all(set(c) == {"name", "args", "summary"} for c in d["commands"])' \
	'[e["status"] for e in d["exit_statuses"]][:2] == [0, 1]' \
	'any(e["status"] == 22 and e["category"] == "permission-denied" for e in d["exit_statuses"])'
run help raw --json
expect_rc 0 "help raw --json"
expect_json "one command's help as JSON" 'd["command"] == "raw"' \
	'd["usage"].startswith("usbmsc [GLOBAL OPTIONS] raw CDB-HEX")' '"--in LEN" in d["help"]'
for cmd in "--help" "raw --help" "fw --help" "fw update --help" "bench --help" "compliance --help"; do
	# shellcheck disable=SC2086
	run --json $cmd
	expect_json "--json $cmd is one JSON document" '"usage" in d'
done
run --json help frob
expect_rc 1 "--json help of an unknown command"
expect_json "is a JSON usage error" 'd["error"]["status"] == 1'

# ---- -v traces on stderr, stdout stays clean
run -d "$DEV" -v --json tur
expect_rc 0 "-v --json"
expect_err '^usbmsc: CDB 00 00 00 00 00 00$' "-v prints the CDB"
if grep -q '^usbmsc: CBW' "$T/err"; then not_ok "-v alone prints no CBW" "$(what_ran)"; else ok "-v alone prints no CBW"; fi
expect_json "stdout is still one JSON document" 'd["ready"] is True'
# The power-on unit attention of a fresh device is consumed, once, with a note.
run -d "sim:$T/fresh.img" -v capacity
expect_rc 0 "capacity of a freshly attached device"
expect_err '^usbmsc: note: the device reports a power on or reset \(UNIT ATTENTION: power on, reset, or bus device reset occurred \(06/29/00\)\); sending the command again$' \
	"-v notes the power-on unit attention"
if [ "$(grep -c '^usbmsc: CDB 25 ' "$T/err")" -eq 2 ]; then ok "READ CAPACITY is sent twice, no more"; else not_ok "READ CAPACITY is sent twice, no more" "$(what_ran)"; fi
run -d "$DEV" -vv tur
expect_err '^usbmsc: CBW 55 53 42 43 ' "-vv prints the CBW"
expect_err '^usbmsc: CSW 55 53 42 53 ' "-vv prints the CSW"
run -d "$DEV" -vvv raw 12 00 00 00 24 00 --in 36
expect_err '^usbmsc:   00000000  00 ' "-vvv dumps the data stage"
run -d "$DEV" -v raw d7 00 00 00 00 00
expect_err '^usbmsc: sense: ILLEGAL REQUEST: invalid command operation code \(05/20/00\)$' \
	"-v decodes the sense data"

# Standard output that cannot be written is a failure, not silence.
if [ -w /dev/full ]; then
	timeout 20 "$USBMSC" -d "$DEV" --json capacity >/dev/full 2>"$T/err"
	rc=$?
	expect_rc 15 "writing to a full device"
fi

done_testing
