# Shared functions of the file door scenarios, sourced in the lab guest
# (busybox sh) from /add/doorlib.sh, on top of the firmware suite's
# fwlib.sh. The lab started usbmsc-gadget with --fw-state and --file-door:
# LUN 0 is the disk (mounted at /mnt with lab-args --mount), LUN 1 the door.

. /add/fwlib.sh

# door_mount DIR [MOUNT OPTION...]: LUN 1's partition mounted at DIR, read
# afresh from the device (the kernel may keep a block device's pages past
# an umount); sets DOOR (the door's block device).
door_mount() {
    dir=$1
    shift
    lun_nodes 1 && DOOR=$NODE_BLK && [ -b "${DOOR}1" ] && mkdir -p "$dir" &&
        sync && echo 3 > /proc/sys/vm/drop_caches && mount -t vfat "$@" "${DOOR}1" "$dir"
}

# status DIR: STATUS.TXT's line, its padding cut.
status() { sed 's/ *$//' "$1/STATUS.TXT"; }

# disk_fill: files of random data on the disk LUN (at /mnt), their sums in
# /tmp/disk.sums.
disk_fill() {
    for n in 1 2 3; do
        head -c $((n * 200 * 1024)) /dev/urandom > /mnt/file$n.bin || return 1
    done
    mkdir -p /mnt/dir && head -c 5000 /dev/urandom > /mnt/dir/small.txt && sync &&
        (cd /mnt && md5sum file1.bin file2.bin file3.bin dir/small.txt) > /tmp/disk.sums
}

# disk_intact: the disk LUN, mounted afresh (after the re-enumeration),
# holds the same files.
disk_intact() {
    umount -l /mnt 2>/dev/null
    lun_nodes 0 && mount -t vfat "${NODE_BLK}1" /mnt && (cd /mnt && md5sum -c /tmp/disk.sums)
}

# public_key FILE: the public half of LAB_FW_SECRET (a secret key file
# holds the seed, then the public key).
public_key() {
    printf 'usbmsc-fw-public-key ed25519\n%s\n' "$(sed -n 2p "$LAB_FW_SECRET" | cut -c65-128)" > "$1"
}
