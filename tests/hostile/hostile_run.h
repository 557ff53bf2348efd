/* One session of the host library against a hostile device: the virtual
 * device, its blocks scaled if asked (scale_pipe.h), behind a hostile pipe
 * (hostile_pipe.h) and the BOT transport; then open, the common commands,
 * fw info, fw update and the compliance suite, each only if asked, each
 * checked for what the host must guarantee whatever the device does:
 *   - no buffer overrun (the buffers given to the library are exactly as
 *     long as it is told; AddressSanitizer does the rest) and no result
 *     claiming more bytes than the buffer holds;
 *   - bounded retries: at most so many CBWs per library call, and the
 *     watch's bound on pipe calls between CBWs;
 *   - messages and strings the library returns are printable text;
 *   - the compliance suite writes only inside its scratch area, and sends
 *     no invalid CBWs but its three;
 *   - fw update reports an update only when the device took the whole
 *     image, the activation and (a device with FW STATE) a FW CONFIRM.
 * Shared by the cmocka scenarios (tests/hostile/test_hostile.c) and the
 * libFuzzer harness (tests/fuzz/fuzz_hostile.c). */
#ifndef HOSTILE_RUN_H
#define HOSTILE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "bot_watch.h"
#include "hostile_pipe.h"
#include "usbmsc/compliance.h"
#include "usbmsc/fwupdate.h"

#define HOSTILE_DRV_COMMON 0x01u
#define HOSTILE_DRV_FW_INFO 0x02u
#define HOSTILE_DRV_FW_UPDATE 0x04u
#define HOSTILE_DRV_COMPLIANCE 0x08u


struct hostile_device {
	const char *dir;          /* the device's files go here (old ones are removed) */
	uint32_t scale;           /* blocks seen this many times larger (0, 1: as they are) */
	bool bs4096, pad, vendor, two_luns, reboot_disconnect;
};

/* A signed image the virtual device takes, for fw update. */
struct hostile_image {
	char path[256];
	uint8_t *bytes;
	uint64_t len;
};

struct hostile_result {
	struct bot_watch watch;      /* watch.violations: the rules broken, watch.first the first */
	struct hostile_stats stats;
	int open_st;
	int update_st;
	struct usbmsc_error update_err;
	struct usbmsc_fwu_outcome fwu;
	int compliance_st;
	struct usbmsc_error compliance_err;
	struct usbmsc_compliance_report rep;   /* hostile_result_free */
	/* fw update reported done without the device having taken it all */
	bool fw_dishonest;
	char fw_why[WATCH_TEXT];
};

/* One session; out is filled (free with hostile_result_free). image NULL:
 * no fw update. ready_wait_ms goes to the compliance suite's options.
 * Returns false when the device could not even be created. */
bool hostile_run(const struct hostile_device *d, const struct hostile_image *image,
		 uint8_t drivers, const struct hostile_rule *rules, size_t count,
		 unsigned ready_wait_ms, struct hostile_result *out);
void hostile_result_free(struct hostile_result *out);

/* Pack a signed image (version 0200, number 2, payload_len bytes) for the
 * virtual device with the secret key at key_path, into dir. False without
 * libsodium or on failure. */
bool hostile_make_image(const char *dir, const char *key_path, uint32_t payload_len,
			struct hostile_image *out);
void hostile_image_free(struct hostile_image *img);

#endif
