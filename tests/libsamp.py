#!/usr/bin/env python3
"""tests/libsamp.py: inputs and independent checks for tests/t_libsamp.sh
(the library-speed samples), standard library only, raw little-endian
files (vyrec run --in BUF=FILE / --out BUF=FILE).

  gen reduce FILE N          4N f32: (i % 17) - 8, small integers (exact sums)
  gen softmax FILE ROWS C    ROWS x C f32 in [-8, 8)
  gen hist FILE N            4N u32: i * 2654435761 mod 2^32, bins from the low byte
  gen iota FILE N            N f32: 0, 1, 2, ...
  check reduce OUT N         total == the exact sum
  check softmax IN OUT ROWS C  |y - softmax(x)| <= 1e-5 relative, f64 reference
  check hist OUT N [iota]    bins == the counts (+ b where bins began as iota)
  check transpose OUT N      B[i][j] == A[j][i] for A = iota (N x N)
Exit 0 when the check holds, 1 with a message otherwise.
"""
import math
import struct
import sys


def rd(path, fmt):
    with open(path, "rb") as f:
        b = f.read()
    return list(struct.unpack("<%d%s" % (len(b) // 4, fmt), b))


def wr(path, fmt, v):
    with open(path, "wb") as f:
        f.write(struct.pack("<%d%s" % (len(v), fmt), *v))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def soft_in(rows, c):
    return [f32(((i * 7919) % 1601) / 100.0 - 8.0) for i in range(rows * c)]


def main(a):
    cmd, what = a[0], a[1]
    if cmd == "gen":
        if what == "reduce":
            wr(a[2], "f", [float(i % 17 - 8) for i in range(4 * int(a[3]))])
        elif what == "softmax":
            wr(a[2], "f", soft_in(int(a[3]), int(a[4])))
        elif what == "hist":
            wr(a[2], "I", [(i * 2654435761) & 0xFFFFFFFF for i in range(4 * int(a[3]))])
        elif what == "iota":
            wr(a[2], "f", [float(i) for i in range(int(a[3]))])
        return 0
    if what == "reduce":
        n = int(a[3])
        want = sum(i % 17 - 8 for i in range(4 * n))
        got = rd(a[2], "f")
        if got != [float(want)]:
            print("total %r, want %d" % (got, want))
            return 1
        return 0
    if what == "softmax":
        rows, c = int(a[4]), int(a[5])
        x, y = rd(a[2], "f"), rd(a[3], "f")
        worst = 0.0
        for r in range(rows):
            row = x[r * c:(r + 1) * c]
            m = max(row)
            e = [math.exp(v - m) for v in row]
            s = sum(e)
            for j in range(c):
                w = e[j] / s
                worst = max(worst, abs(y[r * c + j] - w) / max(w, 1e-30))
        if worst > 1e-5:
            print("max relative error %.3g > 1e-5" % worst)
            return 1
        return 0
    if what == "hist":
        n = int(a[3])
        want = [0] * 256
        if len(a) > 4 and a[4] == "iota":   # bins started as 0, 1, 2, ...
            want = list(range(256))
        for i in range(4 * n):
            want[((i * 2654435761) & 0xFFFFFFFF) & 255] += 1
        got = rd(a[2], "I")
        bad = [b for b in range(256) if got[b] != want[b]]
        if bad:
            print("%d bins differ, first bin %d: %d, want %d" % (len(bad), bad[0], got[bad[0]], want[bad[0]]))
            return 1
        return 0
    if what == "transpose":
        n = int(a[3])
        b = rd(a[2], "f")
        for i in range(n):
            for j in range(n):
                if b[i * n + j] != float(j * n + i):
                    print("B[%d][%d] = %r, want %d" % (i, j, b[i * n + j], j * n + i))
                    return 1
        return 0
    print("unknown check %s" % what)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
