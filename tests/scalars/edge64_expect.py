#!/usr/bin/env python3
# tests/scalars/edge64_expect.py: the expected values of edge64.yaml, with
# Python's integers (wrap by masking), fractions (one rounding) and struct
# (IEEE bits); nothing of vyrec.  Prints out[] then f[] as u64 bits.
import math, struct
from fractions import Fraction as Fr
M = (1 << 64) - 1
def d2u(x): return struct.unpack('<Q', struct.pack('<d', x))[0]
def f2u(x): return struct.unpack('<I', struct.pack('<f', x))[0]
def u2d(u): return struct.unpack('<d', struct.pack('<Q', u))[0]
def s64(v): return v & M
def tdiv(a, b): q = abs(a) // abs(b); return q if (a < 0) == (b < 0) else -q
def trem(a, b): return a - b * tdiv(a, b)
def f2i(x, lo, hi):
    if x != x: return 0
    if x >= hi + 1: return hi
    if x <= lo - 1 and x < lo: return lo if math.trunc(x) < lo else math.trunc(x)
    return max(lo, min(hi, math.trunc(x)))
def to_f32(x):   # one rounding to nearest even, overflow to inf
    try: return struct.unpack('<f', struct.pack('<f', x))[0]
    except OverflowError: return math.inf if x > 0 else -math.inf
def int_to_f32(n):   # one rounding of an integer to f32, nearest even
    if n == 0: return 0.0
    sh = max(n.bit_length() - 24, 0)
    q, r = divmod(n, 1 << sh)
    half = 1 << sh >> 1
    if sh and (r > half or (r == half and q & 1)): q += 1
    return to_f32(float(q << sh))
MIN = -(1 << 63)
out = [
    s64(M + 2),
    s64(0x8000000000000001 * 3),
    s64(MIN),            # MIN / -1 = MIN (the documented value)
    0,                   # MIN % -1 = 0
    s64(tdiv(-7, 2)), s64(trem(-7, 2)),
    1 << 40,
    s64(-1024 >> 33),
    0xF000000000000000 >> 33,
    1 << (67 % 64),
    M,                   # x / 0 = all ones
    s64(-5),
    4294967295,
    0x23456789,
    10000000000,
    2147483647,
    0,
    M,
    s64(MIN),
    0,
    d2u(float(Fr(9007199254740993))),
    d2u(float(Fr(M))),
    f2u(to_f32(0.1)),
    f2u(to_f32(1e300)),
    f2u(int_to_f32(16777217)),
    d2u(0.1 + 0.2),
    d2u(0.1 * 0.1 - 0.01),   # each rounded, not fused
    d2u(math.sqrt(2.0)),
    d2u(1.0 / 3.0),
    d2u(struct.unpack('<f', struct.pack('<I', 1))[0]),
    4294967295,
    s64(MIN),            # i64 wrap
    s64(-3) ^ 2,
    s64(MIN),            # abs(MIN) = MIN
    d2u(math.floor(-2.5)) ^ d2u(2.0),
    s64(-2 + 1),
    1,
    1,
    1 if int_to_f32(0xFFFFFF7FFFFFFFFF) == 18446742974197923840.0 else 0,
    d2u(-0.0),
]
f = [d2u(0.1), d2u(math.inf), d2u(-math.inf), 0]
for v in out + f:
    print(v)
