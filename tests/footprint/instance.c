/* A minimal firmware instance of the target core, for the footprint
 * measurement (scripts/footprint.sh): one LUN, everything allocated
 * statically, every public entry point reachable so that --gc-sections
 * keeps the whole core. The objects the measurement counts are named
 * fp_target and fp_lun_state; the endpoint buffer, fp_buf, is the
 * caller's and is not counted. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usbmsc/target.h"

#include "stubs.h"

struct usbmsc_lun_state fp_lun_state[1];
struct usbmsc_target fp_target;
uint8_t fp_buf[512] __attribute__((aligned(4)));

/* Events come from the USB interrupt in real firmware; a volatile keeps
 * the compiler from deciding which ones happen. */
volatile uint32_t fp_event;

void footprint_main(void);

void footprint_main(void)
{
	uint8_t setup[8] = { 0xA1, 0xFE, 0, 0, 0, 0, 1, 0 };
	uint8_t reply[1];

	if (!usbmsc_target_init(&fp_target, &fp_config, fp_lun_state, fp_buf, sizeof(fp_buf)))
		return;
	for (;;) {
		switch (fp_event) {
		case 0:
			usbmsc_target_received(&fp_target, fp_event);
			break;
		case 1:
			usbmsc_target_sent(&fp_target);
			break;
		case 2:
			fp_event = usbmsc_target_clear_halt(&fp_target, fp_event & 1);
			break;
		case 3:
			fp_event = (uint32_t)usbmsc_target_class_request(&fp_target, setup, reply);
			break;
		case 4:
			usbmsc_target_bus_reset(&fp_target);
			break;
		default:
			usbmsc_target_unit_attention(&fp_target, USBMSC_SENSE_MICROCODE_CHANGED);
			break;
		}
	}
}
