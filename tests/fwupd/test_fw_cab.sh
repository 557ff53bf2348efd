#!/bin/bash
# usbmsc fw cab: the cabinet is checked by other programs (cabextract -t
# tests every data block's checksum, gcab lists and extracts it), the files
# come back byte for byte, the metainfo validates (appstreamcli), and its
# GUID is fwupd's: UUIDv5 of the instance ID in the DNS namespace, which
# Python's uuid5 computes independently. Refusals: an image whose length
# fwupd's scsi plugin does not take, an image that names no device, a
# forged image with --key. Each peer tool is skipped when absent.
#
#   test_fw_cab.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
SECRET=$ROOT/data/demo-fw-secret.key
PUBLIC=$ROOT/data/demo-fw-public.key
cd "$T" || exit 1

have() { command -v "$1" >/dev/null; }

# pack NAME VERSION NUMBER PAYLOAD_BYTES [pack options]: a signed image.
pack() {
	local name=$1 version=$2 number=$3 size=$4
	shift 4
	head -c "$size" /dev/urandom >"$name.bin"
	"$USBMSC" fw pack --key "$SECRET" --version "$version" --version-number "$number" \
		-o "$name.umfw" "$name.bin" "$@" >/dev/null
}

uuid5() { python3 -c 'import sys, uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, sys.argv[1]))' "$1"; }

# A gadget image: 64 KiB exactly (header + payload), INQUIRY identity set.
pack gadget 0200 2 $((65536 - 256)) --vid 1209 --pid 0001 --vendor usbmsc --product "Gadget Disk"
run fw cab gadget.umfw -o gadget.cab --key "$PUBLIC" --date 2026-01-02
expect_rc 0 "fw cab of a 64 KiB image"
expect_out '^instance id: +SCSI\\VEN_usbmsc&DEV_Gadget-Disk$' "the scsi plugin's instance ID, the space as '-'"
want=$(uuid5 'SCSI\VEN_usbmsc&DEV_Gadget-Disk')
expect_out "^guid: +$want\$" "the GUID is UUIDv5 of the instance ID in the DNS namespace ($want)"
expect_out '^protocol: +org.jedec.ufs$' "the scsi plugin's protocol"

if have cabextract; then
	run_cabextract() { cabextract -t "$1" >"$T/cx" 2>&1; }
	check "cabextract -t: every block's checksum good" run_cabextract gadget.cab
	grep -q "All done, no errors" "$T/cx" && ok "cabextract says no errors" ||
		not_ok "cabextract says no errors" "$(cat "$T/cx")"
else
	ok "# SKIP cabextract not installed"
fi
if have gcab; then
	gcab -t gadget.cab >"$T/list" 2>&1
	if [ "$(sort "$T/list" | tr '\n' ' ')" = "firmware.metainfo.xml firmware.umfw " ]; then
		ok "gcab lists the image and the metainfo"
	else
		not_ok "gcab lists the image and the metainfo" "$(cat "$T/list")"
	fi
	mkdir x && gcab -x -C x gadget.cab >/dev/null 2>&1
	check "gcab extracts the image byte for byte" cmp x/firmware.umfw gadget.umfw
	grep -q '^firmware.umfw 65536 2026-01-02 ' <(gcab -l gadget.cab) && ok "the file's size and date" ||
		not_ok "the file's size and date" "$(gcab -l gadget.cab)"
	m=x/firmware.metainfo.xml
	sum=$(sha256sum gadget.umfw | cut -d' ' -f1)
	check "metainfo: the GUID it provides" grep -q "<firmware type=\"flashed\">$want</firmware>" "$m"
	check "metainfo: the release's version and date" grep -q '<release version="0200" date="2026-01-02"' "$m"
	check "metainfo: the image's SHA-256" grep -q "filename=\"firmware.umfw\" target=\"content\">$sum<" "$m"
	check "metainfo: the update protocol" grep -q '"LVFS::UpdateProtocol">org.jedec.ufs<' "$m"
	check "metainfo: plain version format (INQUIRY revisions compare as strings)" \
		grep -q '"LVFS::VersionFormat">plain<' "$m"
	if have appstreamcli; then
		appstreamcli validate --no-net "$m" >"$T/as" 2>&1 && ok "appstreamcli validates the metainfo" ||
			not_ok "appstreamcli validates the metainfo" "$(cat "$T/as")"
	else
		ok "# SKIP appstreamcli not installed"
	fi
	if have fwupdtool; then
		fwupdtool get-details gadget.cab >"$T/fd" 2>&1 && grep -q "$want" "$T/fd" &&
			ok "fwupdtool get-details reads the cabinet" ||
			not_ok "fwupdtool get-details reads the cabinet" "$(cat "$T/fd")"
	fi
else
	ok "# SKIP gcab not installed"
fi

# Names with XML's characters are escaped.
run --json fw cab gadget.umfw -o named.cab --name 'A & B <card>' --id com.example.Card.firmware \
	--date 2026-01-02
expect_json "--json: the cabinet's facts" "d['guid'] == '$want'" "d['route'] == 'scsi'" \
	"d['firmware_len'] == 65536" "d['version'] == '0200'" "d['version_number'] == 2"
if have gcab; then
	mkdir y && gcab -x -C y named.cab >/dev/null 2>&1
	check "the name is escaped" grep -q '<name>A &amp; B &lt;card&gt;</name>' y/firmware.metainfo.xml
	check "the component ID is the one given" grep -q '<id>com.example.Card.firmware</id>' y/firmware.metainfo.xml
fi

# An image that fits any device: --vendor and --product name it.
pack anydev 0300 3 $((65536 * 2 - 256))
run fw cab anydev.umfw -o any.cab
expect_rc 1 "an image that fits any INQUIRY identity needs --vendor and --product"
expect_err 'give --vendor and --product' "and says so"
run fw cab anydev.umfw -o any.cab --vendor USBMSC --product "Virtual Disk"
expect_rc 0 "with them it is made"
expect_out "^guid: +$(uuid5 'SCSI\VEN_USBMSC&DEV_Virtual-Disk')\$" "the GUID of the names given"
run fw cab gadget.umfw -o x.cab --vendor other
expect_rc 1 "--vendor may not contradict the image's"

# fwupd's scsi plugin takes whole 4 KiB units only.
pack odd 0400 4 5000 --vendor usbmsc --product "Gadget Disk"
run fw cab odd.umfw -o odd.cab
expect_rc 15 "an image of 5256 bytes is refused for the scsi route"
expect_err 'multiple of 4096; pad the payload by 2936 bytes' "with the padding it needs"
check "nothing is written" test ! -e odd.cab
check "no temporary file is left" test -z "$(ls odd.cab.* 2>/dev/null)"

# A forged image, with --key: refused; a damaged one without: refused too.
"$USBMSC" fw keygen other.sec other.pub >/dev/null
head -c $((65536 - 256)) /dev/urandom >f.bin
"$USBMSC" fw pack --key other.sec --version 0500 --version-number 5 --vendor usbmsc \
	--product "Gadget Disk" -o forged.umfw f.bin >/dev/null
run fw cab forged.umfw -o forged.cab --key "$PUBLIC"
expect_rc 15 "an image signed with another key is refused with --key"
cp gadget.umfw damaged.umfw
printf 'x' | dd of=damaged.umfw bs=1 seek=4000 conv=notrunc 2>/dev/null
run fw cab damaged.umfw -o damaged.cab
expect_rc 15 "a damaged image is refused (its hash)"

# The uf2 route: a UF2 file, its first block carrying the image's header.
python3 - gadget.umfw gadget.uf2 <<'PY'
import struct, sys
img = open(sys.argv[1], "rb").read()
n = (len(img) + 255) // 256
with open(sys.argv[2], "wb") as f:
    for i in range(n):
        data = img[256 * i:256 * i + 256].ljust(476, b"\0")
        f.write(struct.pack("<8I", 0x0A324655, 0x9E5D5157, 0x2000, 256 * i, 256, i, n, 0xF474B2B7)
                + data + struct.pack("<I", 0x0AB16F30))
PY
run fw cab gadget.uf2 -o uf2.cab --date 2026-01-02
expect_rc 0 "fw cab of a UF2 file"
expect_out '^instance id: +USB\\VID_1209&PID_0001$' "the uf2 plugin's instance ID"
expect_out "^guid: +$(uuid5 'USB\VID_1209&PID_0001')\$" "its GUID"
expect_out '^protocol: +com.microsoft.uf2$' "the uf2 plugin's protocol"
run fw cab gadget.uf2 -o uf2.cab --route scsi
expect_rc 1 "--route scsi takes an image, not a UF2 file"
run fw cab anydev.umfw -o x.cab --route uf2
expect_rc 1 "--route uf2 takes a UF2 file"

done_testing
