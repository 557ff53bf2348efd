/* Linux AIO (io_submit) on the two FunctionFS endpoint files, with an
 * eventfd that becomes readable when a transfer completes: the bulk_ops
 * the gadget runs on. */
#ifndef USBMSC_GADGET_FFS_AIO_H
#define USBMSC_GADGET_FFS_AIO_H

#include <stdbool.h>

#include <linux/aio_abi.h>

#include "bulk.h"

struct ffs_aio {
	int fd[2];              /* endpoint files: BULK_IN, BULK_OUT */
	int efd;                /* eventfd signalled by each completion */
	aio_context_t ctx;
	struct iocb cb[BULK_IDS]; /* one per transfer id */
};

/* Set up the AIO context and eventfd for the open endpoint files (opened
 * O_NONBLOCK, so that nothing ever blocks while an endpoint is disabled).
 * Returns 0 or -errno. */
int ffs_aio_open(struct ffs_aio *a, int in_fd, int out_fd);
void ffs_aio_close(struct ffs_aio *a);

/* Reset the eventfd after poll() said it is readable. */
void ffs_aio_ack(struct ffs_aio *a);

extern const struct bulk_ops ffs_aio_ops_template;  /* set .ctx to the struct ffs_aio */

#endif
