#!/bin/bash
# Run every side-door scenario in the lab, one guest boot each:
#   tests/lab/doors/run-all.sh [SCENARIO...]
# Each scenario (a .sh file here) runs in the guest with ../gadget/lib.sh
# and doorslib.sh (/add/); its comments say how the gadget is started
# (tests/lab/scenarios.sh). USBMSC_BUILD names the build directory.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../scenarios.sh"

[ $# -gt 0 ] || set -- doors nodoors
run_scenarios "$HERE" "$HERE/../gadget/lib.sh" "$HERE/../firmware/fwlib.sh" "$HERE/doorslib.sh" -- "$@"
