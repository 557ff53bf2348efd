#!/bin/bash
# Sequential throughput of usbmsc-gadget against the kernel's own
# f_mass_storage, through the guest kernel's usb-storage and sd drivers, in
# one lab boot (both behind dummy_hcd, both backed by files in the guest's
# tmpfs):
#   bench/lab_throughput.sh [ROUNDS [GADGET-OPTIONS]]
# ROUNDS defaults to 3; GADGET-OPTIONS are added to the gadget's command
# line (e.g. "--buffer 64k"); USBMSC_BUILD names the build as for the lab.
# Each round runs dd with O_DIRECT and 1 MiB requests over 64 MiB, WRITE then
# READ, on our gadget's block node and on the kernel gadget's, back to back
# and in A-B-B-A order, so that both see the same machine load (the guest
# runs under TCG on a shared machine: absolute figures swing with the load).
# Prints the median MB/s of each, the median of the per-round ratios
# ours/kernel, and the gadget's peak RSS (VmHWM) serving a 1 GiB LUN (a
# sparse file: only what is written takes memory).
set -euo pipefail

ROUNDS=${1:-3}
EXTRA=${2:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/../tests/lab/run
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/guest.sh" <<GUEST
ROUNDS=$ROUNDS
GUEST
cat >> "$tmp/guest.sh" <<'GUEST'
now() { cut -d' ' -f1 /proc/uptime; }
# one DEVICE OP NODE: 64 MiB with 1 MiB O_DIRECT requests; prints MB/s
one() {
    t0=$(now)
    if [ "$2" = write ]; then
        dd if=/dev/zero of="$3" bs=1M count=64 oflag=direct 2>/dev/null || echo "FAIL $1 $2"
    else
        dd if="$3" of=/dev/null bs=1M count=64 iflag=direct 2>/dev/null || echo "FAIL $1 $2"
    fi
    t1=$(now)
    echo "$1 $2 $t0 $t1" | awk '{ d = $4 - $3; if (d < 0.01) d = 0.01;
                                  printf "RESULT %s %s %.2f\n", $1, $2, 67.108864 / d }'
}
r=0
while [ $r -lt $ROUNDS ]; do
    r=$((r + 1))
    if [ $((r % 2)) = 1 ]; then
        one gadget write "$LAB_BLOCK_1"; one kernel write "$LAB_BLOCK_2"
        one kernel read "$LAB_BLOCK_2";  one gadget read "$LAB_BLOCK_1"
    else
        one kernel write "$LAB_BLOCK_2"; one gadget write "$LAB_BLOCK_1"
        one gadget read "$LAB_BLOCK_1";  one kernel read "$LAB_BLOCK_2"
    fi
done
# Reads spread over the whole 1 GiB LUN, then the gadget's peak RSS.
for off in 0 128 256 384 512 640 768 896 1016; do
    dd if="$LAB_BLOCK_1" of=/dev/null bs=1M count=8 skip=$off iflag=direct 2>/dev/null
done
echo "SIZE $(cat /sys/block/${LAB_BLOCK_1#/dev/}/size)"
kill -TERM "$LAB_GADGET_PID_1"
i=0
while kill -0 "$LAB_GADGET_PID_1" 2>/dev/null && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
sed -n 's/.*peak memory (VmHWM): \([0-9]*\) kB.*/HWM \1/p' "$LAB_GADGET_LOG_1"
GUEST

"$LAB" --device gadget --device kernel-msc \
    --gadget-args "--lun /tmp/bench.img,size=1G -v $EXTRA" --script "$tmp/guest.sh" > "$tmp/out" || {
    cat "$tmp/out"; echo "lab_throughput: the lab run failed" >&2; exit 1; }
if grep -q '^FAIL' "$tmp/out"; then
    cat "$tmp/out"; echo "lab_throughput: a transfer failed" >&2; exit 1
fi

median() {  # DEVICE OP
    awk -v d="$1" -v o="$2" '$1 == "RESULT" && $2 == d && $3 == o { print $4 }' "$tmp/out" |
        sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
                                            else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# The median of the per-round ratios: each round's two runs saw the same load.
ratio() {  # OP
    awk -v o="$1" '$1 == "RESULT" && $3 == o { v[$2, ++n[$2]] = $4 }
                   END { for (i = 1; i <= n["gadget"] && i <= n["kernel"]; i++)
                             printf "%.4f\n", v["gadget", i] / v["kernel", i] }' "$tmp/out" |
        sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
                                            else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
gw=$(median gadget write) kw=$(median kernel write)
gr=$(median gadget read) kr=$(median kernel read)
rw=$(ratio write) rr=$(ratio read)
size=$(awk '$1 == "SIZE" { print $2 * 512 / 1048576 }' "$tmp/out")
hwm=$(awk '$1 == "HWM" { print $2 }' "$tmp/out")

echo "lab throughput${EXTRA:+ (usbmsc-gadget $EXTRA)}, $ROUNDS rounds of 64 MiB, 1 MiB O_DIRECT requests"
echo "(host load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-6s  %14s  %14s  %12s\n' "" "usbmsc-gadget" "f_mass_storage" "ours/kernel"
printf '  %-6s  %14s  %14s  %12s\n' "" "median MB/s" "median MB/s" "median ratio"
awk -v g="$gw" -v k="$kw" -v r="$rw" 'BEGIN { printf "  %-6s  %14.1f  %14.1f  %12.2f\n", "WRITE", g, k, r }'
awk -v g="$gr" -v k="$kr" -v r="$rr" 'BEGIN { printf "  %-6s  %14.1f  %14.1f  %12.2f\n", "READ", g, k, r }'
echo "per run (MB/s, in order):"
awk '$1 == "RESULT" { printf "  %s %s %s\n", $2, $3, $4 }' "$tmp/out"
echo "usbmsc-gadget peak RSS (VmHWM) serving a ${size:-?} MiB LUN: ${hwm:-?} kB"
