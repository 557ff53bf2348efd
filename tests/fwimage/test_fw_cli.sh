#!/bin/bash
# usbmsc fw keygen | pack | inspect: key files, signed images, and every
# way an image can be wrong (exit 15), with the reason on stderr.
#
#   test_fw_cli.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

# The tests run inside $T, so the paths they were given must be absolute.
USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
cd "$T" || exit 1

# flip FILE OFFSET: change one bit of one byte.
flip() {
	python3 - "$1" "$2" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)[0]
    f.seek(off)
    f.write(bytes([b ^ 1]))
PY
}

# ---- keygen
run fw keygen sk.key pk.key
expect_rc 0 "keygen"
mode=$(stat -c %a sk.key)
if [ "$mode" = 600 ]; then ok "secret key file has mode 0600"; else not_ok "secret key file has mode 0600" "mode $mode"; fi
check "public key file starts with its header line" grep -qx 'usbmsc-fw-public-key ed25519' pk.key
check "secret key file starts with its header line" grep -qx 'usbmsc-fw-secret-key ed25519' sk.key
cp sk.key sk.orig

run fw keygen sk.key other.pub
expect_rc 15 "keygen over an existing secret key"
expect_err 'sk.key already exists' "says which file exists"
expect_err '[-]-force' "points to --force"
check "the secret key is unchanged" cmp -s sk.key sk.orig
check "no public key was written" test ! -e other.pub
run fw keygen sk2.key pk.key
expect_rc 15 "keygen over an existing public key"
check "no secret key was written either" test ! -e sk2.key

run --json fw keygen --force b.key b.pub
expect_rc 0 "keygen --json --force (new files)"
expect_json "keygen JSON names both files" 'd["secret_key"] == "b.key"' 'd["public_key"] == "b.pub"' \
	'len(d["public_key_hex"]) == 64'
run fw keygen b.key b.pub -f
expect_rc 0 "keygen -f replaces a pair"
run fw keygen same.key same.key
expect_rc 1 "keygen with one file for both keys"

# ---- pack
head -c 70001 /dev/urandom >app.bin
run fw pack --key sk.key --version 1.10 --version-number 110 --vid 1209 --pid 0001 \
	--vendor USBMSC --product 'Virtual Disk' --hw-rev 1:3 -o app.umfw app.bin
expect_rc 0 "pack"
size=$(stat -c %s app.umfw)
if [ "$size" = $((256 + 70001)) ]; then ok "image is header + payload"; else not_ok "image is header + payload" "size $size"; fi
check "image's payload is the payload" cmp -s app.bin <(tail -c +257 app.umfw)
check "no temporary file left" test -z "$(ls -a | grep -e '\.tmp-')"

run fw pack --key sk.key --version 1.0.0 --version-number 1 -o v5.umfw app.bin
expect_rc 1 "pack with a 5-character version"
expect_err "1 to 4 printable ASCII" "says what a version is"
check "no image for a bad version" test ! -e v5.umfw
run fw pack --key sk.key --version '' --version-number 1 -o v0.umfw app.bin
expect_rc 1 "pack with an empty version"
run fw pack --key sk.key --version '1 0' --version-number 1 -o v0.umfw app.bin
expect_rc 1 "pack with a space in the version"
run fw pack --key sk.key --version 1.0 --version-number 4294967296 -o x.umfw app.bin
expect_rc 1 "pack with a version number over 32 bits"
run fw pack --key sk.key --version 1.0 --version-number 1 --vid 0 -o x.umfw app.bin
expect_rc 1 "pack with --vid 0"
run fw pack --key sk.key --version 1.0 --version-number 1 --vid 12345 -o x.umfw app.bin
expect_rc 1 "pack with a VID over 16 bits"
run fw pack --key sk.key --version 1.0 --version-number 1 --hw-rev 5:2 -o x.umfw app.bin
expect_rc 1 "pack with a backwards hardware range"
run fw pack --key sk.key --version 1.0 --version-number 1 --vendor NINECHARS -o x.umfw app.bin
expect_rc 1 "pack with a 9-character vendor"
run fw pack --version 1.0 --version-number 1 -o x.umfw app.bin
expect_rc 1 "pack without --key"
run fw pack --key sk.key --version 1.0 --version-number 1 app.bin
expect_rc 1 "pack without -o"
run fw pack --key sk.key --version 1.0 --version-number 1 -o app.bin app.bin
expect_rc 1 "pack onto its own payload"
expect_err "own payload" "says it would overwrite the payload"
check "the payload survived" cmp -s app.bin <(tail -c +257 app.umfw)
run fw pack --key sk.key --version 1.0 --version-number 1 -o sk.key app.bin
expect_rc 1 "pack onto the secret key"
check "the secret key survived" cmp -s sk.key sk.orig
run fw pack --key pk.key --version 1.0 --version-number 1 -o x.umfw app.bin
expect_rc 15 "pack with the public key"
expect_err "holds a public key, not a secret key" "says it is the wrong key"
run fw pack --key sk.key --version 1.0 --version-number 1 -o x.umfw missing.bin
expect_rc 15 "pack a missing payload"
check "no image for a failed pack" test ! -e x.umfw
run fw pack --key sk.key --version 1.0 --version-number 1 --force -o x.umfw app.bin
expect_rc 1 "pack takes no --force"

# ---- inspect
run fw inspect app.umfw --key pk.key
expect_rc 0 "inspect --key on a good image"
for field in 'magic: +UMFW' 'format: +1' 'header length: +256' 'flags: +0x00000000' \
	'vid: +0x1209' 'pid: +0x0001' 'vendor: +USBMSC' 'product: +Virtual Disk' \
	'hw revision: +1 to 3' 'version: +1\.10$' 'version number: +110' \
	'payload length: +70001 bytes' 'sha256: +[0-9a-f]{64}$' 'signature: +[0-9a-f]{128}$' \
	'hash: +good' 'signature check: +good'; do
	expect_out "^$field" "inspect prints '$field'"
done
sha=$(sha256sum app.bin | cut -d' ' -f1)
expect_out "^sha256: +$sha$" "the header's SHA-256 is the payload's"

run fw inspect app.umfw
expect_rc 0 "inspect without a key"
expect_out '^signature check: +not checked' "says the signature was not checked"

run --json fw inspect app.umfw --key pk.key
expect_rc 0 "inspect --json"
expect_json "inspect JSON fields" 'd["magic"] == "UMFW"' 'd["format"] == 1' 'd["header_len"] == 256' \
	'd["flags"] == 0' 'd["vid"] == 0x1209' 'd["pid"] == 1' 'd["vendor"] == "USBMSC"' \
	'd["product"] == "Virtual Disk"' 'd["hw_rev_min"] == 1' 'd["hw_rev_max"] == 3' \
	'd["version"] == "1.10"' 'd["version_number"] == 110' 'd["payload_len"] == 70001' \
	"d['sha256'] == '$sha'" 'len(d["signature"]) == 128' 'd["hash_ok"] is True' \
	'd["signature_ok"] is True' 'd["ok"] is True'
run fw inspect --json app.umfw
expect_json "signature_ok is null without a key" 'd["signature_ok"] is None' 'd["hash_ok"] is True'

# an image that fits any device
run fw pack -k sk.key --version A --version-number 0 -o any.umfw app.bin
expect_rc 0 "pack with no identity options"
run fw inspect any.umfw
for field in 'vid: +any' 'pid: +any' 'vendor: +any' 'product: +any' 'hw revision: +any'; do
	expect_out "^$field$" "any-device image prints '$field'"
done
run --json fw inspect any.umfw
expect_json "any-device JSON" 'd["vid"] is None' 'd["pid"] is None' 'd["vendor"] is None' \
	'd["product"] is None' 'd["hw_rev_any"] is True'

# a flipped payload byte: the hash
cp app.umfw bad.umfw
flip bad.umfw 30000
run fw inspect bad.umfw --key pk.key
expect_rc 15 "flipped payload byte"
expect_err "SHA-256 does not match" "says the hash does not match"
expect_out '^hash: +BAD' "prints the bad hash"
run --json fw inspect bad.umfw --key pk.key
expect_rc 15 "flipped payload byte, JSON"
expect_json "JSON says hash_ok false" 'd["hash_ok"] is False' 'd["signature_ok"] is True' \
	'd["ok"] is False' '"SHA-256" in d["problem"]'

# a flipped byte of the signed header: the signature
cp app.umfw bad.umfw
flip bad.umfw 48
run fw inspect bad.umfw --key pk.key
expect_rc 15 "flipped version-number byte"
expect_err "signature does not verify" "says the signature does not verify"
expect_out '^signature check: +BAD' "prints the bad signature"
cp app.umfw bad.umfw
flip bad.umfw 200
run fw inspect bad.umfw --key pk.key
expect_rc 15 "flipped signature byte"
run --json fw inspect bad.umfw --key pk.key
expect_json "JSON says signature_ok false" 'd["signature_ok"] is False' 'd["hash_ok"] is True'

# a header byte that breaks the format: malformed
cp app.umfw bad.umfw
flip bad.umfw 100
run fw inspect bad.umfw
expect_rc 15 "non-zero reserved byte"
expect_err "malformed header: reserved" "says the header is malformed"
run --json fw inspect bad.umfw
expect_rc 15 "malformed header, JSON"
expect_json "JSON error document" 'd["error"]["status"] == 15'

# wrong key
run fw inspect app.umfw --key b.pub
expect_rc 15 "inspect with another public key"
expect_err "signature does not verify" "says the signature does not verify"
run fw inspect app.umfw --key sk.key
expect_rc 15 "inspect with the secret key as --key"
expect_err "holds a secret key, not a public key" "says it is the wrong kind of key"

# truncated and extended
head -c $((256 + 1000)) app.umfw >short.umfw
run fw inspect short.umfw --key pk.key
expect_rc 15 "truncated payload"
expect_err "truncated: the payload has 1000 bytes, the header says 70001" "says how much is missing"
expect_out '^payload: +1000 bytes: SHORTER' "prints the payload as shorter"
head -c 100 app.umfw >short.umfw
run fw inspect short.umfw
expect_rc 15 "cut inside the header"
expect_err "truncated: 100 bytes" "says the header is cut"
cat app.umfw app.bin >long.umfw
run fw inspect long.umfw
expect_rc 15 "extra bytes after the payload"
expect_err "too long" "says the file is longer"
run fw inspect app.bin
expect_rc 15 "not an image at all"
expect_err "not a firmware image" "says it is not an image"
run fw inspect missing.umfw
expect_rc 15 "missing image"

# CR LF line ends (a Windows editor, git's autocrlf) are accepted
printf 'usbmsc-fw-public-key ed25519\r\n%s\r\n' "$(sed -n 2p pk.key)" >crlf.pub
run fw inspect app.umfw --key crlf.pub
expect_rc 0 "public key with CR LF line ends"
sed 's/$/\r/' sk.key >crlf.key
run fw pack --key crlf.key --version 1.10 --version-number 110 -o crlf.umfw app.bin
expect_rc 0 "pack with a secret key with CR LF line ends"
run fw inspect crlf.umfw --key pk.key
expect_rc 0 "the image it signed verifies with the LF public key"
printf 'usbmsc-fw-public-key ed25519\r%s\r' "$(sed -n 2p pk.key)" >cr.pub
run fw inspect app.umfw --key cr.pub
expect_rc 15 "public key with lone CR line ends"

# a key file that is not what keygen writes
sed -n 2p pk.key | tr a-f A-F | sed '1i usbmsc-fw-public-key ed25519' >upper.pub
run fw inspect app.umfw --key upper.pub
expect_rc 15 "public key in upper-case hex"
head -c 32 /dev/urandom >raw.pub
run fw inspect app.umfw --key raw.pub
expect_rc 15 "a raw 32-byte public key"
expect_err "is not a public key file" "says it is not a key file"

# An empty payload is no firmware: refused, nothing written; from a pipe
# it can only be seen once read: packed, with a warning.
: >empty.bin
run fw pack --key sk.key --version 1 --version-number 1 -o empty.umfw empty.bin
expect_rc 15 "pack of an empty payload file"
expect_err "the payload empty.bin is empty" "says the payload is empty"
check "no image was written" test ! -e empty.umfw
run_in /dev/null fw pack --key sk.key --version 1 --version-number 1 -o empty.umfw /dev/stdin
expect_rc 0 "pack of an empty pipe"
expect_err "^usbmsc: fw pack: warning: the payload /dev/stdin was empty" "warns that it was empty"

# ---- the demo key pair
run fw pack --key "$ROOT/data/demo-fw-secret.key" --version DEMO --version-number 1 -o demo.umfw app.bin
expect_rc 0 "pack with the demo secret key"
run fw inspect demo.umfw --key "$ROOT/data/demo-fw-public.key"
expect_rc 0 "the demo public key verifies it"

# Known answer: docs/FIRMWARE-IMAGE.md's worked example, byte for byte
# (Ed25519 signatures are deterministic).
printf 'hello, firmware\n' >hello.bin
run fw pack --key "$ROOT/data/demo-fw-secret.key" --version 1.0 --version-number 100 \
	--vid 1209 --pid 0001 --vendor USBMSC --hw-rev 1:2 -o hello.umfw hello.bin
expect_rc 0 "pack the documented example"
sum=$(sha256sum hello.umfw | cut -d' ' -f1)
want=b65ee3d6a6eca4f1b823e3c3307400cdc31b718447fbac6e4affffd5d705a6b7
if [ "$sum" = "$want" ]; then ok "the example image is the documented one"; else
	not_ok "the example image is the documented one" "sha256 $sum, want $want" "$(od -A x -t x1 hello.umfw | head -20)"; fi

# ---- usage
run fw
expect_rc 1 "fw without a command"
run fw frob
expect_rc 1 "unknown fw command"
expect_err "keygen, pack, inspect, uf2, info, update, activate, confirm or cab" "lists the fw commands"
run fw inspect
expect_rc 1 "inspect without an image"
run fw inspect a b
expect_rc 1 "inspect with two images"
run fw inspect app.umfw --frob
expect_rc 1 "unknown option"
run fw inspect app.umfw --version 1
expect_rc 1 "inspect takes no --version"
run fw --key pk.key inspect app.umfw
expect_rc 1 "a subcommand's option before the subcommand"
run fw pack --help
expect_rc 0 "fw pack --help"
expect_out 'fw pack --key SECRET' "help shows pack's synopsis"
run help fw
expect_rc 0 "help fw"
run fw inspect -v app.umfw
expect_rc 0 "global -v after the subcommand"
run fw inspect -- app.umfw
expect_rc 0 "-- before the image"

# ---- fw update's --mode as sg_write_buffer spells it (dry runs on sim:)
# expect_done DESC EXPR...: the last line of stdout is the "done" event `d`.
expect_done() {
	local desc=$1
	shift
	if python3 - "$T/out" "$@" >"$T/py" 2>&1 <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
d = json.loads(lines[-1])
for expr in sys.argv[2:]:
    if not eval(expr, {"d": d, "lines": lines}):
        sys.exit("does not hold: %s\nevent: %s" % (expr, json.dumps(d)[:1500]))
PY
	then ok "$desc"; else not_ok "$desc" "$(cat "$T/py")" "$(what_ran)"; fi
}
for spelling in e 0e 0x0e 14 0eh dmc_offs_defer dmc_offs_d; do
	run -d sim:dev.img --json fw update --dry-run --mode "$spelling" hello.umfw
	expect_done "--mode $spelling is mode 0x0e" 'd["result"] == "dry-run"' 'd["mode"] == 14'
done
for spelling in 7 0x07 dmc_offs_save; do
	run -d sim:dev.img --json fw update --dry-run --mode "$spelling" hello.umfw
	expect_done "--mode $spelling is mode 0x07" 'd["mode"] == 7'
done
run -d sim:dev.img --json fw update --dry-run --mode dmc_save hello.umfw
expect_done "--mode dmc_save is mode 0x05" 'd["mode"] == 5'
run -d sim:dev.img fw update --dry-run --mode activate_mc hello.umfw
expect_rc 1 "--mode activate_mc is not a download mode"
expect_err "activate_mc is WRITE BUFFER mode 0x0f" "says which mode it is"
run -d sim:dev.img fw update --dry-run --mode 13 hello.umfw
expect_rc 1 "--mode 13 (dmc_offs_ev_defer)"
expect_err "mode 0x0d \(dmc_offs_ev_defer\)" "names the mode"
run -d sim:dev.img fw update --dry-run --mode bogus hello.umfw
expect_rc 1 "--mode bogus"

# ---- fw update --json: a usage error is the "done" event, as every other failure
run -d sim:dev.img --json fw update --mode bogus hello.umfw
expect_rc 1 "--json fw update with a bad --mode"
expect_done "the usage error is a done event" 'len(lines) == 1' 'd["event"] == "done"' \
	'd["ok"] is False' 'd["result"] == "failed"' 'd["status"] == 1' 'd["category"] == "usage"' \
	'"--mode" in d["message"]' 'd["image"]["path"] == "hello.umfw"' 'd["commands_sent"] == 0'
run -d sim:dev.img --json fw update
expect_rc 1 "--json fw update without an image"
expect_done "that too is a done event" 'len(lines) == 1' 'd["event"] == "done"' \
	'd["status"] == 1' 'd["image"] is None'
run -d sim:dev.img --json fw update --frob hello.umfw
expect_done "an unknown option is a done event" 'len(lines) == 1' 'd["category"] == "usage"'
env -u USBMSC_DEVICE "$USBMSC" --json fw update hello.umfw >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "--json fw update without a device"
expect_done "no device: a done event" 'len(lines) == 1' 'd["event"] == "done"' 'd["status"] == 1'
run -d sim:dev.img --json fw update --key missing.pub hello.umfw
expect_rc 15 "--json fw update with a missing key file"
expect_done "a key file that cannot be read: a done event" 'len(lines) == 1' 'd["status"] == 15'
run -d sim:dev.img --json fw inspect
expect_json "other fw commands keep the error document" 'd["error"]["status"] == 1'

done_testing
