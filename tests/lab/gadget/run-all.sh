#!/bin/bash
# Run every usbmsc-gadget scenario in the lab, one guest boot each:
#   tests/lab/gadget/run-all.sh [SCENARIO...]
# Each scenario (a .sh file here) runs in the guest with lib.sh beside it
# (/add/lib.sh); its comments say how the gadget is started
# (tests/lab/scenarios.sh). USBMSC_BUILD names the build directory.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../scenarios.sh"

[ $# -gt 0 ] || set -- enumerate sg3 fs dd ro bs4096 twolun kill vendorif
run_scenarios "$HERE" "$HERE/lib.sh" -- "$@"
