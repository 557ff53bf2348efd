/* Storage I/O on a thread of its own (lun_worker.h). */
#include "lun_worker.h"

#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void signal_ended(struct lun_worker *w)
{
	uint64_t one = 1;

	if (write(w->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already set, which is all poll needs */
	}
}

static void reset_event(struct lun_worker *w)
{
	uint64_t v;

	if (read(w->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: not set */
	}
}

static void *thread_main(void *arg)
{
	struct lun_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !(w->busy && !w->ended))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->mu);
		/* The core leaves the buffer alone until the outcome is reported. */
		usbmsc_sense_t s = storage_op_run(&w->op);
		pthread_mutex_lock(&w->mu);
		w->outcome = s;
		w->ended = true;
		w->ops++;
		pthread_cond_broadcast(&w->cv);
		signal_ended(w);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int lun_worker_start(struct lun_worker *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		return -errno;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	rc = pthread_create(&w->thread, NULL, thread_main, w);
	if (rc != 0) {
		close(w->efd);
		w->efd = -1;
		return -rc;
	}
	w->running = true;
	return 0;
}

void lun_worker_stop(struct lun_worker *w)
{
	if (w->running) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		w->running = false;
	}
	if (w->efd >= 0)
		close(w->efd);
	w->efd = -1;
}

static usbmsc_sense_t hand_over(struct worker_lun *l, bool write, uint32_t lba, uint32_t offset,
				uint8_t *buf, uint32_t len)
{
	struct lun_worker *w = l->w;

	pthread_mutex_lock(&w->mu);
	w->op = (struct storage_op){ &l->inner, write, lba, offset, len, buf };
	w->busy = true;
	w->ended = false;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return USBMSC_SENSE_PENDING;
}

static usbmsc_sense_t wrap_read(void *ctx, uint32_t lba, uint32_t offset, uint8_t *buf,
				uint32_t len)
{
	return hand_over(ctx, false, lba, offset, buf, len);
}

static usbmsc_sense_t wrap_write(void *ctx, uint32_t lba, uint32_t offset, const uint8_t *buf,
				 uint32_t len)
{
	/* A write only reads buf. */
	return hand_over(ctx, true, lba, offset, (uint8_t *)buf, len);
}

static usbmsc_sense_t wrap_sync(void *ctx)
{
	struct worker_lun *l = ctx;

	/* Between commands: no operation in progress. */
	return l->inner.sync(l->inner.ctx);
}

void lun_worker_wrap(struct worker_lun *l, struct lun_worker *w, struct usbmsc_lun_config *cfg)
{
	l->w = w;
	l->inner = *cfg;
	cfg->read = wrap_read;
	cfg->write = cfg->write != NULL ? wrap_write : NULL;
	cfg->sync = cfg->sync != NULL ? wrap_sync : NULL;
	cfg->ctx = l;
}

bool lun_worker_take(struct lun_worker *w, usbmsc_sense_t *outcome)
{
	bool ended;

	reset_event(w);
	pthread_mutex_lock(&w->mu);
	ended = w->busy && w->ended;
	if (ended) {
		*outcome = w->outcome;
		w->busy = w->ended = false;
	}
	pthread_mutex_unlock(&w->mu);
	return ended;
}

void lun_worker_drain(struct lun_worker *w)
{
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->busy && !w->ended)
		pthread_cond_wait(&w->cv, &w->mu);
	w->busy = w->ended = false;
	pthread_mutex_unlock(&w->mu);
	reset_event(w);
}
