#!/bin/sh
# `make check`: every test, with one summary line at the end.
#  1. unit, scenario and CLI tests (cmocka, shell) in a normal build
#  2. the same under AddressSanitizer + UndefinedBehaviorSanitizer
#     (and `meson install` into a scratch root, consumed through pkg-config)
#  3. the build without the Linux backend (-Dlinux=disabled: the null OS
#     backend, as on macOS) and the tests that apply to it
#  4. each libFuzzer harness for FUZZ_SECONDS (default 20)
#  5. the Cortex-M0+ footprint of the target core against its budget
#  6. the Windows cross-build and its tests under wine (scripts/windows-build.sh;
#     about 2 minutes the first time, for the libraries), unless
#     USBMSC_SKIP_WINDOWS=1
#  7. the lab (a real Linux USB stack under QEMU), unless USBMSC_SKIP_LAB=1;
#     its desktop suite builds the desktop guest's image the first time
#     (2 to 6 minutes), unless USBMSC_SKIP_DESKTOP=1
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
NOLINUX_BUILD=${NOLINUX_BUILD:-build-nolinux}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
WINDOWS_BUILD=${WINDOWS_BUILD:-build-windows}

passed=0
failed=0
failures=""

# Count meson's per-test results from its JSON log.
count_meson() {
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL", "SKIP"):
            ok += 1
        else:
            bad += 1
except OSError:
    pass
print(ok, bad)
PY
}

step() { # name, command...
	name=$1; shift
	echo "==> $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); failures="$failures $name"
	fi
}

meson_suite() { # build dir, extra meson options...
	dir=$1; shift
	scripts/setup-build.sh "$dir" "$@" >/dev/null || { failed=$((failed + 1)); failures="$failures setup:$dir"; return; }
	if ! ninja -C "$dir" >"$dir/ninja.log" 2>&1; then
		cat "$dir/ninja.log"; failed=$((failed + 1)); failures="$failures build:$dir"; return
	fi
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --print-errorlogs --num-processes 2 || true
	set -- $(count_meson "$dir")
	passed=$((passed + $1)); failed=$((failed + $2))
	[ "$2" -eq 0 ] || failures="$failures tests:$dir"
}

export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1

meson_suite "$BUILD"
meson_suite "$ASAN_BUILD" -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all -Dbuildtype=debug
step install tests/install/test_install.sh "$BUILD"
meson_suite "$NOLINUX_BUILD" -Dlinux=disabled
step fuzz scripts/fuzz.sh "$FUZZ_BUILD" "$FUZZ_SECONDS"
step footprint scripts/footprint.sh
if [ "${USBMSC_SKIP_WINDOWS:-0}" != 1 ]; then
	step windows scripts/windows-build.sh "$WINDOWS_BUILD"
fi
if [ "${USBMSC_SKIP_LAB:-0}" != 1 ] && [ -x tests/lab/check.sh ]; then
	step lab tests/lab/check.sh "$BUILD"
fi

echo
[ -z "$failures" ] || echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
