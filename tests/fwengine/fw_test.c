/* The simulated device of the firmware engine tests: see fw_test.h. */
#include "fw_test.h"

#include <string.h>

#include "usbmsc/bot.h"
#include "usbmsc/byteorder.h"

struct nor g_nor;

const uint8_t t_key[USBMSC_FW_PUBKEY_LEN] = {
	0x3b, 0x6a, 0x27, 0xbc, 0xce, 0xb6, 0xa4, 0x2d, 0x62, 0xa3, 0xa8, 0xd0, 0x2a, 0x6f, 0x0d, 0x73,
	0x65, 0x32, 0x15, 0x77, 0x1d, 0xe2, 0x43, 0xa6, 0x3a, 0xc0, 0x48, 0xa1, 0x8b, 0x59, 0xda, 0x29
};
const uint8_t t_other_key[USBMSC_FW_PUBKEY_LEN] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
	0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a
};

/* ---- NOR flash ------------------------------------------------------------ */

void nor_wipe(uint32_t unit)
{
	memset(&g_nor, 0, sizeof(g_nor));
	memset(g_nor.mem, 0xFF, sizeof(g_nor.mem));
	g_nor.unit = unit;
}

void nor_power_on(void)
{
	g_nor.dead = false;
	g_nor.cut_at = 0;
	g_nor.fail_at = 0;
	g_nor.fail_after_at = 0;
	g_nor.torn_at = 0;
	g_nor.silent_at = 0;
	g_nor.read_fail_at = 0;
	g_nor.read_fail_len = 0;
	g_nor.bad_lo = 0;
	g_nor.bad_hi = 0;
	g_nor.fail_reads = false;
}

/* What happens to one program or erase. */
enum nor_act {
	ACT_DO,        /* done, true */
	ACT_CUT,       /* half done, power lost (true: nobody is left to see it) */
	ACT_SKIP,      /* nothing done, true: no power, or a silent fault */
	ACT_FAIL,      /* nothing done, false */
	ACT_DO_FAIL,   /* done, false */
	ACT_TORN_FAIL  /* half done, false */
};

static enum nor_act nor_op(void)
{
	uint32_t n;

	if (g_nor.dead)
		return ACT_SKIP;
	n = ++g_nor.ops;
	if (n == g_nor.cut_at) {
		g_nor.dead = true;
		return ACT_CUT;
	}
	if (n == g_nor.fail_at)
		return ACT_FAIL;
	if (n == g_nor.fail_after_at)
		return ACT_DO_FAIL;
	if (n == g_nor.torn_at)
		return ACT_TORN_FAIL;
	if (n == g_nor.silent_at)
		return ACT_SKIP;
	return ACT_DO;
}

static bool nor_read(void *ctx, uint32_t addr, uint8_t *buf, uint32_t len)
{
	uint32_t n;

	(void)ctx;
	n = ++g_nor.reads;
	if (g_nor.fail_reads || (n >= g_nor.read_fail_at && n - g_nor.read_fail_at <
				 g_nor.read_fail_len))
		return false;
	if (addr > T_NOR_SIZE || len > T_NOR_SIZE - addr) {
		g_nor.violations++;
		return false;
	}
	if (addr < g_nor.bad_hi && g_nor.bad_lo < addr + len)
		return false;
	memcpy(buf, g_nor.mem + addr, len);
	return true;
}

static void nor_touch(uint32_t addr, uint32_t len)
{
	if (g_nor.on_write)
		g_nor.on_write(addr, len);
}

static bool nor_program(void *ctx, uint32_t addr, const uint8_t *buf, uint32_t len)
{
	enum nor_act act = nor_op();
	uint32_t n = len;
	bool bad = false;

	(void)ctx;
	if (act == ACT_SKIP)
		return true;
	if (act == ACT_FAIL)
		return false;
	g_nor.programs++;
	if (addr > T_NOR_SIZE || len > T_NOR_SIZE - addr || len == 0 || addr % g_nor.unit != 0 ||
	    len % g_nor.unit != 0) {
		g_nor.violations++;
		return false;
	}
	nor_touch(addr, len);
	if (act == ACT_CUT || act == ACT_TORN_FAIL)
		n = len / 2;
	for (uint32_t i = 0; i < n; i++) {
		/* Twice without an erase, or a bit that would have to rise. */
		if (g_nor.programmed[addr + i] || (buf[i] & ~g_nor.mem[addr + i]) != 0)
			bad = true;
		g_nor.mem[addr + i] &= buf[i];
		g_nor.programmed[addr + i] = 1;
	}
	if (bad)
		g_nor.violations++;
	return act != ACT_DO_FAIL && act != ACT_TORN_FAIL;
}

static bool nor_erase(void *ctx, uint32_t addr)
{
	enum nor_act act = nor_op();
	uint32_t n = T_SECTOR;

	(void)ctx;
	if (act == ACT_SKIP)
		return true;
	if (act == ACT_FAIL)
		return false;
	g_nor.erases++;
	if (addr % T_SECTOR != 0 || addr >= T_NOR_SIZE) {
		g_nor.violations++;
		return false;
	}
	nor_touch(addr, T_SECTOR);
	if (act == ACT_CUT || act == ACT_TORN_FAIL)
		n = T_SECTOR / 2;
	memset(g_nor.mem + addr, 0xFF, n);
	memset(g_nor.programmed + addr, 0, n);
	return act != ACT_DO_FAIL && act != ACT_TORN_FAIL;
}

bool slot_holds(uint8_t slot, const uint8_t *img, uint32_t len)
{
	return memcmp(g_nor.mem + (slot ? T_SLOT_B : T_SLOT_A), img, len) == 0;
}

/* ---- state records ----------------------------------------------------------- */

static uint32_t crc32_ieee(const uint8_t *p, uint32_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return ~c;
}

void t_rec_encode(const struct t_rec *r, uint8_t out[USBMSC_FW_RECORD_LEN])
{
	memset(out, 0, USBMSC_FW_RECORD_LEN);
	memcpy(out, "UMFR", 4);
	usbmsc_put_le32(out + 4, r->seq);
	out[8] = 1;
	out[9] = r->active;
	out[10] = r->trial;
	out[11] = r->pending;
	out[12] = r->flags;
	usbmsc_put_le32(out + 16, r->floor);
	for (int i = 0; i < 2; i++) {
		for (int k = 0; k < 4 && r->version[i][k]; k++)
			out[20 + 12 * i + k] = (uint8_t)r->version[i][k];
		usbmsc_put_le32(out + 24 + 12 * i, r->number[i]);
		usbmsc_put_le32(out + 28 + 12 * i, r->length[i]);
		out[44 + i] = r->valid[i];
		out[46 + i] = r->sig[i];
	}
	usbmsc_put_le32(out + 60, crc32_ieee(out, 60));
}

bool t_rec_decode(const uint8_t *p, struct t_rec *r)
{
	if (memcmp(p, "UMFR", 4) != 0 || p[8] != 1 || usbmsc_get_le32(p + 60) != crc32_ieee(p, 60))
		return false;
	memset(r, 0, sizeof(*r));
	r->seq = usbmsc_get_le32(p + 4);
	r->active = p[9];
	r->trial = p[10];
	r->pending = p[11];
	r->flags = p[12];
	r->floor = usbmsc_get_le32(p + 16);
	for (int i = 0; i < 2; i++) {
		memcpy(r->version[i], p + 20 + 12 * i, 4);
		r->number[i] = usbmsc_get_le32(p + 24 + 12 * i);
		r->length[i] = usbmsc_get_le32(p + 28 + 12 * i);
		r->valid[i] = p[44 + i] == 1;
		r->sig[i] = (p[46 + i] & 1) != 0;
	}
	return true;
}

bool t_rec_newest(struct t_rec *r)
{
	struct t_rec a, b;
	bool ha = t_rec_decode(g_nor.mem + T_STATE0, &a), hb = t_rec_decode(g_nor.mem + T_STATE1, &b);

	if (ha && hb)
		*r = (int32_t)(a.seq - b.seq) > 0 ? a : b;
	else if (ha || hb)
		*r = ha ? a : b;
	return ha || hb;
}

/* ---- crypto callbacks ------------------------------------------------------ */

static void hash_init(void *st)
{
	sha256_init(st);
}

static void hash_update(void *st, const uint8_t *p, size_t n)
{
	sha256_update(st, p, n);
}

static void hash_final(void *st, uint8_t out[32])
{
	sha256_final(st, out);
}

/* The stand-in for Ed25519: a keyed hash, public key = secret key. */
void fake_sign(const uint8_t key[32], const uint8_t *msg, size_t n, uint8_t sig[64])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, key, 32);
	sha256_update(&s, msg, n);
	sha256_final(&s, sig);
	sha256_init(&s);
	sha256_update(&s, msg, n);
	sha256_update(&s, key, 32);
	sha256_final(&s, sig + 32);
}

static bool fake_verify(const uint8_t sig[64], const uint8_t *msg, size_t n,
			const uint8_t pubkey[32])
{
	uint8_t want[64];

	fake_sign(pubkey, msg, n, want);
	return memcmp(want, sig, sizeof(want)) == 0;
}

/* ---- the device -------------------------------------------------------------- */

static void on_activate(void *ctx, uint8_t slot)
{
	struct dev *d = ctx;

	d->activations++;
	d->activated_slot = slot;
	if (d->reboot_in_activate)
		d->boot_result = usbmsc_fw_boot(&d->fw, &d->cfg);
}

void dev_config(struct dev *d, uint8_t flags)
{
	struct usbmsc_fw_config *c = &d->cfg;

	memset(c, 0, sizeof(*c));
	c->flash.read = nor_read;
	c->flash.program = nor_program;
	c->flash.erase = nor_erase;
	c->flash.sector_size = T_SECTOR;
	c->flash.write_unit = (uint8_t)g_nor.unit;
	c->slot_addr[0] = T_SLOT_A;
	c->slot_addr[1] = T_SLOT_B;
	c->slot_size = T_SLOT_SIZE;
	c->state_addr[0] = T_STATE0;
	c->state_addr[1] = T_STATE1;
	c->offset_shift = T_SHIFT;
	c->flags = flags;
	c->crypto.hash_init = hash_init;
	c->crypto.hash_update = hash_update;
	c->crypto.hash_final = hash_final;
	c->crypto.hash_state = &d->hash_state;
	c->crypto.verify = fake_verify;
	c->crypto.pubkey = t_key;
	c->identity.vid = T_VID;
	c->identity.pid = T_PID;
	c->identity.vendor = "USBMSC";
	c->identity.product = "Test Disk";
	c->identity.hw_rev = T_HW_REV;
	c->work = d->work;
	c->work_size = sizeof(d->work);
	c->activate = on_activate;
	c->activate_ctx = d;
	c->target = &d->h.t;
}

int dev_boot(struct dev *d)
{
	h_init(&d->h, 2, 0);
	d->boot_result = usbmsc_fw_boot(&d->fw, &d->cfg);
	usbmsc_fw_table(&d->fw, &d->vt);
	h_set_vendor(&d->h, &d->vt);
	d->h.cfg.revision = usbmsc_fw_running_version(&d->fw);
	h_clear_ua(&d->h);
	return d->boot_result;
}

/* ---- images ---------------------------------------------------------------- */

uint32_t make_image(uint8_t *out, const char *version, uint32_t number, uint32_t payload_len,
		    uint32_t seed, const struct img_opts *o)
{
	struct usbmsc_fw_header h;
	uint8_t *payload = out + USBMSC_FW_HEADER_LEN;

	memset(&h, 0, sizeof(h));
	h.vid = o ? o->vid : T_VID;
	h.pid = o ? o->pid : T_PID;
	strcpy(h.vendor, o && o->vendor ? o->vendor : "USBMSC");
	strcpy(h.product, o && o->product ? o->product : "Test Disk");
	h.hw_rev_min = o ? o->hw_min : 1;
	h.hw_rev_max = o ? o->hw_max : 3;
	strcpy(h.version, version);
	h.version_number = number;
	h.payload_len = payload_len;
	h_fill_pattern(payload, payload_len, seed);
	sha256(payload, payload_len, h.sha256);
	if (!usbmsc_fw_header_encode(&h, out))
		return 0;
	fake_sign(o && o->sign_key ? o->sign_key : t_key, out, USBMSC_FW_SIGNED_LEN,
		  out + USBMSC_FW_SIG_OFFSET);
	return USBMSC_FW_HEADER_LEN + payload_len;
}

/* ---- commands ----------------------------------------------------------------- */

uint32_t t_cmd(struct dev *d, const uint8_t *cdb, uint8_t cdb_len, int dir, uint32_t len,
	       const uint8_t *out, uint8_t *in, uint32_t *in_len)
{
	struct host_result r;

	h_cmd(&d->h, 0, cdb, cdb_len, (enum usbmsc_dir)dir, len, out, in, &r);
	if (in_len)
		*in_len = r.in_len;
	if (r.stuck || r.check != USBMSC_CSWCHK_OK || r.csw.status > 1)
		return T_SENSE_BROKEN;
	if (r.csw.status == 0)
		return 0;
	return h_sense(&d->h, 0);
}

static void cdb10(uint8_t cdb[10], uint8_t op, uint8_t mode, uint32_t off, uint32_t len)
{
	memset(cdb, 0, 10);
	cdb[0] = op;
	cdb[1] = mode;
	usbmsc_put_be24(cdb + 3, off);
	usbmsc_put_be24(cdb + 6, len);
}

uint32_t t_wb(struct dev *d, uint8_t mode, uint32_t off, uint32_t len, const uint8_t *data)
{
	uint8_t cdb[10];

	cdb10(cdb, 0x3B, mode, off, len);
	return t_cmd(d, cdb, 10, len ? USBMSC_DIR_OUT : USBMSC_DIR_NONE, len, data, NULL, NULL);
}

uint32_t t_rb(struct dev *d, uint8_t mode, uint32_t off, uint32_t len, uint8_t *in,
	      uint32_t *got)
{
	uint8_t cdb[10];

	cdb10(cdb, 0x3C, mode, off, len);
	return t_cmd(d, cdb, 10, USBMSC_DIR_IN, len, NULL, in, got);
}

uint32_t t_state(struct dev *d, uint8_t st[USBMSC_FW_STATE_LEN])
{
	const uint8_t cdb[6] = { USBMSC_OP_FW_STATE, 0, 0, 0, USBMSC_FW_STATE_LEN, 0 };
	uint32_t got = 0;
	uint32_t s = t_cmd(d, cdb, 6, USBMSC_DIR_IN, USBMSC_FW_STATE_LEN, NULL, st, &got);

	return s == 0 && got != USBMSC_FW_STATE_LEN ? T_SENSE_BROKEN : s;
}

uint32_t t_confirm(struct dev *d)
{
	const uint8_t cdb[6] = { USBMSC_OP_FW_CONFIRM, 0, 0, 0, 0, 0 };

	return t_cmd(d, cdb, 6, USBMSC_DIR_NONE, 0, NULL, NULL, NULL);
}

uint32_t t_inquiry_rev(struct dev *d, char rev[5])
{
	const uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t in[36];
	uint32_t s = t_cmd(d, cdb, 6, USBMSC_DIR_IN, sizeof(in), NULL, in, NULL);

	memcpy(rev, in + 32, 4);
	rev[4] = '\0';
	return s;
}

uint32_t t_download(struct dev *d, uint8_t mode, const uint8_t *img, uint32_t len,
		    uint32_t chunk)
{
	uint32_t s;

	if (mode == 0x05)
		return t_wb(d, mode, 0, len, img);
	for (uint32_t off = 0; off < len; off += chunk) {
		uint32_t n = len - off < chunk ? len - off : chunk;

		s = t_wb(d, mode, off, n, img + off);
		if (s)
			return s;
	}
	return 0;
}
