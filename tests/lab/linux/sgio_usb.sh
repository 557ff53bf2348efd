#!/bin/sh
# SG_IO and raw Bulk-Only Transport (usb:) through the guest's real kernel
# drivers. Runs inside the lab guest, as root, with a FAT partition of
# device 1 mounted at /mnt:
#
#   tests/lab/run --device kernel-msc --mount --add tests/lab/tap.sh --script tests/lab/linux/sgio_usb.sh
#   tests/lab/run --device qemu-msc --mount --add tests/lab/tap.sh --script tests/lab/linux/sgio_usb.sh
#
# Uses LAB_SG, LAB_BLOCK, LAB_USB, LAB_PART. Prints "ok N - ..." or
# "not ok N - ..." per check, "1..N" at the end, and exits 1 if a check failed.
#
# What the kernel allows through SG_IO (drivers/scsi/sg.c, scsi_ioctl.c): an
# sg node opened read-write passes every opcode; a read-only sg node and any
# block node pass only the opcodes the kernel deems safe unless the process
# has CAP_SYS_RAWIO. The checks below pin that down.

OUT=/tmp/sgio_usb.out
. /add/tap.sh
vendor_cdb="c0 00 00 00 40 00"

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
check_rc "list" 0 usbmsc list
said "list: the device's port and IDs" "^$port  ${LAB_USB%:*}"
said "list: its sg and block nodes" "$LAB_SG, $LAB_BLOCK"
said "list: the mounted partition" "$LAB_PART is mounted at /mnt"
said "list: sgio works now" "sgio  yes  $LAB_SG"
said "list: usb does not, and why" "usb   no   $LAB_PART is mounted at /mnt"
check_rc "list --json" 0 usbmsc list --json
said "list --json: the sg node" "\"sg\": \"$LAB_SG\""
said "list --json: the mount point" "\"mount_point\": \"/mnt\""
check_rc "list as an unprivileged user" 0 as_user usbmsc list
said "list as user: usb says the usbfs node is not writable" "usb   no   permission denied on /dev/bus/usb/"

# ---- SG_IO, with the file system mounted -------------------------------------
check_rc "sgio: inquiry --json" 0 usbmsc -d "$LAB_SG" inquiry --json
said "sgio: inquiry --json has the vendor" '"vendor": "'
check_rc "sgio: capacity" 0 usbmsc -d "$LAB_SG" capacity
said "sgio: capacity is 64 MiB of 512-byte blocks" "131072 blocks x 512 bytes"
check_rc "sgio: read 0 1" 0 usbmsc -d "$LAB_SG" read 0 1 -o /tmp/sg_block0
check "sgio: block 0 is the block device's block 0" cmp /tmp/sg_block0 /tmp/block0

# Writes go to LBA 100..103 and 200..203: between the MBR and the partition.
dd if=/dev/urandom of=/tmp/w100.bin bs=512 count=4 2> /dev/null
dd if=/dev/urandom of=/tmp/w200.bin bs=512 count=4 2> /dev/null
check_rc "sgio: write 100 (4 blocks)" 0 usbmsc -d "$LAB_SG" write 100 /tmp/w100.bin
check_rc "sgio: read 100 4" 0 usbmsc -d "$LAB_SG" read 100 4 -o /tmp/r100.bin
check "sgio: ... reads back what was written" cmp /tmp/r100.bin /tmp/w100.bin

usbmsc -d "$LAB_SG" luns > "$OUT" 2>&1
got=$?
# f_mass_storage has no REPORT LUNS: the device's own answer is 05/20/00.
if [ $got = 0 ] || { [ $got = 5 ] && grep -q "05/20/00" "$OUT"; }; then
	pass "sgio: luns (exit $got)"
else
	fail "sgio: luns (exit $got)"
fi
said "sgio: luns reports max LUN 0" "max LUN.*: 0"

check_rc "sgio: vendor opcode as root reaches the device" 5 \
	usbmsc -d "$LAB_SG" raw $vendor_cdb --in 64
said "sgio: ... which answers invalid command operation code" "05/20/00"

# As an unprivileged user with read-write access to the sg node (as a udev
# rule would give): sg applies no opcode filter to read-write opens.
chmod 666 "$LAB_SG"
check_rc "sgio as user, sg node read-write: the vendor opcode reaches the device" 5 \
	as_user usbmsc -d "$LAB_SG" raw $vendor_cdb --in 64
# Read-only: INQUIRY passes, the vendor opcode is refused with the way out.
chmod 644 "$LAB_SG"
check_rc "sgio as user, sg node read-only: INQUIRY passes" 0 as_user usbmsc -d "$LAB_SG" inquiry
check_rc "sgio as user, sg node read-only: the vendor opcode is refused" 22 \
	as_user usbmsc -d "$LAB_SG" raw $vendor_cdb --in 64
said "sgio: ... and the message names CAP_SYS_RAWIO" "CAP_SYS_RAWIO"
said "sgio: ... and says the node is open read-only" "read-only"
chmod 666 "$LAB_SG"
# A block node filters opcodes even when it is writable.
block_mode=$(stat -c %a "$LAB_BLOCK")
chmod 666 "$LAB_BLOCK"
check_rc "sgio as user, block node: INQUIRY passes" 0 as_user usbmsc -d "$LAB_BLOCK" inquiry
check_rc "sgio as user, block node read-write: the vendor opcode is refused" 22 \
	as_user usbmsc -d "$LAB_BLOCK" raw $vendor_cdb --in 64
said "sgio: ... and the message names CAP_SYS_RAWIO" "CAP_SYS_RAWIO"
said "sgio: ... and setcap" "setcap cap_sys_rawio+ep"
said "sgio: ... and the sg node as the alternative" "use $LAB_SG read-write"
chmod "$block_mode" "$LAB_BLOCK"

check_rc "auto: with the kernel driver bound" 0 usbmsc -v -d "auto:$LAB_USB" inquiry
said "auto: ... chooses SG_IO and says why" "using SG_IO on $LAB_SG"

check "sgio: the file system is still mounted" mounted
check "sgio: its file is intact" [ "$(md5sum < /mnt/hello.txt)" = "$sum_before" ]

# ---- usb: while mounted: refused, nothing touched ---------------------------
check_rc "usb: refused while the file system is mounted" 21 usbmsc -d "usb:$LAB_USB" inquiry
said "usb: ... naming the partition and the mount point" "$LAB_PART is mounted at /mnt"
said "usb: ... and the way out" "unmount it"
check "usb: the kernel driver is still bound" [ -e "$iface/driver" ]
check "usb: the file system is still mounted" mounted
check "usb: its file is intact" [ "$(md5sum < /mnt/hello.txt)" = "$sum_before" ]

# ---- usb: after unmounting ------------------------------------------------------
umount /mnt
dd if="$LAB_BLOCK" of=/tmp/block0 bs=512 count=1 2> /dev/null
check_rc "usb: inquiry after unmounting" 0 usbmsc -v -d "usb:$LAB_USB" inquiry
said "usb: ... detached the kernel driver" "detached the kernel driver usb-storage"
said "usb: ... and reattached it" "reattached the kernel driver usb-storage"
check_rc "usb: read 0 1" 0 usbmsc -d "usb:$LAB_USB" read 0 1 -o /tmp/usb_block0
check "usb: block 0 is the image's block 0" cmp /tmp/usb_block0 /tmp/block0
check_rc "usb: read 100 4" 0 usbmsc -d "usb:$LAB_USB" read 100 4 -o /tmp/u100.bin
check "usb: ... is what SG_IO wrote" cmp /tmp/u100.bin /tmp/w100.bin
check_rc "usb: write 200 (4 blocks)" 0 usbmsc -d "usb:$LAB_USB" write 200 /tmp/w200.bin
check_rc "usb: by port path ($port)" 0 usbmsc -d "usb:$port" capacity
said "usb: ... capacity" "131072 blocks x 512 bytes"
check "usb: usb-storage is bound again, its disk node is back" wait_rebound
check "usb: the driver is usb-storage" sh -c "readlink '$iface/driver' | grep -q usb-storage"
disk=$(disk_now)
check_rc "sgio: read 200 4 after rebinding" 0 usbmsc -d "/dev/$disk" read 200 4 -o /tmp/r200.bin
check "sgio: ... is what raw BOT wrote" cmp /tmp/r200.bin /tmp/w200.bin
i=0
while [ ! -b "/dev/${disk}1" ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
check "usb: the partition mounts again" mount -t vfat "/dev/${disk}1" /mnt
check "usb: its file is intact" [ "$(md5sum < /mnt/hello.txt)" = "$sum_before" ]

# ---- auto: with no kernel driver bound ---------------------------------------------
umount /mnt 2> /dev/null
echo "${iface##*/}" > /sys/bus/usb/drivers/usb-storage/unbind
check_rc "auto: with no kernel driver bound" 0 usbmsc -v -d "auto:$LAB_USB" inquiry
said "auto: ... chooses raw BOT and says why" "no kernel driver is bound"
check "auto: ... and leaves the interface unbound as it found it" [ ! -e "$iface/driver" ]
echo "${iface##*/}" > /sys/bus/usb/drivers/usb-storage/bind
check "usb-storage binds again" wait_rebound

# ---- --unmount, when the CLI has it ---------------------------------------------------
if usbmsc --help 2>&1 | grep -q -- "--unmount"; then
	disk=$(disk_now)
	i=0
	while [ ! -b "/dev/${disk}1" ] && [ $i -lt 50 ]; do usleep 100000; i=$((i + 1)); done
	mount -t vfat "/dev/${disk}1" /mnt
	check_rc "usb: --unmount unmounts, then runs the command" 0 \
		usbmsc -v --unmount -d "usb:$LAB_USB" inquiry
	said "usb: ... and says what it unmounted" "unmounted /dev/${disk}1 from /mnt"
	if mounted; then fail "usb: ... /mnt is no longer mounted"; else pass "usb: ... /mnt is no longer mounted"; fi
	check "usb: ... and usb-storage is bound again" wait_rebound
else
	pass "usb: --unmount # SKIP the CLI has no --unmount yet"
fi

# ---- usb: SIGTERM in the middle of a long read -----------------------------------
# (SIGTERM: a background job of a script ignores SIGINT.) The read's -vvv
# trace (every block hex-dumped) goes into a FIFO that is drained only
# later: the read blocks in its trace after a few commands and is certainly
# still running, however fast the path, until the FIFO is drained.
# Until the trace in the FIFO shows the first READ(10) sent: the session
# holds the interface and the read is under way.
reading() {
	while IFS= read -r line <&3; do
		case $line in *"CDB 28 "*) return 0 ;; esac
	done
	return 1
}
umount /mnt 2> /dev/null
wait_rebound
fifo=/tmp/sgio_usb.fifo
rm -f "$fifo"; mkfifo "$fifo"
usbmsc -vvv -d "usb:$LAB_USB" read 0 131072 -o /dev/null > "$OUT" 2> "$fifo" &
pid=$!
exec 3< "$fifo"
reading   # the read is under way
# A second process meanwhile: the interface is claimed, and by whom.
read_out=$OUT
OUT=/tmp/sgio_usb.second
check_rc "usb: a second process while the read runs: busy" 21 usbmsc -d "usb:$LAB_USB" tur
said "usb: ... naming the first one" "claimed by another program (pid $pid ("
OUT=$read_out
kill -TERM $pid
cat <&3 >> "$OUT"
exec 3<&-
wait $pid
got=$?
check_eq "usb: SIGTERM stops a long read (exit 130)" 130 $got
said "usb: ... saying how far it got" "interrupted at LBA"
check "usb: ... and usb-storage is bound again, its disk node is back" wait_rebound

# ---- usb: the device leaves in the middle of a long read (kernel-msc only) ------
# The same FIFO holds the read in the middle while the gadget is unbound.
udc=/sys/kernel/config/usb_gadget/labmsc1/UDC
if [ -w "$udc" ]; then
	umount /mnt 2> /dev/null
	usbmsc -vvv -d "usb:$LAB_USB" read 0 131072 -o /dev/null > "$OUT" 2> "$fifo" &
	pid=$!
	exec 3< "$fifo"
	reading
	echo "" > "$udc"
	cat <&3 >> "$OUT"
	exec 3<&-
	wait $pid
	got=$?
	check_eq "usb: unplugged during a long read: no such device (exit 20)" 20 $got
	said "usb: ... and says the device went away" "device gone"
else
	pass "usb: unplugged during a long read # SKIP not a configfs gadget"
fi
rm -f "$fifo"

echo "1..$n"
[ $failed = 0 ]
