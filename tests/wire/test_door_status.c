/* The host's reader of a file door's STATUS.TXT (src/wire/door_status.c):
 * every line the device writes, versions with dots, the reasons by number,
 * CR LF, and lines it must not take. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_not_ours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
