/* Asynchronous bulk transfers on FunctionFS endpoint files. The kernel's
 * f_fs queues one USB request per io_submit, as large as the buffer, and
 * completes it through the AIO ring and the eventfd. */
#include "ffs_aio.h"
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/usb/functionfs.h>
#include <sys/ioctl.h>

/* glibc has no wrappers for the kernel's AIO calls. */
static long sys_io_setup(unsigned nr, aio_context_t *ctx)
{
	return syscall(SYS_io_setup, nr, ctx);
}

static long sys_io_destroy(aio_context_t ctx)
{
	return syscall(SYS_io_destroy, ctx);
}

static long sys_io_submit(aio_context_t ctx, long n, struct iocb **cbs)
{
	return syscall(SYS_io_submit, ctx, n, cbs);
}

static long sys_io_cancel(aio_context_t ctx, struct iocb *cb, struct io_event *ev)
{
	return syscall(SYS_io_cancel, ctx, cb, ev);
}

static long sys_io_getevents(aio_context_t ctx, long min, long max, struct io_event *ev,
			     struct timespec *ts)
{
	return syscall(SYS_io_getevents, ctx, min, max, ev, ts);
}

int ffs_aio_open(struct ffs_aio *a, int in_fd, int out_fd)
{
	memset(a, 0, sizeof(*a));
	a->fd[BULK_IN] = in_fd;
	a->fd[BULK_OUT] = out_fd;
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0)
		return -errno;
	if (sys_io_setup(BULK_IDS * 2, &a->ctx) != 0) {
		int e = errno;

		close(a->efd);
		a->efd = -1;
		return -e;
	}
	return 0;
}

void ffs_aio_close(struct ffs_aio *a)
{
	if (a->ctx != 0)
		sys_io_destroy(a->ctx);
	if (a->efd >= 0)
		close(a->efd);
	a->ctx = 0;
	a->efd = -1;
}

void ffs_aio_ack(struct ffs_aio *a)
{
	uint64_t v;

	if (read(a->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: already reset; nothing else can fail on an eventfd */
	}
}

static int op_submit(void *ctx, unsigned id, unsigned ep, uint8_t *buf, uint32_t len)
{
	struct ffs_aio *a = ctx;
	struct iocb *cb = &a->cb[id];

	memset(cb, 0, sizeof(*cb));
	cb->aio_data = id;
	cb->aio_lio_opcode = ep == BULK_IN ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb->aio_fildes = (uint32_t)a->fd[ep];
	cb->aio_buf = (uint64_t)(uintptr_t)buf;
	cb->aio_nbytes = len;
	cb->aio_flags = IOCB_FLAG_RESFD;
	cb->aio_resfd = (uint32_t)a->efd;
	/* A failure of the transfer itself comes back as a completion. */
	return sys_io_submit(a->ctx, 1, &cb) == 1 ? 0 : -errno;
}

static int op_cancel(void *ctx, unsigned id)
{
	struct ffs_aio *a = ctx;
	struct io_event ev;

	/* Since Linux 4.19 the result of a cancelled request comes through
	 * the ring (io_cancel says EINPROGRESS); EINVAL: it already finished. */
	if (sys_io_cancel(a->ctx, &a->cb[id], &ev) == 0)
		return 0;
	return errno == EINPROGRESS ? 0 : -errno;
}

/* The completion ring the kernel maps at the context's address (fs/aio.c):
 * it writes events and moves tail, the reader moves head. libaio and fio
 * reap it from user space the same way; the kernel checks head before it
 * reuses a slot. */
struct aio_ring {
	unsigned id, nr, head, tail;
	unsigned magic, compat_features, incompat_features, header_length;
	struct io_event io_events[];
};
#define AIO_RING_MAGIC 0xa10a10a1u

/* Take up to max completions off the ring without a system call (one per
 * transfer saved: under emulation a system call costs tens of
 * microseconds). -1: a ring this code does not know; use io_getevents. */
static long reap_ring(aio_context_t ctx, struct io_event *ev, long max)
{
	struct aio_ring *r = (struct aio_ring *)(uintptr_t)ctx;
	unsigned head, tail;
	long n = 0;

	if (r->magic != AIO_RING_MAGIC || r->incompat_features != 0 || r->nr == 0)
		return -1;
	head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
	tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);  /* events before tail */
	while (head != tail && n < max) {
		if (head >= r->nr)
			return -1;
		ev[n++] = r->io_events[head];
		head = (head + 1) % r->nr;
	}
	__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);  /* after the copies */
	return n;
}

static int op_wait(void *ctx, struct bulk_done *done, unsigned max, int timeout_ms)
{
	struct ffs_aio *a = ctx;
	struct io_event ev[8];
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	long n = -1;

	if (max > 8)
		max = 8;
	if (timeout_ms == 0)
		n = reap_ring(a->ctx, ev, (long)max);
	if (n < 0)
		n = sys_io_getevents(a->ctx, timeout_ms > 0 ? 1 : 0, (long)max, ev, &ts);
	if (n < 0)
		return -errno;
	for (long i = 0; i < n; i++) {
		done[i].id = (unsigned)ev[i].data;
		done[i].res = (long)ev[i].res;
	}
	return (int)n;
}

/* f_fs halts an endpoint when it is read or written in the wrong
 * direction; the call then fails with EBADMSG.
 *
 * A UDC with a FIFO completes a short IN request as soon as the data is in
 * the FIFO (dummy_hcd emulates one of 64 bytes), and refuses to halt the
 * endpoint with EAGAIN until the host has taken the data. Retry, as the
 * kernel's own f_mass_storage does; the host reads within a frame or two. */
#define HALT_RETRY_US 1000
#define HALT_RETRIES 200

static int op_halt(void *ctx, unsigned ep)
{
	struct ffs_aio *a = ctx;
	uint8_t byte = 0;
	ssize_t n;

	for (int tries = 0;; tries++) {
		if (ep == BULK_IN)
			n = read(a->fd[ep], &byte, 1);
		else
			n = write(a->fd[ep], &byte, 1);
		if (n < 0 && errno == EBADMSG) {
			if (tries != 0)
				gadget_debug(2, "halt delayed %d ms by data still in the FIFO", tries);
			return 0;
		}
		if (n >= 0 || errno != EAGAIN || tries == HALT_RETRIES)
			return n < 0 ? -errno : -EPROTO;
		usleep(HALT_RETRY_US);
	}
}

static int op_clear_halt(void *ctx, unsigned ep)
{
	struct ffs_aio *a = ctx;

	return ioctl(a->fd[ep], FUNCTIONFS_CLEAR_HALT) < 0 ? -errno : 0;
}

/* f_fs copies an IN transfer's data into its kernel buffer before it
 * queues the request (ffs_epfile_io), so io_submit's return frees ours. */
const struct bulk_ops ffs_aio_ops_template = {
	op_submit, op_cancel, op_wait, op_halt, op_clear_halt, NULL, true,
};
