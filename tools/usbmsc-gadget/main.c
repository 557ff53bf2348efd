/* usbmsc-gadget: the usbmsc target core as a real USB mass-storage device
 * on Linux, through configfs and FunctionFS.
 *
 * main() puts the pieces together: options, LUN files, the configfs gadget,
 * the FunctionFS files, and per interface ("door", door.h: mass storage,
 * and with --vendor-interface the vendor interface) a target core with its
 * bulk glue over the same LUNs; then one event loop over ep0, the AIO
 * completions of every door and the signals; then the teardown, on a
 * signal and on any fatal error alike. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "bulk.h"
#include "configfs.h"
#include "door.h"
#include "ep0.h"
#include "ffs_aio.h"
#include "ffs_desc.h"
#include "filedoor.h"
#include "log.h"
#include "lun_file.h"
#include "options.h"
#include "reboot.h"
#include "usbmsc_config.h"
#include "vendor.h"

/* Exit statuses: the categories of the usbmsc command (DESIGN.md). */
enum {
	EXIT_GOOD = 0,
	EXIT_USAGE = 1,
	EXIT_FILE = 15,
	EXIT_NO_DEVICE = 20,
	EXIT_BUSY = 21,
	EXIT_PERMISSION = 22,
	EXIT_OTHER = 99
};

#define ERR_LEN 512

struct gadget_run {
	struct gadget_opts opts;
	char udc[128];
	struct lun_file files[USBMSC_TARGET_MAX_LUNS];
	unsigned files_open;
	/* The LUNs and settings every door's target core starts from. */
	struct usbmsc_lun_config luns[USBMSC_TARGET_MAX_LUNS];
	struct usbmsc_target_config cfg;
	struct gadget_vendor vendor;
	struct gadget_filedoor filedoor;   /* --file-door */
	struct gadget_reboot reboot;
	struct gadget g;
	int ep0_fd, sig_fd;
	struct door door[FFS_DOORS];  /* FFS_DOOR_MSC, FFS_DOOR_VENDOR */
	unsigned doors;               /* 1, or 2 with --vendor-interface */
	struct ep0 ep0;
	char err[ERR_LEN];
};

static int open_luns(struct gadget_run *r)
{
	for (unsigned i = 0; i < r->opts.lun_count; i++) {
		if (lun_file_open(&r->files[i], &r->opts.luns[i], r->err, sizeof(r->err)) != 0)
			return -1;
		r->files_open++;
		lun_file_config(&r->files[i], &r->opts.luns[i], &r->luns[i]);
		gadget_debug(1, "LUN %u: %s, %u blocks of %u%s%s", i, r->files[i].path,
			     (unsigned)r->luns[i].block_count, (unsigned)r->luns[i].block_size,
			     r->opts.luns[i].read_only ? ", read-only" : "",
			     r->opts.luns[i].removable ? ", removable" : "");
	}
	return 0;
}

/* SIGTERM, SIGINT and SIGHUP arrive through a signalfd in the event loop,
 * so a signal never interrupts setup or teardown half-way. */
static int block_signals(struct gadget_run *r)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	r->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return r->sig_fd < 0 ? -1 : 0;
}

static int open_ep(struct gadget_run *r, const char *file)
{
	char path[GADGET_PATH_LEN];
	int fd;

	gadget_ffs_path(&r->g, file, path, sizeof(path));
	/* O_NONBLOCK: f_fs then answers EAGAIN instead of sleeping until the
	 * endpoint is enabled. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		snprintf(r->err, sizeof(r->err), "%s: %s", path, strerror(errno));
	return fd;
}

static int open_functionfs(struct gadget_run *r)
{
	r->ep0_fd = open_ep(r, "ep0");
	if (r->ep0_fd < 0 ||
	    ep0_write_blobs(r->ep0_fd, r->doors > 1, r->err, sizeof(r->err)) != 0)
		return -1;
	for (unsigned i = 0; i < r->doors; i++) {
		if (door_open(&r->door[i], &r->g, r->err, sizeof(r->err)) != 0)
			return -1;
	}
	return 0;
}

/* The target core of every door over the same LUNs, each with its own
 * sense, behind its reboot gate: at start, and again at the firmware
 * reboot's power-on (reboot.h). */
static int restart_targets(void *ctx, char *err, size_t err_len)
{
	struct gadget_run *r = ctx;

	for (unsigned i = 0; i < r->doors; i++) {
		if (door_start_target(&r->door[i], &r->cfg, err, err_len) != 0)
			return -1;
		gadget_reboot_gate(&r->reboot, i, &r->door[i].cfg.port);
	}
	return 0;
}

static int start_target(struct gadget_run *r)
{
	struct bulk *bulks[FFS_DOORS];

	r->cfg.luns = r->luns;
	r->cfg.lun_count = (uint8_t)gadget_control_lun(&r->opts, r->luns,
						       r->opts.lun_count + r->opts.file_door);
	r->cfg.flags = r->opts.pad ? USBMSC_TARGET_PAD_IN : 0;
	r->cfg.vendor = r->opts.vendor;
	r->cfg.product = r->opts.product;
	r->cfg.revision = gadget_vendor_revision(&r->vendor, &r->opts);  /* follows reboots */
	r->cfg.serial = r->opts.serial;
	r->cfg.vendor_cmds = gadget_vendor_table(&r->vendor);  /* on every door */
	r->reboot = (struct gadget_reboot){ .g = &r->g, .udc = r->udc, .vendor = &r->vendor,
					    .ports = r->doors, .restart = restart_targets,
					    .restart_ctx = r };
	for (unsigned i = 0; i < r->doors; i++)
		r->reboot.bulk[i] = &r->door[i].bulk;
	if (restart_targets(r, r->err, sizeof(r->err)) != 0)
		return -1;
	for (unsigned i = 0; i < r->doors; i++)
		bulks[i] = &r->door[i].bulk;
	ep0_init(&r->ep0, r->ep0_fd, bulks, r->doors);
	return 0;
}

/* configfs, FunctionFS, the core, then the UDC. Returns an exit status. */
static int setup(struct gadget_run *r)
{
	struct gadget_ids ids = { r->opts.name, r->opts.vid, r->opts.pid,
				  r->opts.manufacturer, r->opts.product_string, r->opts.serial,
				  r->opts.vendor_interface };
	bool stale;

	if (gadget_lock(&r->g, r->opts.name, r->err, sizeof(r->err)) != 0)
		return EXIT_BUSY;
	if (gadget_clean_stale(r->opts.name, &stale, r->err, sizeof(r->err)) != 0)
		return EXIT_BUSY;
	if (stale)
		gadget_log("removed the stale gadget '%s' an earlier instance left behind",
			   r->opts.name);
	if (gadget_create(&r->g, &ids, r->err, sizeof(r->err)) != 0)
		return errno == EACCES || errno == EPERM ? EXIT_PERMISSION : EXIT_NO_DEVICE;
	if (open_functionfs(r) != 0 || start_target(r) != 0)
		return EXIT_OTHER;
	if (gadget_bind(&r->g, r->udc, r->err, sizeof(r->err)) != 0)
		return errno == EBUSY ? EXIT_BUSY : EXIT_NO_DEVICE;
	gadget_debug(1, "gadget '%s' bound to %s: %04x:%04x, %u LUN%s, %u buffer%s of %u bytes%s%s",
		     r->opts.name, r->udc, r->opts.vid, r->opts.pid, r->cfg.lun_count,
		     r->cfg.lun_count == 1 ? "" : "s", (unsigned)r->opts.buffers,
		     r->opts.buffers == 1 ? "" : "s", (unsigned)r->opts.buffer,
		     r->door[0].io_thread ? ", file I/O on a thread" : "",
		     r->doors > 1 ? "; vendor interface with its own buffers" : "");
	return EXIT_GOOD;
}

static const char *current_speed(const char *udc, char *out, size_t len)
{
	char path[GADGET_PATH_LEN];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/udc/%s/current_speed", udc);
	f = fopen(path, "re");
	if (f == NULL || fgets(out, (int)len, f) == NULL)
		snprintf(out, len, "unknown");
	if (f != NULL)
		fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* poll's time-out for the doors' halt renewals (bulk.h): the soonest, or
 * -1 for none. */
static int doors_timeout(const struct gadget_run *r)
{
	int t = -1;

	for (unsigned i = 0; i < r->doors; i++) {
		int d = bulk_timeout(&r->door[i].bulk);

		if (d >= 0 && (t < 0 || d < t))
			t = d;
	}
	return t;
}

/* Until a signal or a fatal error. Returns an exit status. */
static int run(struct gadget_run *r)
{
	bool was_enabled = false;
	char speed[32];

	for (;;) {
		/* the signals, ep0, then each door's AIO completions, then each
		 * door's storage thread (fd -1 without one: poll skips it) */
		struct pollfd p[2 + 2 * FFS_DOORS] = {
			{ r->sig_fd, POLLIN, 0 }, { r->ep0_fd, POLLIN, 0 },
		};
		nfds_t nfds = 2 + 2 * r->doors;

		for (unsigned i = 0; i < r->doors; i++) {
			p[2 + i] = (struct pollfd){ r->door[i].aio.efd, POLLIN, 0 };
			p[2 + r->doors + i] =
				(struct pollfd){ door_storage_fd(&r->door[i]), POLLIN, 0 };
		}
		if (gadget_reboot_step(&r->reboot, r->err, sizeof(r->err)) != 0)
			return EXIT_OTHER;  /* after a firmware activation */
		int n = poll(p, nfds, gadget_reboot_timeout(&r->reboot,
							    gadget_filedoor_timeout(&r->filedoor,
										    doors_timeout(r)),
							    gadget_now_ms()));

		/* The door's clock, before the host's writes restart its quiet time. */
		gadget_filedoor_time(&r->filedoor, gadget_now_ms());
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(r->err, sizeof(r->err), "poll: %s", strerror(errno));
			return EXIT_OTHER;
		}
		if (n == 0) {
			for (unsigned i = 0; i < r->doors; i++)
				bulk_tick(&r->door[i].bulk);
			continue;
		}
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(r->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				gadget_debug(1, "%s: stopping", strsignal((int)si.ssi_signo));
			return EXIT_GOOD;
		}
		for (unsigned i = 0; i < r->doors; i++) {
			if (p[2 + r->doors + i].revents)
				door_storage_event(&r->door[i]);
		}
		for (unsigned i = 0; i < r->doors; i++) {
			int rc = p[2 + i].revents ? door_events(&r->door[i]) : 0;

			if (p[2 + i].revents)
				gadget_filedoor_heard(&r->filedoor);
			if (rc != 0) {
				snprintf(r->err, sizeof(r->err), "%sbulk transfers: %s",
					 i == FFS_DOOR_VENDOR ? "vendor interface: " : "",
					 strerror(-rc));
				return EXIT_OTHER;
			}
		}
		if (p[1].revents) {
			int rc = ep0_handle(&r->ep0);

			if (rc != 0) {
				snprintf(r->err, sizeof(r->err), "ep0: %s", strerror(-rc));
				return EXIT_OTHER;
			}
			if (r->ep0.enabled && !was_enabled)
				gadget_debug(1, "configured by the host at %s",
					     current_speed(r->udc, speed, sizeof(speed)));
			was_enabled = r->ep0.enabled;
		}
	}
}

static long peak_rss_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

static void report_door(const struct door *d)
{
	const struct bulk_stats *s = &d->bulk.stats;

	gadget_debug(1, "%s: %llu IN and %llu OUT transfers, %llu halts, %llu transfer errors,"
		     " %llu sends reported at submit, %llu READ chunks queued while reading,"
		     " %llu file operations on the storage thread",
		     d->index == FFS_DOOR_VENDOR ? "vendor interface" : "mass storage",
		     (unsigned long long)s->submits[BULK_IN], (unsigned long long)s->submits[BULK_OUT],
		     (unsigned long long)(s->halts[0] + s->halts[1]),
		     (unsigned long long)(s->errors[0] + s->errors[1]),
		     (unsigned long long)s->early, (unsigned long long)s->chunks,
		     (unsigned long long)d->worker.ops);
}

static void report(const struct gadget_run *r)
{
	uint64_t rd = 0, wr = 0;

	for (unsigned i = 0; i < r->files_open; i++) {
		rd += r->files[i].bytes_read;
		wr += r->files[i].bytes_written;
	}
	gadget_debug(1, "served %llu bytes read, %llu written", (unsigned long long)rd,
		     (unsigned long long)wr);
	for (unsigned i = 0; i < r->doors; i++)
		report_door(&r->door[i]);
	gadget_debug(1, "peak memory (VmHWM): %ld kB", peak_rss_kib());
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Everything setup() made, in reverse, whatever stage it reached. */
static void teardown(struct gadget_run *r)
{
	gadget_unbind(&r->g);
	for (unsigned i = 0; i < FFS_DOORS; i++)
		door_close(&r->door[i]);  /* endpoint files closed: functionfs can go */
	close_fd(&r->ep0_fd);
	gadget_destroy(&r->g);
	gadget_filedoor_close(&r->filedoor);
	gadget_vendor_close(&r->vendor);
	report(r);
	for (unsigned i = 0; i < r->files_open; i++)
		lun_file_close(&r->files[i]);
	close_fd(&r->sig_fd);
}

static int prepare(struct gadget_run *r, int argc, char **argv)
{
	int st;

	switch (gadget_parse_args(argc, argv, &r->opts, r->err, sizeof(r->err))) {
	case GADGET_PARSE_HELP:
		fputs(gadget_usage, stdout);
		return -EXIT_GOOD - 1;
	case GADGET_PARSE_VERSION:
		printf("usbmsc-gadget %s\n", USBMSC_VERSION);
		return -EXIT_GOOD - 1;
	case GADGET_PARSE_ERROR:
		gadget_log("%s", r->err);
		return EXIT_USAGE;
	case GADGET_PARSE_RUN:
		break;
	}
	gadget_verbosity = r->opts.verbose;
	if (r->opts.udc != NULL)
		snprintf(r->udc, sizeof(r->udc), "%s", r->opts.udc);
	else if (gadget_default_udc(r->udc, sizeof(r->udc), r->err, sizeof(r->err)) != 0)
		return EXIT_NO_DEVICE;
	if (open_luns(r) != 0)
		return EXIT_FILE;
	/* The firmware flash too, before anything is made in configfs. */
	st = gadget_vendor_setup(&r->vendor, &r->opts, &r->door[FFS_DOOR_MSC].target, r->err,
				 sizeof(r->err));
	if (st == 0)
		st = gadget_filedoor_setup(&r->filedoor, &r->opts, &r->vendor,
					   &r->luns[r->opts.lun_count], r->err, sizeof(r->err));
	if (st != 0)
		return st;
	/* Each door's core has its own --buffers buffers of --buffer bytes:
	 * all the memory the data path uses, whatever the size of the LUNs. */
	r->doors = r->opts.vendor_interface ? 2 : 1;
	for (unsigned i = 0; i < r->doors; i++) {
		if (door_alloc(&r->door[i], r->opts.buffer, r->opts.buffers,
			       r->opts.io == GADGET_IO_THREAD,
			       r->opts.lun_count, r->err, sizeof(r->err)) != 0)
			return EXIT_OTHER;
	}
	if (block_signals(r) != 0) {
		snprintf(r->err, sizeof(r->err), "signals: %s", strerror(errno));
		return EXIT_OTHER;
	}
	return EXIT_GOOD;
}

int main(int argc, char **argv)
{
	static struct gadget_run r;
	int status;

	r.ep0_fd = r.sig_fd = -1;
	r.g.lock_fd = -1;
	for (unsigned i = 0; i < FFS_DOORS; i++)
		door_init(&r.door[i], i);
	status = prepare(&r, argc, argv);
	if (status < 0)
		return -status - 1;  /* --help, --version */
	if (status == EXIT_USAGE)
		return status;
	if (status == EXIT_GOOD && geteuid() != 0) {
		snprintf(r.err, sizeof(r.err), "must run as root (configfs and mount need it)");
		status = EXIT_PERMISSION;
	}
	if (status == EXIT_GOOD)
		status = setup(&r);
	if (status == EXIT_GOOD)
		status = run(&r);
	if (status != EXIT_GOOD)
		gadget_log("%s", r.err);
	teardown(&r);
	return status;
}
