#!/bin/sh
# The portability boundary: only the OS backend (src/os/) and the Linux
# gadget (tools/usbmsc-gadget/) may know which operating system they run on.
# Every other C file of the project (src/, include/, tools/, bench/, tests/,
# examples/) may include no Linux, Windows or macOS header, define no
# system's feature macro, and test no OS macro in a preprocessor
# conditional. What counts (docs/OS-BACKEND.md):
#   Linux    <linux/...> <asm/...> <asm-generic/...> <scsi/...> <gnu/...>,
#            <sys/ioctl.h> <sys/sysmacros.h> <sys/mount.h> <sys/vfs.h>
#            <sys/statfs.h> <sys/epoll.h> <sys/eventfd.h> <sys/timerfd.h>
#            <sys/signalfd.h> <sys/inotify.h> <sys/fanotify.h> <sys/prctl.h>
#            <sys/sendfile.h> <sys/capability.h> <sys/fsuid.h> <sys/klog.h>
#            <sys/reboot.h> <sys/swap.h> <sys/sysinfo.h> <sys/syscall.h>
#            <sys/xattr.h> <sys/auxv.h>, <mntent.h> <libudev.h> <libaio.h>
#            <liburing.h> <endian.h> <byteswap.h> <malloc.h> <features.h>
#   Windows  <windows.h> and every <win*.h>, <ws2*.h>, <nt*.h>, <setupapi.h>
#            <cfgmgr32.h> <initguid.h> <devguid.h> <devpkey.h> <usbioctl.h>
#            <usbiodef.h> <usbspec.h> <usb100.h> <usb200.h> <io.h> <direct.h>
#            <process.h> <conio.h> <shlobj.h> <shellapi.h> <tchar.h> <dbt.h>
#            <hidsdi.h> <hidpi.h> (any case)
#   macOS    <IOKit/...> <CoreFoundation/...> <DiskArbitration/...>
#            <CoreServices/...> <Foundation/...> <mach/...> <mach-o/...>
#            <libkern/...> <dispatch/...> <os/...>, <TargetConditionals.h>
#            <Availability.h> <AvailabilityMacros.h> <libproc.h> <sys/disk.h>
#   feature macros defined: _GNU_SOURCE _DARWIN_C_SOURCE WIN32_LEAN_AND_MEAN
#            _WIN32_WINNT NTDDI_VERSION
#   OS macros in #if/#ifdef/#ifndef/#elif: __linux__ __linux linux
#            __gnu_linux__ _WIN32 _WIN64 WIN32 __WIN32__ __WINDOWS__
#            __MINGW32__ __MINGW64__ __CYGWIN__ __APPLE__ __MACH__ TARGET_OS_*
#            __FreeBSD__ __NetBSD__ __OpenBSD__ __DragonFly__ __sun __unix__
#            __unix USBMSC_HAVE_LINUX
# POSIX headers (<unistd.h>, <fcntl.h>, <sys/stat.h>, <sys/types.h>,
# <sys/wait.h>, <dirent.h>, <strings.h>, ...) are allowed outside src/os/:
# the plain file I/O of the firmware tools, the virtual device and the CLI
# uses them (the Windows build gives them their own way later).
# Usage: test_os_headers.sh SOURCE_ROOT   (TAP on stdout)
set -u
root=${1:?source root}

# Directories whose every header is a system's own, then single headers.
os_dirs='linux|asm|asm-generic|scsi|gnu|IOKit|CoreFoundation|DiskArbitration|CoreServices|Foundation|mach|mach-o|libkern|dispatch|os'
linux_h='sys/(ioctl|sysmacros|mount|vfs|statfs|epoll|eventfd|timerfd|signalfd|inotify|fanotify|prctl|sendfile|capability|fsuid|klog|reboot|swap|sysinfo|syscall|xattr|auxv)|mntent|libudev|libaio|liburing|endian|byteswap|malloc|features'
windows_h='win[a-z0-9_]*|ws2[a-z0-9_]*|nt[a-z0-9_]*|setupapi|cfgmgr32|initguid|devguid|devpkey|usbioctl|usbiodef|usbspec|usb100|usb200|io|direct|process|conio|shlobj|shellapi|tchar|dbt|hidsdi|hidpi'
macos_h='TargetConditionals|Availability|AvailabilityMacros|libproc|sys/disk'
inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]'
include_re="$inc(($os_dirs)/[^>\"]*|($linux_h|$windows_h|$macos_h)\.h)[>\"]"
feature_re='^[[:space:]]*#[[:space:]]*(define|undef)[[:space:]]+(_GNU_SOURCE|_DARWIN_C_SOURCE|WIN32_LEAN_AND_MEAN|_WIN32_WINNT|NTDDI_VERSION)([^[:alnum:]_]|$)'
os_macros='__linux__|__linux|linux|__gnu_linux__|_WIN32|_WIN64|WIN32|__WIN32__|__WINDOWS__|__MINGW32__|__MINGW64__|__CYGWIN__|__APPLE__|__MACH__|TARGET_OS_[A-Z_]+|__FreeBSD__|__NetBSD__|__OpenBSD__|__DragonFly__|__sun|__unix__|__unix|USBMSC_HAVE_LINUX'
cond_re="^[[:space:]]*#[[:space:]]*(if|ifdef|ifndef|elif|elifdef|elifndef)([^[:alnum:]_].*)?([^[:alnum:]_])($os_macros)([^[:alnum:]_]|$)"

n=0
bad=0
check() { # description, ERE, case-insensitive?
	n=$((n + 1))
	hits=$(find "$root/src" "$root/include" "$root/tools" "$root/bench" "$root/tests" \
			"$root/examples" -name '*.[ch]' 2>/dev/null |
		grep -vE "^$root/(src/os|tools/usbmsc-gadget)/" | sort |
		xargs -r grep -nE $3 -- "$2" | sed "s|^$root/||")
	if [ -z "$hits" ]; then
		echo "ok $n - $1"
	else
		bad=1
		echo "not ok $n - $1"
		printf '%s\n' "$hits" | sed 's/^/# /'
	fi
}

files=$(find "$root/src" "$root/include" "$root/tools" -name '*.[ch]' | wc -l)
if [ "$files" -lt 50 ]; then
	echo "1..1"
	echo "not ok 1 - only $files C files under $root: wrong source root?"
	exit 1
fi
check "no Linux, Windows or macOS header outside src/os/ and tools/usbmsc-gadget/" "$include_re" -i
check "no system feature macro defined outside src/os/ and tools/usbmsc-gadget/" "$feature_re" ""
check "no OS macro tested outside src/os/ and tools/usbmsc-gadget/" "$cond_re" ""
echo "1..$n"
exit "$bad"
