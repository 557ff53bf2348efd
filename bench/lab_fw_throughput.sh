#!/bin/bash
# Firmware-update throughput against plain writes, in one lab boot: the
# time of `usbmsc fw update` of an image of MIB MiB through SG_IO to
# usbmsc-gadget --fw-state, against dd writing the same number of bytes
# with O_DIRECT (1 MiB requests) to the gadget's disk LUN:
#   bench/lab_fw_throughput.sh [ROUNDS [MIB]]
# ROUNDS defaults to 3, MIB to 32 (images past 16 MiB need the engine's and
# the host's BUFFER ID offsets). USBMSC_BUILD names the build as for the lab.
#
# Each round, back to back so that all see the same machine load (the guest
# runs under TCG on a shared machine): dd; `usbmsc fw update --no-activate`
# (host checks, download, the device's read-back verification: the update
# without its reboot) of one image; the full `usbmsc fw update` (the same,
# then activation, the gadget's simulated reboot: 1 s away and a new
# enumeration, the host's reopen, checks and FW CONFIRM) of another; and
# `usbmsc fw inspect` of the image alone (the host's SHA-256 of the file).
# Prints the median MB/s of each and the median of the per-round ratios
# against dd (targets: the download phase / dd >= 0.8, the full update / dd
# >= 0.5, the mandated re-enumeration reported apart), then where the
# device's time went (the gadget's own count of its flash callbacks and
# SHA-256).
#
# The full update runs with --json, each line stamped with the guest's
# uptime as it arrives, which splits it into phases:
#   host checks   start to the "plan" event: process start, probe, the
#                 header's checks (signature, length, fit)
#   download      "plan" to the progress event with bytes == total: every
#                 WRITE BUFFER with its data, the host hashing the payload
#                 as it sends it, up to the last one's CSW (the device's
#                 check of the complete image is in that CSW)
#   activation    from there to the "wait" event: WRITE BUFFER 0x0F
#   re-enumeration  "wait" to "confirm": the gadget's reboot (1 s away, a
#                 new enumeration), the host's reopen and probe
#   confirmation  "confirm" to the end: FW CONFIRM and FW STATE
# "download" against dd is the throughput of the wire path alone; "full
# without re-enumeration" is the full update less that phase.
# LAB_SMP (default 1) is the guest's vCPU count (QEMU TCG: with 2 the host
# command and the gadget run in parallel).
set -euo pipefail

ROUNDS=${1:-3}
MIB=${2:-32}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/../tests/lab/run
# slots: the image and its header, rounded up to 4 KiB, plus room
SLOT=$(( (MIB + 1) * 1024 ))k
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/guest.sh" <<GUEST
ROUNDS=$ROUNDS
MIB=$MIB
GUEST
cat >> "$tmp/guest.sh" <<'GUEST'
now() { cut -d' ' -f1 /proc/uptime; }
# LUN 0's nodes, found again after each reboot of the gadget: SG BLK
nodes() {
    SG= BLK=
    for d in /sys/devices/platform/dummy_hcd.0/usb*/[0-9]*-1; do
        for b in "$d"/*/host*/target*/*:0/block/*; do [ -e "$b" ] && BLK=/dev/${b##*/}; done
        for s in "$d"/*/host*/target*/*:0/scsi_generic/*; do [ -e "$s" ] && SG=/dev/${s##*/}; done
    done
    [ -n "$SG" ] && [ -c "$SG" ] && [ -n "$BLK" ] && [ -b "$BLK" ]
}
wait_nodes() {
    i=0
    while ! nodes; do i=$((i + 1)); [ $i -lt 600 ] || return 1; usleep 50000; done
}
# timed NAME ROUND BYTES COMMAND...: prints RESULT NAME ROUND MB/s SECONDS
timed() {
    name=$1 round=$2 bytes=$3; shift 3
    t0=$(now)
    "$@" > /tmp/cmd.out 2>&1 || { echo "FAIL $name $round"; sed 's/^/# /' /tmp/cmd.out; }
    t1=$(now)
    echo "$name $round $bytes $t0 $t1" | awk '{ d = $5 - $4; if (d < 0.01) d = 0.01;
        printf "RESULT %s %s %.2f %.2f\n", $1, $2, $3 / d / 1e6, d }'
}

# stamp: each line of the input, prefixed with the uptime it arrived at
stamp() { while IFS= read -r line; do read -r up _ < /proc/uptime; echo "$up $line"; done; }
# phased ROUND BYTES IMAGE: the full update with its phases; prints
# RESULT full|download|norenum ... and PHASE ROUND HOST_S DOWNLOAD_S
# ACTIVATION_S RENUM_S CONFIRM_S
phased() {
    round=$1 bytes=$2 image=$3
    t0=$(now)
    usbmsc -d "$SG" --json fw update "$image" 2> /tmp/cmd.err | stamp > /tmp/cmd.json
    t1=$(now)
    grep -q '"event":"done".*"result":"updated"' /tmp/cmd.json ||
        { echo "FAIL full $round"; sed 's/^/# /' /tmp/cmd.json /tmp/cmd.err; }
    awk -v t0="$t0" -v t1="$t1" -v r="$round" -v b="$bytes" '
        /"event":"plan"/ && plan == "" { plan = $1 }
        /"event":"progress"/ && /"percent":100/ && dl == "" { dl = $1 }
        /"event":"wait"/ && wait == "" { wait = $1 }
        /"event":"confirm"/ && conf == "" { conf = $1 }
        END { if (plan == "" || dl == "" || wait == "" || conf == "") { print "FAIL phases " r; exit }
              d = t1 - t0; if (d < 0.01) d = 0.01
              w = dl - plan; if (w < 0.01) w = 0.01
              n = d - (conf - wait); if (n < 0.01) n = 0.01
              printf "RESULT full %s %.2f %.2f\n", r, b / d / 1e6, d
              printf "RESULT download %s %.2f %.2f\n", r, b / w / 1e6, w
              printf "RESULT norenum %s %.2f %.2f\n", r, b / n / 1e6, n
              printf "PHASE %s %.2f %.2f %.2f %.2f %.2f\n", r, plan - t0, dl - plan, wait - dl,
                  conf - wait, t1 - conf }' /tmp/cmd.json
}

head -c $((MIB * 1048576)) /dev/urandom > /tmp/payload.bin
r=0
while [ $r -lt $ROUNDS ]; do
    r=$((r + 1))
    for kind in s f; do
        n=$((10 * r + 5)); [ $kind = f ] && n=$((n + 1))
        usbmsc fw pack --key "$LAB_FW_SECRET" --version "$kind$r" --version-number $n \
            --vid 1209 --pid 0001 -o /tmp/$kind$r.img /tmp/payload.bin > /dev/null ||
            echo "FAIL pack $kind$r"
    done
done
size=$(wc -c < /tmp/f1.img)
echo "IMAGE $size"
wait_nodes
r=0
while [ $r -lt $ROUNDS ]; do
    r=$((r + 1))
    timed dd $r $((MIB * 1048576)) dd if=/dev/zero of="$BLK" bs=1M count=$MIB oflag=direct
    timed staged $r $size usbmsc fw update -d "$SG" --no-activate /tmp/s$r.img
    phased $r $size /tmp/f$r.img
    wait_nodes || echo "FAIL the gadget did not come back"
    timed inspect $r $size usbmsc fw inspect /tmp/f$r.img
done
kill -TERM "$LAB_GADGET_PID_1"
i=0
while kill -0 "$LAB_GADGET_PID_1" 2>/dev/null && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
sed -n 's/.*firmware: device time: /DEVICE /p' "$LAB_GADGET_LOG_1" | tail -n 1
GUEST

"$LAB" --device gadget \
    --gadget-args "--lun /tmp/bench.img,size=$((MIB + 32))M --fw-state /tmp/fw.flash --fw-slot $SLOT -v" \
    --script "$tmp/guest.sh" > "$tmp/out" || {
    cat "$tmp/out"; echo "lab_fw_throughput: the lab run failed" >&2; exit 1; }
if grep -q '^FAIL' "$tmp/out"; then
    cat "$tmp/out"; echo "lab_fw_throughput: a step failed" >&2; exit 1
fi

median() {  # awk program printing the values, one per line
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2];
                                       else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
mbs() { awk -v n="$1" '$1 == "RESULT" && $2 == n { print $4 }' "$tmp/out" | median; }
secs() { awk -v n="$1" '$1 == "RESULT" && $2 == n { print $5 }' "$tmp/out" | median; }
# The median of the per-round ratios NAME / dd: each round's runs saw the same load.
ratio() {
    awk -v n="$1" '$1 == "RESULT" { v[$2, $3] = $4 }
                   END { for (i = 1; ((n, i) in v) && (("dd", i) in v); i++)
                             printf "%.4f\n", v[n, i] / v["dd", i] }' "$tmp/out" | median
}
image=$(awk '$1 == "IMAGE" { print $2 }' "$tmp/out")
device=$(sed -n 's/^DEVICE //p' "$tmp/out")

# The median of column COL of the PHASE lines.
phase() { awk -v c="$1" '$1 == "PHASE" { print $c }' "$tmp/out" | median; }

echo "lab firmware-update throughput: $ROUNDS rounds, a $MIB MiB payload ($image-byte image)," \
     "${LAB_SMP:-1} guest vCPU(s)"
echo "(host load average: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  %-44s %9s %9s %12s\n' "" "median" "median" "median ratio"
printf '  %-44s %9s %9s %12s\n' "" "MB/s" "s" "against dd"
row() { printf '  %-44s %9.1f %9.2f %12s\n' "$1" "$(mbs "$2")" "$(secs "$2")" "$3"; }
row "dd O_DIRECT write, 1 MiB requests" dd "-"
row "usbmsc fw update (full: reboot, confirm)" full "$(printf '%.2f' "$(ratio full)")"
row "  the same without the re-enumeration" norenum "$(printf '%.2f' "$(ratio norenum)")"
row "  its download phase (WRITE BUFFERs only)" download "$(printf '%.2f' "$(ratio download)")"
row "usbmsc fw update --no-activate" staged "$(printf '%.2f' "$(ratio staged)")"
row "usbmsc fw inspect (host SHA-256 only)" inspect "-"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "met" : "NOT met") }'; }
echo "targets: download phase / dd >= 0.8: $(verdict "$(ratio download)" 0.8);" \
     "full update / dd >= 0.5: $(verdict "$(ratio full)" 0.5)" \
     "(without the re-enumeration: $(verdict "$(ratio norenum)" 0.5))"
echo "full update, median seconds per phase:"
printf '  %-44s %9.2f\n' "host: start, probe, header and signature" "$(phase 3)"
printf '  %-44s %9.2f\n' "download (first WRITE BUFFER to last CSW)" "$(phase 4)"
printf '  %-44s %9.2f\n' "activation (WRITE BUFFER 0x0F)" "$(phase 5)"
printf '  %-44s %9.2f\n' "re-enumeration: reboot, reopen, probe" "$(phase 6)"
printf '  %-44s %9.2f\n' "confirmation" "$(phase 7)"
echo "device time over all $((2 * ROUNDS)) downloads and the boots: ${device:-?}"
echo "per run (MB/s, seconds):"
awk '$1 == "RESULT" { printf "  round %s %-8s %7s MB/s %6s s\n", $3, $2, $4, $5 }' "$tmp/out"
