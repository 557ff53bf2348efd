/* The host's readers of a file door's text files: STATUS.TXT
 * (src/wire/door_status.c): every line the device writes, versions with
 * dots, the reasons by number, CR LF, the padding the device adds, and
 * lines it must not take; INFO_UF2.TXT (src/wire/door_info.c): the UF2
 * convention's lines, the running version, other boards. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/doorstatus.h"
#include "usbmsc/filedoor.h"
#include "usbmsc/fwengine.h"

static struct usbmsc_door_status parse(const char *text, bool want)
{
	struct usbmsc_door_status st;

	assert_int_equal(usbmsc_door_status_parse(text, strlen(text), &st), want);
	return st;
}

static void test_lines(void **state)
{
	struct usbmsc_door_status st;

	(void)state;
	st = parse("Waiting for a UF2 file.\n", true);
	assert_int_equal(st.state, USBMSC_DOOR_ST_WAITING);
	st = parse("Receiving: 12 of 4096 blocks\n", true);
	assert_int_equal(st.state, USBMSC_DOOR_ST_RECEIVING);
	assert_int_equal(st.got, 12);
	assert_int_equal(st.blocks, 4096);
	st = parse("Incomplete: 0 of 4294967295 blocks\r\n", true);
	assert_int_equal(st.state, USBMSC_DOOR_ST_INCOMPLETE);
	assert_int_equal(st.blocks, 4294967295u);
	st = parse("Checked: starting 1.10\n", true);
	assert_int_equal(st.state, USBMSC_DOOR_ST_CHECKED);
	assert_string_equal(st.to, "1.10");
	st = parse("Updated from 1.0 to 1.10.\n", true);
	assert_int_equal(st.state, USBMSC_DOOR_ST_UPDATED);
	assert_string_equal(st.from, "1.0");
	assert_string_equal(st.to, "1.10");
	st = parse("Rolled back.", true);
	assert_int_equal(st.state, USBMSC_DOOR_ST_REVERTED);
	assert_string_equal(usbmsc_door_state_name(st.state), "reverted");
}

static void test_reasons(void **state)
{
	static const struct {
		const char *line;
		uint8_t reason;
	} cases[] = {
		{ "Refused: bad header\n", USBMSC_FWR_HEADER },
		{ "Refused: wrong length\n", USBMSC_FWR_LENGTH },
		{ "Refused: wrong device\n", USBMSC_FWR_FIT },
		{ "Refused: downgrade\n", USBMSC_FWR_ROLLBACK },
		{ "Refused: bad signature\n", USBMSC_FWR_SIGNATURE },
		{ "Refused: damaged\n", USBMSC_FWR_HASH },
		{ "Refused: flash error\n", USBMSC_FWR_FLASH },
		{ "Refused: busy\n", USBMSC_DOOR_BUSY },
		{ "Refused: other family\n", USBMSC_DOOR_FOREIGN },
		{ "Refused: a reason of a later version\n", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct usbmsc_door_status st = parse(cases[i].line, true);

		assert_int_equal(st.state, USBMSC_DOOR_ST_REFUSED);
		assert_int_equal(st.reason, cases[i].reason);
		assert_true(strncmp(st.reason_text, cases[i].line + 9, strlen(st.reason_text)) == 0);
	}
}

static void test_not_ours(void **state)
{
	static const char *const bad[] = {
		"", "\n", "Waiting", "Waiting for a UF2 file", "Receiving: 12 of blocks\n",
		"Receiving: x of 4 blocks\n", "Receiving: 1 of 44444444444 blocks\n",
		"Listening: 1 of 2 blocks\n", "Checked: starting \n", "Updated from  to 2.\n",
		"Updated from 1 to 2\n", "Refused: \n", "UF2 Bootloader v1.1.3 SFA\n",
	};
	struct usbmsc_door_status st;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = parse(bad[i], false);
		assert_int_equal(st.state, USBMSC_DOOR_ST_UNKNOWN);
	}
	/* Only the first line counts; no NUL is needed. */
	assert_true(usbmsc_door_status_parse("Rolled back.\nxyz", 12, &st));
	assert_false(usbmsc_door_status_parse("Rolled back.", 11, &st));
}

/* The device pads the line with spaces to a fixed length (so that a host
 * that caches the file's size still reads it whole). */
static void test_padded(void **state)
{
	struct usbmsc_door_status st;

	(void)state;
	st = parse("Refused: bad signature                                         \n", true);
	assert_int_equal(st.state, USBMSC_DOOR_ST_REFUSED);
	assert_string_equal(st.reason_text, "bad signature");
	assert_int_equal(st.reason, USBMSC_FWR_SIGNATURE);
	st = parse("Updated from 1.0 to 1.10.      \r\n", true);
	assert_string_equal(st.to, "1.10");
	st = parse("Receiving: 3 of 9 blocks   ", true);
	assert_int_equal(st.got, 3);
	parse("                \n", false);
}

static struct usbmsc_door_info info(const char *text, bool want)
{
	struct usbmsc_door_info in;

	assert_int_equal(usbmsc_door_info_parse(text, strlen(text), &in), want);
	return in;
}

static void test_info(void **state)
{
	struct usbmsc_door_info a, b;

	(void)state;
	a = info("UF2 Bootloader usbmsc-gadget\nModel: USBMSC Gadget\nBoard-ID: "
		 "LINUX-GADGET-1d6b-0104\nFirmware: 1.10\n", true);
	assert_string_equal(a.bootloader, "UF2 Bootloader usbmsc-gadget");
	assert_string_equal(a.model, "USBMSC Gadget");
	assert_string_equal(a.board_id, "LINUX-GADGET-1d6b-0104");
	assert_string_equal(a.firmware, "1.10");
	/* The same board after an update; CR LF and spaces are no difference. */
	b = info("UF2 Bootloader usbmsc-gadget\r\nModel:USBMSC Gadget \r\nFirmware: 1.11\r\n"
		 "Board-ID: LINUX-GADGET-1d6b-0104\r\n", true);
	assert_string_equal(b.firmware, "1.11");
	assert_true(usbmsc_door_info_same_board(&a, &b));
	/* Another board; a UF2 bootloader that is not a usbmsc door (no
	 * Firmware: line), as an RP2040's. */
	b = info("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n", true);
	assert_string_equal(b.firmware, "");
	assert_false(usbmsc_door_info_same_board(&a, &b));
	/* Not INFO_UF2.TXT at all; a board with neither line matches none. */
	info("", false);
	info("hello\nFirmware: 1.0\n", false);
	b = info("UF2 Bootloader x\n", true);
	assert_false(usbmsc_door_info_same_board(&b, &b));
	/* Long values are cut, never overrun. */
	a = info("Board-ID: 0123456789012345678901234567890123456789012345678901234567890123456789"
		 "\nFirmware: 12345678901234567890\n", true);
	assert_int_equal(strlen(a.board_id), USBMSC_DOOR_INFO_TEXT_MAX - 1u);
	assert_string_equal(a.firmware, "1234567890123456");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_padded),
		cmocka_unit_test(test_info),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
