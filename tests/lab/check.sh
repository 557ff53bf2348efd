#!/bin/sh
# The lab part of `make check`: the lab's own selftest, then every lab suite
# (tests/lab/*/run-all.sh). Usage: tests/lab/check.sh BUILD_DIR
# Each suite prints "N passed, M failed" and exits non-zero on a failure.
set -u
cd "$(dirname "$0")/../.."
USBMSC_BUILD=$(cd "${1:-build}" && pwd)
export USBMSC_BUILD

status=0
tests/lab/setup >/dev/null || exit 1
for suite in tests/lab/selftest.sh tests/lab/*/run-all.sh; do
	[ -x "$suite" ] || continue
	echo "--> $suite"
	"$suite" || status=1
done
exit $status
