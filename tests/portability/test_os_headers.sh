#!/bin/sh
# The portability boundary: only the OS layer (src/os/), the command's own
# portability files (tools/usbmsc/compat_*.c, which meson picks per system)
# and the Linux gadget (tools/usbmsc-gadget/) may know which operating
# system they run on. Every other C file of the project (src/, include/,
# tools/, bench/, tests/, examples/) may include no Linux, Windows or macOS
# header and define no system's feature macro; no file outside src/os/ and
# the gadget tests an OS macro in a preprocessor conditional. What counts
# (docs/OS-BACKEND.md):
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
# And POSIX headers too: the library, the command, the examples and the
# benchmark include, outside src/os/ and the compat files, the C standard
# library's headers, libusb's, libsodium's and the project's own, nothing
# else (no <unistd.h>, <fcntl.h>, <sys/...>, <dirent.h>, <strings.h>):
# their files, time and locks are the OS layer's (src/os/os_file.h,
# os_clock.h, os_lock.h). The tests may include POSIX headers (mingw-w64
# has some); those that need more than it has are built on POSIX hosts only.
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

# The headers of C11's library, and the libraries the project links.
std_h='assert|complex|ctype|errno|fenv|float|inttypes|iso646|limits|locale|math|setjmp|signal|stdalign|stdarg|stdatomic|stdbool|stddef|stdint|stdio|stdlib|stdnoreturn|string|tgmath|threads|time|uchar|wchar|wctype|libusb|sodium|usbmsc/[a-z0-9_]+'
sys_inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*<'
any_re="$sys_inc[^>]*>"
# (matched against grep -n's "FILE:LINE:TEXT")
std_re="^[^:]*:[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*<($std_h)\.h>"
system_files='src/os/|tools/usbmsc-gadget/|tools/usbmsc/compat_[a-z0-9_]+\.c$'

n=0
bad=0
# check DESCRIPTION ERE GREP-FLAG EXEMPT-ERE DIRS [ALLOWED-ERE]: no line of
# a C file under DIRS, outside EXEMPT, matches ERE (unless it matches
# ALLOWED).
check() {
	n=$((n + 1))
	hits=$(cd "$root" && find $5 -name '*.[ch]' 2>/dev/null | grep -vE "^($4)" | sort |
		xargs -r grep -nE $3 -- "$2" | grep -vE "${6:-^$}")
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
all='src include tools bench tests examples'
check "no Linux, Windows or macOS header outside src/os/, the compat files and the gadget" \
	"$include_re" -i "$system_files" "$all"
check "no system feature macro defined outside src/os/, the compat files and the gadget" \
	"$feature_re" "" "$system_files" "$all"
check "no OS macro tested outside src/os/ and tools/usbmsc-gadget/" \
	"$cond_re" "" 'src/os/|tools/usbmsc-gadget/' "$all"
check "no POSIX header in the library, the command, the examples or the benchmark" \
	"$any_re" "" "$system_files" 'src include tools/usbmsc bench examples' "$std_re"
echo "1..$n"
exit "$bad"
