#!/bin/bash
# The vendor interface against SG_IO (docs/BENCHMARKS.md): one lab guest run
# with a usbmsc-gadget that has the vendor interface, a control LUN and the
# firmware engine (--fw-reboot stay), in which bench/guest_doors.sh
# measures, through usbv: and through SG_IO on the disk's sg node of the
# same gadget, TEST UNIT READY commands per second and firmware-update
# throughput (MB/s of image, the whole `usbmsc fw update` by the clock), in
# ROUNDS rounds, and prints the median ratios usbv/SG_IO (target >= 1.0).
#
#   bench/lab_doors.sh [BUILD] [--rounds N] [--turs N] [--image-mib N]
#
# The image is 15 MiB by default, 32 MiB when the gadget's engine takes
# images over 16 MiB (its --fw-slot goes past 16m). BUILD is the build
# directory whose tools/ go into the guest (default build). Exits with the
# guest's status, 125 when the lab could not run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
build=build rounds=3 turs=2000 image_mib=
tur_pairs=5   # TUR measurements per round and door, in alternating order

usage() {
	sed -n '10p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
	exit 1
}
number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "lab_doors.sh: $1 takes a number, not '$2'" >&2; exit 1; }; }

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) [ $# -ge 2 ] || usage; number "$1" "$2"; rounds=$2; shift 2 ;;
	--turs) [ $# -ge 2 ] || usage; number "$1" "$2"; turs=$2; shift 2 ;;
	--image-mib) [ $# -ge 2 ] || usage; number "$1" "$2"; image_mib=$2; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "lab_doors.sh: unknown option '$1'" >&2; usage ;;
	*) build=$1; shift ;;
	esac
done

build=$(cd "$build" 2>/dev/null && pwd) || { echo "lab_doors.sh: no build directory '$build'" >&2; exit 1; }
gadget=$build/tools/usbmsc-gadget/usbmsc-gadget
[ -x "$build/tools/usbmsc" ] || { echo "lab_doors.sh: $build/tools/usbmsc is not built" >&2; exit 1; }
[ -x "$gadget" ] || { echo "lab_doors.sh: $gadget is not built" >&2; exit 1; }
help=$("$gadget" --help 2>&1 || true)
for opt in --vendor-interface --control-lun --fw-state; do
	grep -q -- "$opt" <<<"$help" ||
		{ echo "lab_doors.sh: usbmsc-gadget has no $opt yet" >&2; exit 125; }
done

# Over 16 MiB when the engine's slots may be larger than that.
slot_args=""
if [ -z "$image_mib" ]; then
	image_mib=15
	if grep -qE -- '--fw-slot.*\.\.(3[2-9]|[4-9][0-9]|[1-9][0-9][0-9]+)m' <<<"$help"; then
		image_mib=32
	fi
fi
[ "$image_mib" -gt 15 ] && slot_args="--fw-slot $(((image_mib + 8) / 8 * 8))m"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-lab-doors.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf 'ROUNDS=%s\nTURS=%s\nTUR_PAIRS=%s\nIMAGE_MIB=%s\n' "$rounds" "$turs" "$tur_pairs" "$image_mib" \
	> "$tmp/bench.conf"

echo "== lab: usbv: (the vendor interface) vs SG_IO (the disk's sg node), one usbmsc-gadget, one guest run"
echo "host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "rounds $rounds: per round and door $turs TURs in $tur_pairs pairs of measurements, two updates of a $image_mib MiB firmware image"
export USBMSC_BUILD=$build
export LAB_TIMEOUT=${LAB_TIMEOUT:-$((300 + rounds * (120 + turs / 10 + image_mib * 20)))}
status=0
"$REPO/tests/lab/run" --device gadget \
	--gadget-args "--lun /tmp/disk.img,size=64M --vendor-interface --control-lun --fw-state /tmp/fw.flash --fw-reboot stay $slot_args" \
	--add "$tmp/bench.conf" --script "$HERE/guest_doors.sh" || status=$?
exit $status
