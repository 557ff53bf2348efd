/* The firmware instance of instance.c with the pipelined data stage (two
 * buffers, storage that may finish later), for the footprint measurement
 * of the pipelined target core (scripts/footprint.sh). The objects the
 * measurement counts are fp_ptarget and fp_plun_state; the buffers,
 * fp_pbufs, are the caller's and are not counted. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usbmsc/target.h"

#include "stubs.h"

struct usbmsc_lun_state fp_plun_state[1];
struct usbmsc_target_pipelined fp_ptarget;
uint8_t fp_pbufs[2 * 512] __attribute__((aligned(4)));

/* Events come from the USB and storage interrupts in real firmware. */
volatile uint32_t fp_pevent;

void footprint_pipelined_main(void);

void footprint_pipelined_main(void)
{
	struct usbmsc_target *t = &fp_ptarget.t;
	uint8_t setup[8] = { 0xA1, 0xFE, 0, 0, 0, 0, 1, 0 };
	uint8_t reply[1];

	if (!usbmsc_target_init_pipelined(&fp_ptarget, &fp_config, fp_plun_state, fp_pbufs, 2,
					  512))
		return;
	for (;;) {
		switch (fp_pevent) {
		case 0:
			usbmsc_target_received(t, fp_pevent);
			break;
		case 1:
			usbmsc_target_sent(t);
			break;
		case 2:
			fp_pevent = usbmsc_target_clear_halt(t, fp_pevent & 1);
			break;
		case 3:
			fp_pevent = (uint32_t)usbmsc_target_class_request(t, setup, reply);
			break;
		case 4:
			usbmsc_target_bus_reset(t);
			break;
		case 5:
			usbmsc_target_storage_done(t, (usbmsc_sense_t)fp_pevent);
			break;
		default:
			usbmsc_target_unit_attention(t, USBMSC_SENSE_MICROCODE_CHANGED);
			break;
		}
	}
}
