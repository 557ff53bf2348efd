# sg3_utils get correct answers.
# gadget-args: --lun /lab/s.img,size=64M --vendor LabVend --product 'Gadget Test' --revision 2.5
#   --serial SER-77
. /add/lib.sh
check_out "sg_inq: vendor" "Vendor identification: LabVend" sg_inq "$SG"
check_out "sg_inq: product" "Product identification: Gadget Test" sg_inq "$SG"
check_out "sg_inq: revision" "Product revision level: 2.5" sg_inq "$SG"
check_out "sg_inq: direct-access device" "Peripheral device type: disk" sg_inq "$SG"
check_out "sg_vpd -p sn: the serial" "Unit serial number: SER-77" sg_vpd -p sn "$SG"
check_out "sg_vpd -p di: a designator" "designator" sg_vpd -p di "$SG"
check_out "sg_vpd -p bl: block limits" "Maximum transfer length" sg_vpd -p bl "$SG"
check_out "sg_readcap -l: 131072 blocks" "Number of logical blocks=131072" sg_readcap -l "$SG"
check_out "sg_readcap -l: 512-byte blocks" "Logical block length=512 bytes" sg_readcap -l "$SG"
check_out "sg_readcap (10)" "Last LBA=131071" sg_readcap "$SG"
check "sg_turs: ready" sg_turs "$SG"
check_out "sg_requests: no sense" "No Sense" sg_requests "$SG"
check_out "sg_luns: LUN 0" "0000000000000000" sg_luns "$SG"
check_out "sg_modes: not write protected" "WP=0" sg_modes "$SG"
check_out "sg_modes -p ca: caching page" "Caching" sg_modes -p ca "$SG"
check "the kernel stayed healthy" kernel_healthy
summary
