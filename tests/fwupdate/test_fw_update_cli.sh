#!/bin/bash
# usbmsc fw info | fw update | fw activate | fw confirm against the virtual
# device: every mode end to end, every bad image refused by the host (exit
# 15, nothing sent) and by the device (--no-host-checks: exit 5, 05/26/00),
# interrupted updates, a crash between activation and confirmation, a
# device that reboots before the activating CSW, the JSON events.
#
#   test_fw_update_cli.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

USBMSC=$(realpath "$USBMSC")
ROOT=$(realpath "$2")
SK=$ROOT/data/demo-fw-secret.key
PK=$ROOT/data/demo-fw-public.key
cd "$T" || exit 1

u() { "$USBMSC" "$@"; }

# pack NAME VERSION NUMBER [PACK OPTIONS...]: an image of a 3 MiB payload
# (three 1 MiB chunks and a bit) for the virtual device.
head -c $((3 * 1024 * 1024 + 1000)) /dev/urandom >payload.bin
head -c 70000 /dev/urandom >small.bin
pack() {
	local name=$1 version=$2 number=$3
	shift 3
	u fw pack --key "$SK" --version "$version" --version-number "$number" --vid 1209 \
		--pid 0001 --vendor USBMSC --product 'Virtual Disk' -o "$name" "$@" >/dev/null ||
		echo "# pack $name failed"
}

# fwjson DEV EXPR...: fw info --json of DEV, and every Python expression holds.
fwjson() {
	local dev=$1
	shift
	run -d "$dev" --json fw info
	expect_json "$dev: fw info: $*" "$@"
}

# expect_done DESC EXPR...: the last JSON line (the done event) is `d` and
# every Python expression holds.
expect_done() {
	local desc=$1
	shift
	tail -n 1 "$T/out" >"$T/last.json"
	if python3 - "$T/last.json" "$@" >"$T/py" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for expr in sys.argv[2:]:
    if not eval(expr, {"d": d}):
        sys.exit("does not hold: %s\ndone: %s" % (expr, json.dumps(d)[:1500]))
PY
	then ok "$desc"; else not_ok "$desc" "$(cat "$T/py")" "$(what_ran)"; fi
}

# The -vv trace's CBWs, numbered as the virtual device counts them.
# cbw_index TRACE OPCODE [MODE]: the number of the first CBW with that CDB.
cbw_index() {
	python3 - "$@" <<'PY'
import sys
path, op = sys.argv[1], int(sys.argv[2], 16)
mode = int(sys.argv[3], 16) if len(sys.argv) > 3 else None
n = 0
for line in open(path):
    if not line.startswith("usbmsc: CBW "):
        continue
    n += 1
    b = [int(x, 16) for x in line.split("(")[0].split()[2:]]
    cdb = b[15:15 + b[14]]
    if cdb[0] == op and (mode is None or (cdb[1] & 0x1F) == mode):
        print(n)
        break
PY
}

# ---- fw info of a fresh device
pub=$(sed -n 2p "$PK")
fwjson sim:a.img 'd["active"]["version"] == "0100"' 'd["active"]["version_number"] == 1' \
	'd["active"]["slot"] == "A"' 'd["pending"] is None' 'd["modes"] == [5, 7, 14, 15]' \
	"d['public_key'] == '$pub'" 'd["buffer"] == {"offset_boundary": 4096, "offset_boundary_exponent": 12, "capacity": 16777216}' \
	'd["trial"] is False' 'd["reverted"] is False' 'd["last_error"] is None' \
	'd["anti_rollback_floor"] == 1' 'd["usb"] == {"vid": 0x1209, "pid": 1}' \
	'd["inquiry"]["revision"] == "0100"'
check "the flash is kept beside the image" test -f a.img.fw
run -d sim:a.img fw info
expect_rc 0 "fw info (text)"
expect_out '^active: +0100 \(number 1\) in slot A' "text shows the active version"
expect_out '^last error: +none' "text shows the last error"

# ---- every mode, end to end
pack v2.umfw 0200 2 payload.bin
pack v3.umfw 0300 3 payload.bin
pack v4.umfw 0400 4 small.bin
pack v5.umfw 0500 5 payload.bin
pack v6.umfw 0600 6 payload.bin
run -d sim:a.img fw update v2.umfw
expect_rc 0 "fw update, mode auto"
expect_out '^after: +0200 \(number 2\), confirmed' "auto: the new version runs, confirmed"
expect_err 'mode 0x0e, then 0x0f, 5 commands' "auto chose 0x0e then 0x0f"
run -d sim:a.img inquiry
expect_out '^revision: +0200' "INQUIRY reports the new revision in the next run"
run -d sim:a.img fw update --mode 7 v3.umfw
expect_rc 0 "fw update --mode 7"
fwjson sim:a.img 'd["active"]["version"] == "0300"' 'd["active"]["slot"] == "A"' \
	'd["trial"] is False' 'd["anti_rollback_floor"] == 3'
run -d sim:a.img fw update --mode 5 v4.umfw
expect_rc 0 "fw update --mode 5 (one command)"
fwjson sim:a.img 'd["active"]["version"] == "0400"'
run -d sim:a.img fw update --mode e v5.umfw
expect_rc 0 "fw update --mode e"
fwjson sim:a.img 'd["active"]["version"] == "0500"'
run -d sim:a.img fw update --mode 5 v6.umfw
expect_rc 1 "--mode 5 with an image larger than one command"
expect_err 'one command' "says why"

# ---- stage, then activate with a later update
run -d sim:a.img fw update --no-activate v6.umfw
expect_rc 0 "fw update --no-activate"
expect_out '^result: +staged' "reports staged"
fwjson sim:a.img 'd["active"]["version"] == "0500"' \
	'd["pending"]["version"] == "0600"' 'd["pending"]["version_number"] == 6' \
	'd["pending_waits_for_activation"] is True'
run -d sim:a.img inquiry
expect_out '^revision: +0500' "a new open does not activate the staged image"
run -d sim:a.img -v fw update v6.umfw
expect_rc 0 "fw update of the staged image"
expect_err 'already waits for activation' "activates without a second download"
if grep -q 'CDB 3b 0e' "$T/err"; then not_ok "no second download" "$(grep 'CDB 3b' "$T/err")"; else ok "no second download"; fi
fwjson sim:a.img 'd["active"]["version"] == "0600"' 'd["pending"] is None'

# ---- fw activate and fw confirm (on f.img, a device of its own)
run -d sim:f.img fw activate
expect_rc 5 "fw activate with nothing staged"
expect_err 'no image waits for activation' "... says so"
run -d sim:f.img fw confirm
expect_rc 5 "fw confirm with nothing on trial"
expect_err 'nothing runs on trial' "... says so"
run -d sim:f.img fw update --no-activate v2.umfw
expect_rc 0 "stage 0200"
run -v -d sim:f.img --json fw activate
expect_rc 0 "fw activate: the staged image"
expect_done "... activated and confirmed, with 0x0f alone" 'd["result"] == "activated"' \
	'd["confirmed"]' 'd["target"] == {"version": "0200", "version_number": 2}' \
	'd["image"] is None' 'd["commands_sent"] == 1' 'd["active"]["version"] == "0200"'
if grep -q 'CDB 3b 0e' "$T/err"; then not_ok "... no download"; else ok "... no download"; fi
fwjson sim:f.img 'd["active"]["version"] == "0200"' 'd["trial"] is False' 'd["pending"] is None'
# a trial image: staged, then activated by hand on a device that goes away
# after the CSW, so that the next open boots it on trial
run -d sim:f.img fw update --no-activate v3.umfw
expect_rc 0 "stage 0300"
run -d 'sim:f.img?fw-reboot=disconnect' raw 3b 0f 00 00 00 00 00 00 00 00
expect_rc 0 "activated by hand (raw WRITE BUFFER mode 0x0f)"
run -d sim:f.img fw confirm
expect_rc 0 "fw confirm: the image on trial"
expect_out '^after: +0300 \(number 3\), confirmed' "... is confirmed"
expect_out '^result: +confirmed' "... says so"
fwjson sim:f.img 'd["active"]["version"] == "0300"' 'd["trial"] is False' \
	'd["anti_rollback_floor"] == 3'
run -d sim:f.img fw activate extra
expect_rc 1 "fw activate takes no argument"
run -d sim:f.img fw confirm --wait 5
expect_rc 1 "fw confirm has no --wait"

# ---- bad images: refused by the host from their header, nothing sent
cp a.img.fw good.fw
u fw keygen other.sk other.pk >/dev/null
u fw pack --key other.sk --version 0700 --version-number 7 --vid 1209 --pid 0001 -o forged.umfw \
	payload.bin >/dev/null
pack wrongid.umfw 0700 7 payload.bin --vid 1234 --pid 5678
u fw pack --key "$SK" --version 0700 --version-number 7 --vid 1209 --pid 0001 --vendor USBMSC \
	--product 'Other Disk' -o wrongprod.umfw payload.bin >/dev/null
pack old.umfw 0550 5 payload.bin
pack v7.umfw 0700 7 payload.bin
head -c 100000 v7.umfw >trunc.umfw
cp v7.umfw corrupt.umfw
printf 'X' | dd of=corrupt.umfw bs=1 seek=500000 conv=notrunc 2>/dev/null
run -d sim:a.img --json fw info
cp "$T/out" info-before.json
for bad in forged:signature wrongid:1234:5678 wrongprod:'Other Disk' old:downgrade \
	trunc:truncated; do
	name=${bad%%:*}
	why=${bad#*:}
	run -v -d sim:a.img fw update "$name.umfw"
	expect_rc 15 "host refuses $name.umfw"
	expect_err "$why" "$name: says why ($why)"
	if grep -q 'CDB 3b' "$T/err"; then
		not_ok "$name: no WRITE BUFFER sent" "$(grep 'CDB 3b' "$T/err")"
	else
		ok "$name: no WRITE BUFFER sent"
	fi
done
run -d sim:a.img --json fw info
check "FW STATE is untouched by the refused images" cmp -s "$T/out" info-before.json
check "the flash is untouched by the refused images" cmp -s a.img.fw good.fw
run -v -d sim:a.img fw update --key other.pk v7.umfw
expect_rc 15 "--key names a key the device does not trust"
expect_err "fingerprint $(sed -n 2p other.pk | cut -c1-16)\).*fingerprint $(sed -n 2p "$PK" | cut -c1-16)," \
	"... naming both keys' fingerprints"
if grep -q 'CDB 3b' "$T/err"; then not_ok "... before anything is sent"; else ok "... before anything is sent"; fi
run -d sim:a.img fw update --key other.pk forged.umfw
expect_rc 15 "an image signed with that key: refused the same, not sent to fail at the device"
expect_err 'is not the one the device trusts' "... says why"
run -d sim:a.img fw update --key "$PK" --dry-run v7.umfw
expect_rc 0 "--key with the right public key"

# ---- a payload changed after signing: its header passes, so the download
# starts; the host hashes the payload as it sends it and withholds the
# chunk that would complete the image, so nothing is activated. On each
# door the virtual device plays (fresh devices running 0100), every mode;
# 16 KiB chunks: five for the image, the fifth withheld.
pack p2.umfw 0200 2 small.bin
cp p2.umfw corrupt-small.umfw
printf 'X' | dd of=corrupt-small.umfw bs=1 seek=30000 conv=notrunc 2>/dev/null
for door in 'sim:p.img' 'sim:pv.img?framing=vendor' 'sim:pc.img?control-lun=1 --lun 1'; do
	for mode in e 7 5; do
		want=4 chunk='--chunk 16k'
		[ $mode = 5 ] && want=0 chunk=
		# shellcheck disable=SC2086 # the door's --lun is a word of its own
		run -vv -d $door --json fw update --mode $mode $chunk corrupt-small.umfw
		expect_rc 15 "${door#sim:} --mode $mode: a changed payload is refused by the host"
		expect_err "SHA-256 does not match the header's" "... because of its SHA-256"
		sent=$(grep -c '^usbmsc: CDB 3b' "$T/err")
		if [ "$sent" = $want ]; then ok "... $want WRITE BUFFER sent: never the one that completes it"
		else not_ok "... $want WRITE BUFFER sent: never the one that completes it" "sent: $sent"; fi
		expect_done "... the done event says so" 'd["ok"] is False' "d['commands_sent'] == $want" \
			'd["status"] == 15'
		# shellcheck disable=SC2086
		run -d $door --json fw info
		expect_json "... the device runs 0100, nothing pending" \
			'd["active"]["version"] == "0100"' 'd["pending"] is None' 'd["trial"] is False'
	done
	# shellcheck disable=SC2086
	run -d $door fw update --chunk 16k p2.umfw
	expect_rc 0 "${door#sim:}: then the image as signed goes in"
	# shellcheck disable=SC2086
	run -d $door --json fw info
	expect_json "... and runs" 'd["active"]["version"] == "0200"' 'd["trial"] is False'
done

# ---- the same images, unchecked: the device refuses them
for name in forged wrongid wrongprod old corrupt; do
	run -d sim:a.img --json fw update --no-host-checks "$name.umfw"
	expect_rc 5 "the device refuses $name.umfw"
	expect_done "$name: the device said 05/26/00" 'd["event"] == "done"' 'd["ok"] is False' \
		'd["sense"]["key"] == 5' 'd["sense"]["asc"] == 0x26' 'd["sense"]["ascq"] == 0' \
		'd["active"]["version"] == "0600"'
done
run -d sim:a.img --json fw update --no-host-checks --mode 5 trunc.umfw
expect_rc 5 "the device refuses a truncated image (mode 5)"
expect_done "truncated: 05/26/00" 'd["sense"]["asc"] == 0x26' 'd["active"]["version"] == "0600"' 
run -d sim:a.img fw update --no-host-checks trunc.umfw
expect_rc 5 "a truncated image in chunks: nothing to activate"
expect_err 'no complete, verified image' "says the device has no complete image"
expect_err "the device's last error: ILLEGAL REQUEST: command sequence error" \
	"shows the device's last error (FW STATE)"
# the last error lives in the device's RAM: each open is a power-on
fwjson sim:a.img 'd["active"]["version"] == "0600"' 'd["pending"] is None' 'd["last_error"] is None'

# ---- interrupted: an unplug mid-download, then the same command again
cp --sparse=always a.img b.img
cp --sparse=always a.img.fw b.img.fw
run -vv -d sim:b.img fw update v7.umfw
expect_rc 0 "a traced update on a copy of the device"
cp "$T/err" trace.txt
first=$(cbw_index trace.txt 3b 0e)
activate=$(cbw_index trace.txt 3b 0f)
check "the trace shows the download (CBW $first) and the activation (CBW $activate)" \
	test -n "$first" -a -n "$activate"
run -d "sim:a.img?fault=disconnect@$((first + 1))" fw update v7.umfw
expect_rc 20 "unplugged during the second chunk"
expect_err 'keeps its old firmware' "says the old firmware keeps running"
fwjson sim:a.img 'd["active"]["version"] == "0600"' 'd["pending"] is None' 'd["trial"] is False'
run -d "sim:a.img?fault=timeout@$((first + 1))" fw update v7.umfw
expect_rc 0 "a time-out during the download is recovered"
fwjson sim:a.img 'd["active"]["version"] == "0700"'

# ---- a crash between activation and confirmation reverts; a rerun completes
pack v8.umfw 0800 8 payload.bin
cp --sparse=always a.img.fw b.img.fw
run -vv -d sim:b.img fw update v8.umfw
cp "$T/err" trace.txt
activate=$(cbw_index trace.txt 3b 0f)
run -d "sim:a.img?fault=disconnect@$((activate + 1))" fw update v8.umfw
expect_rc 3 "gone after activation, before FW CONFIRM"
expect_err 'reverted' "the device came back with the old image: reverted"
fwjson sim:a.img 'd["active"]["version"] == "0700"' 'd["reverted"] is True' 'd["trial"] is False'
run -d sim:a.img fw update v8.umfw
expect_rc 0 "the same command again"
fwjson sim:a.img 'd["active"]["version"] == "0800"' 'd["reverted"] is False'

# ---- gone before 0x0f reached it: not updated, the image still waits (on
# e.img, a copy of the device)
pack v85.umfw 0850 85 payload.bin
for f in b e; do cp --sparse=always a.img "$f.img"; cp --sparse=always a.img.fw "$f.img.fw"; done
run -vv -d sim:b.img fw update v85.umfw
cp "$T/err" trace.txt
activate=$(cbw_index trace.txt 3b 0f)
run -d "sim:e.img?fault=disconnect@$activate" fw update v85.umfw
expect_rc 3 "gone with the activating command itself: not updated"
expect_err 'runs version 0800.*still waits for activation' "... the image still waits, it says"
run -d sim:e.img fw update v85.umfw
expect_rc 0 "... the same command again activates it"
fwjson sim:e.img 'd["active"]["version"] == "0850"' 'd["trial"] is False'

# ---- a device that goes away for its reboot: reopened
pack v9.umfw 0900 9 payload.bin
run -d 'sim:a.img?fw-reboot=disconnect' --json fw update v9.umfw
expect_rc 0 "fw-reboot=disconnect: reopened after activation"
expect_done "done event: reopened, confirmed, 0900" 'd["reopened"]' 'd["confirmed"]' \
	'd["active"]["version"] == "0900"' 'd["before"]["version"] == "0800"'

# ---- a device that reboots before the activating command's CSW, on each
# door the virtual device plays (a device of its own: d.img)
n=20
for door in 'sim:d.img?fw-reboot=before-csw' 'sim:d.img?fw-reboot=before-csw&framing=vendor' \
	'sim:d.img?fw-reboot=before-csw&control-lun=1 --lun 1'; do
	for mode in e 7 5; do
		n=$((n + 1))
		pack "d$n.umfw" "00$n" "$n" small.bin
		# shellcheck disable=SC2086 # the door's --lun is a word of its own
		run -v -d $door --json fw update --mode $mode "d$n.umfw"
		expect_rc 0 "${door#*\?} --mode $mode: the lost CSW is the reboot"
		expect_err 'went away during the activating command' "... it says so"
		expect_done "... reopened, confirmed, 00$n" 'd["reopened"]' 'd["confirmed"]' \
			"d['active']['version'] == '00$n'"
	done
done

# ---- JSON progress events
pack v10.umfw 1000 10 payload.bin
run -d sim:a.img --json fw update v10.umfw
expect_rc 0 "fw update --json"
if python3 - "$T/out" >"$T/py" 2>&1 <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
kinds = [e["event"] for e in events]
assert kinds[0] == "plan" and kinds[-1] == "done", kinds
prog = [e for e in events if e["event"] == "progress"]
assert len(prog) >= 3, prog
assert all(p["total"] == 3 * 1024 * 1024 + 1000 + 256 for p in prog), prog
assert [p["bytes"] for p in prog] == sorted(p["bytes"] for p in prog), prog
assert prog[-1]["bytes"] == prog[-1]["total"] and prog[-1]["percent"] == 100, prog[-1]
assert all(k in prog[0] for k in ("mb_per_s", "eta_s")), prog[0]
for k in ("activate", "wait", "confirm"):
    assert k in kinds, kinds
d = events[-1]
assert d["ok"] and d["result"] == "updated" and d["status"] == 0, d
assert d["before"]["version"] == "0900" and d["active"]["version"] == "1000", d
assert d["mode"] == 14 and d["chunk"] == 1048576 and d["commands"] == 5, d
assert d["pending"] is None and d["confirmed"], d
PY
then ok "JSON lines: plan, progress (monotonic, to 100%), activate, wait, confirm, done"
else not_ok "JSON lines: plan, progress (monotonic, to 100%), activate, wait, confirm, done" "$(cat "$T/py")" "$(head -c 2000 "$T/out")"
fi

# ---- dry run and chunk sizes
pack v11.umfw 1100 11 payload.bin
run -v -d sim:a.img fw update --dry-run v11.umfw
expect_rc 0 "--dry-run"
expect_out '^plan: +mode 0x0e then 0x0f, chunk 1048576 bytes, 5 WRITE BUFFER commands' "prints the plan"
if grep -q 'CDB 3b' "$T/err"; then not_ok "--dry-run sends no WRITE BUFFER"; else ok "--dry-run sends no WRITE BUFFER"; fi
run -d sim:a.img --json fw update --dry-run --chunk 64k --mode 7 v11.umfw
expect_rc 0 "--dry-run --chunk 64k --mode 7"
expect_done "dry-run JSON: 49 commands of 64 KiB" 'd["result"] == "dry-run"' 'd["chunk"] == 65536' \
	'd["commands"] == 49' 'd["commands_sent"] == 0' 'd["mode"] == 7' 
run -d sim:a.img fw update --chunk 1000 v11.umfw
expect_rc 1 "--chunk off the device's boundary"
expect_err 'multiple of the device.s offset boundary' "says why"
run -d sim:a.img fw update --chunk 2m v11.umfw
expect_rc 1 "--chunk over the transport's largest transfer"
run -d sim:a.img fw update --chunk 256k v11.umfw
expect_rc 0 "--chunk 256k"
fwjson sim:a.img 'd["active"]["version"] == "1100"'

# ---- the version that runs, again
run -v -d sim:a.img fw update v11.umfw
expect_rc 15 "the version that runs is not sent again"
expect_err 'version 1100 \(number 11\) already runs.*--allow-reinstall' "... says how to send it"
if grep -q 'CDB 3b' "$T/err"; then not_ok "... nothing sent"; else ok "... nothing sent"; fi
run -d sim:a.img --json fw update --allow-reinstall v11.umfw
expect_rc 0 "--allow-reinstall sends it again"
expect_done "... into the other slot, confirmed" 'd["result"] == "updated"' 'd["confirmed"]' \
	'd["before"]["slot"] != d["active"]["slot"]' 'd["active"]["version"] == "1100"'

# ---- a device that trusts another key
u fw pack --key other.sk --version 0200 --version-number 2 -o other2.umfw small.bin >/dev/null
run -d "sim:c.img?fw-pubkey=$T/other.pk" fw update other2.umfw
expect_rc 0 "fw-pubkey=FILE: the device's own key checks the image"
run -d "sim:c.img?fw-pubkey=$T/other.pk" fw update "$T/v2.umfw"
expect_rc 15 "an image signed with the demo key is refused there"

# ---- usage
run -d sim:a.img fw update
expect_rc 1 "fw update without an image"
run -d sim:a.img fw update --mode 9 v11.umfw
expect_rc 1 "--mode 9"
run -d sim:a.img fw update --wait soon v11.umfw
expect_rc 1 "--wait soon"
run -d sim:a.img fw info extra
expect_rc 1 "fw info with an argument"
run -d 'sim:a.img?fw-reboot=later' fw info
expect_rc 1 "sim: fw-reboot=later"
expect_err 'expected stay, disconnect or before-csw' "... names the three ways"
run fw update v11.umfw
expect_rc 1 "fw update without a device"
run -d sim:a.img fw update missing.umfw
expect_rc 15 "a missing image"

# ---- the progress bar, on a terminal
if command -v script >/dev/null 2>&1; then
	pack v12.umfw 1200 12 payload.bin
	script -qec "'$USBMSC' -d sim:a.img fw update v12.umfw" /dev/null >tty.txt 2>&1
	if grep -q 'fw update \[#*' tty.txt && grep -q '100%' tty.txt && grep -q 'MB/s' tty.txt &&
		grep -q 'ETA' tty.txt; then
		ok "a progress bar with percent, MB/s and ETA on a terminal"
	else
		not_ok "a progress bar with percent, MB/s and ETA on a terminal" "$(head -c 1500 tty.txt)"
	fi
else
	ok "# SKIP no script(1) for a terminal"
fi

done_testing
