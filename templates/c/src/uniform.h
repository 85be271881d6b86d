/*
 * uniform.h: the arithmetic of launch-time sizes (buffer counts and the
 * dispatch), on 32-bit values held as their bits, with the semantics every
 * vyrec target agrees on: integers wrap, division by zero gives all ones
 * (x % 0 = x), i32 MIN / -1 = MIN, f32 -> int truncates and saturates
 * (NaN -> 0).  program.c calls these; they match vyrec's own evaluator.
 */
#ifndef UNIFORM_H
#define UNIFORM_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float vy_f(uint32_t w) { float f; memcpy(&f, &w, 4); return f; }
static inline uint32_t vy_w(float f) { uint32_t w; memcpy(&w, &f, 4); return w; }

static inline uint32_t vy_div_u(uint32_t a, uint32_t b) { return b ? a / b : 0xFFFFFFFFu; }
static inline uint32_t vy_rem_u(uint32_t a, uint32_t b) { return b ? a % b : a; }

static inline uint32_t vy_div_i(uint32_t a, uint32_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;
	if (y == 0)
		return 0xFFFFFFFFu;
	if (x == INT32_MIN && y == -1)
		return a;
	return (uint32_t)(x / y);
}

static inline uint32_t vy_rem_i(uint32_t a, uint32_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;
	if (y == 0)
		return a;
	if (x == INT32_MIN && y == -1)
		return 0;
	return (uint32_t)(x % y);
}

/* Arithmetic shift right, written without implementation-defined >>. */
static inline uint32_t vy_shr_i(uint32_t a, uint32_t b)
{
	uint32_t s = b & 31u;
	return a >> 31 ? ~(~a >> s) : a >> s;
}

static inline uint32_t vy_min_u(uint32_t a, uint32_t b) { return a <= b ? a : b; }
static inline uint32_t vy_max_u(uint32_t a, uint32_t b) { return a >= b ? a : b; }
static inline uint32_t vy_min_i(uint32_t a, uint32_t b) { return (int32_t)a <= (int32_t)b ? a : b; }
static inline uint32_t vy_max_i(uint32_t a, uint32_t b) { return (int32_t)a >= (int32_t)b ? a : b; }
static inline uint32_t vy_clamp_u(uint32_t x, uint32_t lo, uint32_t hi) { return vy_min_u(vy_max_u(x, lo), hi); }
static inline uint32_t vy_clamp_i(uint32_t x, uint32_t lo, uint32_t hi) { return vy_min_i(vy_max_i(x, lo), hi); }

static inline uint32_t vy_f2u(uint32_t w)
{
	float f = vy_f(w);
	if (isnan(f) || f <= 0)
		return 0;
	return f >= 4294967296.0f ? 0xFFFFFFFFu : (uint32_t)f;
}

static inline uint32_t vy_f2i(uint32_t w)
{
	float f = vy_f(w);
	if (isnan(f))
		return 0;
	if (f <= -2147483648.0f)
		return 0x80000000u;
	if (f >= 2147483648.0f)
		return 0x7FFFFFFFu;
	return (uint32_t)(int32_t)f;
}

static inline uint32_t vy_u2f(uint32_t a) { return vy_w((float)a); }
static inline uint32_t vy_i2f(uint32_t a) { return vy_w((float)(int32_t)a); }
static inline uint32_t vy_fadd(uint32_t a, uint32_t b) { return vy_w(vy_f(a) + vy_f(b)); }
static inline uint32_t vy_fsub(uint32_t a, uint32_t b) { return vy_w(vy_f(a) - vy_f(b)); }
static inline uint32_t vy_fmul(uint32_t a, uint32_t b) { return vy_w(vy_f(a) * vy_f(b)); }
static inline uint32_t vy_fdiv(uint32_t a, uint32_t b) { return vy_w(vy_f(a) / vy_f(b)); }
static inline uint32_t vy_fneg(uint32_t a) { return a ^ 0x80000000u; }

/* minNum/maxNum as the reference VM computes them: a NaN operand, quiet
 * or signalling, yields the other one (fminf gives a quiet NaN for a
 * signalling one); of +0 and -0, min gives -0 and max +0. */
static inline uint32_t vy_fmin(uint32_t a, uint32_t b)
{
	float x = vy_f(a), y = vy_f(b);
	if (x != x || y != y)
		return x != x ? b : a;
	return x < y ? a : y < x ? b : signbit(x) ? a : b;
}

static inline uint32_t vy_fmax(uint32_t a, uint32_t b)
{
	float x = vy_f(a), y = vy_f(b);
	if (x != x || y != y)
		return x != x ? b : a;
	return x > y ? a : y > x ? b : signbit(x) ? b : a;
}

static inline uint32_t vy_feq(uint32_t a, uint32_t b) { return vy_f(a) == vy_f(b); }
static inline uint32_t vy_fne(uint32_t a, uint32_t b) { return vy_f(a) != vy_f(b); }
static inline uint32_t vy_flt(uint32_t a, uint32_t b) { return vy_f(a) < vy_f(b); }
static inline uint32_t vy_fle(uint32_t a, uint32_t b) { return vy_f(a) <= vy_f(b); }
static inline uint32_t vy_fgt(uint32_t a, uint32_t b) { return vy_f(a) > vy_f(b); }
static inline uint32_t vy_fge(uint32_t a, uint32_t b) { return vy_f(a) >= vy_f(b); }

#endif
