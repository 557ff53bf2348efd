/* Time and the process on Windows (os_clock.h). */
#include "os_clock.h"

#include <windows.h>

uint64_t usbmsc_clock_ns(void)
{
	static LARGE_INTEGER freq;
	LARGE_INTEGER now;

	if (freq.QuadPart == 0)
		QueryPerformanceFrequency(&freq);   /* fixed at boot; never fails since XP */
	QueryPerformanceCounter(&now);
	return (uint64_t)(now.QuadPart / freq.QuadPart) * 1000000000u +
	       (uint64_t)(now.QuadPart % freq.QuadPart) * 1000000000u / (uint64_t)freq.QuadPart;
}

uint64_t usbmsc_clock_ms(void)
{
	return usbmsc_clock_ns() / 1000000u;
}

void usbmsc_sleep_ms(unsigned ms)
{
	Sleep(ms);
}

unsigned long usbmsc_process_id(void)
{
	return (unsigned long)GetCurrentProcessId();
}
