/* libFuzzer harness for the host side against a hostile device: the input
 * chooses the library calls, the device and a program of rules by which
 * the device bends its answers (tests/hostile/hostile_pipe.h):
 *   [0] drivers: bit 0 open and the common commands, 1 fw info, 2 fw update,
 *       3 the compliance suite
 *   [1] device: bits 2:0 block-size multiple (1, 2, 3, 8, 128, 1, 1, 1),
 *       3 4096-byte blocks, 4 pad, 5 two LUNs, 6 vendor framing,
 *       7 reboot by going away
 *   [2..] the rules, 8 bytes each (and a replacement's payload)
 * Every session is checked as tests/hostile/hostile_run.h describes; a
 * broken rule aborts, so libFuzzer keeps the input: an update reported done
 * that the device did not take whole, activate and confirm is one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile_run.h"

#ifndef HOSTILE_SOURCE_ROOT
#define HOSTILE_SOURCE_ROOT "."
#endif
#define PAYLOAD_LEN 130000u     /* two chunks of the BOT transport's 120 KiB */
#define READY_WAIT_MS 1u

static char dir[128];
static struct hostile_image image;
static bool have_image;

static void cleanup(void)
{
	static const char *const names[] = { "disk.img", "disk.img.fw", "disk.img.echo",
					     "disk.img.lun1" };
	char path[256];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	if (have_image)
		unlink(image.path);
	hostile_image_free(&image);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof dir, "%s/usbmsc-fuzz-hostile.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	have_image = hostile_make_image(dir, HOSTILE_SOURCE_ROOT "/data/demo-fw-secret.key",
					PAYLOAD_LEN, &image);
	atexit(cleanup);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t scales[8] = { 1, 2, 3, 8, 128, 1, 1, 1 };
	struct hostile_rule rules[HOSTILE_MAX_RULES];
	struct hostile_device d = { .dir = dir };
	struct hostile_result r;
	size_t count;

	if (size < 2)
		return 0;
	d.scale = scales[data[1] & 7u];
	d.bs4096 = (data[1] & 0x08u) != 0;
	d.pad = (data[1] & 0x10u) != 0;
	d.two_luns = (data[1] & 0x20u) != 0;
	d.vendor = (data[1] & 0x40u) != 0;
	d.reboot_disconnect = (data[1] & 0x80u) != 0;
	count = hostile_parse(data + 2, size - 2, rules, HOSTILE_MAX_RULES);
	if (!hostile_run(&d, have_image ? &image : NULL, data[0] & 0x0Fu, rules, count,
			 READY_WAIT_MS, &r))
		abort(); /* the virtual device itself failed: not the input's doing */
	if (r.watch.violations) {
		fprintf(stderr, "invariant broken: %s (%u in all)\n", r.watch.first,
			r.watch.violations);
		abort();
	}
	hostile_result_free(&r);
	return 0;
}
