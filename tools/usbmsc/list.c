/* list: the USB mass-storage devices this machine can reach. Discovery is
 * not in the library yet, so the list is empty; the output formats are the
 * ones discovery will fill. */
#include "cli.h"

static int run_list(struct cli *c)
{
	if (c->json) {
		json_object_begin(&c->out, NULL);
		json_array_begin(&c->out, "devices");
		json_array_end(&c->out);
		json_object_end(&c->out);
		return 0;
	}
	printf("no USB mass-storage devices found\n");
	return 0;
}

const struct cli_command cli_cmd_list = {
	.name = "list",
	.args = "",
	.summary = "list the USB mass-storage devices and the paths that reach them",
	.help = "Lists the USB mass-storage devices attached to this machine, with the URIs\n"
		"that reach each. This build does not discover devices yet: it reports none,\n"
		"and exits 0.\n"
		"\n"
		"JSON: {\"devices\": [...]}.\n"
		"\n"
		"Examples:\n"
		"  usbmsc list\n"
		"  usbmsc list --json\n",
	.opts = 0,
	.min_args = 0,
	.max_args = 0,
	.run = run_list,
};
