/*
 * main.c: the vyrec command line.  A table of commands, one file each
 * (cmd_*.c); this file finds the command and handles --help and
 * --version.
 */
#include <string.h>
#include <sys/resource.h>
#include <yaml.h>
#include <spirv-tools/libspirv.h>
#include <glslang/build_info.h>

#include "cli.h"

int vy_cmd_build(int, char **), vy_cmd_check(int, char **),
    vy_cmd_launcher(int, char **), vy_cmd_run(int, char **),
    vy_cmd_verify(int, char **), vy_cmd_ops(int, char **),
    vy_cmd_targets(int, char **), vy_cmd_backends(int, char **);
static int cmd_help(int, char **);

const struct vy_cmd vy_commands[] = {
	{ "build", vy_cmd_build, "compile a program for one or more targets",
	  "vyrec build PROG.yaml [-t TARGET]... [-o OUT] [-O0|-O1|-O2] [--arch sm_NN]\n"
	  "            [--target-env vulkanX.Y] [--manifest FILE] [--emit-asm]\n"
	  "            [--header FILE] [--dialect FILE]... [-MD] [-MF FILE]\n"
	  "            [--no-validate] [--time-report] [--dump-ir] [--fast-math]\n"
	  "            [--diagnostics-format text|json]" },
	{ "check", vy_cmd_check, "load, resolve and verify a program",
	  "vyrec check PROG.yaml [--dialect FILE]... [--diagnostics-format text|json]" },
	{ "launcher", vy_cmd_launcher, "generate a standalone C or Cargo launcher project",
	  "vyrec launcher PROG.yaml -t|--target spv|ptx|reference --lang c|cargo -o DIR\n"
	  "               [--name NAME] [--selftest-param k=v]... [--bench] [--force]\n"
	  "               [--template-dir DIR] [--dialect FILE]... [-O0|-O1|-O2] [--fast-math]" },
	{ "run", vy_cmd_run, "execute a program on a backend",
	  "vyrec run PROG.yaml [--backend auto|vulkan|cuda|reference] [--param k=v]...\n"
	  "          [--in BUF=SOURCE]... [--out BUF=FILE]... [--print BUF] [--strict]\n"
	  "          [--device N] [--stream BUF=SOURCE|GEN@COUNT --chunk N] [--bench N]\n"
	  "          [--dialect FILE]... [-O0|-O1|-O2] [--fast-math]" },
	{ "verify", vy_cmd_verify, "compare every backend with the reference",
	  "vyrec verify PROG.yaml [--backends LIST] [--param k=v]... [--seed N]\n"
	  "             [--device N] [--dialect FILE]... [-O0|-O1|-O2] [--fast-math]\n"
	  "             [--diagnostics-format text|json]" },
	{ "ops", vy_cmd_ops, "list the registered ops",
	  "vyrec ops [DIALECT] [--json] [--dialect FILE]..." },
	{ "targets", vy_cmd_targets, "list the AOT targets", "vyrec targets [--json]" },
	{ "backends", vy_cmd_backends, "list the dispatch backends and whether they initialise here",
	  "vyrec backends [--json]" },
	{ "help", cmd_help, "show help for a command", "vyrec help [COMMAND]" },
	{ 0 }
};

const struct vy_cmd *vy_cmd_find(const char *name)
{
	for (const struct vy_cmd *c = vy_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void usage(FILE *f)
{
	fputs("usage: vyrec COMMAND [ARGS]\n\n"
	      "vyrec is an ahead-of-time compiler for GPU compute programs.\n\n"
	      "commands:\n", f);
	for (const struct vy_cmd *c = vy_commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fputs("\nvyrec help COMMAND shows a command's options; vyrec --version its build.\n"
	      "See vyrec(1), vyrec-program(5) and vyrec-dialect(5).\n", f);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	const struct vy_cmd *c = vy_cmd_find(argv[1]);
	if (!c)
		return vy_usage_error("help", "unknown command '%s'", argv[1]);
	printf("usage: %s\n\n%s\n", c->usage, c->summary);
	if (strstr(c->usage, "--fast-math"))
		printf("\n--fast-math: native math instructions (native fma, / and sqrt on\n"
		       "Vulkan; ex2/lg2/sin/cos.approx, div.full and sqrt.approx on PTX)\n"
		       "instead of the exact lowerings; results are then only within each\n"
		       "op's fast-math bound (vyrec ops: FAST BOUND), which verify and the\n"
		       "launcher self-test apply.  See FAST MATH in vyrec(1).\n");
	return 0;
}

static void version(void)
{
	printf("vyrec %s\n", VY_VERSION);
	printf("built with libyaml %s, SPIRV-Tools %s, glslang %d.%d.%d\n",
	       yaml_get_version_string(), spvSoftwareVersionString(),
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
		usage(stderr);
		return VY_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return vy_stdout_finish(0);
	}
	if (!strcmp(argv[1], "--version")) {
		version();
		return vy_stdout_finish(0);
	}
	const struct vy_cmd *c = vy_cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "vyrec: unknown command '%s'\nFix: run 'vyrec --help' to list the commands\n", argv[1]);
		return VY_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s\n\n%s\n", c->usage, c->summary);
			return vy_stdout_finish(0);
		}
	return vy_stdout_finish(vy_cli_finish(c->fn(argc - 1, argv + 1)));
}
