/*
 * manifest.c: the artifact manifest (SPEC §3.3) and SHA-256.
 *
 * The manifest is JSON with schema "vyrec-artifact-1" and its keys in one
 * fixed order, written from the resolved program and the kernel bytes.  It
 * holds no timestamps and no absolute paths, so the same program and flags
 * give the same bytes.  SHA-256 is FIPS 180-4, written out here so
 * libvyrec needs no crypto library.
 */
#include <string.h>

#include "launch.h"
#include "json.h"

/* ---- SHA-256 ---- */

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) ((x) >> (n) | (x) << (32 - (n)))

static void sha_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], s[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(s, h, sizeof s);
	for (int i = 0; i < 64; i++) {
		uint32_t e = s[4], a = s[0];
		uint32_t t1 = s[7] + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
			      ((e & s[5]) ^ (~e & s[6])) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
			      ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
		memmove(s + 1, s, 7 * sizeof *s);
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		h[i] += s[i];
}

void vy_sha256(const void *data, size_t n, uint8_t out[32])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	const unsigned char *p = data;
	size_t i = 0;
	for (; i + 64 <= n; i += 64)
		sha_block(h, p + i);
	unsigned char last[128] = {0};
	size_t rest = n - i;
	if (rest)
		memcpy(last, p + i, rest);
	last[rest] = 0x80;
	size_t len = rest + 9 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)n * 8;
	for (int k = 0; k < 8; k++)
		last[len - 1 - k] = (unsigned char)(bits >> (8 * k));
	sha_block(h, last);
	if (len == 128)
		sha_block(h, last + 64);
	for (int k = 0; k < 8; k++)
		for (int j = 0; j < 4; j++)
			out[4 * k + j] = (uint8_t)(h[k] >> (24 - 8 * j));
}

/* ---- JSON ---- */

static const char *access_name(enum vy_access a)
{
	return a == VY_READ_ONLY ? "read_only" :
	       a == VY_WRITE_ONLY ? "write_only" : "read_write";
}

static void put_params(struct vy_buf *b, const struct vy_program *p)
{
	vy_buf_puts(b, "  \"params\": [");
	for (int i = 0; i < p->nparams; i++) {
		vy_buf_puts(b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		vy_json_str(b, p->params[i].name);
		vy_buf_printf(b, ", \"type\": \"%s\", \"offset\": %d}",
			      vy_type_name(p->params[i].type), (int)vy_param_offset(p, i));
	}
	vy_buf_puts(b, p->nparams ? "\n  ],\n" : "],\n");
}

static void put_buffers(struct vy_buf *b, const struct vy_program *p)
{
	vy_buf_puts(b, "  \"buffers\": [");
	for (int i = 0; i < p->nbuffers; i++) {
		const struct vy_bufdecl *d = &p->buffers[i];
		vy_buf_puts(b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		vy_json_str(b, d->name);
		vy_buf_printf(b, ", \"binding\": %d, \"type\": \"%s\", "
			      "\"element_size\": %u, \"count\": ", d->binding,
			      vy_type_name(d->type), vy_type_size(d->type));
		vy_json_str(b, d->count_text);
		vy_buf_printf(b, ", \"access\": \"%s\"", access_name(d->access));
		if (vy_type_lanes(d->type) > 1)   /* a vector: count vectors of lanes */
			vy_buf_printf(b, ", \"element_type\": \"%s\", \"lanes\": %u, "
				      "\"device_stride\": %u", vy_type_name(vy_type_elem(d->type)),
				      vy_type_lanes(d->type), vy_type_stride(d->type));
		vy_buf_puts(b, "}");
	}
	vy_buf_puts(b, p->nbuffers ? "\n  ],\n" : "],\n");
}

static void put_shared(struct vy_buf *b, const struct vy_program *p)
{
	vy_buf_puts(b, "  \"shared\": [");
	for (int i = 0; i < p->nshared; i++) {
		const struct vy_shareddecl *s = &p->shared[i];
		vy_buf_puts(b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		vy_json_str(b, s->name);
		vy_buf_printf(b, ", \"type\": \"%s\", \"count\": %u}",
			      vy_type_name(s->type), s->count);
	}
	vy_buf_puts(b, p->nshared ? "\n  ],\n" : "],\n");
}

/* The device features the program's types need (the feature column of
 * vyrec_types.def), each once, in table order; only when there are some,
 * so 1.0 manifests keep their bytes. */
static void put_features(struct vy_buf *b, const struct vy_program *p)
{
	const char *seen[VY_TYPE_COUNT];
	unsigned uses = vy_pipeline_uses(p);
	int n = 0;
	for (int t = 0; t < VY_TYPE_COUNT; t++) {
		const char *f = vy_type_info((enum vy_type)t)->feature;
		bool used = false, dup = false;
		for (int i = 0; i < p->nbuffers; i++)
			used |= p->buffers[i].type == (enum vy_type)t;
		if (vy_type_is64((enum vy_type)t))   /* wherever used */
			used |= uses & VY_USES_F64 << (t - VY_F64);
		if (t == VY_F16)   /* wherever used (src/lower_f16.c) */
			used |= p->uses_f16;
		for (int k = 0; k < n; k++)
			dup |= !strcmp(seen[k], f);
		if (!*f || !used || dup)
			continue;
		vy_buf_printf(b, n ? ", \"%s\"" : "  \"features\": [\"%s\"", f);
		seen[n++] = f;
	}
	/* f32 atomic.add (SPEC §10.2): VK_EXT_shader_atomic_float */
	if (uses & VY_USES_FATOMIC_BUFFER)
		vy_buf_printf(b, n++ ? ", \"%s\"" : "  \"features\": [\"%s\"",
			      "shaderBufferFloat32AtomicAdd");
	if (uses & VY_USES_FATOMIC_SHARED)
		vy_buf_printf(b, n++ ? ", \"%s\"" : "  \"features\": [\"%s\"",
			      "shaderSharedFloat32AtomicAdd");
	if (n)
		vy_buf_puts(b, "],\n");
}

/* SPEC §10.5: one entry per kernel part and the pipeline over them; only
 * for programs with kernels, grid barriers or a pipeline. */
static void put_pipe(struct vy_buf *b, const struct vy_program *p,
		     const struct vy_pipe *v, int n)
{
	vy_buf_puts(b, "[");
	for (int i = 0; i < n; i++) {
		if (i)
			vy_buf_puts(b, ", ");
		if (v[i].kind == VY_PIPE_PART) {
			const struct vy_program *q = p->parts[v[i].part];
			vy_json_str(b, q->entry_point ? q->entry_point : q->name);
			continue;
		}
		vy_buf_puts(b, v[i].kind == VY_PIPE_REPEAT ? "{\"repeat\": " : "{\"for\": ");
		vy_json_str(b, v[i].text);
		if (v[i].kind == VY_PIPE_FOR) {
			vy_buf_puts(b, ", \"param\": ");
			vy_json_str(b, p->params[v[i].param].name);
		}
		vy_buf_puts(b, ", \"do\": ");
		put_pipe(b, p, v[i].body, v[i].n);
		vy_buf_puts(b, "}");
	}
	vy_buf_puts(b, "]");
}

static void put_kernels(struct vy_buf *b, const struct vy_program *p)
{
	if (!p->entry_point && !p->npipe)
		return;
	vy_buf_puts(b, "  \"kernels\": [");
	for (int i = 0; i < p->nparts; i++) {
		const struct vy_program *q = p->parts[i];
		vy_buf_puts(b, i ? ",\n    {\"kernel\": " : "\n    {\"kernel\": ");
		vy_json_str(b, q->kernel);
		vy_buf_puts(b, ", \"entry_point\": ");
		vy_json_str(b, q->entry_point ? q->entry_point : q->name);
		vy_buf_printf(b, ", \"workgroup_size\": [%u, %u, %u], \"dispatch\": [",
			      q->wgsize[0], q->wgsize[1], q->wgsize[2]);
		for (int a = 0; a < q->ndispatch && a < 3; a++) {
			if (a)
				vy_buf_puts(b, ", ");
			vy_json_str(b, vy_dispatch_text(q, a));
		}
		vy_buf_puts(b, "], \"shared\": [");
		for (int s = 0; s < q->nshared; s++) {
			vy_buf_puts(b, s ? ", {\"name\": " : "{\"name\": ");
			vy_json_str(b, q->shared[s].name);
			vy_buf_printf(b, ", \"type\": \"%s\", \"count\": %u}",
				      vy_type_name(q->shared[s].type), q->shared[s].count);
		}
		vy_buf_puts(b, "]}");
	}
	vy_buf_puts(b, "\n  ],\n  \"pipeline\": ");
	if (p->npipe)
		put_pipe(b, p, p->pipe, p->npipe);
	else {   /* one part, no pipeline: it once */
		struct vy_pipe one = { .kind = VY_PIPE_PART };
		put_pipe(b, p, &one, 1);
	}
	vy_buf_puts(b, ",\n");
}

void vy_manifest_json(const struct vy_program *p, const char *target,
		      const char *entry, const void *kernel, size_t n,
		      struct vy_buf *out)
{
	vy_buf_puts(out, "{\n  \"schema\": \"vyrec-artifact-1\",\n  \"name\": ");
	vy_json_str(out, p->name);
	vy_buf_puts(out, ",\n  \"description\": ");
	vy_json_str(out, p->description);
	vy_buf_puts(out, ",\n  \"target\": ");
	vy_json_str(out, target);
	vy_buf_puts(out, ",\n  \"entry_point\": ");
	vy_json_str(out, entry);
	vy_buf_printf(out, ",\n  \"workgroup_size\": [%u, %u, %u],\n"
		      "  \"dispatch\": [", p->wgsize[0], p->wgsize[1],
		      p->wgsize[2]);
	for (int a = 0; a < p->ndispatch && a < 3; a++) {
		if (a)
			vy_buf_puts(out, ", ");
		vy_json_str(out, vy_dispatch_text(p, a));
	}
	vy_buf_puts(out, "],\n");
	put_params(out, p);
	put_buffers(out, p);
	put_shared(out, p);
	if (p->fast_math)   /* only when set: 1.0 manifests keep their bytes */
		vy_buf_puts(out, "  \"fast_math\": true,\n");
	put_features(out, p);
	put_kernels(out, p);
	uint8_t h[32];
	vy_sha256(kernel ? kernel : "", kernel ? n : 0, h);
	vy_buf_puts(out, "  \"kernel_sha256\": \"");
	for (int i = 0; i < 32; i++)
		vy_buf_printf(out, "%02x", h[i]);
	vy_buf_puts(out, "\",\n  \"vyrec_version\": \"" VY_VERSION "\"\n}\n");
}
