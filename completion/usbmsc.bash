# bash completion for usbmsc(1).

# The URIs of the USB devices sysfs shows: usb:, auto: for mass-storage
# devices, usbv: for devices with a usbmsc vendor interface (ff/4d/56).
_usbmsc_usb_uris()
{
	local dev itf vid pid cls sub proto msc vnd
	for dev in /sys/bus/usb/devices/*; do
		[[ -r $dev/idVendor && -r $dev/idProduct ]] || continue
		vid=$(<"$dev/idVendor") pid=$(<"$dev/idProduct")
		msc="" vnd=""
		for itf in "$dev"/"${dev##*/}":*; do
			[[ -r $itf/bInterfaceClass ]] || continue
			cls=$(<"$itf/bInterfaceClass")
			sub=$(<"$itf/bInterfaceSubClass")
			proto=$(<"$itf/bInterfaceProtocol")
			[[ $cls == 08 ]] && msc=1
			[[ $cls == ff && $sub == 4d && $proto == 56 ]] && vnd=1
		done
		[[ -n $msc ]] && printf 'usb:%s:%s auto:%s:%s ' "$vid" "$pid" "$vid" "$pid"
		[[ -n $vnd ]] && printf 'usbv:%s:%s ' "$vid" "$pid"
	done
}

# Every option that takes a value, whatever the command: the next word is
# that value, not a command, a subcommand or a file.
_usbmsc_valued=" -d --device --timeout --lun --vpd -o --output --in --out -k --key
	--version-number --vid --pid --vendor --product --hw-rev --mode --chunk --wait -n --count
	--size --lba --scratch-lba --route --id --name --summary --date "

# The index of the first word from index $1 up to the cursor that is
# neither an option nor an option's value, or 0. $2: options that take a
# value only here (fw pack's --version).
_usbmsc_word_at()
{
	local i=$1 valued="$_usbmsc_valued $2 "
	for ((; i < cword; i++)); do
		if [[ $valued == *[[:space:]]"${words[i]}"[[:space:]]* ]]; then
			((i++))
		elif [[ ${words[i]} != -* ]]; then
			echo "$i"
			return
		fi
	done
	echo 0
}

_usbmsc_device()
{
	local devs
	devs="sim: $(compgen -G '/dev/sg[0-9]*' 2>/dev/null) $(compgen -G '/dev/sd[a-z]' 2>/dev/null)"
	devs="$devs usb: usbv: auto: vol: $(_usbmsc_usb_uris 2>/dev/null)"
	if [[ $cur == sim:* ]]; then
		# Complete the image path after the scheme.
		COMPREPLY=($(compgen -f -- "${cur#sim:}"))
		COMPREPLY=("${COMPREPLY[@]/#/sim:}")
	elif [[ $cur == vol:* ]]; then
		# A file door's mount point: a folder.
		COMPREPLY=($(compgen -d -- "${cur#vol:}"))
		COMPREPLY=("${COMPREPLY[@]/#/vol:}")
	else
		COMPREPLY=($(compgen -W "$devs" -- "$cur"))
	fi
	__ltrim_colon_completions "$cur"
	[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace
}

# The value of option $1; nothing for numbers, sizes, seconds and names.
_usbmsc_value()
{
	case $1 in
	-d | --device) _usbmsc_device ;;
	-k | --key | -o | --output | --out) _filedir ;;
	--vpd) COMPREPLY=($(compgen -W "supported sn di ei bl" -- "$cur")) ;;
	--mode)
		COMPREPLY=($(compgen -W "auto 5 7 e dmc_save dmc_offs_save dmc_offs_defer" -- "$cur"))
		;;
	--route) COMPREPLY=($(compgen -W "scsi uf2" -- "$cur")) ;;
	*) ;;
	esac
}

# fw: each subcommand with its own options and arguments. $1: fw's index.
_usbmsc_fw()
{
	local globals="-d --device --json -v --timeout --lun -h --help"
	local si opts="" files=""
	si=$(_usbmsc_word_at $(($1 + 1)) --version)
	if ((si == 0)); then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "keygen pack inspect info update activate confirm cab" -- "$cur"))
		fi
		return
	fi
	case ${words[si]} in
	keygen) opts="-f --force" files=1 ;;
	pack)
		opts="-k --key --version --version-number --vid --pid --vendor --product --hw-rev
			-o --output"
		files=1
		;;
	inspect) opts="-k --key" files=1 ;;
	update)
		opts="-k --key --mode --chunk --no-activate --dry-run --no-host-checks --wait
			--allow-reinstall"
		files=1
		;;
	activate) opts="--wait" ;;
	cab)
		opts="-k --key -o --output --route --vendor --product --id --name --summary --date"
		files=1
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$globals $opts" -- "$cur"))
	elif [[ -n $files ]]; then
		_filedir
	fi
}

# bench tur | read. $1: bench's index.
_usbmsc_bench()
{
	local globals="-d --device --json -v --timeout --lun --unmount -h --help"
	local si opts=""
	si=$(_usbmsc_word_at $(($1 + 1)))
	if ((si == 0)); then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$globals" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "tur read" -- "$cur"))
		fi
		return
	fi
	case ${words[si]} in
	tur) opts="-n --count" ;;
	read) opts="--size --chunk --lba" ;;
	esac
	[[ $cur == -* ]] && COMPREPLY=($(compgen -W "$globals $opts" -- "$cur"))
}

_usbmsc()
{
	local cur prev words cword
	_init_completion -n '=:' || return

	local commands="inquiry tur sense capacity luns read write raw bench compliance fw list help"
	local global_opts="-d --device --json -v --timeout --lun --unmount -h --help --version"
	local ci cmd=""
	ci=$(_usbmsc_word_at 1)
	((ci)) && cmd=${words[ci]}

	# --opt=value: complete the value
	if [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
		_usbmsc_value "$prev"
		return
	fi
	if [[ $_usbmsc_valued == *[[:space:]]"$prev"[[:space:]]* ]] ||
		[[ $prev == --version && $cmd == fw ]]; then
		_usbmsc_value "$prev"
		return
	fi

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	local cmd_opts=""
	case $cmd in
	fw)
		_usbmsc_fw "$ci"
		return
		;;
	bench)
		_usbmsc_bench "$ci"
		return
		;;
	help)
		[[ $cur != -* ]] && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		return
		;;
	inquiry) cmd_opts="--vpd" ;;
	read) cmd_opts="-o --output" ;;
	raw) cmd_opts="--in --out -o --output --dry-run" ;;
	compliance)
		global_opts="-d --device --json --timeout --lun --unmount -h --help"
		cmd_opts="--scratch-lba"
		;;
	write)
		# write LBA FILE: the file is the second argument.
		[[ $cur != -* ]] && _filedir
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$global_opts $cmd_opts" -- "$cur"))
	fi
} &&
	complete -F _usbmsc usbmsc
