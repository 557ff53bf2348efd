#!/bin/sh
# SG_IO and raw Bulk-Only Transport (usb:) through the guest's real kernel
# drivers. Runs inside the lab guest, as root, with a FAT partition of
# device 1 mounted at /mnt:
#
#   tests/lab/run --device kernel-msc --mount --script tests/lab/linux/sgio_usb.sh
#   tests/lab/run --device qemu-msc --mount --script tests/lab/linux/sgio_usb.sh
#
# Uses LAB_SG, LAB_BLOCK, LAB_USB, LAB_PART. Prints "ok N - ..." or
# "not ok N - ..." per check, "1..N" at the end, and exits 1 if a check failed.
#
# What the kernel allows through SG_IO (drivers/scsi/sg.c, scsi_ioctl.c): an
# sg node opened read-write passes every opcode; a read-only sg node and any
# block node pass only the opcodes the kernel deems safe unless the process
# has CAP_SYS_RAWIO. The checks below pin that down.

n=0
failed=0
out=/tmp/sgio_usb.out
vendor_cdb="c0 00 00 00 40 00"

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	sed 's/^/#   /' "$out" | tail -n 15
}
# run STATUS DESC COMMAND...: run COMMAND (its output in $out), check its status.
run() {
	want=$1 desc=$2
	shift 2
	"$@" > "$out" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then pass "$desc"; else fail "$desc (exit $got, expected $want)"; fi
}
# has DESC TEXT: the last run's output contains TEXT.
has() {
	if grep -q -- "$2" "$out"; then pass "$1"; else fail "$1 (no '$2' in the output)"; fi
}
# check DESC COMMAND...: COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@" > /dev/null 2>&1; then pass "$desc"; else : > "$out"; fail "$desc"; fi
}
as_user() { su user -c "$*"; }
mounted() { grep -q " /mnt " /proc/self/mountinfo; }

if [ -z "$LAB_SG" ] || [ -z "$LAB_BLOCK" ] || [ -z "$LAB_USB" ] || [ -z "$LAB_PART" ]; then
	echo "Bail out! run with --device kernel-msc (or qemu-msc) --mount"
	exit 1
fi
# The USB interface behind the sg node, e.g. /sys/devices/.../1-1/1-1:1.0.
iface=$(readlink -f "/sys/class/scsi_generic/${LAB_SG##*/}/device")
iface=${iface%/host*}
port=${iface##*/}
port=${port%%:*}
# The block device of that interface now (its name changes on rebinding).
disk_now() {
	for b in "$iface"/host*/target*/*:*/block/*; do
		[ -e "$b" ] && echo "${b##*/}" && return 0
	done
	return 1
}
# Wait for usb-storage to be bound again and its disk node to be back.
wait_rebound() {
	i=0
	while [ $i -lt 150 ]; do
		d=$(disk_now) && [ -b "/dev/$d" ] && [ -e "$iface/driver" ] && return 0
		usleep 100000
		i=$((i + 1))
	done
	return 1
}

echo "usbmsc lab $$" > /mnt/hello.txt
sync
sum_before=$(md5sum < /mnt/hello.txt)
dd if="$LAB_BLOCK" of=/tmp/block0 bs=512 count=1 2> /dev/null

# ---- list: what discovery sees, with the file system mounted -----------------
run 0 "list" usbmsc list
has "list: the device's port and IDs" "^$port  ${LAB_USB%:*}"
has "list: its sg and block nodes" "$LAB_SG, $LAB_BLOCK"
has "list: the mounted partition" "$LAB_PART is mounted at /mnt"
has "list: sgio works now" "sgio  yes  $LAB_SG"
has "list: usb does not, and why" "usb   no   $LAB_PART is mounted at /mnt"
run 0 "list --json" usbmsc list --json
has "list --json: the sg node" "\"sg\": \"$LAB_SG\""
has "list --json: the mount point" "\"mount_point\": \"/mnt\""
run 0 "list as an unprivileged user" as_user usbmsc list
has "list as user: usb says the usbfs node is not writable" "usb   no   permission denied on /dev/bus/usb/"

# ---- SG_IO, with the file system mounted -------------------------------------
run 0 "sgio: inquiry --json" usbmsc -d "$LAB_SG" inquiry --json
has "sgio: inquiry --json has the vendor" '"vendor": "'
run 0 "sgio: capacity" usbmsc -d "$LAB_SG" capacity
has "sgio: capacity is 64 MiB of 512-byte blocks" "131072 blocks x 512 bytes"
run 0 "sgio: read 0 1" usbmsc -d "$LAB_SG" read 0 1 -o /tmp/sg_block0
check "sgio: block 0 is the block device's block 0" cmp /tmp/sg_block0 /tmp/block0

# Writes go to LBA 100..103 and 200..203: between the MBR and the partition.
dd if=/dev/urandom of=/tmp/w100.bin bs=512 count=4 2> /dev/null
dd if=/dev/urandom of=/tmp/w200.bin bs=512 count=4 2> /dev/null
run 0 "sgio: write 100 (4 blocks)" usbmsc -d "$LAB_SG" write 100 /tmp/w100.bin
run 0 "sgio: read 100 4" usbmsc -d "$LAB_SG" read 100 4 -o /tmp/r100.bin
check "sgio: ... reads back what was written" cmp /tmp/r100.bin /tmp/w100.bin

usbmsc -d "$LAB_SG" luns > "$out" 2>&1
got=$?
# f_mass_storage has no REPORT LUNS: the device's own answer is 05/20/00.
if [ $got = 0 ] || { [ $got = 5 ] && grep -q "05/20/00" "$out"; }; then
	pass "sgio: luns (exit $got)"
else
	fail "sgio: luns (exit $got)"
fi
has "sgio: luns reports max LUN 0" "max LUN.*: 0"

run 5 "sgio: vendor opcode as root reaches the device" \
	usbmsc -d "$LAB_SG" raw $vendor_cdb --in 64
has "sgio: ... which answers invalid command operation code" "05/20/00"

# As an unprivileged user with read-write access to the sg node (as a udev
# rule would give): sg applies no opcode filter to read-write opens.
chmod 666 "$LAB_SG"
run 5 "sgio as user, sg node read-write: the vendor opcode reaches the device" \
	as_user usbmsc -d "$LAB_SG" raw $vendor_cdb --in 64
# Read-only: INQUIRY passes, the vendor opcode is refused with the way out.
chmod 644 "$LAB_SG"
run 0 "sgio as user, sg node read-only: INQUIRY passes" as_user usbmsc -d "$LAB_SG" inquiry
run 22 "sgio as user, sg node read-only: the vendor opcode is refused" \
	as_user usbmsc -d "$LAB_SG" raw $vendor_cdb --in 64
has "sgio: ... and the message names CAP_SYS_RAWIO" "CAP_SYS_RAWIO"
has "sgio: ... and says the node is open read-only" "read-only"
chmod 666 "$LAB_SG"
# A block node filters opcodes even when it is writable.
block_mode=$(stat -c %a "$LAB_BLOCK")
chmod 666 "$LAB_BLOCK"
run 0 "sgio as user, block node: INQUIRY passes" as_user usbmsc -d "$LAB_BLOCK" inquiry
run 22 "sgio as user, block node read-write: the vendor opcode is refused" \
	as_user usbmsc -d "$LAB_BLOCK" raw $vendor_cdb --in 64
has "sgio: ... and the message names CAP_SYS_RAWIO" "CAP_SYS_RAWIO"
has "sgio: ... and setcap" "setcap cap_sys_rawio+ep"
has "sgio: ... and the sg node as the alternative" "use $LAB_SG read-write"
chmod "$block_mode" "$LAB_BLOCK"

run 0 "auto: with the kernel driver bound" usbmsc -v -d "auto:$LAB_USB" inquiry
has "auto: ... chooses SG_IO and says why" "using SG_IO on $LAB_SG"

check "sgio: the file system is still mounted" mounted
check "sgio: its file is intact" [ "$(md5sum < /mnt/hello.txt)" = "$sum_before" ]

# ---- usb: while mounted: refused, nothing touched ---------------------------
run 21 "usb: refused while the file system is mounted" usbmsc -d "usb:$LAB_USB" inquiry
has "usb: ... naming the partition and the mount point" "$LAB_PART is mounted at /mnt"
has "usb: ... and the way out" "unmount it"
check "usb: the kernel driver is still bound" [ -e "$iface/driver" ]
check "usb: the file system is still mounted" mounted
check "usb: its file is intact" [ "$(md5sum < /mnt/hello.txt)" = "$sum_before" ]

# ---- usb: after unmounting ------------------------------------------------------
umount /mnt
dd if="$LAB_BLOCK" of=/tmp/block0 bs=512 count=1 2> /dev/null
run 0 "usb: inquiry after unmounting" usbmsc -v -d "usb:$LAB_USB" inquiry
has "usb: ... detached the kernel driver" "detached the kernel driver usb-storage"
has "usb: ... and reattached it" "reattached the kernel driver usb-storage"
run 0 "usb: read 0 1" usbmsc -d "usb:$LAB_USB" read 0 1 -o /tmp/usb_block0
check "usb: block 0 is the image's block 0" cmp /tmp/usb_block0 /tmp/block0
run 0 "usb: read 100 4" usbmsc -d "usb:$LAB_USB" read 100 4 -o /tmp/u100.bin
check "usb: ... is what SG_IO wrote" cmp /tmp/u100.bin /tmp/w100.bin
run 0 "usb: write 200 (4 blocks)" usbmsc -d "usb:$LAB_USB" write 200 /tmp/w200.bin
run 0 "usb: by port path ($port)" usbmsc -d "usb:$port" capacity
has "usb: ... capacity" "131072 blocks x 512 bytes"
check "usb: usb-storage is bound again, its disk node is back" wait_rebound
check "usb: the driver is usb-storage" sh -c "readlink '$iface/driver' | grep -q usb-storage"
disk=$(disk_now)
run 0 "sgio: read 200 4 after rebinding" usbmsc -d "/dev/$disk" read 200 4 -o /tmp/r200.bin
check "sgio: ... is what raw BOT wrote" cmp /tmp/r200.bin /tmp/w200.bin
i=0
while [ ! -b "/dev/${disk}1" ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
check "usb: the partition mounts again" mount -t vfat "/dev/${disk}1" /mnt
check "usb: its file is intact" [ "$(md5sum < /mnt/hello.txt)" = "$sum_before" ]

# ---- auto: with no kernel driver bound ---------------------------------------------
umount /mnt 2> /dev/null
echo "${iface##*/}" > /sys/bus/usb/drivers/usb-storage/unbind
run 0 "auto: with no kernel driver bound" usbmsc -v -d "auto:$LAB_USB" inquiry
has "auto: ... chooses raw BOT and says why" "no kernel driver is bound"
check "auto: ... and leaves the interface unbound as it found it" [ ! -e "$iface/driver" ]
echo "${iface##*/}" > /sys/bus/usb/drivers/usb-storage/bind
check "usb-storage binds again" wait_rebound

# ---- --unmount, when the CLI has it ---------------------------------------------------
if usbmsc --help 2>&1 | grep -q -- "--unmount"; then
	disk=$(disk_now)
	i=0
	while [ ! -b "/dev/${disk}1" ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
	mount -t vfat "/dev/${disk}1" /mnt
	run 0 "usb: --unmount unmounts, then runs the command" \
		usbmsc -v --unmount -d "usb:$LAB_USB" inquiry
	has "usb: ... and says what it unmounted" "unmounted /dev/${disk}1 from /mnt"
	if mounted; then fail "usb: ... /mnt is no longer mounted"; else pass "usb: ... /mnt is no longer mounted"; fi
	check "usb: ... and usb-storage is bound again" wait_rebound
else
	pass "usb: --unmount # SKIP the CLI has no --unmount yet"
fi

# ---- usb: SIGTERM in the middle of a long read -----------------------------------
# (SIGTERM: a background job of a script ignores SIGINT.)
umount /mnt 2> /dev/null
wait_rebound
usbmsc -d "usb:$LAB_USB" read 0 131072 -o /dev/null > "$out" 2>&1 &
pid=$!
i=0   # until the session has taken the interface: the read is under way
while [ -e "$iface/driver" ] && [ $i -lt 200 ]; do usleep 20000; i=$((i + 1)); done
usleep 300000
kill -TERM $pid
wait $pid
got=$?
if [ $got != 0 ] && [ $got != 143 ]; then pass "usb: SIGTERM stops a long read (exit $got)"; else fail "usb: SIGTERM stops a long read (exit $got)"; fi
has "usb: ... saying it was interrupted" "interrupted"
check "usb: ... and usb-storage is bound again, its disk node is back" wait_rebound

# ---- usb: the device leaves in the middle of a long read (kernel-msc only) ------
udc=/sys/kernel/config/usb_gadget/labmsc1/UDC
if [ -w "$udc" ]; then
	umount /mnt 2> /dev/null
	(sleep 1; echo "" > "$udc") &
	run 20 "usb: unplugged during a long read: no such device" \
		usbmsc -d "usb:$LAB_USB" read 0 131072 -o /dev/null
	wait
	has "usb: ... and says the device went away" "device gone"
else
	pass "usb: unplugged during a long read # SKIP not a configfs gadget"
fi

echo "1..$n"
[ $failed = 0 ]
