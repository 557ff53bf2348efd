/* Time and the process, one set of calls on every system: posix_clock.c
 * and windows_clock.c (os_file.h says why). Internal: not installed. */
#ifndef USBMSC_OS_CLOCK_H
#define USBMSC_OS_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A monotonic clock, from an arbitrary start: nanoseconds, milliseconds. */
uint64_t usbmsc_clock_ns(void);
uint64_t usbmsc_clock_ms(void);
/* Sleep at least ms milliseconds, signals or not. */
void usbmsc_sleep_ms(unsigned ms);
/* This process's ID, for names and messages. */
unsigned long usbmsc_process_id(void);

#ifdef __cplusplus
}
#endif
#endif
