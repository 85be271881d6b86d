#!/usr/bin/env python3
"""One-off (issue #12): rewrite VY_OP rows of include/vyrec_ops.def from the
old string columns to the token columns, in place.  Not part of the build.

  VY_OP(SHL, core, shl, "a:int, b:int'", "same", 0, 0)
  ->
  VY_OP(SHL, core, shl, P(a, INT) P_INDEP(b, INT), SAME, 0, 0)

"x:&num" -> P_REF(x, NUM); "" -> P_NONE; result "same"/"cast"/"bool"/"u32"...
-> SAME/CAST/BOOL/U32.  The params column is padded so that the result
column lines up (at least one space).  Rows already converted are left alone, so running it
again after a merge converts only the rows others added with strings.
Usage: python3 tools/ops-def-convert.py include/vyrec_ops.def
"""
import re
import sys

ROW = re.compile(r'^(VY_OP\(\s*\w+\s*,\s*\w+\s*,\s*\w+\s*,\s*)"([^"]*)"(\s*,\s*)"([^"]*)"(.*)$')


def param(text):
    name, cls = (s.strip() for s in text.split(':'))
    macro = 'P'
    if cls.startswith('&'):
        macro, cls = 'P_REF', cls[1:]
    if cls.endswith("'"):
        macro, cls = 'P_INDEP', cls[:-1]
    return '%s(%s, %s)' % (macro, name, cls.upper())


def convert(line):
    m = ROW.match(line)
    if not m:
        return line
    head, sig, sep, res, tail = m.groups()
    params = [param(p) for p in sig.split(',') if p.strip()]
    cols = (' '.join(params) or 'P_NONE') + ','
    return head + cols.ljust(max(len(cols) + 1, 32)) + res.upper() + tail


def main(path):
    with open(path) as f:
        lines = f.read().split('\n')
    out = [convert(l) for l in lines]
    with open(path, 'w') as f:
        f.write('\n'.join(out))
    print('%d rows converted' % sum(a != b for a, b in zip(lines, out)))


if __name__ == '__main__':
    main(sys.argv[1])
