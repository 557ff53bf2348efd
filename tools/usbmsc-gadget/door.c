/* One interface of the gadget: endpoint files, AIO, glue, core (door.h). */
#include "door.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usbmsc/bot.h"

void door_init(struct door *d, unsigned index)
{
	memset(d, 0, sizeof(*d));
	d->index = index;
	d->ep_fd[BULK_IN] = d->ep_fd[BULK_OUT] = -1;
	d->aio.efd = -1;
	d->worker.efd = -1;
	d->bufs = 1;
}

int door_alloc(struct door *d, uint32_t size, uint8_t count, bool io_thread, unsigned file_luns,
	       char *err, size_t err_len)
{
	void *m;
	int rc;

	if (posix_memalign(&m, 4096, (size_t)size * count) != 0) {
		snprintf(err, err_len, "no memory for %u buffers of %u bytes", (unsigned)count,
			 (unsigned)size);
		return -1;
	}
	d->buf = m;
	d->buf_size = size;
	d->bufs = count;
	d->file_luns = file_luns;
	d->io_thread = io_thread && count > 1;
	if (d->io_thread && (rc = lun_worker_start(&d->worker)) != 0) {
		snprintf(err, err_len, "cannot start the storage thread: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/* bulk_cancel's: an operation on the worker ends unreported. */
static void drain_worker(void *ctx)
{
	lun_worker_drain(ctx);
}

static int open_ep(const struct gadget *g, unsigned index, char *err, size_t err_len)
{
	char file[16], path[GADGET_PATH_LEN];
	int fd;

	snprintf(file, sizeof(file), "ep%u", index);
	gadget_ffs_path(g, file, path, sizeof(path));
	/* O_NONBLOCK: f_fs then answers EAGAIN instead of sleeping until the
	 * endpoint is enabled. */
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
	return fd;
}

int door_open(struct door *d, const struct gadget *g, char *err, size_t err_len)
{
	int rc;

	for (unsigned ep = BULK_IN; ep <= BULK_OUT; ep++) {
		d->ep_fd[ep] = open_ep(g, FFS_EP_INDEX(d->index, ep), err, err_len);
		if (d->ep_fd[ep] < 0)
			return -1;
	}
	rc = ffs_aio_open(&d->aio, d->ep_fd[BULK_IN], d->ep_fd[BULK_OUT]);
	if (rc != 0) {
		snprintf(err, err_len, "io_setup: %s", strerror(-rc));
		return -1;
	}
	d->ops = ffs_aio_ops_template;
	d->ops.ctx = &d->aio;
	door_set_ops(d, &d->ops);
	return 0;
}

void door_set_ops(struct door *d, const struct bulk_ops *ops)
{
	if (ops != &d->ops)
		d->ops = *ops;
	bulk_init(&d->bulk, &d->ops, d->buf, d->buf_size);
	bulk_set_framing(&d->bulk, door_framing(d));
	if (d->io_thread) {
		d->bulk.drain_storage = drain_worker;
		d->bulk.drain_ctx = &d->worker;
	}
}

enum usbmsc_framing door_framing(const struct door *d)
{
	return d->index == FFS_DOOR_VENDOR ? USBMSC_FRAMING_VENDOR : USBMSC_FRAMING_BOT;
}

int door_start_target(struct door *d, const struct usbmsc_target_config *base, char *err,
		      size_t err_len)
{
	bool ok;

	d->cfg = *base;
	/* The door's own copy of the shared LUN configs: with one buffer read
	 * in chunks through its own glue; pipelined, the files' I/O on the
	 * door's worker (--io thread) or run by the glue right after the
	 * core's call that asked for it (--io sync). */
	for (unsigned i = 0; i < base->lun_count && i < USBMSC_TARGET_MAX_LUNS; i++) {
		d->luns[i] = base->luns[i];
		if (d->bufs == 1)
			bulk_wrap_lun(&d->wrapped[i], &d->bulk, &d->luns[i]);
		else if (d->io_thread && i < d->file_luns)
			lun_worker_wrap(&d->on_worker[i], &d->worker, &d->luns[i]);
		else if (i < d->file_luns)
			bulk_wrap_lun_deferred(&d->wrapped[i], &d->bulk, &d->luns[i]);
	}
	d->cfg.luns = d->luns;
	d->cfg.framing = (uint8_t)door_framing(d);
	d->cfg.port = bulk_port(&d->bulk);
	if (d->bufs == 1)
		ok = usbmsc_target_init(&d->target, &d->cfg, d->lun_state, d->buf, d->buf_size);
	else
		ok = usbmsc_target_init_pipelined(&d->piped, &d->cfg, d->lun_state, d->buf,
						  d->bufs, d->buf_size);
	if (!ok) {
		snprintf(err, err_len, "the target core refused the configuration%s",
			 d->index == FFS_DOOR_VENDOR ? " of the vendor interface" : "");
		return -1;
	}
	bulk_attach(&d->bulk, &d->target);
	d->started = true;
	return 0;
}

int door_storage_fd(const struct door *d)
{
	return d->io_thread ? d->worker.efd : -1;
}

void door_storage_event(struct door *d)
{
	usbmsc_sense_t s;

	if (lun_worker_take(&d->worker, &s))
		bulk_storage_done(&d->bulk, s);
}

int door_events(struct door *d)
{
	ffs_aio_ack(&d->aio);
	if (bulk_poll(&d->bulk) < 0 || d->bulk.failed != 0)
		return d->bulk.failed != 0 ? d->bulk.failed : -EIO;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void door_close(struct door *d)
{
	if (d->bulk.ops != NULL)
		bulk_disable(&d->bulk);
	lun_worker_stop(&d->worker);
	ffs_aio_close(&d->aio);
	close_fd(&d->ep_fd[BULK_IN]);
	close_fd(&d->ep_fd[BULK_OUT]);
	free(d->buf);
	d->buf = NULL;
	d->bulk.ops = NULL;
	d->started = false;
}
