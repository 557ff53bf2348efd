/* auto:'s ranking of a device's doors, from hand-made discovery data: the
 * order (vendor interface, control LUN, sg, block, raw BOT), only usable
 * doors ranked, and which door explains the failure when none is usable.
 * Also the door names and the doors text usbv: shows. Pure: no sysfs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "usbmsc/discovery.h"
#include "../../src/initiator/door_rank.h"

/* A device with the given doors usable (bit i: door i), a URI for each. */
static void device(struct usbmsc_device_info *d, unsigned usable, const char *driver,
		   bool vendor_if)
{
	static const char *const uris[USBMSC_DOOR_COUNT] = {
		"usbv:1209:0001:S", "/dev/sg1", "/dev/sg0", "/dev/sda", "usb:1209:0001:S",
	};

	memset(d, 0, sizeof *d);
	snprintf(d->driver, sizeof d->driver, "%s", driver);
	d->has_vendor_if = vendor_if;
	for (unsigned i = 0; i < USBMSC_DOOR_COUNT; i++) {
		d->doors[i].usable = (usable >> i) & 1u;
		snprintf(d->doors[i].uri, sizeof d->doors[i].uri, "%s", uris[i]);
		if (!d->doors[i].usable)
			snprintf(d->doors[i].reason, sizeof d->doors[i].reason, "%s: not now",
				 usbmsc_door_label((enum usbmsc_door)i));
	}
}

#define BIT(d) (1u << (d))

static void assert_order(const struct usbmsc_door_rank *r, size_t n, ...)
{
	va_list ap;

	assert_int_equal(r->count, n);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r->order[i], va_arg(ap, int));
	va_end(ap);
}

static void all_doors_in_preference_order(void **state)
{
	struct usbmsc_device_info d;
	struct usbmsc_door_rank r;

	(void)state;
	device(&d, 0x1F, "usb-storage", true);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 5, USBMSC_DOOR_VENDOR, USBMSC_DOOR_CONTROL_LUN, USBMSC_DOOR_SG,
		     USBMSC_DOOR_BLOCK, USBMSC_DOOR_USB);
}

static void unusable_doors_are_skipped(void **state)
{
	struct usbmsc_device_info d;
	struct usbmsc_door_rank r;

	(void)state;
	/* No vendor interface, a control LUN: the control LUN first. */
	device(&d, BIT(USBMSC_DOOR_CONTROL_LUN) | BIT(USBMSC_DOOR_SG) | BIT(USBMSC_DOOR_BLOCK),
	       "usb-storage", false);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 3, USBMSC_DOOR_CONTROL_LUN, USBMSC_DOOR_SG, USBMSC_DOOR_BLOCK);

	/* sg refused (permission), block open: block before raw BOT. */
	device(&d, BIT(USBMSC_DOOR_BLOCK) | BIT(USBMSC_DOOR_USB), "usb-storage", false);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 2, USBMSC_DOOR_BLOCK, USBMSC_DOOR_USB);

	/* Mounted (raw BOT refused) and no doors: SG_IO alone. */
	device(&d, BIT(USBMSC_DOOR_SG) | BIT(USBMSC_DOOR_BLOCK), "usb-storage", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.order[0], USBMSC_DOOR_SG);

	/* The vendor interface wins even over a free mass-storage interface. */
	device(&d, BIT(USBMSC_DOOR_VENDOR) | BIT(USBMSC_DOOR_USB), "", true);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 2, USBMSC_DOOR_VENDOR, USBMSC_DOOR_USB);

	/* Only raw BOT. */
	device(&d, BIT(USBMSC_DOOR_USB), "", false);
	usbmsc_doors_rank(&d, &r);
	assert_order(&r, 1, USBMSC_DOOR_USB);
}

static void fallback_when_nothing_is_usable(void **state)
{
	struct usbmsc_device_info d;
	struct usbmsc_door_rank r;

	(void)state;
	/* A vendor interface: its reason says how to get access. */
	device(&d, 0, "usb-storage", true);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.fallback, USBMSC_DOOR_VENDOR);

	/* Bound, no vendor interface: SG_IO's, on the sg node... */
	device(&d, 0, "uas", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_SG);
	/* ... or on the block node when there is no sg node. */
	d.doors[USBMSC_DOOR_SG].uri[0] = '\0';
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_BLOCK);
	/* With neither node (no LUN yet), SG_IO's reason still explains it. */
	d.doors[USBMSC_DOOR_BLOCK].uri[0] = '\0';
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_SG);

	/* No kernel driver: raw BOT's. */
	device(&d, 0, "", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_USB);
	device(&d, 0, "some-other-driver", false);
	usbmsc_doors_rank(&d, &r);
	assert_int_equal(r.fallback, USBMSC_DOOR_USB);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_VENDOR), "vendor");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_CONTROL_LUN), "control-lun");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_SG), "sg");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_BLOCK), "block");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_USB), "usb");
	assert_string_equal(usbmsc_door_name(USBMSC_DOOR_COUNT), "unknown");
	assert_string_equal(usbmsc_door_label(USBMSC_DOOR_VENDOR), "vendor interface");
	assert_string_equal(usbmsc_door_label(USBMSC_DOOR_CONTROL_LUN), "control LUN");
}

static void doors_text(void **state)
{
	struct usbmsc_device_info d;
	char text[256];

	(void)state;
	device(&d, BIT(USBMSC_DOOR_SG) | BIT(USBMSC_DOOR_BLOCK), "usb-storage", false);
	d.doors[USBMSC_DOOR_CONTROL_LUN].uri[0] = '\0';
	usbmsc_disc_doors_text(&d, text, sizeof text);
	assert_string_equal(text, "sg /dev/sg0, block /dev/sda, usb usb:1209:0001:S (not now: "
				  "not now)");
	/* Nothing with a URI: "none". */
	for (unsigned i = 0; i < USBMSC_DOOR_COUNT; i++)
		d.doors[i].uri[0] = '\0';
	usbmsc_disc_doors_text(&d, text, sizeof text);
	assert_string_equal(text, "none");
	/* Cut short, never overrun. */
	device(&d, 0x1F, "usb-storage", true);
	memset(text, 'x', sizeof text);
	usbmsc_disc_doors_text(&d, text, 12);
	assert_int_equal(strlen(text), 11);
	assert_int_equal(text[12], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_doors_in_preference_order),
		cmocka_unit_test(unusable_doors_are_skipped),
		cmocka_unit_test(fallback_when_nothing_is_usable),
		cmocka_unit_test(names),
		cmocka_unit_test(doors_text),
	};

	return cmocka_run_group_tests_name("doors_rank", tests, NULL, NULL);
}
