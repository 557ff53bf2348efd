# Sourced by tests/lab/run for --desktop: the desktop guest's part of the
# run's overlay (the initramfs archive put after the base and the cached
# stage1 modules; desktop/stage1 carries it into the Debian root):
#   /init                desktop/stage1 (mounts the root, starts systemd)
#   /lab/init            tests/lab/init (run by lab.service)
#   /lab/desktop/        wait-seat, seat-agent, seat-run; guest/ (configuration)
#   /lab/install/        the build's "meson install" tree (the udev rule
#                        in udev's directory, the man pages, ...)
# Uses LAB_DIR BUILD stage tmp from run; sets initrd_parts, LAB_MEM and
# LAB_SMP (unless given).

install -m 755 "$LAB_DIR/desktop/stage1" "$stage/init"
install -m 755 "$LAB_DIR/init" "$stage/lab/init"
mkdir -p "$stage/lab/desktop"
install -m 755 "$LAB_DIR/desktop/wait-seat" "$LAB_DIR/desktop/seat-agent" \
    "$LAB_DIR/desktop/seat-run" "$stage/lab/desktop/"
cp -a "$LAB_DIR/desktop/guest" "$stage/lab/desktop/guest"
if [ -f "$BUILD/meson-info/intro-installed.json" ]; then
    meson install -C "$BUILD" --destdir "$stage/lab/install" --no-rebuild --quiet \
        > "$tmp/install.log" 2>&1 ||
        die "meson install -C $BUILD failed: $(tail -n 5 "$tmp/install.log")"
fi
initrd_parts+=("$LAB_DESKTOP_STAGE1")
# Chromium and the system services want more than the busybox guest, and
# a second CPU (QEMU's TCG runs one host thread per guest CPU) shortens
# systemd's start and Chromium's many processes.
: "${LAB_MEM:=2048}" "${LAB_SMP:=2}"
