#!/bin/sh
# The build with the null OS backend (-Dlinux=disabled: what a macOS user
# builds) calls no Linux-only function: the shared library and the usbmsc
# command import none of them (libusb's own calls stay inside libusb).
# Usage: test_os_calls.sh NM LIBRARY EXECUTABLE...   (TAP on stdout)
set -u
nm=${1:?nm}
shift
linux_only='fallocate|posix_fadvise|posix_fadvise64|fallocate64|umount|umount2|mount|ioctl|syscall|prctl|sendfile|sendfile64|splice|tee|vmsplice|memfd_create|getauxval|epoll_create|epoll_create1|epoll_ctl|epoll_wait|epoll_pwait|eventfd|timerfd_create|timerfd_settime|signalfd|inotify_init|inotify_init1|inotify_add_watch|fanotify_init|sysinfo|statfs|statfs64|fstatfs|fstatfs64|gnu_dev_major|gnu_dev_minor|gnu_dev_makedev|capget|capset'
n=0
bad=0
for f in "$@"; do
	n=$((n + 1))
	hits=$("$nm" -D --undefined-only "$f" 2>&1 | awk '{ print $NF }' | sed 's/@.*//' |
		grep -xE "$linux_only")
	if [ -z "$hits" ] && "$nm" -D --undefined-only "$f" >/dev/null 2>&1; then
		echo "ok $n - $(basename "$f") calls no Linux-only function"
	else
		bad=1
		echo "not ok $n - $(basename "$f") calls Linux-only functions"
		printf '%s\n' "$hits" | sed 's/^/# /'
	fi
done
echo "1..$n"
exit "$bad"
