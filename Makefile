# usbmsc: the two commands a new machine needs are `make demo` and `make check`.
BUILD ?= build
ASAN_BUILD ?= build-asan
NOLINUX_BUILD ?= build-nolinux
FUZZ_BUILD ?= build-fuzz
WINDOWS_BUILD ?= build-windows
FUZZ_SECONDS ?= 20
MESON_SETUP = scripts/setup-build.sh

.PHONY: all demo check test test-asan fuzz fuzz-check footprint bench install windows clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	scripts/deps.sh build
	$(MESON_SETUP) $(BUILD) >/dev/null

demo: all
	scripts/demo.sh $(BUILD)/tools/usbmsc

# Every test: unit and scenario tests, again under ASan+UBSan, again in the
# build without the Linux backend, the fuzzers for a bounded time, the
# footprint target, the Windows build under wine; one summary line at the end.
check:
	scripts/deps.sh test fuzz footprint $$( [ "$${USBMSC_SKIP_WINDOWS:-0}" = 1 ] || echo windows)
	scripts/check.sh

test: all
	meson test -C $(BUILD) --print-errorlogs

fuzz:
	scripts/deps.sh test fuzz
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

footprint:
	scripts/deps.sh footprint
	scripts/footprint.sh

bench: all
	scripts/bench.sh $(BUILD)

install: all
	meson install -C $(BUILD)

# Cross-build for Windows x86-64 (mingw-w64) and run its tests under wine;
# the libraries it links are built once from Debian's source packages.
windows:
	scripts/deps.sh windows
	scripts/windows-build.sh $(WINDOWS_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(NOLINUX_BUILD) $(FUZZ_BUILD) $(WINDOWS_BUILD) build-footprint
