/* Options of the commands that parse their own arguments (fw, bench,
 * compliance): one table per command, one parser for all of them. */
#ifndef USBMSC_CLI_OWN_OPTS_H
#define USBMSC_CLI_OWN_OPTS_H

#include <stdbool.h>
#include <stddef.h>

struct cli;

struct own_opt {
	const char *name;
	char short_name;
	bool has_value;
	int id;             /* a global option's enum cli_opt, else the command's own id */
	unsigned subs;      /* the subcommands that take it (0 for commands without) */
};

/* A command's own option ids start here; ids below CLI_O_GLOBAL_END are the
 * global options (-d, --json, --help, ...), which the parser applies itself. */
#define OWN_OPT_FIRST 64

/* The rules for one command's table. */
struct own_opts {
	const struct own_opt *opts;
	size_t count;
	unsigned all_subs;  /* options with this mask may come before the subcommand */
	const char *what;   /* "the bench command (tur or read)"; NULL: no subcommands */
};

/* Parse c->argv[*i], which starts with '-', against rules: -v, -vv... add to
 * c->verbose and a global option is stored in c (*opt = NULL for both);
 * otherwise *opt and its *value (taken from
 * "--name=V", "-xV" or the next argument, which moves *i). sub is the
 * chosen subcommand's mask (0: none yet), sub_name its name. Returns 0 or a
 * usage status. */
int own_opt_parse(struct cli *c, const struct own_opts *rules, unsigned sub, const char *sub_name,
		  int *i, const struct own_opt **opt, const char **value);

#endif
