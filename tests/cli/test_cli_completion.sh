#!/bin/bash
# The bash completion (completion/usbmsc.bash) under bash-completion: the
# values of --mode, --wait, --chunk... are not file names, each fw
# subcommand is offered its own options, files where a command takes one.
#
#   test_cli_completion.sh USBMSC_BINARY SOURCE_ROOT
. "$(dirname "$0")/lib.sh"

ROOT=$2
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
	ok "completion # SKIP bash-completion is not installed (scripts/deps.sh test installs it)"
	done_testing
fi

# complete_line LINE: the completions bash would offer at the end of LINE, one
# per line in $T/out, from a fresh bash in a folder with two files.
mkdir "$T/files" && touch "$T/files/app.umfw" "$T/files/payload.bin"
cat >"$T/complete.sh" <<'SH'
. "$1"
. "$2"
line=$3
COMP_LINE=$line
COMP_POINT=${#line}
read -ra COMP_WORDS <<<"$line"
[[ $line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_usbmsc usbmsc "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
SH
complete_line() {
	(cd "$T/files" && bash --norc --noprofile "$T/complete.sh" "$BC" "$ROOT/completion/usbmsc.bash" "$1") \
		>"$T/out" 2>"$T/err"
}

# offers LINE WORD...: every WORD is offered after LINE.
offers() {
	local line=$1 w missing=""
	shift
	complete_line "$line"
	for w in "$@"; do
		grep -qxF -- "$w" "$T/out" || missing="$missing $w"
	done
	if [ -z "$missing" ]; then ok "'$line' offers $*"; else
		not_ok "'$line' offers $*" "missing:$missing" "offered: $(tr '\n' ' ' <"$T/out")" "$(cat "$T/err")"; fi
}

# never LINE WORD...: no WORD is offered after LINE.
never() {
	local line=$1 w found=""
	shift
	complete_line "$line"
	for w in "$@"; do
		grep -qxF -- "$w" "$T/out" && found="$found $w"
	done
	if [ -z "$found" ]; then ok "'$line' does not offer $*"; else
		not_ok "'$line' does not offer $*" "offered:$found" "all: $(tr '\n' ' ' <"$T/out")"; fi
}

# nothing LINE: no completion at all.
nothing() {
	complete_line "$1"
	if [ ! -s "$T/out" ] || [ "$(cat "$T/out")" = "" ]; then ok "'$1' offers nothing"; else
		not_ok "'$1' offers nothing" "offered: $(tr '\n' ' ' <"$T/out")"; fi
}

offers "usbmsc " fw raw compliance help
offers "usbmsc --" --device --json --timeout --version

# ---- option values are not file names
offers "usbmsc fw update --mode " auto 5 7 e dmc_offs_defer
never "usbmsc fw update --mode " app.umfw payload.bin
offers "usbmsc fw update --mode=dmc_" dmc_save dmc_offs_save dmc_offs_defer
nothing "usbmsc fw update --wait "
nothing "usbmsc fw update --chunk "
nothing "usbmsc fw pack --version "
nothing "usbmsc fw pack --version-number "
nothing "usbmsc bench read --chunk "
nothing "usbmsc --timeout "
offers "usbmsc fw pack --key " app.umfw payload.bin
offers "usbmsc -d " sim: usb: usbv: auto: vol:

# ---- fw: the subcommands, each with its own options
offers "usbmsc fw " keygen pack inspect info update activate confirm
offers "usbmsc fw update --" --mode --chunk --wait --no-activate --dry-run --no-host-checks \
	--allow-reinstall --key --json --device
never "usbmsc fw update --" --force --version --version-number --hw-rev --output
offers "usbmsc fw pack --" --key --version --version-number --vid --pid --vendor --product \
	--hw-rev --output
never "usbmsc fw pack --" --mode --wait --chunk --force --dry-run
offers "usbmsc fw keygen -" -f --force
never "usbmsc fw keygen -" --key --mode --output
offers "usbmsc fw inspect --" --key
never "usbmsc fw inspect --" --mode --version-number --force
never "usbmsc fw info --" --key --mode --force --version-number
offers "usbmsc fw activate --" --wait --device
never "usbmsc fw confirm --" --wait --mode --key
# options and their values before the subcommand are skipped
offers "usbmsc -d sim:x.img fw --json update --key k.pub --mode 5 --" --chunk --allow-reinstall
never "usbmsc -d sim:x.img fw --json update --key k.pub --mode 5 --" --version-number
# files where the subcommand takes one, none where it takes none
offers "usbmsc fw update " app.umfw payload.bin
offers "usbmsc fw pack --key k --version 1.0 -o x.umfw " payload.bin
nothing "usbmsc fw info "
nothing "usbmsc fw confirm "

# ---- other commands
offers "usbmsc bench " tur read
offers "usbmsc bench read --" --size --chunk --lba
never "usbmsc bench tur --" --size --chunk
offers "usbmsc raw 12 00 --" --in --out --dry-run
offers "usbmsc write 0 " app.umfw payload.bin
offers "usbmsc help " raw fw

done_testing
