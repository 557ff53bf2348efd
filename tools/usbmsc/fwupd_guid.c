/* fwupd's instance IDs and GUIDs (fwupd_guid.h), with the SHA-1 that
 * UUIDv5 needs (libsodium has none; RFC 3174, one block at a time). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fwupd_guid.h"

/* ---- SHA-1 ---- */

struct sha1 {
	uint32_t h[5];
	uint8_t block[64];
	size_t used;
	uint64_t bytes;
};

static uint32_t rol(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s)
{
	uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)s->block[4 * i] << 24 | (uint32_t)s->block[4 * i + 1] << 16 |
		       (uint32_t)s->block[4 * i + 2] << 8 | s->block[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5A827999u;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ED9EBA1u;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8F1BBCDCu;
		} else {
			f = b ^ c ^ d;
			k = 0xCA62C1D6u;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = rol(b, 30);
		b = a;
		a = t;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
}

static void sha1_init(struct sha1 *s)
{
	static const uint32_t h0[5] = { 0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u,
					0xC3D2E1F0u };

	memset(s, 0, sizeof *s);
	memcpy(s->h, h0, sizeof h0);
}

static void sha1_update(struct sha1 *s, const uint8_t *p, size_t n)
{
	s->bytes += n;
	while (n--) {
		s->block[s->used++] = *p++;
		if (s->used == sizeof s->block) {
			sha1_block(s);
			s->used = 0;
		}
	}
}

static void sha1_final(struct sha1 *s, uint8_t out[20])
{
	uint64_t bits = s->bytes * 8u;
	uint8_t pad = 0x80, zero = 0, len[8];

	sha1_update(s, &pad, 1);
	while (s->used != 56)
		sha1_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(s, len, sizeof len);
	for (int i = 0; i < 20; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

/* ---- instance IDs and GUIDs ---- */

static bool kept(char c)
{
	return c > ' ' && c <= '~' && !strchr("_&/\\-(),", c);
}

bool fwupd_strsafe(const char *in, char *out, size_t room)
{
	size_t n = 0;
	bool content = false;

	for (; *in; in++) {
		char c = kept(*in) ? *in : '-';

		if (c == '-' && !content)
			continue; /* one '-' per run, none at the start */
		if (n + 1 >= room)
			return false;
		out[n++] = c;
		content = c != '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (room)
		out[n] = '\0';
	return n > 0;
}

void fwupd_guid(const char *instance_id, char out[FWUPD_GUID_LEN])
{
	/* RFC 4122's DNS namespace, as fwupd uses it */
	static const uint8_t dns[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
					 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	struct sha1 s;
	uint8_t h[20];

	sha1_init(&s);
	sha1_update(&s, dns, sizeof dns);
	sha1_update(&s, (const uint8_t *)instance_id, strlen(instance_id));
	sha1_final(&s, h);
	h[6] = (uint8_t)((h[6] & 0x0F) | 0x50);
	h[8] = (uint8_t)((h[8] & 0x3F) | 0x80);
	snprintf(out, FWUPD_GUID_LEN,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
		 h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
		 h[15]);
}
