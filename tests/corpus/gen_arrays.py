#!/usr/bin/env python3
"""Expected outputs of tests/corpus/array_*.yaml, computed here from the
programs' meaning (SPEC §10.3), not by vyrec: each NAME.expect holds the
32-bit words of buffer `out`, one decimal number a line.
Run from the repository root: python3 tests/corpus/gen_arrays.py"""
import struct

M32 = 0xffffffff


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def bits(x):
    return struct.unpack('<I', struct.pack('<f', x))[0]


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
