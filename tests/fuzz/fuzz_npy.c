/*
 * fuzz_npy.c: the libFuzzer harness of vyrec's data reader (src/data.c,
 * SPEC §7).  Each input is written to DIR/x.npy and read back through the
 * public entry points as `vyrec run --in` does: vy_data_read_any for each
 * buffer type, then vy_data_fill with the count it found and with a wrong
 * one.  Besides crashes and sanitizer reports it checks what an accepted
 * file must satisfy: the data after the header is exactly count elements,
 * the shape tuple multiplies (without overflow) to count, and
 * vy_data_fill agrees with vy_data_read_any.  The same file is also read
 * as raw data (DIR/x.bin).  Seeds: tests/fuzz/seed_npy.sh.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vyrec.h"

static char dir[64], npy[96], bin[96];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(dir, "/tmp/vyrec-fuzzn-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(npy, sizeof npy, "%s/x.npy", dir);
	snprintf(bin, sizeof bin, "%s/x.bin", dir);
	return 0;
}

static void put(const char *path, const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(d, 1, n, f) != n) || fclose(f))
		abort();
}

/* Offset of the element data by the format's header length field, or 0. */
static size_t data_offset(const uint8_t *d, size_t n)
{
	if (n < 10 || memcmp(d, "\x93NUMPY", 6))
		return 0;
	if (d[6] == 1)
		return 10 + (size_t)(d[8] | d[9] << 8);
	if ((d[6] == 2 || d[6] == 3) && n >= 12)
		return 12 + (size_t)(d[8] | d[9] << 8 | (uint32_t)d[10] << 16 |
				     (uint32_t)d[11] << 24);
	return 0;
}

/* The product of the shape tuple of an accepted header, by an independent
 * reading: 1 when it could be read, 0 when the header has no plain
 * `'shape': (...)`, -1 when the product overflows 64 bits. */
static int shape_product(const uint8_t *d, size_t off, uint64_t *prod)
{
	size_t hstart = d[6] == 1 ? 10 : 12;   /* 2.0 and 3.0: 12 */
	char *h = malloc(off - hstart + 1);
	memcpy(h, d + hstart, off - hstart);
	h[off - hstart] = 0;
	char *s = strstr(h, "'shape'");
	if (!s || strstr(s + 1, "'shape'") || strstr(h, "\"shape\"")) {
		free(h);
		return 0;
	}
	s += 7;
	while (*s == ' ' || *s == ':')
		s++;
	int r = 0;
	if (*s++ == '(') {
		uint64_t p = 1;
		r = 1;
		for (;;) {
			while (*s == ' ' || *s == ',')
				s++;
			if (*s == ')')
				break;
			if (!isdigit((unsigned char)*s)) {
				r = 0;
				break;
			}
			uint64_t v = 0;
			while (isdigit((unsigned char)*s)) {
				if (__builtin_mul_overflow(v, 10, &v) ||
				    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
					r = -1;
				s++;
			}
			if (r < 0 || __builtin_mul_overflow(p, v, &p)) {
				r = -1;
				break;
			}
		}
		*prod = p;
	}
	free(h);
	return r;
}

static void check_type(const uint8_t *d, size_t n, enum vy_type t)
{
	void *w = NULL;
	uint32_t count = 0;
	char *err = NULL;
	if (vy_data_read_any(npy, t, &w, &count, &err) == 0) {
		size_t off = data_offset(d, n);
		if (!off || off > n || n - off != (size_t)count * 4) {
			fprintf(stderr, "fuzz_npy: accepted %u elements of a %zu-byte file whose data starts at %zu\n",
				count, n, off);
			abort();
		}
		uint64_t prod;
		int s = shape_product(d, off, &prod);
		if (s < 0 || (s > 0 && prod != count)) {
			fprintf(stderr, "fuzz_npy: accepted %u elements but the shape multiplies to %s%llu\n",
				count, s < 0 ? "more than 2^64: " : "", (unsigned long long)prod);
			abort();
		}
		if (memcmp(w, d + off, (size_t)count * 4)) {
			fprintf(stderr, "fuzz_npy: the elements read differ from the file's\n");
			abort();
		}
		uint32_t *f = malloc((size_t)count * 4 + 4);
		char *ferr = NULL;
		if (vy_data_fill(npy, t, f, count, &ferr) || memcmp(f, w, (size_t)count * 4)) {
			fprintf(stderr, "fuzz_npy: vy_data_fill disagrees with vy_data_read_any: %s\n",
				ferr ? ferr : "different elements");
			abort();
		}
		free(ferr);
		ferr = NULL;
		if (vy_data_fill(npy, t, f, count + 1, &ferr) == 0) {
			fprintf(stderr, "fuzz_npy: vy_data_fill accepted %u elements for a buffer of %u\n",
				count, count + 1);
			abort();
		}
		free(ferr);
		free(f);
		free(w);
	} else {
		free(err);
		err = NULL;
		uint32_t f[16];
		if (vy_data_fill(npy, t, f, 4, &err) == 0) {
			fprintf(stderr, "fuzz_npy: vy_data_fill accepted a file vy_data_read_any refused\n");
			abort();
		}
	}
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	put(npy, data, size);
	check_type(data, size, VY_U32);
	check_type(data, size, VY_I32);
	check_type(data, size, VY_F32);
	put(bin, data, size);
	void *w = NULL;
	uint32_t count = 0;
	char *err = NULL;
	int r = vy_data_read_any(bin, VY_F32, &w, &count, &err);
	if ((r == 0) != (size % 4 == 0) || (r == 0 && (count != size / 4 || memcmp(w, data, size)))) {
		fprintf(stderr, "fuzz_npy: the raw reader got %zu bytes wrong\n", size);
		abort();
	}
	free(w);
	free(err);
	return 0;
}
