#!/bin/sh
# `make bench`: benchmarks that print a ratio against a peer measured in the
# same run. Results and commands are recorded in docs/BENCHMARKS.md.
set -eu
BUILD=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== sim: (in-process virtual device) vs pread(2) on the same image"
"$BUILD/bench/sim_bench" "$dir/bench.img" 256 64 20000
"$(dirname "$0")/../bench/lab_linux.sh" "$BUILD"
"$(dirname "$0")/../bench/lab_tur.sh" "$BUILD"
echo "== our gadget vs the kernel's f_mass_storage (lab)"
USBMSC_BUILD=$(cd "$BUILD" && pwd) "$(dirname "$0")/../bench/lab_throughput.sh" 7
echo "== firmware update: peak memory of a 256 MiB update (sim:) against the 16 MiB budget"
"$(dirname "$0")/../bench/fw_rss.sh" "$BUILD"
echo "== firmware update through SG_IO to the gadget vs dd writing as many bytes (lab)"
USBMSC_BUILD=$(cd "$BUILD" && pwd) "$(dirname "$0")/../bench/lab_fw_throughput.sh" 3 32
echo "== the vendor interface (usbv:) vs SG_IO on the same gadget (lab)"
"$(dirname "$0")/../bench/lab_doors.sh" "$BUILD" --rounds 4
echo "== the file door: a UF2 file copied onto its volume vs dd to the disk LUN (lab)"
USBMSC_BUILD=$(cd "$BUILD" && pwd) "$(dirname "$0")/../bench/lab_filedoor.sh" 7
