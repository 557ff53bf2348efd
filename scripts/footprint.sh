#!/bin/sh
# Footprint of the target core on a Cortex-M0+ (run by `make footprint`).
#
# Builds the BOT wire code and the target core (BOT engine, command checks,
# block LUN, sense state) with arm-none-eabi-gcc -Os for thumb, together with
# tests/footprint/instance.c, a static one-LUN firmware instance that reaches
# every public entry point, and links them with --gc-sections so that only
# code a real firmware would keep is counted.
#
# Method: the linker map lists every input section that survived garbage
# collection, with its size, its output section and the object it came
# from. Sizes are summed per object:
#   text  = .text and .rodata of the core's own objects (code and constant
#           tables; the instance's code and configuration are the caller's);
#   data, bss = the core's own statics, plus the instance's target struct
#           (fp_target) and its one struct usbmsc_lun_state (fp_lun_state);
#           the endpoint buffer (fp_buf) is the caller's and is not counted;
#   libc  = memcpy/memset from newlib-nano and the libgcc routines that the
#           core's code pulls in (switch tables), reported on their own line.
# The cost of each further LUN is one more struct usbmsc_lun_state.
#
# Limits: text <= 6144 bytes, data + bss <= 128 bytes; exits 1 when exceeded.
# Output, one line each:
#   target-core: text=N data=N bss=N
#   libc: text=N
#   per-extra-lun: bss=N
set -eu

cd "$(dirname "$0")/.."
out=${FOOTPRINT_BUILD:-build-footprint}
TEXT_LIMIT=6144
RAM_LIMIT=128

CC=arm-none-eabi-gcc
CFLAGS="-std=c11 -Wall -Wextra -Werror -Os -mcpu=cortex-m0plus -mthumb -ffreestanding \
-ffunction-sections -fdata-sections -Iinclude"
CORE_SRC="src/wire/bot.c src/wire/bot_cases.c src/target/bot_engine.c src/target/command.c \
src/target/block_lun.c src/target/sense_state.c"

# The cross compiler and newlib-nano (for memcpy/memset).
have_toolchain() {
	command -v "$CC" >/dev/null 2>&1 &&
		[ "$("$CC" -print-file-name=nano.specs)" != "nano.specs" ]
}
if ! have_toolchain; then
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "footprint: installing gcc-arm-none-eabi libnewlib-arm-none-eabi" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get install -y --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi \
			>/dev/null 2>&1 ||
			{ apt-get update >/dev/null &&
				apt-get install -y --no-install-recommends gcc-arm-none-eabi \
					libnewlib-arm-none-eabi >/dev/null; }
	fi
	if ! have_toolchain; then
		echo "footprint: needs gcc-arm-none-eabi and libnewlib-arm-none-eabi" >&2
		exit 1
	fi
fi

rm -rf "$out"
mkdir -p "$out"
objs=""
for src in $CORE_SRC tests/footprint/instance.c; do
	obj="$out/$(basename "$src" .c).o"
	# shellcheck disable=SC2086
	$CC $CFLAGS -c "$src" -o "$obj"
	objs="$objs $obj"
done
# shellcheck disable=SC2086
$CC -mcpu=cortex-m0plus -mthumb -nostartfiles --specs=nano.specs -Wl,--gc-sections \
	-Wl,-e,footprint_main -Wl,-Map="$out/footprint.map" $objs -o "$out/footprint.elf"

core_objs=""
for src in $CORE_SRC; do
	core_objs="$core_objs $(basename "$src" .c).o"
done

# Sum the kept input sections of the map; see the method above.
awk -v core="$core_objs" -v text_limit="$TEXT_LIMIT" -v ram_limit="$RAM_LIMIT" '
function base(path,   n, parts) {
	n = split(path, parts, "/")
	return parts[n]
}
# Portable hex (mawk has no strtonum).
function hex(s,   i, v) {
	s = tolower(substr(s, 3))
	v = 0
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}
function add(name, size, file,   b, kind) {
	size = hex(size)
	if (outsec == ".text" || outsec == ".rodata" || outsec ~ /^\.ARM\.ex/)
		kind = "text"
	else if (outsec == ".data")
		kind = "data"
	else if (outsec == ".bss")
		kind = "bss"
	else
		return
	b = base(file)
	if (b in is_core) {
		total[kind] += size
	} else if (file ~ /lib(c|c_nano|gcc)\.a\(/) {
		if (kind == "text")
			libc += size
		else
			total[kind] += size
	} else if (b == "instance.o" && (name ~ /\.fp_target$/ || name ~ /\.fp_lun_state$/)) {
		total[kind] += size
		if (name ~ /\.fp_lun_state$/)
			per_lun = size
	}
}
BEGIN {
	n = split(core, list, " ")
	for (i = 1; i <= n; i++)
		is_core[list[i]] = 1
	total["text"] = total["data"] = total["bss"] = 0
	libc = 0
	per_lun = 0
}
/^Linker script and memory map/ { inmap = 1; next }
!inmap { next }
/^\.[^ ]*/ { outsec = $1; pending = ""; next }
/^ [.A-Z]/ {
	if (NF >= 4 && $2 ~ /^0x/ && $3 ~ /^0x/) {
		add($1, $3, $4)
		pending = ""
	} else if (NF == 1) {
		pending = $1
	} else {
		pending = ""
	}
	next
}
pending != "" && NF >= 3 && $1 ~ /^0x/ && $2 ~ /^0x/ {
	add(pending, $2, $3)
	pending = ""
	next
}
{ pending = "" }
END {
	printf "target-core: text=%d data=%d bss=%d\n", total["text"], total["data"], total["bss"]
	printf "libc: text=%d\n", libc
	printf "per-extra-lun: bss=%d\n", per_lun
	status = 0
	if (total["text"] == 0 || per_lun == 0) {
		print "footprint: could not attribute the map (no core sections found)" > "/dev/stderr"
		status = 1
	}
	if (total["text"] > text_limit) {
		printf "footprint: text %d bytes exceeds the %d-byte limit\n", total["text"], text_limit > "/dev/stderr"
		status = 1
	}
	if (total["data"] + total["bss"] > ram_limit) {
		printf "footprint: data+bss %d bytes exceeds the %d-byte limit\n", total["data"] + total["bss"], ram_limit > "/dev/stderr"
		status = 1
	}
	exit status
}' "$out/footprint.map"
