#!/usr/bin/env python3
"""bench/gpu/race.py: the race of bench/gpu/race.sh (run it through that).

The same kernel through vyrec's ptx (CUDA) and spv (NVIDIA Vulkan) C
launchers, and torch on the same GPU as the anchor: torch.add for vecadd,
y.add_(x, alpha=a) for saxpy, torch.sum for reduce (its per-256 partial
sums for the check), torch.mm with TF32 off for matmul, and for transpose
(samples/transpose.yaml, --tr x --tr f32) a device-to-device copy of the
same bytes, B.copy_(A), with torch's own B.copy_(A.t()) in a row of its
own (the output is checked against A.t()).  Every kernel time
is GPU-timed (CUDA events for torch and ptx, Vulkan timestamp queries for
spv) and is the median of >= 50 dispatches after a warm-up.  Inputs are the
same .npy files for every contestant; outputs are compared element by
element with torch's.  Buffer names, access and counts come from the
manifest (vyrec build --manifest); bytes moved count read_only and
write_only buffers once, read_write twice.  A last row runs a tiny vecadd
1000 times back to back: the per-dispatch cost.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import torch


# launcher folders under --dir: C ptx and spv, the spv launcher of an
# older vyrec, and the Cargo launchers where they were carried
TARGETS = ("ptx", "spv", "spv_before", "cargo_ptx", "cargo_spv")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def manifest(path):
    with open(path) as f:
        return json.load(f)


def count(expr, params):
    """A manifest count expression (u32 arithmetic) over params."""
    e = re.sub(r"(\d+)u\b", r"\1", expr).replace("/", "//")
    return int(eval(e, {"__builtins__": {}, "min": min, "max": max}, dict(params)))


def bytes_moved(m, params):
    b = 0
    for buf in m["buffers"]:
        n = count(buf["count"], params) * buf["element_size"]
        b += 2 * n if buf["access"] == "read_write" else n
    return b


def cuda_time(fn, reps, warm=5):
    """Median ms of fn over reps, each bracketed by CUDA events."""
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        ts.append(s.elapsed_time(e))
    return float(np.median(ts))


def ulp_diff(a, b):
    ia = a.view(np.int32).astype(np.int64)
    ib = b.view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return np.abs(ia - ib)


def compare(got, want):
    """'bitwise equal', or the worst difference (against an f64 reference:
    the largest absolute error)."""
    got = got.reshape(-1).astype(np.float32)
    if want.dtype == np.float64:
        want = want.reshape(-1)
        if got.shape != want.shape:
            return "size %d vs %d" % (got.size, want.size)
        return "max abs err %.1e vs f64" % float(np.max(np.abs(got.astype(np.float64) - want)))
    want = want.reshape(-1).astype(np.float32)
    if got.shape != want.shape:
        return "size %d vs %d" % (got.size, want.size)
    if np.array_equal(got.view(np.uint32), want.view(np.uint32)):
        return "bitwise equal"
    u = ulp_diff(got, want)
    rel = np.max(np.abs(got.astype(np.float64) - want) / np.maximum(np.abs(want.astype(np.float64)), 1e-30))
    return "%d differ, max %d ulp, rel %.1e" % (int(np.count_nonzero(u)), int(u.max()), rel)


def run_launcher(d, name, params, ins, outs, reps):
    cmd = ["./" + name]
    for k, v in params.items():
        cmd += ["--param", "%s=%s" % (k, v)]
    for k, v in ins.items():
        cmd += ["--in", "%s=%s" % (k, v)]
    for k, v in outs.items():
        cmd += ["--out", "%s=%s" % (k, v)]
    # OLD_VYREC's launcher (spv_before/): one from before --json prints text
    before = d.rstrip("/").split("/")[-2] == "spv_before"
    cmd += ["--bench", str(reps), "--json"]
    p = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
    old = before and (p.returncode or not any(l.startswith("{") for l in p.stdout.splitlines()))
    if old:
        p = subprocess.run(cmd[:-1], cwd=d, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError("%s: rc=%d %s" % (" ".join(cmd), p.returncode, (p.stderr or p.stdout)[-300:]))
    if old:
        mt = re.search(r"median ([0-9.]+) ms", p.stdout)
        return {"median_ms": float(mt.group(1)), "wall_median_ms": float(mt.group(1)),
                "timer": "wall clock around submit+wait"}
    line = [l for l in p.stdout.splitlines() if l.startswith("{")][-1]
    return json.loads(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=".gpu-race")
    ap.add_argument("--work", default="/tmp/race")
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--loop", type=int, default=1000)
    ap.add_argument("--log2n", type=int, default=27)
    ap.add_argument("--mm", type=int, default=4096)
    ap.add_argument("--tr", type=int, default=8192)
    a = ap.parse_args()
    assert a.reps >= 50, "the race takes the median of at least 50"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    os.makedirs(a.work, exist_ok=True)
    dev = torch.device("cuda")
    rng = np.random.default_rng(1)
    n = 1 << a.log2n
    W = a.work
    t0 = time.time()
    x = rng.uniform(-1, 1, n).astype(np.float32)
    y = rng.uniform(-1, 1, n).astype(np.float32)
    np.save(W + "/x.npy", x)
    np.save(W + "/y.npy", y)
    M = a.mm
    A = rng.uniform(-1, 1, M * M).astype(np.float32)
    B = rng.uniform(-1, 1, M * M).astype(np.float32)
    np.save(W + "/A.npy", A)
    np.save(W + "/B.npy", B)
    TR = a.tr
    TA = rng.uniform(-1, 1, TR * TR).astype(np.float32)
    np.save(W + "/TA.npy", TA)
    tiny = 1024
    np.save(W + "/xt.npy", x[:tiny])
    np.save(W + "/yt.npy", y[:tiny])
    log("race: inputs written in %.1f s" % (time.time() - t0))
    tx, ty = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)
    tA, tB = torch.from_numpy(A).to(dev).view(M, M), torch.from_numpy(B).to(dev).view(M, M)
    alpha = 2.5
    tz = torch.empty_like(tx)
    tTA = torch.from_numpy(TA).to(dev).view(TR, TR)
    tTB = torch.empty_like(tTA)

    def saxpy_torch():
        yy = ty.clone()
        return yy.add_(tx, alpha=alpha)

    yy = ty.clone()
    kernels = [
        # name, params, inputs, outputs, torch timed fn, torch reference, size text
        ("vecadd", {"n": n}, {"x": "x.npy", "y": "y.npy"}, {"z": "z"},
         lambda: torch.add(tx, ty, out=tz), lambda: {"z": (tx + ty)}, "2^%d" % a.log2n),
        ("saxpy", {"a": alpha, "n": n}, {"x": "x.npy", "y": "y.npy"}, {"y": "y"},
         lambda: yy.add_(tx, alpha=alpha), lambda: {"y": saxpy_torch()}, "2^%d" % a.log2n),
        ("reduce", {"n": n}, {"x": "x.npy"}, {"partial": "partial"},
         lambda: torch.sum(tx), lambda: {"partial": tx.double().view(-1, 256).sum(1)}, "2^%d" % a.log2n),
        ("matmul", {"M": M, "N": M, "K": M}, {"A": "A.npy", "B": "B.npy"}, {"C": "C"},
         lambda: torch.mm(tA, tB), lambda: {"C": torch.mm(tA, tB)}, "%d^3" % M),
        ("transpose", {"n": TR}, {"A": "TA.npy"}, {"B": "B"},
         lambda: tTB.copy_(tTA), lambda: {"B": tTA.t().contiguous()}, "%d^2" % TR),
    ]
    # torch's own transpose, beside the copy that is the transpose row's anchor
    try:
        tt_ms = cuda_time(lambda: tTB.copy_(tTA.t()), a.reps)
    except Exception as e:
        tt_ms = None
        log("race: torch copy_(A.t()): %s" % e)
    rows = []
    for name, params, ins, outs, tfn, tref, size in kernels:
        m = manifest("%s/%s.manifest.json" % (a.dir, name))
        bm = bytes_moved(m, params)
        row = {"kernel": name, "size": size, "bytes": bm, "wg": m["workgroup_size"]}
        try:
            row["torch_ms"] = cuda_time(tfn, a.reps)
            ref = {k: v.cpu().numpy() for k, v in tref().items()}
        except Exception as e:  # keep the table going
            row["torch_ms"], ref = None, {}
            log("race: torch %s: %s" % (name, e))
        for t in TARGETS:
            d = "%s/%s/%s" % (a.dir, t, name)
            if not os.path.isdir(d):
                continue
            o = {k: "%s/%s.%s.%s.npy" % (W, name, t, v) for k, v in outs.items()}
            try:
                j = run_launcher(d, name, params, {k: W + "/" + v for k, v in ins.items()}, o, a.reps)
                row[t + "_ms"] = j.get("median_ms")
                row[t + "_wall_ms"] = j.get("wall_median_ms")
                row[t + "_timer"] = j.get("timer", "")
                row[t + "_check"] = "; ".join(compare(np.load(o[k]), ref[k]) for k in outs if k in ref) or "-"
                if t != "ptx" and row.get("ptx_out"):
                    same = all(np.array_equal(np.load(o[k]).view(np.uint32), np.load(row["ptx_out"][k]).view(np.uint32))
                               for k in outs)
                    row[t + "_check"] += "; %s ptx" % ("bitwise equal to" if same else "differs from")
                if t == "ptx":
                    row["ptx_out"] = o
            except Exception as e:
                row[t + "_ms"] = None
                row[t + "_check"] = "error: %s" % str(e)[-200:]
                log("race: %s %s: %s" % (t, name, e))
        rows.append(row)
        log("race: %s done: %s" % (name, json.dumps(row)))

    # per-dispatch cost: a tiny vecadd, 1000 back to back
    loop = {"kernel": "vecadd loop", "size": "%d x %d" % (tiny, a.loop)}
    xt, yt = tx[:tiny].clone(), ty[:tiny].clone()
    zt = torch.empty_like(xt)
    for _ in range(10):
        torch.add(xt, yt, out=zt)
    torch.cuda.synchronize()
    s = time.perf_counter()
    for _ in range(a.loop):
        torch.add(xt, yt, out=zt)
    torch.cuda.synchronize()
    loop["torch_us"] = (time.perf_counter() - s) * 1e6 / a.loop
    for t in TARGETS:
        d = "%s/%s/vecadd" % (a.dir, t)
        if not os.path.isdir(d):
            continue
        try:
            j = run_launcher(d, "vecadd", {"n": tiny}, {"x": W + "/xt.npy", "y": W + "/yt.npy"},
                             {}, a.loop)
            loop[t + "_us"] = j.get("loop_us_per_dispatch")
            loop[t + "_sync_us"] = (j.get("wall_median_ms") or 0) * 1e3
        except Exception as e:
            log("race: loop %s: %s" % (t, e))
    log("race: loop: %s" % json.dumps(loop))

    # the table
    def f(v, fmt="%.4f"):
        return fmt % v if isinstance(v, (int, float)) else "-"

    def gbs(r, t):
        v = r.get(t + "_ms")
        if not v:
            return "-"
        if r["kernel"] == "matmul":
            return "%.0f GFLOP/s" % (2.0 * M ** 3 / (v * 1e6))
        return "%.0f GB/s" % (r["bytes"] / (v * 1e6))

    out = []
    out.append("| kernel | size | torch ms | ptx ms | spv ms | spv/ptx speed | ptx/torch speed | torch | ptx | spv | spv submit-to-finish ms | ptx check | spv check |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        sp = r["ptx_ms"] / r["spv_ms"] if r.get("ptx_ms") and r.get("spv_ms") else None
        pt = r["torch_ms"] / r["ptx_ms"] if r.get("ptx_ms") and r.get("torch_ms") else None
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["kernel"], r["size"], f(r.get("torch_ms")), f(r.get("ptx_ms")), f(r.get("spv_ms")),
            f(sp, "%.3f"), f(pt, "%.3f"), gbs(r, "torch"), gbs(r, "ptx"), gbs(r, "spv"),
            f(r.get("spv_wall_ms")), r.get("ptx_check", "-"), r.get("spv_check", "-")))
    tr = [r for r in rows if r["kernel"] == "transpose"]
    if tr:
        r = tr[0]
        out.append("")
        out.append("| transpose %s | ms | GB/s | speed vs B.copy_(A) |" % r["size"])
        out.append("|---|---|---|---|")
        for label, v in (("torch B.copy_(A) (the anchor)", r.get("torch_ms")),
                         ("torch B.copy_(A.t())", tt_ms), ("ptx", r.get("ptx_ms")), ("spv", r.get("spv_ms"))):
            out.append("| %s | %s | %s | %s |" % (label, f(v),
                       "%.0f" % (r["bytes"] / (v * 1e6)) if v else "-",
                       f(r["torch_ms"] / v, "%.3f") if v and r.get("torch_ms") else "-"))
    out.append("")
    out.append("| per-dispatch cost (%s) | torch | ptx | spv |" % loop["size"])
    out.append("|---|---|---|---|")
    out.append("| queued back to back, us/dispatch | %s | %s | %s |" % (
        f(loop.get("torch_us"), "%.2f"), f(loop.get("ptx_us"), "%.2f"), f(loop.get("spv_us"), "%.2f")))
    out.append("| dispatch + wait each, us | - | %s | %s |" % (
        f(loop.get("ptx_sync_us"), "%.2f"), f(loop.get("spv_sync_us"), "%.2f")))
    if any(r.get("cargo_ptx_ms") or r.get("cargo_spv_ms") for r in rows):
        out.append("")
        out.append("| Cargo launchers | ptx ms | spv ms | spv/ptx speed | ptx check | spv check |")
        out.append("|---|---|---|---|---|---|")
        for r in rows:
            if r.get("cargo_ptx_ms") or r.get("cargo_spv_ms"):
                sp = r["cargo_ptx_ms"] / r["cargo_spv_ms"] if r.get("cargo_ptx_ms") and r.get("cargo_spv_ms") else None
                out.append("| %s | %s | %s | %s | %s | %s |" % (
                    r["kernel"], f(r.get("cargo_ptx_ms")), f(r.get("cargo_spv_ms")), f(sp, "%.3f"),
                    r.get("cargo_ptx_check", "-"), r.get("cargo_spv_check", "-")))
        out.append("| loop, queued us/dispatch | %s | %s | | | |" % (
            f(loop.get("cargo_ptx_us"), "%.2f"), f(loop.get("cargo_spv_us"), "%.2f")))
    if any(r.get("spv_before_ms") for r in rows):
        out.append("")
        out.append("| before: OLD_VYREC's spv launcher (%s) | ms | check |" % rows[0].get("spv_before_timer", "-"))
        out.append("|---|---|---|")
        for r in rows:
            out.append("| %s | %s | %s |" % (r["kernel"], f(r.get("spv_before_ms")), r.get("spv_before_check", "-")))
    out.append("")
    out.append("timers: torch CUDA events; ptx: %s; spv: %s" % (
        rows[0].get("ptx_timer", "-"), rows[0].get("spv_timer", "-")))
    print("\n".join(out))
    with open(W + "/race.json", "w") as fh:
        json.dump({"rows": rows, "loop": loop}, fh, indent=1)


if __name__ == "__main__":
    main()
