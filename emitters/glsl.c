/*
 * glsl.c: the `glsl` AOT emitter.  It prints the resolved IR as a GLSL 4.50
 * compute shader with the launch ABI of the spv target (SPEC §3.2): each
 * buffer a std430 runtime array at set 0 and its binding, params in one
 * push-constant block at offsets 0, 4, 8 ..., so glslang's SPIR-V of it can
 * replace vyrec's own in a launcher.  Where GLSL leaves a case undefined
 * that doc/SEMANTICS.md defines (division by zero, float to int
 * saturation, min/max with NaN, clz of 0, shift amounts >= 32) the output
 * spells the defined result out in small helper functions; float + - * go
 * through `precise` helpers so glslang marks them NoContraction.  The
 * program is emitted into a body buffer first, which records the helpers it
 * used; the header, declarations and those helpers (in a fixed order) come
 * before it.  Unless config->validate is false the text is compiled with
 * glslang in-process, and a rejection is an emitter bug.
 *
 * User names are prefixed by kind (p_ params, b_ buffers, s_ shared
 * arrays, v_ locals) so they never meet a GLSL keyword, a builtin or a
 * helper (vy_) or temporary (t) of ours.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <spirv/unified1/spirv.h>

#include "vyrec.h"
#include "glslang_check.h"
#include "resolve.h"   /* vy_expr_is_const */
#include "mathlib_ir.h"

/* Helpers, in the order they are printed. */
enum {
	H_ISNAN, H_FCMP, H_FADD, H_FSUB, H_FMUL, H_FMA, H_RESID, H_NORM, H_FDIV, H_FSQRT, H_FMIN, H_FMAX, H_FSIGN, H_F2U, H_F2I,
	H_UDIV, H_IDIV, H_UREM, H_IREM, H_CLZ, H_CTZ, H_UMULHI, H_IMULHI,
	H_COUNT
};

static const char *const helper_text[H_COUNT] = {
	/* NaN and infinity tests on the bits: without float controls a
	 * Vulkan driver may assume no operand is NaN or infinite and fold
	 * isnan()/isinf() (and NaN comparisons) away; integer compares stay. */
	[H_ISNAN] =
	"bool vy_isnan(float x)\n{\n"
	"\treturn (floatBitsToUint(x) & 0x7FFFFFFFu) > 0x7F800000u;\n}\n"
	"\n"
	"bool vy_isinf(float x)\n{\n"
	"\treturn (floatBitsToUint(x) & 0x7FFFFFFFu) == 0x7F800000u;\n}\n",
	/* float comparisons with NaN settled on the bits */
	[H_FCMP] =
	"bool vy_nan2(float a, float b)\n{\n"
	"\treturn vy_isnan(a) || vy_isnan(b);\n}\n"
	"\n"
	"bool vy_feq(float a, float b)\n{\n\treturn !vy_nan2(a, b) && a == b;\n}\n"
	"\n"
	"bool vy_fne(float a, float b)\n{\n\treturn vy_nan2(a, b) || a != b;\n}\n"
	"\n"
	"bool vy_flt(float a, float b)\n{\n\treturn !vy_nan2(a, b) && a < b;\n}\n"
	"\n"
	"bool vy_fle(float a, float b)\n{\n\treturn !vy_nan2(a, b) && a <= b;\n}\n"
	"\n"
	"bool vy_fgt(float a, float b)\n{\n\treturn !vy_nan2(a, b) && a > b;\n}\n"
	"\n"
	"bool vy_fge(float a, float b)\n{\n\treturn !vy_nan2(a, b) && a >= b;\n}\n",
	[H_FADD] =
	"float vy_fadd(float a, float b)\n{\n\tprecise float r = a + b;\n"
	"\treturn r;\n}\n",
	[H_FSUB] =
	"float vy_fsub(float a, float b)\n{\n\tprecise float r = a - b;\n"
	"\treturn r;\n}\n",
	[H_FMUL] =
	"float vy_fmul(float a, float b)\n{\n\tprecise float r = a * b;\n"
	"\treturn r;\n}\n",
	/* fma() may be a rounded multiply then add in Vulkan; this is the
	 * correctly rounded emulation the spv target uses too (Boldo &
	 * Melquiond, IEEE TC 2008): (uh, ul) = exact a*b by Veltkamp
	 * splitting with 2^12 + 1, (th, tl) = exact c + uh, result = th +
	 * round_to_odd(tl + ul); where that is NaN, infinite or zero the
	 * plain sum is right.  Where |a*b| >= 2^126 (a*b may overflow while
	 * a*b + c does not), a and c are halved first and the result doubled
	 * (a c that halves to zero is a mere tie-breaker and stays); an
	 * operand >= 2^100, whose split would overflow, trades 2^32 with
	 * the other. */
	[H_FMA] =
	"float vy_fma_core(float a, float b, float c, out bool above, out bool exact)\n{\n"
	"\tprecise float uh = a * b;\n"
	"\tprecise float ca = 4097.0 * a;\n"
	"\tprecise float ah = ca - (ca - a);\n"
	"\tprecise float al = a - ah;\n"
	"\tprecise float cb = 4097.0 * b;\n"
	"\tprecise float bh = cb - (cb - b);\n"
	"\tprecise float bl = b - bh;\n"
	"\tprecise float ul = (((ah * bh - uh) + ah * bl) + al * bh) + al * bl;\n"
	"\tprecise float th = c + uh;\n"
	"\tprecise float tb = th - c;\n"
	"\tprecise float tl = (c - (th - tb)) + (uh - tb);\n"
	"\tprecise float s = tl + ul;\n"
	"\tprecise float sb = s - tl;\n"
	"\tprecise float e = (tl - (s - sb)) + (ul - sb);\n"
	"\tuint bits = floatBitsToUint(s);\n"
	"\tbool fix = (bits & 1u) == 0u && e != 0.0;\n"
	"\tif (fix)\n"
	"\t\tbits = (e > 0.0) == (s > 0.0) ? bits + 1u : bits - 1u;\n"
	"\tprecise float v = uintBitsToFloat(bits);\n"
	"\tprecise float r = th + v;\n"
	"\t/* the sign of a*b + c - r, for rounding r again (to a denormal) */\n"
	"\tprecise float rb = r - th;\n"
	"\tprecise float e1 = (th - (r - rb)) + (v - rb);\n"
	"\tbool e2p = fix ? e < 0.0 : e > 0.0;\n"
	"\tabove = e1 == 0.0 ? e2p : e1 > 0.0;\n"
	"\texact = e1 == 0.0 && e == 0.0;\n"
	"\tprecise float plain = uh + c;\n"
	"\treturn vy_isnan(r) || vy_isinf(r) || r == 0.0 ? plain : r;\n}\n"
	"\n"
	"float vy_fma_scaled(float a, float b, float c)\n{\n"
	"\tconst float big = uintBitsToFloat(0x71800000u);   // 2^100\n"
	"\tconst float up = uintBitsToFloat(0x4F800000u);    // 2^32\n"
	"\tconst float down = uintBitsToFloat(0x2F800000u);  // 2^-32\n"
	"\tbool abig = abs(a) >= big, bbig = abs(b) >= big;\n"
	"\tprecise float as = a * (abig ? down : bbig ? up : 1.0);\n"
	"\tprecise float bs = b * (abig ? up : bbig ? down : 1.0);\n"
	"\tbool above, exact;\n"
	"\treturn vy_fma_core(as, bs, c, above, exact);\n}\n"
	"\n"
	"float vy_fma(float a, float b, float c)\n{\n"
	"\t/* finite a*b (even one that overflows) plus an infinite c is c */\n"
	"\tif ((floatBitsToUint(c) & 0x7FFFFFFFu) == 0x7F800000u &&\n"
	"\t    (floatBitsToUint(a) & 0x7F800000u) != 0x7F800000u &&\n"
	"\t    (floatBitsToUint(b) & 0x7F800000u) != 0x7F800000u)\n"
	"\t\treturn c;\n"
	"\tprecise float p = a * b;\n"
	"\t/* |a*b| < 2^-100: the product's low part would underflow; with\n"
	"\t * |c| >= 2^-60 the result is c, else scale by 2^64 twice */\n"
	"\tif (a != 0.0 && b != 0.0 && !vy_isinf(a) && !vy_isinf(b) && !vy_isnan(a) && !vy_isnan(b) &&\n"
	"\t    !vy_isinf(c) && !vy_isnan(c) && !(abs(p) >= uintBitsToFloat(0x0D800000u))) {\n"
	"\t\tif (abs(c) >= uintBitsToFloat(0x21800000u))\n"
	"\t\t\treturn c;\n"
	"\t\t/* a zero c: the product rounded once keeps the sign of an\n"
	"\t\t * underflow to zero, which the scaled core loses */\n"
	"\t\tif ((floatBitsToUint(c) & 0x7FFFFFFFu) == 0u)\n"
	"\t\t\treturn p;\n"
	"\t\tconst float t64 = uintBitsToFloat(0x5F800000u);\n"
	"\t\tconst float tm64 = uintBitsToFloat(0x1F800000u);\n"
	"\t\tprecise float cs = (c * t64) * t64;\n"
	"\t\tbool above, exact;\n"
	"\t\tprecise float r = vy_fma_core(a * t64, b * t64, cs, above, exact);\n"
	"\t\tuint rb = floatBitsToUint(r), R = rb & 0x7FFFFFFFu, sg = rb & 0x80000000u;\n"
	"\t\tif (R >= 0x40800000u) {\n"
	"\t\t\tprecise float rt = (r * tm64) * tm64;\n"
	"\t\t\treturn rt;\n\t\t}\n"
	"\t\t/* a denormal result: rounded once, in integers */\n"
	"\t\tint d = 129 - int(R >> 23);\n"
	"\t\tif (d > 25)\n\t\t\treturn uintBitsToFloat(sg);\n"
	"\t\td = max(d, 1);\n"
	"\t\tuint n = (R & 0x7FFFFFu) | 0x800000u;\n"
	"\t\tuint hi = n >> uint(d), bit = 1u << uint(d);\n"
	"\t\tuint rem = n & (bit - 1u), hb = bit >> 1;\n"
	"\t\tbool mag_above = sg != 0u ? !(above || exact) : above;\n"
	"\t\tif (rem > hb || (rem == hb && (mag_above || (exact && (hi & 1u) != 0u))))\n"
	"\t\t\thi += 1u;\n"
	"\t\treturn uintBitsToFloat(sg | hi);\n\t}\n"
	"\tif (!(abs(p) >= uintBitsToFloat(0x7E800000u)) || vy_isinf(a) || vy_isinf(b) ||\n"
	"\t    vy_isinf(c) || vy_isnan(c))\n"
	"\t\treturn vy_fma_scaled(a, b, c);\n"
	"\t/* |a*b| >= 2^126: halve, which is exact for a here */\n"
	"\tprecise float ch = c * 0.5;\n"
	"\tprecise float r = vy_fma_scaled(a * 0.5, b, ch == 0.0 ? c : ch) * 2.0;\n"
	"\treturn r;\n}\n",
	/* Correctly rounded / and sqrt (Vulkan bounds the native ones by 2.5
	 * ulp and by inversesqrt's error): on the mantissas, where every
	 * intermediate is a normal float, the native result, one correction
	 * step, then the neighbour the exact residual selects (Dekker's
	 * product: a - c*b is exact for c near a/b); specials classified on
	 * the bits; the result put together in integers, so a denormal
	 * result is rounded once.  The same algorithm as the spv target. */
	[H_RESID] =
	"float vy_two_prod(float a, float b, out float lo)\n{\n"
	"\tprecise float hi = a * b;\n"
	"\tprecise float ca = 4097.0 * a;\n"
	"\tprecise float ah = ca - (ca - a);\n"
	"\tprecise float al = a - ah;\n"
	"\tprecise float cb = 4097.0 * b;\n"
	"\tprecise float bh = cb - (cb - b);\n"
	"\tprecise float bl = b - bh;\n"
	"\tprecise float l = (((ah * bh - hi) + ah * bl) + al * bh) + al * bl;\n"
	"\tlo = l;\n\treturn hi;\n}\n"
	"\n"
	"float vy_resid(float c, float b, float a)\n{\n"
	"\tfloat lo;\n"
	"\tprecise float hi = vy_two_prod(c, b, lo);\n"
	"\tprecise float r = (a - hi) - lo;\n"
	"\treturn r;\n}\n",
	/* the magnitude bits A (finite, not zero) as m * 2^e, m in [1, 2) */
	[H_NORM] =
	"float vy_norm(uint A, out int e)\n{\n"
	"\tuint ef = A >> 23;\n"
	"\tuint sh = ef == 0u ? uint(23 - findMSB(A)) : 0u;\n"
	"\te = int(ef == 0u ? 1u - sh : ef) - 127;\n"
	"\treturn uintBitsToFloat(((A << sh) & 0x7FFFFFu) | 0x3F800000u);\n}\n",
	[H_FDIV] =
	"float vy_fdiv(float a, float b)\n{\n"
	"\tuint ua = floatBitsToUint(a), ub = floatBitsToUint(b);\n"
	"\tuint sgn = (ua ^ ub) & 0x80000000u;\n"
	"\tuint A = ua & 0x7FFFFFFFu, B = ub & 0x7FFFFFFFu;\n"
	"\tif (A > 0x7F800000u || B > 0x7F800000u || (A == 0u && B == 0u) ||\n"
	"\t    (A == 0x7F800000u && B == 0x7F800000u))\n"
	"\t\treturn uintBitsToFloat(0x7FC00000u);\n"
	"\tif (A == 0x7F800000u || B == 0u)\n"
	"\t\treturn uintBitsToFloat(sgn | 0x7F800000u);\n"
	"\tif (A == 0u || B == 0x7F800000u)\n"
	"\t\treturn uintBitsToFloat(sgn);\n"
	"\t/* |a|, |b| in [2^-31, 2^32): a normal quotient, corrected on the\n"
	"\t * operands themselves */\n"
	"\tif (A >= 0x30000000u && A < 0x4F800000u && B >= 0x30000000u && B < 0x4F800000u) {\n"
	"\t\tfloat x = uintBitsToFloat(A), y = uintBitsToFloat(B);\n"
	"\t\tprecise float x0 = x / y;\n"
	"\t\tprecise float x1 = x0 + vy_resid(x0, y, x) / y;\n"
	"\t\tuint cb = floatBitsToUint(x1);\n"
	"\t\tprecise float xr = vy_resid(x1, y, x);\n"
	"\t\tfloat uu = uintBitsToFloat((cb & 0x7F800000u) - (23u << 23));\n"
	"\t\tfloat ud = (cb & 0x7FFFFFu) == 0u ? uu * 0.5 : uu;\n"
	"\t\tprecise float xup = (xr + xr) - uu * y;\n"
	"\t\tprecise float xdn = (xr + xr) + ud * y;\n"
	"\t\tbool xodd = (cb & 1u) != 0u;\n"
	"\t\tif (xup > 0.0 || (xup == 0.0 && xodd))\n\t\t\tcb += 1u;\n"
	"\t\telse if (xdn < 0.0 || (xdn == 0.0 && xodd))\n\t\t\tcb -= 1u;\n"
	"\t\treturn uintBitsToFloat(cb | sgn);\n\t}\n"
	"\tint ea, eb;\n"
	"\tfloat ma = vy_norm(A, ea), mb = vy_norm(B, eb);\n"
	"\tint E = ea - eb;\n"
	"\t/* q = ma/mb in (1/2, 2): grid 2^-23 from 1 up, 2^-24 below */\n"
	"\tbool ge = ma >= mb;\n"
	"\tint k = ge ? 23 : 24;\n"
	"\tfloat u = uintBitsToFloat(uint(127 - k) << 23);\n"
	"\tfloat scale = uintBitsToFloat(uint(127 + k) << 23);\n"
	"\tprecise float q0 = ma / mb;\n"
	"\tprecise float q1 = q0 + vy_resid(q0, mb, ma) / mb;\n"
	"\tprecise float c = ge && q1 < 1.0 ? 1.0 : q1;\n"
	"\tprecise float cs = c * scale;\n"
	"\tuint n = uint(cs);\n"
	"\tprecise float r = vy_resid(c, mb, ma);\n"
	"\tprecise float hu = u * mb;\n"
	"\tprecise float hup = (r + r) - hu;\n"
	"\tprecise float hdn = (r + r) + hu;\n"
	"\tprecise float rn = r;\n"
	"\tbool odd = (n & 1u) != 0u;\n"
	"\tif (r > 0.0 && (hup > 0.0 || (hup == 0.0 && odd))) {\n"
	"\t\tn += 1u;\n\t\trn = r - hu;\n"
	"\t} else if (r < 0.0 && (hdn < 0.0 || (hdn == 0.0 && odd))) {\n"
	"\t\tn -= 1u;\n\t\trn = r + hu;\n\t}\n"
	"\tif ((ge ? E : E - 1) >= -126) {\n"
	"\t\tuint nb = floatBitsToUint(float(n));\n"
	"\t\tint K = E - k;\n"
	"\t\tif (int(nb >> 23) + K >= 255)\n"
	"\t\t\treturn uintBitsToFloat(sgn | 0x7F800000u);\n"
	"\t\treturn uintBitsToFloat(sgn | (nb + (uint(K) << 23)));\n\t}\n"
	"\t/* a denormal result: n / 2^d to nearest even, rn breaking ties */\n"
	"\tint d = k - 149 - E;\n"
	"\tif (d > 25)\n\t\treturn uintBitsToFloat(sgn);\n"
	"\tuint hi = n >> uint(d), bit = 1u << uint(d);\n"
	"\tuint rem = n & (bit - 1u), hb = bit >> 1;\n"
	"\tif (rem > hb || (rem == hb && (rn > 0.0 || (rn == 0.0 && (hi & 1u) != 0u))))\n"
	"\t\thi += 1u;\n"
	"\treturn uintBitsToFloat(sgn | hi);\n}\n",
	[H_FSQRT] =
	"float vy_fsqrt(float x)\n{\n"
	"\tuint X = floatBitsToUint(x), A = X & 0x7FFFFFFFu;\n"
	"\tif (A > 0x7F800000u || X > 0x80000000u)\n"
	"\t\treturn uintBitsToFloat(0x7FC00000u);\n"
	"\tif (A == 0u || X == 0x7F800000u)\n\t\treturn x;\n"
	"\tint e;\n"
	"\tfloat m = vy_norm(A, e);\n"
	"\t/* x = m2 * 2^(2h), m2 in [1, 4); sqrt(m2) in [1, 2), grid 2^-23 */\n"
	"\tprecise float m2 = (e & 1) != 0 ? m + m : m;\n"
	"\tint h = e >> 1;\n"
	"\tprecise float s0 = sqrt(m2);\n"
	"\tprecise float s1 = s0 + vy_resid(s0, s0, m2) / (s0 + s0);\n"
	"\tprecise float c = roundEven(s1 * 8388608.0) * uintBitsToFloat(0x34000000u);\n"
	"\t/* m2 - c^2 and c * 2^-23 in integer units of 2^-48 (exact) */\n"
	"\tfloat lo;\n"
	"\tprecise float hi = vy_two_prod(c, c, lo);\n"
	"\tprecise float t1 = (m2 - hi) * 281474976710656.0;\n"
	"\tprecise float l48 = lo * 281474976710656.0;\n"
	"\tprecise float c25 = c * 33554432.0;\n"
	"\tint T = int(t1) - int(l48), CU = int(c25);\n"
	"\tuint cb = floatBitsToUint(c);\n"
	"\tif (T > CU + 1)\n\t\tcb += 1u;\n"
	"\telse if (T < 1 - CU)\n\t\tcb -= 1u;\n"
	"\treturn uintBitsToFloat(cb + (uint(h) << 23));\n}\n",
	[H_FMIN] =
	"float vy_fmin(float a, float b)\n{\n"
	"\treturn vy_isnan(a) ? b : vy_isnan(b) ? a : min(a, b);\n}\n",
	[H_FMAX] =
	"float vy_fmax(float a, float b)\n{\n"
	"\treturn vy_isnan(a) ? b : vy_isnan(b) ? a : max(a, b);\n}\n",
	/* sign and abs are chosen in bits: lavapipe folds the float forms of
	 * sign(+0.0) and abs(-0.0) of constants to -0.0. */
	[H_FSIGN] =
	"float vy_fsign(float x)\n{\n"
	"\treturn uintBitsToFloat(vy_isnan(x) ? floatBitsToUint(x) : x > 0.0 ? 0x3F800000u :\n"
	"\t\tx < 0.0 ? 0xBF800000u : floatBitsToUint(x));\n}\n",
	/* Clamped in float before the conversion, which GLSL leaves undefined
	 * out of range; the clamp also keeps a driver from folding
	 * uint(float(u)) into u. */
	[H_F2U] =
	"uint vy_f2u(float x)\n{\n"
	"\tif (vy_isnan(x))\n\t\treturn 0u;\n"
	"\tif (x >= 4294967296.0)\n\t\treturn 0xFFFFFFFFu;\n"
	"\treturn uint(clamp(x, 0.0, 4294967040.0));\n}\n",
	[H_F2I] =
	"int vy_f2i(float x)\n{\n"
	"\tif (vy_isnan(x))\n\t\treturn 0;\n"
	"\tif (x >= 2147483648.0)\n\t\treturn 0x7FFFFFFF;\n"
	"\treturn int(clamp(x, -2147483648.0, 2147483520.0));\n}\n",
	[H_UDIV] =
	"uint vy_udiv(uint a, uint b)\n{\n"
	"\treturn b == 0u ? 0xFFFFFFFFu : a / b;\n}\n",
	/* i32 / and % on the magnitudes, unsigned, then the signs: GLSL's %
	 * is undefined for negative operands, and Vulkan's OpSRem/OpSMod
	 * (glslang's % and what / of negatives meets on some drivers) too.
	 * The quotient is negative when the signs differ, the remainder has
	 * the dividend's sign (as in C). */
	[H_IDIV] =
	"int vy_idiv(int a, int b)\n{\n"
	"\tif (b == 0)\n\t\treturn -1;\n"
	"\tuint ua = a < 0 ? 0u - uint(a) : uint(a);\n"
	"\tuint ub = b < 0 ? 0u - uint(b) : uint(b);\n"
	"\tint q = int(ua / ub);\n"
	"\treturn (a < 0) != (b < 0) ? -q : q;\n}\n",
	[H_UREM] =
	"uint vy_urem(uint a, uint b)\n{\n"
	"\treturn b == 0u ? a : a % b;\n}\n",
	[H_IREM] =
	"int vy_irem(int a, int b)\n{\n"
	"\tif (b == 0)\n\t\treturn a;\n"
	"\tuint ua = a < 0 ? 0u - uint(a) : uint(a);\n"
	"\tuint ub = b < 0 ? 0u - uint(b) : uint(b);\n"
	"\tint r = int(ua % ub);\n"
	"\treturn a < 0 ? -r : r;\n}\n",
	[H_CLZ] =
	"uint vy_clz(uint x)\n{\n"
	"\treturn x == 0u ? 32u : uint(31 - findMSB(x));\n}\n",
	[H_CTZ] =
	"uint vy_ctz(uint x)\n{\n"
	"\treturn x == 0u ? 32u : uint(findLSB(x));\n}\n",
	[H_UMULHI] =
	"uint vy_umulhi(uint a, uint b)\n{\n\tuint hi, lo;\n"
	"\tumulExtended(a, b, hi, lo);\n\treturn hi;\n}\n",
	[H_IMULHI] =
	"int vy_imulhi(int a, int b)\n{\n\tint hi, lo;\n"
	"\timulExtended(a, b, hi, lo);\n\treturn hi;\n}\n",
};

struct gen {
	const struct vy_program *p;
	int buffer_barrier;      /* vy_barrier_orders_buffers: 0 unknown, 1 no, 2 yes */
	struct vy_buf *b;        /* where text goes now */
	bool used[H_COUNT];
	char **lname;            /* GLSL name of each local */
	int depth;               /* indentation */
	int ntemp;
	bool fast_math;          /* --fast-math: the native fma() */
	bool debug_info;         /* -g: #line LINE before each statement */
	char *err;               /* first unsupported construct */
	struct vy_buf mfun;      /* the math-library functions used */
	bool mdone[VY_OP_COUNT];
	char (*mslot)[16];       /* names of the program's values */
};

static const char *glsl_type(enum vy_type t)
{
	return vy_type_info(t)->glsl;
}

static void put(struct gen *g, const char *s)
{
	vy_buf_puts(g->b, s);
}

static void indent(struct gen *g)
{
	for (int i = 0; i < g->depth; i++)
		put(g, "\t");
}

static const char *use(struct gen *g, int h, const char *name)
{
	g->used[h] = true;
	return name;
}

static void fail(struct gen *g, const char *msg)
{
	if (!g->err)
		g->err = vy_strf("%s", msg);
}

/* ---- literals ---- */

/* A float literal that reads back as exactly these bits, or the bits
 * through uintBitsToFloat where no decimal form is safe (non-finite,
 * denormal, -0, or one that does not round-trip through double as glslang
 * reads it). */
static void put_float(struct gen *g, uint32_t bits)
{
	float f;
	char s[64];

	memcpy(&f, &bits, 4);
	if (!isfinite(f) || (f != 0 && !isnormal(f)) || bits == 0x80000000u) {
		vy_buf_printf(g->b, "uintBitsToFloat(0x%08Xu)", bits);
		return;
	}
	snprintf(s, sizeof s, "%.9g", f);
	float back = (float)strtod(s, NULL);
	if (memcmp(&back, &f, 4)) {
		vy_buf_printf(g->b, "uintBitsToFloat(0x%08Xu)", bits);
		return;
	}
	if (!strpbrk(s, ".e"))
		strcat(s, ".0");
	if (f < 0)
		vy_buf_printf(g->b, "(%s)", s);
	else
		put(g, s);
}

static void put_const(struct gen *g, enum vy_type t, uint32_t bits)
{
	switch (t) {
	case VY_BOOL:
		put(g, bits ? "true" : "false");
		break;
	case VY_U32:
		if (bits < 0x10000)
			vy_buf_printf(g->b, "%uu", bits);
		else
			vy_buf_printf(g->b, "0x%08Xu", bits);
		break;
	case VY_I32:
		if (bits == 0x80000000u)
			put(g, "int(0x80000000u)");
		else if ((int32_t)bits < 0)
			vy_buf_printf(g->b, "(%d)", (int32_t)bits);
		else
			vy_buf_printf(g->b, "%d", (int32_t)bits);
		break;
	case VY_F32:
		put_float(g, bits);
		break;
	case VY_F64: case VY_U64: case VY_I64:
		fail(g, "a 64-bit constant without its high word");
		put(g, "0");
		break;
	default:
		fail(g, "constant of no storable type");
		put(g, "0");
	}
}

/* ---- expressions ---- */

static void put_expr(struct gen *g, const struct vy_expr *e);

/* Whether text is wrapped in one pair of parentheses from end to end. */
static bool wrapped(const char *s, size_t n)
{
	int depth = 0;

	if (n < 2 || s[0] != '(' || s[n - 1] != ')')
		return false;
	for (size_t i = 0; i < n; i++) {
		depth += s[i] == '(' ? 1 : s[i] == ')' ? -1 : 0;
		if (depth == 0 && i + 1 < n)
			return false;
	}
	return true;
}

/* An expression where it stands alone (a condition, a right-hand side):
 * without the outer parentheses every operator puts around itself. */
static void put_top(struct gen *g, const struct vy_expr *e)
{
	struct vy_buf tmp = {0}, *saved = g->b;

	g->b = &tmp;
	put_expr(g, e);
	g->b = saved;
	if (wrapped((const char *)tmp.data, tmp.len))
		vy_buf_put(g->b, tmp.data + 1, tmp.len - 2);
	else
		vy_buf_put(g->b, tmp.data, tmp.len);
	vy_buf_free(&tmp);
}

static void put_builtin(struct gen *g, const struct vy_expr *e)
{
	static const char *const sg[] = {
		"gl_SubgroupSize", "gl_SubgroupInvocationID", "gl_SubgroupID", "gl_NumSubgroups",
	};
	if (e->index == VY_B_SG && e->axis >= 0 && e->axis < 4) {
		put(g, sg[e->axis]);
		return;
	}
	static const char *const names[] = {
		[VY_B_GID] = "gl_GlobalInvocationID",
		[VY_B_LID] = "gl_LocalInvocationID",
		[VY_B_WGID] = "gl_WorkGroupID",
		[VY_B_WGSIZE] = "gl_WorkGroupSize",
		[VY_B_NWG] = "gl_NumWorkGroups",
	};
	if (e->index < 0 || e->index > VY_B_NWG || e->axis < 0 || e->axis > 2) {
		fail(g, "malformed builtin");
		put(g, "0u");
		return;
	}
	vy_buf_printf(g->b, "%s.%c", names[e->index], "xyz"[e->axis]);
}

/* An index.  glslang folds a constant index and refuses one that is
 * negative as an int (>= 2^31) or past a sized (shared) array, while the
 * other targets accept it (out of bounds is undefined on GPUs, SPEC §1.8):
 * such an index, and any constant expression, goes through a value glslang
 * cannot fold. */
static void put_index(struct gen *g, const struct vy_expr *i, uint32_t bound)
{
	if (vy_expr_is_const(i) && (i->kind != VY_E_CONST || i->bits >= 0x80000000u ||
				    i->bits >= bound)) {
		put(g, "(gl_LocalInvocationIndex * 0u + uint(");
		put_top(g, i);
		put(g, "))");
	} else
		put_top(g, i);
}

/* BUF[i] or SHARED[i]: a load, or the element an atomic op works on. */
static void put_elem(struct gen *g, const struct vy_expr *e)
{
	const struct vy_program *p = g->p;
	bool shared = e->space == VY_SPACE_SHARED;
	int n = shared ? p->nshared : p->nbuffers;

	if (e->space == VY_SPACE_PRIVATE && e->index >= 0 && e->index < p->nprivate) {
		vy_buf_printf(g->b, "a%d_%s[", e->index, p->privates[e->index].name);
		put_index(g, e->args[0], p->privates[e->index].count);
		put(g, "]");
		return;
	}
	if (e->kind != VY_E_LOAD || e->nargs < 1 || e->index < 0 ||
	    e->index >= n) {
		fail(g, "malformed memory reference");
		put(g, "0");
		return;
	}
	vy_buf_printf(g->b, "%s%s[", shared ? "s_" : "b_",
		      shared ? p->shared[e->index].name
			     : p->buffers[e->index].name);
	put_index(g, e->args[0], shared ? p->shared[e->index].count : UINT32_MAX);
	put(g, "]");
	if (vy_type_lanes(vy_mem_type(p, e->space, e->index)) > 1)   /* a component */
		vy_buf_printf(g->b, ".%c", "xyzw"[e->axis & 3]);
}

/* A load: a storage-type buffer element widens (SPEC §10.1); shared
 * arrays of storage types hold words that stores already narrowed. */
static void put_load(struct gen *g, const struct vy_expr *e)
{
	enum vy_type mt = vy_type_elem(vy_mem_type(g->p, e->space, e->index));
	if (vy_type_info(mt)->cls != VY_TC_STORAGE || e->space == VY_SPACE_SHARED) {
		put_elem(g, e);
		return;
	}
	put(g, mt == VY_BF16 ? "uintBitsToFloat(uint(" :
	    vy_type_value(mt) == VY_I32 ? "int(" : "uint(");
	put_elem(g, e);
	put(g, mt == VY_BF16 ? ") << 16)" : ")");
}

/* name(a, b, ...) */
static void put_call(struct gen *g, const char *name, const struct vy_expr *e)
{
	put(g, name);
	put(g, "(");
	for (int i = 0; i < e->nargs; i++) {
		if (i)
			put(g, ", ");
		put_expr(g, e->args[i]);
	}
	put(g, ")");
}

/* (a OP b) */
static void put_bin(struct gen *g, const char *op, const struct vy_expr *e)
{
	put(g, "(");
	put_expr(g, e->args[0]);
	vy_buf_printf(g->b, " %s ", op);
	put_expr(g, e->args[1]);
	put(g, ")");
}

/* a << (b & 31): shift amounts are taken mod 32 (a constant amount is
 * reduced here). */
static void put_shift(struct gen *g, const char *op, const struct vy_expr *e)
{
	const struct vy_expr *b = e->args[1];
	bool u = b->type == VY_U32;

	put(g, "(");
	put_expr(g, e->args[0]);
	if (b->kind == VY_E_CONST) {
		vy_buf_printf(g->b, " %s %u%s)", op, b->bits & 31, u ? "u" : "");
		return;
	}
	vy_buf_printf(g->b, " %s (", op);
	put_expr(g, b);
	put(g, u ? " & 31u))" : " & 31))");
}

/* Whether the divisor is a constant for which GLSL's / (and, for u32, %)
 * already gives the SEMANTICS result: not 0, and not -1 for i32. */
static bool plain_divisor(const struct vy_expr *b)
{
	return b->kind == VY_E_CONST && b->bits != 0 &&
	       (b->type != VY_I32 || b->bits != 0xFFFFFFFFu);
}

static void put_cast(struct gen *g, const struct vy_expr *e)
{
	enum vy_type to = e->cast_to, from = e->args[0]->type;
	const struct vy_expr *x = e->args[0];

	if (to == from) {
		put_expr(g, x);
		return;
	}
	if (from == VY_BOOL) {
		put(g, "(");
		put_expr(g, x);
		put(g, to == VY_U32 ? " ? 1u : 0u)" : to == VY_I32 ?
		    " ? 1 : 0)" : " ? 1.0 : 0.0)");
		return;
	}
	if (to == VY_BOOL) {
		put(g, "(");
		put_expr(g, x);
		put(g, from == VY_U32 ? " != 0u)" : from == VY_I32 ?
		    " != 0)" : " != 0.0)");
		return;
	}
	if (from == VY_F32) {
		put(g, to == VY_U32 ? use(g, H_F2U, "vy_f2u(")
				    : use(g, H_F2I, "vy_f2i("));
	} else {
		put(g, glsl_type(to));
		put(g, "(");
	}
	put_expr(g, x);
	put(g, ")");
}

static void put_bitcast(struct gen *g, const struct vy_expr *e)
{
	enum vy_type to = e->cast_to, from = e->args[0]->type;
	const char *f = NULL;

	if (to == from) {
		put_expr(g, e->args[0]);
		return;
	}
	if (from == VY_F32)
		f = to == VY_U32 ? "floatBitsToUint" : "floatBitsToInt";
	else if (to == VY_F32)
		f = from == VY_U32 ? "uintBitsToFloat" : "intBitsToFloat";
	else
		f = glsl_type(to);
	put_call(g, f, e);
}

/* Float + - * through the precise helpers, integers natively (they wrap). */
static void put_arith(struct gen *g, int h, const char *fn, const char *op,
		      const struct vy_expr *e)
{
	if (e->type == VY_F32)
		put_call(g, use(g, h, fn), e);
	else
		put_bin(g, op, e);
}

/* One helper for float, one for i32, one for u32 (NULL: native fn). */
static void put_typed(struct gen *g, const struct vy_expr *e, int hf,
		      const char *f, int hi, const char *i, int hu,
		      const char *u)
{
	int h = e->type == VY_F32 ? hf : e->type == VY_I32 ? hi : hu;
	const char *fn = e->type == VY_F32 ? f : e->type == VY_I32 ? i : u;
	if (h >= 0)
		use(g, h, fn);
	put_call(g, fn, e);
}

static void put_clamp(struct gen *g, const struct vy_expr *e)
{
	bool fl = e->type == VY_F32;
	put(g, fl ? use(g, H_FMIN, "vy_fmin(") : "min(");
	put(g, fl ? use(g, H_FMAX, "vy_fmax(") : "max(");
	put_expr(g, e->args[0]);
	put(g, ", ");
	put_expr(g, e->args[1]);
	put(g, "), ");
	put_expr(g, e->args[2]);
	put(g, ")");
}

/* clz/ctz work on the bits; the i32 forms go through uint. */
static void put_bits(struct gen *g, int h, const char *fn,
		     const struct vy_expr *e)
{
	use(g, h, fn);
	if (e->type == VY_U32) {
		put_call(g, fn, e);
		return;
	}
	vy_buf_printf(g->b, "int(%s(uint(", fn);
	put_expr(g, e->args[0]);
	put(g, ")))");
}

static void put_atomic(struct gen *g, const char *fn, const struct vy_expr *e)
{
	put(g, fn);
	put(g, "(");
	put_elem(g, e->args[0]);
	for (int i = 1; i < e->nargs; i++) {
		put(g, ", ");
		put_expr(g, e->args[i]);
	}
	put(g, ")");
}

static void put_unary(struct gen *g, const char *pre, const struct vy_expr *e,
		      const char *post)
{
	put(g, pre);
	put_expr(g, e->args[0]);
	put(g, post);
}

/* A comparison: float ones through the NaN-safe helpers. */
static void put_cmp(struct gen *g, const char *op, const char *fn,
		    const struct vy_expr *e)
{
	if (e->args[0]->type == VY_F32) {
		use(g, H_ISNAN, "");
		put_call(g, use(g, H_FCMP, fn), e);
	} else {
		put_bin(g, op, e);
	}
}

/* ---- the lowering table: special rows ---- */

static void put_div(struct gen *g, const struct vy_expr *e)
{
	enum vy_type t = e->type;
	if (t == VY_F32 && !g->fast_math) {
		use(g, H_RESID, "");
		use(g, H_NORM, "");
		put_call(g, use(g, H_FDIV, "vy_fdiv"), e);
	} else if (t == VY_F32 || (t == VY_U32 && plain_divisor(e->args[1])))
		put_bin(g, "/", e);
	else
		put_typed(g, e, -1, "", H_IDIV, "vy_idiv", H_UDIV, "vy_udiv");
}

static void put_rem(struct gen *g, const struct vy_expr *e)
{
	if (e->type == VY_U32 && plain_divisor(e->args[1]))
		put_bin(g, "%", e);
	else
		put_typed(g, e, -1, "", H_IREM, "vy_irem", H_UREM, "vy_urem");
}

static void put_neg(struct gen *g, const struct vy_expr *e)
{
	put_unary(g, e->type == VY_U32 ? "(0u - " : "(-", e, ")");
}

static void put_select(struct gen *g, const struct vy_expr *e)
{
	put(g, "(");
	put_expr(g, e->args[0]);
	put(g, " ? ");
	put_expr(g, e->args[1]);
	put(g, " : ");
	put_expr(g, e->args[2]);
	put(g, ")");
}

static void put_fma(struct gen *g, const struct vy_expr *e)
{
	put_call(g, g->fast_math ? "fma" : use(g, H_FMA, "vy_fma"), e);
}

static void put_min(struct gen *g, const struct vy_expr *e)
{
	put_typed(g, e, H_FMIN, "vy_fmin", -1, "min", -1, "min");
}

static void put_max(struct gen *g, const struct vy_expr *e)
{
	put_typed(g, e, H_FMAX, "vy_fmax", -1, "max", -1, "max");
}

static void put_abs(struct gen *g, const struct vy_expr *e)
{
	if (e->type == VY_U32)
		put_expr(g, e->args[0]);
	else if (e->type == VY_I32)
		put_call(g, "abs", e);
	else
		put_unary(g, "uintBitsToFloat(floatBitsToUint(", e,
			  ") & 0x7FFFFFFFu)");
}

static void put_sign(struct gen *g, const struct vy_expr *e)
{
	if (e->type == VY_U32)
		put_unary(g, "uint(", e, " != 0u)");
	else if (e->type == VY_I32)
		put_call(g, "sign", e);
	else
		put_call(g, use(g, H_FSIGN, "vy_fsign"), e);
}

static void put_sqrt(struct gen *g, const struct vy_expr *e)
{
	if (!g->fast_math) {
		use(g, H_RESID, "");
		use(g, H_NORM, "");
	}
	put_call(g, g->fast_math ? "sqrt" : use(g, H_FSQRT, "vy_fsqrt"), e);
}

/* step(edge, x) = x < edge ? 0 : 1, NaN x included */
static void put_step(struct gen *g, const struct vy_expr *e)
{
	use(g, H_ISNAN, "");
	put(g, use(g, H_FCMP, "(vy_flt("));
	put_expr(g, e->args[1]);
	put(g, ", ");
	put_expr(g, e->args[0]);
	put(g, ") ? 0.0 : 1.0)");
}

static void put_popcount(struct gen *g, const struct vy_expr *e)
{
	bool u = e->type == VY_U32;
	put_unary(g, u ? "uint(bitCount(" : "bitCount(", e, u ? "))" : ")");
}

static void put_mulhi(struct gen *g, const struct vy_expr *e)
{
	put_typed(g, e, -1, "", H_IMULHI, "vy_imulhi", H_UMULHI, "vy_umulhi");
}

static void put_atomic_sub(struct gen *g, const struct vy_expr *e)
{
	put(g, "atomicAdd(");
	put_elem(g, e->args[0]);
	put(g, e->type == VY_U32 ? ", 0u - (" : ", -(");
	put_expr(g, e->args[1]);
	put(g, "))");
}

/* ---- the lowering table ---- */

/* How put_op lowers an op; the form says which fields the row uses:
 * G_CALL fn(args) with fn = text; G_BIN (a text b); G_UNARY text a post;
 * G_ARITH and G_CMP text on integers, the helper (h, fn) on f32 (G_CMP:
 * the NaN-safe compare helpers); G_SHIFT (a text (b & 31)); G_BITS the
 * helper (h, fn) on the bits; G_ATOMIC text(elem, args); G_FN put(). */
/* ---- subgroups (SPEC §10.4): GL_KHR_shader_subgroup_* ----
 * Integer ops are the built-in functions; f32 reductions and scans are
 * functions in the SPEC's order (the xor butterfly, the Hillis-Steele scan
 * with subgroupShuffleUp) over vy_fadd/vy_fmin/vy_fmax, an inactive
 * partner giving the identity, made on first use like the library's. */

static const char *sg_float_fn(struct gen *g, enum vy_opcode code)
{
	static const char *const names[] = {
		[VY_OP_SG_ADD - VY_OP_SG_ADD] = "vy_sg_fadd",
		[VY_OP_SG_MIN - VY_OP_SG_ADD] = "vy_sg_fmin",
		[VY_OP_SG_MAX - VY_OP_SG_ADD] = "vy_sg_fmax",
		[VY_OP_SG_INCLUSIVE_ADD - VY_OP_SG_ADD] = "vy_sg_fscan",
		[VY_OP_SG_EXCLUSIVE_ADD - VY_OP_SG_ADD] = "vy_sg_fxscan",
	};
	const char *name = names[code - VY_OP_SG_ADD];
	if (g->mdone[code])
		return name;
	g->mdone[code] = true;
	const char *comb = code == VY_OP_SG_MIN ? use(g, H_FMIN, "vy_fmin") :
			   code == VY_OP_SG_MAX ? use(g, H_FMAX, "vy_fmax") : use(g, H_FADD, "vy_fadd");
	const char *id = code == VY_OP_SG_MIN ? "uintBitsToFloat(0x7F800000u)" :
			 code == VY_OP_SG_MAX ? "uintBitsToFloat(0xFF800000u)" : "0.0";
	if (code == VY_OP_SG_EXCLUSIVE_ADD) {
		const char *scan = sg_float_fn(g, VY_OP_SG_INCLUSIVE_ADD);
		vy_buf_printf(&g->mfun, "float %s(float x)\n{\n"
			      "\tfloat y = subgroupShuffleUp(%s(x), 1u);\n"
			      "\treturn gl_SubgroupInvocationID == 0u ? 0.0 : y;\n}\n\n", name, scan);
	} else if (code == VY_OP_SG_INCLUSIVE_ADD) {
		vy_buf_printf(&g->mfun, "float %s(float x)\n{\n"
			      "\tuvec4 act = subgroupBallot(true);\n"
			      "\tuint lane = gl_SubgroupInvocationID;\n"
			      "\tfor (uint h = 1u; h < gl_SubgroupSize; h <<= 1u) {\n"
			      "\t\tfloat y = subgroupShuffleUp(x, h);\n"
			      "\t\tif (lane >= h && subgroupBallotBitExtract(act, lane - h))\n"
			      "\t\t\tx = %s(x, y);\n\t}\n\treturn x;\n}\n\n", name, comb);
	} else {
		vy_buf_printf(&g->mfun, "float %s(float x)\n{\n"
			      "\tuvec4 act = subgroupBallot(true);\n"
			      "\tfor (uint h = gl_SubgroupSize >> 1u; h > 0u; h >>= 1u) {\n"
			      "\t\tfloat y = subgroupShuffleXor(x, h);\n"
			      "\t\tif (!subgroupBallotBitExtract(act, gl_SubgroupInvocationID ^ h))\n"
			      "\t\t\ty = %s;\n"
			      "\t\tx = %s(x, y);\n\t}\n\treturn x;\n}\n\n", name, id, comb);
	}
	return name;
}

enum glsl_form {
	G_NONE, G_CALL, G_BIN, G_UNARY, G_ARITH, G_CMP, G_SHIFT, G_BITS,
	G_ATOMIC, G_FN
};

struct glsl_row {
	enum glsl_form form;
	const char *text, *fn;
	int h;
	void (*put)(struct gen *g, const struct vy_expr *e);
};

#define CALL_(f) { G_CALL, f, NULL, 0, NULL }
#define FN_(f) { G_FN, NULL, NULL, 0, f }
#define SG_(f) { G_FN, f, NULL, 0, put_subgroup }   /* text: the GLSL function */

static void put_subgroup(struct gen *g, const struct vy_expr *e);

static const struct glsl_row glsl_ops[VY_OP_COUNT] = {
	[VY_OP_ADD] = { G_ARITH, "+", "vy_fadd", H_FADD, NULL },
	[VY_OP_SUB] = { G_ARITH, "-", "vy_fsub", H_FSUB, NULL },
	[VY_OP_MUL] = { G_ARITH, "*", "vy_fmul", H_FMUL, NULL },
	[VY_OP_DIV] = FN_(put_div),
	[VY_OP_REM] = FN_(put_rem),
	[VY_OP_NEG] = FN_(put_neg),
	[VY_OP_AND] = { G_BIN, "&", NULL, 0, NULL },
	[VY_OP_OR] = { G_BIN, "|", NULL, 0, NULL },
	[VY_OP_XOR] = { G_BIN, "^", NULL, 0, NULL },
	[VY_OP_NOT] = { G_UNARY, "(~", ")", 0, NULL },
	[VY_OP_SHL] = { G_SHIFT, "<<", NULL, 0, NULL },
	[VY_OP_SHR] = { G_SHIFT, ">>", NULL, 0, NULL },
	[VY_OP_EQ] = { G_CMP, "==", "vy_feq", H_FCMP, NULL },
	[VY_OP_NE] = { G_CMP, "!=", "vy_fne", H_FCMP, NULL },
	[VY_OP_LT] = { G_CMP, "<", "vy_flt", H_FCMP, NULL },
	[VY_OP_LE] = { G_CMP, "<=", "vy_fle", H_FCMP, NULL },
	[VY_OP_GT] = { G_CMP, ">", "vy_fgt", H_FCMP, NULL },
	[VY_OP_GE] = { G_CMP, ">=", "vy_fge", H_FCMP, NULL },
	[VY_OP_LAND] = { G_BIN, "&&", NULL, 0, NULL },
	[VY_OP_LOR] = { G_BIN, "||", NULL, 0, NULL },
	[VY_OP_LNOT] = { G_UNARY, "(!", ")", 0, NULL },
	[VY_OP_SELECT] = FN_(put_select),
	[VY_OP_CAST] = FN_(put_cast),
	[VY_OP_BITCAST] = FN_(put_bitcast),
	[VY_OP_FMA] = FN_(put_fma),
	[VY_OP_MIN] = FN_(put_min),
	[VY_OP_MAX] = FN_(put_max),
	[VY_OP_CLAMP] = FN_(put_clamp),
	[VY_OP_ABS] = FN_(put_abs),
	[VY_OP_SIGN] = FN_(put_sign),
	[VY_OP_FLOOR] = CALL_("floor"),
	[VY_OP_CEIL] = CALL_("ceil"),
	[VY_OP_ROUND] = CALL_("roundEven"),
	[VY_OP_TRUNC] = CALL_("trunc"),
	[VY_OP_FRACT] = CALL_("fract"),
	[VY_OP_SQRT] = FN_(put_sqrt),
	[VY_OP_RSQRT] = CALL_("inversesqrt"),
	[VY_OP_EXP] = CALL_("exp"),
	[VY_OP_EXP2] = CALL_("exp2"),
	[VY_OP_LOG] = CALL_("log"),
	[VY_OP_LOG2] = CALL_("log2"),
	[VY_OP_POW] = CALL_("pow"),
	[VY_OP_SIN] = CALL_("sin"),
	[VY_OP_COS] = CALL_("cos"),
	[VY_OP_TAN] = CALL_("tan"),
	[VY_OP_TANH] = CALL_("tanh"),
	[VY_OP_MIX] = CALL_("mix"),
	[VY_OP_STEP] = FN_(put_step),
	[VY_OP_POPCOUNT] = FN_(put_popcount),
	[VY_OP_CLZ] = { G_BITS, NULL, "vy_clz", H_CLZ, NULL },
	[VY_OP_CTZ] = { G_BITS, NULL, "vy_ctz", H_CTZ, NULL },
	[VY_OP_REVERSE_BITS] = CALL_("bitfieldReverse"),
	[VY_OP_MULHI] = FN_(put_mulhi),
	[VY_OP_ATOMIC_ADD] = { G_ATOMIC, "atomicAdd", NULL, 0, NULL },
	[VY_OP_ATOMIC_SUB] = FN_(put_atomic_sub),
	[VY_OP_ATOMIC_MIN] = { G_ATOMIC, "atomicMin", NULL, 0, NULL },
	[VY_OP_ATOMIC_MAX] = { G_ATOMIC, "atomicMax", NULL, 0, NULL },
	[VY_OP_ATOMIC_AND] = { G_ATOMIC, "atomicAnd", NULL, 0, NULL },
	[VY_OP_ATOMIC_OR] = { G_ATOMIC, "atomicOr", NULL, 0, NULL },
	[VY_OP_ATOMIC_XOR] = { G_ATOMIC, "atomicXor", NULL, 0, NULL },
	[VY_OP_ATOMIC_EXCHANGE] = { G_ATOMIC, "atomicExchange", NULL, 0, NULL },
	[VY_OP_ATOMIC_COMPARE_EXCHANGE] = { G_ATOMIC, "atomicCompSwap", NULL, 0, NULL },
	[VY_OP_SG_ADD] = SG_("subgroupAdd"),
	[VY_OP_SG_MIN] = SG_("subgroupMin"),
	[VY_OP_SG_MAX] = SG_("subgroupMax"),
	[VY_OP_SG_AND] = SG_("subgroupAnd"),
	[VY_OP_SG_OR] = SG_("subgroupOr"),
	[VY_OP_SG_XOR] = SG_("subgroupXor"),
	[VY_OP_SG_INCLUSIVE_ADD] = SG_("subgroupInclusiveAdd"),
	[VY_OP_SG_EXCLUSIVE_ADD] = SG_("subgroupExclusiveAdd"),
	[VY_OP_SG_BROADCAST] = SG_("subgroupShuffle"),   /* the lane need not be constant */
	[VY_OP_SG_BROADCAST_FIRST] = SG_("subgroupBroadcastFirst"),
	[VY_OP_SG_SHUFFLE] = SG_("subgroupShuffle"),
	[VY_OP_SG_SHUFFLE_XOR] = SG_("subgroupShuffleXor"),
	[VY_OP_SG_SHUFFLE_UP] = SG_("subgroupShuffleUp"),
	[VY_OP_SG_SHUFFLE_DOWN] = SG_("subgroupShuffleDown"),
	[VY_OP_SG_ALL] = SG_("subgroupAll"),
	[VY_OP_SG_ANY] = SG_("subgroupAny"),
	[VY_OP_SG_ELECT] = SG_("subgroupElect"),
	[VY_OP_SG_BALLOT] = SG_("subgroupBallot"),
};

/* A subgroup op: the row's GLSL function, or for f32 reductions and scans
 * the SPEC's fixed-order helper (sg_float_fn). */
static void put_subgroup(struct gen *g, const struct vy_expr *e)
{
	enum vy_opcode c = e->op->code;
	bool flt = e->type == VY_F32 && (c == VY_OP_SG_ADD || c == VY_OP_SG_MIN ||
					 c == VY_OP_SG_MAX || c == VY_OP_SG_INCLUSIVE_ADD ||
					 c == VY_OP_SG_EXCLUSIVE_ADD);
	if (c == VY_OP_SG_BALLOT) {   /* word k of the uvec4 (vyrec_ops.def) */
		put(g, "subgroupBallot(");
		put_top(g, e->args[0]);
		put(g, ")[");
		if (e->nargs > 1)
			put_top(g, e->args[1]);
		else
			put(g, "0u");   /* no word: word 0 */
		put(g, "]");
		return;
	}
	put_call(g, flt ? sg_float_fn(g, c) : glsl_ops[c].text, e);
}

bool vy_glsl_lowers(enum vy_opcode code)
{
	return code < VY_OP_COUNT && (glsl_ops[code].form != G_NONE || vy_op_is_library(code));
}

/* The GLSL function of a library op, generated on first use: its
 * program (src/mathlib_ir.h) one local per value, each core op by its own
 * lowering here, the exact ones even under --fast-math. */
static const char *mathlib_fn(struct gen *g, const struct vy_opdef *op,
			      char name[32])
{
	snprintf(name, 32, "vy_m_%s", op->name);
	if (g->mdone[op->code])
		return name;
	g->mdone[op->code] = true;
	struct vy_arena *a = vy_arena_new();
	struct vy_mprog mp;
	vy_mathlib_prog(a, op->code, &mp);
	char (*names)[16] = vy_alloc(a, sizeof *names * (size_t)mp.n), (*saved)[16] = g->mslot;
	struct vy_buf *b = g->b;
	bool fast = g->fast_math;
	struct vy_buf fn = {0};
	g->b = &fn;
	g->fast_math = false;
	g->mslot = names;
	vy_buf_printf(&fn, "%s %s(", glsl_type(mp.v[mp.n - 1]->type), name);
	for (int i = 0; i < mp.nparams; i++) {
		snprintf(names[i], sizeof names[i], "x%d", i);
		vy_buf_printf(&fn, "%s%s %s", i ? ", " : "", glsl_type(mp.ptype), names[i]);
	}
	put(g, ")\n{\n");
	for (int i = mp.nparams; i < mp.n; i++) {
		snprintf(names[i], sizeof names[i], "m%d", i);
		vy_buf_printf(&fn, "\t%s %s = ", glsl_type(mp.v[i]->type), names[i]);
		put_expr(g, mp.v[i]);
		put(g, ";\n");
	}
	vy_buf_printf(&fn, "\treturn %s;\n}\n\n", names[mp.n - 1]);
	vy_buf_put(&g->mfun, fn.data, fn.len);
	vy_buf_free(&fn);
	g->b = b;
	g->fast_math = fast;
	g->mslot = saved;
	vy_arena_free(a);
	return name;
}

/* ---- the 64-bit types f64 u64 i64 (SPEC §10.1) ----
 * Their own path: f64 + - * precise (helpers), NaN settled on the two
 * 32-bit halves (no int64 needed for an f64-only program), saturating
 * casts and the VM's integer division values in helpers. */

static bool is64(enum vy_type t)
{
	return t == VY_F64 || t == VY_U64 || t == VY_I64;
}

static void put_const64(struct gen *g, enum vy_type t, uint64_t b)
{
	if (t == VY_F64)
		vy_buf_printf(g->b, "packDouble2x32(uvec2(0x%08Xu, 0x%08Xu))",
			      (uint32_t)b, (uint32_t)(b >> 32));
	else if (t == VY_U64)
		vy_buf_printf(g->b, "0x%016llXUL", (unsigned long long)b);
	else
		vy_buf_printf(g->b, "int64_t(0x%016llXUL)", (unsigned long long)b);
}

static const char *const helpers64_f =
	"bool vy_disnan(double x)\n{\n\tuvec2 w = unpackDouble2x32(x);\n"
	"\tuint m = w.y & 0x7FFFFFFFu;\n"
	"\treturn m > 0x7FF00000u || (m == 0x7FF00000u && w.x != 0u);\n}\n\n"
	"double vy_dadd(double a, double b)\n{\n\tprecise double r = a + b;\n\treturn r;\n}\n\n"
	"double vy_dsub(double a, double b)\n{\n\tprecise double r = a - b;\n\treturn r;\n}\n\n"
	"double vy_dmul(double a, double b)\n{\n\tprecise double r = a * b;\n\treturn r;\n}\n\n"
	"bool vy_dnan2(double a, double b)\n{\n\treturn vy_disnan(a) || vy_disnan(b);\n}\n\n"
	"bool vy_deq(double a, double b)\n{\n\treturn !vy_dnan2(a, b) && a == b;\n}\n\n"
	"bool vy_dne(double a, double b)\n{\n\treturn vy_dnan2(a, b) || a != b;\n}\n\n"
	"bool vy_dlt(double a, double b)\n{\n\treturn !vy_dnan2(a, b) && a < b;\n}\n\n"
	"bool vy_dle(double a, double b)\n{\n\treturn !vy_dnan2(a, b) && a <= b;\n}\n\n"
	"bool vy_dgt(double a, double b)\n{\n\treturn !vy_dnan2(a, b) && a > b;\n}\n\n"
	"bool vy_dge(double a, double b)\n{\n\treturn !vy_dnan2(a, b) && a >= b;\n}\n\n"
	"double vy_dmin(double a, double b)\n{\n\treturn vy_disnan(a) ? b : vy_disnan(b) ? a : min(a, b);\n}\n\n"
	"double vy_dmax(double a, double b)\n{\n\treturn vy_disnan(a) ? b : vy_disnan(b) ? a : max(a, b);\n}\n\n"
	"double vy_dsign(double x)\n{\n\treturn vy_disnan(x) ? x : x > 0.0LF ? 1.0LF : x < 0.0LF ? -1.0LF : x;\n}\n\n"
	"uint vy_d2u(double x)\n{\n\tif (vy_disnan(x) || x <= 0.0LF)\n\t\treturn 0u;\n"
	"\tif (x >= 4294967296.0LF)\n\t\treturn 0xFFFFFFFFu;\n\treturn uint(x);\n}\n\n"
	"int vy_d2i(double x)\n{\n\tif (vy_disnan(x))\n\t\treturn 0;\n"
	"\tif (x >= 2147483648.0LF)\n\t\treturn 0x7FFFFFFF;\n"
	"\tif (x <= -2147483648.0LF)\n\t\treturn int(0x80000000u);\n\treturn int(x);\n}\n\n";

/* f64 to u64/i64: with both kinds of types only */
static const char *const helpers64_fi =
	"uint64_t vy_d2ul(double x)\n{\n\tif (vy_disnan(x) || x <= 0.0LF)\n\t\treturn 0UL;\n"
	"\tif (x >= 18446744073709551616.0LF)\n\t\treturn 0xFFFFFFFFFFFFFFFFUL;\n"
	"\treturn uint64_t(x);\n}\n\n"
	"int64_t vy_d2l(double x)\n{\n\tif (vy_disnan(x))\n\t\treturn 0L;\n"
	"\tif (x >= 9223372036854775808.0LF)\n\t\treturn int64_t(0x7FFFFFFFFFFFFFFFUL);\n"
	"\tif (x <= -9223372036854775808.0LF)\n\t\treturn int64_t(0x8000000000000000UL);\n"
	"\treturn int64_t(x);\n}\n\n";

/* u64 i64 without doubles: f32 to u64/i64, division */
static const char *const helpers64_i =
	"uint64_t vy_f2ul(float x)\n{\n"
	"\tif ((floatBitsToUint(x) & 0x7FFFFFFFu) > 0x7F800000u || x <= 0.0)\n\t\treturn 0UL;\n"
	"\tif (x >= 18446744073709551616.0)\n\t\treturn 0xFFFFFFFFFFFFFFFFUL;\n"
	"\treturn uint64_t(x);\n}\n\n"
	"int64_t vy_f2l(float x)\n{\n"
	"\tif ((floatBitsToUint(x) & 0x7FFFFFFFu) > 0x7F800000u)\n\t\treturn 0L;\n"
	"\tif (x >= 9223372036854775808.0)\n\t\treturn int64_t(0x7FFFFFFFFFFFFFFFUL);\n"
	"\tif (x <= -9223372036854775808.0)\n\t\treturn int64_t(0x8000000000000000UL);\n"
	"\treturn int64_t(x);\n}\n\n"
	"uint64_t vy_udiv64(uint64_t a, uint64_t b)\n{\n\treturn b == 0UL ? 0xFFFFFFFFFFFFFFFFUL : a / b;\n}\n\n"
	"uint64_t vy_urem64(uint64_t a, uint64_t b)\n{\n\treturn b == 0UL ? a : a % b;\n}\n\n"
	"int64_t vy_idiv64(int64_t a, int64_t b)\n{\n"
	"\tif (b == 0L)\n\t\treturn int64_t(-1);\n"
	"\tif (a == int64_t(0x8000000000000000UL) && b == int64_t(-1))\n\t\treturn a;\n"
	"\tuint64_t ua = a < 0L ? uint64_t(-a) : uint64_t(a);\n"
	"\tuint64_t ub = b < 0L ? uint64_t(-b) : uint64_t(b);\n"
	"\tint64_t q = int64_t(ua / ub);\n"
	"\treturn (a < 0L) != (b < 0L) ? -q : q;\n}\n\n"
	"int64_t vy_irem64(int64_t a, int64_t b)\n{\n"
	"\tif (b == 0L)\n\t\treturn a;\n"
	"\tif (a == int64_t(0x8000000000000000UL) && b == int64_t(-1))\n\t\treturn 0L;\n"
	"\tuint64_t ua = a < 0L ? uint64_t(-a) : uint64_t(a);\n"
	"\tuint64_t ub = b < 0L ? uint64_t(-b) : uint64_t(b);\n"
	"\tint64_t r = int64_t(ua % ub);\n"
	"\treturn a < 0L ? -r : r;\n}\n\n";

static void put_cast64(struct gen *g, enum vy_type from, enum vy_type to,
		       const struct vy_expr *x)
{
	bool ffl = from == VY_F32 || from == VY_F64, tfl = to == VY_F32 || to == VY_F64;
	if (from == to) {
		put_expr(g, x);
		return;
	}
	if (from == VY_BOOL) {
		put(g, "(");
		put_expr(g, x);
		put(g, " ? ");
		put_const64(g, to, to == VY_F64 ? 0x3FF0000000000000ull : 1);
		put(g, " : ");
		put_const64(g, to, 0);
		put(g, ")");
		return;
	}
	if (to == VY_BOOL) {
		put(g, from == VY_F64 ? "(!vy_deq(" : "(");
		put_expr(g, x);
		put(g, from == VY_F64 ? ", 0.0LF))" : from == VY_U64 ? " != 0UL)" : " != 0L)");
		return;
	}
	if (ffl && !tfl) {
		static const char *const fn[] = { "vy_d2u(", "vy_d2i(", "vy_d2ul(", "vy_d2l(",
						  "", "", "vy_f2ul(", "vy_f2l(" };
		put(g, fn[(to == VY_I32 || to == VY_I64) + 2 * is64(to) + 4 * (from == VY_F32)]);
		put_expr(g, x);
		put(g, ")");
		return;
	}
	/* float <-> float, int -> float (one rounding), int <-> int (C's rules) */
	put(g, glsl_type(to));
	put(g, "(");
	put_expr(g, x);
	put(g, ")");
}

static void put_op64(struct gen *g, const struct vy_expr *e)
{
	enum vy_opcode k = e->op->code;
	enum vy_type t = e->type, at = e->nargs ? e->args[0]->type : t;
	bool f = t == VY_F64 || at == VY_F64;
	static const char *const cmpop[] = { "==", "!=", "<", "<=", ">", ">=" };
	static const char *const cmpfn[] = { "vy_deq", "vy_dne", "vy_dlt", "vy_dle", "vy_dgt", "vy_dge" };
	switch (k) {
	case VY_OP_CAST: put_cast64(g, at, t, e->args[0]); return;
	case VY_OP_BITCAST: {
		const char *fn = at == VY_F64 ? (t == VY_U64 ? "doubleBitsToUint64" : "doubleBitsToInt64") :
				 t == VY_F64 ? (at == VY_U64 ? "uint64BitsToDouble" : "int64BitsToDouble") :
				 glsl_type(t);
		put_call(g, fn, e);
		return;
	}
	case VY_OP_ADD: case VY_OP_SUB: case VY_OP_MUL:
		if (f)
			put_call(g, k == VY_OP_ADD ? "vy_dadd" : k == VY_OP_SUB ? "vy_dsub" : "vy_dmul", e);
		else
			put_bin(g, k == VY_OP_ADD ? "+" : k == VY_OP_SUB ? "-" : "*", e);
		return;
	case VY_OP_DIV:
		if (f)
			put_bin(g, "/", e);   /* the driver's division */
		else
			put_call(g, t == VY_U64 ? "vy_udiv64" : "vy_idiv64", e);
		return;
	case VY_OP_REM: put_call(g, t == VY_U64 ? "vy_urem64" : "vy_irem64", e); return;
	case VY_OP_NEG: put_unary(g, t == VY_U64 ? "(0UL - " : "(-", e, ")"); return;
	case VY_OP_AND: put_bin(g, "&", e); return;
	case VY_OP_OR: put_bin(g, "|", e); return;
	case VY_OP_XOR: put_bin(g, "^", e); return;
	case VY_OP_NOT: put_unary(g, "(~", e, ")"); return;
	case VY_OP_SHL: case VY_OP_SHR: {   /* amounts mod 64 */
		const struct vy_expr *b = e->args[1];
		bool u = b->type == VY_U32;
		put(g, "(");
		put_expr(g, e->args[0]);
		if (b->kind == VY_E_CONST) {
			vy_buf_printf(g->b, " %s %u%s)", k == VY_OP_SHL ? "<<" : ">>",
				      b->bits & 63, u ? "u" : "");
			return;
		}
		vy_buf_printf(g->b, " %s (", k == VY_OP_SHL ? "<<" : ">>");
		put_expr(g, b);
		put(g, u ? " & 63u))" : " & 63))");
		return;
	}
	case VY_OP_EQ: case VY_OP_NE: case VY_OP_LT: case VY_OP_LE: case VY_OP_GT:
	case VY_OP_GE:
		if (at == VY_F64)
			put_call(g, cmpfn[k - VY_OP_EQ], e);
		else
			put_bin(g, cmpop[k - VY_OP_EQ], e);
		return;
	case VY_OP_SELECT: put_select(g, e); return;
	case VY_OP_MIN: put_call(g, f ? "vy_dmin" : "min", e); return;
	case VY_OP_MAX: put_call(g, f ? "vy_dmax" : "max", e); return;
	case VY_OP_CLAMP:
		put(g, f ? "vy_dmin(vy_dmax(" : "min(max(");
		put_expr(g, e->args[0]);
		put(g, ", ");
		put_expr(g, e->args[1]);
		put(g, "), ");
		put_expr(g, e->args[2]);
		put(g, ")");
		return;
	case VY_OP_ABS:
		if (t == VY_U64)
			put_expr(g, e->args[0]);
		else
			put_call(g, "abs", e);
		return;
	case VY_OP_SIGN:
		if (t == VY_U64)
			put_unary(g, "uint64_t(", e, " != 0UL)");
		else
			put_call(g, f ? "vy_dsign" : "sign", e);
		return;
	case VY_OP_FLOOR: put_call(g, "floor", e); return;
	case VY_OP_CEIL: put_call(g, "ceil", e); return;
	case VY_OP_ROUND: put_call(g, "roundEven", e); return;
	case VY_OP_TRUNC: put_call(g, "trunc", e); return;
	case VY_OP_SQRT: put_call(g, "sqrt", e); return;   /* the driver's */
	case VY_OP_FMA:
		fail(g, "`math.fma` on f64 is not exact on glsl (a Vulkan driver may "
		     "round the product first). Fix: write a * b + c, or use -t ptx "
		     "or the reference");
		put(g, "0.0LF");
		return;
	default:
		break;
	}
	if (!g->err)
		g->err = vy_strf("op `%s` has no glsl lowering on %s", e->op->id,
				 vy_type_name(f ? VY_F64 : t));
	put(g, "0");
}

static void put_op(struct gen *g, const struct vy_expr *e)
{
	const struct glsl_row *r = &glsl_ops[e->op->code];
	if (!vy_op_is_atomic(e->op->code) && (is64(e->type) ||
	    (e->nargs && is64(e->args[0]->type)))) {
		put_op64(g, e);
		return;
	}
	if (vy_op_is_library(e->op->code)) {   /* src/mathlib.c's ops */
		char name[32];
		put_call(g, mathlib_fn(g, e->op, name), e);
		return;
	}
	switch (r->form) {
	case G_CALL: put_call(g, r->text, e); return;
	case G_BIN: put_bin(g, r->text, e); return;
	case G_UNARY: put_unary(g, r->text, e, r->fn); return;
	case G_ARITH: put_arith(g, r->h, r->fn, r->text, e); return;
	case G_CMP: put_cmp(g, r->text, r->fn, e); return;
	case G_SHIFT: put_shift(g, r->text, e); return;
	case G_BITS: put_bits(g, r->h, r->fn, e); return;
	case G_ATOMIC: put_atomic(g, r->text, e); return;
	case G_FN: r->put(g, e); return;
	case G_NONE: break;
	}
	if (!g->err)
		g->err = vy_strf("op `%s` has no glsl lowering", e->op->id);
	put(g, "0");
}

static void put_expr(struct gen *g, const struct vy_expr *e)
{
	const struct vy_program *p = g->p;

	switch (e->kind) {
	case VY_E_CONST:
		if (is64(e->type))
			put_const64(g, e->type, vy_const_bits(e));
		else
			put_const(g, e->type, e->bits);
		break;
	case VY_E_PARAM:
		vy_buf_printf(g->b, "pc.p_%s", p->params[e->index].name);
		break;
	case VY_E_LOCAL:
		put(g, g->lname[e->index]);
		break;
	case VY_E_BUILTIN:
		put_builtin(g, e);
		break;
	case VY_E_LEN:
		vy_buf_printf(g->b, "uint(b_%s.length())",
			      p->buffers[e->index].name);
		break;
	case VY_E_LOAD:
		put_load(g, e);
		break;
	case VY_E_SLOT:
		put(g, g->mslot[e->index]);
		break;
	case VY_E_OP:
		if (e->op && e->op->code < VY_OP_COUNT) {
			put_op(g, e);
			break;
		}
		/* fall through */
	default:
		fail(g, "unresolved expression reached the glsl emitter");
		put(g, "0");
	}
}

/* ---- statements ---- */

/* Whether e contains an atomic op (a side effect). */
static bool has_atomic(const struct vy_expr *e)
{
	if (e->kind == VY_E_OP && e->op && vy_op_is_atomic(e->op->code))
		return true;
	for (int i = 0; i < e->nargs; i++)
		if (has_atomic(e->args[i]))
			return true;
	return false;
}

/* Whether e gives the same value each time a loop header evaluates it:
 * no memory, no atomics, no mutable locals. */
static bool invariant(const struct vy_program *p, const struct vy_expr *e)
{
	switch (e->kind) {
	case VY_E_CONST: case VY_E_PARAM: case VY_E_BUILTIN: case VY_E_LEN:
		return true;
	case VY_E_LOCAL:
		return !p->locals[e->index].mutable;
	case VY_E_OP:
		if (has_atomic(e))
			return false;
		for (int i = 0; i < e->nargs; i++)
			if (!invariant(p, e->args[i]))
				return false;
		return true;
	default:
		return false;
	}
}

static void put_block(struct gen *g, const struct vy_block *b);

static void open_line(struct gen *g)
{
	indent(g);
}

static void put_body(struct gen *g, const struct vy_block *b)
{
	put(g, " {\n");
	g->depth++;
	put_block(g, b);
	g->depth--;
	indent(g);
	put(g, "}");
}

/* A for loop.  LO, HI and STEP are evaluated once, in that order; a bound
 * that is invariant is written in the header, anything else is held in a
 * temporary so the loop does not re-evaluate it. */
static void put_for(struct gen *g, const struct vy_stmt *s)
{
	const char *k = g->lname[s->local];
	const char *ty = glsl_type(g->p->locals[s->local].type);
	bool hi_inv = invariant(g->p, s->hi);
	bool step_inv = !s->step || invariant(g->p, s->step);
	bool scoped = !hi_inv || !step_inv;
	char hi[32], step[32];

	if (scoped) {
		open_line(g);
		put(g, "{\n");
		g->depth++;
		open_line(g);
		vy_buf_printf(g->b, "%s %s = ", ty, k);
		put_top(g, s->lo);
		put(g, ";\n");
	}
	if (!hi_inv) {
		snprintf(hi, sizeof hi, "t%d", g->ntemp++);
		open_line(g);
		vy_buf_printf(g->b, "%s %s = ", glsl_type(s->hi->type), hi);
		put_top(g, s->hi);
		put(g, ";\n");
	}
	if (!step_inv) {
		snprintf(step, sizeof step, "t%d", g->ntemp++);
		open_line(g);
		vy_buf_printf(g->b, "%s %s = ", glsl_type(s->step->type), step);
		put_top(g, s->step);
		put(g, ";\n");
	}
	open_line(g);
	put(g, "for (");
	if (!scoped) {
		vy_buf_printf(g->b, "%s %s = ", ty, k);
		put_top(g, s->lo);
	}
	vy_buf_printf(g->b, "; %s %s ", k, s->step_negative ? ">" : "<");
	if (hi_inv)
		put_expr(g, s->hi);
	else
		put(g, hi);
	if (!s->step) {
		vy_buf_printf(g->b, "; %s++)", k);
	} else {
		vy_buf_printf(g->b, "; %s += ", k);
		if (step_inv)
			put_expr(g, s->step);
		else
			put(g, step);
		put(g, ")");
	}
	put_body(g, &s->body);
	put(g, "\n");
	if (scoped) {
		g->depth--;
		open_line(g);
		put(g, "}\n");
	}
}

static void put_if(struct gen *g, const struct vy_stmt *s)
{
	open_line(g);
	put(g, "if (");
	put_top(g, s->value);
	put(g, ")");
	put_body(g, &s->body);
	if (s->els.n > 0) {
		put(g, " else");
		put_body(g, &s->els);
	}
	put(g, "\n");
}

/* Private arrays (SPEC §10.3) that vy_scalarise left: aK_NAME, declared
 * at the top of main (an unrolled loop declares one array once a trip). */
static void put_private_decls(const struct vy_program *p, struct vy_buf *b)
{
	for (int i = 0; i < p->nprivate; i++)
		vy_buf_printf(b, "\t%s a%d_%s[%u];\n", glsl_type(p->privates[i].type), i,
			      p->privates[i].name, p->privates[i].count);
}

/* var a: T[N] = v: v once into a temporary, then a loop. */
static void put_fill(struct gen *g, const struct vy_stmt *s)
{
	const struct vy_privdecl *d = &g->p->privates[s->mem];
	int t = g->ntemp++;
	open_line(g);
	vy_buf_printf(g->b, "%s t%d = ", glsl_type(d->type), t);
	put_top(g, s->value);
	put(g, ";\n");
	open_line(g);
	vy_buf_printf(g->b, "for (uint t%d = 0u; t%d < %uu; t%d++) a%d_%s[t%d] = t%d;\n",
		      t + 1, t + 1, d->count, t + 1, s->mem, d->name, t + 1, t);
	g->ntemp++;
}

/* a[i] = v: as a buffer store, with no narrowing. */
static void put_private_store(struct gen *g, const struct vy_stmt *s)
{
	const struct vy_privdecl *d = &g->p->privates[s->mem];
	bool hoist = has_atomic(s->value) && s->index->kind != VY_E_CONST &&
		     s->index->kind != VY_E_LOCAL;
	int t = g->ntemp;
	if (hoist) {
		g->ntemp++;
		open_line(g);
		vy_buf_printf(g->b, "%s t%d = ", glsl_type(s->index->type), t);
		put_top(g, s->index);
		put(g, ";\n");
	}
	open_line(g);
	vy_buf_printf(g->b, "a%d_%s[", s->mem, d->name);
	if (hoist)
		vy_buf_printf(g->b, "t%d", t);
	else
		put_index(g, s->index, d->count);
	put(g, "] = ");
	put_top(g, s->value);
	put(g, ";\n");
}

/* BUF[i] = v.  The index is evaluated before the value; when the value has
 * a side effect the index goes into a temporary first to keep that
 * order. */
static void put_store(struct gen *g, const struct vy_stmt *s)
{
	const struct vy_program *p = g->p;
	if (s->space == VY_SPACE_PRIVATE) {
		put_private_store(g, s);
		return;
	}
	bool shared = s->space == VY_SPACE_SHARED;
	const char *name = shared ? p->shared[s->mem].name
				  : p->buffers[s->mem].name;
	bool hoist = has_atomic(s->value) && s->index->kind != VY_E_CONST &&
		     s->index->kind != VY_E_LOCAL;
	char t[32];

	if (hoist) {
		snprintf(t, sizeof t, "t%d", g->ntemp++);
		open_line(g);
		vy_buf_printf(g->b, "%s %s = ", glsl_type(s->index->type), t);
		put_top(g, s->index);
		put(g, ";\n");
	}
	open_line(g);
	vy_buf_printf(g->b, "%s%s[", shared ? "s_" : "b_", name);
	if (hoist)
		put(g, t);
	else
		put_index(g, s->index, shared ? p->shared[s->mem].count : UINT32_MAX);
	put(g, "]");
	enum vy_type mt = vy_mem_type(p, s->space, s->mem);
	if (vy_type_lanes(mt) > 1)   /* a component */
		vy_buf_printf(g->b, ".%c", "xyzw"[s->comp & 3]);
	put(g, " = ");
	mt = vy_type_elem(mt);   /* f16 bits (F16SXN): a component is F16S */
	const struct vy_typeinfo *ti = vy_type_info(mt);
	bool st = ti->cls == VY_TC_STORAGE;
	/* narrowed for a buffer; for a shared word narrowed and widened again */
	if (st && mt == VY_BF16)
		put(g, shared ? "uintBitsToFloat(vy_bf16(" : "uint16_t(vy_bf16(");
	else if (st && shared)
		put(g, ti->spv_signed ? "((" : "((");
	else if (st)
		vy_buf_printf(g->b, "%s(", ti->glsl);
	put_top(g, s->value);
	if (st && mt == VY_BF16)
		put(g, shared ? ") << 16)" : "))");
	else if (st && shared && ti->spv_signed)
		vy_buf_printf(g->b, ") << %u) >> %u", 32 - 8 * ti->size, 32 - 8 * ti->size);
	else if (st && shared)
		put(g, ti->size == 1 ? ") & 0xFFu)" : ") & 0xFFFFu)");
	else if (st)
		put(g, ")");
	put(g, ";\n");
}

static void put_simple(struct gen *g, const char *text)
{
	open_line(g);
	put(g, text);
	put(g, "\n");
}

static void put_stmt(struct gen *g, const struct vy_stmt *s)
{
	if (g->debug_info && s->loc.line > 0)   /* the next line is YAML line N */
		vy_buf_printf(g->b, "#line %d\n", s->loc.line);
	switch (s->kind) {
	case VY_S_LET:
	case VY_S_VAR:
		open_line(g);
		vy_buf_printf(g->b, "%s %s = ",
			      glsl_type(g->p->locals[s->local].type),
			      g->lname[s->local]);
		put_top(g, s->value);
		put(g, ";\n");
		break;
	case VY_S_ASSIGN:
		open_line(g);
		vy_buf_printf(g->b, "%s = ", g->lname[s->local]);
		put_top(g, s->value);
		put(g, ";\n");
		break;
	case VY_S_STORE: put_store(g, s); break;
	case VY_S_ARRAY: put_fill(g, s); break;
	case VY_S_IF: put_if(g, s); break;
	case VY_S_FOR: put_for(g, s); break;
	case VY_S_WHILE:
		open_line(g);
		put(g, "while (");
		put_top(g, s->value);
		put(g, ")");
		put_body(g, &s->body);
		put(g, "\n");
		break;
	case VY_S_BREAK: put_simple(g, "break;"); break;
	case VY_S_CONTINUE: put_simple(g, "continue;"); break;
	case VY_S_RETURN: put_simple(g, "return;"); break;
	case VY_S_BARRIER:
		if (!g->buffer_barrier)
			g->buffer_barrier = vy_barrier_orders_buffers(g->p) ? 2 : 1;
		put_simple(g, "memoryBarrierShared();");
		if (g->buffer_barrier == 2)
			put_simple(g, "memoryBarrierBuffer();");
		put_simple(g, "barrier();");
		break;
	case VY_S_EXPR:
		open_line(g);
		put_top(g, s->value);
		put(g, ";\n");
		break;
	}
}

/* A vector access group (vy_vec_group): `vec4 tN = b_x[i];` and a
 * let per component, or `b_z[i] = vec4(a, b, c, d);`. */
static void put_group(struct gen *g, struct vy_stmt *const *v, int n)
{
	const struct vy_program *p = g->p;
	if (v[0]->kind == VY_S_LET) {
		const struct vy_expr *e = v[0]->value;
		enum vy_type mt = vy_mem_type(p, e->space, e->index);
		/* f16 bits (F16SXN): a u16vecN buffer element widened to uvecN */
		bool wide = vy_type_value(mt) != mt && e->space == VY_SPACE_BUFFER;
		int t = g->ntemp++;
		open_line(g);
		vy_buf_printf(g->b, "%s t%d = %s%s%s%s[", glsl_type(vy_type_value(mt)), t,
			      wide ? glsl_type(vy_type_value(mt)) : "", wide ? "(" : "",
			      e->space == VY_SPACE_SHARED ? "s_" : "b_",
			      e->space == VY_SPACE_SHARED ? p->shared[e->index].name :
			      p->buffers[e->index].name);
		put_index(g, e->args[0], e->space == VY_SPACE_SHARED ?
			  p->shared[e->index].count : UINT32_MAX);
		put(g, wide ? "]);\n" : "];\n");
		for (int j = 0; j < n; j++) {
			open_line(g);
			vy_buf_printf(g->b, "%s %s = t%d.%c;\n",
				      glsl_type(p->locals[v[j]->local].type),
				      g->lname[v[j]->local], t, "xyzw"[j]);
		}
		return;
	}
	const struct vy_stmt *s = v[0];
	bool shared = s->space == VY_SPACE_SHARED;
	enum vy_type mt = vy_mem_type(p, s->space, s->mem);
	open_line(g);
	vy_buf_printf(g->b, "%s%s[", shared ? "s_" : "b_",
		      shared ? p->shared[s->mem].name : p->buffers[s->mem].name);
	put_index(g, s->index, shared ? p->shared[s->mem].count : UINT32_MAX);
	bool wide = vy_type_value(mt) != mt && !shared;   /* f16 bits: to u16vecN */
	vy_buf_printf(g->b, "] = %s%s%s(", wide ? glsl_type(mt) : "", wide ? "(" : "",
		      glsl_type(vy_type_value(mt)));
	for (int j = 0; j < n; j++) {
		if (j)
			put(g, ", ");
		put_top(g, v[j]->value);
	}
	put(g, wide ? "));\n" : ");\n");
}

static void put_block(struct gen *g, const struct vy_block *b)
{
	for (int i = 0; i < b->n; i++) {
		int k = vy_vec_group(g->p, b, i);
		if (k) {
			put_group(g, b->v + i, k);
			i += k - 1;
			continue;
		}
		put_stmt(g, b->v[i]);
	}
}

/* ---- declarations ---- */

struct local_name { const char *name; int i; };

static int cmp_local_name(const void *x, const void *y)
{
	return strcmp(((const struct local_name *)x)->name,
		      ((const struct local_name *)y)->name);
}

/* v_NAME, or vN_NAME when another local has the same name (sibling
 * scopes may reuse one); the digit keeps it apart from every v_ name.
 * Duplicates are found by sorting the names (100 000 locals: a pairwise
 * search took minutes, issue #10 item 5). */
static void name_locals(struct gen *g, struct vy_arena *a)
{
	const struct vy_program *p = g->p;
	int n = p->nlocals;

	g->lname = vy_alloc(a, (n + 1) * sizeof *g->lname);
	struct local_name *by = vy_xmalloc(((size_t)n + 1) * sizeof *by, "local names");
	bool *dup = vy_xcalloc((size_t)n + 1, sizeof *dup, "local names");
	for (int i = 0; i < n; i++)
		by[i] = (struct local_name){ p->locals[i].name, i };
	qsort(by, (size_t)n, sizeof *by, cmp_local_name);
	for (int k = 1; k < n; k++)
		if (!strcmp(by[k - 1].name, by[k].name))
			dup[by[k - 1].i] = dup[by[k].i] = true;
	for (int i = 0; i < n; i++)
		g->lname[i] = dup[i] ? vy_fmt(a, "v%d_%s", i, p->locals[i].name)
				     : vy_fmt(a, "v_%s", p->locals[i].name);
	free(by);
	free(dup);
}

/* A // comment line by line; bytes that could end or splice the comment
 * (newline, backslash, control characters) are escaped. */
static void put_comment(struct vy_buf *b, const char *prefix, const char *s)
{
	vy_buf_puts(b, prefix);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			vy_buf_puts(b, "\n//   ");
		else if (c == '\\' || c < 0x20 || c == 0x7f)
			vy_buf_printf(b, "\\x%02x", c);
		else
			vy_buf_put(b, &c, 1);
	}
	vy_buf_puts(b, "\n");
}

static void put_header(const struct vy_program *p, struct vy_buf *b)
{
	put_comment(b, "// vyrec program: ", p->name);
	if (p->description)
		put_comment(b, "// ", p->description);
	vy_buf_puts(b, "// Generated by vyrec " VY_VERSION
		    " (target glsl). Do not edit.\n");
	vy_buf_puts(b, "#version 450\n");
	/* IEEE signed zeros, infinities and NaNs in f32 arithmetic (SPEC
	 * §1.8): without this execution mode a driver may fold x * 0.0 to
	 * +0.0 (lavapipe does). */
	bool st8 = false, st16 = false;
	for (int i = 0; i < p->nbuffers; i++) {
		const struct vy_typeinfo *ti = vy_type_info(vy_type_elem(p->buffers[i].type));
		st8 |= ti->cls == VY_TC_STORAGE && ti->size == 1;
		st16 |= ti->cls == VY_TC_STORAGE && ti->size == 2;
	}
	if (st8)
		vy_buf_puts(b, "#extension GL_EXT_shader_8bit_storage : require\n");
	if (st16)
		vy_buf_puts(b, "#extension GL_EXT_shader_16bit_storage : require\n");
	unsigned uses = vy_program_uses(p);
	if (uses & (VY_USES_U64 | VY_USES_I64))   /* SPEC §10.1 */
		vy_buf_puts(b, "#extension GL_ARB_gpu_shader_int64 : require\n");
	if (uses & (VY_USES_FATOMIC_BUFFER | VY_USES_FATOMIC_SHARED))   /* SPEC §10.2 */
		vy_buf_puts(b, "#extension GL_EXT_shader_atomic_float : require\n");
	if (uses & VY_USES_SUBGROUP)
		vy_buf_puts(b, "#extension GL_KHR_shader_subgroup_basic : require\n"
			    "#extension GL_KHR_shader_subgroup_arithmetic : require\n"
			    "#extension GL_KHR_shader_subgroup_ballot : require\n"
			    "#extension GL_KHR_shader_subgroup_shuffle : require\n"
			    "#extension GL_KHR_shader_subgroup_shuffle_relative : require\n"
			    "#extension GL_KHR_shader_subgroup_vote : require\n");
	vy_buf_printf(b, "#extension GL_EXT_spirv_intrinsics : require\n"
		      "spirv_execution_mode(extensions = "
		      "[\"SPV_KHR_float_controls\"], capabilities = [%d], "
		      "%d, 32);\n\n", SpvCapabilitySignedZeroInfNanPreserve,
		      SpvExecutionModeSignedZeroInfNanPreserve);
	vy_buf_printf(b, "layout(local_size_x = %u, local_size_y = %u, "
		      "local_size_z = %u) in;\n\n",
		      p->wgsize[0], p->wgsize[1], p->wgsize[2]);
}

static void put_decls(const struct vy_program *p, struct vy_buf *b)
{
	static const char *const access[] = {
		[VY_READ_ONLY] = "readonly ", [VY_WRITE_ONLY] = "writeonly ",
		[VY_READ_WRITE] = "",
	};
	for (int i = 0; i < p->nbuffers; i++) {
		const struct vy_bufdecl *d = &p->buffers[i];
		vy_buf_printf(b, "layout(std430, set = 0, binding = %d) %s"
			      "buffer blk_%s {\n\t%s b_%s[];\n};\n",
			      d->binding, access[d->access], d->name,
			      glsl_type(d->type), d->name);
	}
	if (p->nbuffers)
		vy_buf_puts(b, "\n");
	if (p->nparams) {
		vy_buf_puts(b, "layout(push_constant) uniform Params {\n");
		for (int i = 0; i < p->nparams; i++)
			vy_buf_printf(b, "\tlayout(offset = %u) %s p_%s;\n",
				      vy_param_offset(p, i), glsl_type(vy_param_repr(p->params[i].type)),
				      p->params[i].name);
		vy_buf_puts(b, "} pc;\n\n");
	}
	bool bf = false;
	for (int i = 0; i < p->nshared; i++) {
		vy_buf_printf(b, "shared %s s_%s[%u];\n",
			      glsl_type(vy_type_value(p->shared[i].type)),
			      p->shared[i].name, p->shared[i].count);
		bf |= p->shared[i].type == VY_BF16;
	}
	if (p->nshared)
		vy_buf_puts(b, "\n");
	for (int i = 0; i < p->nbuffers; i++)
		bf |= p->buffers[i].type == VY_BF16;
	unsigned w64 = vy_program_uses(p);   /* SPEC §10.1 */
	if (w64 & VY_USES_F64)
		vy_buf_puts(b, helpers64_f);
	if (w64 & (VY_USES_U64 | VY_USES_I64))
		vy_buf_puts(b, helpers64_i);
	if ((w64 & VY_USES_F64) && (w64 & (VY_USES_U64 | VY_USES_I64)))
		vy_buf_puts(b, helpers64_fi);
	/* f32 to bf16 bits, nearest even, a NaN made quiet (SPEC §10.1) */
	if (bf)
		vy_buf_puts(b, "uint vy_bf16(float v)\n{\n"
			    "\tuint x = floatBitsToUint(v);\n"
			    "\tif ((x & 0x7FFFFFFFu) > 0x7F800000u)\n"
			    "\t\treturn (x >> 16) | 0x40u;\n"
			    "\treturn (x + 0x7FFFu + ((x >> 16) & 1u)) >> 16;\n}\n\n");
}

static int validate(const struct vy_buf *out, const struct vy_emit_config *c,
		    char **err)
{
	char *text = vy_buf_cstr(out);
	char *log = NULL;
	int rc = vy_glslang_compile(text, c ? c->vk_minor : 1, NULL, NULL,
				    &log);

	free(text);
	if (rc == 0)
		return VY_EMIT_OK;
	*err = vy_strf("glslang rejected the generated GLSL (a vyrec bug): %s",
		       log);
	free(log);
	return VY_EMIT_BUG;
}

static int emit(const struct vy_program *p, const struct vy_emit_config *c,
		struct vy_buf *out, char **err)
{
	if (c && c->vk_minor == 0 && (vy_program_uses(p) & VY_USES_SUBGROUP))
		return vy_emit_reject(c, err, VY_FIX_INLINE, "use --target-env vulkan1.1 or later",
				      "subgroup operations need SPIR-V 1.3");
	struct vy_arena *a = vy_arena_new();
	struct vy_buf body = {0};
	struct gen g = { .p = p, .b = &body, .depth = 1,
			 .fast_math = c && c->fast_math,
			 .debug_info = c && c->debug_info };

	name_locals(&g, a);
	put_block(&g, &p->entry);
	if (g.err) {
		vy_emit_reject(c, err, VY_FIX_INLINE, NULL, "%s", g.err);
		free(g.err);
		vy_buf_free(&body);
		vy_buf_free(&g.mfun);
		vy_arena_free(a);
		return VY_EMIT_REJECT;
	}
	put_header(p, out);
	put_decls(p, out);
	/* helpers that test NaN or infinity on the bits */
	g.used[H_ISNAN] |= g.used[H_FMA] || g.used[H_FMIN] || g.used[H_FMAX] ||
			   g.used[H_F2U] || g.used[H_F2I] || g.used[H_FSIGN];
	for (int h = 0; h < H_COUNT; h++)
		if (g.used[h]) {
			if (!helper_text[h])
				vy_bug("glsl helper %d has no text", h);
			vy_buf_puts(out, helper_text[h]);
			vy_buf_puts(out, "\n");
		}
	vy_buf_put(out, g.mfun.data, g.mfun.len);
	vy_buf_free(&g.mfun);
	vy_buf_puts(out, "void main()\n{\n");
	put_private_decls(p, out);
	vy_buf_put(out, body.data, body.len);
	vy_buf_puts(out, "}\n");
	vy_buf_free(&body);
	vy_arena_free(a);
	if (c && !c->validate)
		return VY_EMIT_OK;
	return validate(out, c, err);
}

const struct vy_aot_emitter vy_emitter_glsl = {
	.id = "glsl",
	.aliases = (const char *const[]){ "primary_text", NULL },
	.summary = "GLSL 4.50 compute shader (validated with glslang)",
	.ext = ".comp",
	.passes = VY_PASS_UNROLL | VY_PASS_SCALARISE | VY_PASS_MEM,   /* as spv: glslang keeps loops */
	.emit = emit,
};
