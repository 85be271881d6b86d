/*
 * replay.c: a main() for any tests/fuzz/fuzz_NAME.c harness without
 * libFuzzer, as t_fuzz.sh uses it: every file named on the command line
 * is read (all of them first, as the harness may change directory in
 * LLVMFuzzerInitialize), then fed to LLVMFuzzerTestOneInput once.  A
 * harness's finding is an abort, a crash or exit(70) from vy_bug; the name
 * of the input being run is on stderr first, so the failure names it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int main(int argc, char **argv)
{
	uint8_t **data = calloc((size_t)argc, sizeof *data);
	size_t *len = calloc((size_t)argc, sizeof *len);
	if (!data || !len)
		return 2;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		size_t cap = 1 << 16;
		if (!f || !(data[i] = malloc(cap))) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			return 2;
		}
		for (size_t k; (k = fread(data[i] + len[i], 1, cap - len[i], f)) > 0;)
			if ((len[i] += k) == cap && !(data[i] = realloc(data[i], cap *= 2)))
				return 2;
		fclose(f);
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		fprintf(stderr, "replay: %s\n", argv[i]);
		LLVMFuzzerTestOneInput(data[i], len[i]);
		free(data[i]);
	}
	printf("%d inputs, no finding\n", argc - 1);
	return 0;
}
