# The web updater in the desktop guest's Chromium, headless, driven by
# puppeteer-core (tests/web/browser/drive.mjs device) as the user at the
# seat: the gadget's vendor interface is granted to the page by the
# WebUsbAllowDevicesForUrls policy, not by a chooser. The page updates the
# gadget (0100 -> 0300), refuses a forged image with the reason shown, and
# when the gadget is killed mid-download says that it went away and that
# the old version still runs; a restarted gadget runs 0300.
#
# Needs in the guest: /add/lib.sh and /add/fwlib.sh (tests/lab/gadget,
# tests/lab/firmware), the source tree's web/ and tests/web/browser/ under
# $LAB_WEB_ROOT (default /add/src), and the npm packages that
# tests/web/browser/vendor.sh installed on the host, at $LAB_WEB_MODULES.
# gadget-args: --lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash --vendor-interface -v
. /add/fwlib.sh

GADGET_ARGS="--lun /tmp/disk.img,size=64M --fw-state /tmp/fw.flash --vendor-interface -v"
ROOT=${LAB_WEB_ROOT:-/add/src}
MODULES=${LAB_WEB_MODULES:-/add/node_modules}
PORT=8317
FILES=/tmp/webfiles
USBV=usbv:$FW_VID:$FW_PID:$FW_SERIAL

# The policy: this page may use the gadget (VID 0x1209 = 4617, PID 1).
mkdir -p /etc/chromium/policies/managed
cat > /etc/chromium/policies/managed/usbmsc-webusb.json <<JSON
{ "WebUsbAllowDevicesForUrls": [ { "devices": [ { "vendor_id": 4617, "product_id": 1 } ],
                                   "urls": [ "http://127.0.0.1:$PORT" ] } ] }
JSON
check "the WebUSB policy is in place" test -s /etc/chromium/policies/managed/usbmsc-webusb.json

mkdir -p $FILES && chmod 777 $FILES
check "pack 0300 (512 KiB)" pack 0300 3 $FILES/new.umfw 512
usbmsc fw keygen /tmp/other.sec /tmp/other.pub > /dev/null
check "pack a forged 0900, signed with another key" pack 0900 9 $FILES/forged.umfw 64 /tmp/other.sec
check "pack 0400 (16 MiB, to be cut short)" pack 0400 4 $FILES/big.umfw 16000
chmod 644 $FILES/*.umfw

# The page asks for the kill by creating a file (the browser runs as the
# seat's user, the gadget as root).
rm -f $FILES/kill-now
( while [ ! -e $FILES/kill-now ]; do usleep 20000; done; kill -9 "$GADGET_PID" ) &
watcher=$!

run=
command -v seat-run > /dev/null && run=seat-run
$run node "$ROOT/tests/web/browser/drive.mjs" device --modules "$MODULES" --web "$ROOT/web" \
    --files $FILES --port $PORT --kill-cmd "touch $FILES/kill-now" > /tmp/drive.out 2>&1
drive_rc=$?
sed 's/^/# /' /tmp/drive.out
check "the browser run passed all its checks" [ $drive_rc = 0 ]
kill $watcher 2> /dev/null

check "the gadget is gone (killed mid-download)" wait_for gone "$GADGET_PID"
check "it starts again" start_gadget $GADGET_ARGS
check_eq "the old version still runs: 0300, not 0400" "0300 (number 3)" "$(active "$USBV")"
check_eq "nothing pending, not on trial" "none" "$(flags "$USBV")"
check "no kernel trouble" kernel_healthy
summary
