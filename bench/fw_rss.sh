#!/bin/bash
# Peak resident memory of a firmware update (docs/BENCHMARKS.md): `usbmsc
# fw update` of a signed image with a SIZE_MIB payload (256 by default) to
# the virtual device, whose slots are made large enough (fw-slot), under GNU
# time. Prints the peak RSS and its ratio to the 16 MiB budget of fw update,
# and the update's wall time and throughput.
#
#   bench/fw_rss.sh [BUILD] [--size-mib N]
#
# BUILD is the build directory (default build). The payload is a sparse
# file of zeros, packed with the demo key (data/demo-fw-secret.key); the
# image and the device's flash take 2 x SIZE_MIB of disk in a temporary
# directory while it runs. The measured process is the whole usbmsc
# command, which includes the virtual device (its firmware engine, hashing
# and flash file). Installs GNU time (Debian package `time`) when it is
# missing and it can. Exits 1 when the budget is exceeded or the update
# fails.
#
# Output lines:
#   fw-update: image=BYTES mode=0x.. commands=N
#   fw-update-rss: peak_kib=N budget_kib=16384 ratio=R
#   fw-update-time: wall_s=S update_s=S mb_per_s=R
# (update_s and mb_per_s are the update's own, from its --json report:
# checks of the image excluded; MB = 10^6 bytes.)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
build=build size_mib=256
BUDGET_KIB=$((16 * 1024))

usage() {
	sed -n '8p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--size-mib)
		[ $# -ge 2 ] || usage
		[[ $2 =~ ^[1-9][0-9]*$ ]] && [ "$2" -le 4000 ] ||
			{ echo "fw_rss.sh: --size-mib takes 1 to 4000, not '$2'" >&2; exit 1; }
		size_mib=$2
		shift 2 ;;
	-h|--help) usage ;;
	-*) echo "fw_rss.sh: unknown option '$1'" >&2; usage ;;
	*) build=$1; shift ;;
	esac
done

build=$(cd "$build" 2>/dev/null && pwd) || { echo "fw_rss.sh: no build directory '$build'" >&2; exit 1; }
usbmsc=$build/tools/usbmsc
[ -x "$usbmsc" ] || { echo "fw_rss.sh: $usbmsc is not built" >&2; exit 1; }

if [ ! -x /usr/bin/time ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	echo "fw_rss.sh: installing GNU time" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null ||
		{ apt-get update >/dev/null &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends time >/dev/null; }
fi
[ -x /usr/bin/time ] || { echo "fw_rss.sh: needs GNU time (/usr/bin/time, package time)" >&2; exit 1; }
if ldd "$usbmsc" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "fw_rss.sh: $usbmsc is a sanitizer build: its resident memory is not the program's" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-fw-rss.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# A slot holds header + payload, in 4 KiB steps, at least 16 MiB (the
# virtual device's default) and at most 512 MiB (its largest).
slot_kib=$(( (size_mib * 1024 + 4 + 3) / 4 * 4 ))
[ "$slot_kib" -ge 16384 ] || slot_kib=16384
[ "$slot_kib" -le $((512 * 1024)) ] ||
	{ echo "fw_rss.sh: the virtual device's slots hold at most 512 MiB" >&2; exit 1; }

truncate -s "${size_mib}M" "$tmp/payload.bin"
"$usbmsc" fw pack --key "$REPO/data/demo-fw-secret.key" --version 0200 --version-number 2 \
	-o "$tmp/image.umfw" "$tmp/payload.bin" >/dev/null
rm -f "$tmp/payload.bin"

status=0
/usr/bin/time -v "$usbmsc" -d "sim:$tmp/disk.img?fw-slot=${slot_kib}K" --json fw update \
	"$tmp/image.umfw" >"$tmp/out.json" 2>"$tmp/time.txt" || status=$?
if [ "$status" -ne 0 ]; then
	echo "fw_rss.sh: fw update exited $status" >&2
	tail -n 3 "$tmp/out.json" >&2
	tail -n 30 "$tmp/time.txt" >&2
	exit 1
fi

python3 - "$tmp/out.json" "$tmp/time.txt" "$BUDGET_KIB" <<'PY'
import json, re, sys
done = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
time_txt = open(sys.argv[2]).read()
budget = int(sys.argv[3])
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_txt).group(1))
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", time_txt).group(1)
secs = 0.0
for part in wall.split(":"):
    secs = secs * 60 + float(part)
if done.get("result") != "updated":
    sys.exit("fw_rss.sh: the update did not complete: %s" % json.dumps(done)[:500])
print("fw-update: image=%d mode=0x%02x commands=%d"
      % (done["image"]["length"], done["mode"], done["commands_sent"]))
print("fw-update-rss: peak_kib=%d budget_kib=%d ratio=%.3f" % (peak, budget, peak / budget))
print("fw-update-time: wall_s=%.2f update_s=%.3f mb_per_s=%.1f"
      % (secs, done["seconds"], done["mb_per_s"]))
if peak > budget:
    sys.exit("fw_rss.sh: peak RSS %d KiB exceeds the %d KiB budget" % (peak, budget))
PY
