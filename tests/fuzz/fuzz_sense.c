/* libFuzzer harness for sense decoding and the ASC/ASCQ texts. Input: the
 * describe buffer size (1 byte), the asc_text buffer size (1 byte), then
 * sense bytes. Beyond "no crash, no overread" (the bytes sit in an exact-
 * size heap copy), it checks what scsi.h promises about the results. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbmsc/scsi.h"

#include "fuzz_check.h"

static void check_decoded(const struct usbmsc_sense *s, const uint8_t *b, size_t len)
{
	FUZZ_CHECK(s->response_code >= 0x70 && s->response_code <= 0x73);
	FUZZ_CHECK(s->response_code == (b[0] & 0x7F));
	FUZZ_CHECK(s->descriptor == (s->response_code >= 0x72));
	FUZZ_CHECK(s->deferred == ((s->response_code & 1) != 0));
	FUZZ_CHECK(s->key <= 0x0F);
	/* a complete header gives exact fields */
	if (!s->descriptor && len >= 18 && b[7] >= 10) {
		FUZZ_CHECK(s->key == (b[2] & 0x0F));
		FUZZ_CHECK(s->asc == b[12] && s->ascq == b[13]);
	}
	if (s->descriptor && len >= 4) {
		FUZZ_CHECK(s->key == (b[1] & 0x0F));
		FUZZ_CHECK(s->asc == b[2] && s->ascq == b[3]);
	}
}

/* describe() into exactly cap bytes: NUL-terminated inside, return value
 * is the length, and the full line has the key name and the codes. */
static void check_describe(const struct usbmsc_sense *s, size_t cap)
{
	char *out = malloc(cap ? cap : 1);
	char full[256];
	size_t n;

	if (!out)
		abort();
	n = usbmsc_sense_describe(s, out, cap);
	if (cap == 0) {
		FUZZ_CHECK(n == 0);
	} else {
		fuzz_check_text(out, cap);
		FUZZ_CHECK(n == strlen(out));
	}
	n = usbmsc_sense_describe(s, full, sizeof(full));
	fuzz_check_text(full, sizeof(full));
	FUZZ_CHECK(n == strlen(full));
	FUZZ_CHECK(strncmp(full, usbmsc_sense_key_name(s->key),
			   strlen(usbmsc_sense_key_name(s->key))) == 0);
	FUZZ_CHECK(strchr(full, '(') != NULL && strchr(full, ')') != NULL);
	if (s->deferred)
		FUZZ_CHECK(strstr(full, "deferred") != NULL);
	/* a short buffer holds a prefix of the full line */
	if (cap > 0)
		FUZZ_CHECK(strncmp(out, full, strlen(out)) == 0);
	free(out);
}

static void check_asc_text(uint8_t asc, uint8_t ascq, size_t cap)
{
	char *out = malloc(cap ? cap : 1);
	char full[160];
	const char *r, *rf;

	if (!out)
		abort();
	r = usbmsc_asc_text(asc, ascq, out, cap);
	rf = usbmsc_asc_text(asc, ascq, full, sizeof(full));
	FUZZ_CHECK(rf == NULL || rf == full);
	FUZZ_CHECK(r == NULL || r == out);
	fuzz_check_text(full, sizeof(full));
	if (cap > 0) {
		fuzz_check_text(out, cap);
		FUZZ_CHECK(strncmp(out, full, strlen(out)) == 0);
		/* known or not does not depend on the buffer size */
		FUZZ_CHECK((r == NULL) == (rf == NULL));
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usbmsc_sense s, raw;
	uint8_t *buf;
	size_t len;

	if (size < 2)
		return 0;
	len = size - 2;
	buf = fuzz_dup(data + 2, len);
	memset(&s, 0xA5, sizeof(s));
	if (usbmsc_sense_decode(buf, len, &s)) {
		check_decoded(&s, buf, len);
		check_describe(&s, data[0]);
	} else if (len >= 3) {
		/* the key is always there with 3 bytes: only the code can fail */
		FUZZ_CHECK((buf[0] & 0x7F) < 0x70 || (buf[0] & 0x7F) > 0x73);
	}
	FUZZ_CHECK(usbmsc_sense_key_name(len ? buf[0] : 0) != NULL);
	if (len >= 2)
		check_asc_text(buf[0], buf[1], data[1]);
	/* describe() must also cope with a struct nobody decoded */
	if (len >= 4) {
		memset(&raw, 0, sizeof(raw));
		raw.key = buf[0];
		raw.asc = buf[1];
		raw.ascq = buf[2];
		raw.deferred = (buf[3] & 1) != 0;
		check_describe(&raw, data[0]);
	}
	free(buf);
	return 0;
}
