/* Time for the host side's waits: a monotonic millisecond clock and a
 * sleep that a signal does not cut short. Host side only. */
#ifndef USBMSC_CLOCK_H
#define USBMSC_CLOCK_H

#include <stdint.h>

/* Milliseconds on a clock that only goes forward. */
uint64_t usbmsc_now_ms(void);
/* Sleep ms milliseconds, whatever signals come. */
void usbmsc_sleep_ms(unsigned ms);

#endif
