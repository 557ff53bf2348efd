/* The virtual device behind "sim:PATH[?OPTIONS]": the target core and a
 * disk-image file joined to the host's BOT engine through a simulated bulk
 * pipe (512-byte packets, short packets, stalls, halts, resets), with
 * fault injection. See usbmsc(1) for the options. */
#ifndef USBMSC_SIM_H
#define USBMSC_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "usbmsc/api.h"
#include "usbmsc/initiator.h"

#ifdef __cplusplus
extern "C" {
#endif

#define USBMSC_SIM_DEFAULT_SIZE (64u * 1024u * 1024u)
#define USBMSC_SIM_PACKET 512u

/* Vendor commands the virtual device serves (docs/SIM.md). */
#define USBMSC_SIM_OP_DEVICE_INFO 0xC0u  /* IN: struct below, big-endian */
#define USBMSC_SIM_OP_COUNTERS 0xC1u     /* IN: command/byte/reset counters */
#define USBMSC_SIM_OP_ECHO_WRITE 0xC2u   /* OUT: store up to 4 KiB in the echo buffer */
#define USBMSC_SIM_OP_ECHO_READ 0xC3u    /* IN: read the echo buffer back */

struct usbmsc_sim;

/* Create the virtual device: path is the disk image (created when missing),
 * options the URI's query string ("" or NULL for none). */
USBMSC_API
int usbmsc_sim_create(const char *path, const char *options, struct usbmsc_sim **out,
		      struct usbmsc_error *err);

/* The simulated bulk pipe, for raw BOT traffic (compliance checks, tests).
 * Closing the pipe destroys the virtual device. */
USBMSC_API
struct usbmsc_pipe *usbmsc_sim_pipe(struct usbmsc_sim *sim);

/* Time passes on the virtual device: ms milliseconds (below 2^31) in
 * which the host sends nothing. The device has no clock of its own; this
 * is the file door's quiet time (file-door=1: a checked image is activated
 * once it is over). Closing the device lets all of it pass. */
USBMSC_API
void usbmsc_sim_idle(struct usbmsc_sim *sim, uint32_t ms);

/* The "sim:" transport: usbmsc_sim_create + the BOT engine over its pipe. */
USBMSC_API
int usbmsc_sim_transport_open(const char *path_and_options, struct usbmsc_transport **out,
			      struct usbmsc_error *err);

#ifdef __cplusplus
}
#endif
#endif
