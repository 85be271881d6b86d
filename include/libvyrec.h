/*
 * libvyrec.h: the stable C interface of libvyrec (libvyrec(3)).
 *
 * Compile a vyrec program (a path or text in memory), get each target's
 * bytes and its manifest JSON, read the diagnostics as data, and run the
 * program on the reference VM over host buffers.  Everything else vyrec
 * has (include/vyrec.h in its source tree) is internal and may change in
 * any release; this header changes only by addition within one soname
 * (libvyrec.so.1).
 *
 *   struct vyrec_program *p = vyrec_compile_file("saxpy.yaml", NULL);
 *   if (vyrec_error_count(p)) { fputs(vyrec_diags_text(p), stderr); ... }
 *   const void *spv; size_t n;
 *   if (vyrec_emit(p, "spv", &spv, &n) == 0) ...
 *   vyrec_free(p);
 *
 * The library never exits the process: internal errors and out-of-memory
 * inside a call become an error diagnostic and an error return.  One
 * handle must not be used by two threads at once.
 *
 * Compiles as C11 and as C++ (C++11 and later).
 */
#ifndef LIBVYREC_H
#define LIBVYREC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Incremented on an incompatible change, with the soname. */
#define VYREC_API_VERSION 1

/* The library's version, "MAJOR.MINOR.PATCH" (vyrec --version). */
const char *vyrec_version(void);

/* ---- compiling ---- */

/* Compile options.  Fill with vyrec_options_init, then set fields; new
 * fields are only ever added at the end, and size tells the library how
 * many the caller knows. */
struct vyrec_options {
	size_t size;                  /* sizeof(struct vyrec_options) */
	int opt_level;                /* 0, 1 (default) or 2: -O0 -O1 -O2 */
	int fast_math;                /* nonzero: --fast-math */
	int validate;                 /* 0: --no-validate (default 1) */
	const char *arch;             /* ptx: "sm_70" (default) ... "sm_90" */
	const char *target_env;       /* spv, glsl: "vulkan1.0" ... "vulkan1.3",
					 default "vulkan1.1" */
	const char *const *dialects;  /* --dialect files, NULL-terminated; or NULL */
};

/* o with the defaults of `vyrec build`. */
void vyrec_options_init(struct vyrec_options *o);

/* A compiled program, or the errors that stopped it. */
struct vyrec_program;

/* Compile the program at path ("-": standard input) with o (NULL: the
 * defaults).  Returns a handle in every case but running out of memory
 * before one exists (NULL); whether it compiled is vyrec_error_count(p)
 * == 0. */
struct vyrec_program *vyrec_compile_file(const char *path,
					 const struct vyrec_options *o);
/* The same for len bytes of text (need not be NUL-terminated); name is
 * the file name diagnostics show (NULL: "<memory>"). */
struct vyrec_program *vyrec_compile_memory(const char *name, const char *text,
					   size_t len,
					   const struct vyrec_options *o);
/* Free p and everything it handed out.  NULL is fine. */
void vyrec_free(struct vyrec_program *p);

/* ---- diagnostics ---- */

enum vyrec_severity { VYREC_ERROR = 0, VYREC_WARNING = 1, VYREC_NOTE = 2 };

/* One diagnostic.  Strings live until vyrec_free. */
struct vyrec_diag {
	enum vyrec_severity severity;
	const char *file;      /* NULL: no source location */
	int line, column;      /* 1-based; column counts bytes; 0 without file */
	int length;            /* caret width in bytes */
	const char *message;   /* lowercase, no final full stop */
	const char *fix;       /* what to do, or NULL */
	const char *origin;    /* the stage of a located-less error ("libvyrec
				  emit"), or NULL */
};

/* Errors recorded on p so far (compilation, then any failed call). */
int vyrec_error_count(const struct vyrec_program *p);
/* Diagnostics recorded on p, and the i-th of them (NULL when out of
 * range).  Calls that fail append theirs. */
int vyrec_diag_count(const struct vyrec_program *p);
const struct vyrec_diag *vyrec_diag_at(const struct vyrec_program *p, int i);
/* Every diagnostic as vyrec prints it: text with source line and caret,
 * or the JSON array of `--diagnostics-format json`.  Valid until the next
 * call on p. */
const char *vyrec_diags_text(struct vyrec_program *p);
const char *vyrec_diags_json(struct vyrec_program *p);
/* The last error's message and fix ("MESSAGE\nFix: FIX"), or NULL. */
const char *vyrec_last_error(const struct vyrec_program *p);

/* ---- what was compiled ---- */

/* The program's name, NULL when it did not compile. */
const char *vyrec_name(const struct vyrec_program *p);

struct vyrec_param_info {
	const char *name;
	const char *type;          /* "f32", "u32", ... */
};

struct vyrec_buffer_info {
	const char *name;
	const char *type;          /* element type */
	size_t element_size;       /* bytes */
	int binding;
	const char *access;        /* "read_only", "write_only", "read_write" */
	const char *count;         /* the count expression, as written */
};

/* Params in declaration order and buffers in binding order; the i-th is
 * NULL when i is out of range or the program did not compile. */
int vyrec_param_count(const struct vyrec_program *p);
const struct vyrec_param_info *vyrec_param(const struct vyrec_program *p, int i);
int vyrec_buffer_count(const struct vyrec_program *p);
const struct vyrec_buffer_info *vyrec_buffer(const struct vyrec_program *p,
					     int i);

/* ---- targets ---- */

/* The bytes of target ("spv", "ptx", "glsl", "reference" or an alias, as
 * `vyrec targets` lists them) in *data and *len, owned by p (emitted
 * once, then kept).  0, or -1 with the error recorded on p. */
int vyrec_emit(struct vyrec_program *p, const char *target,
	       const void **data, size_t *len);
/* The manifest JSON of target (`vyrec build --manifest`), NUL-terminated
 * and owned by p; NULL with the error recorded on p. */
const char *vyrec_manifest(struct vyrec_program *p, const char *target);

/* ---- running on the reference VM ---- */

/* One buffer of a run: every buffer of the program is given, by name,
 * with exactly as many elements as its count gives for the params.
 * Readable buffers are read from data, writable ones written back to it
 * (write_only ones start as zeros); data need not be aligned. */
struct vyrec_buffer {
	const char *name;
	void *data;
	size_t count;              /* elements */
};

/* Run p once on the reference VM (`vyrec run --backend reference`).
 * params are "NAME=VALUE" strings, every param of the program once.
 * 0, or -1 with the error recorded on p (a bad param, a missing or
 * mis-sized buffer, an out-of-bounds access the VM traps on). */
int vyrec_run_reference(struct vyrec_program *p, const char *const *params,
			int nparams, const struct vyrec_buffer *buffers,
			int nbuffers);

#ifdef __cplusplus
}
#endif

#endif
