#!/usr/bin/env python3
# tests/f16/gen_f16vec.py: writes tests/corpus/f16_vec.yaml and its expected
# outputs f16_vec.expect: f16x2/x3/x4 buffers and shared arrays (SPEC §10.1):
# whole-vector stores and loads, component loads, swizzles of loaded vectors,
# x3 elements (8 bytes apart on devices, 6 in data), edge values through
# memory (subnormals, -0, inf, NaN) and each op rounded to binary16.  The
# oracle is Python's binary16 (struct 'e', round to nearest even from a
# double; a sum, difference or product of two binary16 values is exact in
# a double), never the VM.  A NaN is written 0x7fff (math.f16_bits's NaN).
# Each result goes to `out` as math.f16_bits(f32(v)).
import math, os, struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', 'corpus')


from gen_f16 import h2f, f2h   # Python's binary16, one copy


def r(x):  # round a double to the binary16 value
    return h2f(f2h(x)) if not math.isnan(x) else math.nan


def vadd(a, b): return [r(x + y) for x, y in zip(a, b)]
def vsub(a, b): return [r(x - y) for x, y in zip(a, b)]
def vmul(a, b): return [r(x * y) for x, y in zip(a, b)]


def vsum(a):
    acc = a[0]
    for x in a[1:]:
        acc = r(acc + x)
    return acc


lines, expect = [], []
nlet = [0]


def h(bits):
    """A run-time f16 operand from its bits (+ oz, so nothing folds)."""
    nlet[0] += 1
    name = 'h%d' % nlet[0]
    lines.append("  - 'let %s = f16(math.f16_value(0x%04xu + oz))'" % (name, bits))
    return name, h2f(bits)


def vec(bits_list):
    ops = [h(b) for b in bits_list]
    n = len(ops)
    return 'f16x%d(%s)' % (n, ', '.join(o[0] for o in ops)), [o[1] for o in ops]


def out(expr, val, comment=None):
    if comment:
        lines.append('  # ' + comment)
    lines.append("  - 'out[%du] = math.f16_bits(f32(%s))'" % (len(expect), expr))
    expect.append(f2h(val))


def outv(expr, vals, comment=None):
    for j, v in enumerate(vals):
        out('(%s).%s' % (expr, 'xyzw'[j]), v, comment if j == 0 else None)


# --- f16x4 buffer: edge values stored whole and read back
lines.append('  # f16x4 buffer: 65504, the least subnormal, -0, 1 stored whole and read back')
e0, v0 = vec([0x7bff, 0x0001, 0x8000, 0x3c00])
lines.append("  - 'b4[oz] = %s'" % e0)
outv('b4[oz]', v0)
lines.append('  # times (2, 0.5, 1, -1): overflow to inf, a subnormal tie to even (0), -0, -1')
e1, m1 = vec([0x4000, 0x3800, 0x3c00, 0xbc00])
lines.append("  - 'b4[oz + 1u] = b4[oz] * %s'" % e1)
v1 = vmul(v0, m1)
outv('b4[oz + 1u]', v1)
lines.append('  # a swizzle of a loaded vector plus a loaded vector; components read one by one')
lines.append("  - 'b4[oz + 2u] = b4[oz + 1u].wzyx + b4[oz]'")
v2 = vadd(v1[::-1], v0)
for j in range(4):
    out('b4[oz + 2u].%s' % 'xyzw'[j], v2[j])
lines.append('  # inf * 0 is NaN through memory; math.sum of a loaded vector, left to right')
lines.append("  - 'b4[oz + 3u] = b4[oz + 1u] * f16x4(hz)'")
v3 = vmul(v1, [0.0] * 4)
outv('b4[oz + 3u]', v3)
e4, v4 = vec([0x3c00, 0x1400, 0x1400, 0x7bff])   # 1, 2^-10, 2^-10, 65504
lines.append("  - 'b4[oz + 3u] = %s'" % e4)
out('math.sum(b4[oz + 3u])', vsum(v4), '((1 + 2^-10) + 2^-10) + 65504: each step rounded')
out('math.dot(b4[oz + 3u], b4[oz])', vsum(vmul(v4, v0)), 'dot with the first vector: products rounded')

# --- f16x2 buffer
lines.append('  # f16x2 buffer: 65504 + 16 is a tie, to even: inf; 65504 + 8 stays')
e5, v5 = vec([0x7bff, 0x7bff])
e6, v6 = vec([0x4c00, 0x4800])
lines.append("  - 'b2[oz] = %s'" % e5)
lines.append("  - 'b2[oz + 1u] = b2[oz] + %s'" % e6)
outv('b2[oz + 1u]', vadd(v5, v6))
lines.append("  - 'b2[oz + 2u] = b2[oz + 1u].yx - b2[oz]'")
v7 = vsub(vadd(v5, v6)[::-1], v5)
outv('b2[oz + 2u]', v7)
out('b2[oz + 2u].y', v7[1])

# --- f16x3 buffer: neighbours do not overlap (8 bytes apart on devices)
lines.append('  # f16x3 buffer: three neighbours written whole, then read; x3 pads to 8 bytes')
e8, v8 = vec([0x3555, 0x0200, 0xc000])   # ~1/3, a subnormal, -2
lines.append("  - 'b3[oz] = %s'" % e8)
lines.append("  - 'b3[oz + 1u] = b3[oz].zxy * b3[oz]'")
v9 = vmul(v8[2:] + v8[:2], v8)
lines.append("  - 'b3[oz + 2u] = b3[oz + 1u] + b3[oz].yyy'")
v10 = vadd(v9, [v8[1]] * 3)
outv('b3[oz]', v8)
outv('b3[oz + 1u]', v9)
outv('b3[oz + 2u]', v10)
out('f16(len(b3))', 3.0, 'len() counts vectors')

# --- shared arrays: f16x4, f16x3, f16x2 and f16
lines.append('  # shared f16x4, f16x3, f16x2 and f16 arrays: the same values through workgroup memory')
lines.append("  - 's4[oz] = b4[oz]'")
lines.append("  - 's4[oz + 1u] = s4[oz] * %s'" % e1)
lines.append("  - 's3[oz] = b3[oz]'")
lines.append("  - 's3[oz + 1u] = s3[oz].zxy * s3[oz]'")
lines.append("  - 's2[oz] = b2[oz + 1u]'")
lines.append("  - 'sh[oz] = s4[oz].y + s4[oz].w'")
lines.append("  - barrier")
outv('s4[oz]', v0)
outv('s4[oz + 1u]', v1)
outv('s3[oz + 1u]', v9)
outv('s2[oz].yx', vadd(v5, v6)[::-1])
out('sh[oz]', r(v0[1] + v0[3]))
out('s4[oz + 1u].z - sh[oz]', r(v1[2] - r(v0[1] + v0[3])))

hdr = """# f16x2/x3/x4 buffers and shared arrays (SPEC §10.1): whole-vector stores and loads, components, swizzles, x3 padding, edge values through memory; generated by tests/f16/gen_f16vec.py with the expected bits from Python's struct binary16 (not the VM)
vyrec: 1
name: f16_vec
description: f16 vectors through buffers and shared arrays, each result as its binary16 bits
workgroup_size: [1]
buffers:
  out: {binding: 0, type: u32, count: %d, access: write_only}
  b4: {binding: 1, type: f16x4, count: 4, access: read_write}
  b2: {binding: 2, type: f16x2, count: 3, access: read_write}
  b3: {binding: 3, type: f16x3, count: 3, access: read_write}
shared:
  s4: {type: f16x4, count: 2}
  s3: {type: f16x3, count: 2}
  s2: {type: f16x2, count: 1}
  sh: {type: f16, count: 1}
dispatch: [1]
entry:
  - 'let oz = len(out) / 4000000000u'
  - 'let hz = f16(oz)'
""" % len(expect)
with open(os.path.join(CORPUS, 'f16_vec.yaml'), 'w') as f:
    f.write(hdr + '\n'.join(lines) + '\n')
with open(os.path.join(CORPUS, 'f16_vec.expect'), 'w') as f:
    f.write(''.join('%d\n' % x for x in expect))
