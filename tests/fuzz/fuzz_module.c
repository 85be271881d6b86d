/*
 * fuzz_module.c: the libFuzzer harness of the reference VM's module
 * decoder.  Each input is decoded as it is (exercising the header, length
 * and hash checks), then again with the header's body length and content
 * hash repaired, so mutations reach the section and instruction
 * validation.  A module that decodes is run with a step limit over small
 * zeroed buffers (counts and grid capped), so execution of any valid
 * module is exercised too.  Seeds: tests/fuzz/seed_module.sh.
 *
 * Built with -DVYVM_FUZZ_MAIN it is a standalone driver instead (no
 * libFuzzer): for every byte of each module file named on the command
 * line it runs three mutations through the same path, as t_vm.sh does
 * under ASan and UBSan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm.h"

static unsigned long ndecoded, nran;

static void run_small(const struct vyvm_module *m)
{
	uint32_t params[VYVM_MAX_PARAMS], counts[VYVM_MAX_BUFFERS], d[3], g[3];
	void *bufs[VYVM_MAX_BUFFERS] = { 0 };
	struct vyvm_opts o;
	char err[256];
	for (int i = 0; i < VYVM_MAX_PARAMS; i++)
		params[i] = (uint32_t)(i * 5 + 3);
	if (vyvm_eval_counts(m, params, counts, err, sizeof err) ||
	    vyvm_eval_dispatch(m, params, counts, d, g, err, sizeof err))
		return;
	if ((uint64_t)g[0] * g[1] * g[2] > 16)
		return;
	for (uint32_t i = 0; i < m->nbuffers; i++) {
		if (counts[i] > 4096)
			counts[i] = 4096;
		uint32_t es = vyvm_type_size(m->buffers[i].type);   /* u8 1 ... f32x4 16 */
		bufs[i] = calloc(counts[i] + 1, es > 4 ? es : 4);
	}
	memset(&o, 0, sizeof o);
	o.flags = VYVM_STRICT;
	o.max_steps = 20000;
	vyvm_run_opts(m, params, bufs, counts, g, &o, err, sizeof err);
	nran++;
	for (uint32_t i = 0; i < m->nbuffers; i++)
		free(bufs[i]);
}

static void try_module(const uint8_t *data, size_t n)
{
	struct vyvm_module *m;
	char err[256];
	if (vyvm_decode(data, n, &m, err, sizeof err) == 0) {
		ndecoded++;
		run_small(m);
		vyvm_free(m);
	}
}

/* The input with its body length and content hash made consistent. */
static void try_repaired(const uint8_t *data, size_t n)
{
	uint8_t *b;
	uint64_t h;
	if (n < 24 || n - 24 > UINT32_MAX || !(b = malloc(n)))
		return;
	memcpy(b, data, n);
	h = vyvm_hash(b + 24, n - 24);
	for (int k = 0; k < 4; k++)
		b[12 + k] = (uint8_t)((n - 24) >> 8 * k);
	for (int k = 0; k < 8; k++)
		b[16 + k] = (uint8_t)(h >> 8 * k);
	try_module(b, n);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	try_module(data, n);
	try_repaired(data, n);
	return 0;
}

#ifdef VYVM_FUZZ_MAIN
static void mutate_file(const char *path, unsigned long *nmut)
{
	FILE *f = fopen(path, "rb");
	uint8_t *d = malloc(1 << 20);
	size_t n = f && d ? fread(d, 1, 1 << 20, f) : 0;
	static const uint8_t xors[3] = { 0x01, 0x80, 0xFF };
	if (f)
		fclose(f);
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 3; k++) {
			d[i] ^= xors[k];
			LLVMFuzzerTestOneInput(d, n);
			d[i] ^= xors[k];
			++*nmut;
		}
	for (size_t len = 0; len < n; len += 1 + len / 64) {
		LLVMFuzzerTestOneInput(d, len);
		++*nmut;
	}
	free(d);
}

int main(int argc, char **argv)
{
	unsigned long nmut = 0;
	for (int i = 1; i < argc; i++)
		mutate_file(argv[i], &nmut);
	printf("%lu mutants, %lu decoded, %lu ran, no crash\n", nmut, ndecoded, nran);
	return argc > 1 && nmut ? 0 : 1;
}
#endif
