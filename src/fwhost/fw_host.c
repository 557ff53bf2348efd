/* The firmware engine on a file: open, boot, close, the trusted key and
 * libsodium's SHA-256 and Ed25519 for the engine's checks. */
#include "fw_host_internal.h"
#include "../os/os_clock.h"
#include "../os/os_file.h"
#include "../os/os_lock.h"

#include <stdlib.h>
#include <string.h>

#include "usbmsc/fwsign.h"

#define FW_OFFSET_SHIFT 12u          /* chunks on 4 KiB boundaries */

/* data/demo-fw-public.key, compiled in: the key the device trusts unless
 * the caller names another. */
static const uint8_t demo_public_key[USBMSC_FW_PUBKEY_LEN] = {
	0xad, 0x99, 0x09, 0xe1, 0x31, 0x94, 0x0b, 0x1a, 0x7a, 0xb9, 0x9c, 0x35, 0x66, 0xf1, 0x00, 0xca,
	0x37, 0x72, 0x2b, 0x60, 0x2e, 0x9e, 0x2b, 0x8e, 0x63, 0x33, 0x1e, 0x23, 0xbb, 0x10, 0x69, 0x15,
};

const char *usbmsc_fwhost_revision(const struct usbmsc_fwhost *h)
{
	return usbmsc_fw_running_version(&h->engine);
}

uint32_t usbmsc_fwhost_slot_size(const struct usbmsc_fwhost *h)
{
	return h->slot;
}

struct usbmsc_fw_engine *usbmsc_fwhost_engine(struct usbmsc_fwhost *h)
{
	return &h->engine;
}

bool usbmsc_fwhost_created(const struct usbmsc_fwhost *h)
{
	return h->created;
}

void usbmsc_fwhost_stats(const struct usbmsc_fwhost *h, struct usbmsc_fwhost_stats *out)
{
	*out = h->stats;
}

void usbmsc_fwhost_close(struct usbmsc_fwhost *h)
{
	if (!h)
		return;
	if (h->fd >= 0) {
		fwhost_flash_flush(h);
		usbmsc_os_unlock(h->fd);
		usbmsc_file_close(h->fd);
	}
	free(h->path);
	free(h);
}

#if USBMSC_HAVE_SODIUM

/* ---- crypto ------------------------------------------------------------------ */

/* The hash state is the host's, so that the time spent is counted. */
static void sha_init(void *state)
{
	struct usbmsc_fwhost *h = state;

	crypto_hash_sha256_init(&h->sha);
}

static void sha_update(void *state, const uint8_t *data, size_t len)
{
	struct usbmsc_fwhost *h = state;
	uint64_t t = usbmsc_clock_ns();

	crypto_hash_sha256_update(&h->sha, data, len);
	h->stats.hash_ns += usbmsc_clock_ns() - t;
	h->stats.hash_bytes += len;
}

static void sha_final(void *state, uint8_t out[USBMSC_FW_SHA256_LEN])
{
	struct usbmsc_fwhost *h = state;

	crypto_hash_sha256_final(&h->sha, out);
}

static bool ed25519_verify(const uint8_t sig[USBMSC_FW_SIG_LEN], const uint8_t *msg,
			   size_t msg_len, const uint8_t pubkey[USBMSC_FW_PUBKEY_LEN])
{
	return crypto_sign_verify_detached(sig, msg, msg_len, pubkey) == 0;
}

/* ---- the engine ----------------------------------------------------------------- */

/* Always on, whatever the caller's flags: the payload is hashed as it
 * arrives, not read back from the flash file after the download
 * (fwengine.h: USBMSC_FW_HASH_STREAMED). The flash is a file, so a
 * read-back would only re-read the page cache the same process has just
 * written, and program() already reports every failed pwrite; the hosts
 * hash the slot from the file at their cold start (CHECK_AT_BOOT). */
#define FWHOST_ENGINE_FLAGS USBMSC_FW_HASH_STREAMED

static void configure(struct usbmsc_fwhost *h, const struct usbmsc_fwhost_config *c)
{
	struct usbmsc_fw_config *e = &h->cfg;

	memset(e, 0, sizeof *e);
	e->flash = fwhost_flash(h);
	e->slot_addr[0] = 0;
	e->slot_addr[1] = h->slot;
	e->slot_size = h->slot;
	e->state_addr[0] = 2u * h->slot;
	e->state_addr[1] = 2u * h->slot + FWHOST_SECTOR;
	e->offset_shift = FW_OFFSET_SHIFT;
	e->flags = c->engine_flags | FWHOST_ENGINE_FLAGS;
	e->crypto = (struct usbmsc_fw_crypto){ sha_init, sha_update, sha_final, h,
					       ed25519_verify, h->pubkey };
	e->identity = c->identity;
	e->work = h->work;
	e->work_size = sizeof h->work;
	e->activate = c->activate;
	e->activate_ctx = c->activate_ctx;
	e->target = c->target;
}

int usbmsc_fwhost_boot(struct usbmsc_fwhost *h, uint8_t engine_flags)
{
	h->cfg.flags = engine_flags | FWHOST_ENGINE_FLAGS;
	return usbmsc_fw_boot(&h->engine, &h->cfg);
}

/* Power-on: boot; a flash just created gets the factory image first. */
static int first_boot(struct usbmsc_fwhost *h, uint8_t engine_flags, struct usbmsc_error *err)
{
	int r = usbmsc_fwhost_boot(h, engine_flags);

	if (r == USBMSC_FW_BOOT_CONFIG)
		return usbmsc_fail(err, USBMSC_E_OTHER, "the firmware engine refused the flash "
				   "layout of %s", h->path);
	if (r == USBMSC_FW_BOOT_NONE && h->created &&
	    !usbmsc_fw_factory_init(&h->engine, FWHOST_FACTORY_VERSION, FWHOST_FACTORY_NUMBER))
		return usbmsc_fail(err, USBMSC_E_FILE, "cannot write the factory image to %s%s%s",
				   h->path, h->io_errno ? ": " : "",
				   h->io_errno ? strerror(h->io_errno) : "");
	return USBMSC_OK;
}

static int load_key(struct usbmsc_fwhost *h, const char *path, struct usbmsc_error *err)
{
	memcpy(h->pubkey, demo_public_key, sizeof h->pubkey);
	if (!path || !path[0])
		return USBMSC_OK;
	return usbmsc_fw_load_public_key(path, h->pubkey, err);
}

/* After a failure: a flash file this open created goes away again. */
static int abandon(struct usbmsc_fwhost *h, int r)
{
	if (h->created)
		usbmsc_file_remove(h->path);
	usbmsc_fwhost_close(h);
	return r;
}

int usbmsc_fwhost_open(const struct usbmsc_fwhost_config *c, struct usbmsc_fwhost **out,
		       struct usbmsc_error *err)
{
	struct usbmsc_fwhost *h;
	int r;

	if (!out)
		return usbmsc_fail(err, USBMSC_E_USAGE, "usbmsc_fwhost_open needs a result");
	*out = NULL;
	if (!c || !c->flash_path || !c->flash_path[0])
		return usbmsc_fail(err, USBMSC_E_USAGE, "the firmware engine needs a flash file");
	if (sodium_init() < 0)
		return usbmsc_fail(err, USBMSC_E_OTHER, "libsodium could not initialise");
	h = calloc(1, sizeof *h);
	if (!h)
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	h->fd = -1;
	h->path = strdup(c->flash_path);
	if (!h->path) {
		usbmsc_fwhost_close(h);
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	r = load_key(h, c->pubkey_path, err);
	if (r == USBMSC_OK)
		r = fwhost_flash_open(h, c, err);
	if (r != USBMSC_OK)
		return abandon(h, r);
	if (h->fd < 0) {         /* optional, and not writable here: no engine */
		usbmsc_fwhost_close(h);
		return USBMSC_OK;
	}
	configure(h, c);
	r = first_boot(h, c->engine_flags, err);
	if (r != USBMSC_OK)
		return abandon(h, r);
	*out = h;
	return USBMSC_OK;
}

#else /* without libsodium there is no engine to host */

int usbmsc_fwhost_boot(struct usbmsc_fwhost *h, uint8_t engine_flags)
{
	(void)h;
	(void)engine_flags;
	return USBMSC_FW_BOOT_CONFIG;
}

int usbmsc_fwhost_open(const struct usbmsc_fwhost_config *c, struct usbmsc_fwhost **out,
		       struct usbmsc_error *err)
{
	(void)demo_public_key;
	if (out)
		*out = NULL;
	if (c && c->optional)
		return USBMSC_OK;
	return usbmsc_fail(err, USBMSC_E_OTHER, "the firmware engine needs libsodium, and this "
			   "build has none");
}

#endif
