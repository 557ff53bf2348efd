/* The storage thread of --io thread: an operation handed over runs on the
 * thread, its end makes the eventfd readable, its outcome is taken once;
 * drain waits for it and drops it; stop ends the thread. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "lun_worker.h"

static uint8_t disk[64 * 512];
static pthread_t ran_on;
static unsigned calls;

static usbmsc_sense_t ram_read(void *ctx, uint32_t lba, uint32_t off, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	ran_on = pthread_self();
	calls++;
	memcpy(buf, disk + lba * 512 + off, len);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t ram_write(void *ctx, uint32_t lba, uint32_t off, const uint8_t *buf,
				uint32_t len)
{
	(void)ctx;
	ran_on = pthread_self();
	calls++;
	if (lba >= 60)
		return USBMSC_SENSE_WRITE_ERROR;
	memcpy(disk + lba * 512 + off, buf, len);
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t ram_sync(void *ctx)
{
	(void)ctx;
	return USBMSC_SENSE_OK;
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, timeout_ms) == 1;
}

static void test_operations_run_on_the_thread(void **state)
{
	struct lun_worker w;
	struct worker_lun wl;
	struct usbmsc_lun_config cfg = { 64, 512, 0, ram_read, ram_write, ram_sync, NULL };
	uint8_t buf[1024], back[1024];
	usbmsc_sense_t s;

	(void)state;
	for (unsigned i = 0; i < sizeof(disk); i++)
		disk[i] = (uint8_t)(i * 3);
	assert_int_equal(lun_worker_start(&w), 0);
	lun_worker_wrap(&wl, &w, &cfg);
	assert_ptr_equal(cfg.ctx, &wl);
	assert_false(lun_worker_take(&w, &s));  /* nothing handed over */

	assert_int_equal(cfg.read(cfg.ctx, 2, 100, buf, sizeof(buf)), USBMSC_SENSE_PENDING);
	assert_true(readable(w.efd, 10000));
	assert_true(lun_worker_take(&w, &s));
	assert_int_equal(s, USBMSC_SENSE_OK);
	assert_memory_equal(buf, disk + 2 * 512 + 100, sizeof(buf));
	assert_false(pthread_equal(ran_on, pthread_self()));
	assert_false(lun_worker_take(&w, &s));  /* taken once */
	assert_false(readable(w.efd, 0));

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)~i;
	assert_int_equal(cfg.write(cfg.ctx, 10, 0, buf, sizeof(buf)), USBMSC_SENSE_PENDING);
	assert_true(readable(w.efd, 10000));
	assert_true(lun_worker_take(&w, &s));
	assert_int_equal(s, USBMSC_SENSE_OK);
	memcpy(back, disk + 10 * 512, sizeof(back));
	assert_memory_equal(back, buf, sizeof(buf));
	/* a failure is the operation's outcome */
	assert_int_equal(cfg.write(cfg.ctx, 61, 0, buf, 512), USBMSC_SENSE_PENDING);
	assert_true(readable(w.efd, 10000));
	assert_true(lun_worker_take(&w, &s));
	assert_int_equal(s, USBMSC_SENSE_WRITE_ERROR);
	/* SYNCHRONIZE CACHE comes between commands: at once */
	assert_int_equal(cfg.sync(cfg.ctx), USBMSC_SENSE_OK);
	assert_int_equal(w.ops, 3);
	lun_worker_stop(&w);
	assert_int_equal(w.efd, -1);
}

/* Before a reset: the operation ends, nothing is left to report. */
static void test_drain_drops_the_outcome(void **state)
{
	struct lun_worker w;
	struct worker_lun wl;
	struct usbmsc_lun_config cfg = { 64, 512, 0, ram_read, ram_write, NULL, NULL };
	uint8_t buf[512];
	usbmsc_sense_t s;

	(void)state;
	assert_int_equal(lun_worker_start(&w), 0);
	lun_worker_wrap(&wl, &w, &cfg);
	assert_null(cfg.sync);
	calls = 0;
	assert_int_equal(cfg.read(cfg.ctx, 0, 0, buf, sizeof(buf)), USBMSC_SENSE_PENDING);
	lun_worker_drain(&w);
	assert_int_equal(calls, 1);  /* it ran to its end */
	assert_false(lun_worker_take(&w, &s));
	assert_false(readable(w.efd, 0));
	lun_worker_drain(&w);  /* nothing in progress: returns at once */
	/* the worker goes on serving */
	assert_int_equal(cfg.read(cfg.ctx, 1, 0, buf, sizeof(buf)), USBMSC_SENSE_PENDING);
	assert_true(readable(w.efd, 10000));
	assert_true(lun_worker_take(&w, &s));
	lun_worker_stop(&w);
	lun_worker_stop(&w);  /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_operations_run_on_the_thread),
		cmocka_unit_test(test_drain_drops_the_outcome),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
