/* The virtual device's firmware: the target's A/B firmware engine
 * (fwengine.h) on a flash kept in PATH.fw beside the disk image, with
 * libsodium for SHA-256 and Ed25519, and REPORT SUPPORTED OPERATION CODES
 * for the WRITE BUFFER modes. docs/SIM.md ("Firmware") tells the rules.
 *
 * PATH.fw is slot A, slot B, then two 4 KiB state sectors. It is stored
 * inverted (each byte XOR 0xFF), so that a hole in the sparse file reads as
 * erased flash (0xFF) and an erase punches a hole: a 16 MiB slot costs only
 * what was written.
 *
 * Opening the device is a power-on: the engine boots (usbmsc_fw_boot), so
 * an image on trial that booted before and was not confirmed reverts now,
 * and a deferred image keeps waiting for mode 0x0F (USBMSC_FW_KEEP_DEFERRED:
 * each usbmsc invocation opens the device again, which must not activate
 * it). Activation reboots in place: the engine boots again, INQUIRY's
 * revision follows it, and the target raises 06/3F/01; with fw-reboot=
 * disconnect the device goes away after the CSW instead and the new image
 * boots at the next open. */
#define _GNU_SOURCE /* fallocate */
#include "../common/fdio.h"
#include "sim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usbmsc/byteorder.h"
#include "usbmsc/fwengine.h"
#include "usbmsc/fwsign.h"
#include "usbmsc_config.h"

#if USBMSC_HAVE_SODIUM
#include <sodium.h>
#endif

#define FW_SECTOR 4096u
#define FW_WRITE_UNIT 8u
#define FW_OFFSET_SHIFT 12u          /* chunks on 4 KiB boundaries */
#define FW_FACTORY_VERSION "0100"
#define FW_FACTORY_NUMBER 1u
#define FW_VID 0x1209u               /* pid.codes */
#define FW_PID 0x0001u               /* pid.codes test PID */
#define FW_HW_REV 1u
#define FW_INVERT_CHUNK 4096u
#define OP_RSOC USBMSC_OP_MAINTENANCE_IN
#define RSOC_MAX 32u

/* data/demo-fw-public.key, compiled in: the key the device trusts unless
 * fw-pubkey=FILE names another. */
static const uint8_t demo_public_key[USBMSC_FW_PUBKEY_LEN] = {
	0xad, 0x99, 0x09, 0xe1, 0x31, 0x94, 0x0b, 0x1a, 0x7a, 0xb9, 0x9c, 0x35, 0x66, 0xf1, 0x00, 0xca,
	0x37, 0x72, 0x2b, 0x60, 0x2e, 0x9e, 0x2b, 0x8e, 0x63, 0x33, 0x1e, 0x23, 0xbb, 0x10, 0x69, 0x15,
};

#if USBMSC_HAVE_SODIUM

#define SIM_VENDOR_CMDS 4u
#define TABLE_LEN (SIM_VENDOR_CMDS + USBMSC_FW_CMD_COUNT + 1u)

struct sim_fw {
	char *path;
	int fd;
	struct usbmsc_fw_engine engine;
	struct usbmsc_fw_config cfg;
	uint8_t pubkey[USBMSC_FW_PUBKEY_LEN];
	uint8_t work[FW_SECTOR];
	crypto_hash_sha256_state sha;
	struct usbmsc_vendor_cmd table[TABLE_LEN];
	bool unplug_after_csw;
	uint8_t rsoc[RSOC_MAX];          /* the REPORT SUPPORTED OPERATION CODES answer */
	uint32_t rsoc_len;
};

/* ---- flash in PATH.fw ------------------------------------------------------ */

static void invert(uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		p[i] ^= 0xFFu;
}

static bool flash_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len)
{
	struct sim_fw *fw = ctx;

	if (usbmsc_pread_full(fw->fd, buf, len, (off_t)addr) != (ssize_t)len)
		return false;
	invert(buf, len);
	return true;
}

static bool flash_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	struct sim_fw *fw = ctx;
	uint8_t tmp[FW_INVERT_CHUNK];

	while (len > 0) {
		uint32_t n = len < sizeof tmp ? len : (uint32_t)sizeof tmp;
		memcpy(tmp, buf, n);
		invert(tmp, n);
		if (pwrite(fw->fd, tmp, n, (off_t)addr) != (ssize_t)n)
			return false;
		addr += n;
		buf += n;
		len -= n;
	}
	return true;
}

/* An erased sector is zeros in the file: a hole where the file system can. */
static bool flash_erase(void *ctx, uint32_t addr)
{
	static const uint8_t zeros[FW_SECTOR];
	struct sim_fw *fw = ctx;

	if (fallocate(fw->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)addr, FW_SECTOR) == 0)
		return true;
	return pwrite(fw->fd, zeros, FW_SECTOR, (off_t)addr) == (ssize_t)FW_SECTOR;
}

/* ---- crypto ------------------------------------------------------------------ */

static void sha_init(void *state)
{
	crypto_hash_sha256_init(state);
}

static void sha_update(void *state, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_update(state, data, len);
}

static void sha_final(void *state, uint8_t out[USBMSC_FW_SHA256_LEN])
{
	crypto_hash_sha256_final(state, out);
}

static bool ed25519_verify(const uint8_t sig[USBMSC_FW_SIG_LEN], const uint8_t *msg,
			   size_t msg_len, const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN])
{
	return crypto_sign_verify_detached(sig, msg, msg_len, pubkey) == 0;
}

/* ---- activation ------------------------------------------------------------------ */

/* The new image must start: reboot in place (the engine boots it on trial),
 * or go away once the CSW is out and boot it at the next open. */
static void on_activate(void *ctx, uint8_t slot)
{
	struct usbmsc_sim *sim = ctx;
	struct sim_fw *fw = sim->fw;

	(void)slot;
	if (sim->opt.fw_unplug)
		fw->unplug_after_csw = true;
	else
		usbmsc_fw_boot(&fw->engine, &fw->cfg);
}

void sim_fw_csw_sent(struct usbmsc_sim *sim)
{
	if (sim->fw && sim->fw->unplug_after_csw) {
		sim->fw->unplug_after_csw = false;
		sim->fs.disconnected = true;
	}
}

/* ---- the engine's commands, with the sim as their context ------------------------- */

static struct usbmsc_fw_engine *engine_of(void *ctx)
{
	return &((struct usbmsc_sim *)ctx)->fw->engine;
}

static usbmsc_sense_t fw_begin(unsigned i, void *ctx, uint8_t lun, const uint8_t *cdb,
			       uint32_t *len)
{
	return usbmsc_fw_cmds[i].begin(engine_of(ctx), lun, cdb, len);
}

static usbmsc_sense_t fw_data(unsigned i, void *ctx, uint8_t lun, const uint8_t *cdb,
			      uint32_t offset, uint8_t *buf, uint32_t len)
{
	return usbmsc_fw_cmds[i].data(engine_of(ctx), lun, cdb, offset, buf, len);
}

static usbmsc_sense_t fw_end(unsigned i, void *ctx, uint8_t lun, const uint8_t *cdb)
{
	return usbmsc_fw_cmds[i].end(engine_of(ctx), lun, cdb);
}

/* One set of forwarders per entry of usbmsc_fw_cmds (WRITE BUFFER, READ
 * BUFFER, FW STATE, FW CONFIRM, in that order). */
#define FORWARD(i)                                                                          \
	static usbmsc_sense_t begin##i(void *ctx, uint8_t lun, const uint8_t *cdb,          \
				       uint32_t *len)                                      \
	{                                                                                   \
		return fw_begin(i, ctx, lun, cdb, len);                                     \
	}                                                                                   \
	static usbmsc_sense_t data##i(void *ctx, uint8_t lun, const uint8_t *cdb,           \
				      uint32_t offset, uint8_t *buf, uint32_t len)          \
	{                                                                                   \
		return fw_data(i, ctx, lun, cdb, offset, buf, len);                         \
	}                                                                                   \
	static usbmsc_sense_t end##i(void *ctx, uint8_t lun, const uint8_t *cdb)            \
	{                                                                                   \
		return fw_end(i, ctx, lun, cdb);                                            \
	}
FORWARD(0)
FORWARD(1)
FORWARD(2)
FORWARD(3)

static void forwarders(struct usbmsc_vendor_cmd *out)
{
	static usbmsc_sense_t (*const begins[])(void *, uint8_t, const uint8_t *, uint32_t *) = {
		begin0, begin1, begin2, begin3 };
	static usbmsc_sense_t (*const datas[])(void *, uint8_t, const uint8_t *, uint32_t,
					       uint8_t *, uint32_t) = { data0, data1, data2, data3 };
	static usbmsc_sense_t (*const ends[])(void *, uint8_t, const uint8_t *) = {
		end0, end1, end2, end3 };

	for (unsigned i = 0; i < USBMSC_FW_CMD_COUNT; i++) {
		out[i] = usbmsc_fw_cmds[i];
		out[i].begin = begins[i];
		out[i].data = usbmsc_fw_cmds[i].data ? datas[i] : NULL;
		out[i].end = usbmsc_fw_cmds[i].end ? ends[i] : NULL;
	}
}

/* ---- REPORT SUPPORTED OPERATION CODES (0xA3 / 0x0C) ---------------------------------
 * One-command forms only (reporting options 1 and 2), as hosts ask before a
 * firmware download. WRITE BUFFER's and READ BUFFER's modes are service
 * actions (SPC-5); the vendor commands have none. */

#define RSOC_SA 0x0Cu
#define SUPPORT_NONE 0x01u        /* not supported */
#define SUPPORT_STANDARD 0x03u    /* supported as the standard says */
#define SUPPORT_UNKNOWN 0x00u     /* no data about it */

static bool buffer_mode_served(uint8_t opcode, uint16_t mode)
{
	if (opcode == USBMSC_OP_WRITE_BUFFER)
		return mode == 0x05 || mode == 0x07 || mode == 0x0E || mode == 0x0F;
	return mode == 0x02 || mode == 0x03;
}

static bool vendor_opcode(uint8_t opcode)
{
	return opcode == USBMSC_OP_FW_STATE || opcode == USBMSC_OP_FW_CONFIRM ||
	       (opcode >= USBMSC_SIM_OP_DEVICE_INFO && opcode <= USBMSC_SIM_OP_ECHO_READ);
}

/* The answer: 4 header bytes, then the CDB usage map (bits the device looks at). */
static void rsoc_answer(struct sim_fw *fw, uint8_t support, uint8_t opcode, uint8_t mode)
{
	uint8_t *a = fw->rsoc, *map = a + 4;
	uint8_t n = opcode == USBMSC_OP_WRITE_BUFFER || opcode == USBMSC_OP_READ_BUFFER ? 10 : 6;

	memset(a, 0, RSOC_MAX);
	a[1] = support;
	fw->rsoc_len = 4;
	if (support != SUPPORT_STANDARD)
		return;
	usbmsc_put_be16(a + 2, n);
	map[0] = opcode;
	if (n == 10) {
		map[1] = (uint8_t)(mode & 0x1Fu);  /* the mode only; mode specific 0 */
		memset(map + 3, 0xFF, 6);           /* offset, length */
	} else {
		memset(map + 3, 0xFF, 2);           /* allocation length */
	}
	fw->rsoc_len = 4u + n;
}

static usbmsc_sense_t rsoc_begin(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t *len)
{
	struct sim_fw *fw = ((struct usbmsc_sim *)ctx)->fw;
	uint8_t options = cdb[2] & 0x07u, opcode = cdb[3];
	uint16_t sa = usbmsc_get_be16(cdb + 4);
	bool buffer = opcode == USBMSC_OP_WRITE_BUFFER || opcode == USBMSC_OP_READ_BUFFER;
	uint32_t alloc = usbmsc_get_be32(cdb + 6);

	(void)lun;
	/* Other MAINTENANCE IN service actions, timeout descriptors, the
	 * all-commands form: not served. */
	if ((cdb[1] & 0x1Fu) != RSOC_SA || (cdb[1] & 0xE0u) || (cdb[2] & 0xF8u) || cdb[10] ||
	    cdb[11] || (options != 1 && options != 2))
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	/* Form 1 is for commands without service actions, form 2 for those with. */
	if ((options == 1) == buffer)
		return USBMSC_SENSE_INVALID_CDB_FIELD;
	if (options == 2)
		rsoc_answer(fw, buffer_mode_served(opcode, sa) ? SUPPORT_STANDARD : SUPPORT_NONE,
			    opcode, (uint8_t)sa);
	else
		rsoc_answer(fw, vendor_opcode(opcode) ? SUPPORT_STANDARD : SUPPORT_UNKNOWN, opcode,
			    0);
	*len = alloc < fw->rsoc_len ? alloc : fw->rsoc_len;
	return USBMSC_SENSE_OK;
}

static usbmsc_sense_t rsoc_data(void *ctx, uint8_t lun, const uint8_t *cdb, uint32_t offset,
				uint8_t *buf, uint32_t len)
{
	struct sim_fw *fw = ((struct usbmsc_sim *)ctx)->fw;

	(void)lun;
	(void)cdb;
	memcpy(buf, fw->rsoc + offset, len);
	return USBMSC_SENSE_OK;
}

void sim_fw_vendor_table(struct usbmsc_sim *sim, struct usbmsc_vendor_table *vt)
{
	struct sim_fw *fw = sim->fw;
	uint8_t n = vt->count < SIM_VENDOR_CMDS ? vt->count : (uint8_t)SIM_VENDOR_CMDS;

	if (!fw)
		return;
	memcpy(fw->table, vt->cmds, n * sizeof fw->table[0]);
	forwarders(fw->table + n);
	fw->table[n + USBMSC_FW_CMD_COUNT] = (struct usbmsc_vendor_cmd){
		OP_RSOC, USBMSC_DIR_IN, 12, rsoc_begin, rsoc_data, NULL, NULL };
	vt->cmds = fw->table;
	vt->count = (uint8_t)(n + USBMSC_FW_CMD_COUNT + 1u);
	vt->ctx = sim;
}

const char *sim_fw_revision(const struct usbmsc_sim *sim)
{
	return sim->fw ? usbmsc_fw_running_version(&sim->fw->engine) : SIM_REVISION;
}

/* ---- PATH.fw ----------------------------------------------------------------------- */

static uint64_t fw_file_size(uint32_t slot)
{
	return 2ull * slot + 2ull * FW_SECTOR;
}

/* Open PATH.fw, or create it sparse; its size fixes the slot size. A flash
 * the process may not write (a read-only directory or file) leaves fd at
 * -1: the device then has no firmware engine, rather than no device. */
static int open_flash(struct sim_fw *fw, const struct sim_options *o, bool *created,
		      uint32_t *slot, struct usbmsc_error *err)
{
	struct stat st;
	uint64_t want;

	*created = false;
	fw->fd = open(fw->path, O_RDWR | O_CLOEXEC);
	if (fw->fd < 0 && errno == ENOENT) {
		fw->fd = open(fw->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		*created = fw->fd >= 0;
	}
	if (fw->fd < 0 && (errno == EACCES || errno == EROFS || errno == EPERM))
		return USBMSC_OK;
	if (fw->fd < 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot open the firmware flash %s: %s",
				   fw->path, strerror(errno));
	if (*created) {
		*slot = o->fw_slot;
		if (ftruncate(fw->fd, (off_t)fw_file_size(*slot)) != 0)
			return usbmsc_fail(err, USBMSC_E_FILE, "cannot size %s: %s", fw->path,
					   strerror(errno));
		return USBMSC_OK;
	}
	if (fstat(fw->fd, &st) != 0)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s: %s", fw->path, strerror(errno));
	want = (uint64_t)st.st_size;
	*slot = (uint32_t)((want - 2u * FW_SECTOR) / 2u);
	if (want < fw_file_size(SIM_FW_SLOT_MIN) || want > fw_file_size(SIM_FW_SLOT_MAX) ||
	    fw_file_size(*slot) != want || *slot % FW_SECTOR)
		return usbmsc_fail(err, USBMSC_E_FILE, "%s is not a firmware flash of this virtual "
				   "device (%llu bytes)", fw->path, (unsigned long long)want);
	if (o->fw_slot_set && o->fw_slot != *slot)
		return usbmsc_fail(err, USBMSC_E_USAGE, "sim option fw-slot=%u: %s already has "
				   "%u-byte slots (fw-slot applies when it is created)", o->fw_slot,
				   fw->path, *slot);
	return USBMSC_OK;
}

static void configure(struct usbmsc_sim *sim, struct sim_fw *fw, uint32_t slot)
{
	struct usbmsc_fw_config *c = &fw->cfg;

	memset(c, 0, sizeof *c);
	c->flash = (struct usbmsc_fw_flash){ flash_read, flash_program, flash_erase, fw, FW_SECTOR,
					     FW_WRITE_UNIT };
	c->slot_addr[0] = 0;
	c->slot_addr[1] = slot;
	c->slot_size = slot;
	c->state_addr[0] = 2u * slot;
	c->state_addr[1] = 2u * slot + FW_SECTOR;
	c->offset_shift = FW_OFFSET_SHIFT;
	/* Opening the device is a power-on, so a deferred image must wait for
	 * 0x0F; the simulator can afford to re-hash the image at every boot. */
	c->flags = USBMSC_FW_KEEP_DEFERRED | USBMSC_FW_CHECK_AT_BOOT;
	c->crypto = (struct usbmsc_fw_crypto){ sha_init, sha_update, sha_final, &fw->sha,
					       ed25519_verify, fw->pubkey };
	c->identity = (struct usbmsc_fw_identity){ FW_VID, FW_PID, SIM_VENDOR, SIM_PRODUCT,
						   FW_HW_REV };
	c->work = fw->work;
	c->work_size = sizeof fw->work;
	c->activate = on_activate;
	c->activate_ctx = sim;
	c->target = &sim->target;
}

/* Power-on: boot; a flash just created gets the factory image first. */
static int boot(struct sim_fw *fw, bool created, struct usbmsc_error *err)
{
	int r = usbmsc_fw_boot(&fw->engine, &fw->cfg);

	if (r == USBMSC_FW_BOOT_CONFIG)
		return usbmsc_fail(err, USBMSC_E_OTHER, "the firmware engine refused the "
				   "virtual device's flash layout");
	if (r == USBMSC_FW_BOOT_NONE && created &&
	    !usbmsc_fw_factory_init(&fw->engine, FW_FACTORY_VERSION, FW_FACTORY_NUMBER))
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot write the factory image to %s",
				   fw->path);
	return USBMSC_OK;
}

int sim_fw_open(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err)
{
	struct sim_fw *fw;
	bool created = false;
	uint32_t slot = 0;
	int r;

	if (sodium_init() < 0)
		return usbmsc_fail(err, USBMSC_E_OTHER, "libsodium could not initialise");
	fw = calloc(1, sizeof *fw);
	if (!fw)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	fw->fd = -1;
	sim->fw = fw;
	fw->path = malloc(strlen(path) + 4);
	if (!fw->path)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	strcpy(fw->path, path);
	strcat(fw->path, ".fw");
	memcpy(fw->pubkey, demo_public_key, sizeof fw->pubkey);
	if (sim->opt.fw_pubkey[0]) {
		r = usbmsc_fw_load_public_key(sim->opt.fw_pubkey, fw->pubkey, err);
		if (r != USBMSC_OK)
			return r;
	}
	r = open_flash(fw, &sim->opt, &created, &slot, err);
	if (r == USBMSC_OK && fw->fd < 0) {
		sim_fw_close(sim);
		return USBMSC_OK;
	}
	if (r == USBMSC_OK) {
		configure(sim, fw, slot);
		r = boot(fw, created, err);
	}
	if (r != USBMSC_OK && created)
		unlink(fw->path);
	return r;
}

void sim_fw_close(struct usbmsc_sim *sim)
{
	struct sim_fw *fw = sim->fw;

	if (!fw)
		return;
	if (fw->fd >= 0)
		close(fw->fd);
	free(fw->path);
	free(fw);
	sim->fw = NULL;
}

#else /* without libsodium the virtual device has no firmware engine */

int sim_fw_open(struct usbmsc_sim *sim, const char *path, struct usbmsc_error *err)
{
	(void)path;
	(void)err;
	(void)demo_public_key;
	sim->fw = NULL;
	return USBMSC_OK;
}

void sim_fw_close(struct usbmsc_sim *sim)
{
	(void)sim;
}

void sim_fw_vendor_table(struct usbmsc_sim *sim, struct usbmsc_vendor_table *vt)
{
	(void)sim;
	(void)vt;
}

const char *sim_fw_revision(const struct usbmsc_sim *sim)
{
	(void)sim;
	return SIM_REVISION;
}

void sim_fw_csw_sent(struct usbmsc_sim *sim)
{
	(void)sim;
}

#endif
