#!/bin/bash
# usbmsc compliance in the lab, from the host: one guest per device runs
# compliance.sh (usbmsc compliance -d usb:... with the kernel driver
# detached for the run), then each check's verdict is judged here:
#
# - the project's gadget (--device gadget, when usbmsc-gadget is built)
#   must pass every check;
# - the reference devices (kernel-msc: Linux f_mass_storage; qemu-msc:
#   QEMU's usb-storage) must do exactly what the results table in
#   docs/COMPLIANCE.md says (verdict and chosen alternative per check), so
#   that a change in them, or in the suite, is caught.
#
# Prints "ok N - ..." / "not ok N - ..." per device and check, then
# "N passed, M failed"; exits 1 on a failure. USBMSC_BUILD as for
# tests/lab/run.
#
#   tests/lab/compliance/run-all.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
lab=$here/../run
doc=$root/docs/COMPLIANCE.md
build=${USBMSC_BUILD:-$root/build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/usbmsc-lab-compliance.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=0
passed=0
failed=0

# Count and number the "ok"/"not ok" lines of a step, print them.
tally() {
	while IFS= read -r line; do
		case $line in
		"ok "*) n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - ${line#ok }" ;;
		"not ok "*) n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - ${line#not ok }" ;;
		*) echo "$line" ;;
		esac
	done
}

# guest KIND LAB-ARGS...: run compliance.sh against one device; its own
# checks (the run ended, the kernel driver came back, the scratch area was
# restored) count, and its JSON document goes to $tmp/KIND.json.
guest() {
	kind=$1
	shift
	# QEMU 7.2's usb-storage can abort the whole emulator under this suite
	# (assertion in usb_packet_copy, hw/usb/core.c): a defect of the
	# emulator, not a verdict on the device (docs/COMPLIANCE.md). Run it
	# again once; if it aborts again, say so and judge nothing.
	for attempt in 1 2; do
		"$lab" --device "$kind" "$@" --add "$here/../tap.sh" --script "$here/compliance.sh" > "$tmp/$kind.out" 2>&1
		rc=$?
		grep -q 'usb_packet_copy: Assertion' "$tmp/$kind.out" || break
	done
	if grep -q 'usb_packet_copy: Assertion' "$tmp/$kind.out"; then
		tally <<< "ok $kind: # SKIP QEMU aborted twice (usb_packet_copy assertion)"
		return 1
	fi
	sed -n '/^--- compliance json ---$/,/^--- end ---$/p' "$tmp/$kind.out" | sed '1d;$d' \
		> "$tmp/$kind.json"
	tally < <(grep -E '^(not )?ok [0-9]+ - ' "$tmp/$kind.out" |
		sed -E "s/^(not )?ok [0-9]+ - /\1ok $kind: /")
	if [ $rc != 0 ] && ! grep -q '^not ok ' "$tmp/$kind.out"; then
		tally <<< "not ok $kind: the guest exited $rc"
		tail -n 20 "$tmp/$kind.out" | sed 's/^/#   /'
	fi
}

# judge KIND MODE: each check of $tmp/KIND.json against docs/COMPLIANCE.md's
# column KIND (MODE doc), or required to pass (MODE all).
judge() {
	tally < <(python3 - "$doc" "$tmp/$1.json" "$1" "$2" <<'PY'
import json, re, sys

doc, path, kind, mode = sys.argv[1:5]
try:
    with open(path) as f:
        got = json.load(f)
    checks = got["checks"]
except (OSError, ValueError, KeyError) as e:
    print("not ok %s: a JSON document from usbmsc compliance (%s)" % (kind, e))
    sys.exit(0)

def cell(c):
    verdict = "pass" if c["verdict"] == "pass" else "FAIL"
    return verdict + (" (%s)" % c["choice"] if c.get("choice") else "")

if mode == "all":
    for c in checks:
        ok = c["verdict"] == "pass"
        print("%s %s: %s passes%s" % ("ok" if ok else "not ok", kind, c["name"],
              "" if ok else " (saw: %s)" % c["seen"]))
    sys.exit(0)

# The table between the markers: | `check` | cell | cell | ...
want, columns, on = {}, None, False
try:
    lines = open(doc).read().splitlines()
except OSError as e:
    print("not ok %s: the results table in docs/COMPLIANCE.md (%s)" % (kind, e))
    sys.exit(0)
for line in lines:
    if "<!-- compliance-results-begin -->" in line:
        on = True
    elif "<!-- compliance-results-end -->" in line:
        on = False
    elif on and line.startswith("|"):
        cells = [x.strip() for x in line.strip().strip("|").split("|")]
        if columns is None:
            columns = cells
        elif not set(cells[0]) <= set("-: "):
            want[cells[0].strip("`")] = dict(zip(columns[1:], cells[1:]))
if columns is None or kind not in columns:
    print("not ok %s: a column for it in %s" % (kind, doc))
    sys.exit(0)
for c in checks:
    expected = want.get(c["name"], {}).get(kind)
    if expected is None:
        print("not ok %s: %s is in docs/COMPLIANCE.md (saw %s: %s)" % (kind, c["name"], cell(c), c["seen"]))
    elif expected == cell(c):
        print("ok %s: %s: %s, as documented" % (kind, c["name"], expected))
    else:
        print("not ok %s: %s: %s, documented %s (saw: %s)" % (kind, c["name"], cell(c), expected, c["seen"]))
for name in sorted(set(want) - {c["name"] for c in checks}):
    print("not ok %s: documented check %s was run" % (kind, name))
PY
)
}

guest kernel-msc && judge kernel-msc doc
guest qemu-msc && judge qemu-msc doc
if [ -x "$build/tools/usbmsc-gadget/usbmsc-gadget" ]; then
	guest gadget --gadget-args "--lun /tmp/gadget.img,size=64M" && judge gadget all
else
	echo "# gadget: skipped, usbmsc-gadget is not built in $build"
fi

echo "$passed passed, $failed failed"
[ $failed = 0 ]
