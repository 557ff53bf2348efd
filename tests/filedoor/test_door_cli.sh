#!/bin/bash
# The file door through the usbmsc command: fw uf2 and fw inspect of UF2
# files (and every way one can be wrong), then the virtual device with
# file-door=1: its door volume read out whole through LUN 1 is a FAT file
# system fsck.fat -n finds clean and mtools reads, before and after an
# update copied through the LUN; refused files leave the old version.
#
#   test_door_cli.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
SK=$ROOT/data/demo-fw-secret.key
PK=$ROOT/data/demo-fw-public.key
cd "$T" || exit 1

DEV="sim:$T/disk.img?file-door=1&fw-slot=1M"
SECTORS=262145  # the door LUN: the MBR, then 128 MiB

# py EXPR...: run Python lines with sys imported.
py() {
	python3 -c "import sys
$1" "${@:2}"
}

# ---- fw uf2
head -c 20000 /dev/urandom >app.bin
run fw pack --key "$SK" --version 0200 --version-number 2 --vid 1209 --pid 0001 -o app.umfw app.bin
expect_rc 0 "pack an image"
run fw uf2 app.umfw -o app.uf2 --key "$PK"
expect_rc 0 "fw uf2 wraps it"
blocks=$(( (20000 + 256 + 255) / 256 ))
size=$(stat -c %s app.uf2)
if [ "$size" = $((blocks * 512)) ]; then ok "one 512-byte block per 256 image bytes"; else not_ok "one 512-byte block per 256 image bytes" "size $size, want $((blocks * 512))"; fi
check "block 0 carries the header at address 0, family f474b2b7" py '
b = open("app.uf2", "rb").read()
img = open("app.umfw", "rb").read()
le = lambda o: int.from_bytes(b[o:o + 4], "little")
n = len(b) // 512
for i in range(n):
    o = i * 512
    assert le(o) == 0x0A324655 and le(o + 4) == 0x9E5D5157 and le(o + 508) == 0x0AB16F30
    assert le(o + 12) == 256 * i and le(o + 16) == 256 and le(o + 20) == i and le(o + 24) == n
    assert le(o + 28) == 0xF474B2B7 and le(o + 8) == 0xA000
    assert b[o + 32:o + 288] == img[256 * i:256 * i + 256].ljust(256, b"\0")
    assert b[o + 288:o + 296] == b"\x08\xbc\xc7\x9f0200"'
run fw uf2 app.umfw -o app.umfw
expect_rc 1 "fw uf2 refuses to write over its image"
run fw uf2 app.umfw
expect_rc 1 "fw uf2 needs -o"
run --json fw uf2 app.umfw -o j.uf2
expect_rc 0 "fw uf2 --json"
expect_json "its JSON tells blocks, family, version" "d['blocks'] == $blocks" \
	"d['family'] == 0xF474B2B7" "d['version'] == '0200'" "d['uf2_len'] == $((blocks * 512))" \
	"d['signature_checked'] == False"
cp app.umfw bad.umfw
printf 'x' | dd of=bad.umfw bs=1 seek=3000 conv=notrunc status=none
run fw uf2 bad.umfw -o bad.uf2
expect_rc 15 "fw uf2 refuses a damaged image"
check "and writes nothing" test ! -e bad.uf2
run fw keygen other.key other.pub
run fw uf2 app.umfw -o x.uf2 --key other.pub
expect_rc 15 "fw uf2 --key: another key's image is refused"
expect_err "signature" "says the signature is wrong"

# ---- fw inspect of UF2 files
run fw inspect app.uf2 --key "$PK"
expect_rc 0 "fw inspect reads a UF2 file"
expect_out "container: +UF2, $blocks blocks of family 0xf474b2b7" "it names the container"
expect_out "version tag: +0200" "and the version tag"
expect_out "signature check: +good" "the same checks as an image"
run --json fw inspect app.uf2
expect_json "inspect JSON of a UF2 file: the image, and uf2" "d['ok'] is True" \
	"d['version'] == '0200'" "d['payload_len'] == 20000" "d['uf2']['blocks'] == $blocks" \
	"d['uf2']['version_tag'] == '0200'"
run fw inspect app.uf2 --key other.pub
expect_rc 15 "inspect: a UF2 file whose image another key signed"
head -c $(( (blocks - 1) * 512 )) app.uf2 >short.uf2
run fw inspect short.uf2
expect_rc 15 "inspect: a UF2 file with its last block missing"
expect_err "block $((blocks - 1)) of $blocks is missing" "says which block"
head -c $(( blocks * 512 - 100 )) app.uf2 >cut.uf2
run fw inspect cut.uf2
expect_rc 15 "inspect: a UF2 file cut inside a block"
py '
b = bytearray(open("app.uf2", "rb").read())
b[512 * 3 + 40] ^= 1
open("flip.uf2", "wb").write(b)
r = bytearray(b[:512]) + b
open("twice.uf2", "wb").write(r)
o = bytearray(open("app.uf2", "rb").read())
for i in range(len(o) // 512):
    o[i * 512 + 28:i * 512 + 32] = (0xE48BFF56).to_bytes(4, "little")
open("rp2040.uf2", "wb").write(o)'
run fw inspect flip.uf2
expect_rc 15 "inspect: one payload bit changed"
expect_err "SHA-256" "the hash is wrong"
run fw inspect twice.uf2
expect_rc 15 "inspect: a block twice"
run fw inspect rp2040.uf2
expect_rc 15 "inspect: only another family's blocks"
expect_err "no usbmsc image" "says so"
cat rp2040.uf2 app.uf2 >both.uf2
run fw inspect both.uf2 --key "$PK"
expect_rc 0 "inspect: another family's blocks beside ours are skipped"
# A UF2 file of an image whose payload was cut before wrapping.
py '
img = open("app.umfw", "rb").read()[:256 + 10000]
n = (len(img) + 255) // 256
out = bytearray()
u = open("app.uf2", "rb").read()
for i in range(n):
    blk = bytearray(u[i * 512:(i + 1) * 512])
    blk[24:28] = n.to_bytes(4, "little")
    blk[32:288] = img[256 * i:256 * i + 256].ljust(256, b"\0")
    out += blk
open("trunc.uf2", "wb").write(out)'
run fw inspect trunc.uf2
expect_rc 15 "inspect: a truncated image in a complete UF2 file"
expect_err "truncated" "says truncated"

# ---- the door of the virtual device
# volume WHAT: read the door LUN whole; part.img is its partition.
volume() {
	run -d "$DEV" --lun 1 read 0 $SECTORS -o vol.img
	expect_rc 0 "$1: the door volume reads whole"
	dd if=vol.img of=part.img bs=512 skip=1 status=none
}

# checks WHAT VERSION STATUS: fsck.fat and mtools on part.img.
checks() {
	local what=$1 version=$2 status=$3
	if fsck.fat -n part.img >fsck.out 2>&1; then
		ok "$what: fsck.fat -n finds the volume clean"
	else
		not_ok "$what: fsck.fat -n finds the volume clean" "$(cat fsck.out)"
	fi
	if mdir -i part.img :: >mdir.out 2>&1 && grep -q 'INFO_UF2 TXT' mdir.out &&
		grep -q 'INDEX    HTM' mdir.out && grep -q 'STATUS   TXT' mdir.out &&
		grep -q 'CURRENT  UF2' mdir.out; then
		ok "$what: mdir lists the four files"
	else
		not_ok "$what: mdir lists the four files" "$(cat mdir.out)"
	fi
	mtype -i part.img ::INFO_UF2.TXT >info.txt 2>&1
	check "$what: INFO_UF2.TXT has the bootloader, Model:, Board-ID: and the version" \
		py 'l = open("info.txt").read().split("\n")
assert l[0].startswith("UF2 Bootloader") and l[1].startswith("Model: ")
assert l[2].startswith("Board-ID: ") and l[3] == "Firmware: " + sys.argv[1]' "$version"
	mtype -i part.img ::INDEX.HTM >index.htm 2>&1
	check "$what: INDEX.HTM links to the product page" grep -q 'url=https://' index.htm
	mtype -i part.img ::STATUS.TXT >status.txt 2>&1
	check "$what: STATUS.TXT is 64 bytes, its line padded with spaces" \
		py 'b = open("status.txt", "rb").read()
assert len(b) == 64 and b.endswith(b"\n") and b"\n" not in b[:-1]'
	if [ "$(sed 's/ *$//' status.txt)" = "$status" ]; then
		ok "$what: STATUS.TXT says \"$status\""
	else
		not_ok "$what: STATUS.TXT says \"$status\"" "it says: $(cat status.txt)"
	fi
	rm -f current.uf2
	mcopy -i part.img ::CURRENT.UF2 current.uf2 2>/dev/null
	run fw inspect current.uf2 --key "$PK"
	expect_rc 0 "$what: CURRENT.UF2 is the running image (fw inspect)"
	expect_out "version: +$version" "$what: CURRENT.UF2 is version $version"
}

if ! command -v fsck.fat >/dev/null || ! command -v mdir >/dev/null; then
	echo "# fsck.fat or mtools missing: scripts/deps.sh test installs them"
	not_ok "dosfstools and mtools are installed"
	done_testing
fi

volume "before"
# The factory image has an empty payload and no signature: check it by hand.
check "before: fsck.fat -n finds the volume clean" sh -c "fsck.fat -n part.img >/dev/null"
check "before: STATUS.TXT waits" sh -c 'mtype -i part.img ::STATUS.TXT | grep -qx "Waiting for a UF2 file. *"'
check "before: INFO_UF2.TXT tells the factory version" \
	sh -c 'mtype -i part.img ::INFO_UF2.TXT | grep -qx "Firmware: 0100"'

# Refused files: the old version runs after them.
run fw pack --key other.key --version 0300 --version-number 3 -o forged.umfw app.bin
run fw uf2 forged.umfw -o forged.uf2
run -d "$DEV" --lun 1 write 5000 forged.uf2
expect_rc 0 "a forged UF2 file is written (and dropped) like any data"
run fw pack --key "$SK" --version 0300 --version-number 3 --pid 0002 -o other.umfw app.bin
run fw uf2 other.umfw -o other.uf2
run -d "$DEV" --lun 1 write 5000 other.uf2
run -d "$DEV" inquiry
expect_out "revision: +0100" "after refused files the old version runs"

# The update, copied through the LUN with junk before it; it activates as
# the device closes (the quiet time passes) and runs at the next open.
head -c 4096 /dev/urandom >junk.bin
cat junk.bin app.uf2 junk.bin >copy.bin
run -d "$DEV" --lun 1 write 7000 copy.bin
expect_rc 0 "the UF2 file is copied through the door LUN"
run -d "$DEV" inquiry
expect_out "revision: +0200" "the next open runs the new version"
volume "after"
checks "after" 0200 "Updated from 0100 to 0200."
done_testing
