# A gadget without side doors, its file system mounted: auto: notes that
# there is no vendor interface and no control LUN and takes SG_IO on the
# disk; usbv: refuses the device and lists the doors it has; the mount is
# never touched.
# lab-args: --mount
# gadget-args: --lun /tmp/disk.img,size=64M
. /add/doorslib.sh

head -c 300000 /dev/urandom > /mnt/a.bin
echo "no doors" > /mnt/b.txt
sync
mnt_sums > /tmp/before

check "usbmsc list" usbmsc list
said "list: no vendor interface" "$(door vendor no "none on this device")"
said "list: no control LUN" "$(door control-lun no none)"
said "list: auto takes SG_IO" "auto  yes  auto:$LAB_USB (SG_IO on $LAB_SG"

check "usbmsc -v inquiry -d auto:$VP" usbmsc -v inquiry -d "auto:$VP"
said "auto: no vendor interface" "auto: vendor interface: none on this device"
said "auto: no control LUN" "auto: control LUN: none"
said "auto: SG_IO on the disk's sg node" "using SG_IO on $LAB_SG"
not_said "auto: no raw BOT" "raw Bulk-Only"

check_rc "usbv: on a device without a vendor interface" 1 usbmsc inquiry -d "$V"
said "... says so" "has no usbmsc vendor interface"
said "... and lists its doors" "its doors are: sg $LAB_SG, block $LAB_BLOCK"
said "... and what to use" "use auto:$LAB_USB"
check_rc "usbv: on no device at all" 20 usbmsc inquiry -d usbv:dead:beef
check_rc "usb: on the mounted device is refused" 21 usbmsc inquiry -d "usb:$LAB_USB"

check_eq "usb-storage still drives interface 0" usb-storage "$(interface0_driver)"
check_out "the mount is still there" "$LAB_PART /mnt " cat /proc/mounts
files_untouched
check "no kernel trouble" kernel_healthy
summary
