/*
 * options.c: the commands of the vyrec command line and their options, as
 * tables: one row per option (long and short name, argument, whether it
 * repeats, one summary line), one list of rows per command, a row shared
 * by the commands where the option means the same (--dialect, -O,
 * --fast-math, --diagnostics-format, --time-report, --json, --param,
 * --device).  The tables drive the parser every command uses
 * (vy_opt_next), its usage line, `vyrec help CMD` and `vyrec --help`;
 * tools/man-options.sh turns `vyrec help CMD` into the SYNOPSIS and
 * OPTIONS of vyrec(1) and tests/t_options.sh checks that they agree.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define FLAG(id, lng, shrt, fl, sum) \
	static const struct vy_opt id = { VY_O_##id, lng, shrt, NULL, fl, sum, NULL }
#define VAL(id, lng, shrt, arg, fl, sum) \
	static const struct vy_opt id = { VY_O_##id, lng, shrt, arg, fl, sum, NULL }

/* ---- shared rows ---- */
VAL(DIALECT, "--dialect", NULL, "FILE", VY_OPT_REPEAT,
    "load an extern dialect file");
VAL(OLEVEL, NULL, "-O", "0|1|2", VY_OPT_JOINED,
    "none, vyrec's IR passes, also SPIRV-Tools' (spv)");
FLAG(FAST_MATH, "--fast-math", NULL, 0,
     "native math instead of the exact lowerings");
VAL(DIAG_FORMAT, "--diagnostics-format", NULL, "text|json", 0,
    "diagnostics as text (the default) or JSON");
FLAG(TIME_REPORT, "--time-report", NULL, 0,
     "print each stage's time to standard error");
FLAG(JSON, "--json", NULL, 0, "print the list as JSON");
VAL(COLOR, "--color", NULL, "auto|always|never", 0,
    "colour the diagnostics (auto: on a terminal)");
VAL(PARAM, "--param", NULL, "k=v", VY_OPT_REPEAT,
    "set param k to the value v");
VAL(DEVICE, "--device", NULL, "N", 0,
    "use the backend's device N (0, 1, ...)");

/* ---- build ---- */
static const struct vy_opt TARGET = { VY_O_TARGET, "--target", "-t", "TARGET",
	VY_OPT_REPEAT, "compile for TARGET (vyrec targets; default spv)", NULL };
static const struct vy_opt OUTPUT = { VY_O_OUTPUT, NULL, "-o", "OUT", 0,
	"output file (- stdout); a directory with several -t", NULL };
VAL(ARCH, "--arch", NULL, "sm_NN", 0,
    "PTX architecture, sm_70 (the default) to sm_90");
VAL(TARGET_ENV, "--target-env", NULL, "vulkanX.Y", 0,
    "Vulkan version of spv and glsl (default vulkan1.1)");
VAL(MANIFEST, "--manifest", NULL, "FILE", 0,
    "also write the artifact manifest (JSON)");
FLAG(EMIT_ASM, "--emit-asm", NULL, 0,
     "write SPIR-V assembly (.spvasm), not the binary");
VAL(HEADER, "--header", NULL, "FILE", 0,
    "also write a C header embedding the artifacts");
FLAG(MD, NULL, "-MD", 0,
     "also write a make depfile (the first output + .d)");
VAL(MF, NULL, "-MF", "FILE", 0, "write the make depfile to FILE (implies -MD)");
FLAG(NO_VALIDATE, "--no-validate", NULL, 0,
     "skip validating spv and glsl output in-process");
static const struct vy_opt DUMP_IR = { VY_O_DUMP_IR, "--dump-ir", NULL, "PASS",
	VY_OPT_OPTVAL, "print the typed IR (=PASS: after unroll, loadcse, forward, promote, licm, sr or all) to stderr",
	"[--dump-ir [=PASS]]" };
FLAG(DEBUG_INFO, NULL, "-g", 0,
     "line info: SPIR-V OpLine, PTX .loc, GLSL #line");
FLAG(WATCH, "--watch", NULL, 0,
     "again on each change of the program or its dialects");
VAL(FMA_MODE, "--fma-mode", NULL, "emulate|f64|khr", VY_OPT_NOSYN,
    "(tests) pin the spv lowering of the exact fma");

/* ---- launcher ---- */
static const struct vy_opt LTARGET = { VY_O_TARGET, "--target", "-t",
	"spv|ptx|reference", VY_OPT_REQUIRED, "the target the project embeds", NULL };
VAL(LANG, "--lang", NULL, "c|cargo", VY_OPT_REQUIRED,
    "C (make) or Rust (Cargo)");
static const struct vy_opt LOUTPUT = { VY_O_OUTPUT, NULL, "-o", "DIR",
	VY_OPT_REQUIRED, "the project's directory (new or empty)", NULL };
VAL(NAME, "--name", NULL, "NAME", 0,
    "the project's name (default: the program's)");
VAL(SELFTEST_IN, "--selftest-in", NULL, "BUF=SOURCE", VY_OPT_REPEAT,
    "a fixed self-test input (e.g. indices)");
VAL(SELFTEST_PARAM, "--selftest-param", NULL, "k=v", VY_OPT_REPEAT,
    "set param k of the self-test to v");
FLAG(SELFTEST_BENCH, "--bench", NULL, 0,
     "give the project a --bench N option");
FLAG(FORCE, "--force", NULL, 0,
     "regenerate into a non-empty DIR");
VAL(TEMPLATE_DIR, "--template-dir", NULL, "DIR", 0,
    "read the templates from DIR, not the built-in ones");

/* ---- run ---- */
static const struct vy_opt BACKEND = { VY_O_BACKEND, "--backend", "-b", "ID", 0,
    "auto (first GPU backend), vulkan, cuda or reference",
	"[--backend auto|vulkan|cuda|reference]" };
VAL(IN, "--in", NULL, "BUF=SOURCE", VY_OPT_REPEAT,
    "fill BUF from a file, zeros, iota, const:V, random:S");
VAL(OUT, "--out", NULL, "BUF=FILE", VY_OPT_REPEAT,
    "write BUF to FILE (.npy or raw) after the run");
VAL(PRINT, "--print", NULL, "BUF", VY_OPT_REPEAT,
    "print BUF after the run");
FLAG(STRICT, "--strict", NULL, 0,
     "reference: refuse unwritten shared reads, int x/0");
static const struct vy_opt STREAM = { VY_O_STREAM, "--stream", NULL,
	"BUF=SOURCE|GEN@COUNT", 0, "run once per chunk of N elements of BUF",
	"[--stream BUF=SOURCE|GEN@COUNT --chunk N]" };
VAL(PRINT_FORMAT, "--print-format", NULL, "dec|hex", 0,
    "--print values (dec, the default) or bits (hex)");
VAL(CHUNK, "--chunk", NULL, "N", VY_OPT_NOSYN,
    "the chunk size of --stream, in elements");
VAL(BENCH, "--bench", NULL, "N", 0,
    "time N dispatches: median time and GB/s");

/* ---- verify ---- */
VAL(BACKENDS, "--backends", NULL, "LIST", 0,
    "compare these (a,b,...; default: all but reference)");
VAL(SEED, "--seed", NULL, "N", 0,
    "inputs get random:(N + binding) (default 1)");
static const struct vy_opt VIN = { VY_O_IN, "--in", NULL, "BUF=SOURCE",
	VY_OPT_REPEAT, "fix input BUF (file or generator), not seeded", NULL };
static const struct vy_opt VJSON = { VY_O_JSON, "--json", NULL, NULL, 0,
	"print params, inputs and results as JSON", NULL };

#define COMPILE &DIALECT, &OLEVEL, &FAST_MATH, &DIAG_FORMAT, &COLOR

static const struct vy_opt *const build_opts[] = {
	&TARGET, &OUTPUT, &OLEVEL, &ARCH, &TARGET_ENV, &MANIFEST, &EMIT_ASM,
	&HEADER, &DIALECT, &MD, &MF, &NO_VALIDATE, &TIME_REPORT, &DUMP_IR,
	&FAST_MATH, &DIAG_FORMAT, &COLOR, &DEBUG_INFO, &WATCH, &FMA_MODE, NULL };
static const struct vy_opt *const check_opts[] = { COMPILE, &WATCH, NULL };
static const struct vy_opt *const launcher_opts[] = {
	&LTARGET, &LANG, &LOUTPUT, &NAME, &SELFTEST_PARAM, &SELFTEST_IN, &SELFTEST_BENCH,
	&FORCE, &TEMPLATE_DIR, COMPILE, &TIME_REPORT, NULL };
static const struct vy_opt *const run_opts[] = {
	&BACKEND, &PARAM, &IN, &OUT, &PRINT, &PRINT_FORMAT, &STRICT, &DEVICE, &STREAM,
	&CHUNK, &BENCH, COMPILE, NULL };
static const struct vy_opt *const verify_opts[] = {
	&BACKENDS, &PARAM, &VIN, &SEED, &DEVICE, &VJSON, COMPILE, NULL };
static const struct vy_opt *const ops_opts[] = { &JSON, COMPILE, NULL };
static const struct vy_opt *const json_opts[] = { &JSON, &COLOR, NULL };
static const struct vy_opt *const no_opts[] = { &COLOR, NULL };

const struct vy_cmd vy_commands[] = {
	{ "build", "PROG.yaml", "compile a program for one or more targets", build_opts },
	{ "check", "PROG.yaml", "load, resolve and verify a program", check_opts },
	{ "launcher", "PROG.yaml", "generate a standalone C or Cargo launcher project", launcher_opts },
	{ "run", "PROG.yaml", "execute a program on a backend", run_opts },
	{ "verify", "PROG.yaml", "compare every backend with the reference", verify_opts },
	{ "ops", "[DIALECT]", "list the registered ops", ops_opts },
	{ "targets", "", "list the AOT targets", json_opts },
	{ "backends", "", "list the dispatch backends and whether they initialise here", json_opts },
	{ "help", "[COMMAND]", "show help for a command", no_opts },
	{ 0 }
};

const struct vy_cmd *vy_cmd_find(const char *name)
{
	for (const struct vy_cmd *c = vy_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const char *vy_cmd_suggest(const char *name)
{
	const char *names[16];
	int n = 0;
	for (const struct vy_cmd *c = vy_commands; c->name && n < 16; c++)
		names[n++] = c->name;
	return vy_closest(name, names, n);
}

const char *vy_did_you_mean(const char *word, const char *const *cands, int n)
{
	static char buf[128];
	const char *near = vy_closest(word, cands, n);
	if (!near)
		return "";
	snprintf(buf, sizeof buf, "\nFix: did you mean '%s'?", near);
	return buf;
}

/* ---- parsing ---- */

/* argv[*i] against one row: 1 matched (value in *val), 0 not, -1 a usage
 * error (reported). */
static int match_name(const char *cmd, const struct vy_opt *o, const char *name,
		      int argc, char **argv, int *i, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n))
		return 0;
	if (o->flags & VY_OPT_JOINED) {
		*val = a + n;
		*i += 1;
		return 1;
	}
	if (o->flags & VY_OPT_OPTVAL) {   /* --dump-ir, --dump-ir=unroll */
		if (a[n] && a[n] != '=')
			return 0;
		*val = a[n] ? a + n + 1 : NULL;
		*i += 1;
		return 1;
	}
	if (!o->arg) {
		if (a[n] == '=') {
			vy_usage_error(cmd, "option '%s' takes no value", name);
			return -1;
		}
		if (a[n])
			return 0;
		*val = NULL;
		*i += 1;
		return 1;
	}
	if (a[n] == '=') {
		*val = a + n + 1;
		*i += 1;
		return 1;
	}
	if (a[n] == 0) {
		if (*i + 1 >= argc) {
			vy_usage_error(cmd, "option '%s' needs a value (%s)", name, o->arg);
			return -1;
		}
		*val = argv[*i + 1];
		*i += 2;
		return 1;
	}
	if (name[1] != '-' && n == 2) {   /* -tVALUE */
		*val = a + n;
		*i += 1;
		return 1;
	}
	return 0;
}

/* The commands other than cmd that have an option spelled `name`, as
 * "run, verify", in buf; false when none. */
static bool owners(const char *cmd, const char *name, char *buf, size_t n)
{
	buf[0] = 0;
	for (const struct vy_cmd *c = vy_commands; c->name; c++) {
		if (!strcmp(c->name, cmd))
			continue;
		for (const struct vy_opt *const *o = c->opts; *o; o++)
			if (((*o)->lng && !strcmp((*o)->lng, name)) ||
			    ((*o)->shrt && !strcmp((*o)->shrt, name))) {
				size_t k = strlen(buf);
				snprintf(buf + k, n - k, "%s%s", k ? ", " : "", c->name);
				break;
			}
	}
	return buf[0] != 0;
}

static int unknown_option(const struct vy_cmd *c, const char *a)
{
	char name[64], others[128];
	const char *cands[64];
	int n = 0;
	snprintf(name, sizeof name, "%.*s", (int)strcspn(a, "="), a);
	for (const struct vy_opt *const *o = c->opts; *o && n < 62; o++) {
		cands[n++] = (*o)->lng;
		cands[n++] = (*o)->shrt;
	}
	const char *near = vy_closest(name, cands, n);
	if (near)
		return vy_usage_error(c->name, "unknown option '%s'\nFix: did you mean '%s'?", a, near);
	if (owners(c->name, name, others, sizeof others))
		return vy_usage_error(c->name, "unknown option '%s'\nFix: '%s' is an option of %s, not of %s; 'vyrec help %s' lists the options",
				      a, name, others, c->name, c->name);
	return vy_usage_error(c->name, "unknown option '%s'\nFix: 'vyrec help %s' lists the options", a, c->name);
}

/* --color=auto|always|never (every command): taken out of argv before the
 * command parses it, and given to vy_set_color.  -1, or exit 2 after a
 * usage error. */
int vy_opt_color(const char *cmd, int *argc, char **argv)
{
	for (int i = 1; i < *argc;) {
		const char *a = argv[i], *v = NULL;
		int take = 0;
		if (!strncmp(a, "--color=", 8)) {
			v = a + 8;
			take = 1;
		} else if (!strcmp(a, "--color")) {
			if (i + 1 >= *argc)
				return vy_usage_error(cmd, "--color needs a value (auto|always|never)");
			v = argv[i + 1];
			take = 2;
		} else {
			i++;
			continue;
		}
		static const char *const modes[] = { "auto", "always", "never" };
		int m = -1;
		for (int k = 0; k < 3; k++)
			if (!strcmp(v, modes[k]))
				m = k;
		if (m < 0)
			return vy_usage_error(cmd, "unknown --color '%s' (use auto, always or never)%s",
					      v, vy_did_you_mean(v, modes, 3));
		vy_set_color(m);
		memmove(argv + i, argv + i + take, sizeof *argv * (size_t)(*argc - i - take + 1));
		*argc -= take;
	}
	return -1;
}

int vy_opt_next(const char *cmd, int argc, char **argv, int *i,
		const char **val)
{
	const struct vy_cmd *c = vy_cmd_find(cmd);
	const char *a = argv[*i];
	*val = a;
	if (a[0] != '-' || !a[1]) {
		*i += 1;
		return VY_O_ARG;
	}
	for (const struct vy_opt *const *o = c->opts; *o; o++) {
		int r = 0;
		if ((*o)->lng)
			r = match_name(cmd, *o, (*o)->lng, argc, argv, i, val);
		if (!r && (*o)->shrt)
			r = match_name(cmd, *o, (*o)->shrt, argc, argv, i, val);
		if (r)
			return r < 0 ? VY_O_BAD : (int)(*o)->id;
	}
	unknown_option(c, a);
	return VY_O_BAD;
}

/* ---- help ---- */

/* The usage-line item of o: "[-t TARGET]...", "--lang c|cargo". */
static void syn_item(char *buf, size_t n, const struct vy_opt *o)
{
	if (o->syn) {
		snprintf(buf, n, "%s", o->syn);
		return;
	}
	bool req = o->flags & VY_OPT_REQUIRED;
	char body[96];
	if (o->flags & VY_OPT_JOINED) {   /* -O0|-O1|-O2 */
		body[0] = 0;
		const char *p = o->arg;
		while (*p) {
			size_t k = strcspn(p, "|"), m = strlen(body);
			snprintf(body + m, sizeof body - m, "%s%s%.*s", m ? "|" : "", o->shrt, (int)k, p);
			p += k + (p[k] == '|');
		}
	} else
		snprintf(body, sizeof body, "%s%s%s", o->shrt ? o->shrt : o->lng,
			 o->arg ? " " : "", o->arg ? o->arg : "");
	snprintf(buf, n, "%s%s%s%s", req ? "" : "[", body, req ? "" : "]",
		 o->flags & VY_OPT_REPEAT ? "..." : "");
}

void vy_cmd_usage(FILE *f, const struct vy_cmd *c)
{
	char item[128];
	int indent = (int)strlen("usage: vyrec ") + (int)strlen(c->name) + 1;
	int col = fprintf(f, "usage: vyrec %s", c->name);
	if (*c->args)
		col += fprintf(f, " %s", c->args);
	for (const struct vy_opt *const *o = c->opts; *o; o++) {
		if ((*o)->flags & VY_OPT_NOSYN)
			continue;
		syn_item(item, sizeof item, *o);
		if (col + 1 + (int)strlen(item) > 79)
			col = fprintf(f, "\n%*s%s", indent, "", item) - 1;
		else
			col += fprintf(f, " %s", item);
	}
	fputc('\n', f);
}

/* "-t, --target TARGET" */
static void opt_names(char *buf, size_t n, const struct vy_opt *o)
{
	if (o->flags & VY_OPT_JOINED) {
		syn_item(buf, n, o);
		buf[strlen(buf) - 1] = 0;
		memmove(buf, buf + 1, strlen(buf));
		return;
	}
	bool opt = o->flags & VY_OPT_OPTVAL;
	snprintf(buf, n, "%s%s%s%s%s%s", o->shrt ? o->shrt : "",
		 o->shrt && o->lng ? ", " : "", o->lng ? o->lng : "",
		 !o->arg ? "" : opt ? " [=" : " ", o->arg ? o->arg : "", opt ? "]" : "");
}

void vy_cmd_help(FILE *f, const struct vy_cmd *c)
{
	vy_cmd_usage(f, c);
	fprintf(f, "\n%s\n", c->summary);
	if (!*c->opts)
		return;
	fputs("\noptions:\n", f);
	for (const struct vy_opt *const *o = c->opts; *o; o++) {
		char names[96];
		opt_names(names, sizeof names, *o);
		if ((*o)->flags & VY_OPT_REPEAT)
			strcat(names, "...");
		fprintf(f, "  %-23s  %s%s\n", names, (*o)->summary,
			(*o)->flags & VY_OPT_REQUIRED ? " (required)" : "");
	}
}

void vy_cmds_help(FILE *f)
{
	fputs("usage: vyrec COMMAND [ARGS]\n\n"
	      "vyrec is an ahead-of-time compiler for GPU compute programs.\n\n"
	      "commands:\n", f);
	for (const struct vy_cmd *c = vy_commands; c->name; c++)
		fprintf(f, "  %-9s %s\n", c->name, c->summary);
	fputs("\noptions:\n"
	      "  -h, --help  show this help (after a command: the command's)\n"
	      "  --version   show vyrec's version and the libraries it was built with\n"
	      "\nvyrec help COMMAND lists a command's options, one line each.\n"
	      "See vyrec(1), vyrec-program(5) and vyrec-dialect(5).\n", f);
}

int vy_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	if (vy_cli_diag_format == VY_DIAG_JSON) {   /* one more diagnostic */
		va_start(ap, fmt);
		char *m = NULL;
		if (vasprintf(&m, fmt, ap) < 0)
			vy_oom("a usage error", 0);
		va_end(ap);
		char *origin = vy_strf("vyrec %s", cmd);
		vy_cli_error(origin, m);
		free(origin);
		return VY_EXIT_USAGE;
	}
	fprintf(stderr, "vyrec %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	const struct vy_cmd *c = vy_cmd_find(cmd);
	if (c)
		vy_cmd_usage(stderr, c);
	return VY_EXIT_USAGE;
}
