/* A firmware update with a progress callback: every check, the download,
 * activation, waiting for the device to come back, and confirmation are
 * the library's (usbmsc_fw_update); the application shows the progress.
 *
 *   fw_update URI IMAGE PUBLIC_KEY
 *
 * IMAGE is a signed image (`usbmsc fw pack`), PUBLIC_KEY the key that
 * signed it (`usbmsc fw keygen`). Pass the key you trust: without one the
 * library takes the key the device reports, and a device should not vouch
 * for itself. docs/FIRMWARE.md tells the whole story.
 *
 * Build: cc fw_update.c $(pkg-config --cflags --libs usbmsc)
 * Try:   usbmsc fw pack --key data/demo-fw-secret.key --version 0200 \
 *          --version-number 2 --vid 1209 --pid 0001 --vendor USBMSC \
 *          --product 'Virtual Disk' -o app.umfw payload.bin
 *        ./fw_update sim:/tmp/disk.img app.umfw data/demo-fw-public.key */
#include <stdio.h>

#include <usbmsc/usbmsc.h>

/* What the callback keeps between calls: the last percentage shown. */
struct progress {
	int shown;
};

/* Called by the library for every decision, every chunk sent, and each
 * step after the download. It must not call back into the library. */
static void report(void *ctx, const struct usbmsc_fwu_report *r)
{
	struct progress *p = ctx;
	int percent;

	switch (r->event) {
	case USBMSC_FWU_EV_PROGRESS:
		percent = r->total ? (int)(r->bytes * 100 / r->total) : 100;
		if (percent / 25 != p->shown / 25 || (percent == 100 && p->shown != 100)) {
			printf("progress: %3d%% (%llu of %llu bytes)\n", percent,
			       (unsigned long long)r->bytes, (unsigned long long)r->total);
			p->shown = percent;
		}
		break;
	case USBMSC_FWU_EV_PLAN:
		printf("checks passed: %s\n", r->text);
		break;
	case USBMSC_FWU_EV_ACTIVATE:
		printf("activating\n");
		break;
	case USBMSC_FWU_EV_WAIT:
		printf("%s\n", r->text);
		break;
	case USBMSC_FWU_EV_CONFIRM:
		printf("the new image runs: confirming it\n");
		break;
	case USBMSC_FWU_EV_NOTE:
		printf("note: %s\n", r->text);
		break;
	}
}

int main(int argc, char **argv)
{
	uint8_t key[USBMSC_FW_PUBKEY_LEN];
	struct progress progress = { .shown = -1 };
	struct usbmsc_fwu_opts opts = {
		.uri = argc > 1 ? argv[1] : NULL,   /* to reopen it after its reboot */
		.pubkey = key,
		.report = report,
		.report_ctx = &progress,
	};
	struct usbmsc_fwu_outcome out;
	struct usbmsc_error err;
	struct usbmsc_dev *dev;
	int status;

	if (argc != 4) {
		fprintf(stderr, "usage: %s URI IMAGE PUBLIC_KEY\n", argv[0]);
		return USBMSC_E_USAGE;
	}
	status = usbmsc_fw_load_public_key(argv[3], key, &err);
	if (status == USBMSC_OK)
		status = usbmsc_open(argv[1], NULL, &dev, &err);
	if (status != USBMSC_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return status;
	}

	status = usbmsc_fw_update(&dev, argv[2], &opts, &out, &err);
	if (out.before.has_state)
		printf("before: %s\n", out.before.state.active_version);
	if (status != USBMSC_OK)
		fprintf(stderr, "update failed (%s): %s\n", usbmsc_status_name(status), err.msg);
	else if (out.end == USBMSC_FWU_UPDATED)
		printf("updated: %s runs, confirmed\n",
		       out.has_after ? out.after.state.active_version : "?");
	else
		printf("finished without activation (end %d)\n", (int)out.end);

	usbmsc_close(dev);   /* the device may have been reopened: dev is the new handle */
	return status;
}
