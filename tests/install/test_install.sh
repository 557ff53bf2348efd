#!/bin/sh
# `meson install` puts the library, headers, pkg-config file, CLI, man page,
# bash completion and (on Linux) the udev rule in place, and a program builds
# against the installed library through pkg-config alone. Usage:
# test_install.sh BUILD_DIR
set -eu
build=$(cd "$1" && pwd)
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
[ $fail = 0 ] && echo "install: library, headers, pkg-config, CLI, man page, completion, udev rule ok"
exit $fail
