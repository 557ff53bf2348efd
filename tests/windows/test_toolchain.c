/* The Windows toolchain, proven: a program cross-built with mingw-w64
 * links the cross-built libusb, libsodium and cmocka and the target library
 * (scripts/windows-deps.sh), and runs under wine with their DLLs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libusb.h>
#include <sodium.h>
#include <string.h>

#include "usbmsc/bot.h"

/* libusb 1.0.26 starts its Windows backend (SetupAPI, WinUSB) and lists
 * the devices it sees: none under wine, but the calls must succeed. */
static void test_libusb(void **state)
{
	const struct libusb_version *v = libusb_get_version();
	libusb_context *ctx = NULL;
	libusb_device **list = NULL;
	ssize_t n;

	(void)state;
	assert_int_equal(v->major, 1);
	assert_int_equal(v->minor, 0);
	assert_true(v->micro >= 26);
	assert_int_equal(libusb_init(&ctx), 0);
	n = libusb_get_device_list(ctx, &list);
	assert_true(n >= 0);
	libusb_free_device_list(list, 1);
	libusb_exit(ctx);
}

/* libsodium signs and verifies as firmware images need (Ed25519), and
 * refuses a changed message. */
static void test_libsodium(void **state)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	unsigned char msg[] = "firmware image header";

	(void)state;
	assert_true(sodium_init() >= 0);
	assert_int_equal(crypto_sign_keypair(pk, sk), 0);
	assert_int_equal(crypto_sign_detached(sig, NULL, msg, sizeof msg, sk), 0);
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pk), 0);
	msg[0] ^= 1;
	assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pk), -1);
}

/* The target library's wire code: a CBW round trip and one of the
 * thirteen cases. */
static void test_target_library(void **state)
{
	static const uint8_t tur[6] = { 0 };
	struct usbmsc_cbw cbw, back;
	struct usbmsc_bot_plan plan;
	uint8_t raw[USBMSC_CBW_LEN];

	(void)state;
	assert_true(usbmsc_cbw_fill(&cbw, 0x1234u, 0, USBMSC_DIR_NONE, 0, tur, sizeof tur));
	usbmsc_cbw_encode(&cbw, raw);
	assert_memory_equal(raw, "USBC", 4);
	assert_int_equal(usbmsc_cbw_decode(raw, sizeof raw, 0, &back), USBMSC_CBW_OK);
	assert_int_equal(back.tag, 0x1234u);
	usbmsc_bot_decide(USBMSC_DIR_IN, 512, USBMSC_DIR_NONE, 0, false, &plan);
	assert_int_equal(plan.case_no, 4);
	assert_int_equal(plan.residue, 512);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libusb),
		cmocka_unit_test(test_libsodium),
		cmocka_unit_test(test_target_library),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
