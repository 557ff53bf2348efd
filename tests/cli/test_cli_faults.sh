#!/bin/bash
# Fault injection through the command line: for each fault the virtual
# device can inject, the exit status, the recovery note under -v, a bounded
# run time, and an image that a failed write leaves untouched.
. "$(dirname "$0")/lib.sh"

IMG=$T/disk.img
sum() { sha256sum "$1" | cut -d' ' -f1; }

# N counts every command the device receives, from 1, and a fault fires at
# the first command at or after N that it applies to (docs/SIM.md). Each run
# starts the virtual device afresh, so `read LBA 1` sends READ CAPACITY
# (1), which meets the power-on unit attention, REQUEST SENSE (2), READ
# CAPACITY again (3), then READ(10) (4); `write` the same with WRITE(10).
# The faults aim at command 4, the data command.
DATA_CMD=4

# Give the image known contents, and a block to write that differs from them.
run -d "sim:$IMG" capacity
expect_rc 0 "a fresh 64 MiB image"
head -c 512 /dev/urandom >"$T/block.bin"
before=$(sum "$IMG")

# fault expected-status: recovered faults exit 0 with a note under -v.
recovered="stall-csw bad-csw-signature bad-csw-tag short-csw residue-too-big phase-error timeout"
for kind in $recovered; do
	run -v --timeout 2 -d "sim:$IMG?fault=$kind@$DATA_CMD" read 0 1 -o "$T/r.bin"
	expect_rc 0 "read with fault $kind recovers"
	expect_err '^usbmsc: note: ' "-v shows how $kind was recovered"
	check "$kind: finishes within a few seconds ($secs s)" test "$secs" -le 10
	check "$kind: the block read is the image's block 0" \
		cmp -s "$T/r.bin" <(head -c 512 "$IMG")
done

run -v --timeout 2 -d "sim:$IMG?fault=stall-in@$DATA_CMD" read 0 1
expect_rc 11 "read with fault stall-in fails as ABORTED COMMAND"
check "stall-in: finishes within a few seconds ($secs s)" test "$secs" -le 10
expect_err '^usbmsc: read: ' "stall-in: an error line"

run -v --timeout 2 -d "sim:$IMG?fault=stall-out@$DATA_CMD" write 7 "$T/block.bin"
expect_rc 11 "write with fault stall-out fails as ABORTED COMMAND"
check "stall-out: finishes within a few seconds ($secs s)" test "$secs" -le 10
check "stall-out: the failed write left the image unchanged" test "$(sum "$IMG")" = "$before"

# A fault waits for the first command at or after N that it applies to: a
# read has no data-out stage, so stall-out never fires and the read works.
run -v --timeout 2 -d "sim:$IMG?fault=stall-out@$DATA_CMD" read 0 1 -o "$T/r.bin"
expect_rc 0 "read with fault stall-out: nothing to stall"
check "stall-out on a read: the block is the image's block 0" cmp -s "$T/r.bin" <(head -c 512 "$IMG")

run -v --timeout 2 -d "sim:$IMG?fault=disconnect@$DATA_CMD" read 0 1
expect_rc 20 "read with fault disconnect: no such device"
check "disconnect: finishes within a few seconds ($secs s)" test "$secs" -le 10
expect_err "^usbmsc: hint: check the URI" "disconnect: the hint says to check the device"

run -v --timeout 2 -d "sim:$IMG?fault=disconnect@$DATA_CMD" write 7 "$T/block.bin"
expect_rc 20 "write with fault disconnect: no such device"
check "disconnect: the failed write left the image unchanged" test "$(sum "$IMG")" = "$before"

# The faults in the JSON of raw: a recovered one reads as good.
run --timeout 2 -d "sim:$IMG?fault=bad-csw-tag@1" --json raw 12 00 00 00 24 00 --in 36
expect_rc 0 "raw INQUIRY with fault bad-csw-tag recovers"
expect_json "raw JSON after the recovery" 'd["status"] == "good"' 'd["data"].startswith("00")'

# A recovered write lands exactly once, and only there.
run -v --timeout 2 -d "sim:$IMG?fault=bad-csw-signature@$DATA_CMD" write 7 "$T/block.bin"
expect_rc 0 "write with fault bad-csw-signature recovers"
check "the recovered write landed at LBA 7" \
	cmp -s "$T/block.bin" <(dd if="$IMG" bs=512 skip=7 count=1 status=none)

done_testing
