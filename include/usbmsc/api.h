/* How the library marks its public interface (every other public header
 * includes this one).
 *
 * USBMSC_API stands on its own line before each public function and
 * variable: they are the only symbols the shared library exports, since
 * the library is built with -fvisibility=hidden (ELF) or exports only
 * what is marked (a Windows DLL, where the build defines USBMSC_API as
 * __declspec(dllexport) on the command line). Applications get the
 * default below, which changes nothing for them.
 *
 * USBMSC_PRINTF(f, a): argument f is a format string in the C99 style and
 * the values start at argument a; the compiler checks them. GCC's
 * gnu_printf archetype is C99's (%zu) also on mingw-w64, where the plain
 * archetype means Microsoft's older conversions. Pure macros: freestanding. */
#ifndef USBMSC_API_H
#define USBMSC_API_H

#ifndef USBMSC_API
#if defined(__GNUC__)
#define USBMSC_API __attribute__((visibility("default")))
#else
#define USBMSC_API
#endif
#endif

#if defined(__clang__)
#define USBMSC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#elif defined(__GNUC__)
#define USBMSC_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#else
#define USBMSC_PRINTF(f, a)
#endif

#endif
