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

_usbmsc()
{
	local cur prev words cword
	_init_completion -n '=:' || return

	local commands="inquiry tur sense capacity luns read write raw bench compliance fw list help"
	local global_opts="-d --device --json -v --timeout --lun --unmount -h --help --version"
	local cmd="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-d | --device | --timeout | --lun | --vpd | -o | --output | --in | --out | \
			-k | --key | --version-number | --vid | --pid | --vendor | --product | --hw-rev)
			((i++)) ;;
		-*) ;;
		*)
			cmd=${words[i]}
			break
			;;
		esac
	done

	case $prev in
	-d | --device)
		local devs
		devs="sim: $(compgen -G '/dev/sg[0-9]*' 2>/dev/null) $(compgen -G '/dev/sd[a-z]' 2>/dev/null)"
		devs="$devs usb: usbv: auto: $(_usbmsc_usb_uris 2>/dev/null)"
		if [[ $cur == sim:* ]]; then
			# Complete the image path after the scheme.
			local path=${cur#sim:}
			COMPREPLY=($(compgen -f -- "$path"))
			COMPREPLY=("${COMPREPLY[@]/#/sim:}")
			__ltrim_colon_completions "$cur"
		else
			COMPREPLY=($(compgen -W "$devs" -- "$cur"))
			__ltrim_colon_completions "$cur"
		fi
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace
		return
		;;
	--timeout | --lun | --in | --version-number | --vid | --pid | --vendor | --product | --hw-rev)
		return
		;;
	-k | --key)
		_filedir
		return
		;;
	--vpd)
		COMPREPLY=($(compgen -W "supported sn di ei bl" -- "$cur"))
		return
		;;
	-o | --output | --out)
		_filedir
		return
		;;
	esac

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
	inquiry) cmd_opts="--vpd" ;;
	read) cmd_opts="-o --output" ;;
	raw) cmd_opts="--in --out -o --output --dry-run" ;;
	compliance) cmd_opts="--scratch-lba" ;;
	bench)
		if [[ $prev == bench ]]; then
			COMPREPLY=($(compgen -W "tur read" -- "$cur"))
			return
		fi
		cmd_opts="-n --count --size --chunk --lba"
		;;
	help)
		COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		return
		;;
	fw)
		if [[ $cur == -* ]]; then
			# fw's --version is pack's, not the global one.
			global_opts=${global_opts/ --version/}
			cmd_opts="-f --force -k --key --version --version-number --vid --pid --vendor
				--product --hw-rev -o --output --mode --chunk --no-activate --dry-run
				--no-host-checks --wait"
		elif [[ $prev == fw ]]; then
			COMPREPLY=($(compgen -W "keygen pack inspect uf2 info update" -- "$cur"))
			return
		else
			_filedir
			return
		fi
		;;
	write)
		# write LBA FILE: the file is the second argument.
		if [[ $cur != -* ]]; then
			_filedir
			return
		fi
		;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$global_opts $cmd_opts" -- "$cur"))
	fi
} &&
	complete -F _usbmsc usbmsc
