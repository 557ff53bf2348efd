/* The whole public API in one include: an application writes
 *
 *   #include <usbmsc/usbmsc.h>
 *
 * and links with `pkg-config --libs usbmsc`. Where to start: usbmsc_open()
 * and usbmsc_exec() (initiator.h), the common commands beside them, the
 * examples/ folder of the source tree. The headers below can also be
 * included one by one; firmware uses the target core's alone (target.h,
 * bot.h, fwengine.h, usbdesc.h, filedoor.h: docs/PORTING.md). */
#ifndef USBMSC_USBMSC_H
#define USBMSC_USBMSC_H

#include "usbmsc/api.h"
#include "usbmsc/status.h"

/* The host side: devices, commands, discovery, firmware updates. */
#include "usbmsc/byteorder.h"
#include "usbmsc/compliance.h"
#include "usbmsc/discovery.h"
#include "usbmsc/doorstatus.h"
#include "usbmsc/doorvol.h"
#include "usbmsc/fwsign.h"
#include "usbmsc/fwuf2.h"
#include "usbmsc/fwupdate.h"
#include "usbmsc/initiator.h"
#include "usbmsc/lock.h"
#include "usbmsc/scsi.h"
#include "usbmsc/sim.h"

/* The wire formats both sides share, and the device side (the target core). */
#include "usbmsc/bot.h"
#include "usbmsc/doors.h"
#include "usbmsc/filedoor.h"
#include "usbmsc/fwengine.h"
#include "usbmsc/fwimage.h"
#include "usbmsc/fwproto.h"
#include "usbmsc/target.h"
#include "usbmsc/uf2.h"
#include "usbmsc/usbdesc.h"

#endif
