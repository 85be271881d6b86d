#!/usr/bin/env python3
"""bench/gpu/race_vec.py: vecadd4 and saxpy4 (f32x4 buffers) against torch,
run by bench/gpu/race.sh after race.py.

The C and Cargo launchers do not take vector buffers yet, so the vyrec
side is `vyrec run --bench N` on the cuda backend (ptx, CUDA events around
the launch alone) and the vulkan backend (spv, Vulkan timestamps): the
same GPU timing as race.py's launchers, medians of N >= 50 dispatches.
torch is torch.add(x, y, out=z) and y.add_(x, alpha=a) on float32 tensors
of the same bytes (4n floats for n vectors), CUDA events, median of N.
Inputs are the same .npy files (shape (n, 4)) for every contestant; each
vyrec output (one plain run with --out) is compared bit for bit with
torch's.  Workgroup size and bytes moved come from the manifests
(vyrec build --manifest): read_only and write_only buffers count once,
read_write twice, element_size bytes per element.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import torch

from race import bytes_moved, cuda_time, log, manifest   # bench/gpu/race.py


def vyrec(args, env):
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    if p.returncode:
        raise RuntimeError("%s: rc=%d %s" % (" ".join(args), p.returncode, (p.stderr or p.stdout)[-300:]))
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=".gpu-race")
    ap.add_argument("--work", default="/tmp/race")
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--log2n", type=int, default=27, help="floats per buffer (2^N; n = 2^N / 4 vectors)")
    a = ap.parse_args()
    assert a.reps >= 50, "the race takes the median of at least 50"
    os.makedirs(a.work, exist_ok=True)
    W, R = a.work, a.dir
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = R + "/bin" + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    vy = R + "/bin/vyrec"
    nf = 1 << a.log2n
    n = nf // 4
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, nf).astype(np.float32)
    y = rng.uniform(-1, 1, nf).astype(np.float32)
    np.save(W + "/x4.npy", x.reshape(n, 4))
    np.save(W + "/y4.npy", y.reshape(n, 4))
    dev = torch.device("cuda")
    tx, ty = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    tz = torch.empty_like(tx)
    alpha = 2.5
    yy = ty.clone()
    kernels = [
        ("vecadd4", ["--param", "n=%d" % n, "--in", "x=%s/x4.npy" % W, "--in", "y=%s/y4.npy" % W],
         "z", lambda: torch.add(tx, ty, out=tz), lambda: (tx + ty)),
        ("saxpy4", ["--param", "n=%d" % n, "--param", "a=%g" % alpha, "--in", "x=%s/x4.npy" % W,
                    "--in", "y=%s/y4.npy" % W],
         "y", lambda: yy.add_(tx, alpha=alpha), lambda: ty.clone().add_(tx, alpha=alpha)),
    ]
    rows = []
    for name, args, out, tfn, tref in kernels:
        m = manifest("%s/%s.manifest.json" % (R, name))
        bm = bytes_moved(m, {"n": n, "a": alpha})
        row = {"kernel": name, "size": "2^%d floats" % a.log2n, "bytes": bm, "wg": m["workgroup_size"]}
        row["torch_ms"] = cuda_time(tfn, a.reps)
        want = tref().cpu().numpy().view(np.uint32)
        for t, be in (("ptx", "cuda"), ("spv", "vulkan")):
            try:
                o = "%s/%s.%s.%s.npy" % (W, name, t, out)
                vyrec([vy, "run", "samples/%s.yaml" % name, "--backend", be] + args + ["--out", "%s=%s" % (out, o)], env)
                got = np.load(o)
                row[t + "_shape"] = list(got.shape)
                row[t + "_check"] = ("bitwise equal" if np.array_equal(got.reshape(-1).view(np.uint32), want)
                                     else "%d differ" % int(np.count_nonzero(got.reshape(-1).view(np.uint32) != want)))
                s = vyrec([vy, "run", "samples/%s.yaml" % name, "--backend", be] + args + ["--bench", str(a.reps)], env)
                mt = re.search(r"median ([0-9.]+) ms \(([^)]*)\)", s)
                row[t + "_ms"] = float(mt.group(1))
                row[t + "_timer"] = mt.group(2)
            except Exception as e:
                row[t + "_ms"] = None
                row[t + "_check"] = "error: %s" % str(e)[-200:]
                log("race_vec: %s %s: %s" % (t, name, e))
        rows.append(row)
        log("race_vec: %s" % json.dumps(row))

    def f(v, fmt="%.4f"):
        return fmt % v if isinstance(v, (int, float)) else "-"

    def gbs(r, t):
        v = r.get(t + "_ms")
        return "%.0f GB/s" % (r["bytes"] / (v * 1e6)) if v else "-"

    out = ["", "vectors (f32x4 buffers; vyrec run --bench %d, cuda = ptx, vulkan = spv; goal ptx/torch >= 1.00, spv/ptx >= 0.95):" % a.reps,
           "| kernel | size | wg | torch ms | ptx ms | spv ms | ptx/torch speed | spv/ptx speed | torch | ptx | spv | ptx check | spv check |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pt = r["torch_ms"] / r["ptx_ms"] if r.get("ptx_ms") and r.get("torch_ms") else None
        sp = r["ptx_ms"] / r["spv_ms"] if r.get("ptx_ms") and r.get("spv_ms") else None
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["kernel"], r["size"], "x".join(str(w) for w in r["wg"]), f(r.get("torch_ms")), f(r.get("ptx_ms")),
            f(r.get("spv_ms")), f(pt, "%.3f"), f(sp, "%.3f"), gbs(r, "torch"), gbs(r, "ptx"), gbs(r, "spv"),
            r.get("ptx_check", "-"), r.get("spv_check", "-")))
    out.append("timers: torch CUDA events; ptx: %s; spv: %s" % (rows[0].get("ptx_timer", "-"), rows[0].get("spv_timer", "-")))
    print("\n".join(out))
    with open(W + "/race_vec.json", "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
