/* One parser for the option tables of fw, bench and compliance; the global
 * options in them are stored through cli_apply_global. */
#include "own_opts.h"

#include <string.h>

#include "cli.h"

static const struct own_opt *find_opt(const struct own_opts *rules, const char *name, size_t len,
				      char short_name)
{
	for (size_t i = 0; i < rules->count; i++) {
		const struct own_opt *o = &rules->opts[i];
		if (short_name ? o->short_name == short_name
			       : strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	}
	return NULL;
}

int own_opt_parse(struct cli *c, const struct own_opts *rules, unsigned sub, const char *sub_name,
		  int *i, const struct own_opt **opt, const char **value)
{
	const char *arg = c->argv[*i];
	const struct own_opt *o;

	*opt = NULL;
	*value = NULL;
	if (arg[1] == '-') {
		const char *name = arg + 2, *eq = strchr(name, '=');
		o = find_opt(rules, name, eq ? (size_t)(eq - name) : strlen(name), 0);
		if (o && eq && !o->has_value)
			return cli_usage(c, "option --%s takes no value", o->name);
		if (eq)
			*value = eq + 1;
	} else if (arg[1] == 'v' && arg[strspn(arg + 1, "v") + 1] == '\0') {
		c->verbose += (int)strlen(arg + 1);
		return 0;
	} else {
		o = find_opt(rules, NULL, 0, arg[1]);
		if (o && arg[2] != '\0') {
			if (!o->has_value)
				o = NULL;
			else
				*value = arg + 2;
		}
	}
	if (!o)
		return cli_usage(c, "unknown option '%s'", arg);
	if (rules->what && !sub && o->subs != rules->all_subs)
		return cli_usage(c, "--%s comes after %s", o->name, rules->what);
	if (rules->what && sub && !(o->subs & sub))
		return cli_usage(c, "%s takes no option --%s", sub_name, o->name);
	if (o->has_value && !*value) {
		if (*i + 1 >= c->argc)
			return cli_usage(c, "option '%s' needs a value", arg);
		*value = c->argv[++*i];
	}
	if (o->id < CLI_O_GLOBAL_END)
		return cli_apply_global(c, (enum cli_opt)o->id, *value);
	*opt = o;
	return 0;
}
