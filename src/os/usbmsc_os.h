/* The parts of the Linux backend (linux.c assembles them into the table of
 * os_backend.h): SG_IO, sysfs, the mount table, umount; and the pure
 * parsers they use (mountinfo lines, USB descriptors, SG_IO verdicts).
 * Only src/os/ and the tests of these parts include it. Internal: not
 * installed, not part of the public API. */
#ifndef USBMSC_OS_H
#define USBMSC_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os_backend.h"
#include "usbmsc/initiator.h"
#include "usbmsc/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the backend's operations, by part ------------------------------------------
 * Their contracts are those of struct usbmsc_os_backend. */

/* linux_discovery.c: sysfs and the mount table. */
int usbmsc_linux_discover(const struct usbmsc_discover_opts *opts,
			  struct usbmsc_device_info **list, size_t *count, struct usbmsc_error *err);
int usbmsc_linux_interface(const char *port, uint8_t config, uint8_t ifnum,
			   struct usbmsc_device_info *info, struct usbmsc_error *err);

/* linux_sgio.c: SCSI pass-through with SG_IO. */
int usbmsc_linux_pt_open(const char *node, const struct usbmsc_trace *trace,
			 struct usbmsc_os_pt **out, uint32_t *max_transfer, struct usbmsc_error *err);
int usbmsc_linux_pt_exec(struct usbmsc_os_pt *pt, const struct usbmsc_cmd *cmd,
			 unsigned timeout_ms, const struct usbmsc_trace *trace,
			 struct usbmsc_result *res, struct usbmsc_error *err);
bool usbmsc_linux_pt_max_lun(struct usbmsc_os_pt *pt, uint8_t *max_lun);
int usbmsc_linux_pt_reset(struct usbmsc_os_pt *pt, const struct usbmsc_trace *trace,
			  struct usbmsc_error *err);
void usbmsc_linux_pt_close(struct usbmsc_os_pt *pt);

/* ---- SG_IO verdicts (pure; sgio_map.c) ---------------------------------------- */

/* What came back from one ioctl(SG_IO), whatever the system's headers. */
struct usbmsc_sgio_reply {
	int ioctl_errno;         /* 0 when the ioctl itself succeeded */
	uint8_t status;          /* SCSI status byte */
	uint16_t host_status;    /* DID_* */
	uint16_t driver_status;  /* DRIVER_* (low nibble) and suggestions */
	uint8_t sb_len_wr;
	int32_t resid;
	uint32_t dxfer_len;
};

/* Host bytes (DID_*) and driver bytes (DRIVER_*) as Linux defines them. */
enum {
	USBMSC_DID_OK = 0x00,
	USBMSC_DID_NO_CONNECT = 0x01,
	USBMSC_DID_BUS_BUSY = 0x02,
	USBMSC_DID_TIME_OUT = 0x03,
	USBMSC_DID_BAD_TARGET = 0x04,
	USBMSC_DID_ABORT = 0x05,
	USBMSC_DID_ERROR = 0x07,
	USBMSC_DID_RESET = 0x08,
	USBMSC_DID_TRANSPORT_DISRUPTED = 0x0e,
	USBMSC_DID_TRANSPORT_FAILFAST = 0x0f
};
enum {
	USBMSC_DRIVER_OK = 0x00,
	USBMSC_DRIVER_BUSY = 0x01,
	USBMSC_DRIVER_SOFT = 0x02,
	USBMSC_DRIVER_MEDIA = 0x03,
	USBMSC_DRIVER_ERROR = 0x04,
	USBMSC_DRIVER_INVALID = 0x05,
	USBMSC_DRIVER_TIMEOUT = 0x06,
	USBMSC_DRIVER_HARD = 0x07,
	USBMSC_DRIVER_SENSE = 0x08
};

/* Fill res (outcome, status, residue, transferred, sense_len; the sense
 * bytes are already in res->sense) from one reply. Returns 0 when the
 * command reached the device and came back with a verdict, else the
 * category, with err naming what went wrong (ioctl errors other than the
 * ones only the caller can explain are described here too). */
int usbmsc_sgio_map(const struct usbmsc_sgio_reply *reply, struct usbmsc_result *res,
		    struct usbmsc_error *err);

/* ---- the mount table -------------------------------------------------------- */

struct usbmsc_os_mount {
	unsigned major, minor;   /* st_dev of the mounted file system */
	char *source;            /* "/dev/sda1", unescaped */
	char *target;            /* the mount point, unescaped */
	char *fstype;
};

/* Parse one /proc/self/mountinfo line in place (line is modified: the
 * strings of out point into it). False for a malformed line. */
bool usbmsc_os_mountinfo_parse(char *line, struct usbmsc_os_mount *out);

/* Load a mountinfo file (NULL: /proc/self/mountinfo); each entry's strings
 * are allocated. Returns 0 or a category. */
int usbmsc_os_mounts_load(const char *path, struct usbmsc_os_mount **out, size_t *count,
			  struct usbmsc_error *err);
void usbmsc_os_mounts_free(struct usbmsc_os_mount *mounts, size_t count);

/* umount2(target, 0); 0 or a category with err set. */
int usbmsc_os_unmount(const char *target, struct usbmsc_error *err);

/* ---- who holds a file (holders.c); the locks themselves: os_lock.h ----------------- */

/* Who holds a lock on fd's file, into buf: "pid N (COMMAND LINE)", or
 * "this process" with *own set. False when the system cannot tell. */
bool usbmsc_os_lock_holder(int fd, char *buf, size_t len, bool *own);
/* Another process that has path open (for a device node: that device), in
 * the same form; false when there is none or the system cannot tell. */
bool usbmsc_os_file_user(const char *path, char *buf, size_t len);

/* ---- USB descriptors (pure) -------------------------------------------------- */

/* What one interface offers across its alternate settings. */
struct usbmsc_os_iface_alts {
	bool found;              /* the interface exists in that configuration */
	bool mass_storage;       /* some alternate setting is class 8 */
	bool bot;                /* ... with protocol 0x50 (Bulk-Only) */
	bool uas;                /* ... with protocol 0x62 (UAS) */
	uint8_t bot_alt;         /* the alternate setting that speaks BOT */
	uint8_t bot_subclass;
};

/* Scan raw descriptors (a device descriptor followed by configuration
 * descriptors, as sysfs "descriptors" holds them; or configuration
 * descriptors alone) for interface ifnum of the configuration whose
 * bConfigurationValue is config_value. Never reads past len. */
void usbmsc_os_scan_interface(const uint8_t *desc, size_t len, uint8_t config_value,
			      uint8_t ifnum, struct usbmsc_os_iface_alts *out);

/* ---- sysfs (Linux) ------------------------------------------------------------ */

/* The sysfs root: root if given, else $USBMSC_SYSFS_ROOT, else "/sys". */
const char *usbmsc_os_sysfs_root(const char *root);

/* Read dir/name into buf (NUL-terminated, trailing newline and spaces cut).
 * Returns the length, or -1. */
int usbmsc_os_read_attr(const char *dir, const char *name, char *buf, size_t len);
bool usbmsc_os_read_ulong(const char *dir, const char *name, int base, unsigned long *out);
/* "MAJ:MIN" from dir/dev. */
bool usbmsc_os_read_devnum(const char *dir, unsigned *major, unsigned *minor);
/* The last component of the symlink dir/name ("usb-storage" for driver). */
bool usbmsc_os_link_name(const char *dir, const char *name, char *buf, size_t len);
/* The first entry of dir/sub ("sg0" in .../scsi_generic). */
bool usbmsc_os_first_entry(const char *dir, const char *sub, char *buf, size_t len);

/* "h:c:t:l" into its numbers. */
bool usbmsc_os_parse_hctl(const char *name, unsigned *h, unsigned *c, unsigned *t,
			  uint64_t *l);

/* The SCSI device directory (absolute, symlinks resolved) of a device
 * node's numbers: char (sg) or block (sd). False when the numbers are not
 * a SCSI device, or are a partition (*partition set then). */
bool usbmsc_os_scsi_dir_of_node(const char *sysfs_root, bool block, unsigned major,
				unsigned minor, char *out, size_t outlen, bool *partition);

/* The sysfs path of a device node's device, through /sys/dev and its link,
 * nothing resolved (".../dev/char/21:0/device"): the SCSI device's
 * directory for its attributes, without the lookups of the one above. */
bool usbmsc_os_node_device_path(const char *sysfs_root, bool block, unsigned major,
				unsigned minor, char *out, size_t outlen);

/* The node names of a SCSI device directory: "sg0" and "sda" ("" if none). */
void usbmsc_os_scsi_nodes(const char *scsi_dir, char *sg, size_t sglen, char *blk,
			  size_t blklen);

/* The SCSI device directory of LUN lun next to scsi_dir (same host, channel
 * and target). */
bool usbmsc_os_scsi_sibling(const char *scsi_dir, uint64_t lun, char *out, size_t outlen);
/* The highest LUN among the SCSI devices of scsi_dir's target. */
bool usbmsc_os_scsi_max_lun(const char *scsi_dir, uint64_t *max_lun);

/* Largest SG_IO data stage for a SCSI device directory, from its block
 * queue: min(max_hw_sectors_kb * 1024, max_segments * page size). 0 when
 * sysfs does not say. */
uint32_t usbmsc_os_scsi_max_transfer(const char *scsi_dir);

/* Whether the process has CAP_SYS_RAWIO (effective). */
bool usbmsc_os_have_cap_sys_rawio(void);

#ifdef __cplusplus
}
#endif
#endif
