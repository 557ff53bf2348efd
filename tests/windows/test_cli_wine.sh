#!/bin/bash
# usbmsc.exe under wine: the command's core flows on the virtual device, as
# a Windows user meets them. The shell tests of tests/cli/ and the others
# run the command directly and are for POSIX hosts; this one runs the
# Windows build's through the runner in $USBMSC_RUN (wine, its words
# separated by spaces), a few dozen starts of wine:
#   inquiry; a write and a read back (to a file with -o, and through a
#   pipe: binary standard output); fw pack and fw inspect; a whole fw
#   update (the version before and after); a forged image refused before
#   anything is sent (exit 15); list (discovery through SetupAPI, nothing
#   to find under wine); a disk path that is not there.
#
#   test_cli_wine.sh USBMSC_EXE SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

EXE=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
read -r -a RUN <<<"${USBMSC_RUN:?the wine runner (set by meson)}"
# lib.sh runs "$USBMSC": a wrapper that starts the Windows program.
USBMSC=$T/usbmsc
{ printf '#!/bin/sh\nexec'; printf ' %q' "${RUN[@]}" "$EXE"; printf ' "$@"\n'; } >"$USBMSC"
chmod +x "$USBMSC"
# Relative names: wine reads them against the folder the test runs in.
cd "$T" || exit 1
cp "$ROOT/data/demo-fw-secret.key" sk.key
cp "$ROOT/data/demo-fw-public.key" pk.key

# ---- a command, and data both ways
run -d sim:disk.img inquiry
expect_rc 0 "inquiry"
expect_out 'USBMSC' "inquiry: the vendor"

head -c 4096 /dev/urandom >blocks.bin
printf '\r\n\032\n' | dd of=blocks.bin conv=notrunc 2>/dev/null   # CR LF ^Z LF at the start
run -d sim:disk.img write 100 blocks.bin
expect_rc 0 "write 8 blocks"
run -d sim:disk.img read 100 8 -o back.bin
expect_rc 0 "read them back with -o"
check "read -o: the same bytes" cmp -s blocks.bin back.bin
run -d sim:disk.img read 100 8
expect_rc 0 "read them to standard output"
check "read to a pipe: the same bytes (binary stdout)" cmp -s blocks.bin "$T/out"

# ---- firmware images
head -c $((1024 * 1024 + 1000)) /dev/urandom >payload.bin
run fw pack --key sk.key --version 0200 --version-number 2 --vid 1209 --pid 0001 \
	--vendor USBMSC --product 'Virtual Disk' -o app.umfw payload.bin
expect_rc 0 "fw pack"
run --json fw inspect app.umfw --key pk.key
expect_rc 0 "fw inspect"
expect_json "fw inspect: version 0200, hash and signature good" \
	'd["version"] == "0200"' 'd["hash_ok"] is True' 'd["signature_ok"] is True'

# ---- a whole update
run -d sim:fw.img --json fw info
expect_json "fw info before: 0100 runs" 'd["active"]["version"] == "0100"'
run -d sim:fw.img fw update app.umfw --key pk.key
expect_rc 0 "fw update"
run -d sim:fw.img --json fw info
expect_json "fw info after: 0200 runs, confirmed" 'd["active"]["version"] == "0200"' \
	'd["trial"] is False' 'd["pending"] is None'

# ---- a forged image: one byte of the payload changed
cp app.umfw forged.umfw
printf 'X' | dd of=forged.umfw bs=1 seek=200000 conv=notrunc 2>/dev/null
run -d sim:fw.img fw update forged.umfw --key pk.key
expect_rc 15 "a forged image is refused"
run -d sim:fw.img --json fw info
expect_json "still 0200 after the refusal" 'd["active"]["version"] == "0200"'

# ---- Windows' own views
run list
expect_rc 0 "list: discovery answers"
expect_out 'no USB mass-storage devices found' "... that wine has no USB disk"
run -d '\\.\PhysicalDrive4242' inquiry
expect_rc 20 "a disk that is not there"
expect_err 'PhysicalDrive4242: no such disk or volume' "... says so"

echo "1..$tap_n"
