# udev: the installed rule (data/udev/70-usbmsc.rules, installed by meson
# install into udev's directory) gives the user logged in at the seat the
# vendor interface's usbfs node through systemd's uaccess (an ACL; mode and
# owner untouched), with no permission changed by hand. The user reaches
# usbv: and updates the firmware through it; the device re-enumerates and
# the user reaches it again; usbmsc list agrees. Without the rule, a fresh
# enumeration leaves the user out (the check that this case can fail).
. /add/desktoplib.sh

RULE=/usr/lib/udev/rules.d/70-usbmsc.rules
check "the rule is installed in udev's directory" test -f $RULE
check "the gadget's nodes" refresh
check_out "udev tagged the usb_device for uaccess (and seat)" "uaccess" \
    udevadm info -q property -p "$(usb_dev)"
check_eq "the node keeps its mode and owner" "crw-rw-r-- root root" \
    "$(stat -c '%A %U %G' "$NODE")"
check "the seat's user has an ACL entry on $NODE" user_acl "$NODE"
check_out "as user: id says uid 1000, in the seat's session" "uid=1000(user)" as_user id
check_out "... an active session on seat0" "seat0 active" as_user sh -c \
    'echo "$(loginctl show-session "$XDG_SESSION_ID" -p Seat --value) $(loginctl show-session "$XDG_SESSION_ID" -p State --value)"'

# ---- before the update
check "as user: usbmsc list" as_user usbmsc list
said "list: the vendor door is open to the user" "$(door vendor yes "$V")"
check_out "as user: usbmsc inquiry -d $V" "usbmsc" as_user usbmsc inquiry -d "$V"
check_eq "usb-storage keeps interface 0" usb-storage "$(interface0_driver)"

# ---- a firmware update through usbv:, as the user
check "pack the next version with LAB_FW_SECRET" pack_next /tmp/next.img
chmod 644 /tmp/next.img
old=$(devnum)
as_user usbmsc -v fw update -d "$V" /tmp/next.img > "$OUT" 2>&1
rc=$?
if [ $rc = 20 ] && grep -q "activate): device gone while reading the CSW" "$OUT"; then
    # A known race under CPU load (tests/lab/README.md): the device
    # re-enumerated before usbmsc took the activation's CSW, so it did not
    # reopen the device and confirm. The new image runs on trial; the same
    # update again only confirms it (FW CONFIRM, no re-enumeration).
    echo "# note: the activation's CSW was lost to the re-enumeration; updating again to confirm"
    sed 's/^/#   /' "$OUT" | tail -n 2
    check "the host enumerated the device again" wait_for reenumerated "$old"
    udevadm settle
    check "as user: the same update again confirms the image on trial" \
        as_user usbmsc -v fw update -d "$V" /tmp/next.img
    said "... confirmed" "confirmed"
else
    if [ $rc = 0 ]; then pass "as user: usbmsc fw update -d $V"
    else fail "as user: usbmsc fw update -d $V (exit $rc)"; fi
    said "... the device came back" "the device is back"
    said "... confirmed" "confirmed"
    check "the host enumerated the device again" wait_for reenumerated "$old"
fi
check "its nodes after the re-enumeration" refresh
check "the seat's user has an ACL entry on the new node $NODE" user_acl "$NODE"
check_eq "as user: fw info -d $V: the new version" "$(printf '%02d00' "$NEXT") (number $NEXT)" \
    "$(as_user usbmsc fw info -d "$V" 2>/dev/null | sed -n 's/^active: *\([^ ]* ([^)]*)\).*/\1/p')"
check "as user: usbmsc list after the update" as_user usbmsc list
said "list: the vendor door is still open to the user" "$(door vendor yes "$V")"
check_eq "usb-storage keeps interface 0" usb-storage "$(interface0_driver)"

# ---- without the rule, a new enumeration gives the user nothing
mv $RULE /tmp/70-usbmsc.rules
udevadm control --reload
check "restart the gadget without the rule" restart_gadget
check "no ACL entry for the user on $NODE" no_user_acl "$NODE"
check_rc "as user: usbv: is refused" 22 as_user usbmsc inquiry -d "$V"
check "as user: usbmsc list" as_user usbmsc list
said "list: the vendor door is closed, naming the rule" \
    "$(door vendor no "permission denied on $NODE (install the udev rule data/udev/70-usbmsc.rules)")"
mv /tmp/70-usbmsc.rules $RULE
udevadm control --reload
check "restart the gadget with the rule back" restart_gadget
check "the ACL entry is back" user_acl "$NODE"
check_out "as user: usbmsc inquiry -d $V" "usbmsc" as_user usbmsc inquiry -d "$V"
check "no kernel trouble" kernel_healthy
summary
