/* Throughput and command rate of the sim: virtual device, each printed with
 * a peer measured in the same run: pread(2) on the same image file with the
 * same request size (what reading the disk image directly costs). The
 * ratio shows what the BOT + SCSI stack adds on top of the file I/O.
 *
 * usage: sim_bench IMAGE [READ_MIB [CHUNK_KIB [TUR_COUNT]]] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usbmsc/initiator.h"
#include "../src/os/os_clock.h"
#include "../src/os/os_file.h"

static double now(void)
{
	return (double)usbmsc_clock_ns() / 1e9;
}

static int die(const char *what, const char *msg)
{
	fprintf(stderr, "sim_bench: %s: %s\n", what, msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sim_bench IMAGE [READ_MIB [CHUNK_KIB [TUR_COUNT]]]\n");
		return 1;
	}
	const char *image = argv[1];
	unsigned read_mib = argc > 2 ? (unsigned)atoi(argv[2]) : 64;
	unsigned chunk_kib = argc > 3 ? (unsigned)atoi(argv[3]) : 64;
	unsigned turs = argc > 4 ? (unsigned)atoi(argv[4]) : 20000;
	uint32_t chunk = chunk_kib * 1024u;
	uint64_t total = (uint64_t)read_mib << 20;
	char uri[4096];
	struct usbmsc_error err = {0};
	struct usbmsc_dev *dev = NULL;
	struct usbmsc_result res;
	struct usbmsc_open_opts opts = {0};
	uint8_t *buf = malloc(chunk);

	if (!buf || chunk == 0 || chunk % 512 || total % chunk)
		return die("arguments", "chunk must be a multiple of 512 and divide the read size");
	snprintf(uri, sizeof uri, "sim:%s?size=%llu", image, (unsigned long long)total);
	if (usbmsc_open(uri, &opts, &dev, &err))
		return die("open", err.msg);
	/* The first command after power-on reports unit attention. */
	usbmsc_test_unit_ready(dev, 0, &res);

	double t0 = now();
	for (unsigned i = 0; i < turs; i++)
		if (usbmsc_test_unit_ready(dev, 0, &res))
			return die("TEST UNIT READY", usbmsc_dev_errmsg(dev));
	double t_tur = now() - t0;

	int fd = usbmsc_file_open(image, USBMSC_FILE_READ, 0);
	if (fd < 0)
		return die(image, strerror(errno));
	t0 = now();
	for (unsigned i = 0; i < turs; i++)
		if (usbmsc_file_pread(fd, buf, 512, 0) != 512)
			return die("pread", "short read");
	double t_pread1 = now() - t0;

	/* Warm the page cache for both readers alike. */
	for (uint64_t off = 0; off < total; off += chunk)
		if (usbmsc_file_pread(fd, buf, chunk, off) != (int64_t)chunk)
			return die("pread", "short read");

	t0 = now();
	for (uint64_t off = 0; off < total; off += chunk)
		if (usbmsc_read_blocks(dev, 0, off / 512, chunk / 512, 512, buf, &res))
			return die("READ", usbmsc_dev_errmsg(dev));
	double t_sim = now() - t0;

	t0 = now();
	for (uint64_t off = 0; off < total; off += chunk)
		if (usbmsc_file_pread(fd, buf, chunk, off) != (int64_t)chunk)
			return die("pread", "short read");
	double t_file = now() - t0;
	usbmsc_file_close(fd);
	usbmsc_close(dev);
	free(buf);

	double mb = (double)total / 1e6;
	printf("sim TUR: %.0f commands/s (%.2f us each); pread(512): %.2f us; ratio sim/pread = %.2f\n",
	       turs / t_tur, t_tur / turs * 1e6, t_pread1 / turs * 1e6, t_tur / t_pread1);
	printf("sim READ %u KiB x %llu: %.0f MB/s; pread same chunks: %.0f MB/s; "
	       "throughput ratio sim/pread = %.2f\n",
	       chunk_kib, (unsigned long long)(total / chunk), mb / t_sim, mb / t_file,
	       t_file / t_sim);
	return 0;
}
