/* Shared by the wire harnesses: an invariant that does not hold aborts, so
 * libFuzzer records the input as a crash. */
#ifndef USBMSC_FUZZ_CHECK_H
#define USBMSC_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "invariant broken: %s (%s:%d)\n", #cond, __FILE__, \
				__LINE__);                                            \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* An exact-size heap copy, so that AddressSanitizer reports any read past
 * the end of what the parser was given. */
static inline unsigned char *fuzz_dup(const unsigned char *data, size_t size)
{
	unsigned char *p = malloc(size ? size : 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

/* A C string that fits in cap bytes and holds only printable ASCII. */
static inline void fuzz_check_text(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	FUZZ_CHECK(n < cap);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(s[i] >= 0x20 && s[i] < 0x7F);
}

#endif
