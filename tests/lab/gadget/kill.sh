# Kill the gadget in the middle of a transfer: dd fails cleanly, the guest
# kernel stays healthy, and the gadget starts again (cleaning what the
# killed one left in configfs) and answers.
# gadget-args: --lun /lab/x.img,size=256M
. /add/lib.sh
dd if=/dev/zero of="$BLK" bs=1M count=256 oflag=direct > /tmp/dd.out 2>&1 &
dd_pid=$!
sleep 2
check "dd is running" kill -0 $dd_pid
check "kill -9 the gadget mid-transfer" kill -9 "$GADGET_PID"
check "the gadget is gone" wait_for gone "$GADGET_PID"
check "dd ends" wait_for gone $dd_pid
wait $dd_pid
rc=$?
check "dd failed (the disk went away): exit $rc" test $rc -ne 0
check "the USB device is gone" wait_for no_usb_dev
check "the kill -9 left its configfs gadget behind" test -d /sys/kernel/config/usb_gadget/usbmsc
check "start the gadget again" start_gadget --lun /lab/x.img,size=256M
check_out "it removed the stale gadget, saying so" "removed the stale gadget" cat "$GADGET_LOG"
check_out "sg_inq works" "Product identification" sg_inq "$SG"
check "reads work" dd if="$BLK" of=/dev/null bs=1M count=4 iflag=direct
dd if=/dev/zero of="$BLK" bs=1M count=256 oflag=direct > /tmp/dd2.out 2>&1 &
dd_pid=$!
sleep 2
check "SIGTERM the gadget mid-transfer" stop_gadget TERM
check "dd ends" wait_for gone $dd_pid
check "nothing left in configfs" test ! -e /sys/kernel/config/usb_gadget/usbmsc
check "nothing left mounted" sh -c '! grep -q functionfs /proc/mounts'
check "start once more" start_gadget --lun /lab/x.img
check_out "sg_inq works" "Product identification" sg_inq "$SG"
check "the kernel stayed healthy" kernel_healthy
summary
