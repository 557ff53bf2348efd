#!/bin/sh
# The target core and the BOT wire code are freestanding: every file of
# src/device/, src/wire/bot.c, src/wire/bot_cases.c and src/wire/uf2.c, and
# every project header they include (followed transitively), may include no
# system header but <stdint.h>, <stddef.h>, <stdbool.h> and <string.h>, and calls no heap
# or formatted-output function.
# Usage: check_includes.sh SOURCE_ROOT
set -eu
root=${1:?source root}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/seen"
for f in "$root"/src/device/*.c "$root"/src/device/*.h "$root"/src/wire/bot.c \
	"$root"/src/wire/bot_cases.c "$root"/src/wire/uf2.c; do
	[ -f "$f" ] && echo "$f" >>"$work/todo"
done
status=0
count=0
while [ -s "$work/todo" ]; do
	f=$(head -n 1 "$work/todo")
	sed -i 1d "$work/todo"
	grep -qxF "$f" "$work/seen" && continue
	echo "$f" >>"$work/seen"
	count=$((count + 1))
	dir=$(dirname "$f")
	# System headers.
	bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$f" |
		grep -vE '<(stdint|stddef|stdbool|string)\.h>' || true)
	if [ -n "$bad" ]; then
		echo "$f: a header the freestanding target may not use:" >&2
		echo "$bad" >&2
		status=1
	fi
	# Project headers: follow them.
	for inc in $(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/p' "$f"); do
		if [ -f "$dir/$inc" ]; then
			echo "$dir/$inc" >>"$work/todo"
		elif [ -f "$root/include/$inc" ]; then
			echo "$root/include/$inc" >>"$work/todo"
		else
			echo "$f: cannot find \"$inc\"" >&2
			status=1
		fi
	done
	if grep -nE '(^|[^_[:alnum:]])(malloc|calloc|realloc|free|printf|fprintf|sprintf|snprintf|puts|abort|exit)[[:space:]]*\(' "$f" >&2; then
		echo "$f: calls a hosted library function" >&2
		status=1
	fi
done
if [ "$count" -lt 8 ]; then
	echo "only $count target files found under $root" >&2
	exit 1
fi
[ "$status" -eq 0 ] && echo "checked $count files: freestanding"
exit "$status"
