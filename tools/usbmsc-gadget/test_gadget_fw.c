/* The gadget's firmware plumbing without USB: --fw-state's flash file, the
 * vendor table through which the host updates, INQUIRY's revision across
 * the reboot, the revert of an unconfirmed image at the next start, the
 * control LUN, the order of the flash file's held-back erases and
 * programs, when the reboot steps are due, and --file-door: a UF2 file
 * written to its LUN, the quiet time on the gadget's clock, the reboot,
 * the confirmation once the host talks to the new image. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/fwhost/fw_host.h"
#include "filedoor.h"
#include "reboot.h"
#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"
#include "usbmsc/doorstatus.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/fwuf2.h"
#include "usbmsc/scsi.h"
#include "vendor.h"

#define PAYLOAD_LEN (100u * 1024u + 77u)
#define PIECE (64u * 1024u)

static char dir[64];
static const char *demo_secret;   /* argv[1]: data/demo-fw-secret.key */

struct fx {
	struct gadget_opts o;
	struct gadget_vendor v;
	const struct usbmsc_vendor_table *vt;
	char err[512];
	char flash[128], pub[128], sec[128], payload[128];
};

static void path_in(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void default_opts(struct gadget_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->vid = 0x1209;
	o->pid = 0x0001;
	o->vendor = "usbmsc";
	o->product = "Gadget Disk";
	o->revision = "0.1";
	o->lun_count = 1;
	o->fw_slot = FWHOST_SLOT_DEFAULT;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t data[4096];
	FILE *p;

	snprintf(dir, sizeof(dir), "/tmp/test_gadget_fw.XXXXXX");
	if (f == NULL || mkdtemp(dir) == NULL)
		return -1;
	default_opts(&f->o);
	path_in(f->flash, sizeof(f->flash), "fw.flash");
	path_in(f->pub, sizeof(f->pub), "key.pub");
	path_in(f->sec, sizeof(f->sec), "key.sec");
	path_in(f->payload, sizeof(f->payload), "payload.bin");
	f->o.fw_state = f->flash;
	p = fopen(f->payload, "wb");
	if (p == NULL)
		return -1;
	for (unsigned i = 0; i < PAYLOAD_LEN; i += sizeof(data)) {
		for (unsigned j = 0; j < sizeof(data); j++)
			data[j] = (uint8_t)((i + j) * 131u >> 3);
		fwrite(data, 1, PAYLOAD_LEN - i < sizeof(data) ? PAYLOAD_LEN - i : sizeof(data), p);
	}
	fclose(p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	gadget_vendor_close(&f->v);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void start(struct fx *f)
{
	int rc = gadget_vendor_setup(&f->v, &f->o, NULL, f->err, sizeof(f->err));

	if (rc != 0)
		fail_msg("gadget_vendor_setup: %s", f->err);
	f->vt = gadget_vendor_table(&f->v);
	assert_non_null(f->vt);
}

/* A power cycle of the gadget: everything closed, then opened again. */
static void restart(struct fx *f)
{
	gadget_vendor_close(&f->v);
	start(f);
}

/* An image signed with secret, fitting the options' identity unless pid. */
static void pack(struct fx *f, const char *secret_path, const char *version, uint32_t number,
		 uint16_t pid, const char *name, char *out, size_t len)
{
	uint8_t secret[USBMSC_FW_SECRET_KEY_LEN];
	struct usbmsc_fw_header h;
	struct usbmsc_error err = { 0 };

	assert_int_equal(usbmsc_fw_load_secret_key(secret_path, secret, &err), 0);
	memset(&h, 0, sizeof(h));
	h.vid = f->o.vid;
	h.pid = pid;
	strcpy(h.vendor, f->o.vendor);
	strcpy(h.product, f->o.product);
	h.hw_rev_min = GADGET_FW_HW_REV;
	h.hw_rev_max = GADGET_FW_HW_REV;
	strcpy(h.version, version);
	h.version_number = number;
	path_in(out, len, name);
	if (usbmsc_fw_pack(f->payload, out, secret, &h, &err) != 0)
		fail_msg("pack: %s", err.msg);
}

static const struct usbmsc_vendor_cmd *cmd_of(const struct fx *f, uint8_t opcode)
{
	for (uint8_t i = 0; i < f->vt->count; i++) {
		if (f->vt->cmds[i].opcode == opcode)
			return &f->vt->cmds[i];
	}
	fail_msg("opcode %02x not in the table", opcode);
	return NULL;
}

static void *ctx_of(const struct fx *f, const struct usbmsc_vendor_cmd *c)
{
	return c->ctx != NULL ? c->ctx : f->vt->ctx;
}

/* One command through the table as the target core runs it: begin, the
 * data stage in pieces, end. Returns the first failure. */
static usbmsc_sense_t run(const struct fx *f, const uint8_t *cdb, uint8_t *data, uint32_t len)
{
	const struct usbmsc_vendor_cmd *c = cmd_of(f, cdb[0]);
	void *ctx = ctx_of(f, c);
	uint32_t want = 0;
	usbmsc_sense_t s = c->begin(ctx, 0, cdb, &want), e;

	if (s != USBMSC_SENSE_OK)
		return s;
	assert_true(want <= len);
	for (uint32_t off = 0; off < want && s == USBMSC_SENSE_OK; off += PIECE)
		s = c->data(ctx, 0, cdb, off, data + off, want - off < PIECE ? want - off : PIECE);
	e = c->end != NULL ? c->end(ctx, 0, cdb) : USBMSC_SENSE_OK;
	return s != USBMSC_SENSE_OK ? s : e;
}

/* WRITE BUFFER mode 0x05 with the whole image file. */
static usbmsc_sense_t write_image(const struct fx *f, const char *path)
{
	uint8_t cdb[10] = { USBMSC_OP_WRITE_BUFFER, 0x05 };
	struct stat st;
	uint8_t *img;
	FILE *p = fopen(path, "rb");
	usbmsc_sense_t s;

	assert_non_null(p);
	assert_int_equal(fstat(fileno(p), &st), 0);
	img = malloc((size_t)st.st_size);
	assert_non_null(img);
	assert_int_equal(fread(img, 1, (size_t)st.st_size, p), (size_t)st.st_size);
	fclose(p);
	usbmsc_put_be24(cdb + 6, (uint32_t)st.st_size);
	s = run(f, cdb, img, (uint32_t)st.st_size);
	free(img);
	return s;
}

static uint8_t fw_flags(const struct fx *f)
{
	uint8_t cdb[6] = { USBMSC_OP_FW_STATE, 0, 0, 0, USBMSC_FW_STATE_LEN, 0 };
	uint8_t st[USBMSC_FW_STATE_LEN];

	assert_int_equal(run(f, cdb, st, sizeof(st)), USBMSC_SENSE_OK);
	assert_memory_equal(st, USBMSC_FW_STATE_MAGIC, 4);
	assert_int_equal(usbmsc_get_be16(st + 72), f->o.vid);  /* the gadget's identity */
	assert_int_equal(usbmsc_get_be16(st + 74), f->o.pid);
	return st[6];
}

static void confirm(const struct fx *f)
{
	uint8_t cdb[6] = { USBMSC_OP_FW_CONFIRM };

	assert_int_equal(run(f, cdb, NULL, 0), USBMSC_SENSE_OK);
}

static void test_flash_created(void **state)
{
	struct fx *f = *state;
	struct stat st;
	static const uint8_t want_ops[] = { USBMSC_OP_WRITE_BUFFER, USBMSC_OP_READ_BUFFER,
					    USBMSC_OP_FW_STATE, USBMSC_OP_FW_CONFIRM,
					    USBMSC_OP_MAINTENANCE_IN };

	start(f);
	assert_true(usbmsc_fwhost_created(f->v.fw));
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), FWHOST_FACTORY_VERSION);
	assert_int_equal(f->vt->count, sizeof(want_ops));
	for (unsigned i = 0; i < sizeof(want_ops); i++)
		cmd_of(f, want_ops[i]);
	assert_int_equal(stat(f->flash, &st), 0);
	assert_int_equal(st.st_size, 2 * FWHOST_SLOT_DEFAULT + 2 * FWHOST_SECTOR);
	assert_true(st.st_blocks * 512 < 1024 * 1024);  /* sparse: erased flash is holes */
	restart(f);
	assert_false(usbmsc_fwhost_created(f->v.fw));
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), FWHOST_FACTORY_VERSION);
	/* without --fw-state: no table, --revision */
	gadget_vendor_close(&f->v);
	f->o.fw_state = NULL;
	assert_int_equal(gadget_vendor_setup(&f->v, &f->o, NULL, f->err, sizeof(f->err)), 0);
	assert_null(gadget_vendor_table(&f->v));
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0.1");
}

static int setup_status(struct fx *f, struct gadget_vendor *v)
{
	return gadget_vendor_setup(v, &f->o, NULL, f->err, sizeof(f->err));
}

static void test_flash_errors(void **state)
{
	struct fx *f = *state;
	struct gadget_vendor v;

	f->o.fw_slot = 64 * 1024;
	f->o.fw_slot_set = true;
	start(f);
	assert_int_equal(usbmsc_fwhost_slot_size(f->v.fw), 64 * 1024);
	gadget_vendor_close(&f->v);
	f->o.fw_slot = 128 * 1024;
	assert_int_equal(setup_status(f, &v), USBMSC_E_USAGE);
	assert_non_null(strstr(f->err, "already has 65536-byte slots"));
	gadget_vendor_close(&v);
	f->o.fw_slot_set = false;
	f->o.fw_pubkey = "/nonexistent/key.pub";
	assert_int_equal(setup_status(f, &v), USBMSC_E_FILE);
	assert_non_null(strstr(f->err, "--fw-state"));
	gadget_vendor_close(&v);
	/* a file that is no flash is refused, not overwritten */
	f->o.fw_pubkey = NULL;
	f->o.fw_state = f->payload;
	assert_int_equal(setup_status(f, &v), USBMSC_E_FILE);
	assert_non_null(strstr(f->err, "is not a firmware flash"));
	gadget_vendor_close(&v);
}

/* The default key is the demo key; an update reboots into the new image on
 * trial, which reverts at the next start unless confirmed. */
static void test_update_revert_confirm(void **state)
{
	struct fx *f = *state;
	char img[128];

	struct usbmsc_fwhost_stats st;

	pack(f, demo_secret, "0200", 2, f->o.pid, "v2.img", img, sizeof(img));
	start(f);
	assert_int_equal(write_image(f, img), USBMSC_SENSE_OK);
	assert_true(f->v.reboot_due);
	/* the device's own work is counted: the image programmed, its sectors
	 * erased, its payload hashed as it arrived (src/fwhost streams the
	 * hash: the slot is not read back, only headers are read) */
	usbmsc_fwhost_stats(f->v.fw, &st);
	assert_true(st.program_bytes >= USBMSC_FW_HEADER_LEN + PAYLOAD_LEN);
	assert_true(st.erases >= (USBMSC_FW_HEADER_LEN + PAYLOAD_LEN) / FWHOST_SECTOR);
	assert_true(st.read_bytes < PAYLOAD_LEN);
	assert_true(st.hash_bytes >= PAYLOAD_LEN);
	assert_true(st.program_ns > 0 && st.hash_ns > 0);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0100");  /* until the reboot */
	assert_int_equal(gadget_vendor_reboot(&f->v, f->err, sizeof(f->err)), 0);
	assert_false(f->v.reboot_due);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0200");
	assert_true(fw_flags(f) & USBMSC_FWST_TRIAL);
	restart(f);  /* not confirmed: back to the factory image */
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0100");
	assert_true(fw_flags(f) & USBMSC_FWST_REVERTED);
	/* again, confirmed this time: it stays */
	assert_int_equal(write_image(f, img), USBMSC_SENSE_OK);
	assert_int_equal(gadget_vendor_reboot(&f->v, f->err, sizeof(f->err)), 0);
	confirm(f);
	assert_int_equal(fw_flags(f) & USBMSC_FWST_TRIAL, 0);
	restart(f);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0200");
}

/* --fw-reboot stay: the new image runs as soon as it is activated; it is
 * on trial all the same. */
static void test_in_place(void **state)
{
	struct fx *f = *state;
	char img[128];

	pack(f, demo_secret, "0210", 2, f->o.pid, "v21.img", img, sizeof(img));
	f->o.fw_reboot_stay = true;
	start(f);
	assert_int_equal(write_image(f, img), USBMSC_SENSE_OK);
	assert_false(f->v.reboot_due);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0210");
	assert_true(fw_flags(f) & USBMSC_FWST_TRIAL);
	restart(f);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0100");
}

/* --fw-pubkey replaces the demo key; images signed otherwise, or made for
 * another device, are refused and the running image stays. */
static void test_key_and_fit(void **state)
{
	struct fx *f = *state;
	struct usbmsc_error err = { 0 };
	char good[128], demo[128], other_pid[128];

	assert_int_equal(usbmsc_fw_keygen(f->sec, f->pub, false, &err), 0);
	pack(f, f->sec, "0300", 3, f->o.pid, "good.img", good, sizeof(good));
	pack(f, demo_secret, "0300", 3, f->o.pid, "demo.img", demo, sizeof(demo));
	pack(f, f->sec, "0300", 3, 0x0002, "pid.img", other_pid, sizeof(other_pid));
	f->o.fw_pubkey = f->pub;
	start(f);
	assert_int_equal(write_image(f, demo), USBMSC_SENSE_INVALID_PARAM);
	assert_int_equal(write_image(f, other_pid), USBMSC_SENSE_INVALID_PARAM);
	assert_false(f->v.reboot_due);
	assert_int_equal(write_image(f, good), USBMSC_SENSE_OK);
	assert_true(f->v.reboot_due);
	assert_int_equal(gadget_vendor_reboot(&f->v, f->err, sizeof(f->err)), 0);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0300");
}

/* REPORT SUPPORTED OPERATION CODES answers for the buffer modes. */
static void test_rsoc(void **state)
{
	struct fx *f = *state;
	uint8_t cdb[12] = { USBMSC_OP_MAINTENANCE_IN, 0x0C, 0x02, USBMSC_OP_WRITE_BUFFER, 0, 0x0E,
			    0, 0, 0, 32 };
	uint8_t out[32];

	start(f);
	assert_int_equal(run(f, cdb, out, sizeof(out)), USBMSC_SENSE_OK);
	assert_int_equal(out[1] & 0x07, 0x03);          /* supported */
	assert_int_equal(out[4 + 2], 0xFF);             /* BUFFER ID: offset bits 31:24 */
	cdb[5] = 0x0F;
	assert_int_equal(run(f, cdb, out, sizeof(out)), USBMSC_SENSE_OK);
	assert_int_equal(out[1] & 0x07, 0x03);
	assert_int_equal(out[4 + 2], 0x00);             /* mode 0x0f: no offset */
	cdb[5] = 0x0D;
	assert_int_equal(run(f, cdb, out, sizeof(out)), USBMSC_SENSE_OK);
	assert_int_equal(out[1] & 0x07, 0x01);          /* mode 0x0d: not */
	cdb[2] = 0x01;                                  /* form 1: no service action */
	cdb[3] = USBMSC_OP_FW_STATE;
	cdb[5] = 0;
	assert_int_equal(run(f, cdb, out, sizeof(out)), USBMSC_SENSE_OK);
	assert_int_equal(out[1] & 0x07, 0x03);
	cdb[3] = 0xC5;                                  /* not in the table */
	assert_int_equal(run(f, cdb, out, sizeof(out)), USBMSC_SENSE_OK);
	assert_int_equal(out[1] & 0x07, 0x00);
}

static void test_control_lun(void **state)
{
	struct usbmsc_lun_config luns[USBMSC_TARGET_MAX_LUNS];
	struct gadget_opts o;

	(void)state;
	default_opts(&o);
	o.lun_count = 2;
	memset(luns, 0xA5, sizeof(luns));
	assert_int_equal(gadget_control_lun(&o, luns, o.lun_count), 2);
	assert_int_equal(luns[2].flags, 0xA5);          /* untouched */
	o.control_lun = true;
	assert_int_equal(gadget_control_lun(&o, luns, o.lun_count), 3);
	assert_int_equal(luns[2].flags, USBMSC_LUN_PROCESSOR);
	assert_int_equal(luns[2].block_count, 0);
	assert_null(luns[2].read);
	assert_null(luns[2].write);
}

/* The reboot waits for the CSW, then stays down GADGET_REBOOT_MS. */
static void test_reboot_steps(void **state)
{
	struct gadget_vendor v;
	struct bulk b;
	struct gadget_reboot rb;

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(&b, 0, sizeof(b));
	memset(&rb, 0, sizeof(rb));
	rb.vendor = &v;
	rb.bulk[0] = &b;
	rb.ports = 1;
	assert_int_equal(gadget_reboot_next(&rb, 5000), REBOOT_NOTHING);
	assert_int_equal(gadget_reboot_timeout(&rb, -1, 5000), -1);
	assert_int_equal(gadget_reboot_timeout(&rb, 2, 5000), 2);
	v.reboot_due = true;
	b.in_flight = 1;                                /* the CSW is still on its way */
	assert_int_equal(gadget_reboot_next(&rb, 5000), REBOOT_NOTHING);
	assert_int_equal(gadget_reboot_timeout(&rb, -1, 5000), -1);
	b.in_flight = 0;
	assert_int_equal(gadget_reboot_next(&rb, 5000), REBOOT_UNBIND);
	assert_int_equal(gadget_reboot_timeout(&rb, -1, 5000), 0);
	rb.down = true;
	rb.up_at_ms = 5000 + GADGET_REBOOT_MS;
	assert_int_equal(gadget_reboot_next(&rb, 5999), REBOOT_NOTHING);
	assert_int_equal(gadget_reboot_timeout(&rb, -1, 5400), 600);
	assert_int_equal(gadget_reboot_timeout(&rb, 2, 5400), 2);
	assert_int_equal(gadget_reboot_next(&rb, 6000), REBOOT_BOOT);
	assert_int_equal(gadget_reboot_timeout(&rb, -1, 7000), 0);
}

static unsigned sends, receives, stalls;
static void fake_send(void *ctx, const uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	sends++;
}
static void fake_receive(void *ctx, uint8_t *buf, uint32_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	receives++;
}
static void fake_stall(void *ctx, bool in)
{
	(void)ctx;
	(void)in;
	stalls++;
}

/* Once a reboot is due the core's next receive (the next CBW) is held;
 * the rest passes. */
static void test_reboot_gate(void **state)
{
	struct gadget_vendor v;
	struct gadget_reboot rb;
	struct usbmsc_target_port port = { fake_send, fake_receive, fake_stall, NULL };
	uint8_t buf[32];

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(&rb, 0, sizeof(rb));
	rb.vendor = &v;
	gadget_reboot_gate(&rb, 1, &port);
	assert_ptr_equal(port.ctx, &rb.gate[1]);
	port.receive(port.ctx, buf, sizeof(buf));
	port.send(port.ctx, buf, 13);
	port.stall(port.ctx, true);
	assert_int_equal(receives, 1);
	assert_int_equal(sends, 1);
	assert_int_equal(stalls, 1);
	v.reboot_due = true;
	port.send(port.ctx, buf, 13);                   /* the activating command's CSW */
	port.receive(port.ctx, buf, sizeof(buf));       /* the next CBW: held */
	assert_int_equal(sends, 2);
	assert_int_equal(receives, 1);
	v.reboot_due = false;                           /* rebooted */
	port.receive(port.ctx, buf, sizeof(buf));
	assert_int_equal(receives, 2);
}

/* --fw-reboot before-csw: once the reboot is due the core's sends are
 * dropped (the activating command's CSW never goes out), and the unbind is
 * due at once, nothing being in flight. */
static void test_reboot_before_csw(void **state)
{
	struct gadget_vendor v;
	struct gadget_reboot rb;
	struct bulk b;
	struct usbmsc_target_port port = { fake_send, fake_receive, fake_stall, NULL };
	uint8_t buf[32];

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(&rb, 0, sizeof(rb));
	memset(&b, 0, sizeof(b));
	rb.vendor = &v;
	rb.bulk[0] = &b;
	rb.ports = 1;
	v.no_csw = true;
	gadget_reboot_gate(&rb, 0, &port);
	sends = receives = 0;
	port.send(port.ctx, buf, 13);                   /* no reboot due: it goes out */
	assert_int_equal(sends, 1);
	v.reboot_due = true;
	port.send(port.ctx, buf, 13);                   /* the activating command's CSW */
	assert_int_equal(sends, 1);                     /* dropped */
	port.receive(port.ctx, buf, sizeof(buf));       /* the next CBW: held */
	assert_int_equal(receives, 0);
	assert_int_equal(gadget_reboot_next(&rb, 5000), REBOOT_UNBIND);
}

/* The option reaches the vendor side; an activation makes the reboot due
 * as for --fw-reboot disconnect. */
static void test_before_csw_option(void **state)
{
	struct fx *f = *state;
	char img[128];

	pack(f, demo_secret, "0220", 2, f->o.pid, "v22.img", img, sizeof(img));
	f->o.fw_reboot_no_csw = true;
	start(f);
	assert_true(f->v.no_csw);
	assert_int_equal(write_image(f, img), USBMSC_SENSE_OK);
	assert_true(f->v.reboot_due);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0100");  /* until the reboot */
	assert_int_equal(gadget_vendor_reboot(&f->v, f->err, sizeof(f->err)), 0);
	assert_string_equal(gadget_vendor_revision(&f->v, &f->o), "0220");
}

/* STATUS.TXT of the door LUN, parsed. */
static struct usbmsc_door_status door_status(const struct usbmsc_lun_config *lun)
{
	/* cluster 4: the MBR, the boot sector, 2 FATs of 128, 32 root sectors */
	const uint32_t lba = 1u + 1u + 256u + 32u + 16u;
	struct usbmsc_door_status st;
	uint8_t s[512];

	assert_int_equal(lun->read(lun->ctx, lba, 0, s, sizeof(s)), USBMSC_SENSE_OK);
	assert_true(usbmsc_door_status_parse((const char *)s, strnlen((char *)s, sizeof(s)), &st));
	return st;
}

static void test_file_door(void **state)
{
	struct fx *f = *state;
	struct gadget_filedoor d;
	struct usbmsc_lun_config lun;
	struct usbmsc_fw_report rep;
	struct usbmsc_fw_uf2_info info;
	struct usbmsc_fwhost_stats before, after;
	struct usbmsc_error err = { 0 };
	char img[128], uf2[128];
	uint8_t blk[512];
	FILE *p;
	uint64_t now;

	f->o.fw_slot = 1024u * 1024u;
	f->o.fw_slot_set = true;
	f->o.file_door = true;
	start(f);
	assert_int_equal(gadget_filedoor_setup(&d, &f->o, &f->v, &lun, f->err, sizeof(f->err)), 0);
	assert_int_equal(lun.block_count, USBMSC_DOOR_SECTORS);
	assert_true(lun.flags & USBMSC_LUN_REMOVABLE);
	assert_int_equal(gadget_filedoor_timeout(&d, -1), GADGET_DOOR_WAKE_MS);
	assert_int_equal(gadget_filedoor_timeout(&d, 5), 5);
	assert_int_equal(door_status(&lun).state, USBMSC_DOOR_ST_WAITING);
	pack(f, demo_secret, "2.0", 20, f->o.pid, "new.umfw", img, sizeof(img));
	path_in(uf2, sizeof(uf2), "new.uf2");
	assert_int_equal(usbmsc_fw_uf2_pack(img, uf2, NULL, &rep, &info, &err), 0);
	/* The event loop tells the time before it hands the host's writes on. */
	now = gadget_now_ms();
	gadget_filedoor_time(&d, now);
	usbmsc_fwhost_stats(f->v.fw, &before);
	p = fopen(uf2, "rb");
	assert_non_null(p);
	for (uint32_t lba = 100; fread(blk, 1, sizeof(blk), p) == sizeof(blk); lba++)
		assert_int_equal(lun.write(lun.ctx, lba, 0, blk, sizeof(blk)), USBMSC_SENSE_OK);
	fclose(p);
	assert_int_equal(door_status(&lun).state, USBMSC_DOOR_ST_CHECKED);
	/* The flash file took the door's 256-byte programs and its erase of
	 * each 4 KiB sector as they came in runs of up to 64 KiB: two erases
	 * and two writes for the image's 26 sectors, and the two records (the
	 * slot released, the image pending), not a write per sector. */
	usbmsc_fwhost_stats(f->v.fw, &after);
	assert_true(after.erases - before.erases >=
		    (USBMSC_FW_HEADER_LEN + PAYLOAD_LEN + FWHOST_SECTOR - 1) / FWHOST_SECTOR);
	assert_true(after.file_writes - before.file_writes <= 8);
	/* The clock: not a second yet, then a second. */
	gadget_filedoor_time(&d, now + 999);
	assert_false(f->v.reboot_due);
	gadget_filedoor_time(&d, now + 1000);
	assert_true(f->v.reboot_due);
	/* The reboot (reboot.h) boots the image on trial; the host's first
	 * transfer confirms it. */
	assert_int_equal(gadget_vendor_reboot(&f->v, f->err, sizeof(f->err)), 0);
	assert_string_equal(usbmsc_fwhost_revision(f->v.fw), "2.0");
	assert_true(fw_flags(f) & USBMSC_FWST_TRIAL);
	gadget_filedoor_heard(&d);
	assert_false(fw_flags(f) & USBMSC_FWST_TRIAL);
	assert_int_equal(door_status(&lun).state, USBMSC_DOOR_ST_UPDATED);
	gadget_filedoor_close(&d);
	/* It stays across a power cycle. */
	restart(f);
	assert_string_equal(usbmsc_fwhost_revision(f->v.fw), "2.0");
	/* A slot over 16 MiB has no door. */
	gadget_vendor_close(&f->v);
	unlink(f->flash);
	f->o.fw_slot = 32u * 1024u * 1024u;
	start(f);
	assert_int_equal(gadget_filedoor_setup(&d, &f->o, &f->v, &lun, f->err, sizeof(f->err)), 1);
	assert_non_null(strstr(f->err, "16m"));
}

/* Erases and programs held back by the flash file come out in the order
 * they were made: a program then an erase of its bytes leaves them erased,
 * an erase then a program leaves the program, a read sees both. Slot B,
 * which the factory image does not use. */
static void test_flash_order(void **state)
{
	struct fx *f = *state;
	const struct usbmsc_fw_config *cfg;
	uint8_t a[256], b[256], got[256], erased[256];
	uint32_t s0;

	start(f);
	cfg = usbmsc_fwhost_engine(f->v.fw)->cfg;
	s0 = cfg->slot_addr[1];
	memset(a, 0x5A, sizeof(a));
	memset(b, 0xA5, sizeof(b));
	memset(erased, 0xFF, sizeof(erased));
	/* erase, program: the program */
	assert_true(cfg->flash.erase(cfg->flash.ctx, s0 + 4u * FWHOST_SECTOR));
	assert_true(cfg->flash.program(cfg->flash.ctx, s0 + 4u * FWHOST_SECTOR, b, sizeof(b)));
	assert_true(cfg->flash.read(cfg->flash.ctx, s0 + 4u * FWHOST_SECTOR, got, sizeof(got)));
	assert_memory_equal(got, b, sizeof(got));
	/* erase, program, erase again: erased */
	assert_true(cfg->flash.erase(cfg->flash.ctx, s0));
	assert_true(cfg->flash.program(cfg->flash.ctx, s0, a, sizeof(a)));
	assert_true(cfg->flash.erase(cfg->flash.ctx, s0));
	assert_true(cfg->flash.read(cfg->flash.ctx, s0, got, sizeof(got)));
	assert_memory_equal(got, erased, sizeof(got));
	/* two sectors erased in a run, a program in each, a sector apart */
	assert_true(cfg->flash.erase(cfg->flash.ctx, s0 + FWHOST_SECTOR));
	assert_true(cfg->flash.erase(cfg->flash.ctx, s0 + 2u * FWHOST_SECTOR));
	assert_true(cfg->flash.program(cfg->flash.ctx, s0 + FWHOST_SECTOR, a, sizeof(a)));
	assert_true(cfg->flash.program(cfg->flash.ctx, s0 + 2u * FWHOST_SECTOR, b, sizeof(b)));
	/* an erase elsewhere, then back to the first run's sector */
	assert_true(cfg->flash.erase(cfg->flash.ctx, s0 + 8u * FWHOST_SECTOR));
	assert_true(cfg->flash.erase(cfg->flash.ctx, s0 + FWHOST_SECTOR));
	assert_true(cfg->flash.read(cfg->flash.ctx, s0 + FWHOST_SECTOR, got, sizeof(got)));
	assert_memory_equal(got, erased, sizeof(got));
	assert_true(cfg->flash.read(cfg->flash.ctx, s0 + 2u * FWHOST_SECTOR, got, sizeof(got)));
	assert_memory_equal(got, b, sizeof(got));
	/* what was held back is on the file after a power cycle */
	assert_true(cfg->flash.program(cfg->flash.ctx, s0 + 8u * FWHOST_SECTOR, a, sizeof(a)));
	restart(f);
	cfg = usbmsc_fwhost_engine(f->v.fw)->cfg;
	assert_true(cfg->flash.read(cfg->flash.ctx, s0 + 8u * FWHOST_SECTOR, got, sizeof(got)));
	assert_memory_equal(got, a, sizeof(got));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flash_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flash_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_revert_confirm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_and_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsoc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_door, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flash_order, setup, teardown),
		cmocka_unit_test(test_control_lun),
		cmocka_unit_test(test_reboot_steps),
		cmocka_unit_test(test_reboot_gate),
		cmocka_unit_test(test_reboot_before_csw),
		cmocka_unit_test_setup_teardown(test_before_csw_option, setup, teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DEMO-SECRET-KEY\n", argv[0]);
		return 2;
	}
	demo_secret = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
