#!/bin/sh
# `meson install` puts the library, headers, pkg-config file, CLI, man page,
# bash completion, the fwupd quirk and (on Linux) the udev rule in place, and a program builds
# against the installed library through pkg-config alone; so do the
# examples. The target core's static library needs nothing but string.h
# functions, and a firmware-like program built through its own pkg-config
# file answers an INQUIRY. Usage: test_install.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --no-rebuild --destdir "$dest" >/dev/null
fail=0
for f in bin/usbmsc include/usbmsc/initiator.h include/usbmsc/target.h \
	 share/man/man1/usbmsc.1 share/bash-completion/completions/usbmsc \
	 $( [ "$(uname -s)" = Linux ] && echo udev/rules.d/70-usbmsc.rules); do
	if [ -z "$(find "$dest" -path "*/$f" -print -quit)" ]; then
		echo "not installed: $f"; fail=1
	fi
done
pc=$(dirname "$(find "$dest" -name usbmsc.pc -print -quit)")
[ -n "$pc" ] || { echo "not installed: usbmsc.pc"; exit 1; }

cat > "$dest/consumer.c" <<'C'
#include <stdio.h>
#include <usbmsc/initiator.h>
#include <usbmsc/scsi.h>
int main(void)
{
	uint8_t cdb[16];
	size_t n = usbmsc_cdb_inquiry(cdb, false, 0, 36);
	printf("%zu %s\n", n, usbmsc_status_name(USBMSC_E_TIMEOUT));
	return n == 6 ? 0 : 1;
}
C
flags=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config --cflags --libs usbmsc)
libdir=$(dirname "$(find "$dest" -name 'libusbmsc.so*' -print -quit)")
cc -o "$dest/consumer" "$dest/consumer.c" $flags
out=$(LD_LIBRARY_PATH="$libdir" "$dest/consumer")
[ "$out" = "6 timeout" ] || { echo "consumer printed '$out'"; fail=1; }

# The examples use the public headers only.
for ex in "$src"/examples/*.c; do
	[ "$(basename "$ex")" = fw_update.c ] && ! pkg-config --exists libsodium && continue
	cc -o "$dest/$(basename "$ex" .c)" "$ex" $flags ||
		{ echo "example $(basename "$ex") does not build against the installed library"; fail=1; }
done

# The target library: dependency-free, and usable through its own .pc.
target_a=$(find "$dest" -name libusbmsc-target.a -print -quit)
[ -n "$target_a" ] || { echo "not installed: libusbmsc-target.a"; exit 1; }
[ -n "$(find "$dest" -name usbmsc-target.pc -print -quit)" ] ||
	{ echo "not installed: usbmsc-target.pc"; exit 1; }
# The same core with the pipelined data stage, likewise.
piped_a=$(find "$dest" -name libusbmsc-target-pipelined.a -print -quit)
[ -n "$piped_a" ] || { echo "not installed: libusbmsc-target-pipelined.a"; exit 1; }
[ -n "$(find "$dest" -name usbmsc-target-pipelined.pc -print -quit)" ] ||
	{ echo "not installed: usbmsc-target-pipelined.pc"; exit 1; }
for a in "$target_a" "$piped_a"; do
	ld -r --whole-archive "$a" -o "$dest/target-all.o"
	undef=$(nm -u "$dest/target-all.o" | awk 'NF == 2 { print $2 }' |
		grep -vxE 'mem(cpy|set|cmp|chr|move)|strlen|_GLOBAL_OFFSET_TABLE_' || true)
	[ -z "$undef" ] || { echo "$(basename "$a") needs more than string.h: $undef"; fail=1; }
done
cat > "$dest/firmware.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <usbmsc/bot.h>
#include <usbmsc/target.h>
/* The USB glue, reduced to remembering what the engine asked for. */
static uint8_t *rx; static const uint8_t *tx; static uint32_t tx_len;
static void on_send(void *c, const uint8_t *b, uint32_t n) { (void)c; tx = b; tx_len = n; }
static void on_receive(void *c, uint8_t *b, uint32_t n) { (void)c; (void)n; rx = b; }
static void on_stall(void *c, bool in) { (void)c; (void)in; }
static usbmsc_sense_t rd(void *c, uint32_t l, uint32_t o, uint8_t *b, uint32_t n)
{ (void)c; (void)l; (void)o; memset(b, 0, n); return USBMSC_SENSE_OK; }
int main(void)
{
	static const struct usbmsc_lun_config lun = { 64, 512, USBMSC_LUN_READ_ONLY, rd,
		NULL, NULL, NULL };
	static const struct usbmsc_target_config cfg = { .luns = &lun, .lun_count = 1,
		.vendor = "ACME", .product = "Widget", .revision = "1.0",
		.port = { on_send, on_receive, on_stall, NULL } };
	static struct usbmsc_lun_state st[1];
	static struct usbmsc_target t;
	static uint8_t buf[512];
	static const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct usbmsc_cbw cbw;
	struct usbmsc_csw csw;
	if (!usbmsc_target_init(&t, &cfg, st, buf, sizeof buf) || !rx)
		return 1;
	usbmsc_cbw_fill(&cbw, 7, 0, USBMSC_DIR_IN, 36, inquiry, sizeof inquiry);
	usbmsc_cbw_encode(&cbw, rx);
	usbmsc_target_received(&t, USBMSC_CBW_LEN);
	if (tx_len != 36 || memcmp(tx + 8, "ACME    Widget", 14) != 0)
		return 2;
	usbmsc_target_sent(&t);
	if (tx_len != USBMSC_CSW_LEN || usbmsc_csw_decode(tx, tx_len, 7, 36, &csw) != USBMSC_CSWCHK_OK)
		return 3;
	printf("inquiry status %u\n", csw.status);
	return 0;
}
C
tflags=$(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config --cflags --libs usbmsc-target)
if cc -std=c11 -Wall -Wextra -Werror -o "$dest/firmware" "$dest/firmware.c" $tflags; then
	out=$("$dest/firmware" || echo "failed: $?")
	[ "$out" = "inquiry status 0" ] || { echo "target library consumer printed '$out'"; fail=1; }
else
	echo "a program does not build against the installed target library"; fail=1
fi

# A bare-metal build (scripts/cortex-m0plus.ini) holds and installs the
# target library alone, and the same program links against it for the
# Cortex-M0+. Skipped without the cross compiler (scripts/deps.sh footprint).
if command -v arm-none-eabi-gcc >/dev/null 2>&1; then
	m0=$dest/m0
	if meson setup "$m0/build" "$src" --cross-file "$src/scripts/cortex-m0plus.ini" \
		-Dbuildtype=minsize --prefix /opt/m0 >"$m0.log" 2>&1 &&
		ninja -C "$m0/build" >>"$m0.log" 2>&1 &&
		DESTDIR="$m0/root" meson install -C "$m0/build" --no-rebuild >>"$m0.log" 2>&1; then
		[ "$(find "$m0/root" -type f -name '*.a' | LC_ALL=C sort | tr '\n' ' ')" = \
			"$m0/root/opt/m0/lib/libusbmsc-target-pipelined.a $m0/root/opt/m0/lib/libusbmsc-target.a " ] ||
			{ echo "the bare-metal build installs more than the target libraries"; fail=1; }
		mflags=$(PKG_CONFIG_PATH="$m0/root/opt/m0/lib/pkgconfig" \
			PKG_CONFIG_SYSROOT_DIR="$m0/root" pkg-config --cflags --libs usbmsc-target)
		arm-none-eabi-gcc -std=c11 -Wall -Wextra -Werror -Os -mcpu=cortex-m0plus -mthumb \
			--specs=nano.specs --specs=nosys.specs -Wl,--gc-sections \
			-o "$m0/firmware.elf" "$dest/firmware.c" $mflags ||
			{ echo "a Cortex-M0+ program does not link against the target library"; fail=1; }
	else
		cat "$m0.log"; echo "the bare-metal build of the target library failed"; fail=1
	fi
fi
# udev reads its own directory only: the rule must not land under the prefix.
if [ "$(uname -s)" = Linux ]; then
	rule=$(find "$dest" -path '*/udev/rules.d/70-usbmsc.rules' -print -quit)
	case $rule in
	"$dest"/usr/lib/udev/* | "$dest"/lib/udev/*) ;;
	*) echo "udev rule not in udev's directory: ${rule#"$dest"}"; fail=1 ;;
	esac
	grep -q 'ENV{ID_USB_INTERFACES}=="\*:ff4d56:\*", TAG+="uaccess"' "$rule" ||
		{ echo "the installed udev rule does not tag the vendor interface"; fail=1; }
fi
# fwupd reads local quirks from /var/lib/fwupd/quirks.d, not from the prefix.
[ -f "$dest/var/lib/fwupd/quirks.d/usbmsc.quirk" ] ||
	{ echo "fwupd quirk not in /var/lib/fwupd/quirks.d"; fail=1; }
[ $fail = 0 ] && echo "install: library, headers, pkg-config, CLI, man page, completion, udev rule, fwupd quirk, examples, target library ok"
exit $fail
