#!/bin/bash
# Run every firmware-update scenario in the lab, one guest boot each:
#   tests/lab/firmware/run-all.sh [SCENARIO...]
# Each scenario (a .sh file here) runs in the guest with ../gadget/lib.sh
# and fwlib.sh (/add/); its comments say how the gadget is started
# (tests/lab/scenarios.sh). USBMSC_BUILD names the build directory.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../scenarios.sh"

[ $# -gt 0 ] || set -- mounted mounted-stay usb-uri sg3 forged control-lun vendorif before-csw file-door
run_scenarios "$HERE" "$HERE/../gadget/lib.sh" "$HERE/fwlib.sh" -- "$@"
