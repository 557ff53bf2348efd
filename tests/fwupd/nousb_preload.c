/*
 * LD_PRELOAD for fwupdtool in the desktop lab guest: libusb_init fails, so
 * fwupd drops its usb backend and its udev backend can bind the netlink
 * socket it needs.
 *
 * Why: Debian 12's fwupd 2.0.20 is built against libusb 1.0.26, which has
 * no libusb_init_context, so its usb backend calls libusb_init; libusb's
 * hotplug monitor binds a netlink socket first and takes the port numbered
 * by the process's pid, then the udev backend's bind to that same port
 * (nl_pid = getpid()) fails with EADDRINUSE. Every command that watches
 * hotplug (install, update, install-blob, and the daemon) then sees no udev
 * device at all: "No detected devices". get-devices does not watch hotplug
 * and is run without this. docs/FWUPD.md.
 */
int libusb_init(void **ctx);

int libusb_init(void **ctx)
{
	(void)ctx;
	return -12; /* LIBUSB_ERROR_NOT_SUPPORTED */
}
