#!/bin/bash
# usbmsc inquiry, tur, sense, capacity, luns, list, help, --version against
# a fresh virtual device, in text and JSON.
. "$(dirname "$0")/lib.sh"

DEV="sim:$T/disk.img"

# ---- inquiry
run -d "$DEV" inquiry
expect_rc 0 "inquiry"
expect_out '^vendor: +USBMSC$' "inquiry prints the vendor as an aligned key: value line"
expect_out '^peripheral type: +0x00 \(' "inquiry prints the peripheral type"
check "inquiry creates the image" test -f "$T/disk.img"

run -d "$DEV" --json inquiry
expect_rc 0 "inquiry --json"
expect_json "inquiry JSON has vendor, product, revision, type, removable, version" \
	'd["vendor"] == "USBMSC"' 'isinstance(d["product"], str) and d["product"] != ""' \
	'isinstance(d["revision"], str)' 'd["peripheral_type"] == 0' \
	'isinstance(d["peripheral_type_name"], str)' 'isinstance(d["removable"], bool)' \
	'isinstance(d["version"], int)'

# Options after the command name, and the device from the environment.
run inquiry -d "$DEV" --json
expect_json "global options are accepted after the command" 'd["vendor"] == "USBMSC"'
USBMSC_DEVICE=$DEV run inquiry --json
expect_json "USBMSC_DEVICE supplies the device when -d is absent" 'd["vendor"] == "USBMSC"'
USBMSC_DEVICE="sim:$T/nonexistent-dir/x.img" run --device="$DEV" inquiry --json
expect_json "-d wins over USBMSC_DEVICE" 'd["vendor"] == "USBMSC"'

# ---- VPD pages
run -d "$DEV" --json inquiry --vpd supported
expect_rc 0 "inquiry --vpd supported"
expect_json "the supported-pages page lists itself" \
	'd["page"] == 0' '0 in [p["code"] for p in d["pages"]]' 'd["data"].startswith("0000")'
pages=$(python3 -c 'import json,sys; print(" ".join(str(p["code"]) for p in json.load(open(sys.argv[1]))["pages"]))' "$T/out")

run -d "$DEV" inquiry --vpd 0
expect_rc 0 "inquiry --vpd 0 (by number)"
expect_out '^supported VPD pages:' "the supported-pages page is decoded in text"

for page in $pages; do
	run -d "$DEV" --json inquiry --vpd "$page"
	expect_rc 0 "inquiry --vpd $page (a page the device lists)"
	expect_json "VPD page $page: JSON names the page and carries its bytes" \
		"d['page'] == $page" "d['data'][2:4] == '%02x' % $page"
done
case " $pages " in
*" 128 "*)
	run -d "$DEV" --json inquiry --vpd sn
	expect_json "--vpd sn decodes the serial number" 'd["page"] == 128' \
		'isinstance(d["serial"], str) and d["serial"] != ""'
	run -d "$DEV" inquiry --vpd 0x80
	expect_out '^serial number: +[^ ]' "--vpd 0x80 prints the serial number"
	;;
esac

run -d "$DEV" inquiry --vpd bogus
expect_rc 1 "inquiry --vpd with an unknown page name"
expect_err "unknown VPD page 'bogus'" "the error names the bad page"
run -d "$DEV" inquiry --vpd 256
expect_rc 1 "inquiry --vpd 256 is not a page"

# A page the device does not have: its ILLEGAL REQUEST is the exit status.
run -d "$DEV" inquiry --vpd 0xfe
expect_rc 5 "inquiry --vpd of a page the device lacks"
expect_err '^usbmsc: inquiry: ILLEGAL REQUEST' "the error line carries the sense text"

# ---- tur
run -d "$DEV" tur
expect_rc 0 "tur"
expect_out '^ready$' "tur prints ready"
run -d "$DEV" tur --json
expect_json "tur JSON" 'd["ready"] is True' 'd["sense"] is None'

# ---- sense: every run starts the virtual device afresh, and REQUEST SENSE
# is the command that reports its power-on unit attention.
run -d "$DEV" sense
expect_rc 0 "sense"
expect_out '^sense key: +0x6 UNIT ATTENTION$' "sense decodes the sense key"
expect_out '^asc/ascq: +0x29/0x00 power on, reset, or bus device reset occurred$' \
	"sense decodes the additional sense code"
run -d "$DEV" sense --json
expect_rc 0 "sense --json"
expect_json "sense JSON has key, asc, ascq, text" \
	'd["key"] == 6' 'd["asc"] == 0x29' 'd["ascq"] == 0' 'd["key_name"] == "UNIT ATTENTION"' \
	'd["text"] == "UNIT ATTENTION: power on, reset, or bus device reset occurred (06/29/00)"' \
	'd["response_code"] == 0x70' 'd["information"] is None'

# ---- capacity
run -d "$DEV" capacity
expect_rc 0 "capacity"
expect_out '^131072 blocks x 512 bytes = 67108864 bytes \(64\.0 MiB\)$' "capacity text of a 64 MiB image"
run -d "$DEV" --json capacity
expect_json "capacity JSON of a 64 MiB image" \
	'd["blocks"] == 131072' 'd["block_size"] == 512' 'd["bytes"] == 64 * 1024 * 1024' \
	'd["last_lba"] == 131071'

# ---- luns
run -d "$DEV" luns
expect_rc 0 "luns"
expect_out '^REPORT LUNS: 1 LUN: 0$' "luns lists LUN 0"
run -d "$DEV" --json luns
expect_json "luns JSON" 'd["luns"] == [0]' 'd["max_lun"] == 0'

# ---- list (discovery pointed at an empty sysfs: a machine without USB);
# a build with the null OS backend (meson says which) has no discovery
if [ "${USBMSC_OS_BACKEND:-linux}" = none ]; then
	run list
	expect_rc 1 "list without an OS backend"
	expect_err 'list: device discovery is not supported on this system' \
		"list says discovery is not supported"
	run list --json
	expect_json "list JSON without an OS backend" 'd["error"]["category"] == "usage"'
else
	mkdir -p "$T/sys"
	export USBMSC_SYSFS_ROOT=$T/sys
	run list
	expect_rc 0 "list"
	expect_out '^no USB mass-storage devices found$' "list says none were found"
	run list --json
	expect_json "list JSON" 'd == {"devices": []}'
	unset USBMSC_SYSFS_ROOT
fi

# ---- help and version
run --help
expect_rc 0 "--help"
for cmd in inquiry tur sense capacity luns read write raw list help; do
	if grep -Eq "^  $cmd " "$T/out"; then ok "--help lists $cmd"; else not_ok "--help lists $cmd" "$(what_ran)"; fi
done
expect_out 'sim:PATH\[\?OPTIONS\]' "--help shows the sim: URI"
expect_out 'usb:VID:PID\[:SERIAL\]' "--help shows the usb: URI"
expect_out '^ +35  transport or phase error' "--help shows the exit statuses"

for cmd in inquiry tur sense capacity luns read write raw list help; do
	run "$cmd" --help
	if [ "$rc" -eq 0 ] && grep -q "^usage: usbmsc .*$cmd" "$T/out" && grep -q '^Examples:' "$T/out"; then
		ok "$cmd --help has a synopsis and examples"
	else
		not_ok "$cmd --help has a synopsis and examples" "$(what_ran)"
	fi
done
run help raw
expect_rc 0 "help raw"
expect_out '--dry-run' "help raw documents --dry-run"
run help nosuch
expect_rc 1 "help of an unknown command"

run --version
expect_rc 0 "--version"
expect_out '^usbmsc [0-9]+\.[0-9]+\.[0-9]+$' "--version prints 'usbmsc VERSION'"
run --version --json
expect_json "--version --json" 'd["version"].count(".") == 2'

done_testing
