/* The mount table parser and the raw-descriptor scan that discovery and
 * usb: rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/os/usbmsc_os.h"

/* ---- mountinfo -------------------------------------------------------------- */

static void test_mountinfo_line(void **state)
{
	char line[] = "36 35 8:1 / /media/usb rw,noatime shared:1 master:2 - vfat /dev/sda1 "
		      "rw,fmask=0022\n";
	struct usbmsc_os_mount m;

	(void)state;
	assert_true(usbmsc_os_mountinfo_parse(line, &m));
	assert_int_equal(m.major, 8);
	assert_int_equal(m.minor, 1);
	assert_string_equal(m.target, "/media/usb");
	assert_string_equal(m.source, "/dev/sda1");
	assert_string_equal(m.fstype, "vfat");
}

static void test_mountinfo_no_optional_fields(void **state)
{
	char line[] = "22 1 259:3 /sub /mnt rw - ext4 /dev/nvme0n1p3 rw";
	struct usbmsc_os_mount m;

	(void)state;
	assert_true(usbmsc_os_mountinfo_parse(line, &m));
	assert_int_equal(m.major, 259);
	assert_int_equal(m.minor, 3);
	assert_string_equal(m.target, "/mnt");
	assert_string_equal(m.source, "/dev/nvme0n1p3");
}

static void test_mountinfo_escapes(void **state)
{
	char line[] = "40 1 8:17 / /media/My\\040Stick\\011x\\134y rw - vfat "
		      "/dev/disk\\040by rw";
	struct usbmsc_os_mount m;

	(void)state;
	assert_true(usbmsc_os_mountinfo_parse(line, &m));
	assert_string_equal(m.target, "/media/My Stick\tx\\y");
	assert_string_equal(m.source, "/dev/disk by");
	assert_int_equal(m.minor, 17);
}

static void test_mountinfo_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"36 35 8:1 / /mnt rw",                       /* no separator */
		"36 35 8:1 / /mnt rw shared:1 -",            /* nothing after it */
		"36 35 8:1 / /mnt rw - vfat",                /* no source */
		"36 35 81 / /mnt rw - vfat /dev/sda1 rw",    /* no MAJ:MIN */
		"36 35 8:x / /mnt rw - vfat /dev/sda1 rw",
		"36 35 8:1",
	};
	struct usbmsc_os_mount m;
	char line[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "%s", bad[i]);
		assert_false(usbmsc_os_mountinfo_parse(line, &m));
	}
}

static void test_mounts_load(void **state)
{
	char path[] = "/tmp/usbmsc-mountinfo-XXXXXX";
	struct usbmsc_os_mount *mounts;
	struct usbmsc_error err = { 0, "" };
	size_t count;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("1 0 0:1 / / rw - rootfs rootfs rw\n"
	      "garbage line\n"
	      "2 1 8:1 / /mnt\\040x rw shared:3 - vfat /dev/sda1 rw\n", f);
	fclose(f);

	assert_int_equal(usbmsc_os_mounts_load(path, &mounts, &count, &err), 0);
	assert_int_equal(count, 2);    /* the garbage line is skipped */
	assert_string_equal(mounts[1].target, "/mnt x");
	assert_string_equal(mounts[1].source, "/dev/sda1");
	assert_int_equal(mounts[1].major, 8);
	usbmsc_os_mounts_free(mounts, count);
	unlink(path);

	assert_int_equal(usbmsc_os_mounts_load(path, &mounts, &count, &err), USBMSC_E_OTHER);
	assert_null(mounts);
	assert_int_equal(count, 0);
	assert_non_null(strstr(err.msg, path));
}

/* ---- descriptors --------------------------------------------------------------- */

static const uint8_t device_desc[18] = {
	18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x6b, 0x1d, 0x04, 0x01, 0x00, 0x01, 1, 2, 3, 1,
};

/* Append a configuration with interface 0 (BOT and/or UAS settings) and an
 * HID interface 1; returns the new length. */
static size_t add_config(uint8_t *buf, size_t at, uint8_t value, bool bot, bool uas)
{
	size_t start = at, total;
	uint8_t alt = 0;

	memcpy(buf + at, (uint8_t[]){ 9, 2, 0, 0, 2, value, 0, 0x80, 50 }, 9);
	at += 9;
	if (bot) {
		memcpy(buf + at, (uint8_t[]){ 9, 4, 0, alt++, 2, 8, 6, 0x50, 0 }, 9);
		at += 9;
		memcpy(buf + at, (uint8_t[]){ 7, 5, 0x81, 2, 0, 2, 0 }, 7);
		at += 7;
		memcpy(buf + at, (uint8_t[]){ 7, 5, 0x02, 2, 0, 2, 0 }, 7);
		at += 7;
	}
	if (uas) {
		memcpy(buf + at, (uint8_t[]){ 9, 4, 0, alt, 4, 8, 6, 0x62, 0 }, 9);
		at += 9;
		memcpy(buf + at, (uint8_t[]){ 4, 0x24, 1, 0 }, 4);  /* pipe usage */
		at += 4;
	}
	memcpy(buf + at, (uint8_t[]){ 9, 4, 1, 0, 1, 3, 0, 0, 0 }, 9);
	at += 9;
	total = at - start;
	buf[start + 2] = (uint8_t)total;
	buf[start + 3] = (uint8_t)(total >> 8);
	return at;
}

static void test_scan_bot_and_uas(void **state)
{
	uint8_t buf[256];
	struct usbmsc_os_iface_alts alts;
	size_t len;

	(void)state;
	memcpy(buf, device_desc, sizeof device_desc);
	len = add_config(buf, sizeof device_desc, 1, true, true);
	usbmsc_os_scan_interface(buf, len, 1, 0, &alts);
	assert_true(alts.found);
	assert_true(alts.mass_storage);
	assert_true(alts.bot);
	assert_true(alts.uas);
	assert_int_equal(alts.bot_alt, 0);
	assert_int_equal(alts.bot_subclass, 6);

	usbmsc_os_scan_interface(buf, len, 1, 1, &alts);   /* the HID interface */
	assert_true(alts.found);
	assert_false(alts.mass_storage);
	assert_false(alts.bot);

	usbmsc_os_scan_interface(buf, len, 2, 0, &alts);   /* no such configuration */
	assert_false(alts.found);
}

static void test_scan_picks_the_configuration(void **state)
{
	uint8_t buf[512];
	struct usbmsc_os_iface_alts alts;
	size_t len;

	(void)state;
	memcpy(buf, device_desc, sizeof device_desc);
	len = add_config(buf, sizeof device_desc, 1, false, true);  /* UAS only */
	len = add_config(buf, len, 2, true, false);                 /* BOT only */
	usbmsc_os_scan_interface(buf, len, 1, 0, &alts);
	assert_true(alts.uas);
	assert_false(alts.bot);
	usbmsc_os_scan_interface(buf, len, 2, 0, &alts);
	assert_true(alts.bot);
	assert_false(alts.uas);
	/* Configuration descriptors without the device descriptor work too. */
	usbmsc_os_scan_interface(buf + sizeof device_desc, len - sizeof device_desc, 2, 0, &alts);
	assert_true(alts.bot);
}

static void test_scan_malformed(void **state)
{
	uint8_t buf[256];
	struct usbmsc_os_iface_alts alts;
	size_t len, cut;

	(void)state;
	memcpy(buf, device_desc, sizeof device_desc);
	len = add_config(buf, sizeof device_desc, 1, true, false);
	/* Every truncation is read safely (ASan checks the bounds). */
	for (cut = 0; cut <= len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		assert_non_null(copy);
		memcpy(copy, buf, cut);
		usbmsc_os_scan_interface(copy, cut, 1, 0, &alts);
		free(copy);
	}
	/* A zero bLength stops the walk instead of looping. */
	buf[sizeof device_desc + 9] = 0;
	usbmsc_os_scan_interface(buf, len, 1, 0, &alts);
	assert_false(alts.found);
	/* An interface descriptor claiming to run past the end is not read. */
	buf[sizeof device_desc + 9] = 200;
	usbmsc_os_scan_interface(buf, len, 1, 0, &alts);
	assert_false(alts.bot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo_line),
		cmocka_unit_test(test_mountinfo_no_optional_fields),
		cmocka_unit_test(test_mountinfo_escapes),
		cmocka_unit_test(test_mountinfo_malformed),
		cmocka_unit_test(test_mounts_load),
		cmocka_unit_test(test_scan_bot_and_uas),
		cmocka_unit_test(test_scan_picks_the_configuration),
		cmocka_unit_test(test_scan_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
