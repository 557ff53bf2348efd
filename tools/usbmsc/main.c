/* usbmsc: send SCSI commands to USB mass-storage devices.
 *
 * This file reads the options (the global ones are accepted before and
 * after the command name), finds the command and runs it. */
#include "cli.h"
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "usbmsc/lock.h"

const struct cli_command *const cli_commands[] = {
	&cli_cmd_inquiry, &cli_cmd_tur,   &cli_cmd_sense, &cli_cmd_capacity, &cli_cmd_luns,
	&cli_cmd_read,    &cli_cmd_write, &cli_cmd_raw,   &cli_cmd_fw,       &cli_cmd_list,
	&cli_cmd_bench,
	&cli_cmd_compliance,
	&cli_cmd_help,
};
const size_t cli_command_count = sizeof cli_commands / sizeof cli_commands[0];

struct opt_def {
	const char *name;   /* long form, without "--" */
	char short_name;    /* 0: none */
	bool has_value;
	enum cli_opt id;
};

static const struct opt_def opt_defs[] = {
	{ "device", 'd', true, CLI_O_DEVICE },
	{ "json", 0, false, CLI_O_JSON },
	{ "verbose", 'v', false, CLI_O_VERBOSE },
	{ "timeout", 0, true, CLI_O_TIMEOUT },
	{ "lun", 0, true, CLI_O_LUN },
	{ "help", 'h', false, CLI_O_HELP },
	{ "version", 0, false, CLI_O_VERSION },
	{ "unmount", 0, false, CLI_O_UNMOUNT },
	{ "vpd", 0, true, CLI_O_VPD },
	{ "output", 'o', true, CLI_O_OUTPUT },
	{ "in", 0, true, CLI_O_IN },
	{ "out", 0, true, CLI_O_OUT },
	{ "dry-run", 0, false, CLI_O_DRY_RUN },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < cli_command_count; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}

static const struct opt_def *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof opt_defs / sizeof opt_defs[0]; i++)
		if (strlen(opt_defs[i].name) == len && strncmp(opt_defs[i].name, name, len) == 0)
			return &opt_defs[i];
	return NULL;
}

static const struct opt_def *find_short(char c)
{
	for (size_t i = 0; i < sizeof opt_defs / sizeof opt_defs[0]; i++)
		if (opt_defs[i].short_name && opt_defs[i].short_name == c)
			return &opt_defs[i];
	return NULL;
}

int cli_apply_global(struct cli *c, enum cli_opt id, const char *value)
{
	uint64_t n;

	switch (id) {
	case CLI_O_DEVICE: c->device = value; break;
	case CLI_O_JSON: c->json = true; break;
	case CLI_O_VERBOSE: c->verbose++; break;
	case CLI_O_TIMEOUT:
		if (!parse_seconds(value, &c->timeout_ms))
			return cli_usage(c, "--timeout takes seconds (more than 0, at most 86400), not '%s'",
					 value);
		break;
	case CLI_O_LUN:
		if (!parse_u64(value, &n) || n > USBMSC_MAX_LUN)
			return cli_usage(c, "--lun takes a LUN number from 0 to %u, not '%s'",
					 USBMSC_MAX_LUN, value);
		c->lun = (uint8_t)n;
		break;
	case CLI_O_HELP: c->help = true; break;
	case CLI_O_VERSION: c->version = true; break;
	case CLI_O_UNMOUNT: c->unmount = true; break;
	default: break;
	}
	return 0;
}

/* Store one option's value; returns 0 or the usage error. */
static int apply_opt(struct cli *c, const struct opt_def *d, const char *value)
{
	if (d->id < CLI_O_GLOBAL_END)
		return cli_apply_global(c, d->id, value);
	switch (d->id) {
	case CLI_O_VPD: c->vpd = value; break;
	case CLI_O_OUTPUT: c->output = value; break;
	case CLI_O_IN: c->in_len = value; break;
	case CLI_O_OUT: c->out_file = value; break;
	case CLI_O_DRY_RUN: c->dry_run = true; break;
	default: break;
	}
	return 0;
}

/* An option the current command does not take is an error that says why. */
static int check_applies(struct cli *c, const struct opt_def *d)
{
	if (d->id < CLI_O_GLOBAL_END)
		return 0;
	if (!c->cmd)
		return cli_usage(c, "option --%s belongs after its command's name", d->name);
	if (!(c->cmd->opts & CLI_OPT(d->id)))
		return cli_usage(c, "%s takes no option --%s", c->cmd->name, d->name);
	return 0;
}

/* One argument that starts with '-'. *i moves past a separate value. */
static int parse_option(struct cli *c, int argc, char **argv, int *i)
{
	const char *arg = argv[*i];
	const struct opt_def *d;
	const char *value = NULL;
	int st;

	if (arg[1] == '-') {
		const char *name = arg + 2;
		const char *eq = strchr(name, '=');
		d = find_long(name, eq ? (size_t)(eq - name) : strlen(name));
		if (!d)
			return cli_usage(c, "unknown option '%s'", arg);
		if (eq && !d->has_value)
			return cli_usage(c, "option --%s takes no value", d->name);
		if (eq)
			value = eq + 1;
	} else {
		/* -v, -vv, -vvv */
		if (arg[1] == 'v' && arg[strspn(arg + 1, "v") + 1] == '\0') {
			c->verbose += (int)strlen(arg + 1);
			return 0;
		}
		d = find_short(arg[1]);
		if (!d)
			return cli_usage(c, "unknown option '%s'", arg);
		if (arg[2] != '\0') {
			if (!d->has_value)
				return cli_usage(c, "unknown option '%s'", arg);
			value = arg + 2;
		}
	}
	st = check_applies(c, d);
	if (st)
		return st;
	if (d->has_value && !value) {
		if (*i + 1 >= argc)
			return cli_usage(c, "option '%s' needs a value", arg);
		value = argv[++*i];
	}
	return apply_opt(c, d, value);
}

/* Fill c from the command line; 0 or the usage error (already printed). */
static int parse_args(struct cli *c, int argc, char **argv)
{
	bool options_done = false;

	/* --json first, so that even a usage error becomes a JSON document. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			c->json = true;
	c->argv = calloc((size_t)argc, sizeof *c->argv);
	if (!c->argv)
		return cli_fail(c, USBMSC_E_OTHER, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!options_done && strcmp(arg, "--") == 0) {
			options_done = true;
		} else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
			int st = parse_option(c, argc, argv, &i);
			if (st)
				return st;
		} else if (!c->cmd) {
			c->cmd = cli_find_command(arg);
			if (!c->cmd)
				return cli_usage(c, "unknown command '%s'", arg);
			/* A command with subcommands reads the rest, options too. */
			while (c->cmd->own_options && i + 1 < argc)
				c->argv[c->argc++] = argv[++i];
		} else {
			c->argv[c->argc++] = argv[i];
		}
	}
	if (!c->device) {
		const char *env = getenv("USBMSC_DEVICE");
		if (env && env[0])
			c->device = env;
	}
	return 0;
}

/* Output that could not be written (a full disk, a closed pipe) is a failure. */
static int finish_output(struct cli *c, int st)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "usbmsc: %s: could not write to standard output\n",
			c->cmd ? c->cmd->name : "output");
		if (st == 0)
			st = USBMSC_E_FILE;
	}
	return st;
}

static int run(struct cli *c)
{
	if (c->version) {
		cli_print_version(c);
		return 0;
	}
	if (c->help) {
		if (c->cmd)
			cli_print_command_help(c, c->cmd);
		else
			cli_print_usage(c);
		return 0;
	}
	if (!c->cmd)
		return cli_usage(c, "no command given");
	if (c->argc < c->cmd->min_args)
		return cli_usage(c, "missing arguments");
	if (c->argc > c->cmd->max_args)
		return cli_usage(c, "too many arguments (from '%s' on)", c->argv[c->cmd->max_args]);
	return c->cmd->run(c);
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int st;

	cli_compat_binary_stdio();
	json_init(&c.out, stdout);
	st = parse_args(&c, argc, argv);
	if (st == 0)
		st = cli_stop_status(run(&c));
	if (c.dev)
		usbmsc_close(c.dev);
	usbmsc_lock_release(c.lock);
	st = finish_output(&c, st);
	free(c.argv);
	return st;
}
