#!/usr/bin/env python3
# tests/corpus/gen_subgroup.py: writes the subgroup programs of the
# semantics corpus (subgroup_*.yaml) and their expected outputs
# (subgroup_*.expect) at the reference's default subgroup size, 32, from
# SPEC §10.4 computed here in Python -- an oracle independent of the
# reference VM.  Invocations join subgroups in flat local index order, the
# last subgroup partial (80 invocations: 32 + 32 + 16); f32 reductions run
# the xor butterfly and scans the Hillis-Steele order, missing lanes taking
# the identity, every f32 sum rounded to binary32 exactly (fractions).
# Every program is self-contained (its values come from gid), so `vyrec
# verify` checks the GPUs at their own sizes against the reference at the
# same size.  Run from anywhere; rewrites the files beside it.
import os, struct
from fractions import Fraction as Fr

HERE = os.path.dirname(os.path.abspath(__file__))
M = 0xFFFFFFFF
S = 32            # the reference's default subgroup size
W = 80            # invocations per workgroup
NWG = 2
N = W * NWG

def s32(a): a &= M; return a - (1 << 32) if a & 0x80000000 else a

def f32_bits(x):
    """Round a Fraction to binary32 (nearest even) -> bits; finite only."""
    if x == 0: return 0
    sign = 0x80000000 if x < 0 else 0
    x = abs(x)
    e = x.numerator.bit_length() - x.denominator.bit_length()
    while Fr(2) ** e > x: e -= 1
    while Fr(2) ** (e + 1) <= x: e += 1
    e = max(e, -126)
    q = x / Fr(2) ** (e - 23)
    n = q.numerator // q.denominator
    r = q - n
    if r > Fr(1, 2) or (r == Fr(1, 2) and n & 1): n += 1
    if n == 1 << 24: n >>= 1; e += 1
    assert e <= 127, "overflow"
    if n < 1 << 23: return sign | n
    return sign | (e + 127) << 23 | (n & 0x7FFFFF)

def fr(b):
    if b & 0x7FFFFFFF == 0: return Fr(0)
    sign = -1 if b >> 31 else 1
    e, m = (b >> 23) & 0xFF, b & 0x7FFFFF
    assert e != 0xFF
    if e == 0: return sign * Fr(m, 1 << 149)
    return sign * Fr(m | 1 << 23) * Fr(2) ** (e - 150)

def f32(v): return f32_bits(Fr(v))
def fadd(a, b): return f32_bits(fr(a) + fr(b))
def fmul(a, b): return f32_bits(fr(a) * fr(b))
def fval(b): return struct.unpack('<f', struct.pack('<I', b))[0]   # exact, inf too
def fmin(a, b): return a if fval(a) <= fval(b) else b
def fmax(a, b): return a if fval(a) >= fval(b) else b
F137 = struct.unpack('<I', struct.pack('<f', 1.37))[0]
F4096 = f32(4096)
F_SMALL = struct.unpack('<I', struct.pack('<f', 0.000123))[0]

# ---- the values every program computes from gid.x ----
PRE = [
    "let i = gid.x",
    "let v = (i * 2654435761u) >> 16u",
    "let w = i32(v) - 30000i",
    "let x = f32(w) * 1.37f",
    # mixed magnitudes, so that a sum in another order rounds differently
    "let y = (v & 1u) != 0u ? f32(w) * 4096.0f : f32(v) * 0.000123f",
    # the active invocations of this subgroup (the last one is partial)
    "let n = min(sg.size, wgsize.x - sg.id * sg.size)",
]
def vals(i):
    v = ((i * 2654435761) & M) >> 16
    w = v - 30000
    x = fmul(f32(w), F137)
    y = fmul(f32(w), F4096) if v & 1 else fmul(f32(v), F_SMALL)
    return v, w & M, x, y

# ---- the model of SPEC §10.4 ----
def groups():
    """(first global index, count) of every subgroup, in order."""
    for g in range(NWG):
        for base in range(0, W, S):
            yield g * W + base, min(S, W - base)

IDENT = {
    ('add', 'u'): 0, ('add', 'i'): 0, ('add', 'f'): 0,
    ('min', 'u'): M, ('min', 'i'): 0x7FFFFFFF, ('min', 'f'): 0x7F800000,
    ('max', 'u'): 0, ('max', 'i'): 0x80000000, ('max', 'f'): 0xFF800000,
    ('and', 'u'): M, ('and', 'i'): M, ('or', 'u'): 0, ('or', 'i'): 0,
    ('xor', 'u'): 0, ('xor', 'i'): 0,
}
def comb(op, t, a, b):
    if t == 'f':
        return {'add': fadd, 'min': fmin, 'max': fmax}[op](a, b)
    if op == 'add': return (a + b) & M
    if op == 'and': return a & b
    if op == 'or': return a | b
    if op == 'xor': return a ^ b
    key = (lambda z: s32(z)) if t == 'i' else (lambda z: z)
    if op == 'min': return a if key(a) <= key(b) else b
    return a if key(a) >= key(b) else b

def reduce(op, t, xs):
    v = xs + [IDENT[(op, t)]] * (S - len(xs))
    h = S // 2
    while h >= 1:
        v = [comb(op, t, v[k], v[k ^ h]) for k in range(S)]
        h //= 2
    return v[:len(xs)]

def scan(t, xs, inclusive):
    v = xs + [0] * (S - len(xs))
    h = 1
    while h < S:
        v = [comb('add', t, v[k], v[k - h]) if k >= h else v[k] for k in range(S)]
        h *= 2
    return v[:len(xs)] if inclusive else ([0] + v[:len(xs) - 1])

def per_group(fn):
    """fn(list of global indices of one subgroup) -> their values."""
    out = [0] * N
    for first, cnt in groups():
        idx = list(range(first, first + cnt))
        for k, r in zip(idx, fn(idx)):
            out[k] = r & M
    return out

class Prog:
    def __init__(self, name, desc):
        self.name, self.desc, self.slots, self.expect = name, desc, [], []
    def put(self, expr, values):
        self.slots.append(expr)
        self.expect += values
    def write(self, extra_pre=()):
        with open(os.path.join(HERE, self.name + ".yaml"), "w") as f:
            f.write("# Generated by tests/corpus/gen_subgroup.py; do not edit.\n")
            f.write("# %s\n" % self.desc)
            f.write("vyrec: 1\nname: %s\ndescription: %s\n" % (self.name, self.desc))
            f.write("workgroup_size: [%d]\n" % W)
            f.write("buffers:\n  out: {binding: 0, type: u32, count: %d, access: write_only}\n"
                    % (N * len(self.slots)))
            f.write("dispatch: [%d]\nentry:\n" % N)
            for s in PRE + list(extra_pre):
                f.write('  - "%s"\n' % s)
            for k, e in enumerate(self.slots):
                f.write('  - "out[%du + i] = %s"\n' % (k * N, e))
        with open(os.path.join(HERE, self.name + ".expect"), "w") as f:
            for b in self.expect:
                f.write("%d\n" % b)

TY = {'u': ('v', 'u'), 'i': ('w', 'i'), 'f': ('x', 'f')}
def operand(t, i):
    v, w, x, y = vals(i)
    return {'u': v, 'i': w, 'f': x}[t]
def wrap(t, e):
    return "bitcast<u32>(%s)" % e if t in 'if' else e

# subgroup_reduce: every reduction over u32, i32 and f32
p = Prog("subgroup_reduce", "subgroup reductions of u32 i32 f32, partial last subgroup")
p.put("sg.size * 1000000u + sg.count * 10000u + sg.id * 100u + sg.lane",
      [S * 1000000 + ((W + S - 1) // S) * 10000 + ((i % W) // S) * 100 + (i % W) % S
       for i in range(N)])
for op in ['add', 'min', 'max', 'and', 'or', 'xor']:
    for t in 'uif':
        if t == 'f' and op in ('and', 'or', 'xor'):
            continue
        var = TY[t][0]
        p.put(wrap(t, "subgroup.%s(%s)" % (op, var)),
              per_group(lambda idx, op=op, t=t: reduce(op, t, [operand(t, k) for k in idx])))
p.write()

# subgroup_scan: inclusive and exclusive sums
p = Prog("subgroup_scan", "subgroup inclusive and exclusive sums of u32 i32 f32")
for incl in (True, False):
    for t in 'uif':
        var = TY[t][0]
        p.put(wrap(t, "subgroup.%s_add(%s)" % ("inclusive" if incl else "exclusive", var)),
              per_group(lambda idx, t=t, incl=incl: scan(t, [operand(t, k) for k in idx], incl)))
p.write()

# subgroup_float_order: mixed magnitudes, so only the SPEC's order gives these bits
p = Prog("subgroup_float_order", "f32 subgroup sums whose bits depend on the order")
p.put("bitcast<u32>(subgroup.add(y))",
      per_group(lambda idx: reduce('add', 'f', [vals(k)[3] for k in idx])))
p.put("bitcast<u32>(subgroup.inclusive_add(y))",
      per_group(lambda idx: scan('f', [vals(k)[3] for k in idx], True)))
p.put("bitcast<u32>(subgroup.exclusive_add(y))",
      per_group(lambda idx: scan('f', [vals(k)[3] for k in idx], False)))
p.put("bitcast<u32>(subgroup.max(y) - subgroup.min(y))",
      per_group(lambda idx: [f32_bits(fr(reduce('max', 'f', [vals(k)[3] for k in idx])[0]) -
                                      fr(reduce('min', 'f', [vals(k)[3] for k in idx])[0]))] * len(idx)))
p.write()

# subgroup_shuffle: broadcasts and shuffles from lanes inside the subgroup
def shuf(idx, src_of, t):
    n = len(idx)
    return [operand(t, idx[src_of(l, n)]) for l in range(n)]
p = Prog("subgroup_shuffle", "subgroup broadcasts and shuffles of u32 i32 f32")
for t in 'uif':
    var = TY[t][0]
    p.put(wrap(t, "subgroup.shuffle(%s, (sg.lane * 5u + 1u) %% n)" % var),
          per_group(lambda idx, t=t: shuf(idx, lambda l, n: (l * 5 + 1) % n, t)))
    p.put(wrap(t, "subgroup.broadcast(%s, 2u)" % var),
          per_group(lambda idx, t=t: shuf(idx, lambda l, n: 2, t)))
    p.put(wrap(t, "subgroup.broadcast_first(%s)" % var),
          per_group(lambda idx, t=t: shuf(idx, lambda l, n: 0, t)))
    for m in (1, 2, 4, 8):
        p.put(wrap(t, "subgroup.shuffle_xor(%s, %du & (sg.size - 1u))" % (var, m)),
              per_group(lambda idx, t=t, m=m: shuf(idx, lambda l, n: l ^ m, t)))
    zero = {'u': '0u', 'i': '0i', 'f': '0.0f'}[t]
    for d in (1, 3):
        p.put(wrap(t, "sg.lane >= %du ? subgroup.shuffle_up(%s, %du) : %s" % (d, var, d, zero)),
              per_group(lambda idx, t=t, d=d: [operand(t, idx[l - d]) if l >= d else 0
                                               for l in range(len(idx))]))
        p.put(wrap(t, "sg.lane + %du < n ? subgroup.shuffle_down(%s, %du) : %s" % (d, var, d, zero)),
              per_group(lambda idx, t=t, d=d: [operand(t, idx[l + d]) if l + d < len(idx) else 0
                                               for l in range(len(idx))]))
p.write()

# subgroup_vote: all, any, elect
def vote(idx, pred, kind):
    r = [pred(k) for k in idx]
    val = all(r) if kind == 'all' else any(r)
    return [int(val)] * len(idx)
p = Prog("subgroup_vote", "subgroup all, any and elect")
conds = [
    ("v < 65536u", lambda k: vals(k)[0] < 65536),
    ("(v & 7u) != 0u", lambda k: vals(k)[0] & 7 != 0),
    ("sg.lane == 5u", lambda k: (k % W) % S == 5),
    ("i == 100u", lambda k: k == 100),
    ("x > -40000.0f", lambda k: fr(vals(k)[2]) > -40000),
]
for text, pred in conds:
    for kind in ('all', 'any'):
        p.put("u32(subgroup.%s(%s))" % (kind, text),
              per_group(lambda idx, pred=pred, kind=kind: vote(idx, pred, kind)))
p.put("u32(subgroup.elect())", [int((i % W) % S == 0) for i in range(N)])
p.put("subgroup.add(subgroup.elect() ? 1u : 0u)", [1] * N)
p.write()
