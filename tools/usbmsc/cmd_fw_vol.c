/* fw info over vol:MOUNTPOINT: what a file door's files say (doorvol.h):
 * INFO_UF2.TXT (the board, the version that runs), STATUS.TXT (what the
 * door did last), CURRENT.UF2 (the running image's header). */
#include "cmd_fw_update.h"

#include <inttypes.h>
#include <string.h>

#include "usbmsc/doorvol.h"

static void json_current(struct json *j, const struct usbmsc_door_volume *v)
{
	const struct usbmsc_fw_header *h = &v->current;

	if (!v->has_current) {
		json_null(j, "current");
		return;
	}
	json_object_begin(j, "current");
	json_string(j, "version", h->version);
	json_uint(j, "version_number", h->version_number);
	json_uint(j, "length", (uint64_t)h->payload_len + USBMSC_FW_HEADER_LEN);
	json_uint(j, "uf2_blocks", v->current_blocks);
	json_string(j, "version_tag", v->current_tag[0] ? v->current_tag : NULL);
	json_object_begin(j, "fits");
	json_uint(j, "vid", h->vid);
	json_uint(j, "pid", h->pid);
	json_string(j, "vendor", h->vendor);
	json_string(j, "product", h->product);
	json_uint(j, "hw_rev_min", h->hw_rev_min);
	json_uint(j, "hw_rev_max", h->hw_rev_max);
	json_object_end(j);
	json_object_end(j);
}

static void info_json(struct cli *c, const struct usbmsc_door_volume *v)
{
	struct json *j = &c->out;
	const struct usbmsc_door_status *s = &v->status;

	json_object_begin(j, NULL);
	json_string(j, "volume", v->path);
	json_object_begin(j, "info");
	json_string(j, "bootloader", v->info.bootloader);
	json_string(j, "model", v->info.model);
	json_string(j, "board_id", v->info.board_id);
	json_string(j, "firmware", v->info.firmware);
	json_object_end(j);
	json_object_begin(j, "status");
	json_string(j, "line", v->status_line);
	json_string(j, "state", usbmsc_door_state_name(s->state));
	json_bool(j, "fresh", v->fresh);
	if (s->state == USBMSC_DOOR_ST_RECEIVING || s->state == USBMSC_DOOR_ST_INCOMPLETE) {
		json_uint(j, "got", s->got);
		json_uint(j, "blocks", s->blocks);
	}
	if (s->state == USBMSC_DOOR_ST_UPDATED)
		json_string(j, "from", s->from);
	if (s->state == USBMSC_DOOR_ST_UPDATED || s->state == USBMSC_DOOR_ST_CHECKED)
		json_string(j, "to", s->to);
	if (s->state == USBMSC_DOOR_ST_REFUSED)
		json_string(j, "reason", s->reason_text);
	json_object_end(j);
	json_current(j, v);
	json_object_end(j);
}

static void info_text(const struct usbmsc_door_volume *v)
{
	const struct usbmsc_fw_header *h = &v->current;

	cli_kv("volume", "%s (a file door: firmware updates by file copy)", v->path);
	if (v->info.bootloader[0])
		cli_kv("bootloader", "%s", v->info.bootloader);
	cli_kv("board", "Model: %s, Board-ID: %s", v->info.model[0] ? v->info.model : "(none)",
	       v->info.board_id[0] ? v->info.board_id : "(none)");
	if (v->has_current)
		cli_kv("active", "%s (number %" PRIu32 "), %" PRIu32 " bytes", v->info.firmware,
		       h->version_number, h->payload_len + USBMSC_FW_HEADER_LEN);
	else
		cli_kv("active", "%s (no image in CURRENT.UF2)", v->info.firmware);
	cli_kv("status", "%s%s", v->status_line[0] ? v->status_line : "(no STATUS.TXT)",
	       v->fresh ? "" : " (as this system cached it since the volume was mounted)");
	if (!v->has_current)
		return;
	cli_kv("usb id", "%04x:%04x%s", h->vid, h->pid, h->vid ? "" : " (any)");
	cli_kv("made for", "%s %s, hardware revisions %u to %u", h->vendor[0] ? h->vendor : "(any)",
	       h->product[0] ? h->product : "(any)", h->hw_rev_min, h->hw_rev_max);
}

int cli_fw_info_volume(struct cli *c, const char *path)
{
	struct usbmsc_door_volume v;
	struct usbmsc_error err = { 0 };
	int st = usbmsc_door_volume_read(path, true, &v, &err);

	if (st)
		return cli_fail(c, st, "%s", err.msg);
	if (c->json)
		info_json(c, &v);
	else
		info_text(&v);
	return 0;
}
