/* The Linux backend's SCSI pass-through: SG_IO (sg v3 struct sg_io_hdr) on
 * /dev/sgN and /dev/sdX, under the generic transport (pt_transport.c), its
 * verdicts mapped by sgio_map.c. The kernel's usb-storage or uas driver
 * stays bound and the file system stays mounted; the kernel runs BOT (or
 * UAS) and fetches the sense.
 *
 * A node is one LUN. A command for LUN 0 goes to the node that was opened;
 * a command for LUN n > 0 goes to the node of LUN n of the same SCSI target
 * (found in sysfs, opened on first use), so that a multi-LUN device is
 * reachable through any of its nodes.
 *
 * Opening costs what a loop of commands to LUN 0 needs and no more (as
 * sg_turs): the node, SG_GET_VERSION_NUM, and the block queue's limits read
 * through /sys/dev (the largest transfer). The SCSI device's own sysfs
 * directory (symlinks resolved: a dozen lookups) is found on first use, by
 * a command to another LUN, the LUN count or an explanation; the sg
 * driver's reserved buffer is sized by the first command whose data stage
 * exceeds the driver's default. A command to LUN 0 then costs one SG_IO.
 *
 * What the kernel allows (checked against drivers/scsi/sg.c and
 * scsi_ioctl.c): an sg node opened read-write passes every opcode; an sg
 * node opened read-only, and a block node, pass only the opcodes the kernel
 * deems safe (plus, on a writable block node, its write list) unless the
 * process has CAP_SYS_RAWIO. WRITE BUFFER and vendor opcodes are never on
 * those lists. */
#include "os_backend.h"
#include "usbmsc_os.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>   /* BLKSECTGET */
#include <scsi/sg.h>

/* When neither sysfs nor the driver says: a size every SCSI host takes. */
#define SGIO_FALLBACK_MAX_TRANSFER (64u * 1024u)
#define SGIO_MAX_LUNS (USBMSC_MAX_LUN + 1u)

/* The sg driver's reserved buffer when nobody sized it (its module
 * parameter def_reserved_size, 32 KiB unless changed). */
#define SG_DEFAULT_RESERVE (32u * 1024u)

struct sgio_node {
	int fd;                  /* -1: not open */
	bool writable;
	bool reserve_sized;      /* sg: SG_SET_RESERVED_SIZE done */
	char path[PATH_MAX];
};

struct usbmsc_os_pt {
	uint32_t max_transfer;
	bool block;              /* a block node (sd), not an sg node */
	unsigned major, minor;   /* the node's numbers, for sysfs */
	/* The SCSI device's sysfs directory, found on first use */
	bool scsi_dir_looked, have_scsi_dir;
	char scsi_dir[PATH_MAX]; /* .../h:c:t:l in sysfs */
	uint64_t own_lun;        /* l of that h:c:t:l */
	struct sgio_node main;
	struct sgio_node luns[SGIO_MAX_LUNS];  /* 1..15: siblings, on first use */
};

/* The sg driver stages every command's data in a per-descriptor buffer of
 * 32 KiB by default and allocates a fresh one for each larger command; sized
 * to the largest transfer once, it is reused (as sg_dd does). Done before
 * the first command that needs it, so that commands without data (a TEST
 * UNIT READY loop) never pay for it. Block nodes use the caller's buffer
 * and need nothing. Best effort: on failure the driver still works, only
 * slower. */
static void size_sg_buffer(const struct usbmsc_os_pt *s, struct sgio_node *n, uint32_t len)
{
	int want = s->max_transfer > (uint32_t)INT_MAX ? INT_MAX : (int)s->max_transfer;

	if (s->block || n->reserve_sized || len <= SG_DEFAULT_RESERVE)
		return;
	n->reserve_sized = true;
	(void)ioctl(n->fd, SG_SET_RESERVED_SIZE, &want);
}

/* The SCSI device's sysfs directory and its LUN, looked up once;
 * *partition (may be NULL) tells a block node that is a partition. */
static bool find_scsi_dir(struct usbmsc_os_pt *s, bool *partition)
{
	unsigned h, c, t;
	bool part = false;

	if (!s->scsi_dir_looked) {
		s->scsi_dir_looked = true;
		s->have_scsi_dir = usbmsc_os_scsi_dir_of_node(NULL, s->block, s->major, s->minor,
							      s->scsi_dir, sizeof s->scsi_dir,
							      &part) &&
				   usbmsc_os_parse_hctl(strrchr(s->scsi_dir, '/') + 1, &h, &c, &t,
							&s->own_lun);
	}
	if (partition)
		*partition = part;
	return s->have_scsi_dir;
}

/* Open read-write if we may, else read-only: reading needs no more, and
 * the kernel's opcode filter then explains what is refused. O_NONBLOCK
 * lets a removable disk without a medium be opened at all. */
static int open_node(const char *path, struct sgio_node *n, struct usbmsc_error *err)
{
	int e;

	snprintf(n->path, sizeof n->path, "%s", path);
	n->writable = true;
	n->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS)) {
		n->writable = false;
		n->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	}
	if (n->fd >= 0)
		return 0;
	e = errno;
	switch (e) {
	case EACCES:
	case EPERM:
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "permission denied on %s: run as root, or give your user access "
				   "to it (a udev rule, or membership of the group that owns it)",
				   path);
	case ENOENT:
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "%s: no such device node", path);
	case ENODEV:
	case ENXIO:
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "%s: no such device (%s)", path,
				   strerror(e));
	case EBUSY:
		return usbmsc_fail(err, USBMSC_E_BUSY, "%s is opened exclusively by another program",
				   path);
	default:
		return usbmsc_fail(err, USBMSC_E_OTHER, "cannot open %s: %s", path, strerror(e));
	}
}

static void close_node(struct sgio_node *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

/* The node of LUN lun > 0 not opened yet: the opened one when it is that
 * LUN's, else its sibling, opened now. Apart from node_for_lun, so that
 * the path of every command keeps a small stack frame. */
static int __attribute__((noinline)) open_lun_node(struct usbmsc_os_pt *s, uint8_t lun,
						   const struct usbmsc_trace *trace,
						   struct sgio_node **out, struct usbmsc_error *err)
{
	char dir[PATH_MAX], sg[NAME_MAX + 1], blk[NAME_MAX + 1], path[PATH_MAX];
	struct sgio_node *n = &s->luns[lun];
	const char *name;
	int rc;

	if (find_scsi_dir(s, NULL) && lun == s->own_lun) {
		*out = &s->main;
		return 0;
	}
	if (!s->have_scsi_dir || !usbmsc_os_scsi_sibling(s->scsi_dir, lun, dir, sizeof dir))
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE,
				   "LUN %u: the kernel has no SCSI device for it next to %s",
				   lun, s->main.path);
	usbmsc_os_scsi_nodes(dir, sg, sizeof sg, blk, sizeof blk);
	name = (s->block && blk[0]) || !sg[0] ? blk : sg;
	if (!name[0])
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE, "LUN %u: no sg or block node for it", lun);
	snprintf(path, sizeof path, "/dev/%s", name);
	rc = open_node(path, n, err);
	if (rc != 0)
		return rc;
	usbmsc_trace_emit(trace, USBMSC_TRACE_NOTE, NULL, 0,
			  "sgio: LUN %u is %s%s", lun, path, n->writable ? "" : " (read-only)");
	*out = n;
	return 0;
}

/* The node of LUN lun: the opened one for LUN 0 (and for its own LUN),
 * else its sibling, opened on first use. */
static int node_for_lun(struct usbmsc_os_pt *s, uint8_t lun, const struct usbmsc_trace *trace,
			struct sgio_node **out, struct usbmsc_error *err)
{
	if (lun == 0) {
		*out = &s->main;
		return 0;
	}
	if (s->luns[lun].fd >= 0) {
		*out = &s->luns[lun];
		return 0;
	}
	return open_lun_node(s, lun, trace, out, err);
}

/* EPERM from SG_IO: the kernel's opcode filter refused the command. Say
 * which rule applied and every way around it. */
static int explain_eperm(struct usbmsc_os_pt *s, const struct sgio_node *n,
			 uint8_t opcode, struct usbmsc_error *err)
{
	char sg[NAME_MAX + 1] = "", blk[NAME_MAX + 1];

	if (!n->writable && !s->block)
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "opcode 0x%02x refused: %s is open read-only, which passes only "
				   "the commands the kernel deems safe; give your user write access "
				   "to it, or run as root (CAP_SYS_RAWIO)", opcode, n->path);
	if (s->block && find_scsi_dir(s, NULL))
		usbmsc_os_scsi_nodes(s->scsi_dir, sg, sizeof sg, blk, sizeof blk);
	if (sg[0])
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "opcode 0x%02x through SG_IO on %s needs CAP_SYS_RAWIO: run as "
				   "root or `setcap cap_sys_rawio+ep` the program, or use /dev/%s "
				   "read-write, usbv: (vendor interface) or usb: (raw BOT, after "
				   "unmounting)", opcode, n->path, sg);
	return usbmsc_fail(err, USBMSC_E_ACCESS,
			   "opcode 0x%02x through SG_IO on %s needs CAP_SYS_RAWIO: run as root "
			   "or `setcap cap_sys_rawio+ep` the program, or use usbv: (the device's "
			   "vendor interface, if it has one) or usb: (raw BOT, after unmounting)",
			   opcode, n->path);
}

int usbmsc_linux_pt_exec(struct usbmsc_os_pt *s, const struct usbmsc_cmd *cmd,
			 unsigned timeout_ms, const struct usbmsc_trace *trace,
			 struct usbmsc_result *res, struct usbmsc_error *err)
{
	struct usbmsc_sgio_reply reply;
	struct sg_io_hdr h;
	struct sgio_node *n;
	uint8_t cdb[16];
	int rc;

	if (cmd->cdb_len < 6 || cmd->cdb_len > 16)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "SG_IO takes CDBs of 6 to 16 bytes, not %u", cmd->cdb_len);
	rc = node_for_lun(s, cmd->lun, trace, &n, err);
	if (rc != 0)
		return rc;
	size_sg_buffer(s, n, cmd->len);

	memcpy(cdb, cmd->cdb, cmd->cdb_len);   /* sg_io_hdr's cmdp is not const */
	memset(&h, 0, sizeof h);
	h.interface_id = 'S';
	h.dxfer_direction = cmd->len == 0 ? SG_DXFER_NONE
			    : cmd->dir == USBMSC_DIR_IN ? SG_DXFER_FROM_DEV : SG_DXFER_TO_DEV;
	h.cmd_len = cmd->cdb_len;
	h.cmdp = cdb;
	h.dxfer_len = cmd->len;
	h.dxferp = cmd->len ? cmd->data : NULL;
	h.mx_sb_len = USBMSC_SENSE_MAX;
	h.sbp = res->sense;
	h.timeout = timeout_ms;

	memset(&reply, 0, sizeof reply);
	reply.dxfer_len = cmd->len;
	if (ioctl(n->fd, SG_IO, &h) < 0) {
		reply.ioctl_errno = errno;
		if (reply.ioctl_errno == EPERM) {
			res->residue = cmd->len;
			return explain_eperm(s, n, cdb[0], err);
		}
	} else {
		reply.status = h.status ? h.status : (uint8_t)(h.masked_status << 1);
		reply.host_status = h.host_status;
		reply.driver_status = h.driver_status;
		reply.sb_len_wr = h.sb_len_wr;
		reply.resid = h.resid;
	}
	rc = usbmsc_sgio_map(&reply, res, err);
	if (rc != 0 && reply.ioctl_errno != 0 && cmd->len > s->max_transfer) {
		size_t used = strlen(err->msg);

		snprintf(err->msg + used, sizeof err->msg - used,
			 " (%u bytes exceed this path's limit of %u)", cmd->len, s->max_transfer);
	}
	return rc;
}

bool usbmsc_linux_pt_max_lun(struct usbmsc_os_pt *s, uint8_t *max_lun)
{
	uint64_t lun = 0;

	*max_lun = 0;
	if (!find_scsi_dir(s, NULL) || !usbmsc_os_scsi_max_lun(s->scsi_dir, &lun))
		return false;
	*max_lun = (uint8_t)(lun > USBMSC_MAX_LUN ? USBMSC_MAX_LUN : lun);
	return true;
}

int usbmsc_linux_pt_reset(struct usbmsc_os_pt *s, const struct usbmsc_trace *trace,
			  struct usbmsc_error *err)
{
	int what = SG_SCSI_RESET_DEVICE;

	if (ioctl(s->main.fd, SG_SCSI_RESET, &what) == 0) {
		usbmsc_trace_emit(trace, USBMSC_TRACE_NOTE, NULL, 0,
				  "sgio: the kernel reset the device");
		return 0;
	}
	if (errno == EACCES || errno == EPERM)
		return usbmsc_fail(err, USBMSC_E_ACCESS,
				   "a device reset through %s needs CAP_SYS_ADMIN (run as root)",
				   s->main.path);
	return usbmsc_fail(err, errno == ENODEV ? USBMSC_E_NO_DEVICE : USBMSC_E_TRANSPORT,
			   "device reset through %s failed: %s", s->main.path, strerror(errno));
}

void usbmsc_linux_pt_close(struct usbmsc_os_pt *s)
{
	size_t i;

	if (!s)
		return;
	close_node(&s->main);
	for (i = 0; i < SGIO_MAX_LUNS; i++)
		close_node(&s->luns[i]);
	free(s);
}

/* The largest data stage: the block queue's limits from sysfs (through
 * /sys/dev's link, nothing resolved), else what the driver answers, else a
 * size every host takes. */
static uint32_t find_max_transfer(const struct usbmsc_os_pt *s, const char **source)
{
	char dev[PATH_MAX];
	uint32_t limit = usbmsc_os_node_device_path(NULL, s->block, s->major, s->minor, dev,
						    sizeof dev)
			 ? usbmsc_os_scsi_max_transfer(dev) : 0;
	int bytes = 0, segments = 0;
	unsigned short sectors = 0;
	long page = sysconf(_SC_PAGESIZE);

	*source = "block queue limits";
	if (limit)
		return limit;
	*source = "driver limits";
	if (s->block) {
		if (ioctl(s->main.fd, BLKSECTGET, &sectors) == 0 && sectors > 0)
			limit = (uint32_t)sectors * 512u;
	} else {
		/* sg answers BLKSECTGET in bytes, and its table size in segments. */
		if (ioctl(s->main.fd, BLKSECTGET, &bytes) == 0 && bytes > 0)
			limit = (uint32_t)bytes;
		if (ioctl(s->main.fd, SG_GET_SG_TABLESIZE, &segments) == 0 && segments > 0 &&
		    page > 0 && (uint64_t)segments * (uint64_t)page < (uint64_t)limit)
			limit = (uint32_t)segments * (uint32_t)page;
	}
	if (limit)
		return limit;
	*source = "default";
	return SGIO_FALLBACK_MAX_TRANSFER;
}

/* Check that fd is a SCSI device node that takes SG_IO (a block node: a
 * whole disk). */
static int identify(struct usbmsc_os_pt *s, const char *node, struct usbmsc_error *err)
{
	struct stat st;
	int version = 0;
	bool partition = false;

	if (fstat(s->main.fd, &st) != 0)
		return usbmsc_fail(err, USBMSC_E_OTHER, "%s: %s", node, strerror(errno));
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "%s is not a device node (SG_IO needs /dev/sgN or /dev/sdX)", node);
	s->block = S_ISBLK(st.st_mode);
	s->major = major(st.st_rdev);
	s->minor = minor(st.st_rdev);
	if (s->block)
		find_scsi_dir(s, &partition);
	if (partition)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "%s is a partition: SG_IO goes to the whole disk's node", node);
	if (ioctl(s->main.fd, SG_GET_VERSION_NUM, &version) != 0)
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "%s is not a SCSI device (it does not take SG_IO)", node);
	return 0;
}

/* A path that names something other than a device node is a wrong URI
 * (exit 1), found before anything is opened; a missing one may be a device
 * that went away (open says so). */
static int check_kind(const char *node, struct usbmsc_error *err)
{
	struct stat st;

	if (stat(node, &st) != 0 || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return 0;
	if (S_ISDIR(st.st_mode))
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "%s is not a device node but a directory (SG_IO needs /dev/sgN or "
				   "/dev/sdX)", node);
	if (S_ISREG(st.st_mode))
		return usbmsc_fail(err, USBMSC_E_USAGE,
				   "%s is not a device node but a file (SG_IO needs /dev/sgN or "
				   "/dev/sdX; a disk image is 'sim:%s')", node, node);
	return usbmsc_fail(err, USBMSC_E_USAGE,
			   "%s is not a device node (SG_IO needs /dev/sgN or /dev/sdX)", node);
}

int usbmsc_linux_pt_open(const char *node, const struct usbmsc_trace *trace,
			 struct usbmsc_os_pt **out, uint32_t *max_transfer, struct usbmsc_error *err)
{
	struct usbmsc_os_pt *s;
	const char *source;
	size_t i;
	int rc;

	*out = NULL;
	rc = check_kind(node, err);
	if (rc != 0)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	s->main.fd = -1;
	for (i = 0; i < SGIO_MAX_LUNS; i++)
		s->luns[i].fd = -1;

	rc = open_node(node, &s->main, err);
	if (rc == 0)
		rc = identify(s, node, err);
	if (rc != 0) {
		usbmsc_linux_pt_close(s);
		return rc;
	}
	s->max_transfer = find_max_transfer(s, &source);
	if (trace && trace->fn)
		find_scsi_dir(s, NULL);   /* for the note only */
	usbmsc_trace_emit(trace, USBMSC_TRACE_NOTE, NULL, 0,
			  "sgio: %s%s%s, %s; max transfer %u bytes (%s)", node,
			  s->have_scsi_dir ? " is SCSI device " : "",
			  s->have_scsi_dir ? strrchr(s->scsi_dir, '/') + 1 : "",
			  s->main.writable ? "read-write" : "read-only", s->max_transfer,
			  source);
	*max_transfer = s->max_transfer;
	*out = s;
	return 0;
}
