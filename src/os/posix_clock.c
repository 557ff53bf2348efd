/* Time and the process on POSIX systems (os_clock.h). */
#include "os_clock.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

uint64_t usbmsc_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t usbmsc_clock_ms(void)
{
	return usbmsc_clock_ns() / 1000000u;
}

void usbmsc_sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

unsigned long usbmsc_process_id(void)
{
	return (unsigned long)getpid();
}
