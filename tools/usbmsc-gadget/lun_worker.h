/* A thread that does a door's storage I/O (--io thread): the target core's
 * read or write callback for a file-backed LUN hands the operation over and
 * returns USBMSC_SENSE_PENDING, the thread runs the LUN's own callback
 * (pread/pwrite), and the event loop hears through an eventfd that it
 * finished and reports it to the core (usbmsc_target_storage_done). So
 * the file I/O of one buffer load runs while the endpoints move another,
 * on another CPU when there is one. The pipelined core has at most one
 * storage operation in progress, so one thread per door, one operation at
 * a time. */
#ifndef USBMSC_GADGET_LUN_WORKER_H
#define USBMSC_GADGET_LUN_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage_op.h"

struct lun_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;       /* an operation was handed over, one ended, or stop */
	int efd;                 /* readable once an operation ended */
	bool running;            /* the thread exists */
	bool stop;
	bool busy;               /* an operation is handed over and not taken back */
	bool ended;              /* ... and has ended: outcome holds its result */
	struct storage_op op;    /* the operation */
	usbmsc_sense_t outcome;
	uint64_t ops;            /* operations done, for the report */
};

/* A LUN whose reads and writes go through a worker: lun_worker_wrap
 * keeps the LUN's callbacks in inner and puts wrappers in cfg. */
struct worker_lun {
	struct lun_worker *w;
	struct usbmsc_lun_config inner;
};

/* Start the thread. Returns 0 or -errno. */
int lun_worker_start(struct lun_worker *w);

/* End the thread (after the operation in progress, if any). Safe on a
 * worker never started (zeroed, efd -1). */
void lun_worker_stop(struct lun_worker *w);

void lun_worker_wrap(struct worker_lun *l, struct lun_worker *w, struct usbmsc_lun_config *cfg);

/* After the eventfd became readable: the ended operation's outcome.
 * Returns false when none has ended (nothing to report). */
bool lun_worker_take(struct lun_worker *w, usbmsc_sense_t *outcome);

/* Wait for an operation in progress to end and drop its outcome (before a
 * reset is reported to the core). */
void lun_worker_drain(struct lun_worker *w);

#endif
