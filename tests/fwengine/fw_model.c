/* The firmware engine under flash faults, and its oracle: see fw_model.h. */
#include "fw_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "usbmsc/byteorder.h"

#define M_IMAGE_MAX 2048u
#define M_SHIFT 7u  /* chunks on 128-byte boundaries: a header may arrive in two */

struct image {
	const char *ver;
	uint32_t number;
	uint32_t len;
	bool authentic;  /* signed with t_key, made for the device, payload matches */
	uint8_t bytes[M_IMAGE_MAX];
};

static struct dev D;
static struct image cat[MI_COUNT];
static bool built;

static struct {
	uint32_t floor;          /* the highest floor seen on flash */
	bool confirmed;          /* the device ran a confirmed image: B applies from then on */
	bool has_factory;
	uint8_t factory[USBMSC_FW_HEADER_LEN];
	bool broken;
	char msg[256];
	uint32_t ran, none;
} M;

static void broken(const char *fmt, ...)
{
	va_list ap;

	if (M.broken)
		return;
	M.broken = true;
	va_start(ap, fmt);
	vsnprintf(M.msg, sizeof(M.msg), fmt, ap);
	va_end(ap);
}

struct dev *m_dev(void)
{
	return &D;
}

const char *m_broken(void)
{
	return M.broken ? M.msg : NULL;
}

void m_boots(uint32_t *ran, uint32_t *none)
{
	*ran = M.ran;
	*none = M.none;
}

/* ---- the images ------------------------------------------------------------ */

static void build(enum m_image i, const char *ver, uint32_t number, uint32_t payload,
		  const struct img_opts *o, bool authentic)
{
	cat[i].ver = ver;
	cat[i].number = number;
	cat[i].len = make_image(cat[i].bytes, ver, number, payload, 200u + (uint32_t)i, o);
	cat[i].authentic = authentic;
}

static void build_all(void)
{
	static const struct img_opts other_key = { T_VID, T_PID, NULL, NULL, 1, 3, t_other_key };
	static const struct img_opts other_vid = { 0x1234, T_PID, NULL, NULL, 1, 3, NULL };

	/* Small, but most of them across a sector boundary (1 KiB). */
	build(MI_V2, "2.0", 2, 1100, NULL, true);
	build(MI_V3, "3.0", 3, 1500, NULL, true);
	build(MI_V4, "4.0", 4, 900, NULL, true);
	build(MI_DOWNGRADE, "0.5", 0, 600, NULL, true);
	build(MI_WRONG_KEY, "5.0", 5, 1000, &other_key, false);
	build(MI_WRONG_DEVICE, "5.1", 5, 0, &other_vid, false);
	build(MI_BAD_HASH, "5.2", 5, 1200, NULL, false);
	cat[MI_BAD_HASH].bytes[cat[MI_BAD_HASH].len - 1] ^= 0x01;
	build(MI_TWIN, "2.0", 2, 1100, &other_key, false);
	built = true;
}

static uint32_t flash_floor(void)
{
	struct t_rec r;

	return t_rec_newest(&r) ? r.floor : 0;
}

/* ---- the invariants ----------------------------------------------------------- */

static void check_floor(const char *when);

/* W, and F for the write before: called by the flash before every program
 * or erase. */
static void on_write(uint32_t addr, uint32_t len)
{
	static const uint32_t base[2] = { T_SLOT_A, T_SLOT_B };
	struct t_rec r;

	check_floor("at a write");

	for (uint8_t s = 0; s < 2; s++) {
		if (addr >= base[s] + T_SLOT_SIZE || base[s] >= addr + len || !t_rec_newest(&r))
			continue;
		if (r.valid[s] || r.active == s || r.trial == s || r.pending == s)
			broken("W: slot %c written at 0x%x while the newest record (seq %u) claims it "
			       "(valid %d, active %u, trial %u, pending %u)", 'A' + s, addr, r.seq,
			       r.valid[s], r.active, r.trial, r.pending);
	}
}

/* F */
static void check_floor(const char *when)
{
	uint32_t f = flash_floor();

	if (f < M.floor)
		broken("F: the floor on flash went down from %u to %u %s", M.floor, f, when);
	else
		M.floor = f;
}

/* R: e booted slot with the floor at floor before. */
static void check_run(const struct usbmsc_fw_engine *e, int slot, uint32_t floor, const char *who)
{
	const uint8_t *p;
	const char *ver = NULL;
	uint32_t number = 0;

	if (slot < 0)
		return;
	p = g_nor.mem + (slot ? T_SLOT_B : T_SLOT_A);
	if (M.has_factory && memcmp(p, M.factory, sizeof(M.factory)) == 0) {
		ver = "1.0";
		number = 1;
	}
	for (int i = 0; i < MI_COUNT && ver == NULL; i++) {
		if (cat[i].authentic && memcmp(p, cat[i].bytes, cat[i].len) == 0) {
			ver = cat[i].ver;
			number = cat[i].number;
		}
	}
	if (ver == NULL) {
		broken("R: %s runs slot %c, which holds no authentic image (version %.4s)", who,
		       'A' + slot, (const char *)p + 44);
		return;
	}
	if (flash_floor() > floor)
		floor = flash_floor();
	if (number < floor)
		broken("R: %s runs %s (number %u) below the floor %u", who, ver, number, floor);
	if (strcmp(usbmsc_fw_running_version(e), ver) != 0)
		broken("R: %s runs %s but reports %s", who, ver, usbmsc_fw_running_version(e));
}

static void boot(void)
{
	uint32_t floor = M.floor;
	struct t_rec rec;
	int r;

	check_floor("before a boot");
	r = dev_boot(&D);
	check_floor("at a boot");
	check_run(&D.fw, r, floor, "a boot");
	if (r >= 0)
		M.ran++;
	else
		M.none++;
	if (r >= 0 && t_rec_newest(&rec) && rec.active == r)
		M.confirmed = true;
}

/* B: a boot without faults on this flash runs something; undone after. */
static void probe(void)
{
	static uint8_t head[offsetof(struct nor, mem)];
	static uint8_t mem[2 * T_SECTOR], prog[2 * T_SECTOR];
	static struct usbmsc_fw_engine e;
	static uint8_t work[T_WORK];
	struct sha256 hash = D.hash_state;
	uint32_t floor = M.floor;
	int r;

	memcpy(head, &g_nor, sizeof(head));
	memcpy(mem, g_nor.mem + T_STATE0, sizeof(mem));
	memcpy(prog, g_nor.programmed + T_STATE0, sizeof(prog));
	memcpy(work, D.work, sizeof(work));
	nor_power_on();
	r = usbmsc_fw_boot(&e, &D.cfg);
	if (M.confirmed && r < 0)
		broken("B: nothing bootable is left (a clean boot returns %d)", r);
	check_run(&e, r, M.floor, "a clean boot");
	memcpy(&g_nor, head, sizeof(head));
	memcpy(g_nor.mem + T_STATE0, mem, sizeof(mem));
	memcpy(g_nor.programmed + T_STATE0, prog, sizeof(prog));
	memcpy(D.work, work, sizeof(work));
	D.hash_state = hash;
	M.floor = floor;  /* what the probe wrote is undone */
}

/* ---- the steps ------------------------------------------------------------------ */

void m_setup(uint8_t flags, bool factory)
{
	if (!built)
		build_all();
	nor_wipe(8);
	memset(&D, 0, sizeof(D));
	memset(&M, 0, sizeof(M));
	dev_config(&D, flags);
	D.cfg.offset_shift = M_SHIFT;
	g_nor.on_write = on_write;
	if (dev_boot(&D) != USBMSC_FW_BOOT_NONE)
		broken("setup: erased flash boots something");
	if (!factory)
		return;
	if (!usbmsc_fw_factory_init(&D.fw, "1.0", 1))
		broken("setup: no factory image");
	memcpy(M.factory, g_nor.mem + T_SLOT_A, sizeof(M.factory));
	M.has_factory = true;
	boot();
}

static void download(const struct m_step *s)
{
	const struct image *im = &cat[s->image % MI_COUNT];
	uint32_t chunk = s->chunk ? s->chunk : 1024u;

	if (s->mode == 0x05) {
		t_wb(&D, 0x05, 0, im->len, im->bytes);
		return;
	}
	/* A host stops at the first failure. */
	for (uint32_t off = 0; off < im->len && !g_nor.dead; off += chunk) {
		uint32_t n = im->len - off < chunk ? im->len - off : chunk;

		if (t_wb(&D, s->mode, off, n, im->bytes + off) != 0)
			break;
	}
}

void m_step(const struct m_step *s)
{
	switch (s->kind) {
	case MK_DOWNLOAD:
		download(s);
		break;
	case MK_ACTIVATE:
		t_wb(&D, 0x0F, 0, 0, NULL);
		break;
	case MK_REBOOT:
		boot();
		break;
	default:
		t_confirm(&D);
		break;
	}
	if (g_nor.dead) {
		/* Power comes back (the other faults stay planned). */
		g_nor.dead = false;
		g_nor.cut_at = 0;
		boot();
	}
	if (D.h.violations)
		broken("the target broke Bulk-Only Transport");
	check_floor("after a step");
	probe();
}
