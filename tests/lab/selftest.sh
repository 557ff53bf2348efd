#!/bin/bash
# Checks the lab itself (tests/lab/run). Prints "ok N - ..." / "not ok N - ..."
# per check and "N passed, M failed" at the end; exits nonzero on a failure.
set -uo pipefail

LAB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/run
BUILD=${USBMSC_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 passed=0 failed=0
# check DESC EXPECTED_STATUS LAB_ARGS...: runs the lab, compares its exit status.
check() {
    local desc=$1 want=$2 got
    shift 2
    n=$((n + 1))
    "$LAB" "$@" > "$tmp/out" 2>&1
    got=$?
    if [ "$got" = "$want" ]; then
        echo "ok $n - $desc"
        passed=$((passed + 1))
    else
        echo "not ok $n - $desc (exit $got, expected $want)"
        sed 's/^/#   /' "$tmp/out" | tail -n 30
        failed=$((failed + 1))
    fi
}
# check_output DESC EXPECTED_FILE: compares the last lab run's output.
check_output() {
    n=$((n + 1))
    if cmp -s "$2" "$tmp/out"; then
        echo "ok $n - $1"
        passed=$((passed + 1))
    else
        echo "not ok $n - $1"
        diff "$2" "$tmp/out" | sed 's/^/#   /' | head -n 30
        failed=$((failed + 1))
    fi
}

# check_grep DESC PATTERN: looks for PATTERN in the last lab run's output.
check_grep() {
    n=$((n + 1))
    if grep -q -- "$2" "$tmp/out"; then
        echo "ok $n - $1"
        passed=$((passed + 1))
    else
        echo "not ok $n - $1"
        sed 's/^/#   /' "$tmp/out" | tail -n 30
        failed=$((failed + 1))
    fi
}

# 1. exit status and clean output
check "run -- true exits 0" 0 -- true
check "run -- sh -c 'exit 7' exits 7" 7 -- sh -c 'echo out; echo err >&2; exit 7'
printf 'out\nerr\n' > "$tmp/want"
check_output "the output is the command's stdout and stderr only" "$tmp/want"

# 2 and 6. kernel-msc; the unprivileged user. One boot, one marker per check.
# Without CAP_SYS_RAWIO the kernel refuses CDBs outside its safe list when the
# sg node is opened read-only (sg_raw -R) and always through the block device;
# a read-write open of the sg node passes any CDB (the node's mode is the guard).
cat > "$tmp/kmsc.sh" <<'EOF'
kmsc() {
    sg_inq "$LAB_SG" | grep -q 'Vendor identification: Linux' || { echo "no Linux vendor"; return 1; }
    echo "$LAB_USB" | grep -Eq '^[0-9a-f]{4}:[0-9a-f]{4}:LABMSC1$' || { echo "LAB_USB=$LAB_USB"; return 1; }
    [ "$LAB_USB" = "$LAB_USB_1" ] && [ "$LAB_SG" = "$LAB_SG_1" ] && [ "$LAB_BLOCK" = "$LAB_BLOCK_1" ] ||
        { echo "LAB_*_1 differ from LAB_*"; return 1; }
    [ -b "$LAB_BLOCK" ] || { echo "$LAB_BLOCK is not a block device"; return 1; }
    [ -c "$LAB_SG" ] || { echo "$LAB_SG is not a character device"; return 1; }
    [ "$(sg_readcap "$LAB_SG" | sed -n 's/.*Device size: \([0-9]*\) bytes.*/\1/p')" = 67108864 ] ||
        { echo "capacity is not 64 MiB"; return 1; }
}
user() {
    su user -c id | grep -q '^uid=1000(user)' || { echo "su user: $(su user -c id 2>&1)"; return 1; }
    su user -c 'touch /tmp/x && test -O /tmp/x' || { echo "user cannot write /tmp"; return 1; }
    out=$(su user -c "sg_inq $LAB_SG" 2>&1) || { echo "user cannot INQUIRY: $out"; return 1; }
    chmod 666 "$LAB_BLOCK"
    for cmd in "sg_raw -R $LAB_SG" "sg_raw $LAB_BLOCK"; do
        if out=$(su user -c "$cmd c0 00 00 00 00 00" 2>&1); then
            echo "'$cmd c0 ...' succeeded as user: $out"; return 1
        fi
        echo "$out" | grep -q 'Operation not permitted' || { echo "'$cmd': $out"; return 1; }
    done
}
kmsc && echo KMSC-OK
user && echo USER-OK
EOF
check "kernel-msc: boots" 0 --device kernel-msc --script "$tmp/kmsc.sh"
check_grep "kernel-msc: sg_inq says Linux, LAB_USB/LAB_SG/LAB_BLOCK are right" '^KMSC-OK$'
check_grep "su user: uid 1000; sg_raw of a vendor command is refused (EPERM)" '^USER-OK$'

# 3 and 4. qemu-msc, together with kernel-msc
cat > "$tmp/two.sh" <<'EOF'
sg_inq "$LAB_SG_2" | grep -q 'Vendor identification: QEMU' || { echo "device 2 is not QEMU"; exit 1; }
sg_inq "$LAB_SG_1" | grep -q 'Vendor identification: Linux' || { echo "device 1 is not Linux"; exit 1; }
[ -c "$LAB_SG_1" ] && [ -c "$LAB_SG_2" ] && [ "$LAB_SG_1" != "$LAB_SG_2" ] ||
    { echo "sg nodes: $LAB_SG_1 $LAB_SG_2"; exit 1; }
[ -b "$LAB_BLOCK_1" ] && [ -b "$LAB_BLOCK_2" ] && [ "$LAB_BLOCK_1" != "$LAB_BLOCK_2" ] ||
    { echo "block nodes: $LAB_BLOCK_1 $LAB_BLOCK_2"; exit 1; }
echo "$LAB_USB_2" | grep -Eq '^46f4:0001:LABQEMU2$' || { echo "bad LAB_USB_2 $LAB_USB_2"; exit 1; }
EOF
check "qemu-msc: sg_inq says QEMU" 0 --device qemu-msc -- sh -c \
    'sg_inq "$LAB_SG" | grep "Vendor identification: QEMU"'
check "kernel-msc + qemu-msc: two distinct devices" 0 \
    --device kernel-msc --device qemu-msc --script "$tmp/two.sh"

# 5 and 7. --mount and --add
head -c 3000 /dev/urandom | od -An -tx1 > "$tmp/added.txt"
cat > "$tmp/mount.sh" <<'EOF'
grep -q "^${LAB_BLOCK}1 /mnt vfat " /proc/mounts || { cat /proc/mounts; exit 1; }
cp /add/added.txt /mnt/copy.txt && sync && echo 3 > /proc/sys/vm/drop_caches
cmp /add/added.txt /mnt/copy.txt || exit 1
umount /mnt && fsck.vfat -n "${LAB_BLOCK}1" >/dev/null || { echo "fsck failed"; exit 1; }
cat /add/added.txt
EOF
check "--mount --add: vfat on /mnt, a file written there reads back" 0 \
    --device kernel-msc --mount --add "$tmp/added.txt" --script "$tmp/mount.sh"
check_output "--add: the added file arrives intact" "$tmp/added.txt"
mkdir -p "$tmp/tree/sub"
cp "$tmp/added.txt" "$tmp/tree/sub/"
check "--add DIR: a directory arrives with its contents" 0 --add "$tmp/tree" -- \
    cat /add/tree/sub/added.txt
check_output "... intact" "$tmp/added.txt"

# Time-out and the gadget device kind.
start=$SECONDS
LAB_TIMEOUT=20 check "LAB_TIMEOUT stops a guest that runs too long (status 125)" 125 -- sleep 1000
check_grep "... and says it timed out" 'timed out'
if [ $((SECONDS - start)) -gt 45 ]; then
    echo "# the time-out took $((SECONDS - start)) s"
fi

if [ -x "$BUILD/tools/usbmsc-gadget" ]; then
    check "gadget: usbmsc-gadget enumerates" 0 --device gadget -- sh -c \
        '[ -c "$LAB_SG" ] && [ -b "$LAB_BLOCK" ] && sg_inq "$LAB_SG" >/dev/null'
else
    check "gadget: fails when usbmsc-gadget is not built" 125 --device gadget -- true
    check_grep "gadget: ... saying so" 'usbmsc-gadget is not built'
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
