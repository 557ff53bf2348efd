#!/bin/bash
# Ctrl-C, SIGTERM and SIGHUP stop every long command over sim: within a
# second, with exit 130, what was done so far, and an -o file left as it
# was. Deterministic: the command runs with -vv and its stderr through a
# small pipe (lib.sh: run_signalled); the signal goes once it has written
# its first lines, and it cannot finish first, since the full pipe holds it.
#
#   test_cli_signals.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"

USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
BIG="sim:$T/big.img?size=64G"

# stopped DESC: exit 130 within a second (a generous bound for a loaded
# machine; it takes milliseconds), and the error line says interrupted.
stopped() {
	expect_rc 130 "$1: stopped"
	check "$1: within a second of the signal (${ms} ms)" test "$ms" -lt 3000
}

run -d "$BIG" capacity
expect_rc 0 "a sparse 64 GiB image"

# ---- read: the old -o file stays
printf 'the old contents\n' >"$T/old.bin"
run_signalled INT -vv -d "$BIG" read 0 134217728 -o "$T/old.bin"
stopped "read -o FILE, SIGINT"
expect_err '^usbmsc: read: interrupted at LBA [0-9]+, after [0-9]+ blocks were read$' \
	"read: says how far it got"
expect_err "^usbmsc: read: $T/old.bin is left as it was$" "read: says the file is untouched"
check "read: the old file is as it was" test "$(cat "$T/old.bin")" = "the old contents"
check "read: no temporary file is left" test -z "$(ls -a "$T" | grep -e '\.tmp-')"

# ---- read to a pipe: what came is written as it came
run_signalled TERM -vv -d "$BIG" read 0 134217728 -o -
stopped "read -o -, SIGTERM"
expect_err '^usbmsc: read: interrupted at LBA' "read -o -: says how far it got"

# ---- write: the blocks written so far are said
truncate -s 1G "$T/zeros.bin"
run_signalled TERM -vv -d "$BIG" write 0 "$T/zeros.bin"
stopped "write, SIGTERM"
expect_err '^usbmsc: write: interrupted at LBA [0-9]+, after [0-9]+ blocks were written$' \
	"write: says how far it got"

# ---- bench
run_signalled HUP -vv -d "$BIG" bench tur -n 10000000
stopped "bench tur, SIGHUP"
expect_err '^usbmsc: bench: interrupted after [0-9]+ of 10000000 commands; nothing measured$' \
	"bench tur: says how far it got"
run_signalled INT -vv -d "$BIG" bench read --size 64G
stopped "bench read, SIGINT"
expect_err '^usbmsc: bench: interrupted after [0-9]+ of 65536 commands' "bench read: says how far"

# ---- --json: the interruption is the error document
run_signalled INT -vv -d "$BIG" --json bench tur -n 10000000
stopped "bench tur --json, SIGINT"
expect_json "the error document says interrupted" 'd["error"]["status"] == 130' \
	'd["error"]["category"] == "interrupted"'

# ---- compliance: the first signal finishes the check and restores the
# scratch area
run_signalled INT -vv -d "$BIG" compliance
stopped "compliance, SIGINT"
expect_err 'interrupted: stop requested after [0-9]+ checks; the scratch area .* was restored' \
	"compliance: the scratch area was restored"

# ---- fw update: stops before its next chunk; the old firmware runs
SK=$ROOT/data/demo-fw-secret.key
head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/payload.bin"
if "$USBMSC" fw pack --key "$SK" --version 0300 --version-number 3 --vid 1209 --pid 0001 \
	--vendor USBMSC --product 'Virtual Disk' -o "$T/v3.umfw" "$T/payload.bin" >/dev/null 2>&1; then
	run_signalled TERM -vv -d "sim:$T/fw.img" fw update "$T/v3.umfw"
	stopped "fw update, SIGTERM"
	expect_err '^usbmsc: fw: .*interrupted: stop requested' "fw update: says it was interrupted"
	run -d "sim:$T/fw.img" --json fw info
	expect_json "fw update: the old firmware runs, nothing pending or reverted" \
		'd["active"]["version"] == "0100"' \
		'd["pending"] is None' 'd["reverted"] is False'
else
	ok "# SKIP fw update: this build has no firmware signing"
fi

done_testing
