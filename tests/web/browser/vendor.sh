#!/bin/sh
# vendor.sh CACHE: the browser tests' npm packages (puppeteer-core, no
# browser download), installed once with `npm ci` from the committed
# package-lock.json into CACHE/web-browser-KEY (KEY: a hash of the package
# files) and kept there; prints that folder's node_modules. Run it on a host
# that reaches the npm registry (before building a lab image, or at test
# time), then hand the folder to a guest that does not.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:?usage: vendor.sh CACHE}
key=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
dir=$cache/web-browser-$key
if [ ! -f "$dir/ready" ]; then
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	cp "$here/package.json" "$here/package-lock.json" "$dir.tmp/"
	(cd "$dir.tmp" && npm ci --ignore-scripts --no-audit --no-fund >&2)
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	touch "$dir/ready"
fi
echo "$dir/node_modules"
