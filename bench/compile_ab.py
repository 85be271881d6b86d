#!/usr/bin/env python3
"""bench/compile_ab.py: the compile time of every sample, one vyrec against
another (issue #18: "compile time of every sample unchanged within 10 %").

    python3 bench/compile_ab.py OLD_VYREC NEW_VYREC [RUNS]

For each samples/*.yaml and each target (spv, ptx, glsl) it runs
`vyrec build SAMPLE -t T -o /dev/null` RUNS times (default 15) with each
binary, interleaved old/new so that drift in the machine's load hits both
alike, and takes the median CPU time (user + system of the child, from
wait4's rusage).  Prints one row per sample and target, new/old, and the
largest ratio; exits 1 when a build fails.  Run it on a quiet machine:
CPU time moves far less than wall time, but not nothing."""
import glob
import os
import statistics
import sys


def cpu(argv):
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(argv[0], argv)
    _, status, ru = os.wait4(pid, 0)
    if status != 0:
        raise RuntimeError("failed: " + " ".join(argv))
    return ru.ru_utime + ru.ru_stime


def main():
    old, new = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.chdir(root)
    print("| sample | target | old ms (CPU) | new ms (CPU) | new/old |")
    print("|---|---|---|---|---|")
    worst, ratios = 0.0, []
    for s in sorted(glob.glob("samples/*.yaml")):
        for t in ("spv", "ptx", "glsl"):
            out = "/tmp/compile_ab.out" if t != "glsl" else "/tmp/compile_ab_glsl"
            argv = lambda v: [v, "build", s, "-t", t, "-o", out]
            try:
                cpu(argv(old))
            except RuntimeError:
                continue   # a sample the old vyrec does not build
            a, b = [], []
            for _ in range(runs):
                a.append(cpu(argv(old)))
                b.append(cpu(argv(new)))
            ma, mb = statistics.median(a) * 1e3, statistics.median(b) * 1e3
            r = mb / ma if ma > 0 else 1.0
            ratios.append(r)
            worst = max(worst, r)
            print("| %s | %s | %.2f | %.2f | %.3f |" % (os.path.basename(s), t, ma, mb, r))
    print("\n%d builds; new/old CPU time: median %.3f, largest %.3f" %
          (len(ratios), statistics.median(ratios), worst))


if __name__ == "__main__":
    main()
