/* libFuzzer harness for the firmware engine under flash faults: the model
 * and oracle of tests/fwengine/fw_model.h (a NOR flash in RAM, the engine
 * behind the real target core), with the input choosing the configuration,
 * the fault schedule and the steps.
 *
 * Input:
 *   byte 0      bit 0 USBMSC_FW_CHECK_AT_BOOT, bit 1 _KEEP_DEFERRED,
 *               bit 2 _HASH_STREAMED, bit 3 start with the factory image
 *   byte 1      the number of faults (bits 1:0)
 *   3 per fault kind (mod 7: power cut, failure, failure after, torn
 *               failure, silent, read error, 8 read errors), operation
 *               number (9 bits, little-endian; counted from the setup;
 *               0: none)
 *   2 per step  kind (bits 1:0: download, 0x0F, reboot, FW CONFIRM),
 *               image (bits 4:2, enum m_image), mode (bits 6:5: 0x05,
 *               0x07, 0x0E, 0x0E); chunk size 128 * (1 + bits 4:0)
 * A broken invariant (W, R, F, B of fw_model.h; a program without an
 * erase; a Bulk-Only Transport violation) aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz_check.h"
#include "fw_model.h"

#define MAX_STEPS 32u

static const uint8_t modes[4] = { 0x05, 0x07, 0x0E, 0x0E };

/* Plan one fault; false for one the configuration makes meaningless. */
static bool plan(uint8_t kind, uint32_t n, uint8_t flags)
{
	if (n == 0)
		return true;
	switch (kind % 7u) {
	case 0: g_nor.cut_at = g_nor.ops + n; return true;
	case 1: g_nor.fail_at = g_nor.ops + n; return true;
	case 2: g_nor.fail_after_at = g_nor.ops + n; return true;
	case 3: g_nor.torn_at = g_nor.ops + n; return true;
	case 4:
		/* Streamed hashing alone trusts program() by design (fwengine.h). */
		if ((flags & USBMSC_FW_HASH_STREAMED) && !(flags & USBMSC_FW_CHECK_AT_BOOT))
			return true;
		g_nor.silent_at = g_nor.ops + n;
		return false;
	default:
		g_nor.read_fail_at = g_nor.reads + n;
		g_nor.read_fail_len = kind % 7u == 5 ? 1 : 8;
		return true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t flags;
	bool strict = true;
	size_t at = 2, faults;
	uint32_t steps = 0;

	if (size < 2)
		return 0;
	flags = data[0] & 7u;
	m_setup(flags, (data[0] & 8u) != 0);
	faults = data[1] & 3u;
	for (size_t i = 0; i < faults && at + 3 <= size; i++, at += 3) {
		if (!plan(data[at], (uint32_t)data[at + 1] | (uint32_t)(data[at + 2] & 1u) << 8, flags))
			strict = false;
	}
	for (; at + 2 <= size && steps < MAX_STEPS; at += 2, steps++) {
		struct m_step s = {
			.kind = data[at] & 3u,
			.image = (uint8_t)(((data[at] >> 2) & 7u) % MI_COUNT),
			.mode = modes[(data[at] >> 5) & 3u],
			.chunk = (uint16_t)(128u * (1u + (data[at + 1] & 31u))),
		};
		const char *msg;

		m_step(&s);
		msg = m_broken();
		if (msg) {
			fprintf(stderr, "invariant broken at step %u: %s\n", steps, msg);
			abort();
		}
	}
	/* A silent erase forces the next program over unerased bytes. */
	FUZZ_CHECK(!strict || g_nor.violations == 0);
	return 0;
}
