/* A pipe that makes a device with one block size look like one with k
 * times larger blocks (the virtual device has 512 or 4096; real devices
 * have 520, 1536, 64 KiB...): READ and WRITE (10, 12 and 16) go to the
 * device as READ(16)/WRITE(16) with LBA and count times k, and the
 * answers of READ CAPACITY (10 and 16) are divided by k. Byte counts do
 * not change, so the device decides the thirteen cases on the bytes
 * just as a device with the large blocks would. Everything else passes
 * through. */
#ifndef HOSTILE_SCALE_PIPE_H
#define HOSTILE_SCALE_PIPE_H

#include <stdint.h>

#include "usbmsc/initiator.h"

/* Around inner (closed with it); k >= 1. NULL when out of memory (inner
 * is then closed). */
struct usbmsc_pipe *scale_pipe_new(struct usbmsc_pipe *inner, uint32_t k);

#endif
