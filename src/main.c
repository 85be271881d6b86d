/*
 * main.c: the vyrec command line.  The commands and their options are
 * tables (options.c), one file each (cmd_*.c); this file finds the
 * command and handles --help and --version.
 */
#include <string.h>
#include <sys/resource.h>
#include <spirv-tools/libspirv.h>
#include <glslang/build_info.h>

#include "cli.h"
#include "yaml_tree.h"

int vy_cmd_build(int, char **), vy_cmd_check(int, char **),
    vy_cmd_launcher(int, char **), vy_cmd_run(int, char **),
    vy_cmd_verify(int, char **), vy_cmd_ops(int, char **),
    vy_cmd_targets(int, char **), vy_cmd_backends(int, char **);
static int cmd_help(int, char **);

/* The function of each command of vy_commands (options.c). */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);   /* argv[0] is the command name */
} fns[] = {
	{ "build", vy_cmd_build }, { "check", vy_cmd_check },
	{ "launcher", vy_cmd_launcher }, { "run", vy_cmd_run },
	{ "verify", vy_cmd_verify }, { "ops", vy_cmd_ops },
	{ "targets", vy_cmd_targets }, { "backends", vy_cmd_backends },
	{ "help", cmd_help },
};

/* "unknown command 'buld'" with the nearest command; exit 2. */
static int unknown_command(const char *cmd, const char *name)
{
	const char *near = vy_cmd_suggest(name);
	fprintf(stderr, "vyrec%s%s: unknown command '%s'\n", cmd ? " " : "", cmd ? cmd : "", name);
	if (near)
		fprintf(stderr, "Fix: did you mean 'vyrec %s'? ('vyrec --help' lists the commands)\n", near);
	else
		fprintf(stderr, "Fix: run 'vyrec --help' to list the commands\n");
	return VY_EXIT_USAGE;
}

static int cmd_help(int argc, char **argv)
{
	if (argc > 2)
		return vy_usage_error("help", "more than one command given ('%s' and '%s')", argv[1], argv[2]);
	if (argc < 2) {
		vy_cmds_help(stdout);
		return 0;
	}
	const struct vy_cmd *c = vy_cmd_find(argv[1]);
	if (!c)
		return unknown_command("help", argv[1]);
	vy_cmd_help(stdout, c);
	return 0;
}

static void version(void)
{
	printf("vyrec %s\n", VY_VERSION);
	printf("built with libyaml %s, SPIRV-Tools %s, glslang %d.%d.%d\n",
	       vy_yaml_version(), spvSoftwareVersionString(),
	       GLSLANG_VERSION_MAJOR, GLSLANG_VERSION_MINOR,
	       GLSLANG_VERSION_PATCH);
}

/* The emitters recurse once per expression node, and SPEC §8 allows 64 KiB
 * expressions (some 16 000 nested operators): 8 MiB of stack holds that in
 * a plain build but not under AddressSanitizer's larger frames. Linux grows
 * the main thread's stack up to the soft limit in force at the fault, and
 * leaves at least 128 MiB below it unmapped, so 64 MiB is safe to ask for. */
static void grow_stack(void)
{
	struct rlimit r;
	rlim_t want = (rlim_t)64 << 20;
	if (getrlimit(RLIMIT_STACK, &r) || r.rlim_cur == RLIM_INFINITY || r.rlim_cur >= want)
		return;
	r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > want ? want : r.rlim_max;
	setrlimit(RLIMIT_STACK, &r);
}

int main(int argc, char **argv)
{
	grow_stack();
	if (argc < 2) {
		vy_cmds_help(stderr);
		return VY_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		vy_cmds_help(stdout);
		return vy_stdout_finish(0);
	}
	if (!strcmp(argv[1], "--version")) {
		version();
		return vy_stdout_finish(0);
	}
	if (argv[1][0] == '-' && argv[1][1]) {
		const char *opts[] = { "--help", "--version" };
		fprintf(stderr, "vyrec: unknown option '%s'%s\nusage: vyrec COMMAND [ARGS], vyrec --help or vyrec --version\n",
			argv[1], vy_did_you_mean(argv[1], opts, 2));
		return VY_EXIT_USAGE;
	}
	const struct vy_cmd *c = vy_cmd_find(argv[1]);
	if (!c)
		return unknown_command(NULL, argv[1]);
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			vy_cmd_help(stdout, c);
			return vy_stdout_finish(0);
		}
	size_t k = 0;
	while (strcmp(fns[k].name, c->name))
		k++;
	int cargc = argc - 1;   /* --color: every command's, taken out first */
	int rc = vy_opt_color(c->name, &cargc, argv + 1);
	if (rc >= 0)
		return rc;
	return vy_stdout_finish(vy_cli_finish(fns[k].fn(cargc, argv + 1)));
}
