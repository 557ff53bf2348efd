/* usbmsc-gadget's command line. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "options.h"

#define MAX_ARGS 40

struct parsed {
	struct gadget_opts o;
	char err[256];
	enum gadget_parse_result r;
};

/* Parse a NULL-terminated list of arguments (argv[0] added). */
static void parse(struct parsed *p, ...)
{
	static char storage[MAX_ARGS][128];
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc] = strcpy(storage[argc], "usbmsc-gadget");
	argc++;
	va_start(ap, p);
	while ((a = va_arg(ap, const char *)) != NULL && argc < MAX_ARGS) {
		argv[argc] = strcpy(storage[argc], a);
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	memset(p, 0, sizeof(*p));
	p->r = gadget_parse_args(argc, argv, &p->o, p->err, sizeof(p->err));
}

static void test_defaults(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--lun", "disk.img", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_string_equal(p.o.name, "usbmsc");
	assert_null(p.o.udc);
	assert_int_equal(p.o.vid, 0x1209);
	assert_int_equal(p.o.pid, 0x0001);
	assert_int_equal(p.o.buffer, 40 * 1024);
	assert_int_equal(p.o.buffers, 4);
	assert_int_equal(p.o.io, GADGET_IO_SYNC);
	assert_int_equal(p.o.lun_count, 1);
	assert_string_equal(p.o.luns[0].path, "disk.img");
	assert_int_equal(p.o.luns[0].block_size, 512);
	assert_false(p.o.luns[0].read_only);
	assert_false(p.o.luns[0].removable);
	assert_int_equal(p.o.luns[0].create_size, 0);
	assert_false(p.o.pad);
	assert_int_equal(p.o.verbose, 0);
	assert_null(p.o.fw_state);
	assert_null(p.o.fw_pubkey);
	assert_int_equal(p.o.fw_slot, 16 * 1024 * 1024);
	assert_false(p.o.fw_slot_set);
	assert_false(p.o.control_lun);
}

static void test_firmware(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--lun", "disk.img", "--fw-state", "fw.flash", "--fw-pubkey", "k.pub",
	      "--fw-slot", "64k", "--control-lun", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_string_equal(p.o.fw_state, "fw.flash");
	assert_string_equal(p.o.fw_pubkey, "k.pub");
	assert_int_equal(p.o.fw_slot, 64 * 1024);
	assert_true(p.o.fw_slot_set);
	assert_true(p.o.control_lun);
	assert_int_equal(p.o.lun_count, 1);  /* the control LUN is not a --lun */
	assert_false(p.o.fw_reboot_stay);    /* disconnect by default */
	parse(&p, "--lun", "d", "--fw-state", "f", "--fw-reboot", "stay", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_true(p.o.fw_reboot_stay);
	assert_false(p.o.fw_reboot_no_csw);
	parse(&p, "--lun", "d", "--fw-state", "f", "--fw-reboot", "disconnect", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_false(p.o.fw_reboot_stay);
	assert_false(p.o.fw_reboot_no_csw);
	parse(&p, "--lun", "d", "--fw-state", "f", "--fw-reboot", "before-csw", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_false(p.o.fw_reboot_stay);           /* it disconnects, */
	assert_true(p.o.fw_reboot_no_csw);          /* before the activating CSW */
	parse(&p, "--lun", "disk.img", "--fw-state", "fw.flash", "--fw-slot", "16m", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_int_equal(p.o.fw_slot, 16 * 1024 * 1024);
	assert_null(p.o.fw_pubkey);
	assert_non_null(strstr(gadget_usage, "--fw-state FILE"));
	assert_non_null(strstr(gadget_usage, "--control-lun"));
}

static void test_file_door(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--lun", "d", NULL);
	assert_false(p.o.file_door);
	parse(&p, "--lun", "d", "--fw-state", "f", "--file-door", "--control-lun", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_true(p.o.file_door);
	assert_int_equal(p.o.lun_count, 1);
	parse(&p, "--lun", "d", "--file-door", NULL);
	assert_int_equal(p.r, GADGET_PARSE_ERROR);
	assert_non_null(strstr(p.err, "--file-door needs --fw-state"));
	assert_non_null(strstr(gadget_usage, "--file-door"));
	/* it takes a LUN number: 15 --lun and a control LUN leave none */
	{
		char *argv[40], storage[40][16], err[256];
		struct gadget_opts o;
		int argc = 0;

		static const char *const tail[] = { "--control-lun", "--fw-state", "f",
						    "--file-door" };

		argv[argc] = strcpy(storage[argc], "usbmsc-gadget");
		argc++;
		for (int i = 0; i < 15; i++) {
			argv[argc] = strcpy(storage[argc], "--lun");
			argc++;
			snprintf(storage[argc], sizeof(storage[argc]), "l%d", i);
			argv[argc] = storage[argc];
			argc++;
		}
		for (int i = 0; i < 4; i++) {
			argv[argc] = strcpy(storage[argc], tail[i]);
			argc++;
		}
		argv[argc] = NULL;
		assert_int_equal(gadget_parse_args(argc, argv, &o, err, sizeof(err)),
				 GADGET_PARSE_ERROR);
		assert_non_null(strstr(err, "--control-lun and --file-door: at most 14"));
	}
}

static void test_everything(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--udc", "dummy_udc.0", "--name", "g_1", "--vid", "0x1D6B", "--pid", "104",
	      "--manufacturer", "ACME", "--product-string", "ACME Disk", "--serial", "S123",
	      "--vendor", "ACMEVEND", "--product", "0123456789abcdef", "--revision", "1.23",
	      "--lun", "a.img,ro,removable,bs=4096,size=1m", "--lun", "b.img,direct",
	      "--pad", "--buffer", "64k", "--buffers", "16", "--io", "thread", "-v", "--verbose",
	      NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_string_equal(p.o.udc, "dummy_udc.0");
	assert_string_equal(p.o.name, "g_1");
	assert_int_equal(p.o.vid, 0x1d6b);
	assert_int_equal(p.o.pid, 0x0104);
	assert_string_equal(p.o.manufacturer, "ACME");
	assert_string_equal(p.o.product_string, "ACME Disk");
	assert_string_equal(p.o.serial, "S123");
	assert_string_equal(p.o.vendor, "ACMEVEND");
	assert_string_equal(p.o.product, "0123456789abcdef");
	assert_string_equal(p.o.revision, "1.23");
	assert_int_equal(p.o.lun_count, 2);
	assert_string_equal(p.o.luns[0].path, "a.img");
	assert_true(p.o.luns[0].read_only);
	assert_true(p.o.luns[0].removable);
	assert_int_equal(p.o.luns[0].block_size, 4096);
	assert_int_equal(p.o.luns[0].create_size, 1024 * 1024);
	assert_string_equal(p.o.luns[1].path, "b.img");
	assert_true(p.o.luns[1].direct);
	assert_false(p.o.luns[1].read_only);
	assert_true(p.o.pad);
	assert_int_equal(p.o.buffer, 64 * 1024);
	assert_int_equal(p.o.buffers, 16);
	assert_int_equal(p.o.io, GADGET_IO_THREAD);
	assert_int_equal(p.o.verbose, 2);
	parse(&p, "--lun", "a", "--buffers", "1", "--io", "sync", NULL);
	assert_int_equal(p.r, GADGET_PARSE_RUN);
	assert_int_equal(p.o.buffers, 1);
	assert_int_equal(p.o.io, GADGET_IO_SYNC);
}

/* Each bad command line fails with a message naming the problem. */
static void expect_error(const char *want, ...)
{
	static char storage[MAX_ARGS][128];
	char *argv[MAX_ARGS + 1];
	struct gadget_opts o;
	char err[256];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc] = strcpy(storage[argc], "usbmsc-gadget");
	argc++;
	va_start(ap, want);
	while ((a = va_arg(ap, const char *)) != NULL && argc < MAX_ARGS) {
		argv[argc] = strcpy(storage[argc], a);
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	assert_int_equal(gadget_parse_args(argc, argv, &o, err, sizeof(err)), GADGET_PARSE_ERROR);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("no --lun", NULL);
	expect_error("no --lun", "--pad", NULL);
	expect_error("bs must be 512 or 4096", "--lun", "a.img,bs=1024", NULL);
	expect_error("unknown option 'rw'", "--lun", "a.img,rw", NULL);
	expect_error("not a multiple of the block size", "--lun", "a.img,bs=4096,size=6k", NULL);
	expect_error("bad size", "--lun", "a.img,size=lots", NULL);
	expect_error("no file name", "--lun", ",ro", NULL);
	expect_error("--vendor", "--lun", "a", "--vendor", "NINECHARS", NULL);
	expect_error("--product", "--lun", "a", "--product", "SEVENTEEN-CHARS-X", NULL);
	expect_error("--revision", "--lun", "a", "--revision", "12345", NULL);
	expect_error("--vid", "--lun", "a", "--vid", "12345", NULL);
	expect_error("--pid", "--lun", "a", "--pid", "xyz", NULL);
	expect_error("--buffer", "--lun", "a", "--buffer", "1000", NULL);
	expect_error("--buffer", "--lun", "a", "--buffer", "2m", NULL);
	expect_error("--buffers: '3' is not 1, 2, 4, 8 or 16", "--lun", "a", "--buffers", "3", NULL);
	expect_error("--buffers", "--lun", "a", "--buffers", "0", NULL);
	expect_error("--buffers", "--lun", "a", "--buffers", "32", NULL);
	expect_error("--io: 'async' is not sync or thread", "--lun", "a", "--io", "async", NULL);
	expect_error("--name", "--lun", "a", "--name", "a/b", NULL);
	expect_error("unexpected argument 'extra'", "--lun", "a", "extra", NULL);
	expect_error("unknown option", "--lun", "a", "--frobnicate", NULL);
	expect_error("value is missing", "--lun", NULL);
	expect_error("--fw-pubkey needs --fw-state", "--lun", "a", "--fw-pubkey", "k", NULL);
	expect_error("--fw-slot needs --fw-state", "--lun", "a", "--fw-slot", "1m", NULL);
	expect_error("--fw-slot", "--lun", "a", "--fw-state", "f", "--fw-slot", "513m", NULL);
	expect_error("--fw-slot", "--lun", "a", "--fw-state", "f", "--fw-slot", "60k", NULL);
	expect_error("--fw-slot", "--lun", "a", "--fw-state", "f", "--fw-slot", "65k", NULL);
	expect_error("empty file name", "--lun", "a", "--fw-state", "", NULL);
	expect_error("--fw-reboot needs --fw-state", "--lun", "a", "--fw-reboot", "stay", NULL);
	expect_error("not disconnect, before-csw or stay", "--lun", "a", "--fw-state", "f",
		     "--fw-reboot", "later", NULL);
	expect_error("value is missing", "--lun", "a", "--fw-state", NULL);
}

static void test_seventeen_luns(void **state)
{
	static char storage[40][16];
	char *argv[40];
	struct gadget_opts o;
	char err[256];
	int argc = 0;

	(void)state;
	argv[argc++] = strcpy(storage[0], "usbmsc-gadget");
	for (int i = 0; i < 17; i++) {
		argv[argc] = strcpy(storage[argc], "--lun");
		argc++;
		snprintf(storage[argc], sizeof(storage[argc]), "l%d.img", i);
		argv[argc] = storage[argc];
		argc++;
	}
	argv[argc] = NULL;
	assert_int_equal(gadget_parse_args(argc, argv, &o, err, sizeof(err)), GADGET_PARSE_ERROR);
	assert_non_null(strstr(err, "at most 16"));
	/* sixteen are fine */
	assert_int_equal(gadget_parse_args(argc - 2, argv, &o, err, sizeof(err)), GADGET_PARSE_RUN);
	assert_int_equal(o.lun_count, 16);
	assert_string_equal(o.luns[15].path, "l15.img");
	/* the control LUN takes the sixteenth place */
	argv[argc - 2] = strcpy(storage[argc - 2], "--control-lun");
	argv[argc - 1] = NULL;
	assert_int_equal(gadget_parse_args(argc - 1, argv, &o, err, sizeof(err)),
			 GADGET_PARSE_ERROR);
	assert_non_null(strstr(err, "--control-lun: at most 15"));
	argv[argc - 4] = argv[argc - 2];  /* 15 --lun, then --control-lun */
	assert_int_equal(gadget_parse_args(argc - 3, argv, &o, err, sizeof(err)), GADGET_PARSE_RUN);
	assert_int_equal(o.lun_count, 15);
	assert_true(o.control_lun);
}

static void test_help_version(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--help", NULL);
	assert_int_equal(p.r, GADGET_PARSE_HELP);
	parse(&p, "--lun", "x", "-h", NULL);
	assert_int_equal(p.r, GADGET_PARSE_HELP);
	parse(&p, "--version", NULL);
	assert_int_equal(p.r, GADGET_PARSE_VERSION);
	assert_non_null(strstr(gadget_usage, "--lun FILE"));
	assert_non_null(strstr(gadget_usage, "--pad"));
}

static void test_hex16(void **state)
{
	uint16_t v = 0;

	(void)state;
	assert_true(gadget_parse_hex16("1d6b", &v));
	assert_int_equal(v, 0x1d6b);
	assert_true(gadget_parse_hex16("0XFFFF", &v));
	assert_int_equal(v, 0xffff);
	assert_true(gadget_parse_hex16("7", &v));
	assert_int_equal(v, 7);
	assert_false(gadget_parse_hex16("", &v));
	assert_false(gadget_parse_hex16("0x", &v));
	assert_false(gadget_parse_hex16("10000", &v));
	assert_false(gadget_parse_hex16("12g4", &v));
}

/* The spec is copied: argv is left as it was (ps shows the real command). */
static void test_argv_untouched(void **state)
{
	char a0[] = "usbmsc-gadget", a1[] = "--lun", a2[] = "x.img,ro,bs=4096";
	char *argv[] = { a0, a1, a2, NULL };
	struct gadget_opts o;
	char err[64];

	(void)state;
	assert_int_equal(gadget_parse_args(3, argv, &o, err, sizeof(err)), GADGET_PARSE_RUN);
	assert_string_equal(a2, "x.img,ro,bs=4096");
	assert_string_equal(o.luns[0].path, "x.img");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_firmware),
		cmocka_unit_test(test_file_door),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_seventeen_luns),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_hex16),
		cmocka_unit_test(test_argv_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
