# tests/corpus/f32oracle.py: binary32 in exact fractions, for the corpus
# generators (gen.py, gen_subgroup.py, gen_vec.py): an oracle independent
# of the reference VM.  f32_bits rounds a Fraction (or a float) to the
# nearest even binary32; f32_frac is the exact value of finite f32 bits.
import math
from fractions import Fraction as Fr


def f32_bits(x):
    """Round a float or Fraction to binary32 (nearest even) -> bits."""
    if isinstance(x, float):
        if math.isnan(x): return 0x7FC00000
        if math.isinf(x): return 0x7F800000 if x > 0 else 0xFF800000
        if x == 0: return 0x80000000 if math.copysign(1, x) < 0 else 0
        x = Fr(x)
    if x == 0: return 0
    sign = 0x80000000 if x < 0 else 0
    x = abs(x)
    e = x.numerator.bit_length() - x.denominator.bit_length()
    while Fr(2) ** e > x: e -= 1
    while Fr(2) ** (e + 1) <= x: e += 1
    e = max(e, -126)                      # subnormals share the last exponent
    q = x / Fr(2) ** (e - 23)             # mantissa in units of the last place
    n = q.numerator // q.denominator
    r = q - n
    if r > Fr(1, 2) or (r == Fr(1, 2) and n & 1): n += 1
    if n == 1 << 24: n >>= 1; e += 1
    if e > 127: return sign | 0x7F800000
    if n < 1 << 23: return sign | n       # subnormal
    return sign | (e + 127) << 23 | (n & 0x7FFFFF)


def f32_frac(b):
    """The exact Fraction of finite f32 bits b (subnormals too)."""
    if b & 0x7FFFFFFF == 0:
        return Fr(0)
    sign = -1 if b >> 31 else 1
    e, m = (b >> 23) & 0xFF, b & 0x7FFFFF
    assert e != 0xFF, "not finite"
    if e == 0:
        return sign * Fr(m, 1 << 149)
    return sign * Fr(m | 1 << 23) * Fr(2) ** (e - 150)
