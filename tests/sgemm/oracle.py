#!/usr/bin/env python3
"""oracle.py M N K A.bin B.bin C.bin: C = A * B (row-major f32 raw files)
within 1e-5 * (sum of |a*b| + 1) of the product computed in binary64,
independently of vyrec; prints the worst element and exits 1 on a miss."""
import struct
import sys

M, N, K = (int(x) for x in sys.argv[1:4])


def floats(path, n):
    data = open(path, 'rb').read()
    if len(data) != 4 * n:
        sys.exit('%s: %d bytes, want %d' % (path, len(data), 4 * n))
    return struct.unpack('<%df' % n, data)


A = floats(sys.argv[4], M * K)
B = floats(sys.argv[5], K * N)
C = floats(sys.argv[6], M * N)
worst = (0.0, 0, 0)
for i in range(M):
    row = A[i * K:(i + 1) * K]
    for j in range(N):
        col = B[j::N]
        exact = sum(a * b for a, b in zip(row, col))
        scale = sum(abs(a * b) for a, b in zip(row, col)) + 1.0
        err = abs(C[i * N + j] - exact) / scale
        if not err <= 1e-5:
            sys.exit('C[%d][%d] = %r, want %r' % (i, j, C[i * N + j], exact))
        worst = max(worst, (err, i, j))
print('max relative error %.3g at C[%d][%d]' % worst)
