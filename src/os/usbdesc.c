/* Raw USB descriptors: what one interface offers across its alternate
 * settings. A UAS device has a Bulk-Only alternate setting 0 and a UAS
 * alternate setting 1; while uas is bound, sysfs shows only the UAS one,
 * so the decision "can raw BOT reach it" needs the raw descriptors. */
#include "usbmsc_os.h"

#include <string.h>

#define DT_CONFIG 0x02u
#define DT_INTERFACE 0x04u
#define CLASS_MASS_STORAGE 0x08u
#define PROTO_BOT 0x50u
#define PROTO_UAS 0x62u

static void note_alt(const uint8_t *d, struct usbmsc_os_iface_alts *out)
{
	uint8_t alt = d[3], cls = d[5], sub = d[6], proto = d[7];

	out->found = true;
	if (cls != CLASS_MASS_STORAGE)
		return;
	out->mass_storage = true;
	if (proto == PROTO_BOT && !out->bot) {
		out->bot = true;
		out->bot_alt = alt;
		out->bot_subclass = sub;
	} else if (proto == PROTO_UAS) {
		out->uas = true;
	}
}

void usbmsc_os_scan_interface(const uint8_t *desc, size_t len, uint8_t config_value,
			      uint8_t ifnum, struct usbmsc_os_iface_alts *out)
{
	size_t pos = 0;
	bool in_config = false;

	memset(out, 0, sizeof *out);
	while (len - pos >= 2) {
		uint8_t blen = desc[pos], type = desc[pos + 1];

		if (blen < 2 || blen > len - pos)
			break;          /* malformed: stop rather than guess */
		if (type == DT_CONFIG && blen >= 9)
			in_config = desc[pos + 5] == config_value;
		else if (type == DT_INTERFACE && blen >= 9 && in_config && desc[pos + 2] == ifnum)
			note_alt(desc + pos, out);
		pos += blen;
	}
}
