/* list: the USB mass-storage devices this machine can reach, the doors
 * into each (vendor interface, control LUN, sg and block nodes, raw USB),
 * and which path reaches each right now (the library's discovery; nothing
 * is opened). */
#include "cli.h"

#include <string.h>

#include "usbmsc/discovery.h"

/* A path's reason without its "sgio: " prefix (the line already says it). */
static const char *reason_text(const char *reason)
{
	const char *colon = strstr(reason, ": ");

	return colon && (size_t)(colon - reason) <= 5 ? colon + 2 : reason;
}

static void print_path(const char *name, const struct usbmsc_path_info *p)
{
	const char *why = reason_text(p->reason);

	if (!p->usable)
		printf("  %-5s no   %s\n", name, why);
	else if (why[0])
		printf("  %-5s yes  %s (%s)\n", name, p->uri, why);
	else
		printf("  %-5s yes  %s\n", name, p->uri);
}

/* One door: usable or not, its URI, and why not (or what limits it). */
static void print_door(enum usbmsc_door_kind door, const struct usbmsc_path_info *p)
{
	const char *label = usbmsc_door_label(door);
	const char *why = p->reason;
	size_t n = strlen(label);

	/* The reason starts with the door's label: the line already says it. */
	if (strncmp(why, label, n) == 0 && strncmp(why + n, ": ", 2) == 0)
		why += n + 2;
	if (!p->usable)
		printf("    %-12s no   %s\n", usbmsc_door_name(door), why);
	else if (why[0])
		printf("    %-12s yes  %s (%s)\n", usbmsc_door_name(door), p->uri, why);
	else
		printf("    %-12s yes  %s\n", usbmsc_door_name(door), p->uri);
}

/* The mount the file door's URI names (vol:MOUNTPOINT). */
static bool is_file_door(const struct usbmsc_device_info *d, const struct usbmsc_mount_info *m)
{
	const char *uri = d->doors[USBMSC_DOOR_FILE].uri;

	return d->doors[USBMSC_DOOR_FILE].usable && strncmp(uri, "vol:", 4) == 0 &&
	       strcmp(uri + 4, m->mount_point) == 0;
}

static const char *protocol_name(const struct usbmsc_device_info *d)
{
	if (d->has_bot && d->has_uas)
		return "Bulk-Only and UAS";
	if (d->has_uas)
		return "UAS only";
	return d->has_bot ? "Bulk-Only" : "not Bulk-Only";
}

static void print_device(const struct usbmsc_device_info *d)
{
	size_t i, j;

	printf("%s  %04x:%04x  %s%s%s", d->port_path, d->vid, d->pid, d->manufacturer,
	       d->manufacturer[0] && d->product[0] ? " " : "", d->product);
	if (d->serial[0])
		printf("  serial %s", d->serial);
	printf("\n  %s Mbit/s (%s), interface %u: %s, driver %s\n", d->speed,
	       usbmsc_usb_speed_name(d->speed), d->interface_number, protocol_name(d),
	       d->driver[0] ? d->driver : "none");
	if (d->has_vendor_if)
		printf("  vendor interface %u, driver %s\n", d->vendor_if_number,
		       d->vendor_if_driver[0] ? d->vendor_if_driver : "none");
	for (i = 0; i < d->lun_count; i++) {
		const struct usbmsc_lun_info *l = &d->luns[i];

		printf("  LUN %llu at %s: %s %s %s", (unsigned long long)l->lun, l->scsi_address,
		       l->vendor, l->model, l->revision);
		if (l->sg_node[0])
			printf(", %s", l->sg_node);
		if (l->block_node[0])
			printf(", %s", l->block_node);
		if (l->type == USBMSC_SCSI_TYPE_PROCESSOR)
			printf(" (control LUN)");
		putchar('\n');
		for (j = 0; j < l->mount_count; j++)
			printf("    %s is mounted at %s (%s)%s\n", l->mounts[j].device,
			       l->mounts[j].mount_point, l->mounts[j].fstype,
			       is_file_door(d, &l->mounts[j]) ? ": the file door" : "");
	}
	printf("  doors, in the order auto: tries them:\n");
	for (i = 0; i < USBMSC_DOOR_COUNT; i++)
		print_door((enum usbmsc_door_kind)i, &d->doors[i]);
	print_path("sgio", &d->sgio);
	print_path("usb", &d->usb);
	print_path("auto", &d->auto_path);
}

static void json_path(struct json *j, const char *key, const struct usbmsc_path_info *p)
{
	json_object_begin(j, key);
	json_bool(j, "usable", p->usable);
	json_string(j, "uri", p->uri[0] ? p->uri : NULL);
	json_string(j, "reason", p->reason[0] ? p->reason : NULL);
	json_object_end(j);
}

static void json_hex16(struct json *j, const char *key, uint16_t v)
{
	char buf[8];

	snprintf(buf, sizeof buf, "%04x", v);
	json_string(j, key, buf);
}

static void json_lun(struct json *j, const struct usbmsc_device_info *d,
		     const struct usbmsc_lun_info *l)
{
	size_t i;

	json_object_begin(j, NULL);
	json_uint(j, "lun", l->lun);
	json_uint(j, "type", l->type);
	json_bool(j, "control", l->type == USBMSC_SCSI_TYPE_PROCESSOR);
	json_string(j, "scsi_address", l->scsi_address);
	json_string(j, "vendor", l->vendor);
	json_string(j, "model", l->model);
	json_string(j, "revision", l->revision);
	json_string(j, "sg", l->sg_node[0] ? l->sg_node : NULL);
	json_string(j, "block", l->block_node[0] ? l->block_node : NULL);
	json_array_begin(j, "mounts");
	for (i = 0; i < l->mount_count; i++) {
		json_object_begin(j, NULL);
		json_string(j, "device", l->mounts[i].device);
		json_string(j, "mount_point", l->mounts[i].mount_point);
		json_string(j, "fstype", l->mounts[i].fstype);
		json_bool(j, "file_door", is_file_door(d, &l->mounts[i]));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void json_device(struct json *j, const struct usbmsc_device_info *d)
{
	size_t i;

	json_object_begin(j, NULL);
	json_string(j, "port", d->port_path);
	json_hex16(j, "vid", d->vid);
	json_hex16(j, "pid", d->pid);
	json_string(j, "manufacturer", d->manufacturer);
	json_string(j, "product", d->product);
	json_string(j, "serial", d->serial[0] ? d->serial : NULL);
	json_string(j, "speed_mbps", d->speed);
	json_string(j, "speed", usbmsc_usb_speed_name(d->speed));
	json_uint(j, "bus", d->bus);
	json_uint(j, "address", d->address);
	json_uint(j, "interface", d->interface_number);
	json_uint(j, "subclass", d->subclass);
	json_uint(j, "protocol", d->protocol);
	json_bool(j, "bot", d->has_bot);
	json_bool(j, "uas", d->has_uas);
	json_string(j, "driver", d->driver[0] ? d->driver : NULL);
	if (d->has_vendor_if) {
		json_object_begin(j, "vendor_interface");
		json_uint(j, "interface", d->vendor_if_number);
		json_string(j, "driver", d->vendor_if_driver[0] ? d->vendor_if_driver : NULL);
		json_object_end(j);
	} else {
		json_null(j, "vendor_interface");
	}
	json_array_begin(j, "luns");
	for (i = 0; i < d->lun_count; i++)
		json_lun(j, d, &d->luns[i]);
	json_array_end(j);
	json_array_begin(j, "doors");
	for (i = 0; i < USBMSC_DOOR_COUNT; i++) {
		const struct usbmsc_path_info *p = &d->doors[i];

		json_object_begin(j, NULL);
		json_string(j, "door", usbmsc_door_name((enum usbmsc_door_kind)i));
		json_bool(j, "usable", p->usable);
		json_string(j, "uri", p->uri[0] ? p->uri : NULL);
		json_string(j, "reason", p->reason[0] ? p->reason : NULL);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_begin(j, "paths");
	json_path(j, "sgio", &d->sgio);
	json_path(j, "usb", &d->usb);
	json_path(j, "auto", &d->auto_path);
	json_object_end(j);
	json_object_end(j);
}

static int run_list(struct cli *c)
{
	struct usbmsc_device_info *list;
	struct usbmsc_error err = { 0 };
	size_t count, i;
	int st = usbmsc_discover(&list, &count, &err);

	if (st)
		return cli_fail(c, st, "%s", err.msg[0] ? err.msg : usbmsc_status_name(st));
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_array_begin(&c->out, "devices");
		for (i = 0; i < count; i++)
			json_device(&c->out, &list[i]);
		json_array_end(&c->out);
		json_object_end(&c->out);
	} else if (count == 0) {
		printf("no USB mass-storage devices found\n");
	}
	for (i = 0; i < count && !c->json; i++) {
		if (i)
			putchar('\n');
		print_device(&list[i]);
	}
	usbmsc_discover_free(list, count);
	return 0;
}

const struct cli_command cli_cmd_list = {
	.name = "list",
	.args = "",
	.summary = "list the USB mass-storage devices and the paths that reach them",
	.help = "Lists the USB mass-storage interfaces attached to this machine: IDs,\n"
		"strings, port, speed, protocol, the bound driver, the vendor interface if\n"
		"the device has one, each LUN with its sg and block nodes and mounted file\n"
		"systems (a control LUN and a file door's volume are marked); the doors\n"
		"into the device in the order auto: tries them (vendor: the vendor\n"
		"interface, usbv:; control-lun: the control LUN's sg node; sg and block: the\n"
		"disk LUN's nodes, SG_IO; usb: raw Bulk-Only Transport; file: the file door's\n"
		"mounted volume, vol:MOUNTPOINT, firmware updates only), each usable or not,\n"
		"its URI, and why not; and for\n"
		"each path (sgio, usb, auto) the same. Nothing is opened (Linux: read from\n"
		"sysfs), so it needs no privileges. Exits 0, also when there are none.\n"
		"\n"
		"JSON: {\"devices\": [{port, vid, pid, manufacturer, product, serial, speed,\n"
		"bus, address, interface, protocol, bot, uas, driver, vendor_interface:\n"
		"{interface, driver} or null, luns: [{lun, type, control, scsi_address, sg,\n"
		"block, mounts: [{device, mount_point, fstype, file_door}]}], doors: [{door,\n"
		"usable, uri, reason}], paths: {sgio, usb,\n"
		"auto: {usable, uri, reason}}}]}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc list\n"
		"  usbmsc list --json\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 0,
	.run = run_list,
};
