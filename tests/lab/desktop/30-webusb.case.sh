# The web updater (web/) in the guest's Chromium, headless, driven by
# puppeteer-core (tests/web/browser/drive.mjs device) as the user at the
# seat, whose access to the usbfs node is udev's uaccess ACL. The gadget's
# vendor interface is granted to the page by Chromium's managed policy
# WebUsbAllowDevicesForUrls, not by a chooser. The page, served from
# 127.0.0.1, finds the device running version N, updates it to N+1 across
# the re-enumeration (confirmed), refuses an image signed with another key
# with the reason shown, and when the gadget is killed a quarter into a
# download says that the device went away and that N+1 still runs; the
# restarted gadget runs N+1, confirmed, nothing pending (usbmsc fw info).
# add: web
# add: tests/web/browser
# npm: tests/web/browser
. /add/desktoplib.sh

PORT=8317
FILES=/tmp/webfiles
POLICY=/etc/chromium/policies/managed/usbmsc-webusb.json

check "the gadget's nodes" refresh
check "the npm packages and the page are here" test -f /add/node_modules/puppeteer-core/package.json \
    -a -f /add/web/index.html -a -f /add/browser/drive.mjs
cur=$(number)
check "the device reports its running version number" test -n "$cur"

# ---- the policy grants the gadget (VID 0x1209 = 4617, PID 1) to the page
mkdir -p "${POLICY%/*}"
cat > $POLICY <<JSON
{ "WebUsbAllowDevicesForUrls": [ { "devices": [ { "vendor_id": 4617, "product_id": 1 } ],
                                   "urls": [ "http://127.0.0.1:$PORT" ] } ] }
JSON
chmod 644 $POLICY

# ---- the images, readable by the user's browser
rm -rf $FILES && mkdir -p $FILES && chmod 777 $FILES
check "pack the next version $(ver $((cur + 1)))" pack_next $FILES/new.umfw
usbmsc fw keygen /tmp/other.sec /tmp/other.pub > /dev/null
check "pack a forged 0900, signed with another key" pack 0900 9 $FILES/forged.umfw 64 /tmp/other.sec
check "pack $(ver $((NEXT + 1))) (4 MiB, to be cut short)" pack "$(ver $((NEXT + 1)))" $((NEXT + 1)) $FILES/big.umfw 4096
chmod 644 $FILES/*.umfw

# The page asks for the kill by creating a file (the browser runs as the
# user, the gadget as root); this watcher ends with the gadget or below.
rm -f $FILES/kill-now
( while [ ! -e $FILES/kill-now ]; do sleep 0.05; done; kill -9 "$GADGET_PID" ) &
watcher=$!

# Chromium under emulation: every timeout of the driver times 4, the whole
# run bounded by timeout(1) (10 min; it takes 1.5 to 4 min).
as_user timeout 600 node /add/browser/drive.mjs device --modules /add/node_modules --web /add/web \
    --files $FILES --port $PORT --kill-cmd "touch $FILES/kill-now" \
    --before "$(ver "$cur")" --next "$(ver "$NEXT")" --time-scale 4 > /tmp/drive.out 2>&1
drive_rc=$?
sed 's/^/# /' /tmp/drive.out
check_eq "the browser run passed all its checks" "0 failed, exit 0" \
    "$(sed -n "s/^[0-9]* passed, \\([0-9]* failed\\)$/\\1/p" /tmp/drive.out), exit $drive_rc"
kill $watcher 2> /dev/null
if [ $drive_rc != 0 ]; then   # what the host saw of the device meanwhile
    dmesg | grep -E 'usb [0-9]-1:|USB disconnect' | tail -n 12 | sed 's/^/# dmesg: /'
fi

check "the gadget is gone (killed mid-download)" wait_for gone "$GADGET_PID"
# shellcheck disable=SC2086 # GARGS are words
check "it starts again" start_gadget $GARGS
check "its nodes" refresh
check_eq "usbmsc fw info: $(ver "$NEXT") runs, not $(ver $((NEXT + 1)))" "$(ver "$NEXT") (number $NEXT)" "$(active "$SG")"
check_eq "nothing pending, not on trial" "none" "$(flags "$SG")"
check "no kernel trouble" kernel_healthy
summary
