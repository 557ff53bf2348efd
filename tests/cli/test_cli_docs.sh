#!/bin/bash
# The README, the man page and `usbmsc --help` tell the same story: every
# command and option --help lists is in the man page (and every command in
# the README), and the exit statuses of all three are status.h's values.
#
#   test_cli_docs.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"

ROOT=$2
MAN=$ROOT/man/usbmsc.1
README=$ROOT/README.md
STATUS_H=$ROOT/include/usbmsc/status.h

for f in "$MAN" "$README" "$STATUS_H"; do
	check "$(basename "$f") exists" test -f "$f"
done

run --help
expect_rc 0 "usbmsc --help"
cp "$T/out" "$T/help"

# Lines of a --help section: from its heading to the next blank line.
section() { awk -v h="$1" '$0 == h {on = 1; next} on && /^$/ {exit} on' "$T/help"; }

commands=$(section "Commands:" | awk '{print $1}')
check "--help lists commands" test -n "$commands"
for cmd in $commands; do
	if grep -Eq "^\.SS \"?$cmd( |\"|$)" "$MAN"; then
		ok "man page has a subsection for '$cmd'"
	else
		not_ok "man page has a subsection for '$cmd'" "no '.SS $cmd' line in $MAN"
	fi
	if grep -Eq "^\| \`$cmd( |\`)" "$README"; then
		ok "README's command table has '$cmd'"
	else
		not_ok "README's command table has '$cmd'" "no '| \`$cmd' row in $README"
	fi
done

# Every option of --help and of each command's help is in the man page
# (roff writes '-' as '\-'). Options are the first words of lines that
# start with two spaces and a dash.
option_names() { grep -oE '^  -[a-zA-Z-]+(, --[a-z-]+)?' | tr -d ' ' | tr ',' '\n'; }
options=$(section "Global options (also accepted after the command name):" | option_names)
for cmd in $commands; do
	"$USBMSC" help "$cmd" >"$T/cmdhelp"
	options="$options $(awk '/^Options:$/ {on = 1; next} on && /^$/ {exit} on' "$T/cmdhelp" | option_names)"
done
check "the help texts list options" test -n "$options"
for opt in $(printf '%s\n' $options | sort -u); do
	roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
	if grep -q -- "$roff" "$MAN"; then ok "man page documents $opt"; else not_ok "man page documents $opt" "no '$roff' in $MAN"; fi
done

# Exit statuses: status.h is the truth.
want=$(grep -oE 'USBMSC_(OK|E_[A-Z_]+) = [0-9]+' "$STATUS_H" | awk '{print $3}' | sort -n | tr '\n' ' ')
from_help=$(section "Exit status:" | awk '{print $1}' | sort -n | tr '\n' ' ')
from_man=$(awk '/^\.SH "?EXIT STATUS"?/ {on = 1; next} on && /^\.SH/ {exit}
	on && prev ~ /^\.TP/ && /^\.B [0-9]+$/ {print $2} {prev = $0}' "$MAN" | sort -n | tr '\n' ' ')
from_readme=$(awk '/^#+ Exit status/ {on = 1; next} on && /^#/ {exit}
	on && /^\| *[0-9]+ *\|/ {gsub(/[| ]/, "", $2); print $2}' FS='|' "$README" | sort -n | tr '\n' ' ')
check "status.h defines exit statuses ($want)" test -n "$want"
for where in help man readme; do
	eval "got=\$from_$where"
	if [ "$got" = "$want" ]; then
		ok "the exit statuses in $where match status.h"
	else
		not_ok "the exit statuses in $where match status.h" "status.h: $want" "$where: $got"
	fi
done

# 15, 20, 21 and 22 look like sg3_utils' statuses and are not: the README
# and the man page map them, --help points there.
sg3_readme=$(awk '/^#+ Compared with sg3_utils/ {on = 1; next} on && /^#/ {exit}
	on && /^\| *[0-9]+ *\|/ {gsub(/[| ]/, "", $2); print $2}' FS='|' "$README" | tr '\n' ' ')
check "README maps 15, 20, 21, 22 to sg3_utils' meanings ($sg3_readme)" test "$sg3_readme" = "15 20 21 22 "
sg3_man=$(awk '/^\.SH "?EXIT STATUS"?/ {on = 1; next} on && /^\.SH/ {exit}
	/^\.SS "Compared with sg3_utils"/ {sg = 1; next} on && sg && /^(15|20|21|22) / {print $1}' "$MAN" |
	tr '\n' ' ')
check "man page maps 15, 20, 21, 22 to sg3_utils' meanings ($sg3_man)" test "$sg3_man" = "15 20 21 22 "
check "--help says where the sg3_utils meanings differ" \
	grep -q '^15, 20, 21 and 22 mean other things than in sg3_utils' "$T/help"

# Where the built command is, and how to install it.
check "the binary under test is tools/usbmsc in the build folder" \
	test "$(basename "$(dirname "$USBMSC")")/$(basename "$USBMSC")" = tools/usbmsc
check "README says where the built command is" grep -q '`build/tools/usbmsc`' "$README"
check "README says how to install it" grep -q '`make install`' "$README"

# The README's setup is the two commands CI and the lead rely on.
check "README shows 'make demo'" grep -q '^make demo$' "$README"
check "README shows 'make check'" grep -q '^make check$' "$README"

done_testing
