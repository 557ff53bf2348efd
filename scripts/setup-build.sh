#!/bin/sh
# Configure a Meson build directory, new or existing: scripts/setup-build.sh DIR [MESON OPTIONS]
set -eu
dir=$1; shift
if [ -f "$dir/build.ninja" ]; then
	exec meson setup --reconfigure "$dir" "$@"
fi
exec meson setup "$dir" "$@"
