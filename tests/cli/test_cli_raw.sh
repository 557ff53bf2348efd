#!/bin/bash
# usbmsc raw: standard and vendor CDBs against the virtual device, sense in
# JSON, data in both directions, --dry-run, and the CDB syntax.
. "$(dirname "$0")/lib.sh"

DEV="sim:$T/disk.img"

# ---- INQUIRY, every CDB spelling
run -d "$DEV" --json raw 12 00 00 00 24 00 --in 36
expect_rc 0 "raw INQUIRY"
expect_json "raw INQUIRY JSON" 'd["status"] == "good"' 'd["data"].startswith("00")' \
	'len(d["data"]) == 72' 'd["transferred"] == 36' 'd["residue"] == 0' 'd["sense"] is None' \
	'bytes.fromhex(d["data"])[8:14] == b"USBMSC"'
inquiry_hex=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"])' "$T/out")

for spelling in "120000002400" "0x12 0 0 0 0x24 0" "12 0000 00 2400"; do
	# shellcheck disable=SC2086
	run -d "$DEV" --json raw $spelling --in 0x24
	expect_json "raw accepts the CDB spelled '$spelling'" "d['data'] == '$inquiry_hex'"
done

# The CDB quoted as one argument, or split across quoted pieces.
run -d "$DEV" --json raw "12 00 00 00 24 00" --in 36
expect_rc 0 "raw accepts the CDB as one quoted argument"
expect_json "the quoted CDB is INQUIRY" "d['cdb'] == '120000002400'" "d['data'] == '$inquiry_hex'"
run -d "$DEV" --json raw "12 00" "00 00" $'24\t00 ' --in 36
expect_json "raw accepts quoted pieces with spaces and tabs" "d['cdb'] == '120000002400'"
run -d "$DEV" raw "12 zz 00"
expect_rc 1 "a quoted CDB with a bad byte"
expect_err "^usbmsc: raw: 'zz' is not hex bytes" "the error names the bad byte, not the whole argument"
run -d "$DEV" raw " "
expect_rc 1 "an argument of blanks only"

run -d "$DEV" raw 12 00 00 00 24 00 --in 36
expect_rc 0 "raw INQUIRY, text"
expect_out '^status: +good$' "text shows the status"
expect_out '^00000000  00 ' "text hex-dumps the data-in"
expect_out '\|.{8}USBMSC' "the dump shows the vendor in ASCII"

run -d "$DEV" raw 12 00 00 00 24 00 --in 36 -o "$T/inq.bin"
expect_rc 0 "raw -o stores the data-in"
check "the stored data is the INQUIRY data" \
	test "$(od -An -v -tx1 "$T/inq.bin" | tr -d ' \n')" = "$inquiry_hex"

# A short answer: the residue says how much did not come.
run -d "$DEV" --json raw 12 00 00 00 24 00 --in 4k
expect_rc 0 "raw INQUIRY with a 4 KiB buffer"
expect_json "residue = host length - bytes sent" 'd["transferred"] + d["residue"] == 4096' \
	'd["transferred"] >= 36'

# ---- an unsupported opcode: ILLEGAL REQUEST, sense 05/20/00
run -d "$DEV" --json raw d7 00 00 00 00 00
expect_rc 5 "raw with an unsupported opcode"
expect_json "its sense is 05/20/00 in JSON" 'd["status"] == "check-condition"' \
	'd["sense"]["key"] == 5' 'd["sense"]["asc"] == 0x20' 'd["sense"]["ascq"] == 0' \
	'"invalid command operation code" in d["sense"]["text"]' 'd["data"] == ""'
run -d "$DEV" raw d7 00 00 00 00 00
expect_rc 5 "the same in text"
expect_out '^sense: +ILLEGAL REQUEST: invalid command operation code \(05/20/00\)$' "text shows the sense"

# ---- the virtual device's vendor commands
run -d "$DEV" --json raw c0 00 00 00 40 00 --in 64
expect_rc 0 "DEVICE INFO (0xC0)"
expect_json "DEVICE INFO returns data" 'd["status"] == "good"' 'd["transferred"] > 0'

printf 'hello from the echo buffer, 42 bytes!!!\n' >"$T/hello.bin"
len=$(stat -c %s "$T/hello.bin")
lenhex=$(printf '%04x' "$len")
run -d "$DEV" --json raw c2 00 00 "${lenhex:0:2}" "${lenhex:2:2}" 00 --out "$T/hello.bin"
expect_rc 0 "ECHO WRITE (0xC2) with --out"
expect_json "ECHO WRITE moved every byte" "d['transferred'] == $len" 'd["residue"] == 0'

# The echo buffer lives in the virtual device's state beside the image.
run -d "$DEV" raw c3 00 00 "${lenhex:0:2}" "${lenhex:2:2}" 00 --in "$len" -o "$T/echo.bin"
expect_rc 0 "ECHO READ (0xC3)"
check "ECHO READ returns what ECHO WRITE stored" cmp -s "$T/hello.bin" "$T/echo.bin"

run_in "$T/hello.bin" -d "$DEV" raw c2 00 00 "${lenhex:0:2}" "${lenhex:2:2}" 00 --out -
expect_rc 0 "ECHO WRITE with the data from standard input"

# ---- READ(10) through raw agrees with the read command
run -d "$DEV" read 5 1 -o "$T/blk5.bin"
run -d "$DEV" raw 28 00 00 00 00 05 00 00 01 00 --in 512 -o "$T/raw5.bin"
expect_rc 0 "raw READ(10)"
check "raw READ(10) returns the block the read command returns" cmp -s "$T/blk5.bin" "$T/raw5.bin"

# A phase error: the host expects less than the device sends (case 7).
run -d "$DEV" --json raw 28 00 00 00 00 00 00 00 02 00 --in 512
expect_rc 35 "READ(10) of 2 blocks into a 1-block buffer is a phase error"
expect_json "JSON status phase-error" 'd["status"] == "phase-error"' 'd["category"] == "transport-error"'
expect_err "^usbmsc: hint: the CDB reads 2 blocks: give --in that many times the block size" \
	"the hint says how much the CDB reads"

# A forgotten --in: the device has data, the host expects none (case 2).
run -d "$DEV" raw 12 00 00 00 24 00
expect_rc 35 "INQUIRY without --in is a phase error"
expect_err "^usbmsc: hint: the CDB's allocation length is 36 bytes and no --in was given: add --in 36$" \
	"the hint names the allocation length and --in"
if grep -q 'replug\|-vv to see' "$T/err"; then
	not_ok "no transport hint for a phase error" "$(what_ran)"
else
	ok "no transport hint for a phase error"
fi
run -d "$DEV" raw 12 00 00 00 24 00 --in 8
expect_rc 35 "INQUIRY with --in shorter than its allocation length"
expect_err "^usbmsc: hint: the CDB's allocation length is 36 bytes, more than --in 8: give --in 36$" \
	"the hint compares --in with the allocation length"
run -d "$DEV" raw 2a 00 00 00 00 00 00 00 01 00
expect_rc 35 "WRITE(10) without --out"
expect_err "^usbmsc: hint: the CDB writes 1 block: give --out FILE" "the hint asks for --out"

# ---- --dry-run sends nothing
run -d "$DEV" --json raw 2a 00 00 00 00 00 00 00 01 00 --out "$T/blk5.bin" --dry-run
expect_rc 0 "raw --dry-run"
expect_json "--dry-run shows the CDB and the CBW" 'd["dry_run"] is True' \
	'd["cdb"] == "2a000000000000000100"' 'd["direction"] == "out"' 'd["length"] == 512' \
	'd["cbw"].startswith("55534243")' 'len(d["cbw"]) == 62' \
	'd["cbw"][16:24] == "00020000"' 'd["cbw"][24:26] == "00"' 'd["cbw"][28:30] == "0a"' \
	'd["cbw"][30:50] == d["cdb"]'
run raw 12 00 00 00 24 00 --in 36 --dry-run --lun 1
expect_rc 0 "--dry-run needs no device"
expect_out '^CDB \(6 bytes\): 12 00 00 00 24 00$' "dry-run prints the CDB"
expect_out '^CBW \(tag 1, LUN 1\): 55 53 42 43 01 00 00 00 24 00 00 00 80 01 06 12 00' \
	"dry-run prints the CBW with flags, LUN and CB length"
run -d /dev/sg9 raw 00 00 00 00 00 00 --dry-run
expect_rc 0 "--dry-run for an SG_IO path"
if grep -q '^CBW' "$T/out"; then not_ok "no CBW for SG_IO paths" "$(what_ran)"; else ok "no CBW for SG_IO paths"; fi

# ---- CDB syntax errors are usage errors
run -d "$DEV" raw 12 zz 00
expect_rc 1 "raw with a byte that is not hex"
expect_err "'zz' is not hex" "the error names the bad token"
run -d "$DEV" raw 120
expect_rc 1 "raw with an odd number of joined digits"
run -d "$DEV" raw 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
expect_rc 1 "raw with a 17-byte CDB"
expect_err '1 to 16 bytes; this one has 17' "the error says the length"
run -d "$DEV" raw 0000000000000000000000000000000000
expect_rc 1 "raw with 17 joined bytes"
run -d "$DEV" raw
expect_rc 1 "raw without a CDB"
run -d "$DEV" raw 12 00 00 00 24 00 --in 36 --out "$T/hello.bin"
expect_rc 1 "raw with --in and --out together"
expect_err 'cannot be used together' "the error says why"
run -d "$DEV" raw 12 00 00 00 24 00 --in lots
expect_rc 1 "raw with a bad --in length"
run -d "$DEV" raw 12 00 00 00 24 00 -o "$T/x.bin"
expect_rc 1 "raw -o without --in"
run -d "$DEV" raw 2a 00 00 00 00 00 00 00 01 00 --out "$T/no-such-file"
expect_rc 15 "raw --out of a missing file"

# ---- -o -: standard output carries the data alone, the report goes to stderr
run -d "$DEV" raw 12 00 00 00 24 00 --in 36 -o -
expect_rc 0 "raw -o -"
check "stdout is the 36 bytes of INQUIRY data and nothing else" \
	test "$(od -An -tx1 -v "$T/out" | tr -d ' \n')" = "$inquiry_hex"
expect_err '^status: +good$' "the report is on stderr"
expect_err '^data-in: +36 bytes to standard output$' "it says where the data went"
run -d "$DEV" --json raw 12 00 00 00 24 00 --in 36 -o -
expect_rc 1 "--json with -o -: both would be on stdout"
expect_err 'would both write to standard output' "says why"

# ---- -o FILE is replaced only when the command succeeds
printf 'the old contents\n' >"$T/keep.bin"
run -d "$DEV" raw d7 00 00 00 00 00 00 00 24 00 --in 36 -o "$T/keep.bin"
expect_rc 5 "a failing command with -o FILE"
expect_out '^data-in: +0 bytes not stored in' "the report says nothing was stored"
check "the old file keeps its contents" test "$(cat "$T/keep.bin")" = "the old contents"
run -d "$DEV" raw 12 00 00 00 24 00 --in 36 -o "$T/keep.bin"
expect_rc 0 "a command that succeeds replaces it"
check "with the data-in" \
	test "$(od -An -tx1 -v "$T/keep.bin" | tr -d ' \n')" = "$inquiry_hex"
run -d "$DEV" raw 28 00 00 00 00 00 00 00 01 00 --in 512 -o "$T/disk.img"
expect_rc 1 "raw -o the device's own image"
expect_err "is the device's own image" "says why"
check "the image is still 64 MiB" test "$(stat -c %s "$T/disk.img")" -eq 67108864

# ---- --out is read no further than one command carries (sim: 1 MiB)
head -c $((64 * 1024 * 1024)) /dev/zero | timeout 20 "$USBMSC" -d "$DEV" raw 2a 00 00 00 00 00 00 00 01 00 --out - \
	>"$T/out" 2>"$T/err"
rc=${PIPESTATUS[1]}
expect_rc 1 "--out of more than one command carries"
expect_err 'holds more than the 1048576 bytes this transport moves in one command' "says the limit"

done_testing
