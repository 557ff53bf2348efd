/* The payload's SHA-256 computed as the download reads it (fw_internal.h):
 * the host checks the bytes it sends, in the buffer it sends them from, so
 * the file is read once and what was checked is what went to the device. */
#include "fw_internal.h"

#include <stdlib.h>
#include <string.h>

#include "usbmsc_config.h"

#if USBMSC_HAVE_SODIUM

#include <sodium.h>

struct usbmsc_fwi_digest {
	crypto_hash_sha256_state h;
	uint64_t at;                  /* payload bytes hashed so far */
};

struct usbmsc_fwi_digest *usbmsc_fwi_digest_new(void)
{
	struct usbmsc_fwi_digest *d = malloc(sizeof *d);

	if (d && sodium_init() < 0) {
		free(d);
		return NULL;
	}
	if (d)
		usbmsc_fwi_digest_restart(d);
	return d;
}

void usbmsc_fwi_digest_restart(struct usbmsc_fwi_digest *d)
{
	crypto_hash_sha256_init(&d->h);
	d->at = 0;
}

uint64_t usbmsc_fwi_digest_at(const struct usbmsc_fwi_digest *d)
{
	return d->at;
}

void usbmsc_fwi_digest_add(struct usbmsc_fwi_digest *d, const uint8_t *p, size_t n)
{
	crypto_hash_sha256_update(&d->h, p, (unsigned long long)n);
	d->at += n;
}

bool usbmsc_fwi_digest_is(struct usbmsc_fwi_digest *d, const uint8_t want[USBMSC_FW_SHA256_LEN])
{
	uint8_t got[USBMSC_FW_SHA256_LEN];

	crypto_hash_sha256_final(&d->h, got);
	return sodium_memcmp(got, want, sizeof got) == 0;
}

#else /* !USBMSC_HAVE_SODIUM: no signature checks, so nothing to stream */

struct usbmsc_fwi_digest *usbmsc_fwi_digest_new(void)
{
	return NULL;
}

void usbmsc_fwi_digest_restart(struct usbmsc_fwi_digest *d)
{
	(void)d;
}

uint64_t usbmsc_fwi_digest_at(const struct usbmsc_fwi_digest *d)
{
	(void)d;
	return 0;
}

void usbmsc_fwi_digest_add(struct usbmsc_fwi_digest *d, const uint8_t *p, size_t n)
{
	(void)d, (void)p, (void)n;
}

bool usbmsc_fwi_digest_is(struct usbmsc_fwi_digest *d, const uint8_t want[USBMSC_FW_SHA256_LEN])
{
	(void)d, (void)want;
	return false;
}

#endif

void usbmsc_fwi_digest_free(struct usbmsc_fwi_digest *d)
{
	free(d);
}
