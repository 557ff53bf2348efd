/* Messages of usbmsc-gadget on stderr, prefixed with the program name.
 * gadget_log always prints; gadget_debug only at the given -v level. */
#ifndef USBMSC_GADGET_LOG_H
#define USBMSC_GADGET_LOG_H

extern int gadget_verbosity;

void gadget_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gadget_debug(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
