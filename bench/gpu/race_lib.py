#!/usr/bin/env python3
"""bench/gpu/race_lib.py: the library-speed samples against torch (issue 14,
Speed), run by bench/gpu/race.sh after race.py and race_vec.py, or alone:

    python3 bench/gpu/race_lib.py [--vyrec .gpu-race/bin/vyrec] [--ncu]
    python3 bench/gpu/race_lib.py --dry-run      # no GPU, no torch, no numpy

Rows (sample, sizes, torch anchor):
  reduce     samples/reduce_fast.yaml, 2^27 f32          torch.sum
  softmax    samples/softmax_rows.yaml, 4096 x 4096 f32   torch.softmax(dim=1)
  histogram  samples/histogram_shared.yaml, 2^27 u32     torch.bincount(minlength=256)
  transpose  samples/transpose_fast.yaml (f32x4) and samples/transpose.yaml
             (f32), 8192^2 f32                            B.copy_(A), same bytes
  sgemm      samples/sgemm.yaml if it exists, 4096^3     torch.mm, TF32 off
  axpy_f16   samples/axpy_f16x4.yaml, 2^27 f16 (f16x4)   y.add_(x, alpha=a) on float16
and the variants bench/gpu/programs/{reduce,softmax,histogram,transpose}_*.yaml
(same sizes; a row each, to pick the fastest scheme for the sample).

ptx: the PTX that `vyrec build -t ptx` writes is loaded with the CUDA
driver (ctypes, libcuda.so.1, in torch's context) and launched on torch's
own tensors, in the order of the manifest's pipeline, each part with its
manifest workgroup size and dispatch (grid = ceil(dispatch / workgroup)),
its arguments in the order of the .entry's .param list (p_BUF pointers,
p_PARAM values, n_BUF counts).  Timed with CUDA events around the whole
pipeline, median of --reps (>= 50) after a warm-up.  Registers per
thread, local (spill) bytes and the theoretical occupancy come from
cuFuncGetAttribute / cuOccupancyMaxActiveBlocksPerMultiprocessor.

spv: `vyrec run --backend vulkan` (the NVIDIA Vulkan driver) on .npy files
of the same bytes: one plain run with --out for the check, then
`--bench REPS` (Vulkan timestamps; for a pipeline of several kernels too
when the backend times pipelines, else the wall clock, which the table
says).

Checks, element by element: reduce against an f64 sum (|err| <= 1e-6 *
sum|x|) and, with --exact (default on), bit for bit against the reference
backend's total (`vyrec run --backend reference`, the SPEC's order at
subgroup size 32); softmax against torch.softmax (ulp and relative error
reported; pass: rel <= 1e-5); histogram exactly against torch.bincount;
transpose bit for bit against A.t(); sgemm against torch.mm in f64 terms
(rel err); axpy_f16 bit for bit against (y + a*x in f32, rounded once to
f16), the sample's semantics and torch's, and with --exact against the
reference backend's y (`vyrec run --backend reference` on the same .npy
inputs).  y is in and out: it is restored from its copy before each
checked run and before the spv inputs are written.  --ncu runs Nsight Compute (when on PATH) on `vyrec run
--backend cuda` of each sample for achieved occupancy, registers and DRAM
throughput.  The table goes to stdout, the rows to WORK/race_lib.json.
"""
import argparse
import ctypes
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def count(expr, params):
    """A manifest expression (u32 arithmetic) over params."""
    e = re.sub(r"(\d+)u\b", r"\1", str(expr)).replace("/", "//")
    return int(eval(e, {"__builtins__": {}, "min": min, "max": max}, dict(params)))


# ---- the programs ----

BASE = {"f32": "float32", "f16": "float16", "f64": "float64", "u32": "int32", "i32": "int32",
        "u64": "int64", "i64": "int64", "bf16": "int16", "u16": "int16", "i16": "int16",
        "u8": "uint8", "i8": "int8"}


def elem(t):
    """(base type, lanes) of a buffer type: f32x4 -> (f32, 4)."""
    m = re.match(r"^([a-z]+\d+)(?:x(\d))?$", t)
    return m.group(1), int(m.group(2) or 1)


def parse_entries(ptx):
    """{entry name: [param names in order]} from the PTX text."""
    out = {}
    for m in re.finditer(r"\.visible\s+\.entry\s+(\w+)\s*\(([^)]*)\)", ptx):
        out[m.group(1)] = re.findall(r"\.param\s+\.\w+\s+(\w+)", m.group(2))
    return out


def parts_of(m):
    """[(entry point, workgroup size, dispatch)] of the manifest, in
    pipeline order (repeat: blocks unrolled; a host for is refused)."""
    ks = m.get("kernels") or [{"kernel": m["name"], "entry_point": m["entry_point"],
                               "workgroup_size": m["workgroup_size"], "dispatch": m["dispatch"]}]
    by = {}
    for k in ks:
        by.setdefault(k["kernel"], []).append(k)

    def steps(pipe, params):
        out = []
        for s in pipe:
            if isinstance(s, str):
                out += by[s]
            elif "repeat" in s:
                out += steps(s["do"], params) * count(s["repeat"], params)
            else:
                raise ValueError("pipeline step %r: race_lib runs kernel names and repeat blocks" % (s,))
        return out
    pipe = m.get("pipeline") or [k["kernel"] for k in ks]
    # a kernel with grid barriers has several parts of one kernel name: all run
    return lambda params: [(k["entry_point"], k["workgroup_size"], k["dispatch"]) for k in steps(pipe, params)]


def grid(wg, disp, params):
    wg = list(wg) + [1] * (3 - len(wg))
    d = [count(e, params) for e in disp] + [1] * (3 - len(disp))
    return [max(1, (d[i] + wg[i] - 1) // wg[i]) for i in range(3)], wg


class Vyrec:
    def __init__(self, exe, work, env):
        self.exe, self.work, self.env = exe, work, env

    def __call__(self, args, timeout=900):
        p = subprocess.run([self.exe] + args, capture_output=True, text=True, env=self.env, timeout=timeout)
        if p.returncode:
            raise RuntimeError("vyrec %s: rc=%d %s" % (" ".join(args), p.returncode, (p.stderr or p.stdout)[-400:]))
        return p.stdout + p.stderr

    def build(self, yaml, key, extra=()):
        ptx = "%s/%s.ptx" % (self.work, key)
        man = "%s/%s.manifest.json" % (self.work, key)
        self(["build", yaml, "-t", "ptx", "-o", ptx, "--manifest", man] + list(extra))
        with open(man) as f:
            m = json.load(f)
        with open(ptx) as f:
            text = f.read()
        return text, m


# ---- the CUDA driver (ctypes) ----

class Cuda:
    NUM_REGS, LOCAL_BYTES, SHARED_BYTES = 4, 3, 1
    MAX_THREADS_PER_SM, SM_COUNT = 39, 16

    def __init__(self, torch):
        self.torch = torch
        self.lib = ctypes.CDLL("libcuda.so.1")
        torch.zeros(1, device="cuda")   # torch's context, current on this thread
        ctx = ctypes.c_void_p()
        self.ck(self.lib.cuCtxGetCurrent(ctypes.byref(ctx)), "cuCtxGetCurrent")
        if not ctx.value:
            raise RuntimeError("no current CUDA context after torch initialised")
        dev = ctypes.c_int()
        self.ck(self.lib.cuCtxGetDevice(ctypes.byref(dev)), "cuCtxGetDevice")
        self.dev = dev.value
        self.max_threads_sm = self.dattr(self.MAX_THREADS_PER_SM)
        self.sms = self.dattr(self.SM_COUNT)

    def ck(self, r, what):
        if r:
            s = ctypes.c_char_p()
            self.lib.cuGetErrorString(r, ctypes.byref(s))
            raise RuntimeError("%s: CUDA error %d (%s)" % (what, r, s.value.decode() if s.value else "?"))

    def dattr(self, a):
        v = ctypes.c_int()
        self.ck(self.lib.cuDeviceGetAttribute(ctypes.byref(v), a, self.dev), "cuDeviceGetAttribute")
        return v.value

    def load(self, ptx):
        mod = ctypes.c_void_p()
        logbuf = ctypes.create_string_buffer(8192)
        # CU_JIT_ERROR_LOG_BUFFER = 5, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6
        opts = (ctypes.c_int * 2)(5, 6)
        vals = (ctypes.c_void_p * 2)(ctypes.cast(logbuf, ctypes.c_void_p), ctypes.c_void_p(8192))
        r = self.lib.cuModuleLoadDataEx(ctypes.byref(mod), ctypes.c_char_p(ptx.encode() + b"\0"), 2, opts, vals)
        if r:
            self.ck(r, "cuModuleLoadDataEx: %s" % logbuf.value.decode(errors="replace")[-300:])
        return mod

    def function(self, mod, name):
        fn = ctypes.c_void_p()
        self.ck(self.lib.cuModuleGetFunction(ctypes.byref(fn), mod, name.encode()), "cuModuleGetFunction " + name)
        return fn

    def fattr(self, fn, a):
        v = ctypes.c_int()
        self.ck(self.lib.cuFuncGetAttribute(ctypes.byref(v), a, fn), "cuFuncGetAttribute")
        return v.value

    def occupancy(self, fn, threads):
        """Theoretical occupancy (resident warps / maximum) of fn."""
        nb = ctypes.c_int()
        self.ck(self.lib.cuOccupancyMaxActiveBlocksPerMultiprocessor(ctypes.byref(nb), fn, threads, ctypes.c_size_t(0)),
                "cuOccupancyMaxActiveBlocksPerMultiprocessor")
        return nb.value, nb.value * threads / self.max_threads_sm

    def launch(self, fn, g, wg, arr, stream):
        self.ck(self.lib.cuLaunchKernel(fn, g[0], g[1], g[2], wg[0], wg[1], wg[2], 0,
                                        ctypes.c_void_p(stream), arr, None), "cuLaunchKernel")


class PtxProgram:
    """One program's PTX, loaded, with its launches on torch tensors."""

    def __init__(self, cu, ptx, m, params, tensors):
        self.cu, self.m = cu, m
        self.mod = cu.load(ptx)
        self.entries = parse_entries(ptx)
        types = {p["name"]: p["type"] for p in m["params"]}
        counts = {b["name"]: count(b["count"], params) for b in m["buffers"]}
        self.launches = []
        self.info = []
        seen = set()
        for ep, wg, disp in parts_of(m)(params):
            if ep not in self.entries:
                raise RuntimeError("entry %s not in the PTX (has %s)" % (ep, ", ".join(self.entries)))
            args = []
            for a in self.entries[ep]:
                kind, name = a[:2], a[2:]
                if kind == "p_" and name in tensors:
                    args.append(ctypes.c_uint64(tensors[name].data_ptr()))
                elif kind == "p_" and name in types:
                    t, v = types[name], params[name]
                    if t == "f16":   # its 16 bits in the low half of the 4-byte slot
                        v = struct.unpack("<H", struct.pack("<e", v))[0]
                    args.append({"f32": ctypes.c_float, "f64": ctypes.c_double, "i32": ctypes.c_int32,
                                 "u64": ctypes.c_uint64, "i64": ctypes.c_int64}.get(t, ctypes.c_uint32)(v))
                elif kind == "n_" and name in counts:
                    args.append(ctypes.c_uint32(counts[name]))
                else:
                    raise RuntimeError("entry %s: parameter %s is neither a buffer, a param nor a count" % (ep, a))
            g, w = grid(wg, disp, params)
            fn = cu.function(self.mod, ep)
            arr = (ctypes.c_void_p * len(args))(*[ctypes.addressof(v) for v in args])
            self.launches.append((fn, g, w, arr, args))   # args: kept alive for arr
            if ep not in seen:
                seen.add(ep)
                nb, occ = cu.occupancy(fn, w[0] * w[1] * w[2])
                self.info.append({"entry": ep, "grid": g, "wg": w, "regs": cu.fattr(fn, Cuda.NUM_REGS),
                                  "local_bytes": cu.fattr(fn, Cuda.LOCAL_BYTES),
                                  "blocks_per_sm": nb, "occupancy": occ})

    def __call__(self):
        s = self.cu.torch.cuda.current_stream().cuda_stream
        for fn, g, w, arr, _ in self.launches:
            self.cu.launch(fn, g, w, arr, s)


def cuda_time(torch, fn, reps, warm=5):
    """Median ms of fn over reps, each between two CUDA events.  A sleep
    kernel queued first keeps the GPU busy while Python queues the start
    event, fn's launches and the end event, so the time is the GPU's alone
    (no launch overhead of Python, ctypes or torch in it)."""
    sleep = getattr(torch.cuda, "_sleep", None)
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        if sleep:
            sleep(200000)   # ~0.1 ms at 2 GHz
        s.record()
        fn()
        e.record()
        e.synchronize()
        ts.append(s.elapsed_time(e))
    ts.sort()
    return ts[len(ts) // 2] if len(ts) % 2 else (ts[len(ts) // 2 - 1] + ts[len(ts) // 2]) / 2


# ---- the rows ----

def programs(args):
    """(row name, yaml, param function of the sizes) for every contestant."""
    L = 1 << args.log2n
    S, T, MM = args.sm, args.tr, args.mm
    rows = [
        ("reduce", "samples/reduce_fast.yaml", {"n": L // 4}, "2^%d f32" % args.log2n),
        ("softmax", "samples/softmax_rows.yaml", {"rows": S, "vcols": S // 4}, "%d x %d f32" % (S, S)),
        ("histogram", "samples/histogram_shared.yaml", {"n": L // 4}, "2^%d u32" % args.log2n),
        ("transpose", "samples/transpose_fast.yaml", {"nv": T // 4}, "%d^2 f32" % T),
        ("transpose", "samples/transpose.yaml", {"n": T}, "%d^2 f32" % T),
        ("axpy_f16", "samples/axpy_f16x4.yaml", {"n": L // 4, "a": 2.5}, "2^%d f16" % args.log2n),
    ]
    # bench variants (bench/gpu/programs/KERNEL_*.yaml): the sizes of KERNEL's row
    d = os.path.join(ROOT, "bench/gpu/programs")
    base = {r[0]: r for r in rows}
    for f in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        k = f.split("_")[0]
        if k in base and f.endswith(".yaml"):
            params = dict(base[k][2])
            if k == "transpose":
                with open(os.path.join(d, f)) as fh:   # n floats or nv = n / 4 vectors a row
                    nv = re.search(r"^params:.*\bnv:", fh.read(), re.M)
                params = {"nv": T // 4} if nv else {"n": T}
            rows.append((k, "bench/gpu/programs/" + f, params, base[k][3]))
    # each variant right after its sample: one input set each
    order = ["reduce", "softmax", "histogram", "transpose", "axpy_f16"]
    rows.sort(key=lambda r: order.index(r[0]))
    if os.path.exists(os.path.join(ROOT, "samples/sgemm.yaml")):
        rows.append(("sgemm", "samples/sgemm.yaml", {"M": MM, "N": MM, "K": MM}, "%d^3 f32" % MM))
    else:
        log("race_lib: samples/sgemm.yaml does not exist (the sgemm helper's sample): no sgemm row")
    if args.only:
        rows = [r for r in rows if r[0] in args.only.split(",") or os.path.basename(r[1])[:-5] in args.only.split(",")]
    return rows


def make_inputs(torch, np, row, m, params, dev, rng):
    """torch tensors (flat, the buffer's bytes) for every buffer, the names
    of those that are inputs, the torch anchor and the reference."""
    name = row
    bufs, inputs = {}, []
    for b in m["buffers"]:
        base, lanes = elem(b["type"])
        n = count(b["count"], params) * lanes
        bufs[b["name"]] = torch.zeros(n, dtype=getattr(torch, BASE[base]), device=dev)
    P = params
    if name == "reduce":
        x = torch.from_numpy(rng.uniform(-1, 1, P["n"] * 4).astype(np.float32)).to(dev)
        bufs["x"].copy_(x)
        inputs = ["x"]
        anchor = lambda: torch.sum(x)
        ref = {"total": x.double().sum().reshape(1)}
        note = "tol |err| <= 1e-6 * sum|x| vs f64 (sum|x| = %.4g)" % float(x.abs().double().sum())
        return bufs, inputs, anchor, ref, {"scale": float(x.abs().double().sum())}, note
    if name == "softmax":
        R, C = P["rows"], P["vcols"] * 4
        x = torch.from_numpy(rng.standard_normal(R * C).astype(np.float32) * 4).to(dev)
        bufs["x"].copy_(x)
        inputs = ["x"]
        xv = x.view(R, C)
        anchor = lambda: torch.softmax(xv, dim=1)
        ref = {"y": torch.softmax(xv, dim=1).reshape(-1)}
        return bufs, inputs, anchor, ref, {}, "pass: max rel err <= 1e-5 vs torch"
    if name == "histogram":
        d = torch.from_numpy(rng.integers(0, 256, P["n"] * 4, dtype=np.int32)).to(dev)
        bufs["data"].copy_(d)
        inputs = ["data"]
        try:
            torch.bincount(d, minlength=256)
            dd, dt = d, "int32"
        except Exception as e:   # a torch without int32 bincount: int64 (twice the bytes)
            log("race_lib: bincount int32: %s; int64" % e)
            dd, dt = d.long(), "int64"
        anchor = lambda: torch.bincount(dd, minlength=256)
        ref = {"bins": torch.bincount(dd, minlength=256).int()}
        return bufs, inputs, anchor, ref, {"zero": ["bins"]}, "exact vs torch.bincount (%s input)" % dt
    if name == "transpose":
        n = P["n"] if "n" in P else 4 * P["nv"]
        A = torch.from_numpy(rng.uniform(-1, 1, n * n).astype(np.float32)).to(dev)
        bufs["A"].copy_(A)
        inputs = ["A"]
        Bt = torch.empty_like(A)
        anchor = lambda: Bt.copy_(A)
        ref = {"B": A.view(n, n).t().contiguous().reshape(-1)}
        return bufs, inputs, anchor, ref, {"tt": lambda: Bt.view(n, n).copy_(A.view(n, n).t())}, \
            "bitwise vs A.t(); anchor B.copy_(A) of the same bytes"
    if name == "axpy_f16":
        n, a = 4 * P["n"], P["a"]
        x = torch.from_numpy(rng.uniform(-4, 4, n).astype(np.float16)).to(dev)
        y0 = torch.from_numpy(rng.uniform(-4, 4, n).astype(np.float16)).to(dev)
        bufs["x"].copy_(x)
        bufs["y"].copy_(y0)
        inputs = ["x", "y"]
        yt = y0.clone()
        anchor = lambda: yt.add_(x, alpha=a)
        ref = {"y": (y0.float() + a * x.float()).half()}   # f32, rounded once
        return bufs, inputs, anchor, ref, {"restore": lambda: bufs["y"].copy_(y0)}, \
            "bitwise vs f16(y + a*x in f32) (torch's semantics and the sample's); y restored before each check"
    if name == "sgemm":
        M, N, K = P["M"], P["N"], P["K"]
        A = torch.from_numpy(rng.uniform(-1, 1, M * K).astype(np.float32)).to(dev)
        B = torch.from_numpy(rng.uniform(-1, 1, K * N).astype(np.float32)).to(dev)
        bufs["A"].copy_(A)
        bufs["B"].copy_(B)
        inputs = ["A", "B"]
        a2, b2 = A.view(M, K), B.view(K, N)
        anchor = lambda: torch.mm(a2, b2)
        ref = {"C": torch.mm(a2.double(), b2.double()).reshape(-1)}
        return bufs, inputs, anchor, ref, {"flops": 2.0 * M * N * K}, "rel err vs f64 torch.mm; torch.mm TF32 off"
    raise ValueError(name)


def compare(np, name, got, want, extra):
    """(ok, text) for one output (numpy arrays of the buffer's bytes)."""
    if name == "axpy_f16":
        g, w = got.view(np.uint16).reshape(-1), want.astype(np.float16).view(np.uint16).reshape(-1)
        if g.shape != w.shape:
            return False, "size %d vs %d" % (g.size, w.size)
        k = int(np.count_nonzero(g != w))
        return k == 0, "bitwise equal" if not k else "%d of %d differ" % (k, g.size)
    if name == "histogram":
        g, w = got.view(np.int32).reshape(-1), want.astype(np.int32).reshape(-1)
        if g.shape != w.shape:
            return False, "size %d vs %d" % (g.size, w.size)
        k = int(np.count_nonzero(g != w))
        return k == 0, "exact" if not k else "%d bins differ" % k
    g = got.view(np.float32).reshape(-1).astype(np.float64)
    w = want.reshape(-1).astype(np.float64)
    if g.shape != w.shape:
        return False, "size %d vs %d" % (g.size, w.size)
    if name == "reduce":
        err = abs(g[0] - w[0])
        return err <= 1e-6 * extra["scale"], "%.8g vs f64 %.8g (err %.1e)" % (g[0], w[0], err)
    if name == "transpose":
        k = int(np.count_nonzero(got.view(np.uint32).reshape(-1) != want.astype(np.float32).view(np.uint32).reshape(-1)))
        return k == 0, "bitwise equal" if not k else "%d differ" % k
    rel = float(np.max(np.abs(g - w) / np.maximum(np.abs(w), 1e-30)))
    if name == "softmax":
        gi, wi = got.view(np.int32).astype(np.int64).reshape(-1), want.astype(np.float32).view(np.int32).astype(np.int64).reshape(-1)
        ulp = int(np.max(np.abs(gi - wi)))
        return rel <= 1e-5, "max %d ulp, rel %.1e vs torch" % (ulp, rel)
    if name == "sgemm":
        err = float(np.max(np.abs(g - w)) / max(float(np.max(np.abs(w))), 1e-30))
        return err <= 1e-5, "max err %.1e of max|C| vs f64" % err
    return rel == 0, "rel %.1e" % rel


def save_npy(np, path, t, btype):
    base, lanes = elem(btype)
    a = t.cpu().numpy()
    if base == "u32":
        a = a.view(np.uint32)
    np.save(path, a.reshape(-1, lanes) if lanes > 1 else a)


def ncu_metrics(exe, env, yaml, params, ins):
    """Achieved occupancy etc. of every kernel of `vyrec run --backend cuda`."""
    ncu = shutil.which("ncu")
    if not ncu:
        return None, "ncu not on PATH"
    mets = "sm__warps_active.avg.pct_of_peak_sustained_active,launch__registers_per_thread," \
           "dram__throughput.avg.pct_of_peak_sustained_elapsed,launch__occupancy_limit_registers"
    cmd = [ncu, "--csv", "--metrics", mets, exe, "run", yaml, "--backend", "cuda"]
    for k, v in params.items():
        cmd += ["--param", "%s=%s" % (k, v)]
    for k, v in ins.items():
        cmd += ["--in", "%s=%s" % (k, v)]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    out = {}
    for line in p.stdout.splitlines():
        f = [c.strip('"') for c in re.findall(r'"((?:[^"]|"")*)"', line)]
        if len(f) >= 3 and f[-3] in mets.split(","):
            kern = next((c for c in f if re.match(r"^[A-Za-z_]\w*(\(|$)", c) and c not in mets.split(",")), "?")
            out.setdefault(kern.split("(")[0], {})[f[-3]] = f[-1]
    return out, (None if out else "ncu gave no metrics: %s" % (p.stderr or p.stdout)[-300:])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=".gpu-race", help="race.sh's folder (its bin/vyrec is the default --vyrec)")
    ap.add_argument("--vyrec", default=None)
    ap.add_argument("--work", default="/tmp/race_lib")
    ap.add_argument("--reps", type=int, default=50)
    ap.add_argument("--log2n", type=int, default=27, help="reduce and histogram: 2^N elements")
    ap.add_argument("--sm", type=int, default=4096, help="softmax: N x N")
    ap.add_argument("--tr", type=int, default=8192, help="transpose: N x N")
    ap.add_argument("--mm", type=int, default=4096, help="sgemm: N^3")
    ap.add_argument("--only", default="", help="comma-separated row or sample names")
    ap.add_argument("--no-spv", action="store_true")
    ap.add_argument("--no-exact", action="store_true", help="skip the reference backend's reduce")
    ap.add_argument("--ncu", action="store_true", help="achieved occupancy through Nsight Compute")
    ap.add_argument("--fast-math", action="store_true", help="also softmax built with --fast-math")
    ap.add_argument("--dry-run", action="store_true", help="build and plan every launch; no GPU")
    a = ap.parse_args()
    assert a.reps >= 50, "the race takes the median of at least 50"
    os.chdir(ROOT)
    os.makedirs(a.work, exist_ok=True)
    W = a.work
    env = dict(os.environ)
    exe = a.vyrec
    if not exe:
        exe = os.path.join(a.dir, "bin/vyrec") if os.path.exists(os.path.join(a.dir, "bin/vyrec")) else "./vyrec"
    exe = os.path.abspath(exe)
    lib = os.path.dirname(exe)
    env["LD_LIBRARY_PATH"] = lib + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    vy = Vyrec(exe, W, env)
    rows_in = programs(a)
    if a.fast_math:
        rows_in.append(("softmax", "samples/softmax_rows.yaml", {"rows": a.sm, "vcols": a.sm // 4},
                        "%d x %d f32, --fast-math" % (a.sm, a.sm)))

    if a.dry_run:
        for name, yaml, params, size in rows_in:
            key = os.path.basename(yaml)[:-5]
            ptx, m = vy.build(yaml, key)
            ents = parse_entries(ptx)
            bm = sum(count(b["count"], params) * b["element_size"] * (2 if b["access"] == "read_write" else 1)
                     for b in m["buffers"])
            print("%s (%s, %s): %.1f MB moved" % (name, yaml, size, bm / 1e6))
            for ep, wg, disp in parts_of(m)(params):
                g, w = grid(wg, disp, params)
                print("  %s: grid %s x wg %s, args %s" % (ep, g, w, " ".join(ents[ep])))
            ptxas = shutil.which("ptxas") or ("/usr/local/cuda/bin/ptxas" if os.path.exists("/usr/local/cuda/bin/ptxas") else None)
            if ptxas:
                p = subprocess.run([ptxas, "-v", "-arch=sm_90", "%s/%s.ptx" % (W, key), "-o", "%s/%s.cubin" % (W, key)],
                                   capture_output=True, text=True)
                for l in p.stderr.splitlines():
                    if "Compiling entry" in l or "Used" in l or "spill" in l:
                        print("    " + l.strip())
            print("  .local in the PTX: %d" % ptx.count(".local"))
        return 0

    import numpy as np
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    cu = Cuda(torch)
    log("race_lib: %s, %d SMs" % (torch.cuda.get_device_name(0), cu.sms))
    rng = np.random.default_rng(1)
    rows = []
    cache = {}
    for name, yaml, params, size in rows_in:
        key = os.path.basename(yaml)[:-5] + ("_fast" if "fast-math" in size else "")
        row = {"kernel": name, "sample": yaml, "size": size}
        rows.append(row)
        try:
            ptx, m = vy.build(yaml, key, ["--fast-math"] if "fast-math" in size else [])
            row["bytes"] = sum(count(b["count"], params) * b["element_size"] *
                               (2 if b["access"] == "read_write" else 1) for b in m["buffers"])
            row["wg"] = [p[1] for p in parts_of(m)(params)]
            t0 = time.time()
            # one input set per kernel and size: the transposes (n, or nv = n / 4) share theirs
            ck = (name, 4 * params["nv"]) if "nv" in params else (name, tuple(sorted(params.items())))
            if ck not in cache:   # the transposes share their input and anchor
                cache.clear()
                torch.cuda.empty_cache()
                cache[ck] = make_inputs(torch, np, name, m, params, dev, rng)
            bufs, inputs, anchor, ref, extra, note = cache[ck]
            # the same bytes in this program's buffers (transpose.yaml and
            # transpose_fast.yaml name and size them alike)
            tens = {}
            for b in m["buffers"]:
                t = bufs.get(b["name"])
                base, lanes = elem(b["type"])
                need = count(b["count"], params) * lanes
                if t is None or t.numel() != need:
                    t = torch.zeros(need, dtype=getattr(torch, BASE[base]), device=dev)
                tens[b["name"]] = t
            row["note"] = note
            log("race_lib: %s %s: inputs in %.1f s" % (name, yaml, time.time() - t0))
            row["torch_ms"] = cuda_time(torch, anchor, a.reps)
            if "tt" in extra:
                row["torch_t_ms"] = cuda_time(torch, extra["tt"], a.reps)
            outs = [b["name"] for b in m["buffers"] if b["access"] != "read_only" and b["name"] in ref]
            want = {k: v.cpu().numpy() for k, v in ref.items()}
            # ptx
            try:
                prog = PtxProgram(cu, ptx, m, params, tens)
                row["ptx_info"] = prog.info
                row["ptx_ms"] = cuda_time(torch, prog, a.reps)
                for b in m["buffers"]:   # no output of an earlier contestant left to pass for this one's
                    if b["access"] != "read_only" and b["name"] not in inputs:
                        tens[b["name"]].zero_()
                if "restore" in extra:   # y in and out: the timed runs changed it
                    extra["restore"]()
                prog()
                torch.cuda.synchronize()
                got = {k: tens[k].cpu().numpy() for k in outs}
                res = [compare(np, name, got[k], want[k], extra) for k in outs]
                row["ptx_ok"] = all(r[0] for r in res)
                row["ptx_check"] = "; ".join(r[1] for r in res)
                row["ptx_out"] = {k: got[k].tobytes() for k in outs}
            except Exception as e:
                row["ptx_check"] = "error: %s" % str(e)[-300:]
                log("race_lib: ptx %s: %s" % (yaml, e))
            # spv: vyrec run --backend vulkan on .npy files of the same bytes
            if not a.no_spv:
                try:
                    if "restore" in extra:
                        extra["restore"]()
                    files = {}
                    for k in inputs:
                        bt = next(b["type"] for b in m["buffers"] if b["name"] == k)
                        files[k] = "%s/%s.%s.%s.npy" % (W, name, k, bt)   # (count, 4) for a vector type
                        if not extra.get("saved_" + files[k]):   # once per input set
                            save_npy(np, files[k], tens[k], bt)
                            extra["saved_" + files[k]] = True
                    args = [yaml, "--backend", "vulkan"]
                    args += sum([["--param", "%s=%s" % kv] for kv in params.items()], [])
                    args += sum([["--in", "%s=%s" % kv] for kv in files.items()], [])
                    args += sum([["--in", "%s=zeros" % z] for z in extra.get("zero", [])], [])
                    if "fast-math" in size:
                        args.append("--fast-math")
                    o = {k: "%s/%s.spv.%s.npy" % (W, key, k) for k in outs}
                    vy(["run"] + args + sum([["--out", "%s=%s" % kv] for kv in o.items()], []))
                    got = {k: np.load(o[k]) for k in outs}
                    res = [compare(np, name, got[k], want[k], extra) for k in outs]
                    row["spv_ok"] = all(r[0] for r in res)
                    row["spv_check"] = "; ".join(r[1] for r in res)
                    if row.get("ptx_out"):
                        same = all(got[k].tobytes() == row["ptx_out"][k] for k in outs)
                        row["spv_check"] += "; %s ptx" % ("bitwise equal to" if same else "differs from")
                    s = vy(["run"] + args + ["--bench", str(a.reps)])
                    mt = re.search(r"median ([0-9.]+) ms \(([^)]*)\)", s)
                    row["spv_ms"] = float(mt.group(1))
                    row["spv_timer"] = mt.group(2)
                except Exception as e:
                    row["spv_check"] = "error: %s" % str(e)[-300:]
                    log("race_lib: spv %s: %s" % (yaml, e))
            # the reference backend's total, bit for bit (reduce)
            if name == "reduce" and not a.no_exact and row.get("ptx_out"):
                try:
                    f = "%s/%s.x.f32x4.npy" % (W, name)
                    if not extra.get("saved_" + f):
                        save_npy(np, f, tens["x"], "f32x4")
                        extra["saved_" + f] = True
                    o = "%s/%s.ref.total.npy" % (W, key)
                    t1 = time.time()
                    vy(["run", yaml, "--backend", "reference", "--subgroup-size", "32", "--param", "n=%d" % params["n"],
                        "--in", "x=" + f, "--out", "total=" + o], timeout=1800)
                    r = np.load(o).tobytes()
                    row["exact"] = "reference (%.0f s): ptx %s, spv %s" % (
                        time.time() - t1, "bitwise equal" if r == row["ptx_out"]["total"] else "differs",
                        "bitwise equal" if os.path.exists("%s/%s.spv.total.npy" % (W, key)) and
                        np.load("%s/%s.spv.total.npy" % (W, key)).tobytes() == r else "differs or not run")
                except Exception as e:
                    row["exact"] = "reference: %s" % str(e)[-200:]
            # axpy_f16: the reference backend's y on the same inputs, bit for bit
            if name == "axpy_f16" and not a.no_exact and row.get("ptx_out"):
                try:
                    fx, fy = ("%s/%s.%s.f16x4.npy" % (W, name, k) for k in ("x", "y"))
                    if "restore" in extra:
                        extra["restore"]()
                    for k, f in (("x", fx), ("y", fy)):
                        if not extra.get("saved_" + f):
                            save_npy(np, f, tens[k], "f16x4")
                            extra["saved_" + f] = True
                    o = "%s/%s.ref.y.npy" % (W, key)
                    t1 = time.time()
                    vy(["run", yaml, "--backend", "reference", "--param", "n=%d" % params["n"],
                        "--param", "a=%s" % params["a"], "--in", "x=" + fx, "--in", "y=" + fy,
                        "--out", "y=" + o], timeout=1800)
                    r = np.load(o).tobytes()
                    sp = "%s/%s.spv.y.npy" % (W, key)
                    row["exact"] = "reference (%.0f s): ptx %s, spv %s" % (
                        time.time() - t1, "bitwise equal" if r == row["ptx_out"]["y"] else "differs",
                        "bitwise equal" if os.path.exists(sp) and np.load(sp).tobytes() == r else "differs or not run")
                except Exception as e:
                    row["exact"] = "reference: %s" % str(e)[-200:]
            if a.ncu:
                files = {k: "%s/%s.%s.%s.npy" % (W, name, k, next(b["type"] for b in m["buffers"] if b["name"] == k))
                         for k in inputs}
                row["ncu"], why = ncu_metrics(exe, env, yaml, params, {k: v for k, v in files.items() if os.path.exists(v)})
                if why:
                    row["ncu_note"] = why
        except Exception as e:
            row["error"] = str(e)[-300:]
            log("race_lib: %s %s: %s" % (name, yaml, e))
        row.pop("ptx_out", None)
        log("race_lib: %s" % json.dumps(row))

    def f(v, fmt="%.4f"):
        return fmt % v if isinstance(v, (int, float)) else "-"

    def rate(r, t):
        v = r.get(t + "_ms")
        if not v or "bytes" not in r:
            return "-"
        if r["kernel"] == "sgemm":
            M = a.mm
            return "%.0f GFLOP/s" % (2.0 * M ** 3 / (v * 1e6))
        return "%.0f GB/s" % (r["bytes"] / (v * 1e6))
    goal = {"reduce": 0.95, "softmax": 0.90, "histogram": 2.0, "transpose": 0.85, "sgemm": 0.70, "axpy_f16": 0.95}
    out = ["", "library samples (issue 14 Speed; ptx: PTX through the CUDA driver on torch's tensors, CUDA events; "
           "spv: vyrec run --backend vulkan --bench %d; medians of %d):" % (a.reps, a.reps),
           "| kernel | sample | size | torch ms | ptx ms | spv ms | ptx/torch (goal) | spv/ptx (goal 0.95) | torch | ptx | spv "
           "| regs | occupancy | ptx check | spv check |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        pt = r["torch_ms"] / r["ptx_ms"] if r.get("ptx_ms") and r.get("torch_ms") else None
        sp = r["ptx_ms"] / r["spv_ms"] if r.get("ptx_ms") and r.get("spv_ms") else None
        info = r.get("ptx_info") or []
        regs = "/".join("%d%s" % (i["regs"], "+%dB local" % i["local_bytes"] if i["local_bytes"] else "") for i in info) or "-"
        occ = "/".join("%.0f%%" % (100 * i["occupancy"]) for i in info) or "-"
        if r.get("ncu"):
            occ += " (ncu: %s)" % "/".join(
                "%s%%" % v.get("sm__warps_active.avg.pct_of_peak_sustained_active", "?") for v in r["ncu"].values())
        out.append("| %s | %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["kernel"], r["sample"].replace("samples/", "").replace("bench/gpu/programs/", "programs/"), r["size"],
            f(r.get("torch_ms")), f(r.get("ptx_ms")), f(r.get("spv_ms")), f(pt, "%.3f"), goal.get(r["kernel"], "-"),
            f(sp, "%.3f"), rate(r, "torch"), rate(r, "ptx"), rate(r, "spv"), regs, occ,
            r.get("ptx_check", r.get("error", "-")), r.get("spv_check", "-")))
    out.append("")
    for r in rows:
        if r.get("torch_t_ms"):
            out.append("torch's own transpose B.copy_(A.t()): %.4f ms (%.3f of the copy)" % (r["torch_t_ms"], r["torch_ms"] / r["torch_t_ms"]))
            break
    for r in rows:
        if r.get("exact"):
            out.append("%s, exact: %s" % (r["kernel"], r["exact"]))
        if r.get("note"):
            out.append("%s %s: %s" % (r["kernel"], r["sample"], r["note"]))
        for i in r.get("ptx_info") or []:
            out.append("  %s: grid %s, wg %s, %d regs, %d B local, %d blocks/SM, theoretical occupancy %.0f%%" % (
                i["entry"], "x".join(map(str, i["grid"])), "x".join(map(str, i["wg"])), i["regs"], i["local_bytes"],
                i["blocks_per_sm"], 100 * i["occupancy"]))
        if r.get("ncu"):
            out.append("  ncu: %s" % json.dumps(r["ncu"]))
        elif r.get("ncu_note"):
            out.append("  ncu: %s" % r["ncu_note"])
    timers = sorted({r.get("spv_timer") for r in rows if r.get("spv_timer")})
    out.append("spv timers: %s" % ("; ".join(timers) or "-"))
    print("\n".join(out))
    with open(W + "/race_lib.json", "w") as fh:
        json.dump(rows, fh, indent=1, default=str)
    return 0 if all(r.get("ptx_ok") and (a.no_spv or r.get("spv_ok")) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
