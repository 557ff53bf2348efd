/* -o FILE (outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "usbmsc/lock.h"
#include "../../src/common/fdio.h"
#include "../../src/os/os_file.h"

/* Reading a device into the file it stores its data in would overwrite
 * what is being read; another program's device must not be written under
 * it either. */
static int check_not_a_device(struct cli *c, const char *path)
{
	struct usbmsc_error err = { 0 };
	bool own = false;
	int st = usbmsc_lock_file_in_use(path, &own, &err);

	if (st == 0)
		return 0;
	if (own)
		return cli_usage(c, "-o %s is the device's own image: writing it would destroy what "
				 "is read; choose another file", path);
	return cli_fail(c, st, "-o %s: %s", path, err.msg);
}

/* A regular file, or none yet: a temporary file beside the final one, with
 * the old file's permissions. */
static int open_replacement(struct cli *c, struct outfile *o, const char *path,
			    const struct usbmsc_file_info *old)
{
	struct usbmsc_error err = { 0 };

	if (old && !usbmsc_file_access(path, true))
		return cli_fail(c, USBMSC_E_FILE, "cannot write %s: %s", path, strerror(errno));
	/* Through a symbolic link to the file it names, which is what writing
	 * to the link would change. */
	if (!old || !usbmsc_file_real_path(path, o->final, sizeof o->final))
		snprintf(o->final, sizeof o->final, "%s", path);
	if (usbmsc_tmp_create(&o->tmp, o->final, 0666, &err) != 0)
		return cli_fail(c, USBMSC_E_FILE, "%s", err.msg);
	if (old && !usbmsc_file_set_perm(o->tmp.fd, old->perm)) {
		int e = errno;
		usbmsc_tmp_discard(&o->tmp);
		return cli_fail(c, USBMSC_E_FILE, "cannot create %s: %s", o->tmp.path, strerror(e));
	}
	o->existed = old != NULL;
	return 0;
}

int outfile_open(struct cli *c, struct outfile *o, const char *path)
{
	struct usbmsc_file_info fi;
	int r;

	memset(o, 0, sizeof *o);
	o->tmp.fd = -1;
	o->name = path;
	if (strcmp(path, "-") == 0) {
		o->name = "standard output";
		o->f = stdout;
		return 0;
	}
	r = check_not_a_device(c, path);
	if (r)
		return r;
	if (!usbmsc_file_stat(path, true, &fi))
		return open_replacement(c, o, path, NULL);
	if (fi.kind == USBMSC_FILE_REGULAR)
		return open_replacement(c, o, path, &fi);
	if (fi.kind == USBMSC_FILE_DIRECTORY)
		return cli_fail(c, USBMSC_E_FILE, "-o %s is a directory", path);
	/* A pipe or a device: nothing to keep, and nothing to rename. */
	o->f = fopen(path, "wb");
	if (!o->f)
		return cli_fail(c, USBMSC_E_FILE, "cannot open %s: %s", path, strerror(errno));
	return 0;
}

int outfile_write(struct cli *c, struct outfile *o, const uint8_t *buf, size_t len)
{
	bool ok = o->f ? fwrite(buf, 1, len, o->f) == len : usbmsc_write_full(o->tmp.fd, buf, len);

	if (ok)
		return 0;
	if (cli_stopped())
		return USBMSC_E_INTERRUPTED;   /* the signal broke the write; the caller says so */
	return cli_fail(c, USBMSC_E_FILE, "writing %s: %s", o->name, strerror(errno));
}

static int commit(struct cli *c, struct outfile *o)
{
	struct usbmsc_error err = { 0 };
	int st = usbmsc_tmp_close(&o->tmp, &err);

	if (st == 0)
		st = usbmsc_tmp_commit(&o->tmp, o->final, true, &err);
	else
		usbmsc_tmp_discard(&o->tmp);
	return st ? cli_fail(c, st, "%s", err.msg) : 0;
}

int outfile_close(struct cli *c, struct outfile *o, int st)
{
	if (o->f && o->f != stdout && fclose(o->f) != 0 && st == 0)
		st = cli_fail(c, USBMSC_E_FILE, "writing %s: %s", o->name, strerror(errno));
	o->f = NULL;
	if (o->tmp.fd < 0)
		return st;
	if (st == 0)
		return commit(c, o);
	usbmsc_tmp_discard(&o->tmp);
	if (o->existed)
		fprintf(stderr, "usbmsc: %s: %s is left as it was\n", c->cmd ? c->cmd->name : "output",
			o->name);
	return st;
}
