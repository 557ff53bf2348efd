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
echo "== our gadget vs the kernel's f_mass_storage (lab)"
USBMSC_BUILD=$(cd "$BUILD" && pwd) "$(dirname "$0")/../bench/lab_throughput.sh" 7
