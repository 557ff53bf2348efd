#!/bin/bash
# The Linux lab benchmarks (docs/BENCHMARKS.md): one lab guest run with a
# kernel-msc device in which bench/guest_linux.sh measures usbmsc against
# sg_turs and dd through SG_IO, and raw BOT (usb:) against SG_IO, in
# ROUNDS rounds, and prints the median ratios (method: bench/guest_linux.sh).
#
#   bench/lab_linux.sh [BUILD] [--rounds N] [--turs N] [--size-mib N]
#
# BUILD is the build directory whose tools/ go into the guest (default
# build). Exits with the guest's status, 125 when the lab could not run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
build=build rounds=9 turs=2000 size_mib=16

usage() {
	sed -n '7p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
	exit 1
}
number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "lab_linux.sh: $1 takes a number, not '$2'" >&2; exit 1; }; }

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) [ $# -ge 2 ] || usage; number "$1" "$2"; rounds=$2; shift 2 ;;
	--turs) [ $# -ge 2 ] || usage; number "$1" "$2"; turs=$2; shift 2 ;;
	--size-mib) [ $# -ge 2 ] || usage; number "$1" "$2"; size_mib=$2; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "lab_linux.sh: unknown option '$1'" >&2; usage ;;
	*) build=$1; shift ;;
	esac
done

build=$(cd "$build" 2>/dev/null && pwd) || { echo "lab_linux.sh: no build directory '$build'" >&2; exit 1; }
[ -x "$build/tools/usbmsc" ] || { echo "lab_linux.sh: $build/tools/usbmsc is not built" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-lab-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf 'ROUNDS=%s\nTURS=%s\nSIZE_MIB=%s\n' "$rounds" "$turs" "$size_mib" > "$tmp/bench.conf"

echo "== lab: usbmsc vs sg_turs and dd (SG_IO), raw BOT (usb:) vs SG_IO; kernel-msc, one guest run"
echo "host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
# The guest has strace (tests/lab/setup) to count system calls per command.
# A round is 18 measurements of a few seconds each under emulation;
# allow for a busy machine.
export USBMSC_BUILD=$build
export LAB_TIMEOUT=${LAB_TIMEOUT:-$((300 + rounds * (60 + size_mib * 6 + turs / 20)))}
status=0
"$REPO/tests/lab/run" --device kernel-msc --add "$tmp/bench.conf" \
	--script "$HERE/guest_linux.sh" || status=$?
exit $status
