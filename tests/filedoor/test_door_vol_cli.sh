#!/bin/bash
# usbmsc over vol:MOUNTPOINT, a file door's mounted volume, against a
# directory standing in for it, with door_player playing the device behind
# it (the virtual device's real door code): fw info, SCSI commands refused,
# the host's checks (nothing written), an update in place and one that
# comes back at another mount point (JSON events), the device's refusal
# from STATUS.TXT, a device that does not come back. TAP.
#
#   test_door_vol_cli.sh USBMSC_BINARY DOOR_PLAYER SOURCE_ROOT
. "$(dirname "$0")/../cli/lib.sh"

USBMSC=$(realpath "$USBMSC")
PLAYER=$(realpath "$2")
ROOT=$(realpath "$3")
SK=$ROOT/data/demo-fw-secret.key
PK=$ROOT/data/demo-fw-public.key
cd "$T" || exit 1

DISK=$T/disk.img
OPTS="size=1M&file-door=1&fw-slot=1M"
VOL=$T/media/USBMSC

# events EXPR...: stdout is JSON lines (fw update --json); ev is the list
# of events, done the last; every expression holds.
events() {
	python3 - "$T/out" "$@" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
done = ev[-1]
for expr in sys.argv[2:]:
    if not eval(expr):
        sys.exit("does not hold: %s\nevents: %s" % (expr, ev))
PY
}

player() { "$PLAYER" "$1" "$DISK" "$OPTS" 1 "${@:2}" >>"$T/player.log" 2>&1; }
serve() { player serve "$@" & served=$!; }
served_ok() {
	if wait "$served"; then ok "the device took the file"; else not_ok "the device took the file" "$(cat "$T/player.log")"; fi
}

mkdir -p "$T/media"
player export "$VOL"
head -c 20000 /dev/urandom >app.bin
"$USBMSC" fw pack --key "$SK" --version 0200 --version-number 2 --vid 1209 --pid 0001 \
	-o app.umfw app.bin >/dev/null
"$USBMSC" fw uf2 app.umfw -o app.uf2 >/dev/null
"$USBMSC" fw pack --key "$SK" --version 0300 --version-number 3 --vid 1209 --pid 0001 \
	-o v3.umfw app.bin >/dev/null
"$USBMSC" fw keygen other.key other.pub >/dev/null
"$USBMSC" fw pack --key other.key --version 0400 --version-number 4 -o forged.umfw app.bin >/dev/null

# ---- what the door's files say
run -d "vol:$VOL" fw info
expect_rc 0 "fw info over vol:"
expect_out "^active: +0100 \(number 1\)" "it tells the running version and number"
expect_out "^board: +Model: USBMSC Virtual Disk, Board-ID: HOST-SIM-1" "and the board"
# (the null backend reads it as the system cached it, and says so)
CACHED='( \(as this system cached it[^)]*\))?'
expect_out "^status: +Waiting for a UF2 file\.$CACHED$" "and STATUS.TXT"
run -d "vol:$VOL" --json fw info
expect_json "fw info --json over vol:" "d['volume'] == '$VOL'" "d['info']['firmware'] == '0100'" \
	"d['info']['board_id'] == 'HOST-SIM-1'" "d['status']['state'] == 'waiting'" \
	"d['current']['version_number'] == 1"
run -d "vol:$VOL" inquiry
expect_rc 1 "a SCSI command over vol: is a usage error"
expect_err "file door's volume: it takes a firmware update .*no SCSI command" "it says why"
run -d "vol:$T" fw info
expect_rc 20 "a folder that is no door's volume"
expect_err "no INFO_UF2.TXT" "says so"

# ---- the host's checks: nothing is written
run -d "vol:$VOL" fw update app.umfw
expect_rc 15 "no --key: a door does not tell its key"
expect_err "\-\-key" "it asks for --key"
run -d "vol:$VOL" fw update forged.umfw --key "$PK"
expect_rc 15 "a forged image is refused on the host"
check "nothing was written" test ! -e "$VOL/FIRMWARE.UF2"
run -d "vol:$VOL" fw update app.umfw --key "$PK" --no-activate
expect_rc 1 "--no-activate: a door activates by itself"
run -d "vol:$VOL" fw update app.umfw --key "$PK" --dry-run
expect_rc 0 "a dry run"
expect_out "dry run: nothing was written" "writes nothing"
check "nothing was written (dry run)" test ! -e "$VOL/FIRMWARE.UF2"

# ---- the update
serve "$VOL"
run -d "vol:$VOL" --json fw update app.umfw --key "$PK" --wait 15
expect_rc 0 "fw update over vol:"
served_ok
check "JSON events: plan, progress, activate, wait, done" events \
	"[e['event'] for e in ev] == ['plan', 'progress', 'activate', 'wait', 'note', 'done']" \
	"ev[1]['bytes'] == ev[1]['total'] == 80 * 512" \
	"done['ok'] and done['result'] == 'updated' and done['volume'] == '$VOL'" \
	"done['before']['version'] == '0100' and done['active']['version'] == '0200'" \
	"done['active']['version_number'] == 2 and done['reopened'] is False"
run -d "vol:$VOL" fw info
expect_out "^active: +0200 \(number 2\)" "fw info: the new version runs"
expect_out "^status: +Updated from 0100 to 0200\.$CACHED$" "STATUS.TXT says so"

# The device refuses what the host let through unchecked: its reason.
serve "$VOL"
run -d "vol:$VOL" fw update forged.umfw --no-host-checks --wait 15
expect_rc 15 "a refused image is exit 15"
served_ok
expect_err "the device refused forged.umfw: bad signature \(its STATUS.TXT\); it keeps running version 0200" \
	"with the device's reason"
# A directory does not change as the device does while a file is copied
# onto it: a power cycle, so that its STATUS.TXT is not the refusal.
player export "$VOL"

# A UF2 file as the image; the volume comes back at another mount point.
serve "$VOL" "$T/media/USBMSC1"
run -d "vol:$VOL" fw update v3.umfw --key "$PK" --wait 15 -v
expect_rc 0 "an update whose volume comes back elsewhere"
served_ok
expect_err "the device is back at vol:$T/media/USBMSC1" "it finds it beside the old one"
expect_out "^after: +0300 \(number 3\)" "running the new version"
expect_out "reopened" "and says it moved"
VOL=$T/media/USBMSC1
"$USBMSC" fw pack --key "$SK" --version 0400 --version-number 4 --vid 1209 --pid 0001 \
	-o v4.umfw app.bin >/dev/null
"$USBMSC" fw uf2 v4.umfw -o v4.uf2 >/dev/null
serve "$VOL"
run -d "vol:$VOL" fw update v4.uf2 --key "$PK" --wait 15
expect_rc 0 "a UF2 file as the image"
served_ok
expect_out "^after: +0400 \(number 4\)" "its image runs"

# A device that does not come back.
run -d "vol:$VOL" fw update app.umfw --key "$PK" --allow-reinstall
expect_rc 15 "a downgrade is refused on the host, even with --allow-reinstall"
"$USBMSC" fw pack --key "$SK" --version 0500 --version-number 5 -o v5.umfw app.bin >/dev/null
run -d "vol:$VOL" fw update v5.umfw --key "$PK" --wait 1
expect_rc 20 "no device back within --wait"
expect_err "did not come back with version 0500 within 1 s; its STATUS.TXT( \(as this system cached it\))? says: Updated from 0300 to 0400\." \
	"says what STATUS.TXT said last"
done_testing
