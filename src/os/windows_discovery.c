/* Discovery on Windows: the disks on USB, through SetupAPI and the device
 * tree, nothing opened for reading or writing.
 *
 *   every disk interface (GUID_DEVINTERFACE_DISK) whose storage descriptor
 *   says BusTypeUsb is one LUN: \\.\PhysicalDriveN (IOCTL_STORAGE_GET_
 *   DEVICE_NUMBER), INQUIRY's strings and peripheral type (the descriptor),
 *   its SCSI address (IOCTL_SCSI_GET_ADDRESS);
 *   its parent in the device tree is the USB function USBSTOR (or
 *   UASPStor) drives: USB\VID_v&PID_p\SERIAL, or USB\VID_v&PID_p&MI_nn\...
 *   under the composite device, whose other functions hold the vendor
 *   interface (class ff, subclass 4d, protocol 56);
 *   the volumes on it are the drive letters whose extents lie on disk N
 *   (IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS).
 *
 * Port paths are "BUS-PORT.PORT..." with the ports from the device's
 * location path and the bus numbered as libusb's Windows backend numbers
 * host controllers (their order in SetupAPI, from 1). Not checked against
 * real hardware: see docs/WINDOWS.md. */
#include "os_backend.h"
#include "windows_devid.h"
#include "windows_os.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <cfgmgr32.h>
#include <setupapi.h>
#include <winioctl.h>
#include <ntddscsi.h>

/* GUID_DEVINTERFACE_DISK and GUID_DEVINTERFACE_USB_HOST_CONTROLLER. */
static const GUID disk_guid = { 0x53f56307, 0xb6bf, 0x11d0,
				{ 0x94, 0xf2, 0x00, 0xa0, 0xc9, 0x1e, 0xfb, 0x8b } };
static const GUID hcd_guid = { 0x3abf6f2d, 0x71c4, 0x462a,
			       { 0x8a, 0x92, 0x1e, 0x68, 0x61, 0xe6, 0xaf, 0x27 } };
/* DEVPKEY_Device_BusReportedDeviceDesc: the device's own product string. */
static const DEVPROPKEY product_key = {
	{ 0x540b947e, 0x8b40, 0x45bc, { 0xa8, 0xa2, 0x6a, 0x0b, 0x89, 0x4c, 0xbd, 0xa2 } }, 4
};

/* One disk on USB, as its interface and descriptor tell. */
struct usb_disk {
	DEVINST devinst;
	DWORD number;
	struct usbmsc_lun_info lun;
	char serial[USBMSC_DISC_STR_MAX];   /* the descriptor's */
};

struct found {
	struct usbmsc_device_info *list;
	DEVINST *keys;                      /* each entry's USB function */
	size_t count;
};

/* ---- the device tree ------------------------------------------------------------- */

static bool node_id(DEVINST d, char *buf, size_t len)
{
	return CM_Get_Device_IDA(d, buf, (ULONG)len, 0) == CR_SUCCESS;
}

/* A registry property as text (REG_SZ, or the first string of a
 * REG_MULTI_SZ); len bytes at most, always terminated. */
static bool node_text(DEVINST d, ULONG prop, char *buf, size_t len)
{
	ULONG n = (ULONG)len - 1;

	memset(buf, 0, len);
	return CM_Get_DevNode_Registry_PropertyA(d, prop, NULL, buf, &n, 0) == CR_SUCCESS;
}

static void copy_text(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src);
}

/* The product string the device reported (UTF-8), else the description
 * Windows gave it. */
static void product_text(DEVINST d, char *buf, size_t len)
{
	WCHAR w[USBMSC_DISC_STR_MAX];
	ULONG n = sizeof w - sizeof w[0];
	DEVPROPTYPE type;

	memset(w, 0, sizeof w);
	if (CM_Get_DevNode_PropertyW(d, &product_key, &type, (PBYTE)w, &n, 0) == CR_SUCCESS &&
	    type == DEVPROP_TYPE_STRING &&
	    WideCharToMultiByte(CP_UTF8, 0, w, -1, buf, (int)len, NULL, NULL) > 0)
		return;
	node_text(d, CM_DRP_DEVICEDESC, buf, len);
}

/* ---- one disk -------------------------------------------------------------------- */

/* A field of the storage descriptor: the string at offset, spaces cut. */
static void descriptor_string(const uint8_t *buf, DWORD got, DWORD offset, char *dst,
			      size_t len)
{
	size_t n = 0;

	dst[0] = '\0';
	if (offset == 0 || offset >= got)
		return;
	while (offset + n < got && buf[offset + n] && n + 1 < len)
		n++;
	memcpy(dst, buf + offset, n);
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}

/* Fill d from the disk's descriptor; false when it is not on USB. */
static bool describe_disk(HANDLE h, struct usb_disk *d)
{
	STORAGE_PROPERTY_QUERY q;
	STORAGE_DEVICE_DESCRIPTOR *sd;
	uint8_t buf[1024];
	DWORD got = 0;

	memset(&q, 0, sizeof q);
	q.PropertyId = StorageDeviceProperty;
	q.QueryType = PropertyStandardQuery;
	if (!DeviceIoControl(h, IOCTL_STORAGE_QUERY_PROPERTY, &q, sizeof q, buf, sizeof buf, &got,
			     NULL) || got < sizeof *sd)
		return false;
	sd = (STORAGE_DEVICE_DESCRIPTOR *)buf;
	if (sd->BusType != BusTypeUsb)
		return false;
	d->lun.type = sd->DeviceType;
	descriptor_string(buf, got, sd->VendorIdOffset, d->lun.vendor, sizeof d->lun.vendor);
	descriptor_string(buf, got, sd->ProductIdOffset, d->lun.model, sizeof d->lun.model);
	descriptor_string(buf, got, sd->ProductRevisionOffset, d->lun.revision,
			  sizeof d->lun.revision);
	descriptor_string(buf, got, sd->SerialNumberOffset, d->serial, sizeof d->serial);
	return true;
}

static void scsi_address(HANDLE h, struct usbmsc_lun_info *lun)
{
	SCSI_ADDRESS a;
	DWORD got = 0;

	memset(&a, 0, sizeof a);
	a.Length = sizeof a;
	if (DeviceIoControl(h, IOCTL_SCSI_GET_ADDRESS, NULL, 0, &a, sizeof a, &got, NULL)) {
		lun->host = a.PortNumber;
		lun->channel = a.PathId;
		lun->target = a.TargetId;
		lun->lun = a.Lun;
	}
	snprintf(lun->scsi_address, sizeof lun->scsi_address, "%u:%u:%u:%llu", lun->host,
		 lun->channel, lun->target, (unsigned long long)lun->lun);
}

/* Open the disk interface at path (no access rights: queries only). */
static bool read_disk(const char *path, struct usb_disk *d)
{
	STORAGE_DEVICE_NUMBER num;
	DWORD got = 0;
	HANDLE h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
			       0, NULL);
	bool ok;

	if (h == INVALID_HANDLE_VALUE)
		return false;
	ok = DeviceIoControl(h, IOCTL_STORAGE_GET_DEVICE_NUMBER, NULL, 0, &num, sizeof num, &got,
			     NULL) && describe_disk(h, d);
	if (ok) {
		d->number = num.DeviceNumber;
		snprintf(d->lun.block_node, sizeof d->lun.block_node, "\\\\.\\PhysicalDrive%lu",
			 (unsigned long)d->number);
		scsi_address(h, &d->lun);
	}
	CloseHandle(h);
	return ok;
}

/* ---- the volumes on a disk ------------------------------------------------------- */

static bool volume_on_disk(char letter, DWORD disk)
{
	char path[8];
	union {
		VOLUME_DISK_EXTENTS v;
		uint8_t room[sizeof(VOLUME_DISK_EXTENTS) + 7 * sizeof(DISK_EXTENT)];
	} e;
	DWORD got = 0;
	HANDLE h;
	bool on = false;

	snprintf(path, sizeof path, "\\\\.\\%c:", letter);
	h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return false;
	if (DeviceIoControl(h, IOCTL_VOLUME_GET_VOLUME_DISK_EXTENTS, NULL, 0, &e, sizeof e, &got,
			    NULL))
		for (DWORD i = 0; i < e.v.NumberOfDiskExtents && i < 8; i++)
			on = on || e.v.Extents[i].DiskNumber == disk;
	CloseHandle(h);
	return on;
}

static bool add_mount(struct usbmsc_lun_info *lun, char letter)
{
	struct usbmsc_mount_info *m, *grown;
	char device[8], root[4], fs[MAX_PATH + 1] = "";

	grown = realloc(lun->mounts, (lun->mount_count + 1) * sizeof *grown);
	if (!grown)
		return false;
	lun->mounts = grown;
	m = &grown[lun->mount_count];
	memset(m, 0, sizeof *m);
	snprintf(device, sizeof device, "\\\\.\\%c:", letter);
	snprintf(root, sizeof root, "%c:\\", letter);
	GetVolumeInformationA(root, NULL, 0, NULL, NULL, NULL, fs, sizeof fs);
	m->device = malloc(strlen(device) + 1);
	m->mount_point = malloc(strlen(root) + 1);
	m->fstype = malloc(strlen(fs) + 1);
	lun->mount_count++;
	if (!m->device || !m->mount_point || !m->fstype)
		return false;
	strcpy(m->device, device);
	strcpy(m->mount_point, root);
	strcpy(m->fstype, fs);
	snprintf(m->block, sizeof m->block, "%c:", letter);
	return true;
}

static bool find_volumes(struct usbmsc_lun_info *lun, DWORD disk)
{
	DWORD letters = GetLogicalDrives();

	for (int i = 0; i < 26; i++)
		if ((letters & (1u << i)) && volume_on_disk((char)('A' + i), disk) &&
		    !add_mount(lun, (char)('A' + i)))
			return false;
	return true;
}

/* ---- the USB device above a disk ------------------------------------------------ */

/* Bus numbers as libusb's Windows backend gives them: host controllers in
 * SetupAPI's order, from 1; 0 when d is under none of them. */
static uint8_t bus_of(DEVINST d)
{
	HDEVINFO set = SetupDiGetClassDevsA(&hcd_guid, NULL, NULL,
					    DIGCF_PRESENT | DIGCF_DEVICEINTERFACE);
	SP_DEVINFO_DATA hcd;
	uint8_t bus = 0;

	if (set == INVALID_HANDLE_VALUE)
		return 0;
	hcd.cbSize = sizeof hcd;
	for (DWORD i = 0; bus == 0 && i < 255 && SetupDiEnumDeviceInfo(set, i, &hcd); i++) {
		DEVINST up = d;

		while (CM_Get_Parent(&up, up, 0) == CR_SUCCESS)
			if (up == hcd.DevInst) {
				bus = (uint8_t)(i + 1);
				break;
			}
	}
	SetupDiDestroyDeviceInfoList(set);
	return bus;
}

static void port_path(DEVINST dev, struct usbmsc_device_info *info)
{
	char loc[512];
	uint8_t ports[USBMSC_MAX_PORT_DEPTH];
	size_t n = 0;

	if (node_text(dev, CM_DRP_LOCATION_PATHS, loc, sizeof loc))
		n = usbmsc_win_location_ports(loc, ports, USBMSC_MAX_PORT_DEPTH);
	info->bus = bus_of(dev);
	if (n && info->bus)
		usbmsc_usb_port_path(info->bus, ports, n, info->port_path, sizeof info->port_path);
}

/* The vendor interface among the composite device's other functions. */
static void vendor_interface(DEVINST dev, struct usbmsc_device_info *info)
{
	char id[MAX_DEVICE_ID_LEN], compat[512];
	struct usbmsc_win_usbid u;
	uint8_t cls, sub, prot;
	ULONG n;
	DEVINST f;

	for (CONFIGRET r = CM_Get_Child(&f, dev, 0); r == CR_SUCCESS; r = CM_Get_Sibling(&f, f, 0)) {
		n = sizeof compat - 1;
		memset(compat, 0, sizeof compat);
		if (!node_id(f, id, sizeof id) || !usbmsc_win_usbid_parse(id, &u) || !u.has_mi ||
		    CM_Get_DevNode_Registry_PropertyA(f, CM_DRP_COMPATIBLEIDS, NULL, compat, &n, 0) !=
		    CR_SUCCESS || !usbmsc_win_compat_class(compat, n, &cls, &sub, &prot) ||
		    cls != 0xff || sub != 0x4d || prot != 0x56)
			continue;
		info->has_vendor_if = true;
		info->vendor_if_number = u.mi;
		node_text(f, CM_DRP_SERVICE, info->vendor_if_driver, sizeof info->vendor_if_driver);
		return;
	}
}

/* The mass-storage function fn (its driver, class and protocol) and the
 * device above it. */
static void describe_function(DEVINST fn, const struct usbmsc_win_usbid *fid,
			      struct usbmsc_device_info *info)
{
	char compat[512];
	ULONG n = sizeof compat - 1;
	uint8_t cls = 0, sub = 0, prot = 0;

	memset(compat, 0, sizeof compat);
	info->interface_number = fid->has_mi ? fid->mi : 0;
	node_text(fn, CM_DRP_SERVICE, info->driver, sizeof info->driver);
	if (CM_Get_DevNode_Registry_PropertyA(fn, CM_DRP_COMPATIBLEIDS, NULL, compat, &n, 0) ==
	    CR_SUCCESS && usbmsc_win_compat_class(compat, n, &cls, &sub, &prot)) {
		info->subclass = sub;
		info->protocol = prot;
	}
	info->has_uas = prot == USBMSC_USB_PROTOCOL_UAS || _stricmp(info->driver, "UASPStor") == 0;
	info->has_bot = prot == USBMSC_USB_PROTOCOL_BOT || _stricmp(info->driver, "USBSTOR") == 0;
}

/* info from the USB function fn above a disk; false when fn is no USB
 * function (a card reader's own bus, a virtual disk). */
static bool describe_usb(DEVINST fn, const struct usb_disk *d, struct usbmsc_device_info *info)
{
	char id[MAX_DEVICE_ID_LEN];
	struct usbmsc_win_usbid fid, did;
	DEVINST dev = fn;

	if (!node_id(fn, id, sizeof id) || !usbmsc_win_usbid_parse(id, &fid))
		return false;
	did = fid;
	if (fid.has_mi && (CM_Get_Parent(&dev, fn, 0) != CR_SUCCESS ||
			   !node_id(dev, id, sizeof id) || !usbmsc_win_usbid_parse(id, &did)))
		return false;
	info->vid = did.vid;
	info->pid = did.pid;
	copy_text(info->serial, sizeof info->serial, did.instance_is_serial ? did.instance
		  : d->serial);
	copy_text(info->usbfs_node, sizeof info->usbfs_node, id);
	product_text(dev, info->product, sizeof info->product);
	port_path(dev, info);
	describe_function(fn, &fid, info);
	if (fid.has_mi)
		vendor_interface(dev, info);
	return true;
}

/* ---- the list -------------------------------------------------------------------- */

/* The entry of function fn, added (described from d) if new; NULL when fn
 * is no USB function or memory ran out (*oom). */
static struct usbmsc_device_info *entry_for(struct found *f, DEVINST fn,
					    const struct usb_disk *d, bool *oom)
{
	struct usbmsc_device_info *grown, info;
	DEVINST *keys;

	for (size_t i = 0; i < f->count; i++)
		if (f->keys[i] == fn)
			return &f->list[i];
	memset(&info, 0, sizeof info);
	if (!describe_usb(fn, d, &info))
		return NULL;
	grown = realloc(f->list, (f->count + 1) * sizeof *grown);
	if (grown)
		f->list = grown;
	keys = grown ? realloc(f->keys, (f->count + 1) * sizeof *keys) : NULL;
	if (!keys) {
		*oom = true;
		return NULL;
	}
	f->keys = keys;
	keys[f->count] = fn;
	grown[f->count] = info;
	return &grown[f->count++];
}

static bool add_lun(struct usbmsc_device_info *info, const struct usb_disk *d)
{
	struct usbmsc_lun_info *grown = realloc(info->luns, (info->lun_count + 1) * sizeof *grown);

	if (!grown)
		return false;
	info->luns = grown;
	grown[info->lun_count++] = d->lun;
	return true;
}

/* One disk interface of the set: its LUN added to its USB function's
 * entry; false when memory ran out. */
static bool take_disk(HDEVINFO set, SP_DEVICE_INTERFACE_DATA *ifd, struct found *f)
{
	union {
		SP_DEVICE_INTERFACE_DETAIL_DATA_A d;
		char room[sizeof(SP_DEVICE_INTERFACE_DETAIL_DATA_A) + 512];
	} detail;
	SP_DEVINFO_DATA dev;
	struct usb_disk disk;
	struct usbmsc_device_info *info;
	DEVINST fn;
	bool oom = false;

	detail.d.cbSize = sizeof detail.d;
	dev.cbSize = sizeof dev;
	memset(&disk, 0, sizeof disk);
	if (!SetupDiGetDeviceInterfaceDetailA(set, ifd, &detail.d, sizeof detail, NULL, &dev) ||
	    !read_disk(detail.d.DevicePath, &disk) || CM_Get_Parent(&fn, dev.DevInst, 0) != CR_SUCCESS)
		return true;
	info = entry_for(f, fn, &disk, &oom);
	if (!info)
		return !oom;
	if (!find_volumes(&disk.lun, disk.number) || !add_lun(info, &disk)) {
		usbmsc_disc_lun_clear(&disk.lun);
		return false;
	}
	return true;
}

int usbmsc_win_discover(const struct usbmsc_discover_opts *opts,
			struct usbmsc_device_info **list, size_t *count, struct usbmsc_error *err)
{
	HDEVINFO set;
	SP_DEVICE_INTERFACE_DATA ifd;
	struct found f = { NULL, NULL, 0 };
	bool ok = true;

	(void)opts;
	*list = NULL;
	*count = 0;
	set = SetupDiGetClassDevsA(&disk_guid, NULL, NULL, DIGCF_PRESENT | DIGCF_DEVICEINTERFACE);
	if (set == INVALID_HANDLE_VALUE)
		return usbmsc_fail(err, USBMSC_E_OTHER, "SetupAPI lists no disks: Win32 error %lu",
				   (unsigned long)GetLastError());
	ifd.cbSize = sizeof ifd;
	for (DWORD i = 0; ok && SetupDiEnumDeviceInterfaces(set, NULL, &disk_guid, i, &ifd); i++)
		ok = take_disk(set, &ifd, &f);
	SetupDiDestroyDeviceInfoList(set);
	free(f.keys);
	if (!ok) {
		usbmsc_discover_free(f.list, f.count);
		return usbmsc_fail(err, USBMSC_E_OTHER, "out of memory");
	}
	*list = f.list;
	*count = f.count;
	return 0;
}

int usbmsc_win_interface(const char *port, uint8_t config, uint8_t ifnum,
			 struct usbmsc_device_info *info, struct usbmsc_error *err)
{
	struct usbmsc_device_info *list;
	size_t count, i;
	int rc = usbmsc_win_discover(NULL, &list, &count, err);

	if (rc != 0)
		return rc;
	for (i = 0; i < count; i++)
		if (strcmp(list[i].port_path, port) == 0 && list[i].interface_number == ifnum)
			break;
	if (i == count) {
		usbmsc_discover_free(list, count);
		return usbmsc_fail(err, USBMSC_E_NO_DEVICE,
				   "%s:%u.%u: Windows shows no disk on that interface", port,
				   (unsigned)config, (unsigned)ifnum);
	}
	*info = list[i];
	memset(&list[i], 0, sizeof list[i]);   /* its LUNs are info's now */
	usbmsc_discover_free(list, count);
	return 0;
}
