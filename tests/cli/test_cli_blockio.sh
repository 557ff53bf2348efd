#!/bin/bash
# usbmsc read and write against the virtual device: round trips, JSON,
# streaming, and the size and range checks that must refuse before any
# block moves.
. "$(dirname "$0")/lib.sh"

IMG=$T/disk.img
DEV="sim:$IMG"
sum() { sha256sum "$1" | cut -d' ' -f1; }

# Eight blocks of recognisable data.
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + i // 512) & 0xFF for i in range(4096)))' >"$T/eight.bin"

run -d "$DEV" write 100 "$T/eight.bin"
expect_rc 0 "write 8 blocks at LBA 100"
expect_out '^wrote 8 blocks \(4096 bytes\) at LBA 100$' "write says what it wrote"
check "the image holds the data at byte 100 x 512" \
	cmp -s "$T/eight.bin" <(dd if="$IMG" bs=512 skip=100 count=8 status=none)

run -d "$DEV" read 100 8 -o "$T/back.bin"
expect_rc 0 "read 8 blocks into a file"
check "the blocks read back equal the file byte for byte" cmp -s "$T/eight.bin" "$T/back.bin"

run -d "$DEV" read 100 8
expect_rc 0 "read to a pipe"
check "read without -o writes raw bytes when stdout is not a terminal" cmp -s "$T/eight.bin" "$T/out"

run -d "$DEV" --json read 100 2
expect_rc 0 "read --json"
expect_json "read JSON has lba, blocks, block_size and the data in hex" \
	'd["lba"] == 100' 'd["blocks"] == 2' 'd["block_size"] == 512' 'd["bytes"] == 1024' \
	"d['data'] == open('$T/eight.bin', 'rb').read()[:1024].hex()"

run -d "$DEV" --json read 100 8 -o "$T/back2.bin"
expect_json "read --json -o reports the file instead of the data" \
	"d['file'] == '$T/back2.bin'" '"data" not in d' 'd["blocks"] == 8'
check "read --json -o still writes the file" cmp -s "$T/eight.bin" "$T/back2.bin"

# Writing from standard input; JSON of write.
head -c 1024 /dev/urandom >"$T/two.bin"
run_in "$T/two.bin" -d "$DEV" --json write 0x10 -
expect_rc 0 "write from standard input"
expect_json "write JSON" 'd == {"lba": 16, "blocks": 2, "bytes": 1024}'
check "the data from standard input landed at LBA 16" \
	cmp -s "$T/two.bin" <(dd if="$IMG" bs=512 skip=16 count=2 status=none)

# Through a pipe, which cannot tell its size up front.
cat "$T/two.bin" | timeout 20 "$USBMSC" -d "$DEV" write 20 - >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "write from a pipe"
check "the piped data landed at LBA 20" \
	cmp -s "$T/two.bin" <(dd if="$IMG" bs=512 skip=20 count=2 status=none)

# A large transfer streams in pieces and survives the round trip.
head -c $((6 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
run -d "$DEV" write 1000 "$T/big.bin"
expect_rc 0 "write 6 MiB"
run -d "$DEV" read 1000 12288 -o "$T/big-back.bin"
expect_rc 0 "read 6 MiB"
check "6 MiB read back equal" cmp -s "$T/big.bin" "$T/big-back.bin"
run -d "$DEV" --json read 0 4096
expect_rc 1 "read --json of 2 MiB is refused"
expect_err 'at most 1 MiB' "the refusal says why"
expect_json "the refusal is a JSON error document" 'd["error"]["status"] == 1'

# ---- refusals that must change nothing
before=$(sum "$IMG")
head -c 1000 /dev/urandom >"$T/odd.bin"
run -d "$DEV" write 0 "$T/odd.bin"
expect_rc 15 "write of a file that is not a whole number of blocks"
expect_err '1000 bytes, not a whole number of 512-byte blocks' "the error says the size and the block size"
check "the refused write changed nothing" test "$(sum "$IMG")" = "$before"

run_in "$T/odd.bin" -d "$DEV" write 0 -
expect_rc 15 "the same from standard input"
check "the refused write from standard input changed nothing" test "$(sum "$IMG")" = "$before"

: >"$T/empty.bin"
run -d "$DEV" write 0 "$T/empty.bin"
expect_rc 15 "write of an empty file"

run -d "$DEV" write 131071 "$T/two.bin"
expect_rc 5 "write of 2 blocks at the last LBA"
expect_err 'past the end of the LUN \(131072 blocks, last LBA 131071\); nothing written' \
	"the error gives the size of the LUN"
check "the refused write past the end changed nothing" test "$(sum "$IMG")" = "$before"

run -d "$DEV" write 0 "$T/nonexistent.bin"
expect_rc 15 "write of a missing file"

run -d "$DEV" read 131071 2
expect_rc 5 "read past the end"
expect_err 'past the end of the LUN' "read past the end says so"
check "read past the end wrote nothing to stdout" test ! -s "$T/out"
run -d "$DEV" read 131072 1
expect_rc 5 "read at LBA = number of blocks"
run -d "$DEV" read 131071 1 -o "$T/last.bin"
expect_rc 0 "read of the last block"
check "the last block is 512 bytes" test "$(stat -c %s "$T/last.bin")" -eq 512

run -d "$DEV" read 0 0
expect_rc 1 "read of 0 blocks is a usage error"
run -d "$DEV" read x 1
expect_rc 1 "read with a bad LBA"
run -d "$DEV" read 0
expect_rc 1 "read without COUNT"
run -d "$DEV" read 0 1 -o "$T/no/such/dir/out.bin"
expect_rc 15 "read into a file that cannot be created"
check "the image is still unchanged after the refusals" test "$(sum "$IMG")" = "$before"

# ---- -o FILE is replaced only by a read that succeeds
printf 'the old contents\n' >"$T/keep.bin"
chmod 640 "$T/keep.bin"
run -d "$DEV?fault=stall-in@4" read 0 1 -o "$T/keep.bin"
expect_rc 11 "a failing read into an existing file"
expect_err "^usbmsc: read: $T/keep.bin is left as it was$" "says the file is left as it was"
check "the old file keeps its contents" test "$(cat "$T/keep.bin")" = "the old contents"
run -d "$DEV?fault=stall-in@4" read 0 1 -o "$T/new.bin"
expect_rc 11 "a failing read into a new file"
check "creates no file" test ! -e "$T/new.bin"
check "no temporary file is left" test -z "$(ls -a "$T" | grep -e '\.tmp-')"
run -d "$DEV" read 100 8 -o "$T/keep.bin"
expect_rc 0 "a read that succeeds replaces the file"
check "with the blocks read" cmp -s "$T/eight.bin" "$T/keep.bin"
check "keeping its permissions" test "$(stat -c %a "$T/keep.bin")" = 640
ln -s keep.bin "$T/link.bin"
run -d "$DEV" read 16 2 -o "$T/link.bin"
expect_rc 0 "a read into a symbolic link"
check "the link stays a link" test -L "$T/link.bin"
check "the file it names has the blocks" cmp -s "$T/two.bin" "$T/keep.bin"
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/from-fifo.bin" &
run -d "$DEV" read 100 8 -o "$T/fifo"
wait
expect_rc 0 "a read into a named pipe"
check "the pipe got the blocks as they came" cmp -s "$T/eight.bin" "$T/from-fifo.bin"

# ---- the device's own image is never an output
run -d "$DEV" read 0 8 -o "$IMG"
expect_rc 1 "read -o the device's own image"
expect_err "^usbmsc: read: -o $IMG is the device's own image" "says why"
check "the image is untouched" test "$(sum "$IMG")" = "$before"
ln -s disk.img "$T/alias.img"
run -d "sim:$T/alias.img" read 0 8 -o "$IMG"
expect_rc 1 "the same image by another name"
check "the image is still untouched" test "$(sum "$IMG")" = "$before"
cp "$IMG" "$T/other.img"
hold_lock "$T/other.img"
run -d "$DEV" read 0 8 -o "$T/other.img"
expect_rc 21 "read -o an image another process holds"
expect_err "^usbmsc: read: -o $T/other.img: $T/other.img is in use by $(holder_re "$holder")" \
	"names the holder"
release_lock
check "that image is untouched" test "$(sum "$T/other.img")" = "$before"

# ---- write from a pipe stops reading once more than the LUN holds came
python3 -c 'import sys
n = 0
try:
    while n < (256 << 20):
        sys.stdout.buffer.write(bytes(65536))
        n += 65536
    sys.stdout.flush()
except BrokenPipeError:
    pass
open(sys.argv[1], "w").write(str(n))
sys.stderr.close()' "$T/produced" | timeout 20 "$USBMSC" -d "sim:$T/small.img?size=1M" write 0 - \
	>"$T/out" 2>"$T/err"
rc=${PIPESTATUS[1]}
expect_rc 5 "write of 256 MiB from a pipe to a 1 MiB LUN"
expect_err "standard input holds more than the 1048576 bytes from LBA 0 to the end of the LUN \(2048 blocks, last LBA 2047\); nothing written" \
	"says how much fits"
check "it stopped reading after about what fits ($(cat "$T/produced") bytes taken)" \
	test "$(cat "$T/produced")" -le $((4 * 1024 * 1024))
head -c 512 /dev/zero | timeout 20 "$USBMSC" -d "sim:$T/small.img" write 2048 - >"$T/out" 2>"$T/err"
rc=${PIPESTATUS[1]}
expect_rc 5 "write from a pipe at the end of the LUN"
expect_err "holds more than the 0 bytes from LBA 2048" "nothing fits there"

# Write-protected image: DATA PROTECT, nothing changed.
run -d "sim:$IMG?ro=1" write 0 "$T/two.bin"
expect_rc 7 "write to a read-only virtual device"
expect_err 'DATA PROTECT' "the error says DATA PROTECT"
check "the read-only device's image is unchanged" test "$(sum "$IMG")" = "$before"

done_testing
