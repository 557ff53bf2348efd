/* usbv: without a device: which interface of a configuration is the vendor
 * interface (doors.h), from hand-built libusb descriptors; and what opening
 * one that is not there says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "usbmsc/doors.h"
#include "../../src/initiator/libusb_internal.h"

static const struct libusb_endpoint_descriptor bulk_pair[2] = {
	{ .bLength = 7, .bDescriptorType = 5, .bEndpointAddress = 0x83, .bmAttributes = 2,
	  .wMaxPacketSize = 512 },
	{ .bLength = 7, .bDescriptorType = 5, .bEndpointAddress = 0x04, .bmAttributes = 2,
	  .wMaxPacketSize = 512 },
};

static const struct libusb_endpoint_descriptor in_only[1] = {
	{ .bLength = 7, .bDescriptorType = 5, .bEndpointAddress = 0x85, .bmAttributes = 2,
	  .wMaxPacketSize = 64 },
};

static struct libusb_interface_descriptor alt(uint8_t num, uint8_t cls, uint8_t sub,
					      uint8_t proto,
					      const struct libusb_endpoint_descriptor *ep,
					      uint8_t eps)
{
	struct libusb_interface_descriptor a;

	memset(&a, 0, sizeof a);
	a.bLength = 9;
	a.bDescriptorType = 4;
	a.bInterfaceNumber = num;
	a.bNumEndpoints = eps;
	a.bInterfaceClass = cls;
	a.bInterfaceSubClass = sub;
	a.bInterfaceProtocol = proto;
	a.endpoint = ep;
	return a;
}

static void finds_the_vendor_interface(void **state)
{
	struct libusb_interface_descriptor msc = alt(0, 8, 6, 0x50, bulk_pair, 2);
	struct libusb_interface_descriptor other = alt(1, 0xFF, 0x00, 0x00, bulk_pair, 2);
	struct libusb_interface_descriptor vnd = alt(2, USBMSC_VND_IF_CLASS,
						     USBMSC_VND_IF_SUBCLASS,
						     USBMSC_VND_IF_PROTOCOL, bulk_pair, 2);
	struct libusb_interface itfs[3] = {
		{ &msc, 1 }, { &other, 1 }, { &vnd, 1 },
	};
	struct libusb_config_descriptor cfg = { .bNumInterfaces = 3, .bConfigurationValue = 2,
						.interface = itfs };
	struct usbmsc_lu_iface bi;

	(void)state;
	memset(&bi, 0, sizeof bi);
	/* Another vendor-specific interface (ff/00/00) is not ours. */
	assert_int_equal(usbmsc_lu_vendor_interface(&cfg, &bi), 1);
	assert_int_equal(bi.ifnum, 2);
	assert_int_equal(bi.alt, 0);
	assert_int_equal(bi.config_value, 2);
	assert_int_equal(bi.ep_in, 0x83);
	assert_int_equal(bi.ep_out, 0x04);
	assert_int_equal(bi.max_packet, 512);
}

static void none_or_broken(void **state)
{
	struct libusb_interface_descriptor msc = alt(0, 8, 6, 0x50, bulk_pair, 2);
	struct libusb_interface_descriptor broken = alt(1, USBMSC_VND_IF_CLASS,
							USBMSC_VND_IF_SUBCLASS,
							USBMSC_VND_IF_PROTOCOL, in_only, 1);
	struct libusb_interface itfs[2] = { { &msc, 1 }, { &broken, 1 } };
	struct libusb_config_descriptor cfg = { .bNumInterfaces = 1, .bConfigurationValue = 1,
						.interface = itfs };
	struct usbmsc_lu_iface bi;

	(void)state;
	memset(&bi, 0, sizeof bi);
	assert_int_equal(usbmsc_lu_vendor_interface(&cfg, &bi), 0);
	cfg.bNumInterfaces = 2;      /* now with a vendor interface that has no OUT endpoint */
	assert_int_equal(usbmsc_lu_vendor_interface(&cfg, &bi), -1);
}

/* Alternate setting 1 carries the endpoints (setting 0 is empty). */
static void alternate_setting(void **state)
{
	struct libusb_interface_descriptor alts[2] = {
		alt(3, USBMSC_VND_IF_CLASS, USBMSC_VND_IF_SUBCLASS, USBMSC_VND_IF_PROTOCOL, NULL, 0),
		alt(3, USBMSC_VND_IF_CLASS, USBMSC_VND_IF_SUBCLASS, USBMSC_VND_IF_PROTOCOL,
		    bulk_pair, 2),
	};
	struct libusb_interface itf = { alts, 2 };
	struct libusb_config_descriptor cfg = { .bNumInterfaces = 1, .bConfigurationValue = 1,
						.interface = &itf };
	struct usbmsc_lu_iface bi;

	(void)state;
	alts[1].bAlternateSetting = 1;
	memset(&bi, 0, sizeof bi);
	assert_int_equal(usbmsc_lu_vendor_interface(&cfg, &bi), 1);
	assert_int_equal(bi.ifnum, 3);
	assert_int_equal(bi.alt, 1);
}

static void open_without_a_device(void **state)
{
	struct usbmsc_open_opts opts = { 0 };
	struct usbmsc_dev *dev = (void *)1;
	struct usbmsc_error err = { 0, "" };

	(void)state;
	assert_int_equal(usbmsc_open("usbv:", &opts, &dev, &err), USBMSC_E_USAGE);
	assert_null(dev);
	assert_int_equal(usbmsc_open("usbv:zz", &opts, &dev, &err), USBMSC_E_USAGE);
	assert_non_null(strstr(err.msg, "bad device 'zz'"));
	/* No such device (whatever this machine has, not dead:beef:serial). */
	assert_int_equal(usbmsc_open("usbv:dead:beef:no-such-serial", &opts, &dev, &err),
			 USBMSC_E_NO_DEVICE);
	assert_string_equal(err.msg, "no USB device matches usbv:dead:beef:no-such-serial");
	assert_int_equal(usbmsc_open("usbv:99-99", &opts, &dev, &err), USBMSC_E_NO_DEVICE);
	assert_non_null(strstr(err.msg, "usbv:99-99"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_the_vendor_interface),
		cmocka_unit_test(none_or_broken),
		cmocka_unit_test(alternate_setting),
		cmocka_unit_test(open_without_a_device),
	};

	return cmocka_run_group_tests_name("usbv", tests, NULL, NULL);
}
