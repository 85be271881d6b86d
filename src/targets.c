/*
 * targets.c: the AOT emitter registry.  Every emitter is listed here and
 * only here; the same table drives lookup, --help and `vyrec targets`.
 * Lookup is the registries' one (vy_reg_find, suggest.c).
 */
#include <stdarg.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

#include "spvtools.h"
#include "vyrec.h"

const struct vy_aot_emitter *const vy_emitters[] = {
	&vy_emitter_spv, &vy_emitter_ptx, &vy_emitter_glsl,
	&vy_emitter_reference, NULL
};

#define NEMIT (sizeof vy_emitters / sizeof *vy_emitters - 1)

static int find(const char *name, const char **near)
{
	const struct vy_reg_head *heads[NEMIT];
	for (size_t i = 0; i < NEMIT; i++)
		heads[i] = &vy_emitters[i]->head;
	return vy_reg_find(heads, (int)NEMIT, name, near);
}

const struct vy_aot_emitter *vy_emitter_find(const char *name)
{
	int i = find(name, NULL);
	return i < 0 ? NULL : vy_emitters[i];
}

const char *vy_emitter_suggest(const char *name)
{
	const char *near = NULL;
	return find(name, &near) < 0 ? near : NULL;
}

int vy_emit(const struct vy_aot_emitter *t, const struct vy_program *p,
	    const struct vy_emit_config *c, struct vy_buf *out, char **err)
{
	int lvl = c ? c->opt_level : 0;
	if (p->opt_level < lvl)   /* `vyrec run -O0`: the backends' -O1 too */
		lvl = p->opt_level;
	if (lvl >= 1)
		p = vy_passes(p, t->passes);
	return t->emit(p, c, out, err);
}

int vy_emit_reject(const struct vy_emit_config *c, char **err, enum vy_fix_sep sep,
		   const char *fix, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		vy_oom("an error message", 0);
	va_end(ap);
	if (!c || !c->diags) {
		*err = fix ? vy_strf("%s%s%s", msg, sep == VY_FIX_NEWLINE ? "\nFix: " : ". Fix: ",
				     fix) : msg;
		if (fix)
			free(msg);
		return VY_EMIT_REJECT;
	}
	if (fix)
		vy_error_fix(c->diags, "vyrec", sep, fix, "%s", msg);
	else   /* text that may still carry its Fix (an emitter's older sites) */
		vy_error_text(c->diags, "vyrec", msg);
	free(msg);
	return VY_EMIT_REJECT;
}

/* ---- programs of several parts (SPEC §10.5) ---- */

/* Part text of a PTX module without the header that the first part's
 * text already has, its shared arrays renamed apart from other parts'. */
static void ptx_append(struct vy_buf *out, const struct vy_buf *part, int i)
{
	char *t = vy_buf_cstr(part);
	const char *head = "\n.address_size 64\n", *s = strstr(t, head);
	s = s ? s + strlen(head) : t;
	if (!strncmp(s, "\n.file 1 ", 9) && strchr(s + 1, '\n'))
		s = strchr(s + 1, '\n');   /* -g: the first part's .file names the YAML */
	char tag[32];
	snprintf(tag, sizeof tag, "vy_sh%d_", i);
	while (*s) {   /* line by line; module-wide .file lines (-g) once */
		const char *nl = strchr(s, '\n'), *e = nl ? nl + 1 : s + strlen(s);
		if (strncmp(s, ".file", 5))
			for (const char *q = s; q < e;) {
				const char *h = strstr(q, "vy_sh_");
				if (!h || h >= e) {
					vy_buf_put(out, q, (size_t)(e - q));
					break;
				}
				vy_buf_put(out, q, (size_t)(h - q));
				vy_buf_puts(out, tag);
				q = h + 6;
			}
		s = e;
	}
	free(t);
}

static int spv_link(struct vy_buf *parts, int n, const struct vy_emit_config *c,
		    struct vy_buf *out, char **err)
{
	const uint32_t **mods = vy_xcalloc((size_t)n, sizeof *mods, "kernel parts");
	size_t *ns = vy_xcalloc((size_t)n, sizeof *ns, "kernel parts");
	for (int i = 0; i < n; i++) {
		mods[i] = (const uint32_t *)(void *)parts[i].data;
		ns[i] = parts[i].len / 4;
	}
	uint32_t *w = NULL;
	size_t nw = 0;
	char *e = NULL;
	int rc = VY_EMIT_OK;
	if (vy_spvtools_link(mods, ns, (size_t)n, c->vk_minor, &w, &nw, &e) ||
	    (c->validate && vy_spvtools_validate(w, nw, c->vk_minor, &e))) {
		*err = vy_strf("the kernel parts do not link into one module: %s", e ? e : "");
		rc = VY_EMIT_BUG;
	} else if (c->emit_asm) {
		char *text = NULL;
		if (vy_spvtools_disassemble(w, nw, &text, &e)) {
			*err = vy_strf("%s", e ? e : "disassembly failed");
			rc = VY_EMIT_BUG;
		} else
			vy_buf_puts(out, text);
		free(text);
	} else
		vy_buf_put(out, w, nw * 4);
	free(e);
	free(w);
	free(mods);
	free(ns);
	return rc;
}

int vy_emit_program(const struct vy_aot_emitter *t, const struct vy_program *p,
		    const struct vy_emit_config *c, struct vy_buf *out, char **err)
{
	if (p->nparts <= 1 && !p->entry_point)
		return vy_emit(t, p, c, out, err);
	struct vy_emit_config pc = c ? *c : (struct vy_emit_config){ .opt_level = 1 };
	pc.emit_asm = false;
	/* spv: the linked module is validated (spv_link), each part's
	 * validation before it was the same work again (normalize: 4
	 * validations of its 3 parts, issue #13's compile time) */
	if (t == &vy_emitter_spv)
		pc.validate = false;
	struct vy_buf *parts = vy_xcalloc((size_t)p->nparts, sizeof *parts, "kernel parts");
	int rc = VY_EMIT_OK;
	for (int i = 0; i < p->nparts && rc == VY_EMIT_OK; i++) {
		pc.entry_point = p->parts[i]->entry_point;
		int from = pc.diags ? pc.diags->n : 0;
		rc = vy_emit(t, p->parts[i], &pc, &parts[i], err);
		if (rc != VY_EMIT_OK && pc.diags && pc.diags->n > from) {
			char *m = vy_strf("kernel part '%s': ", p->parts[i]->entry_point);
			vy_diags_prefix(pc.diags, from, m);
			free(m);
		}
		if (rc != VY_EMIT_OK && *err) {
			char *m = vy_strf("kernel part '%s': %s", p->parts[i]->entry_point, *err);
			free(*err);
			*err = m;
		}
	}
	if (rc == VY_EMIT_OK) {
		if (t == &vy_emitter_spv) {
			pc.emit_asm = c && c->emit_asm;
			pc.validate = c ? c->validate : pc.validate;
			rc = spv_link(parts, p->nparts, &pc, out, err);
		} else if (t == &vy_emitter_ptx) {
			vy_buf_put(out, parts[0].data, parts[0].len);
			for (int i = 1; i < p->nparts; i++)
				ptx_append(out, &parts[i], i);
		} else if (t == &vy_emitter_glsl) {
			*err = vy_strf("glsl writes one file per kernel part");
			rc = VY_EMIT_REJECT;
		} else
			for (int i = 0; i < p->nparts; i++)
				vy_buf_put(out, parts[i].data, parts[i].len);
	}
	for (int i = 0; i < p->nparts; i++)
		vy_buf_free(&parts[i]);
	free(parts);
	return rc;
}
