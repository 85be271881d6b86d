#!/usr/bin/env python3
# tests/math/check.py: the oracle of tests/t_math.sh, independent of the
# VM: Python's math (double precision libm, correctly rounded to well under
# an f32 ulp) against what a target computed for the SPEC 10.2 math ops.
#
#   check.py sweep OUT.bin     tests/corpus/math_sweep.yaml's output: each
#                              op within its vyrec_ops.def bound (fmod and
#                              copysign exact), the classification exact
#   check.py list FILE.txt     lines "op xbits [ybits] resultbits"
# Prints "PASS name: max N ulp" / "FAIL name: why" lines (tests/lib.sh).
import math, struct, sys

BOUND = {'atan': 4, 'atan2': 4, 'asin': 4, 'acos': 4, 'sinh': 8, 'cosh': 8,
         'log10': 4, 'log1p': 4, 'expm1': 4, 'erf': 4, 'hypot': 4,
         'fmod': 0, 'copysign': 0}
OPS1 = ['atan', 'asin', 'acos', 'sinh', 'cosh', 'log10', 'log1p', 'expm1', 'erf']
OPS2 = ['atan2', 'fmod', 'hypot', 'copysign']
M = 0xFFFFFFFF

def f(b): return struct.unpack('<f', struct.pack('<I', b & M))[0]

def c_value(name, *a):
    """C's value in double (Python raises where C returns NaN or inf)."""
    try:
        return getattr(math, name)(*a)
    except ValueError:
        if name == 'log1p' and a[0] == -1: return -math.inf
        if name == 'log10' and a[0] == 0: return -math.inf
        return math.nan
    except OverflowError:
        return math.copysign(math.inf, a[0]) if name == 'sinh' else math.inf

def ulps(got, want):
    """|got - want| in ulps of binary32 at want (inf counts as 2^128)."""
    if math.isnan(want) or math.isnan(got):
        return 0.0 if math.isnan(want) and math.isnan(got) else math.inf
    g = math.copysign(2.0 ** 128, got) if math.isinf(got) else got
    w = math.copysign(min(abs(want), 2.0 ** 128), want)   # beyond f32: inf
    if g == w:
        return 0.0
    e = math.frexp(abs(w))[1] if w else -1000
    u = max(2.0 ** (e - 24), 2.0 ** -149)
    return abs(g - w) / u

class Stat:
    def __init__(self): self.max, self.at, self.n = 0.0, None, 0
    def add(self, u, what):
        self.n += 1
        if u > self.max: self.max, self.at = u, what

def report(stats, extra_bad):
    rc = 0
    for name, s in stats.items():
        b = BOUND[name]
        if s.max <= b:
            print("PASS math_%s: %d values, max %.3f ulp (bound %d)" % (name, s.n, s.max, b))
        else:
            print("FAIL math_%s: %.3f ulp > %d at %s" % (name, s.max, b, s.at))
            rc = 1
    for m in extra_bad:
        print("FAIL " + m)
        rc = 1
    return rc

def sweep(path):
    data = open(path, 'rb').read()
    out = struct.unpack('<%dI' % (len(data) // 4), data)
    stats = {n: Stat() for n in OPS1 + OPS2}
    bad = []
    ncls = 0
    for i in range(65536):
        b0 = (i * 65537) & M
        e = (b0 >> 23) & 255
        bx = (b0 + (96 << 23)) & M if e < 96 else b0
        by = bx ^ ((i * 2654435761) & 0x8FFFFFFF)
        x, y = f(bx), f(by)
        row = out[16 * i: 16 * i + 16]
        for k, n in enumerate(OPS1 + OPS2):
            args = (x,) if k < len(OPS1) else (x, y)
            got = f(row[k])
            if n == 'copysign':
                ok = row[k] == ((bx & 0x7FFFFFFF) | (by & 0x80000000)) or \
                     (math.isnan(x) and math.isnan(got))     # NaN canonical in the sweep
                stats[n].add(0.0 if ok else math.inf, "x=%08x y=%08x" % (bx, by))
                continue
            stats[n].add(ulps(got, c_value(n, *args)),
                         "x=%08x%s got %08x" % (bx, " y=%08x" % by if len(args) > 1 else "", row[k]))
        cls = int(math.isnan(x)) + 2 * int(math.isinf(x)) + 4 * int(math.isfinite(x))
        if row[13] != cls and len(bad) < 3:
            bad.append("math_classify: x=%08x got %d want %d" % (bx, row[13], cls))
        ncls += 1
    rc = report(stats, bad)
    if not bad:
        print("PASS math_classify: %d values" % ncls)
    return rc

def listing(path):
    stats, bad = {}, []
    for line in open(path):
        w = line.split()
        if not w: continue
        n, bits = w[0], [int(v, 16) for v in w[1:]]
        args, got = [f(v) for v in bits[:-1]], f(bits[-1])
        stats.setdefault(n, Stat())
        stats[n].add(ulps(got, c_value(n, *args)), " ".join(w[1:]))
    return report(stats, bad)

if __name__ == '__main__':
    sys.exit(sweep(sys.argv[2]) if sys.argv[1] == 'sweep' else listing(sys.argv[2]))
