# usb-storage binds to the gadget, the sd and sg nodes appear, and the
# host sees the IDs and strings given on the command line.
# gadget-args: --lun /lab/e.img,size=64M --vid 1d6b --pid 0104 --manufacturer ACME
#   --product-string 'ACME Lab Disk' --serial LAB0042 --name labgadget
. /add/lib.sh
d=$(usb_dev)
check_eq "usb-storage drives the interface" usb-storage "$(basename "$(readlink "$d"/*:1.0/driver)")"
check_eq "idVendor" 1d6b "$(cat "$d/idVendor")"
check_eq "idProduct" 0104 "$(cat "$d/idProduct")"
check_eq "manufacturer string" ACME "$(cat "$d/manufacturer")"
check_eq "product string" "ACME Lab Disk" "$(cat "$d/product")"
check_eq "serial string" LAB0042 "$(cat "$d/serial")"
check_eq "interface class/subclass/protocol" "08 06 50" \
    "$(cat "$d"/*:1.0/bInterfaceClass) $(cat "$d"/*:1.0/bInterfaceSubClass) $(cat "$d"/*:1.0/bInterfaceProtocol)"
check_eq "high speed (dummy_hcd's default)" 480 "$(cat "$d/speed")"
check_eq "two bulk endpoints" 02 "$(cat "$d"/*:1.0/bNumEndpoints)"
check "a block node" test -b "$BLK"
check "an sg node" test -c "$SG"
check_eq "64 MiB disk" 131072 "$(cat /sys/block/${BLK#/dev/}/size)"
check "configfs gadget under the given name" test -d /sys/kernel/config/usb_gadget/labgadget
check_out "functionfs mounted for it" "labgadget /dev/usb-ffs/labgadget functionfs" cat /proc/mounts
check "the UDC is bound" grep -q dummy_udc.0 /sys/kernel/config/usb_gadget/labgadget/UDC
check "SIGTERM stops it" stop_gadget TERM
check "... and it removed its configfs gadget" test ! -e /sys/kernel/config/usb_gadget/labgadget
check "... and its functionfs mount" sh -c '! grep -q functionfs /proc/mounts'
check "... and the mount point" test ! -e /dev/usb-ffs/labgadget
check "the kernel stayed healthy" kernel_healthy
summary
