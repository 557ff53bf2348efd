#!/bin/bash
# The desktop suite: every case tests/lab/desktop/*.case.sh (or the CASEs
# named), in order, in ONE boot of the desktop guest (tests/lab/run
# --desktop) with one gadget: usbmsc-gadget $GARGS (a 64 MiB disk LUN, the
# vendor interface, the control LUN, the firmware engine re-enumerating on
# activation). Cases run as root with /add/desktoplib.sh; see suite.sh.
#   tests/lab/desktop/run-all.sh [CASE...]
# A case's "# add: PATH" lines copy PATH (a file or a directory, relative to
# the repository) into the guest's /add; "# lab-add: PATH" lines a file of
# the build (skipped when it was not built). The first run builds and
# caches the guest's image (several minutes). USBMSC_BUILD names the build;
# USBMSC_SKIP_DESKTOP=1 skips the suite.
# needs: --vendor-interface --control-lun --fw-state
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
. "$HERE/../scenarios.sh"   # LAB_RUN BUILD scenario_lab_adds scenario_missing_options

GARGS="--lun /tmp/disk.img,size=64M --vendor-interface --control-lun --fw-state /tmp/fw.flash"

cases=()
if [ $# -gt 0 ]; then
    for c; do cases+=("$HERE/${c%.case.sh}.case.sh"); done
else
    cases=("$HERE"/*.case.sh)
fi
if [ "${USBMSC_SKIP_DESKTOP:-0}" = 1 ]; then
    echo "ok 1 - desktop # SKIP USBMSC_SKIP_DESKTOP=1"
    echo "1 passed, 0 failed"
    exit 0
fi
missing=$(scenario_missing_options "${BASH_SOURCE[0]}")
if [ -n "$missing" ]; then
    echo "ok 1 - desktop # SKIP usbmsc-gadget has no $missing"
    echo "1 passed, 0 failed"
    exit 0
fi

adds=()
for lib in "$HERE/../tap.sh" "$HERE/../gadget/lib.sh" "$HERE/../firmware/fwlib.sh" \
           "$HERE/../doors/doorslib.sh" "$HERE/desktoplib.sh"; do
    adds+=(--add "$lib")
done
for c in "${cases[@]}"; do
    [ -f "$c" ] || { echo "not ok 1 - ${c##*/}: no such case"; echo "0 passed, 1 failed"; exit 1; }
    adds+=(--add "$c")
    mapfile -t more < <(scenario_lab_adds "$c")
    adds+=(${more[@]+"${more[@]}"})
    for p in $(sed -n 's/^# add: *//p' "$c"); do
        adds+=(--add "$REPO/$p")
    done
done

out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
start=$SECONDS
LAB_TIMEOUT=${LAB_TIMEOUT:-1200} "$LAB_RUN" --desktop --device gadget --gadget-args "$GARGS" \
    "${adds[@]}" --script "$HERE/suite.sh" > "$out" 2> "$err"
rc=$?
cat "$err" >&2   # the image build's progress, LAB_VERBOSE's marks
if [ $rc = 125 ]; then
    echo "not ok 1 - the desktop guest did not run the suite (exit 125, $((SECONDS - start)) s)"
    sed 's/^/#   /' "$out" "$err"
    echo "0 passed, 1 failed"
    exit 1
fi
head -n -1 "$out"
echo "# desktop suite: one boot, $((SECONDS - start)) s"
tail -n 1 "$out"
exit $rc
