/* One host at a time: the virtual device locks its image and firmware
 * flash while a handle is open, a second open (in this process or another)
 * is refused with USBMSC_E_BUSY naming the holder, and the device lock of a
 * firmware update keeps other processes out across the update's own close
 * and reopen (the device's reboot) without blocking that reopen. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "simfx.h"
#include "usbmsc/lock.h"
#include "../../src/os/os_backend.h"

struct lfx {
	struct simfx f;
	struct usbmsc_dev *dev;
	struct usbmsc_error err;
	char uri[300];
};

static int setup(void **state)
{
	struct lfx *x = calloc(1, sizeof *x);

	assert_non_null(x);
	simfx_init(&x->f, false);
	snprintf(x->uri, sizeof x->uri, "sim:%s", x->f.path);
	/* Device locks in the test's own directory, not the machine's. */
	setenv("USBMSC_LOCK_DIR", x->f.dir, 1);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct lfx *x = *state;

	usbmsc_close(x->dev);
	simfx_cleanup(&x->f);
	unsetenv("USBMSC_LOCK_DIR");
	free(x);
	return 0;
}

static void open_dev(struct lfx *x)
{
	if (usbmsc_open(x->uri, NULL, &x->dev, &x->err) != 0)
		fail_msg("open %s: %s", x->uri, x->err.msg);
}

static void close_dev(struct lfx *x)
{
	usbmsc_close(x->dev);
	x->dev = NULL;
}

/* In a child process: open the device, tell the parent, wait for its word,
 * close. The child's pid is returned; *go and *done are the two pipes. */
static pid_t child_holds(struct lfx *x, int go[2], int done[2])
{
	pid_t pid;
	char ch;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct usbmsc_dev *d = NULL;
		int st = usbmsc_open(x->uri, NULL, &d, &x->err);

		ch = st == 0 ? 'y' : 'n';
		if (write(go[1], &ch, 1) != 1 || read(done[0], &ch, 1) != 1)
			_exit(2);
		usbmsc_close(d);
		_exit(st == 0 ? 0 : 1);
	}
	assert_int_equal(read(go[0], &ch, 1), 1);
	assert_int_equal(ch, 'y');
	return pid;
}

static void child_release(pid_t pid, int go[2], int done[2])
{
	int status = -1;

	assert_int_equal(write(done[1], "x", 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
}

static void second_handle_in_this_process_refused(void **state)
{
	struct lfx *x = *state;
	struct usbmsc_dev *second = (void *)1;
	bool own = false;

	open_dev(x);
	assert_int_equal(usbmsc_open(x->uri, NULL, &second, &x->err), USBMSC_E_BUSY);
	assert_null(second);
	assert_non_null(strstr(x->err.msg, "is in use by this process"));
	assert_non_null(strstr(x->err.msg, x->f.path));
	/* The image is a file an open device holds: not to be written over. */
	assert_int_equal(usbmsc_lock_file_in_use(x->f.path, &own, &x->err), USBMSC_E_BUSY);
	assert_true(own);
	close_dev(x);
	assert_int_equal(usbmsc_lock_file_in_use(x->f.path, &own, &x->err), 0);
	open_dev(x);
}

/* Whether the OS backend names the process behind a lock (Linux: /proc). */
static bool names_holders(void)
{
	return strcmp(usbmsc_os_backend.name, "linux") == 0;
}

static void another_process_named(void **state)
{
	struct lfx *x = *state;
	int go[2], done[2];
	char want[64];
	bool own = true;
	pid_t pid;

	open_dev(x);    /* creates the image and its flash */
	close_dev(x);
	pid = child_holds(x, go, done);
	/* The holder's pid where the backend tells (Linux), else another program. */
	if (names_holders())
		snprintf(want, sizeof want, "is in use by pid %ld (", (long)pid);
	else
		snprintf(want, sizeof want, "is in use by another program");
	assert_int_equal(usbmsc_open(x->uri, NULL, &x->dev, &x->err), USBMSC_E_BUSY);
	assert_non_null(strstr(x->err.msg, want));
	assert_int_equal(usbmsc_lock_file_in_use(x->f.path, &own, &x->err), USBMSC_E_BUSY);
	assert_false(own);
	assert_non_null(strstr(x->err.msg, want));
	child_release(pid, go, done);
	open_dev(x);
}

/* The firmware flash is locked on its own too: an engine on the same
 * flash from another image path (a symbolic link) boots nothing under it. */
static void firmware_flash_locked(void **state)
{
	struct lfx *x = *state;
	struct usbmsc_dev *other = NULL;
	FILE *fp;
	char link[260], flash[260], link_flash[270], uri[270];

	open_dev(x);
	snprintf(flash, sizeof flash, "%s.fw", x->f.path);
	if (access(flash, F_OK) != 0)
		skip();   /* a build without the firmware engine */
	snprintf(link, sizeof link, "%s/copy.img", x->f.dir);
	snprintf(link_flash, sizeof link_flash, "%s.fw", link);
	/* copy.img: another image; copy.img.fw: the same flash. */
	fp = fopen(link, "wb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 65535, SEEK_SET), 0);
	assert_int_equal(fputc(0, fp), 0);
	fclose(fp);
	assert_int_equal(symlink(flash, link_flash), 0);
	snprintf(uri, sizeof uri, "sim:%s", link);
	assert_int_equal(usbmsc_open(uri, NULL, &other, &x->err), USBMSC_E_BUSY);
	assert_non_null(strstr(x->err.msg, "firmware flash"));
	assert_null(other);
	close_dev(x);
	assert_int_equal(usbmsc_open(uri, NULL, &other, &x->err), 0);
	usbmsc_close(other);
}

/* A firmware update holds the device lock while the device reboots: its
 * own close and reopen pass, another process's open in between is
 * refused before it can power the device on. */
static void device_lock_spans_reopen(void **state)
{
	struct lfx *x = *state;
	struct usbmsc_lock *lock = NULL, *again = NULL;
	int go[2], done[2], status = -1;
	pid_t pid;

	open_dev(x);
	assert_int_equal(usbmsc_lock_device(x->dev, 0, &lock, &x->err), 0);
	assert_int_equal(usbmsc_lock_device(x->dev, 0, &again, &x->err), USBMSC_E_BUSY);
	assert_null(again);
	assert_non_null(strstr(x->err.msg, "is in use by this process"));
	close_dev(x);    /* the reboot */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct usbmsc_dev *d = NULL;
		int st = usbmsc_open(x->uri, NULL, &d, &x->err);

		usbmsc_close(d);
		_exit(st == USBMSC_E_BUSY && strstr(x->err.msg, "the device USBMSC serial SIM") &&
		      strstr(x->err.msg, names_holders() ? "is in use by pid"
			     : "is in use by another program") ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	open_dev(x);     /* the update's own reopen */
	close_dev(x);
	usbmsc_lock_release(lock);
	pid = child_holds(x, go, done);
	child_release(pid, go, done);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(second_handle_in_this_process_refused), T(another_process_named),
		T(firmware_flash_locked), T(device_lock_spans_reopen),
	};

	return cmocka_run_group_tests_name("sim_locks", tests, NULL, NULL);
}
