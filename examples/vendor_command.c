/* A vendor command through any URI: the same code reaches a device through
 * SG_IO (/dev/sgN), raw Bulk-Only Transport (usb:), the device's vendor
 * interface (usbv:), the best of them (auto:), or the virtual device (sim:).
 *
 *   vendor_command URI [TEXT]
 *
 * It sends TEXT to the device with one vendor command (data out), reads it
 * back with another (data in), and shows what a refused command looks like.
 * The opcodes are those of the virtual device (ECHO WRITE 0xC2, ECHO READ
 * 0xC3, docs/SIM.md); on your device they are whatever its firmware
 * serves (usbmsc/target.h, struct usbmsc_vendor_table).
 *
 * Build: cc vendor_command.c $(pkg-config --cflags --libs usbmsc)
 * Try:   ./vendor_command sim:/tmp/disk.img 'hello, device' */
#include <stdio.h>
#include <string.h>

#include <usbmsc/usbmsc.h>

#define OP_ECHO_WRITE 0xC2
#define OP_ECHO_READ 0xC3

/* One command, its outcome printed: "good", or the sense the device gave.
 * Returns the category (0: good), which is also the CLI's exit status. */
static int run(struct usbmsc_dev *dev, const char *name, const uint8_t cdb[6],
	       enum usbmsc_dir dir, uint8_t *data, uint32_t len)
{
	struct usbmsc_cmd cmd = {
		.cdb = cdb, .cdb_len = 6, .lun = 0, .dir = dir, .data = data, .len = len,
	};
	struct usbmsc_result res;
	struct usbmsc_sense sense;
	char text[160];
	int status = usbmsc_exec(dev, &cmd, &res);

	/* A unit attention (power on, reset, new firmware) is reported once,
	 * instead of running the command: send it again. */
	if (status == USBMSC_E_UNIT_ATTENTION) {
		printf("%s: unit attention first, sending again\n", name);
		status = usbmsc_exec(dev, &cmd, &res);
	}
	if (status == USBMSC_OK) {
		printf("%s: good, %u bytes moved\n", name, (unsigned)res.transferred);
		return 0;
	}
	/* A CHECK CONDITION comes with the sense data (the library fetched it). */
	if (res.outcome == USBMSC_OUTCOME_CHECK_CONDITION &&
	    usbmsc_sense_decode(res.sense, res.sense_len, &sense)) {
		usbmsc_sense_describe(&sense, text, sizeof text);
		printf("%s: refused: %s\n", name, text);
	} else {
		printf("%s: failed: %s\n", name, usbmsc_dev_errmsg(dev));
	}
	return status;
}

int main(int argc, char **argv)
{
	const char *text = argc > 2 ? argv[2] : "hello, device";
	uint32_t len = (uint32_t)strlen(text);
	uint8_t back[256] = { 0 };
	struct usbmsc_dev *dev;
	struct usbmsc_error err;
	int status;

	if (argc < 2 || len > 255) {
		fprintf(stderr, "usage: %s URI [TEXT of up to 255 bytes]\n", argv[0]);
		return USBMSC_E_USAGE;
	}
	status = usbmsc_open(argv[1], NULL, &dev, &err);
	if (status != USBMSC_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return status;
	}
	printf("opened %s through %s\n", argv[1], usbmsc_dev_transport_name(dev));

	/* Data out: CDB bytes 3..4 carry the parameter list length. */
	const uint8_t put[6] = { OP_ECHO_WRITE, 0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0 };
	status = run(dev, "ECHO WRITE", put, USBMSC_DIR_OUT, (uint8_t *)text, len);

	/* Data in: bytes 3..4 are the allocation length. */
	const uint8_t get[6] = { OP_ECHO_READ, 0, 0, 0, (uint8_t)len, 0 };
	if (status == USBMSC_OK)
		status = run(dev, "ECHO READ", get, USBMSC_DIR_IN, back, len);
	if (status == USBMSC_OK)
		printf("the device holds: %s\n", (char *)back);

	/* A field the device does not take (byte 5 must be 0): the device
	 * refuses it with ILLEGAL REQUEST, which is category 5. */
	const uint8_t bad[6] = { OP_ECHO_READ, 0, 0, 0, 16, 0xFF };
	int refused = run(dev, "ECHO READ with a bad field", bad, USBMSC_DIR_IN, back, 16);
	printf("category %d (%s)\n", refused, usbmsc_status_name(refused));

	usbmsc_close(dev);
	return status;
}
