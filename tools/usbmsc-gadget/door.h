/* One interface of the gadget ("door", doors.h) and everything that
 * serves it: its two bulk endpoint files, their AIO context, the bulk glue,
 * its own streaming buffer, and a target core over the gadget's LUNs.
 *
 * Door FFS_DOOR_MSC is the mass-storage interface (BOT framing); door
 * FFS_DOOR_VENDOR, with --vendor-interface, the vendor interface (the
 * vendor framing of bot.h). The doors share the LUN configs and so the LUN
 * files; each core keeps its own sense and unit attentions per LUN, and
 * each door its own copy of the LUN configs, wrapped for its glue (chunked
 * READs go out on the door's own Bulk-In). The event loop is the only
 * thread, so the two never run a command at the same instant; a LUN file
 * simply sees the commands of both.
 *
 * With --buffers N (N > 1) a door's core is the pipelined one
 * (usbmsc_target_init_pipelined) over N buffers of --buffer bytes, and
 * with --io thread its file-backed LUNs read and write on the door's own
 * worker thread (lun_worker.h), so file I/O and endpoint transfers
 * overlap; with --buffers 1 it is the one-buffer core, whose READs go out
 * in chunks (bulk.h). */
#ifndef USBMSC_GADGET_DOOR_H
#define USBMSC_GADGET_DOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulk.h"
#include "configfs.h"
#include "ffs_aio.h"
#include "ffs_desc.h"
#include "lun_worker.h"
#include "usbmsc/bot.h"
#include "usbmsc/target.h"

struct door {
	unsigned index;                    /* FFS_DOOR_*: interface number */
	int ep_fd[2];                      /* BULK_IN, BULK_OUT endpoint files */
	struct ffs_aio aio;
	struct bulk_ops ops;
	struct bulk bulk;
	uint8_t *buf;                      /* the core's streaming buffers, back to back */
	uint32_t buf_size;                 /* of each */
	uint8_t bufs;                      /* how many: 1, the one-buffer core; else pipelined */
	bool io_thread;                    /* file LUNs' I/O on the worker */
	unsigned file_luns;                /* the first LUNs, backed by files (lun_file.h) */
	struct bulk_lun wrapped[USBMSC_TARGET_MAX_LUNS];
	struct worker_lun on_worker[USBMSC_TARGET_MAX_LUNS];
	struct lun_worker worker;
	struct usbmsc_lun_config luns[USBMSC_TARGET_MAX_LUNS];
	struct usbmsc_lun_state lun_state[USBMSC_TARGET_MAX_LUNS];
	struct usbmsc_target_config cfg;
	union {
		struct usbmsc_target target;            /* what the glue and the loop use */
		struct usbmsc_target_pipelined piped;   /* bufs > 1: target is its first member */
	};
	bool started;                      /* the core is initialised */
};

/* Nothing open or allocated yet (teardown is safe from here on). */
void door_init(struct door *d, unsigned index);

/* count streaming buffers of size bytes each (a multiple of 4096), page-
 * aligned as O_DIRECT wants; with io_thread, the worker for file_luns
 * file-backed LUNs. Returns 0, or -1 with err set. */
int door_alloc(struct door *d, uint32_t size, uint8_t count, bool io_thread, unsigned file_luns,
	       char *err, size_t err_len);

/* Open the door's endpoint files in the functionfs mount (after the
 * descriptors are written) and set up its AIO and bulk glue. Returns 0,
 * or -1 with err set. */
int door_open(struct door *d, const struct gadget *g, char *err, size_t err_len);

/* The bulk glue over ops (door_open: AIO on the endpoint files; the tests:
 * a fake). */
void door_set_ops(struct door *d, const struct bulk_ops *ops);

/* USBMSC_FRAMING_VENDOR for the vendor interface, BOT for mass storage. */
enum usbmsc_framing door_framing(const struct door *d);

/* Start the door's target core, or start it again (after a firmware
 * reboot): base's LUNs, count, flags, strings and vendor commands, with
 * this door's framing, port, buffer and sense. Returns 0, or -1 with err
 * set. */
int door_start_target(struct door *d, const struct usbmsc_target_config *base, char *err,
		      size_t err_len);

/* The door's AIO eventfd became readable: feed the completions to the
 * core. Returns 0, or -errno when the transfers failed for good. */
int door_events(struct door *d);

/* The worker's eventfd (-1 without one), and the event loop's call when
 * it became readable: the storage operation's outcome to the core. */
int door_storage_fd(const struct door *d);
void door_storage_event(struct door *d);

/* Drain the transfers, close the AIO context and endpoint files, free the
 * buffer. Safe at any stage after door_init. */
void door_close(struct door *d);

#endif
