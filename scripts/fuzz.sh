#!/bin/sh
# Build the libFuzzer harnesses with clang and run each one for SECONDS.
#
# usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
#
# BUILD_DIR is configured (CC=clang, -Dfuzz=true, -Dtests=disabled) when it
# does not exist yet. Each harness keeps a corpus in BUILD_DIR/fuzz-corpus/
# NAME, seeded with a few valid inputs (and any files under
# tests/fuzz/seeds/NAME/), so later runs start where earlier ones stopped.
# Prints one line per harness; exits 1 if any harness crashed or broke an
# invariant (the input is kept in BUILD_DIR/fuzz-artifacts/).
set -eu

usage() {
	echo "usage: $0 BUILD_DIR [SECONDS]" >&2
	exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
build=$1
secs=${2:-30}
case $secs in '' | *[!0-9]*) usage ;; esac
src=$(cd "$(dirname "$0")/.." && pwd)
harnesses="fuzz_csw fuzz_cbw fuzz_sense fuzz_vpd fuzz_target fuzz_fwimage fuzz_usbdesc fuzz_hostile fuzz_uf2 fuzz_door fuzz_fwengine"

configure() {
	if [ ! -f "$build/build.ninja" ]; then
		CC=clang meson setup "$build" "$src" -Dfuzz=true -Dtests=disabled >"$build.setup.log" 2>&1 ||
			{ cat "$build.setup.log" >&2; exit 1; }
		rm -f "$build.setup.log"
	fi
	# An existing directory must be a clang one: meson cannot switch compilers.
	if ! grep -A1 '^rule c_COMPILER$' "$build/build.ninja" | grep -q 'command = clang'; then
		echo "$build was configured without clang; remove it or pick another" >&2
		exit 1
	fi
	meson configure "$build" -Dfuzz=true >/dev/null
}

# Build only the harnesses, so that unrelated targets cannot stop fuzzing.
build_harnesses() {
	targets=""
	for h in $harnesses; do
		[ -f "$src/tests/fuzz/$h.c" ] && targets="$targets tests/fuzz/$h"
	done
	# shellcheck disable=SC2086 # one word per target
	ninja -C "$build" $targets >"$build/fuzz-build.log" 2>&1 ||
		{ tail -40 "$build/fuzz-build.log" >&2; exit 1; }
}

# A few valid inputs per wire harness, in each harness's input layout.
write_seeds() {
	python3 - "$build/fuzz-corpus" <<'EOF'
import os, struct, sys

root = sys.argv[1]

def seed(harness, name, data):
    d = os.path.join(root, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)

def csw(tag, residue, status):
    return b'USBS' + struct.pack('<II', tag, residue) + bytes([status])

def cbw(tag, length, flags, lun, cdb):
    return (b'USBC' + struct.pack('<II', tag, length) + bytes([flags, lun, len(cdb)])
            + cdb + bytes(16 - len(cdb)))

# fuzz_csw: expected tag, host length, CSW
seed('fuzz_csw', 'passed', struct.pack('<II', 7, 512) + csw(7, 0, 0))
seed('fuzz_csw', 'failed', struct.pack('<II', 7, 512) + csw(7, 512, 1))
seed('fuzz_csw', 'phase', struct.pack('<II', 9, 0) + csw(9, 0, 2))
# fuzz_cbw: max LUN, CBW
seed('fuzz_cbw', 'inquiry', bytes([0]) + cbw(1, 36, 0x80, 0, bytes([0x12, 0, 0, 0, 36, 0])))
seed('fuzz_cbw', 'read10', bytes([1]) + cbw(2, 512, 0x80, 1, bytes([0x28] + [0] * 6 + [0, 1, 0])))
seed('fuzz_cbw', 'write10', bytes([0]) + cbw(3, 512, 0x00, 0, bytes([0x2A] + [0] * 6 + [0, 1, 0])))
# fuzz_sense: describe size, asc_text size, sense
seed('fuzz_sense', 'fixed', bytes([96, 64, 0xF0, 0, 0x23, 0, 0, 0x12, 0x34, 10, 0, 0, 0, 0,
                                   0x11, 0, 0, 0x80, 0, 0x0A]))
seed('fuzz_sense', 'desc', bytes([96, 64, 0x72, 0x05, 0x24, 0, 0, 0, 0, 20,
                                  0, 10, 0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8,
                                  2, 6, 0, 0, 0xC0, 0, 2, 0]))
seed('fuzz_sense', 'range', bytes([40, 20, 0x71, 0, 0x04, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x40, 0x85, 0, 0, 0, 0]))
# fuzz_vpd: knob, page
seed('fuzz_vpd', 'supported', bytes([8, 0, 0x00, 0, 5, 0x00, 0x80, 0x83, 0x86, 0xB0]))
seed('fuzz_vpd', 'serial', bytes([32, 0, 0x80, 0, 8]) + b'  SN1234')
seed('fuzz_vpd', 'devid', bytes([4, 0, 0x83, 0, 24,
                                 0x01, 0x03, 0, 8, 0x50, 1, 2, 3, 4, 5, 6, 7,
                                 0x02, 0x01, 0, 8]) + b'ACME    ')
seed('fuzz_vpd', 'extinq', bytes([0, 0, 0x86, 0, 0x3C, 0x80, 0x3F, 0x0F, 1, 0x11, 3, 0, 30, 0xE0, 252])
     + bytes(50))
seed('fuzz_vpd', 'blocklimits', bytes([0, 0, 0xB0, 0, 0x3C, 1, 16, 0, 8, 0, 0, 8, 0])
     + bytes(20) + bytes([0x80, 0, 0, 7]) + bytes(28))
seed('fuzz_vpd', 'inquiry', bytes([0, 0x00, 0x80, 0x06, 0x02, 0x1F, 0, 0, 0])
     + b'Generic Flash Disk      8.07')
seed('fuzz_vpd', 'capacity16', bytes([0]) + struct.pack('>QI', 0x123456, 512) + bytes(20))
# fuzz_uf2: a usbmsc block with a version tag; STATUS.TXT lines; INFO_UF2.TXT
def uf2(n, count, family=0xF474B2B7, version=b'0200'):
    head = struct.pack('<8I', 0x0A324655, 0x9E5D5157, 0xA000, 256 * n, 256, n, count, family)
    tag = bytes([4 + len(version), 0xBC, 0xC7, 0x9F]) + version
    data = bytes(range(256)) + tag
    return head + data + bytes(476 - len(data)) + struct.pack('<I', 0x0AB16F30)
seed('fuzz_uf2', 'block', uf2(3, 7))
seed('fuzz_uf2', 'rp2040', uf2(0, 1, 0xE48BFF56))
seed('fuzz_uf2', 'status', b'Receiving: 12 of 40 blocks\n')
seed('fuzz_uf2', 'updated', b'Updated from 1.0 to 1.10.\n')
seed('fuzz_uf2', 'padded', b'Refused: bad signature' + b' ' * 41 + b'\n')
seed('fuzz_uf2', 'info', b'UF2 Bootloader x\r\nModel: M\r\nBoard-ID: B-1\r\nFirmware: 0200\r\n')
# fuzz_door: events (op, arguments): every block of image 0, time, read
# back; a run of image 1 cut short, a power cycle, WRITE BUFFER, confirm
seed('fuzz_door', 'update', bytes([2, 0, 0, 3, 0, 200, 4, 0, 0, 1, 0x20, 6]))
seed('fuzz_door', 'mixed', bytes([2, 1, 4, 1, 1, 0, 1, 0, 5, 9, 5, 7, 0, 3, 1, 0, 6, 2, 2, 0]))
EOF
	for h in $harnesses; do
		if [ -d "$src/tests/fuzz/seeds/$h" ]; then
			mkdir -p "$build/fuzz-corpus/$h"
			cp "$src/tests/fuzz/seeds/$h/"* "$build/fuzz-corpus/$h/" 2>/dev/null || true
		fi
	done
}

# Run one harness; print its summary line; return non-zero on a finding.
run_one() {
	h=$1
	exe="$build/tests/fuzz/$h"
	corpus="$build/fuzz-corpus/$h"
	log="$build/fuzz-logs/$h.log"
	mkdir -p "$corpus" "$build/fuzz-logs" "$build/fuzz-artifacts"
	if "$exe" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$h-" "$corpus" >"$log" 2>&1; then
		status=ok
	else
		status=FAILED
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	inputs=$(find "$corpus" -type f | wc -l | tr -d ' ')
	echo "$h: $status, ${runs:-?} runs in ${took:-?} s, corpus $inputs inputs"
	if [ "$status" != ok ]; then
		grep -E 'ERROR|invariant broken|SUMMARY|Test unit written' "$log" | head -10 >&2
		echo "  full log: $log" >&2
		return 1
	fi
}

configure
build_harnesses
write_seeds
failed=0
for h in $harnesses; do
	if [ ! -x "$build/tests/fuzz/$h" ]; then
		echo "$h: skipped (no tests/fuzz/$h.c)"
		continue
	fi
	run_one "$h" || failed=1
done
exit $failed
