# Both side doors and the firmware engine, with the disk's file system
# mounted. The unprivileged user is refused the vendor interface (exit 22,
# naming the udev rule), then given the device node as the rule would, and
# reaches it: INQUIRY, a firmware update through usbv:, while usb-storage
# keeps interface 0 and the mount. The control LUN is an sg node without a
# block node that fw info works through; auto: takes the vendor interface,
# and the control LUN while a program holds the vendor interface.
# lab-args: --mount
# gadget-args: --lun /tmp/disk.img,size=64M --vendor-interface --control-lun
#   --fw-state /tmp/fw.flash --fw-reboot stay
# needs: --vendor-interface --control-lun --fw-state
. /add/doorslib.sh

head -c 600000 /dev/urandom > /mnt/a.bin
echo "side doors" > /mnt/b.txt
sync
mnt_sums > /tmp/before
NODE=$(usbfs_node)
check "LUN 1 has an sg node" wait_for sg_of_lun 1
CTL=$(sg_of_lun 1)

# ---- discovery
check "usbmsc list" usbmsc list
said "list: the vendor interface" "vendor interface 1, driver none"
said "list: LUN 1 is the control LUN" "$CTL (control LUN)"
said "list: the vendor door is open" "$(door vendor yes "$V")"
said "list: the control-lun door is open" "$(door control-lun yes "$CTL")"
said "list: the sg door is open" "$(door sg yes "$LAB_SG")"
said "list: raw BOT is not (mounted)" "$(door usb no "$LAB_PART is mounted at /mnt")"
said "list: auto takes the vendor interface" "auto  yes  auto:$LAB_USB (the vendor interface"
check "usbmsc list --json" usbmsc list --json
said "list --json: the doors array" '"door": "vendor"'
check "as user: list says the vendor door needs the udev rule" as_user usbmsc list
said "... permission denied, and which rule" \
    "$(door vendor no "permission denied on $NODE (install the udev rule data/udev/70-usbmsc.rules)")"

# ---- usbv: as the user, before and after access
check_rc "as user, no access: usbv: inquiry is refused" 22 as_user usbmsc inquiry -d "$V"
said "... naming the udev rule" "data/udev/70-usbmsc.rules"
check "grant the user the device node (as 70-usbmsc.rules would)" grant_user
check_out "as user: usbmsc inquiry -d $V" "usbmsc" as_user usbmsc inquiry -d "$V"
check_out "as user: -v says it is the vendor interface, beside usb-storage" \
    "the mass-storage interface stays with its driver" as_user usbmsc -v tur -d "$V"
check_eq "usb-storage still drives interface 0" usb-storage "$(interface0_driver)"

# ---- a firmware update through usbv:, as the user, the file system mounted
check "pack an image with LAB_FW_SECRET" pack 0200 2 /tmp/v2.img 1024
check "as user: usbmsc fw update -d $V completes" \
    as_user usbmsc -v fw update -d "$V" /tmp/v2.img
said "... confirmed" "confirmed"
check_eq "as user: fw info -d $V: 0200 active" "0200 (number 2)" "$(as_user usbmsc fw info -d "$V" 2>/dev/null | sed -n 's/^active: *\([^ ]* ([^)]*)\).*/\1/p')"
check_eq "usb-storage still drives interface 0" usb-storage "$(interface0_driver)"
check_out "the mount is still there" "$LAB_PART /mnt " cat /proc/mounts
files_untouched
check "the file system is still writable" sh -c 'echo more > /mnt/d.txt && sync && grep -q more /mnt/d.txt'
check "no USB disconnect" sh -c '! dmesg | grep -q "USB disconnect"'

# ---- the control LUN
d=$(usb_dev)
check_eq "LUN 1 is a processor (type 3)" 3 "$(cat "$d"/*/host*/target*/*:1/type)"
check "LUN 1 has no block node" sh -c "! ls -d $d/*/host*/target*/*:1/block 2>/dev/null"
check_out "usbmsc fw info -d $CTL (the control LUN)" "0200 (number 2)" usbmsc fw info -d "$CTL"

# ---- auto:
check "usbmsc -v inquiry -d auto:$VP" usbmsc -v inquiry -d "auto:$VP"
said "auto: takes the vendor interface" "auto: $PORT has the vendor interface (interface 1); using $V"
not_said "... and skips nothing before it" "auto: vendor interface:"

# A program holds the vendor interface: usbv: is refused, auto: takes the
# control LUN and says why it skipped the vendor interface.
# (exec: the pid is usbmsc's own, so that SIGTERM reaches it)
su user -c "exec usbmsc -d $V bench tur -n 10000000" > /tmp/holder.out 2>&1 &
holder=$!
held() { [ "$(basename "$(readlink "$(usb_dev)/$PORT:1.1/driver" 2>/dev/null)")" = usbfs ]; }
check "a second program claims the vendor interface" wait_for held
check_rc "usbv: while another program holds it is refused" 21 usbmsc inquiry -d "$V"
said "... saying so" "claimed by another program"
check "usbmsc -v inquiry -d auto:$VP while it is held" usbmsc -v inquiry -d "auto:$VP"
said "auto: notes why not the vendor interface" "auto: vendor interface: interface 1 of $PORT is claimed by another program"
said "auto: takes the control LUN" "has a control LUN at"
kill -TERM $holder 2>/dev/null
wait $holder
check "the holder let go" wait_for sh -c "! test -e $(usb_dev)/$PORT:1.1/driver"

check_eq "usb-storage still drives interface 0" usb-storage "$(interface0_driver)"
check_out "the mount is still there" "$LAB_PART /mnt " cat /proc/mounts
files_untouched
check "no kernel trouble" kernel_healthy
summary
