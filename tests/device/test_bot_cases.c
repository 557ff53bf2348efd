/* The thirteen cases (src/wire/bot_cases.c), each with concrete numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "usbmsc/bot.h"

#define N USBMSC_DIR_NONE
#define I USBMSC_DIR_IN
#define O USBMSC_DIR_OUT

struct expect {
	uint8_t case_no;
	bool run, phase_error, stall_in, stall_out;
	uint32_t data_len, pad_len, drop_len, residue;
};

static void check(enum usbmsc_dir hd, uint32_t hl, enum usbmsc_dir dd, uint32_t dl, bool pad,
		  struct expect e)
{
	struct usbmsc_bot_plan p;

	usbmsc_bot_decide(hd, hl, dd, dl, pad, &p);
	assert_int_equal(p.case_no, e.case_no);
	assert_int_equal(p.run, e.run);
	assert_int_equal(p.phase_error, e.phase_error);
	assert_int_equal(p.stall_in, e.stall_in);
	assert_int_equal(p.stall_out, e.stall_out);
	assert_int_equal(p.data_len, e.data_len);
	assert_int_equal(p.pad_len, e.pad_len);
	assert_int_equal(p.drop_len, e.drop_len);
	assert_int_equal(p.residue, e.residue);
}

static void test_case1(void **s)
{
	(void)s;
	check(N, 0, N, 0, false, (struct expect){ .case_no = 1, .run = true });
}

static void test_case2_3(void **s)
{
	(void)s;
	check(N, 0, I, 36, false, (struct expect){ .case_no = 2, .phase_error = true });
	check(N, 0, O, 512, false, (struct expect){ .case_no = 3, .phase_error = true });
}

static void test_case4(void **s)
{
	(void)s;
	check(I, 512, N, 0, false,
	      (struct expect){ .case_no = 4, .run = true, .stall_in = true, .residue = 512 });
	check(I, 512, N, 0, true,
	      (struct expect){ .case_no = 4, .run = true, .pad_len = 512, .residue = 512 });
}

static void test_case5(void **s)
{
	(void)s;
	check(I, 255, I, 36, false,
	      (struct expect){ .case_no = 5, .run = true, .stall_in = true, .data_len = 36,
			       .residue = 219 });
	check(I, 255, I, 36, true,
	      (struct expect){ .case_no = 5, .run = true, .data_len = 36, .pad_len = 219,
			       .residue = 219 });
}

static void test_case6(void **s)
{
	(void)s;
	check(I, 4096, I, 4096, false,
	      (struct expect){ .case_no = 6, .run = true, .data_len = 4096 });
	check(I, 4096, I, 4096, true,
	      (struct expect){ .case_no = 6, .run = true, .data_len = 4096 });
}

static void test_case7(void **s)
{
	(void)s;
	check(I, 512, I, 1024, false,
	      (struct expect){ .case_no = 7, .run = true, .phase_error = true, .data_len = 512 });
}

static void test_case8(void **s)
{
	(void)s;
	check(I, 512, O, 512, false,
	      (struct expect){ .case_no = 8, .phase_error = true, .stall_in = true,
			       .residue = 512 });
	/* Padding is only for cases 4 and 5. */
	check(I, 512, O, 512, true,
	      (struct expect){ .case_no = 8, .phase_error = true, .stall_in = true,
			       .residue = 512 });
}

static void test_case9(void **s)
{
	(void)s;
	check(O, 1024, N, 0, false,
	      (struct expect){ .case_no = 9, .run = true, .drop_len = 1024, .residue = 1024 });
}

static void test_case10(void **s)
{
	(void)s;
	check(O, 512, I, 18, false,
	      (struct expect){ .case_no = 10, .phase_error = true, .stall_out = true,
			       .residue = 512 });
}

static void test_case11(void **s)
{
	(void)s;
	check(O, 8192, O, 4096, false,
	      (struct expect){ .case_no = 11, .run = true, .data_len = 4096, .drop_len = 4096,
			       .residue = 4096 });
}

static void test_case12(void **s)
{
	(void)s;
	check(O, 1024, O, 1024, false,
	      (struct expect){ .case_no = 12, .run = true, .data_len = 1024 });
}

static void test_case13(void **s)
{
	(void)s;
	check(O, 512, O, 1024, false,
	      (struct expect){ .case_no = 13, .phase_error = true, .drop_len = 512 });
}

/* A zero length is "no data" whatever the direction field says. */
static void test_zero_length_normalised(void **s)
{
	(void)s;
	check(I, 0, N, 0, false, (struct expect){ .case_no = 1, .run = true });
	check(O, 0, I, 0, false, (struct expect){ .case_no = 1, .run = true });
	check(I, 36, I, 0, false,
	      (struct expect){ .case_no = 4, .run = true, .stall_in = true, .residue = 36 });
	check(O, 512, O, 0, false,
	      (struct expect){ .case_no = 9, .run = true, .drop_len = 512, .residue = 512 });
	check(N, 100, I, 8, false, (struct expect){ .case_no = 2, .phase_error = true });
}

/* The largest lengths do not wrap. */
static void test_extreme_lengths(void **s)
{
	(void)s;
	check(I, 0xFFFFFFFFu, I, 1, false,
	      (struct expect){ .case_no = 5, .run = true, .stall_in = true, .data_len = 1,
			       .residue = 0xFFFFFFFEu });
	check(O, 1, O, 0xFFFFFFFFu, false,
	      (struct expect){ .case_no = 13, .phase_error = true, .drop_len = 1 });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case1),  cmocka_unit_test(test_case2_3),
		cmocka_unit_test(test_case4),  cmocka_unit_test(test_case5),
		cmocka_unit_test(test_case6),  cmocka_unit_test(test_case7),
		cmocka_unit_test(test_case8),  cmocka_unit_test(test_case9),
		cmocka_unit_test(test_case10), cmocka_unit_test(test_case11),
		cmocka_unit_test(test_case12), cmocka_unit_test(test_case13),
		cmocka_unit_test(test_zero_length_normalised),
		cmocka_unit_test(test_extreme_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
