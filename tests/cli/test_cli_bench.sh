#!/bin/bash
# usbmsc bench tur and bench read against the virtual device: the JSON
# fields and their invariants, the exact number of commands sent (counted
# by the device's fault layer), the size syntax, and the checks on --chunk,
# --size and --lba that must refuse before anything is timed.
. "$(dirname "$0")/lib.sh"

IMG=$T/disk.img
DEV="sim:$IMG"
# Latency statistics in order: min <= median <= p99 <= max, all positive.
LAT_ORDER='0 < d["latency_us"]["min"] <= d["latency_us"]["median"] <= d["latency_us"]["p99"] <= d["latency_us"]["max"]'
LAT_MEAN='d["latency_us"]["min"] <= d["latency_us"]["mean"] <= d["latency_us"]["max"]'
# seconds and the rates agree: commands / seconds = commands_per_s (1 % slack for rounding).
RATE='abs(d["commands"] / d["seconds"] - d["commands_per_s"]) <= 0.01 * d["commands_per_s"] + 0.1'

# ---- bench tur ----
run -d "$DEV" --json bench tur -n 200
expect_rc 0 "bench tur -n 200 on a fresh device (meets the power-on unit attention first)"
expect_json "tur JSON: test, transport, commands == N" \
	'd["test"] == "tur"' 'd["transport"] == "bot"' 'd["lun"] == 0' 'd["commands"] == 200' \
	"d['device'] == '$DEV'"
expect_json "tur JSON: seconds > 0 and the rate matches them" \
	'd["seconds"] > 0' 'd["commands_per_s"] > 0' "$RATE"
expect_json "tur JSON: min <= median <= p99 <= max, mean inside" "$LAT_ORDER" "$LAT_MEAN"
expect_json "tur JSON has no read fields" \
	'"bytes" not in d' '"mb_per_s" not in d' '"chunk" not in d'

run -d "$DEV" bench tur --count 50
expect_rc 0 "bench tur --count 50, text"
expect_out '^commands: +50 TEST UNIT READY$' "text names the command count"
expect_out '^commands/s: +[0-9]+\.[0-9]$' "text has commands/s"
for what in median p99 min max mean; do
	expect_out "^latency $what: +[0-9]+\.[0-9]{3} us$" "text has the latency $what"
done

run -d "$DEV" bench tur
expect_rc 0 "bench tur without -n"
expect_out '^commands: +1000 TEST UNIT READY$' "the default is 1000 commands"

run -d "$DEV" -v bench tur -n 1
expect_rc 0 "bench tur -n 1 -v"
expect_err 'power on or reset' "-v notes the unit attention met before timing"

# The device counts CBWs: 1 TUR (unit attention), 2 REQUEST SENSE, then
# the 10 timed ones are 3..12, the first of them the TUR sent again, as
# sg_turs -n 10 sends 10. Gone at 12: the last timed command fails; gone at
# 13: no 13th command was ever sent.
run -d "sim:$IMG?fault=disconnect@12" bench tur -n 10
expect_rc 20 "a device gone at the last timed TUR fails the bench"
expect_err 'command 10 of 10 failed' "the failure names the command"
run -d "sim:$IMG?fault=disconnect@13" --json bench tur -n 10
expect_rc 0 "exactly N TURs after the unit attention (a fault at N+3 never fires)"
expect_json "... and 10 are reported" 'd["commands"] == 10'
run -d "sim:$IMG?fault=disconnect@3" bench tur -n 10
expect_rc 20 "a device gone at the first timed TUR fails the bench"
expect_err 'command 1 of 10 failed' "... naming it the first"

run -d "$DEV" bench tur -n 0
expect_rc 1 "-n 0 is refused"
expect_err '-n takes a number of commands from 1 to 10000000' "... saying what -n takes"
run -d "$DEV" bench tur -n 10000001
expect_rc 1 "-n above 10000000 is refused"
run -d "$DEV" bench tur -n ten
expect_rc 1 "-n ten is refused"
run -d "$DEV" bench tur --size 1M
expect_rc 1 "tur takes no --size"
expect_err 'tur takes no option --size' "... and says so"
run -d "$DEV" bench tur extra
expect_rc 1 "tur takes no positional argument"

# ---- bench read ----
run -d "$DEV" --json bench read --size 1M --chunk 64k
expect_rc 0 "bench read --size 1M --chunk 64k"
expect_json "read JSON: bytes == size, chunk, 16 commands, block size" \
	'd["test"] == "read"' 'd["bytes"] == 1048576' 'd["chunk"] == 65536' \
	'd["commands"] == 16' 'd["block_size"] == 512' 'd["lba"] == 0'
expect_json "read JSON: MB/s = bytes / seconds / 1e6 (1 % slack)" \
	'd["mb_per_s"] > 0' 'abs(d["bytes"] / d["seconds"] / 1e6 - d["mb_per_s"]) <= 0.01 * d["mb_per_s"] + 0.001'
expect_json "read JSON: latency order, rate" "$LAT_ORDER" "$LAT_MEAN" "$RATE"

run -d "$DEV" --json bench read --size 0x10000 --chunk 4096 --lba 0x100
expect_json "hex sizes and LBA: 0x10000 in 4096-byte commands from LBA 256" \
	'd["bytes"] == 65536' 'd["commands"] == 16' 'd["lba"] == 256'

run -d "$DEV" --json bench read --size=100k --chunk=64K
expect_json "a size that is not a multiple of the chunk ends with a shorter command" \
	'd["bytes"] == 102400' 'd["commands"] == 2'

run -d "$DEV" --json bench read
expect_rc 0 "bench read with the defaults"
expect_json "defaults: 64 MiB (the whole unit), the sim's 1 MiB maximum transfer" \
	'd["bytes"] == 64 * 1024 * 1024' 'd["chunk"] == 1024 * 1024' 'd["commands"] == 64'

run -d "$DEV" --json bench read --lba 131000
expect_json "default size from near the end: what is left of the unit" \
	'd["bytes"] == 72 * 512' 'd["lba"] == 131000'

run -d "$DEV" bench read --size 4k --chunk 1k
expect_rc 0 "bench read, text"
expect_out '^read: +4096 bytes \(4\.0 KiB\) from LBA 0, 512-byte blocks$' "text says what was read"
expect_out '^commands: +4 READ of 1024 bytes' "text names the commands and their size"
expect_out '^throughput: +[0-9]+\.[0-9]{3} MB/s$' "text has MB/s"

# CBWs: 1 READ CAPACITY (unit attention), 2 REQUEST SENSE, 3 READ CAPACITY,
# then the 16 READs are 4..19.
run -d "sim:$IMG?fault=disconnect@19" bench read --size 1M --chunk 64k
expect_rc 20 "a device gone at the last READ fails the bench"
expect_err 'READ at LBA 1920 \(command 16 of 16\) failed' "the failure names the LBA and the command"
run -d "sim:$IMG?fault=disconnect@20" bench read --size 1M --chunk 64k
expect_rc 0 "exactly size / chunk READs are sent"
run -d "sim:$IMG?fault=stall-in@5" --json bench read --size 1M --chunk 64k
expect_rc 11 "a READ that fails with sense: its category"
expect_json "... and a JSON error document" 'd["error"]["status"] == 11' \
	'd["error"]["command"] == "bench"'

# The chunk: a whole number of blocks, at most the transport's limit.
run -d "$DEV" bench read --size 1M --chunk 1000
expect_rc 1 "a chunk that is not a multiple of the block size"
expect_err '--chunk 1000 is not a multiple of the block size \(512 bytes\)' "... says so"
run -d "$DEV" --json bench read --size 4M --chunk 2M
expect_rc 1 "a chunk beyond the transport's maximum transfer"
expect_json "... as a JSON error document naming the limit" 'd["error"]["status"] == 1' \
	'"maximum transfer of 1048576 bytes" in d["error"]["message"]'
run -d "$DEV" bench read --chunk 0
expect_rc 1 "a chunk of 0"
run -d "$DEV" bench read --chunk 12q
expect_rc 1 "a chunk that is not a size"
expect_err "--chunk takes a size in bytes" "... says what --chunk takes"
run -d "sim:$T/4k.img?bs=4096" bench read --size 64k --chunk 2048
expect_rc 1 "on 4096-byte blocks a 2048-byte chunk is refused"
run -d "sim:$T/4k.img?bs=4096" --json bench read --size 64k
expect_json "on 4096-byte blocks the default chunk is whole blocks" \
	'd["block_size"] == 4096' 'd["chunk"] % 4096 == 0' 'd["bytes"] == 65536'

# The size and the range.
run -d "$DEV" bench read --size 65M
expect_rc 5 "a size past the end of the unit (exit 5, nothing read)"
expect_err 'runs past the end of the LUN' "... says so"
run -d "$DEV" bench read --size 1M --lba 131072
expect_rc 5 "an LBA past the end"
run -d "$DEV" bench read --size 1000
expect_rc 1 "a size that is not a multiple of the block size"
run -d "$DEV" bench read --size 0
expect_rc 1 "a size of 0"
run -d "$DEV" bench read --lba x
expect_rc 1 "an LBA that is not a number"
run -d "$DEV" bench read --size 64M --chunk 512 --lba 0
expect_rc 0 "131072 commands of one block"
run -d "sim:$T/big.img?size=8G" bench read --size 8G --chunk 512
expect_rc 1 "more than 10000000 commands is refused before anything is read"
expect_err 'at most 10000000' "... saying the limit"
run -d "$DEV" bench read -n 5
expect_rc 1 "read takes no -n"

# ---- the command line ----
run -d "$DEV" bench
expect_rc 1 "bench without tur or read"
run -d "$DEV" bench write
expect_rc 1 "an unknown bench command"
expect_err "unknown bench command 'write'" "... is named"
run bench tur
expect_rc 1 "no device"
run bench --help
expect_rc 0 "bench --help"
expect_out '^  -n, --count N' "help lists -n"
expect_out '^  --chunk BYTES' "help lists --chunk"
run bench tur -d "$DEV" --json -n 3
expect_rc 0 "global options after the bench command"
expect_json "... apply" 'd["commands"] == 3'

done_testing
