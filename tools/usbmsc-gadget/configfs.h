/* The gadget's life in configfs and FunctionFS: the instance lock, the
 * gadget directory (IDs, strings, one configuration, one ffs function
 * linked into it, and with the vendor interface the Microsoft OS
 * descriptor settings with the configuration linked into os_desc), the
 * functionfs mount, binding to the UDC, and taking it all down again, also
 * what a killed earlier instance left behind. */
#ifndef USBMSC_GADGET_CONFIGFS_H
#define USBMSC_GADGET_CONFIGFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GADGET_CONFIGFS_ROOT "/sys/kernel/config/usb_gadget"
#define GADGET_FFS_ROOT "/dev/usb-ffs"
/* Every path the gadget makes is short: NAME has at most 64 characters. */
#define GADGET_PATH_LEN 256

struct gadget_ids {
	const char *name;          /* gadget directory and ffs instance name */
	uint16_t vid, pid;
	const char *manufacturer, *product, *serial;
	/* Answer the Microsoft OS 1.0 requests (string descriptor 0xEE, then
	 * vendor requests with doors.h's USBMSC_MSOS_VENDOR_CODE) from the
	 * function's OS descriptors: os_desc/use, b_vendor_code, qw_sign. */
	bool ms_os_desc;
};

struct gadget {
	char name[65];
	char dir[128];             /* GADGET_CONFIGFS_ROOT/NAME */
	char mount[96];            /* GADGET_FFS_ROOT/NAME */
	int lock_fd;
	bool made_root;            /* we created GADGET_FFS_ROOT */
	bool made_dir, mounted, bound;
};

/* Take the lock of the instance NAME (an abstract socket: the kernel drops
 * it when the process dies, kill -9 included). Returns 0, -1 with err set
 * when another usbmsc-gadget runs with that name. */
int gadget_lock(struct gadget *g, const char *name, char *err, size_t err_len);

/* Remove what a killed earlier instance of NAME left (gadget directory,
 * functionfs mount). Call with the lock held. Sets *found when there was
 * something. Refuses (-1) to touch a gadget that holds anything but one
 * ffs.NAME function: that one was not made by usbmsc-gadget. */
int gadget_clean_stale(const char *name, bool *found, char *err, size_t err_len);

/* Create the configfs gadget, link its ffs function, mount functionfs.
 * On failure the caller still calls gadget_destroy. */
int gadget_create(struct gadget *g, const struct gadget_ids *ids, char *err, size_t err_len);

/* Bind to / unbind from the UDC (writes its name to the UDC attribute). */
int gadget_bind(struct gadget *g, const char *udc, char *err, size_t err_len);
void gadget_unbind(struct gadget *g);

/* Unmount functionfs (close every endpoint file first), remove the
 * gadget directory, release the lock. Safe to call at any stage. */
void gadget_destroy(struct gadget *g);

/* The only UDC in /sys/class/udc. Returns 0, or -1 with err set when there
 * are none or several. */
int gadget_default_udc(char *out, size_t out_len, char *err, size_t err_len);

/* Path of a file in the functionfs mount ("ep0", "ep1", ...). */
void gadget_ffs_path(const struct gadget *g, const char *file, char *out, size_t out_len);

#endif
