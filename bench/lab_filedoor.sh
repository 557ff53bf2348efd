#!/bin/bash
# The file door's reception against plain writes, in one lab boot: a 4 MiB
# image as a UF2 file (8 MiB) written onto the door volume the guest's
# kernel mounted, against dd writing the same file to the gadget's disk
# LUN with O_DIRECT (1 MiB requests):
#   bench/lab_filedoor.sh [ROUNDS [MIB]]
# ROUNDS defaults to 5, MIB (the image's payload) to 4. USBMSC_BUILD names
# the build as for the lab.
#
# Two ways onto the door, each its own update (an image of its own):
#   dd   dd of the same file to /door/ with O_DIRECT, 1 MiB requests: the
#        same tool and flags as against the disk, so the difference is the
#        door's path alone (vfat, the door's reception, the flash)
#   cp   `cp FILE /door/ && sync`, as a user copies: the data goes to the
#        page cache first and reaches the device when sync writes it back
# A copy's time runs from its start to the arrival of the image's last UF2
# block at the device: usbmsc-gadget logs when each image's first and last
# blocks arrived (on the clock /proc/uptime shows in the guest) and how
# long its check of the whole image took (signature, SHA-256 read back
# from flash: in the write that brings the last block). dd's time against
# the disk runs from its start to its end (O_DIRECT: the device has every
# block). The order of the three rotates from round to round, and each
# ratio is the median of the rounds' ratios (MB/s onto the door / MB/s of
# dd to the disk; target >= 0.8). Apart: the time before the first block,
# the device's check, the fixed quiet time before the activation (the door
# waits for a second without writes) with the re-enumeration (the gadget's
# simulated reboot until the guest sees the device again), and where the
# gadget's time went (its file-backed flash, per image).
set -euo pipefail

ROUNDS=${1:-5}
MIB=${2:-4}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/../tests/lab/run
SLOT=$(( (MIB + 1) * 1024 ))k
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/guest.sh" <<GUEST
ROUNDS=$ROUNDS
MIB=$MIB
GUEST
cat >> "$tmp/guest.sh" <<'GUEST'
now() { cut -d' ' -f1 /proc/uptime; }
usb_dev() {
    for d in /sys/devices/platform/dummy_hcd.0/usb*/[0-9]*-1; do
        [ -f "$d/idVendor" ] && { echo "$d"; return 0; }
    done
    return 1
}
# blk_of LUN: its block device
blk_of() {
    d=$(usb_dev) || return 1
    for b in "$d"/*/host*/target*/*:"$1"/block/*; do [ -e "$b" ] && { echo "/dev/${b##*/}"; return 0; }; done
    return 1
}
devnum() { d=$(usb_dev) && cat "$d/devnum"; }
wait_for() {
    i=0
    while ! "$@" 2>/dev/null; do i=$((i + 1)); [ $i -lt 1200 ] || return 1; usleep 50000; done
}
back() { n=$(devnum 2>/dev/null) && [ -n "$n" ] && [ "$n" != "$1" ] && blk_of 0 > /dev/null &&
    door=$(blk_of 1) && [ -b "${door}1" ]; }
# The gadget's log line for the last block of the image in round $1.
logged() { [ "$(grep -c 'file door: last of' "$LAB_GADGET_LOG_1")" -ge "$1" ]; }

door_mount() {
    door=$(blk_of 1) && [ -b "${door}1" ] && mkdir -p /door && sync &&
        echo 3 > /proc/sys/vm/drop_caches && mount -t vfat "${door}1" /door
}

dd_round() {
    blk=$(blk_of 0) || { echo "FAIL no disk LUN"; return; }
    t0=$(now)
    dd if=/tmp/disk.uf2 of="$blk" bs=1M oflag=direct 2> /tmp/dd.err ||
        { echo "FAIL dd $1"; sed 's/^/# /' /tmp/dd.err; }
    t1=$(now)
    echo "$1 $bytes $t0 $t1" | awk '{ d = $4 - $3; if (d < 0.01) d = 0.01;
        printf "RESULT disk %s %.2f %.2f\n", $1, $2 / d / 1e6, d }'
}

# door_round ROUND KIND: an image of the next version number (each copy is
# an update, and the device takes no downgrade), then its copy.
seq=1
door_round() {
    seq=$((seq + 1))
    set -- "$1" "$2" "/tmp/$2$1.uf2"
    usbmsc fw pack --key "$LAB_FW_SECRET" --version "$2$1" --version-number $seq \
        --vid 1209 --pid 0001 -o /tmp/img.img /tmp/payload.bin > /dev/null &&
        usbmsc fw uf2 /tmp/img.img -o "$3" > /dev/null || echo "FAIL pack $2$1"
    wait_for door_mount || { echo "FAIL the door does not mount"; return; }
    old=$(devnum)
    seen=$(grep -c 'file door: last of' "$LAB_GADGET_LOG_1")
    t0=$(now)
    if [ "$2" = dd ]; then
        dd if="$3" of=/door/fw.uf2 bs=1M oflag=direct 2> /tmp/dd.err ||
            { echo "FAIL door dd $1"; sed 's/^/# /' /tmp/dd.err; }
    else
        cp "$3" /door/ && sync || echo "FAIL cp $1"
    fi
    wait_for logged $((seen + 1)) || { echo "FAIL no last block logged"; return; }
    wait_for back "$old" || { echo "FAIL the device did not come back"; return; }
    t2=$(now)
    umount -l /door
    line=$(grep 'file door: last of' "$LAB_GADGET_LOG_1" | tail -n 1)
    first=$(grep 'file door: first block of' "$LAB_GADGET_LOG_1" | tail -n 1 |
        sed 's/.* in at \([0-9.]*\) s.*/\1/')
    t1=$(echo "$line" | sed 's/.* in at \([0-9.]*\) s.*/\1/')
    check=$(echo "$line" | sed 's/.*checked in \([0-9]*\) ms.*/\1/')
    echo "$2 $1 $bytes $t0 $t1 $t2 $first $check" | awk '{ d = $5 - $4; if (d < 0.01) d = 0.01;
        printf "RESULT %s %s %.2f %.2f\n", $1, $2, $3 / d / 1e6, d
        printf "PHASE %s %s %.2f %.3f %.2f\n", $1, $2, $7 - $4, $8 / 1000, $6 - $5 - $8 / 1000 }'
}

head -c $((MIB * 1048576)) /dev/urandom > /tmp/payload.bin
usbmsc fw pack --key "$LAB_FW_SECRET" --version disk --version-number 1 -o /tmp/disk.img \
    /tmp/payload.bin > /dev/null && usbmsc fw uf2 /tmp/disk.img -o /tmp/disk.uf2 > /dev/null ||
    echo "FAIL pack"
bytes=$(wc -c < /tmp/disk.uf2)
echo "UF2 $bytes"
r=0
while [ $r -lt $ROUNDS ]; do
    r=$((r + 1))
    case $((r % 3)) in
    1) dd_round $r; door_round $r dd; door_round $r cp ;;
    2) door_round $r dd; door_round $r cp; dd_round $r ;;
    *) door_round $r cp; dd_round $r; door_round $r dd ;;
    esac
done
sed -n 's/.*firmware: device time: /DEVICE /p' "$LAB_GADGET_LOG_1" | tail -n 1
GUEST

"$LAB" --device gadget \
    --gadget-args "--lun /tmp/bench.img,size=$((2 * MIB + 8))M --fw-state /tmp/fw.flash --fw-slot $SLOT --file-door -v" \
    --script "$tmp/guest.sh" > "$tmp/out" || {
    cat "$tmp/out"; echo "lab_filedoor: the lab run failed" >&2; exit 1; }
if grep -q '^FAIL' "$tmp/out"; then
    cat "$tmp/out"; echo "lab_filedoor: a step failed" >&2; exit 1
fi

median() {
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
                                       else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mbs() { awk -v n="$1" '$1 == "RESULT" && $2 == n { print $4 }' "$tmp/out" | median; }
secs() { awk -v n="$1" '$1 == "RESULT" && $2 == n { print $5 }' "$tmp/out" | median; }
ratio() {
    awk -v n="$1" '$1 == "RESULT" { v[$2, $3] = $4 }
         END { for (i = 1; ((n, i) in v) && (("disk", i) in v); i++)
                   printf "%.4f\n", v[n, i] / v["disk", i] }' "$tmp/out" | median
}
phase() { awk -v k="$1" -v c="$2" '$1 == "PHASE" && $2 == k { print $c }' "$tmp/out" | median; }
uf2=$(awk '$1 == "UF2" { print $2 }' "$tmp/out")
device=$(sed -n 's/^DEVICE //p' "$tmp/out")

echo "lab file door: $ROUNDS rounds, a $MIB MiB image as a $uf2-byte UF2 file," \
     "${LAB_SMP:-1} guest vCPU(s)"
echo "(host load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-52s %9s %9s %12s\n' "" "median" "median" "median ratio"
printf '  %-52s %9s %9s %12s\n' "" "MB/s" "s" "against dd"
printf '  %-52s %9.1f %9.2f %12s\n' "dd O_DIRECT to the disk LUN, 1 MiB requests" \
    "$(mbs disk)" "$(secs disk)" "-"
printf '  %-52s %9.1f %9.2f %12.2f\n' "dd O_DIRECT onto the door, to its last block in" \
    "$(mbs dd)" "$(secs dd)" "$(ratio dd)"
printf '  %-52s %9.1f %9.2f %12.2f\n' "cp + sync onto the door, to its last block in" \
    "$(mbs cp)" "$(secs cp)" "$(ratio cp)"
echo "target: door / dd >= 0.8"
echo "apart, median seconds (dd onto the door; cp + sync):"
printf '  %-52s %9.2f %9.2f\n' "start of the copy to the first UF2 block in" "$(phase dd 4)" \
    "$(phase cp 4)"
printf '  %-52s %9.3f %9.3f\n' "the device's check of the whole image" "$(phase dd 5)" \
    "$(phase cp 5)"
printf '  %-52s %9.2f %9.2f\n' "quiet time (1 s), activation, re-enumeration" "$(phase dd 6)" \
    "$(phase cp 6)"
echo "the gadget's flash and SHA-256 over all $((2 * ROUNDS)) images and their boots: ${device:-?}"
echo "per run (MB/s, seconds):"
awk '$1 == "RESULT" { printf "  round %s %-5s %7s MB/s %6s s\n", $3, $2, $4, $5 }' "$tmp/out"
