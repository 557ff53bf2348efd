#!/bin/bash
# usbmsc list (text and JSON) shows each device's doors, against a fake
# sysfs tree: a device with a vendor interface and a control LUN, its disk
# mounted, and one with no side doors but a file door (its volume, a
# directory with a door's files, mounted). TAP.
#
#   test_list_doors.sh USBMSC_BINARY
. "$(dirname "$0")/../cli/lib.sh"

S=$T/sys D=$T/dev

# The vendor interface and raw USB need libusb.
if "$USBMSC" --help | grep -q "with libusb; not this one"; then
	echo "1..0 # SKIP built without libusb"
	exit 0
fi

# usb_device NAME VID PID SERIAL BUS DEVNUM
usb_device() {
	local dir=$S/devices/usb/$1
	mkdir -p "$dir" "$S/bus/usb/devices" "$D/bus/usb/$(printf %03d "$5")"
	ln -s "$dir" "$S/bus/usb/devices/$1"
	echo "$2" >"$dir/idVendor"
	echo "$3" >"$dir/idProduct"
	echo "$4" >"$dir/serial"
	echo usbmsc >"$dir/manufacturer"
	echo "Gadget Disk" >"$dir/product"
	echo 480 >"$dir/speed"
	echo "$5" >"$dir/busnum"
	echo "$6" >"$dir/devnum"
	echo 1 >"$dir/bConfigurationValue"
	: >"$D/bus/usb/$(printf %03d "$5")/$(printf %03d "$6")"
}

# interface DEV NUM CLASS SUB PROTO [DRIVER]
interface() {
	local dir=$S/devices/usb/$1/$1:1.$2
	mkdir -p "$dir"
	ln -s "$dir" "$S/bus/usb/devices/$1:1.$2"
	echo "$3" >"$dir/bInterfaceClass"
	echo "$4" >"$dir/bInterfaceSubClass"
	echo "$5" >"$dir/bInterfaceProtocol"
	printf '%02x\n' "$2" >"$dir/bInterfaceNumber"
	if [ -n "${6:-}" ]; then
		mkdir -p "$S/bus/usb/drivers/$6"
		ln -s "$S/bus/usb/drivers/$6" "$dir/driver"
	fi
}

# lun DEV HOST HCTL TYPE SG [BLOCK MAJ:MIN]
lun() {
	local dir=$S/devices/usb/$1/$1:1.0/host$2/target$2:0:0/$3
	mkdir -p "$dir/scsi_generic/$5"
	echo "$4" >"$dir/type"
	echo usbmsc >"$dir/vendor"
	echo "Gadget Disk" >"$dir/model"
	echo 0100 >"$dir/rev"
	: >"$D/$5"
	if [ -n "${6:-}" ]; then
		mkdir -p "$dir/block/$6"
		echo "$7" >"$dir/block/$6/dev"
		: >"$D/$6"
	fi
}

usb_device 1-1 1209 0001 DOORS1 1 2
interface 1-1 0 08 06 50 usb-storage
interface 1-1 1 ff 4d 56
lun 1-1 0 0:0:0:0 0 sg0 sda 8:0
lun 1-1 0 0:0:0:1 3 sg1
mkdir -p "$S/devices/usb/1-1/1-1:1.0/host0/target0:0:0/0:0:0:0/block/sda/sda1"
echo 8:1 >"$S/devices/usb/1-1/1-1:1.0/host0/target0:0:0/0:0:0:0/block/sda/sda1/dev"
echo 1 >"$S/devices/usb/1-1/1-1:1.0/host0/target0:0:0/0:0:0:0/block/sda/sda1/partition"

usb_device 1-2 0781 5590 PLAIN 1 3
interface 1-2 0 08 06 50 usb-storage
lun 1-2 1 1:0:0:0 0 sg2 sdb 8:16
lun 1-2 1 1:0:0:1 0 sg3 sdc 8:32
mkdir -p "$S/devices/usb/1-2/1-2:1.0/host1/target1:0:0/1:0:0:1/block/sdc/sdc1"
echo 8:33 >"$S/devices/usb/1-2/1-2:1.0/host1/target1:0:0/1:0:0:1/block/sdc/sdc1/dev"
echo 1 >"$S/devices/usb/1-2/1-2:1.0/host1/target1:0:0/1:0:0:1/block/sdc/sdc1/partition"
# The file door's volume, as the system mounted it.
mkdir -p "$T/door"
printf 'UF2 Bootloader x\nModel: Plain\nBoard-ID: PLAIN-1\nFirmware: 0100\n' >"$T/door/INFO_UF2.TXT"
printf 'Waiting for a UF2 file.\n' >"$T/door/STATUS.TXT"

printf '1 0 0:1 / / rw - rootfs rootfs rw\n30 1 8:1 / /mnt rw - vfat /dev/sda1 rw\n31 1 8:33 / %s rw - vfat /dev/sdc1 rw\n' "$T/door" >"$T/mountinfo"
export USBMSC_SYSFS_ROOT=$S USBMSC_DEV_ROOT=$D USBMSC_MOUNTINFO=$T/mountinfo

# door NAME yes|no TEXT: the line list prints for a door.
door() { printf '    %-12s %-4s %s' "$1" "$2" "$3"; }
has() {
	if grep -qF -- "$2" "$T/out"; then ok "$1"; else not_ok "$1" "stdout lacks '$2'" "$(what_ran)"; fi
}

run list
expect_rc 0 "list"
has "the vendor interface is shown" "vendor interface 1, driver none"
has "the control LUN is marked" "$D/sg1 (control LUN)"
has "the doors, in auto:'s order" "doors, in the order auto: tries them:"
has "vendor: usbv:" "$(door vendor yes usbv:1209:0001:DOORS1)"
has "control-lun: its sg node" "$(door control-lun yes "$D/sg1")"
has "sg: the disk's sg node, not the control LUN's" "$(door sg yes "$D/sg0")"
has "usb: refused while mounted" "$(door usb no "/dev/sda1 is mounted at /mnt; unmount it or pass --unmount")"
has "auto takes the vendor interface" "auto  yes  auto:1209:0001:DOORS1 (the vendor interface, usbv:1209:0001:DOORS1"
has "a device without doors: no vendor interface" "$(door vendor no "none on this device")"
has "... and no control LUN" "$(door control-lun no none)"
has "... auto takes SG_IO" "auto  yes  auto:0781:5590:PLAIN (SG_IO on $D/sg2"
has "the file door with its mount point" "$(door file yes "vol:$T/door (firmware updates only)")"
has "... its mount is marked" "/dev/sdc1 is mounted at $T/door (vfat): the file door"
has "a device with the volume of no file door" "$(door file no "no file door volume is mounted")"
# The order of the lines is the order of the doors.
order=$(awk '/^    (vendor|control-lun|sg|block|usb|file) /{print $1}' "$T/out" | head -n 6 | tr '\n' ' ')
if [ "$order" = "vendor control-lun sg block usb file " ]; then ok "the doors are listed in order"
else not_ok "the doors are listed in order" "got: $order"; fi

run list --json
expect_rc 0 "list --json"
expect_json "JSON: the doors array, in order" \
	'[x["door"] for x in d["devices"][0]["doors"]] == ["vendor", "control-lun", "sg", "block", "usb", "file"]'
expect_json "JSON: the vendor door" \
	'd["devices"][0]["doors"][0] == {"door": "vendor", "usable": True, "uri": "usbv:1209:0001:DOORS1", "reason": None}' \
	'd["devices"][0]["vendor_interface"] == {"interface": 1, "driver": None}'
expect_json "JSON: the control LUN" \
	'd["devices"][0]["luns"][1]["type"] == 3' 'd["devices"][0]["luns"][1]["control"] is True' \
	'd["devices"][0]["luns"][1]["block"] is None' 'd["devices"][0]["luns"][0]["control"] is False'
expect_json "JSON: raw BOT is refused, with the reason" \
	'd["devices"][0]["doors"][4]["usable"] is False' \
	'"mounted at /mnt" in d["devices"][0]["doors"][4]["reason"]'
expect_json "JSON: the device without doors" \
	'd["devices"][1]["vendor_interface"] is None' \
	'd["devices"][1]["doors"][0]["reason"] == "vendor interface: none on this device"' \
	'd["devices"][1]["doors"][0]["uri"] is None' \
	'd["devices"][1]["paths"]["auto"]["usable"] is True'
expect_json "JSON: the file door" \
	"d['devices'][1]['doors'][5] == {'door': 'file', 'usable': True, 'uri': 'vol:$T/door', 'reason': 'file door: firmware updates only'}" \
	"d['devices'][1]['luns'][1]['mounts'][0]['file_door'] is True" \
	"d['devices'][0]['luns'][0]['mounts'][0]['file_door'] is False"

done_testing
