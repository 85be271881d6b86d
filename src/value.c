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
 * No leading or trailing space; no octal (010 is ten, as in Rust).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vyrec.h"

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
