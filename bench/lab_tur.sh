#!/bin/bash
# TEST UNIT READY through SG_IO, usbmsc against sg_turs as whole processes
# (docs/BENCHMARKS.md): one lab guest run with a kernel-msc device in which
# bench/guest_tur.sh alternates the two and counts their system and
# library calls.
#
#   bench/lab_tur.sh [BUILD] [--rounds N] [--turs N] [--baseline USBMSC]
#
# BUILD is the build directory whose tools/ go into the guest (default
# build); --baseline names another build's usbmsc executable, measured in
# the same rounds (before and after a change). Exits with the guest's
# status, 125 when the lab could not run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
build=build rounds=15 turs=2000 baseline=

usage() {
	sed -n '6p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
	exit 1
}
number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "lab_tur.sh: $1 takes a number, not '$2'" >&2; exit 1; }; }

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) [ $# -ge 2 ] || usage; number "$1" "$2"; rounds=$2; shift 2 ;;
	--turs) [ $# -ge 2 ] || usage; number "$1" "$2"; turs=$2; shift 2 ;;
	--baseline) [ $# -ge 2 ] && [ -x "$2" ] || usage; baseline=$2; shift 2 ;;
	-h|--help) usage ;;
	-*) echo "lab_tur.sh: unknown option '$1'" >&2; usage ;;
	*) build=$1; shift ;;
	esac
done

build=$(cd "$build" 2>/dev/null && pwd) || { echo "lab_tur.sh: no build directory '$build'" >&2; exit 1; }
[ -x "$build/tools/usbmsc" ] || { echo "lab_tur.sh: $build/tools/usbmsc is not built" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-lab-tur.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf 'ROUNDS=%s\nTURS=%s\n' "$rounds" "$turs" > "$tmp/tur.conf"
adds=(--add "$tmp/tur.conf")
if [ -n "$baseline" ]; then
	cp "$baseline" "$tmp/usbmsc-base"
	adds+=(--add "$tmp/usbmsc-base")
fi

echo "== lab: usbmsc bench tur vs sg_turs, whole processes (SG_IO); kernel-msc, one guest run"
echo "host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
export USBMSC_BUILD=$build
# 8 (12 with a baseline) runs of TURS commands per round, about 1.5 ms each
# under emulation.
export LAB_TIMEOUT=${LAB_TIMEOUT:-$((300 + rounds * turs * 12 * 3 / 1000))}
"$REPO/tests/lab/run" --device kernel-msc "${adds[@]}" --script "$HERE/guest_tur.sh"
