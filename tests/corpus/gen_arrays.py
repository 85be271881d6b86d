#!/usr/bin/env python3
"""Expected outputs of tests/corpus/array_*.yaml, computed here from the
programs' meaning (SPEC §10.3), not by vyrec: each NAME.expect holds the
32-bit words of buffer `out`, one decimal number a line.
Run from the repository root: python3 tests/corpus/gen_arrays.py"""
import os
import struct
import sys
from fractions import Fraction as Fr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from f32oracle import f32_bits, f32_frac  # noqa: E402

M32 = 0xffffffff
M64 = (1 << 64) - 1


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def bits(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]


# binary32 on bits, each op rounded once (exact fractions; zeros signed as
# IEEE 754 says), and binary64 as Python's floats (IEEE doubles)
def fb(x):
    return f32_bits(Fr(x)) if isinstance(x, str) else f32_bits(x)


def fop(op, a, b):
    x, y = f32_frac(a), f32_frac(b)
    r = x + y if op == '+' else x - y if op == '-' else x * y
    if r != 0:
        return f32_bits(r)
    if op == '*':
        return (a ^ b) & 0x80000000
    neg_b = b ^ 0x80000000 if op == '-' else b
    return 0x80000000 if a >> 31 and neg_b >> 31 else 0


def dbits(x):
    return struct.unpack('<Q', struct.pack('<d', x))[0]


def s64(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def write(name, words):
    with open('tests/corpus/%s.expect' % name, 'w') as f:
        for w in words:
            f.write('%d\n' % (w & M32))


def array_const():
    out = [0] * 384
    for i in range(128):
        acc = [1] * 8
        for k in range(8):
            acc[k] = (acc[k] * (i + k) + k) & M32
        acc[3] = (acc[3] + acc[7]) & M32
        m = [[f32(f32(i * 0.5) + (r * 3 + c)) for c in range(3)] for r in range(2)]
        s = 0
        for k in range(8):
            s = (s * 3 + acc[k]) & M32
        out[i * 3] = s
        out[i * 3 + 1] = bits(f32(m[1][2] * m[0][1]))
        out[i * 3 + 2] = bits(f32(m[1][0] - m[0][2]))
    write('array_const', out)


def array_dynamic():
    out = [0] * 288
    for i in range(96):
        h = [0] * 16
        for k in range(40):
            j = ((i * 7 + k * k) & M32) % 16
            h[j] = (h[j] + k + 1) & M32
        g = [[-1] * 5 for _ in range(3)]
        g[i % 3][i // 3 % 5] = i
        g[2][4] -= 2
        s = 0
        for k in range(16):
            s = (s * 31 + h[k]) & M32
        out[i * 3] = s
        out[i * 3 + 1] = g[(i + 1) % 3][i // 3 % 5]
        out[i * 3 + 2] = g[i % 3][i // 3 % 5] + g[2][4]
    write('array_dynamic', out)


def array_vec_const():
    out = [0] * 2048
    for i in range(128):
        a = [[fb(1.0), 0x80000000, fb(0.5), fb(3.0)] for _ in range(4)]
        add = [fb(0.25), fb('1e30'), fb('-1e-30'), 0]
        d = [0.1] * 4
        for k in range(4):
            m = fb(i + k)
            add[3] = fb(k)
            a[k] = [fop('+', fop('*', a[k][c], m), add[c]) for c in range(4)]
            d[k] = d[k] * float(i + k + 1) + 1e-300
        a[2] = [fop('+', a[2][c], a[0][3 - c]) for c in range(4)]   # += a[0].wzyx
        b = [[[M32, M32] for _ in range(2)] for _ in range(2)]
        b[1][0] = [i, (i * 2654435761) & M32]
        b[0][1] = [(b[0][1][0] + i + 1) & M32, (b[0][1][1] + i + 1) & M32]
        q = [[M64, M64] for _ in range(2)]
        q[1][0] = (i << 33) & M64
        q[0][1] = (q[0][1] - i) & M64
        q[1][1] = (q[0][1] * 3) & M64
        s = [-(1 << 63)] * 3
        s[1] = s64(s[0] + i)
        s[2] = s64(s[1] * 3 - 1)
        if i == 5:
            d[3] = 1.7976931348623157e308 * 10.0
        if i == 6:
            d[2] = -0.0
        if i == 7:
            d[1] = 2.2250738585072014e-308
        o = i * 16
        v = [fop('+', a[3][c], a[1][c]) for c in range(4)]
        out[o:o + 3] = v[:3]
        out[o + 3] = fop('+', a[2][3], a[0][0])
        out[o + 4] = b[1][0][1] ^ b[0][1][0]
        out[o + 5] = b[0][0][1] + b[1][1][0]
        e = dbits(d[0] + d[1] + d[2] + d[3])
        out[o + 6], out[o + 7] = e & M32, e >> 32
        out[o + 8] = dbits(d[3]) >> 32
        g = dbits(d[2] * d[1])
        out[o + 9], out[o + 10] = g & M32, g >> 32
        out[o + 11] = (q[1][0] >> 32) + (q[1][0] & M32)
        out[o + 12], out[o + 13] = q[1][1] & M32, q[1][1] >> 32
        out[o + 14] = s[2] & M32
        out[o + 15] = ((s[2] & M64) >> 32) ^ ((s[0] >> 32) & M32)
    write('array_vec_const', out)


def array_vec_dynamic():
    out = [0] * 1152
    for i in range(96):
        h = [[0, 0, 0, 0] for _ in range(6)]
        t = [[[M32, 2, (-3) & M32] for _ in range(4)] for _ in range(3)]
        d = [-0.5] * 5
        q = [1] * 7
        s = [[(1 << 63) - 1] * 3 for _ in range(2)]
        for k in range(20):
            j = ((i * 7 + k * k) & M32) % 6
            add = [fb(k), fb(0.5), fb(-i) if i else 0x80000000, fb('1e-3')]   # -f32(0) is -0.0
            h[j] = [fop('+', h[j][c], add[c]) for c in range(4)]
            r = (i + k) % 7
            q[r] = (q[r] * 6364136223846793005 + 1442695040888963407) & M64
            r = (i * 3 + k) % 5
            d[r] = d[r] * 1.5 + float(k)
        t[i % 3][i // 3 % 4] = [i, (-i) & M32, 7]
        t[2][3] = [(x - 2) & M32 for x in t[2][3]]
        s[i % 2][i % 3] = s64(s[i % 2][i % 3] + i)
        s[1][2] = s64(s[1][2] * -2)
        o = i * 12
        v = [fop('-', h[i % 6][c], h[(i + 1) % 6][c]) for c in range(4)]
        out[o] = v[0]
        out[o + 1] = fop('+', v[1], v[2])
        hh = h[(i + 3) % 6]
        p = [fop('*', hh[c], v[c]) for c in range(4)]
        out[o + 2] = fop('+', fop('+', fop('+', p[0], p[1]), p[2]), p[3])
        w = [(t[(i + 1) % 3][i // 3 % 4][c] + t[i % 3][i // 3 % 4][c] + t[2][3][c]) & M32
             for c in range(3)]
        out[o + 3] = w[0]
        out[o + 4] = w[1] ^ w[2]
        e = dbits(d[i % 5] - d[(i + 4) % 5])
        out[o + 5], out[o + 6] = e & M32, e >> 32
        f = q[i % 7] ^ q[(i + 6) % 7]
        out[o + 7], out[o + 8] = f & M32, f >> 32
        g = s64(s[i % 2][i % 3] + s[1][2]) & M64
        out[o + 9], out[o + 10] = g & M32, g >> 32
        out[o + 11] = (s[(i + 1) % 2][(i + 2) % 3] >> 32) & M32
    write('array_vec_dynamic', out)


def array_transpose():
    out = [0] * 3072
    for r in range(64):          # input rows (y)
        for c in range(48):      # input columns (x)
            out[c * 64 + r] = r * 1000 + c
    write('array_transpose', out)


def array_unrolled():
    out = [0] * 320
    for i in range(64):
        for t in range(4):
            v = [f32(t)] * 4
            for k in range(4):
                v[k] = f32(f32(v[k] * 2.0) + (k + i))
            out[i * 5 + t] = bits(f32(f32(v[0] + f32(v[1] * v[2])) - v[3]))
        tot = 0.0
        for t in range(20):
            w = [1.0, 1.0]
            w[t % 2] = float(t)
            tot = f32(tot + f32(w[0] * w[1]))
        out[i * 5 + 4] = bits(f32(tot + i))
    write('array_unrolled', out)


array_const()
array_dynamic()
array_transpose()
array_unrolled()
array_vec_const()
array_vec_dynamic()
