/*
 * value.c: the one parser of user-given scalars (--param k=v on run,
 * verify and `launcher --selftest-param`, const:V and random:SEED:LO:HI
 * bounds).  Each text is rounded once to its type: strtof for f32 (not
 * strtod and a cast, which rounds twice), so the same text gives the same
 * bits everywhere; the launcher templates' parsers (templates/c/src/main.c
 * parse_bits, templates/cargo/src/data.rs parse_value) follow the same
 * rules, and tests/t_tables.sh holds them to it.
 *
 *   u32   decimal or 0x hex, no sign, at most 2^32-1
 *   i32   optional sign, then decimal or 0x hex, in [-2^31, 2^31-1]
 *   f32   what strtof reads (decimal, inf, nan, C hex floats), nearest
 *         even; beyond the f32 range it is +-inf (as a cast in a program)
 *   f16   the same text rounded once to binary16 (its bits; not through
 *         f32), beyond 65504 +-inf
 * No leading or trailing space; no octal (010 is ten, as in Rust).
 */
#include <errno.h>
#include <fenv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

/* ---- binary16 (SPEC §10.1) ---- */

uint16_t vy_f16_of_double(double d)
{
	uint16_t sg = signbit(d) ? 0x8000 : 0;
	double a = fabs(d);
	if (isnan(d))
		return 0x7fff;   /* as math.f16_bits (src/mathlib.c) */
	if (a >= 65520.0)    /* 65504 + half an ulp: a tie, to even (inf) */
		return sg | 0x7c00;
	if (a < 0x1p-14)     /* subnormal: a multiple of 2^-24 */
		return sg | (uint16_t)nearbyint(a * 0x1p24);
	int e;
	double m = frexp(a, &e);            /* a = m * 2^e, m in [0.5, 1) */
	double q = nearbyint(m * 2048.0);   /* 11 bits, nearest even */
	if (q == 2048.0)
		q = 1024.0, e++;
	if (e + 14 >= 31)
		return sg | 0x7c00;
	return sg | (uint16_t)(((unsigned)(e + 14) << 10) + ((unsigned)q - 1024u));
}

uint32_t vy_f32_bits_of_f16(uint16_t h)
{
	uint32_t sg = (uint32_t)(h & 0x8000) << 16, x = h & 0x7fffu;
	if (x >= 0x7c00)
		return sg | 0x7f800000u | (x & 0x3ff) << 13;
	if (x >= 0x400)
		return sg | ((x << 13) + 0x38000000u);
	float f = (float)x * 0x1p-24f;
	uint32_t u;
	memcpy(&u, &f, 4);
	return sg | u;
}

/* Decimal text to binary16, rounded once: strtod rounding down and up
 * tells whether the text is a double; if not, the double toward zero with
 * its last bit set (round to odd, 53 >= 11 + 2 bits) rounds like the
 * text itself. */
static int f16_of_text(const char *s, uint32_t *bits)
{
	char *end;
	int mode = fegetround();
	fesetround(FE_DOWNWARD);
	double lo = strtod(s, &end);
	fesetround(FE_UPWARD);
	double hi = strtod(s, NULL);
	fesetround(FE_TOWARDZERO);
	double z = strtod(s, NULL);
	fesetround(mode);
	if (*end || end == s)
		return -1;
	if (lo != hi && !isinf(z)) {
		uint64_t u;
		memcpy(&u, &z, 8);
		u |= 1;
		memcpy(&z, &u, 8);
	}
	*bits = vy_f16_of_double(lo == hi ? lo : z);
	return 0;
}

/* Unsigned digits: decimal or 0x hex, nothing else; false on overflow. */
static bool parse_unsigned(const char *s, unsigned long long *v)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	const char *d = hex ? s + 2 : s;
	if (!*d || strspn(d, hex ? "0123456789abcdefABCDEF" : "0123456789") != strlen(d))
		return false;
	char *end;
	errno = 0;
	*v = strtoull(d, &end, hex ? 16 : 10);
	return !errno && !*end;
}

int vy_parse_value(const char *s, enum vy_type t, uint32_t *bits)
{
	if (!*s || strchr(" \t\n\v\f\r", *s))
		return -1;
	if (t == VY_F16 || t == VY_F16S)
		return f16_of_text(s, bits);
	if (t == VY_F32) {
		char *end;
		float f = strtof(s, &end);
		if (*end)
			return -1;
		memcpy(bits, &f, 4);
		return 0;
	}
	bool neg = t == VY_I32 && *s == '-';
	if (t == VY_I32 && (*s == '-' || *s == '+'))
		s++;
	unsigned long long v;
	if (!parse_unsigned(s, &v))
		return -1;
	if (t == VY_I32) {
		if (v > (neg ? 0x80000000ull : 0x7FFFFFFFull))
			return -1;
		*bits = neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v;
		return 0;
	}
	if (v > UINT32_MAX)
		return -1;
	*bits = (uint32_t)v;
	return 0;
}

/* The 64-bit types (SPEC §10.1, §10.10), by the same rules: u64 up to
 * 2^64-1, i64 in [-2^63, 2^63-1], f64 what strtod reads, rounded once;
 * the 32-bit types through vy_parse_value. */
int vy_parse_value64(const char *s, enum vy_type t, uint64_t *bits)
{
	if (!vy_type_is64(t)) {
		uint32_t b;
		if (vy_parse_value(s, t, &b))
			return -1;
		*bits = b;
		return 0;
	}
	if (!*s || strchr(" \t\n\v\f\r", *s))
		return -1;
	if (t == VY_F64) {
		char *end;
		double d = strtod(s, &end);
		if (*end)
			return -1;
		memcpy(bits, &d, 8);
		return 0;
	}
	bool neg = t == VY_I64 && *s == '-';
	if (t == VY_I64 && (*s == '-' || *s == '+'))
		s++;
	unsigned long long v;
	if (!parse_unsigned(s, &v))
		return -1;
	if (t == VY_I64 && v > (neg ? 0x8000000000000000ull : 0x7FFFFFFFFFFFFFFFull))
		return -1;
	*bits = neg ? 0 - (uint64_t)v : (uint64_t)v;
	return 0;
}
