#!/bin/bash
# usbmsc compliance from the command line: the table and the JSON document,
# exit 0 when every check passes (default, pad=1, bs=4096, luns=3), exit 99
# when a fault makes a check fail, 20 when the device goes away, 1 for SG_IO
# nodes and bad options; the scratch area is restored every time the device
# stays (the image hashes the same before and after).
#
#   test_compliance_cli.sh USBMSC_BINARY
. "$(dirname "$0")/../cli/lib.sh"

IMG=$T/disk.img
sum() { sha256sum "$1" | cut -d' ' -f1; }
# A 4 MiB image whose last 2 MiB (the default scratch area and beyond) hold
# data, so that restoring zeros would not pass for restoring it.
python3 - "$IMG" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    f.truncate(4 << 20)
    f.seek(2 << 20)
    f.write(bytes((i * 7 + i // 512) & 0xFF for i in range(2 << 20)))
PY

run -d "sim:$IMG" compliance
expect_rc 0 "every check passes against sim:"
expect_out '^case-11-ho-gt-do .* pass$' "a line per check with its verdict"
expect_out '^    expected: WRITE\(10\) 1 block, out 2' "then what was expected"
expect_out '^    seen: +out 1024 bytes' "then what was seen"
# (below the device's URI, which is as long as it is)
long=$(awk '/^$/ {table = 1} table && length($0) > 80' "$T/out")
check "the table fits 80 columns" test -z "$long"
expect_out '^37 passed, 0 failed$' "a summary line"
expect_out 'saved and restored' "the scratch area is reported restored"

before=$(sum "$IMG")
run -d "sim:$IMG" --json compliance
expect_rc 0 "--json: every check passes"
expect_json "--json: one document with the checks" \
	'd["device"].startswith("sim:")' 'd["passed"] == 37 and d["failed"] == 0' \
	'len(d["checks"]) == 37' \
	'all(set(c) >= {"name", "expected", "seen", "verdict"} for c in d["checks"])' \
	'all(c["verdict"] == "pass" for c in d["checks"])' \
	'd["scratch"]["restored"] is True and d["scratch"]["blocks"] == 256' \
	'[c["choice"] for c in d["checks"] if c["name"] == "case-04-hi-dn"] == ["stall"]'
check "the image is unchanged" test "$(sum "$IMG")" = "$before"

run -d "sim:$IMG?pad=1" --json compliance
expect_rc 0 "pad=1: every check passes"
expect_json "pad=1: cases 4 and 5 pad" \
	'{c["name"]: c["choice"] for c in d["checks"]}["case-04-hi-dn"] == "pad"' \
	'{c["name"]: c["choice"] for c in d["checks"]}["case-05-hi-gt-di"] == "pad"'
check "pad=1: the image is unchanged" test "$(sum "$IMG")" = "$before"

run -d "sim:$T/b4k.img?bs=4096&size=4M" compliance --json
expect_rc 0 "bs=4096: every check passes (options after the command too)"
expect_json "bs=4096: the block size" 'd["block_size"] == 4096' 'd["failed"] == 0'

run -d "sim:$T/three.img?luns=3&size=4M" compliance --lun 2 --json
expect_rc 0 "luns=3, --lun 2: every check passes"
expect_json "luns=3: LUN 2 of max LUN 2" 'd["lun"] == 2 and d["max_lun"] == 2'

run -d "sim:$IMG" compliance --scratch-lba 4000 --json
expect_rc 0 "--scratch-lba: every check passes"
expect_json "--scratch-lba: the area used" 'd["scratch"]["lba"] == 4000'
check "--scratch-lba: the image is unchanged" test "$(sum "$IMG")" = "$before"

# A broken device: a CSW with a bad signature fails whichever check's
# command it meets (checks do not retry; the suite's own block I/O does).
# Over a range of command numbers at least one lands on a check; every run
# ends with the scratch area restored.
fails=0 runs=0
for n in $(seq 20 5 200); do
	runs=$((runs + 1))
	run -d "sim:$IMG?fault=bad-csw-signature@$n" --json compliance
	if [ "$rc" = 99 ]; then
		fails=$((fails + 1))
		expect_json "fault at command $n: exit 99 names the failed check" \
			'd["failed"] >= 1' 'any(c["verdict"] == "fail" for c in d["checks"])' \
			'd["passed"] + d["failed"] == len(d["checks"])'
	elif [ "$rc" != 0 ]; then
		not_ok "fault at command $n: exit 0 or 99" "$(what_ran)"
	fi
	check "fault at command $n: the image is unchanged" test "$(sum "$IMG")" = "$before"
done
check "a broken device fails the suite (exit 99 in $fails of $runs runs)" test "$fails" -ge 1

run -d "sim:$IMG?fault=bad-csw-signature@60" compliance
expect_rc 99 "a CSW fault at command 60 fails a check"
expect_out 'FAIL$' "the table marks the failed check"
expect_out '^[0-9]+ passed, [1-9][0-9]* failed$' "the summary counts it"

cp "$IMG" "$T/saved.img"
run -d "sim:$IMG?fault=disconnect@40" compliance
expect_rc 20 "a device that goes away: exit 20"
expect_err 'went away.*could not be restored' "it says the scratch area was not restored"
expect_out 'NOT RESTORED' "the table's header says so too"
check "and indeed the image differs" test "$(sum "$IMG")" != "$before"
cp "$T/saved.img" "$IMG"

run -d "sim:$IMG?ro=1" compliance
expect_rc 7 "a write-protected LUN: exit 7"
expect_err 'need a writable LUN' "it says the checks need a writable LUN"
if grep -q 'could not be restored' "$T/err"; then
	not_ok "nothing was written, so nothing is said to be unrestored" "$(what_ran)"
else
	ok "nothing was written, so nothing is said to be unrestored"
fi

run -d /dev/sg0 compliance
expect_rc 1 "an SG_IO node is refused"
expect_err 'usb:VID:PID.*sim:' "the refusal says to use usb: or sim:"
run -d /dev/sdz --json compliance
expect_rc 1 "a block node too, with --json"
expect_json "--json: the error document" 'd["error"]["status"] == 1'

run -d "sim:$IMG" compliance --lun 3
expect_rc 1 "a LUN the device does not have"
expect_err 'LUNs 0\.\.0' "it says which LUNs there are"
run -d "sim:$IMG" compliance --scratch-lba 8000
expect_rc 1 "a scratch area past the end"
run -d "sim:$IMG" compliance --scratch-lba x
expect_rc 1 "a scratch LBA that is not a number"
run -d "sim:$IMG" compliance extra
expect_rc 1 "no positional arguments"
check "refusals leave the image alone" test "$(sum "$IMG")" = "$before"

run compliance --help
expect_rc 0 "compliance --help"
expect_out '--scratch-lba LBA' "the help lists --scratch-lba"
expect_out 'Exit status: 0 every check passed; 99' "the help says what the exit status means"

done_testing
