#!/bin/bash
# Run every file door scenario in the lab, one guest boot each:
#   tests/lab/filedoor/run-all.sh [SCENARIO...]
# Each scenario (a .sh file here) runs in the guest with ../gadget/lib.sh,
# ../firmware/fwlib.sh and doorlib.sh (/add/); its comments say how the
# gadget is started (tests/lab/scenarios.sh). USBMSC_BUILD names the build
# directory.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../scenarios.sh"

[ $# -gt 0 ] || set -- cp-update flood shuffled killed vol-user
run_scenarios "$HERE" "$HERE/../gadget/lib.sh" "$HERE/../firmware/fwlib.sh" "$HERE/doorlib.sh" \
    -- "$@"
