#!/usr/bin/env python3
# tests/f16/gen_f16.py: writes tests/corpus/f16_edge.yaml and its expected
# outputs f16_edge.expect.  The oracle is Python's own binary16 (struct's
# 'e' format, CPython's PyFloat_Pack2: round to nearest even from a double)
# over exact double arithmetic: a sum, difference or product of two binary16
# values is exact in a double, and a quotient or square root rounded to 53
# bits then to 11 rounds like the exact value (53 >= 2*11 + 2) -- nothing
# here comes from vyrec.  A NaN result is written 0x7fff (math.f16_bits's
# NaN, SPEC-independent canonical choice documented in vyrec-program(5)).
# Each case builds run-time f16 operands from their bits (+ oz, 0 at run
# time, so nothing folds) and stores math.f16_bits(f32(result)) to `out`.
import math, os, re, struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, '..', 'corpus')


def h2f(b):
    return struct.unpack('<e', struct.pack('<H', b))[0]


def f2h(x):
    if math.isnan(x):
        return 0x7fff
    try:
        return struct.unpack('<H', struct.pack('<e', x))[0]
    except OverflowError:   # beyond 65520: inf, as the rounding says
        return 0x7c00 | (0x8000 if x < 0 else 0)


def f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def bits(x):  # a Python float that is a binary16 value -> its bits
    return f2h(x)


# (description, expression over a and b, a bits, b bits, oracle(a, b))
def div(a, b):
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a) * math.copysign(1, b)
    return a / b


def sqrt(a):
    return math.nan if a < 0 or math.isnan(a) else math.sqrt(a)


def add(a, b):
    if math.isinf(a) and math.isinf(b) and a != b:
        return math.nan
    return a + b


def mul(a, b):
    if (math.isinf(a) and b == 0) or (math.isinf(b) and a == 0):
        return math.nan
    return a * b


H = {
    'one': 0x3c00, 'max': 0x7bff, 'minsub': 0x0001, 'minnorm': 0x0400,
    'half': 0x3800, 'inf': 0x7c00, 'ninf': 0xfc00, 'nzero': 0x8000,
    'zero': 0x0000, 'three_sub': 0x0003, 'two': 0x4000, 'p2m11': 0x1000,
    'p3m11': 0x1200, 'sixteen': 0x4c00, 'eight': 0x4800, 'big': 0x5c00,
    'third': 0x3555, 'nan': 0x7e00, 'm1': 0xbc00, 'maxsub': 0x03ff,
    'tenth': 0x2e66, 'k2049': 0x6801,
}

CASES = [
    ('overflow: 65504 + 16 is a tie, to even: inf', 'a + b', 'max', 'sixteen', add),
    ('65504 + 8 rounds back to 65504', 'a + b', 'max', 'eight', add),
    ('256 * 256 overflows to inf', 'a * b', 'big', 'big', mul),
    ('-65504 - 16 is -inf', '-a - b', 'max', 'sixteen', lambda a, b: -a - b),
    ('2^-24 * 0.5 is a tie, to even: 0', 'a * b', 'minsub', 'half', mul),
    ('3*2^-24 * 0.5 is a tie, to even: 2*2^-24', 'a * b', 'three_sub', 'half', mul),
    ('min normal * 0.5 is subnormal', 'a * b', 'minnorm', 'half', mul),
    ('max subnormal + min subnormal is the min normal', 'a + b', 'maxsub', 'minsub', add),
    ('1 + 2^-11 is a tie, to even: 1', 'a + b', 'one', 'p2m11', add),
    ('1 + 3*2^-11 is a tie, to even: 1 + 2^-9', 'a + b', 'one', 'p3m11', add),
    ('1 / 3', 'a / b', 'one', 'three', None),
    ('1 / 0 = inf', 'a / b', 'one', 'zero', div),
    ('-1 / 0 = -inf', 'a / b', 'm1', 'zero', div),
    ('1 / -0 = -inf', 'a / b', 'one', 'nzero', div),
    ('0 / 0 is NaN', 'a / b', 'zero', 'zero', div),
    ('inf - inf is NaN', 'a - b', 'inf', 'inf', lambda a, b: math.nan),
    ('inf * 0 is NaN', 'a * b', 'inf', 'zero', mul),
    ('NaN + 1 is NaN', 'a + b', 'nan', 'one', add),
    ('-0 + -0 = -0', 'a + b', 'nzero', 'nzero', add),
    ('0 * -1 = -0', 'a * b', 'zero', 'm1', mul),
    ('-(0) = -0', '-a', 'zero', 'zero', lambda a, b: -a),
    ('0 - 0 = +0', 'a - b', 'zero', 'zero', lambda a, b: a - b),
    ('sqrt(2)', 'sqrt(a)', 'two', 'zero', lambda a, b: sqrt(a)),
    ('sqrt(-1) is NaN', 'sqrt(a)', 'm1', 'zero', lambda a, b: sqrt(a)),
    ('sqrt(-0) = -0', 'sqrt(a)', 'nzero', 'zero', lambda a, b: -0.0),
    ('sqrt(min subnormal)', 'sqrt(a)', 'minsub', 'zero', lambda a, b: sqrt(a)),
    ('third * 3 (two roundings in f16)', 'a * b', 'third', 'three', mul),
    ('a*b + a: each op rounded, no fusing', 'a * b + a', 'third', 'three', lambda a, b: h2f(f2h(a * b)) + a),
    ('0.1 * 0.1', 'a * b', 'tenth', 'tenth', mul),
    ('abs(-0) = +0', 'abs(a)', 'nzero', 'zero', lambda a, b: 0.0),
    ('max(1, 2)', 'max(a, b)', 'one', 'two', lambda a, b: max(a, b)),
    ('min(1, -1)', 'min(a, b)', 'one', 'm1', lambda a, b: min(a, b)),
    ('floor(-third)', 'floor(-a)', 'third', 'zero', lambda a, b: math.floor(-a)),
    ('2049 + 1 = 2050', 'a + b', 'k2049', 'one', add),
    ('2049 * 2 = 4098 -> 4096 (tie to even at ulp 4)', 'a * b', 'k2049', 'two', mul),
    ('65504 * 1 stays', 'a * b', 'max', 'one', mul),
    ('max subnormal / 2 is a tie, to even', 'a / b', 'maxsub', 'two', div),
]
H['three'] = 0x4200


def main():
    lines = []
    exp = []
    for desc, expr, an, bn, fn in CASES:
        a, b = h2f(H[an]), h2f(H[bn])
        if fn is None:
            r = a / b
        else:
            r = fn(a, b)
        exp.append(f2h(r))
        lines.append((desc, expr, H[an], H[bn]))
    # casts and literals (expected values from struct 'e' on the exact value)
    casts = [
        ('f16(65519.0) rounds to 65504', 'f16(65519.0 + fz)', f2h(65519.0)),
        ('f16(65520.0) is a tie, to even: inf', 'f16(65520.0 + fz)', 0x7c00),
        ('f16(i32 70000) overflows to inf', 'f16(70000 + iz)', 0x7c00),
        ('f16(u32 2049) is a tie, to even: 2048', 'f16(2049u + oz)', f2h(2048.0)),
        ('f16(u32 2051) is a tie, to even: 2052', 'f16(2051u + oz)', f2h(2052.0)),
        ('f16(i32 -3)', 'f16(-3 + iz)', f2h(-3.0)),
        ('f16(f32 2^-25 + 2^-40) rounds up to 2^-24', 'f16(2.9802322e-8 + 9.094947e-13 + fz)', 0x0001),
        ('f16(f32 2^-25) is a tie, to even: 0', 'f16(2.9802322e-8 + fz)', 0x0000),
        ('f16(-2^-25) is -0', 'f16(-2.9802322e-8 + fz)', 0x8000),
        ('f16(f32 nan)', 'f16(nan + fz)', 0x7fff),
        ('f16(f32 -inf)', 'f16(-inf + fz)', 0xfc00),
        ('1.5h', '1.5h + hz', f2h(1.5)),
        ('0.1h, rounded once', '0.1h + hz', f2h(0.1)),
        ('f16(0.1), the abstract literal rounded once', 'f16(0.1) + hz', f2h(0.1)),
        ('65504h', '65504h + hz', 0x7bff),
        ('-0.0h keeps its sign', '-0.0h', 0x8000),
        ('inf as f16', 'f16(inf) + hz', 0x7c00),
        ('6.0e-8h (a subnormal literal)', '6.0e-8h + hz', f2h(6.0e-8)),
    ]
    ints = [
        ('i32(-2.5h) truncates', 'u32(i32(f16(-2.5) + hz))', (-2) & 0xffffffff),
        ('u32(-1h) saturates to 0', 'u32(f16(-1.0) + hz)', 0),
        ('i32(nan h) is 0', 'u32(i32(f16(nan) + hz))', 0),
        ('u32(inf h) saturates', 'u32(f16(inf) + hz)', 0xffffffff),
        ('u32(65504h)', 'u32(65504h + hz)', 65504),
        ('f32(min subnormal h) is exact', 'bitcast<u32>(f32(f16(math.f16_value(1u + oz))))', struct.unpack('<I', struct.pack('<f', 2.0 ** -24))[0]),
        ('nan != nan', 'u32(f16(nan) + hz != f16(nan) + hz)', 1),
        ('-0h == 0h', 'u32(-0.0h + hz == 0.0h)', 1),
        ('1h < 2h', 'u32(1.0h + hz < 2.0h)', 1),
        ('f64(0.1h) is exact', 'u32(f64(0.1h + hz) == 0.0999755859375d)', 1),
        ('i32(f16(-0.1)) is 0', 'u32(i32(f16(-0.1) + hz))', 0),
        ('math.isnan on f16', 'u32(isnan(f16(nan) + hz)) + 2u * u32(isinf(f16(-inf) + hz))', 3),
    ]
    n = len(lines) + len(casts) + len(ints)
    out = []
    out.append('# f16 (SPEC §10.1) edge cases: overflow to inf, subnormals, ties to even, NaN, -0, casts and literals; '
               'generated by tests/f16/gen_f16.py with the expected bits from Python\'s struct binary16 (not the VM)')
    out.append('vyrec: 1')
    out.append('name: f16_edge')
    out.append('description: f16 arithmetic, casts and literals at the edges, each result as its binary16 bits')
    out.append('workgroup_size: [1]')
    out.append('buffers:')
    out.append('  out: {binding: 0, type: u32, count: %d, access: write_only}' % n)
    out.append('dispatch: [1]')
    out.append('entry:')
    out.append("  - 'let oz = len(out) / 4000000000u'")
    out.append("  - 'let iz = i32(oz)'")
    out.append("  - 'let fz = f32(oz)'")
    out.append("  - 'let hz = f16(oz)'")
    k = 0
    for desc, expr, ab, bb in lines:
        out.append("  # %s" % desc)
        out.append("  - 'let a%d = f16(math.f16_value(0x%04xu + oz))'" % (k, ab))
        out.append("  - 'let b%d = f16(math.f16_value(0x%04xu + oz))'" % (k, bb))
        e = re.sub(r'\bb\b', 'b%d' % k, re.sub(r'\ba\b', 'a%d' % k, expr))
        out.append("  - 'out[%du] = math.f16_bits(f32(%s))'" % (k, e))
        k += 1
    for desc, expr, v in casts:
        out.append("  # %s" % desc)
        out.append("  - 'out[%du] = math.f16_bits(f32(%s))'" % (k, expr))
        exp.append(v)
        k += 1
    for desc, expr, v in ints:
        out.append("  # %s" % desc)
        out.append("  - 'out[%du] = %s'" % (k, expr))
        exp.append(v)
        k += 1
    with open(os.path.join(CORPUS, 'f16_edge.yaml'), 'w') as f:
        f.write('\n'.join(out) + '\n')
    with open(os.path.join(CORPUS, 'f16_edge.expect'), 'w') as f:
        f.write(''.join('%d\n' % v for v in exp))


if __name__ == '__main__':
    main()
