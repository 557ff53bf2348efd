# The same copy while another writer floods the door volume with what
# macOS and Windows write to a removable FAT volume: AppleDouble files
# (._NAME), .fseventsd/, .Spotlight-V100/, .Trashes/, .metadata_never_index,
# System Volume Information/, and large junk files, in a loop, each round
# synced. The door drops all of it; the firmware updates once the writer
# stops and the host has been quiet for a second. The disk is untouched.
# gadget-args: --lun /tmp/disk.img,size=16M --fw-state /tmp/fw.flash --fw-slot 1m --file-door -v
# lab-args: --mount
# needs: --file-door
. /add/doorlib.sh

# flood: until /tmp/stop exists (errors once the device is gone are fine).
flood() {
    i=0
    while [ ! -e /tmp/stop ]; do
        mkdir -p /door/.fseventsd /door/.Spotlight-V100/Store-V2 /door/.Trashes/501 \
            "/door/System Volume Information" 2>/dev/null
        head -c 4096 /dev/urandom > /door/._v2.uf2 2>/dev/null
        : > /door/.metadata_never_index 2>/dev/null
        head -c 1000 /dev/urandom > /door/.fseventsd/000000000$i 2>/dev/null
        head -c 20000 /dev/urandom > /door/.Spotlight-V100/Store-V2/store.db 2>/dev/null
        head -c 76 /dev/urandom > "/door/System Volume Information/IndexerVolumeGuid" 2>/dev/null
        head -c $((256 * 1024 * (i % 4 + 1))) /dev/urandom > /door/junk$((i % 3)).bin 2>/dev/null
        rm -f /door/junk$(((i + 1) % 3)).bin 2>/dev/null
        sync
        i=$((i + 1))
        echo $i > /tmp/rounds
    done
}

rounds_past() { [ "$(cat /tmp/rounds)" -ge "$1" ]; }

check "files on the disk LUN (mounted at /mnt)" disk_fill
check "the door volume mounts" wait_for door_mount /door
check "pack an image" pack 0200 2 /tmp/v2.img 300
check "wrap it in UF2" usbmsc fw uf2 /tmp/v2.img -o /tmp/v2.uf2
rm -f /tmp/stop
flood &
flooder=$!
check "the flood runs" wait_for test -s /tmp/rounds
old=$(devnum)
check "cp and sync it to the door, meanwhile" sh -c 'cp /tmp/v2.uf2 /door/ && sync'
n=$(cat /tmp/rounds)
check "two more rounds of flood after it" wait_for rounds_past $((n + 2))
check_eq "the device is still the old one while the flood goes on" "$old" "$(devnum)"
touch /tmp/stop
wait $flooder
pass "the flood stopped after $(cat /tmp/rounds) rounds"
check "the device went away and came back" wait_for reenumerated "$old"
umount -l /door 2>/dev/null
check_eq "INQUIRY's revision is the new version" "0200" "$(revision "$SG")"
check_eq "fw info: 0200 is active" "0200 (number 2)" "$(active "$SG")"
check "the door mounts again" wait_for door_mount /door
check_eq "STATUS.TXT: updated" "Updated from 0100 to 0200." "$(status /door)"
check "the disk's files are untouched" disk_intact
umount /door
check "no kernel trouble" kernel_healthy
summary
