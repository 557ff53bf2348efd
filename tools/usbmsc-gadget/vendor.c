/* Vendor-command plumbing: one place that turns options into the table
 * the target core consults before its built-in commands. */
#include "vendor.h"

#include <string.h>

int gadget_vendor_setup(struct gadget_vendor *v, const struct gadget_opts *o,
			const struct usbmsc_vendor_table **table, char *err, size_t err_len)
{
	(void)o;
	(void)err;
	(void)err_len;
	memset(v, 0, sizeof(*v));
	/* A feature that serves commands fills v->table here (cmds, count,
	 * ctx), e.g. the firmware engine with usbmsc_fw_table(). */
	*table = v->table.count != 0 ? &v->table : NULL;
	return 0;
}

void gadget_vendor_close(struct gadget_vendor *v)
{
	memset(v, 0, sizeof(*v));
}
