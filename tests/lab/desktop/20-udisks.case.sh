# udisks2: the disk LUN, formatted FAT, is mounted the way a desktop mounts
# it: udisksctl as the user at the seat (polkit's default for an active
# local session), under /media/user. Beside that mount every door of ours
# still works (usbv: as the user; the control LUN and SG_IO as root;
# usb-storage keeps the disk), and the files are untouched; the user
# unmounts it again.
. /add/desktoplib.sh

check "the gadget's nodes" refresh
disconnects=$(dmesg | grep -c 'USB disconnect')
PART=${BLK}1
check "partition the disk LUN (one FAT partition)" sh -c "echo 'start=2048, type=c' | sfdisk -q $BLK"
check "$PART appears" wait_for test -b "$PART"
check "format it FAT (label USBMSC)" mkfs.vfat -n USBMSC "$PART"
udevadm settle

# ---- the mount, as the desktop does it
check "as user: udisksctl mount -b $PART" as_user udisksctl mount --no-user-interaction -b "$PART"
said "... mounted under /media/user" "at /media/user/USBMSC"
M=/media/user/USBMSC
check_out "mounted vfat, owned by the user, with udisks' flush" "$PART $M vfat .*uid=1000.*flush" \
    cat /proc/mounts
check_out "udisks knows who mounted it" "MountPoints: *$M" udisksctl info -b "$PART"
check "as user: write files on it" as_user sh -c \
    "head -c 700000 /dev/urandom > $M/a.bin && echo 'desktop mount' > $M/b.txt && sync"
sums "$M" a.bin b.txt > /tmp/before

# ---- every door beside the mount
check "as user: usbmsc list" as_user usbmsc list
said "list: the vendor door is open to the user" "$(door vendor yes "$V")"
said "list: the control LUN is not (Debian's sg nodes: root:disk 0660)" \
    "$(door control-lun no "permission denied on $CTL")"
said "list: raw BOT is not (mounted)" "$(door usb no "$PART is mounted at $M")"
said "list: auto: takes the vendor interface" "auto  yes  auto:$LAB_USB (the vendor interface"
check "as root: usbmsc list" usbmsc list
said "list: the control-lun door is open to root" "$(door control-lun yes "$CTL")"
said "list: the sg door is open to root" "$(door sg yes "$SG")"
check_out "as user: usbmsc inquiry -d $V" "usbmsc" as_user usbmsc inquiry -d "$V"
check_out "as user: fw info -d $V" "^active:" as_user usbmsc fw info -d "$V"
check_out "as root: fw info -d $CTL (the control LUN)" "^active:" usbmsc fw info -d "$CTL"
check_out "as root: usbmsc inquiry -d $SG (SG_IO)" "usbmsc" usbmsc inquiry -d "$SG"
check_out "as root: sg_inq $SG" "Product identification" sg_inq "$SG"
check_out "as root: usbmsc -v inquiry -d auto:$VP" "has the vendor interface" usbmsc -v inquiry -d "auto:$VP"
check_eq "usb-storage keeps interface 0" usb-storage "$(interface0_driver)"
check_out "the mount is still there" "$PART $M " cat /proc/mounts

# ---- the files, read back from the device
echo 3 > /proc/sys/vm/drop_caches
sums "$M" a.bin b.txt > /tmp/after
check "the files are untouched (page cache dropped)" cmp /tmp/before /tmp/after
check "as user: udisksctl unmount -b $PART" as_user udisksctl unmount --no-user-interaction -b "$PART"
check "the mount is gone" sh -c "! grep -q ' $M ' /proc/mounts"
check_eq "no USB disconnect meanwhile" "$disconnects" "$(dmesg | grep -c 'USB disconnect')"
check "no kernel trouble" kernel_healthy
summary
