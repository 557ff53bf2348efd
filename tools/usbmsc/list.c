/* list: the USB mass-storage devices this machine can reach, and which
 * path reaches each right now (the library's discovery; nothing is opened). */
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
	for (i = 0; i < d->lun_count; i++) {
		const struct usbmsc_lun_info *l = &d->luns[i];

		printf("  LUN %llu at %s: %s %s %s", (unsigned long long)l->lun, l->scsi_address,
		       l->vendor, l->model, l->revision);
		if (l->sg_node[0])
			printf(", %s", l->sg_node);
		if (l->block_node[0])
			printf(", %s", l->block_node);
		putchar('\n');
		for (j = 0; j < l->mount_count; j++)
			printf("    %s is mounted at %s (%s)\n", l->mounts[j].device,
			       l->mounts[j].mount_point, l->mounts[j].fstype);
	}
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

static void json_lun(struct json *j, const struct usbmsc_lun_info *l)
{
	size_t i;

	json_object_begin(j, NULL);
	json_uint(j, "lun", l->lun);
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
	json_array_begin(j, "luns");
	for (i = 0; i < d->lun_count; i++)
		json_lun(j, &d->luns[i]);
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
		"strings, port, speed, protocol, the bound driver, each LUN with its sg\n"
		"and block nodes and mounted file systems; and for each path (sgio, usb,\n"
		"auto) whether it can be used now, its URI, and why not. Nothing is opened\n"
		"(Linux: read from sysfs), so it needs no privileges. Exits 0, also when\n"
		"there are none.\n"
		"\n"
		"JSON: {\"devices\": [{port, vid, pid, manufacturer, product, serial, speed,\n"
		"bus, address, interface, protocol, bot, uas, driver, luns: [{lun,\n"
		"scsi_address, sg, block, mounts}], paths: {sgio, usb, auto: {usable, uri,\n"
		"reason}}}]}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc list\n"
		"  usbmsc list --json\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 0,
	.run = run_list,
};
