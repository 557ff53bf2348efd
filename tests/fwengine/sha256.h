/* A small SHA-256 (FIPS 180-4) for the firmware engine tests: the engine
 * takes its hash as callbacks, and the tests must not need libsodium. */
#ifndef FW_TEST_SHA256_H
#define FW_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;      /* bytes hashed */
	uint8_t block[64];
	uint32_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const uint8_t *p, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[32]);
void sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
