/* usbmsc-gadget: the usbmsc target core as a real USB mass-storage device
 * on Linux, through configfs and FunctionFS.
 *
 * main() puts the pieces together: options, LUN files, the configfs gadget,
 * the FunctionFS files, the target core with its bulk glue; then one event
 * loop over ep0, the AIO completions and the signals; then the teardown,
 * on a signal and on any fatal error alike. */
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
#include "ep0.h"
#include "ffs_aio.h"
#include "ffs_desc.h"
#include "log.h"
#include "lun_file.h"
#include "options.h"
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
	struct bulk_lun wrapped[USBMSC_TARGET_MAX_LUNS];
	unsigned files_open;
	struct usbmsc_lun_config luns[USBMSC_TARGET_MAX_LUNS];
	struct usbmsc_lun_state lun_state[USBMSC_TARGET_MAX_LUNS];
	struct usbmsc_target_config cfg;
	struct usbmsc_target target;
	struct gadget_vendor vendor;
	uint8_t *buf;
	struct gadget g;
	int ep0_fd, ep_fd[2], sig_fd;
	struct ffs_aio aio;
	struct bulk_ops ops;
	struct bulk bulk;
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
	int rc;

	r->ep0_fd = open_ep(r, "ep0");
	if (r->ep0_fd < 0 || ep0_write_blobs(r->ep0_fd, r->err, sizeof(r->err)) != 0)
		return -1;
	r->ep_fd[BULK_IN] = open_ep(r, FFS_EP_IN_FILE);
	if (r->ep_fd[BULK_IN] < 0)
		return -1;
	r->ep_fd[BULK_OUT] = open_ep(r, FFS_EP_OUT_FILE);
	if (r->ep_fd[BULK_OUT] < 0)
		return -1;
	rc = ffs_aio_open(&r->aio, r->ep_fd[BULK_IN], r->ep_fd[BULK_OUT]);
	if (rc != 0) {
		snprintf(r->err, sizeof(r->err), "io_setup: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

static int start_target(struct gadget_run *r)
{
	const struct usbmsc_vendor_table *vt;

	if (gadget_vendor_setup(&r->vendor, &r->opts, &vt, r->err, sizeof(r->err)) != 0)
		return -1;
	r->ops = ffs_aio_ops_template;
	r->ops.ctx = &r->aio;
	bulk_init(&r->bulk, &r->ops, r->buf, r->opts.buffer);
	for (unsigned i = 0; i < r->opts.lun_count; i++)
		bulk_wrap_lun(&r->wrapped[i], &r->bulk, &r->luns[i]);  /* chunked reads */
	r->cfg.luns = r->luns;
	r->cfg.lun_count = (uint8_t)r->opts.lun_count;
	r->cfg.flags = r->opts.pad ? USBMSC_TARGET_PAD_IN : 0;
	r->cfg.vendor = r->opts.vendor;
	r->cfg.product = r->opts.product;
	r->cfg.revision = r->opts.revision;
	r->cfg.serial = r->opts.serial;
	r->cfg.vendor_cmds = vt;
	r->cfg.port = bulk_port(&r->bulk);
	if (!usbmsc_target_init(&r->target, &r->cfg, r->lun_state, r->buf, r->opts.buffer)) {
		snprintf(r->err, sizeof(r->err), "the target core refused the configuration");
		return -1;
	}
	bulk_attach(&r->bulk, &r->target);
	ep0_init(&r->ep0, r->ep0_fd, &r->bulk);
	return 0;
}

/* configfs, FunctionFS, the core, then the UDC. Returns an exit status. */
static int setup(struct gadget_run *r)
{
	struct gadget_ids ids = { r->opts.name, r->opts.vid, r->opts.pid,
				  r->opts.manufacturer, r->opts.product_string, r->opts.serial };
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
	gadget_debug(1, "gadget '%s' bound to %s: %04x:%04x, %u LUN%s, %u-byte buffer",
		     r->opts.name, r->udc, r->opts.vid, r->opts.pid, r->opts.lun_count,
		     r->opts.lun_count == 1 ? "" : "s", (unsigned)r->opts.buffer);
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

/* Until a signal or a fatal error. Returns an exit status. */
static int run(struct gadget_run *r)
{
	bool was_enabled = false;
	char speed[32];

	for (;;) {
		struct pollfd p[3] = {
			{ r->sig_fd, POLLIN, 0 }, { r->aio.efd, POLLIN, 0 }, { r->ep0_fd, POLLIN, 0 },
		};

		int n = poll(p, 3, bulk_timeout(&r->bulk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(r->err, sizeof(r->err), "poll: %s", strerror(errno));
			return EXIT_OTHER;
		}
		if (n == 0) {
			bulk_tick(&r->bulk);
			continue;
		}
		if (p[0].revents) {
			struct signalfd_siginfo si;

			if (read(r->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				gadget_debug(1, "%s: stopping", strsignal((int)si.ssi_signo));
			return EXIT_GOOD;
		}
		if (p[1].revents) {
			ffs_aio_ack(&r->aio);
			if (bulk_poll(&r->bulk) < 0 || r->bulk.failed != 0) {
				snprintf(r->err, sizeof(r->err), "bulk transfers: %s",
					 strerror(-r->bulk.failed));
				return EXIT_OTHER;
			}
		}
		if (p[2].revents) {
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

static void report(const struct gadget_run *r)
{
	const struct bulk_stats *s = &r->bulk.stats;
	uint64_t rd = 0, wr = 0;

	for (unsigned i = 0; i < r->files_open; i++) {
		rd += r->files[i].bytes_read;
		wr += r->files[i].bytes_written;
	}
	gadget_debug(1, "served %llu bytes read, %llu written; %llu IN and %llu OUT transfers,"
		     " %llu halts, %llu transfer errors, %llu sends reported at submit,"
		     " %llu READ chunks queued while reading",
		     (unsigned long long)rd, (unsigned long long)wr,
		     (unsigned long long)s->submits[BULK_IN], (unsigned long long)s->submits[BULK_OUT],
		     (unsigned long long)(s->halts[0] + s->halts[1]),
		     (unsigned long long)(s->errors[0] + s->errors[1]),
		     (unsigned long long)s->early, (unsigned long long)s->chunks);
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
	if (r->bulk.ops != NULL)
		bulk_disable(&r->bulk);
	ffs_aio_close(&r->aio);
	close_fd(&r->ep_fd[BULK_IN]);
	close_fd(&r->ep_fd[BULK_OUT]);
	close_fd(&r->ep0_fd);
	gadget_destroy(&r->g);
	gadget_vendor_close(&r->vendor);
	report(r);
	for (unsigned i = 0; i < r->files_open; i++)
		lun_file_close(&r->files[i]);
	close_fd(&r->sig_fd);
	free(r->buf);
}

/* Page-aligned, as O_DIRECT wants. */
static int alloc_buffer(uint8_t **p, uint32_t size)
{
	void *m;

	if (posix_memalign(&m, 4096, size) != 0)
		return -1;
	*p = m;
	return 0;
}

static int prepare(struct gadget_run *r, int argc, char **argv)
{
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
	/* The core's buffer: all the memory the data path uses, whatever
	 * the size of the LUNs. */
	if (alloc_buffer(&r->buf, r->opts.buffer) != 0) {
		snprintf(r->err, sizeof(r->err), "no memory for a %u-byte buffer",
			 (unsigned)r->opts.buffer);
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

	r.ep0_fd = r.ep_fd[0] = r.ep_fd[1] = r.sig_fd = r.aio.efd = -1;
	r.g.lock_fd = -1;
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
