"""Benchmark the batched engine (`mgk.fit_many`) against per-curve loops of lmfit and curve_fit.

Run:  python benchmarks/bench_batch.py [--curves 10000] [--subset 500] [--memory-curves 100000]

Timing is fair to the baselines: every side is timed three times after a warm-up call, and the
median is reported (the ratios divide medians; the conservative ratio divides the baseline's best
run by our median). The loops run on the first ``--subset`` (at least 500) curves of the same
table and are extrapolated per curve.

Prints one table: throughput (curves per second) and ratios, agreement with the lmfit path
(`fitting.fit_problem`) on a subset, peak memory of a 100,000-curve batch (measured in a
subprocess: ru_maxrss of the whole process, and tracemalloc's peak of numpy/Python allocations
during the fit), and the time of a 1,000-resample bootstrap of one curve.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np


def make_curves(n_curves: int, seed: int = 20240601):
    """Long-format Michaelis–Menten curves, 8–12 points each, 5 % proportional noise."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    npts = rng.integers(8, 13, n_curves)
    cid = np.repeat(np.arange(n_curves), npts)
    km = rng.uniform(0.5, 5.0, n_curves)
    vmax = rng.uniform(1.0, 100.0, n_curves)
    # substrate spread around each curve's KM (0.2 KM .. 10 KM, log spaced with jitter)
    frac = np.concatenate([np.linspace(0, 1, k) for k in npts])
    s = km[cid] * np.exp(np.log(0.2) + frac * np.log(50)) * rng.uniform(0.9, 1.1, cid.size)
    v = vmax[cid] * s / (km[cid] + s) * (1 + 0.05 * rng.standard_normal(cid.size))
    return pd.DataFrame({"curve": np.char.add("c", cid.astype(str)), "s_mM": s, "rate_uM_per_s": v})


def split(frame):
    s = frame["s_mM"].to_numpy()
    v = frame["rate_uM_per_s"].to_numpy()
    ids = frame["curve"].to_numpy()
    edges = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    return list(zip(np.split(s, edges), np.split(v, edges), strict=False))


def mm(s, vmax, km):
    return vmax * s / (km + s)


def repeat(fn, n: int = 3) -> list[float]:
    """Wall times of ``n`` calls of ``fn`` (after the caller's warm-up)."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return times


def with_starts(curves):
    """(s, v, (vmax0, km0)) per curve: the same Hanes–Woolf starts fit_many uses, computed
    before the baselines' timers start, so the loops time fitting only (the strongest baseline;
    our timing includes reading the table, starting values, SEs and statistics)."""
    from mgkinetics.laws.guesses import hyperbola

    return [(s, v, hyperbola(s, v)) for s, v in curves]


def lmfit_loop(curves):
    import lmfit

    model = lmfit.Model(mm)
    for s, v, (vmax0, km0) in curves:
        params = model.make_params(vmax=dict(value=vmax0, min=0), km=dict(value=km0, min=0))
        model.fit(v, params, s=s)


def curve_fit_loop(curves):
    from scipy.optimize import curve_fit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s, v, p0 in curves:
            curve_fit(mm, s, v, p0=p0)


def time_loop(loop, curves, n: int = 3) -> tuple[float, float]:
    """(median, best) seconds per curve of ``loop`` over ``curves``, after a short warm-up."""
    loop(curves[:20])
    times = repeat(lambda: loop(curves), n)
    return float(np.median(times)) / len(curves), min(times) / len(curves)


def agreement(frame, result, n_check: int):
    """Max relative difference of values and SEs vs fitting.fit_problem on the first curves."""
    from mgkinetics.fitting import problem
    from mgkinetics.fitting import single as fitting

    labels = list(dict.fromkeys(frame["curve"]))[:n_check]
    sub = frame[frame["curve"].isin(labels)]
    problems, _, _ = problem.build_problems(sub, "michaelis_menten", group="curve")
    pos = {c: i for i, c in enumerate(result.curves)}
    dv = dse = 0.0
    skipped = 0
    for p in problems:
        ref = fitting.fit_problem(p)
        i = pos[p.group["curve"]]
        if ref.warnings or result.warnings[i]:
            skipped += 1
            continue
        for j, name in enumerate(("vmax", "km")):
            e = ref.parameters[name]
            dv = max(dv, abs(result.values[i, j] / e.value - 1))
            dse = max(dse, abs(result.stderr[i, j] / e.stderr - 1))
    return len(problems) - skipped, skipped, dv, dse


MEMORY_SCRIPT = """
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {here!r})
from bench_batch import make_curves
import mgkinetics as mgk
frame = make_curves({n})
mgk.fit_many(frame.iloc[:2000], "michaelis_menten", curve="curve")  # warm-up: lazy imports
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
t = time.perf_counter()
res = mgk.fit_many(frame, "michaelis_menten", curve="curve")
dt = time.perf_counter() - t
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
print(json.dumps(dict(seconds=dt, ok=int(res.success.sum()), traced_peak=peak,
                      maxrss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, before_kb=base)))
"""


def memory(n_curves: int):
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT.format(here=here, n=n_curves)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def memory_time(n_curves: int):
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    script = (
        MEMORY_SCRIPT.replace("tracemalloc.start()", "")
        .replace("_, peak = tracemalloc.get_traced_memory()", "peak = 0")
        .replace("tracemalloc.stop()", "")
    )
    out = subprocess.run(
        [sys.executable, "-c", script.format(here=here, n=n_curves)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bootstrap_time(frame):
    from mgkinetics.batch import many as batch
    from mgkinetics.fitting import problem

    sub = frame[frame["curve"] == frame["curve"].iloc[0]]
    (p,), _, _ = problem.build_problems(sub, "michaelis_menten")
    res = batch.fit_many(sub, "michaelis_menten", curve="curve")
    best = dict(zip(("vmax", "km"), res.values[0], strict=False))
    out = {}
    for kind in ("case", "residual"):
        batch.bootstrap_fits(p, best, n=1000, seed=1, kind=kind)  # warm
        t = time.perf_counter()
        samples = batch.bootstrap_fits(p, best, n=1000, seed=1, kind=kind)
        out[kind] = (time.perf_counter() - t, int(np.isfinite(samples[:, 0]).sum()))
    return out


def dask_time(frame, result):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return None
    import mgkinetics as mgk

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        mgk.fit_many(frame.iloc[:2000], "michaelis_menten", curve="curve", engine="dask", scheduler=client)
        t = time.perf_counter()
        res = mgk.fit_many(
            frame, "michaelis_menten", curve="curve", engine="dask", scheduler=client, chunk_size=2500
        )
        dt = time.perf_counter() - t
    same = np.array_equal(res.values, result.values, equal_nan=True) and np.array_equal(
        res.stderr, result.stderr, equal_nan=True
    )
    return dt, same


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=10_000)
    ap.add_argument("--subset", type=int, default=500)
    ap.add_argument("--check", type=int, default=300)
    ap.add_argument("--memory-curves", type=int, default=100_000)
    ap.add_argument("--no-dask", action="store_true")
    args = ap.parse_args(argv)

    import os

    import mgkinetics as mgk

    subset = max(args.subset, 500)
    load_before = os.getloadavg()
    frame = make_curves(args.curves)
    t = time.perf_counter()
    result = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    first = time.perf_counter() - t
    runs = []

    def ours_once():
        runs.append(mgk.fit_many(frame, "michaelis_menten", curve="curve"))

    times = repeat(ours_once)
    result = runs[-1]
    ours = float(np.median(times)) / args.curves
    ours_best = min(times) / args.curves
    curves = with_starts(split(frame)[:subset])
    lm, lm_best = time_loop(lmfit_loop, curves)
    cf, cf_best = time_loop(curve_fit_loop, curves)
    n_ok, n_skip, dv, dse = agreement(frame, result, args.check)
    mem = memory(args.memory_curves)
    memt = memory_time(args.memory_curves)
    boot = bootstrap_time(frame)
    dsk = None if args.no_dask else dask_time(frame, result)

    rows = [
        ("curves fitted (MM, 8-12 points)", f"{args.curves:,}", f"{int(result.success.sum()):,} succeeded"),
        (
            "fit_many, numpy engine (median of 3)",
            f"{ours * args.curves:.3f} s",
            f"{1 / ours:,.0f} curves/s; best {ours_best * args.curves:.3f} s "
            f"(first call incl. imports {first:.2f} s)",
        ),
        (
            f"lmfit Model.fit loop ({subset} curves, median of 3)",
            f"{lm * args.curves:.1f} s (extrap.)",
            f"{1 / lm:,.0f} curves/s; ours is {lm / ours:,.0f}x faster "
            f"(best run {lm_best * args.curves:.1f} s: {lm_best / ours:,.0f}x)",
        ),
        (
            f"scipy curve_fit loop ({subset} curves, median of 3)",
            f"{cf * args.curves:.2f} s (extrap.)",
            f"{1 / cf:,.0f} curves/s; ours is {cf / ours:,.1f}x faster "
            f"(best run {cf_best * args.curves:.2f} s: {cf_best / ours:,.1f}x)",
        ),
        (
            f"agreement vs fit_problem ({n_ok} curves)",
            f"values {dv:.1e}",
            f"SEs {dse:.1e} max rel. diff ({n_skip} flagged curves skipped)",
        ),
        (
            f"{args.memory_curves:,} curves: time",
            f"{memt['seconds']:.2f} s",
            f"{memt['ok']:,} succeeded (DataFrame in, BatchResult out; after a warm-up call)",
        ),
        (
            f"{args.memory_curves:,} curves: peak memory",
            f"{memt['maxrss_kb'] / 1024:.0f} MB maxrss",
            f"{mem['traced_peak'] / 2**20:.0f} MB tracemalloc peak during fit_many; "
            f"{memt['before_kb'] / 1024:.0f} MB before the fit",
        ),
        (
            "bootstrap 1,000 resamples (case)",
            f"{boot['case'][0] * 1000:.0f} ms",
            f"{boot['case'][1]} converged",
        ),
        (
            "bootstrap 1,000 resamples (residual)",
            f"{boot['residual'][0] * 1000:.0f} ms",
            f"{boot['residual'][1]} converged",
        ),
    ]
    if dsk is not None:
        rows.append(
            ("dask engine, 2-worker LocalCluster", f"{dsk[0]:.3f} s", f"identical to numpy engine: {dsk[1]}")
        )
    load_after = os.getloadavg()
    rows.append(
        (
            "machine load (1/5/15-min average)",
            f"{os.cpu_count()} CPUs",
            "before "
            + "/".join(f"{x:.2f}" for x in load_before)
            + ", after "
            + "/".join(f"{x:.2f}" for x in load_after),
        )
    )
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w0}}  {'value':<{w1}}  notes")
    print("-" * (w0 + w1 + 60))
    for a, b, c in rows:
        print(f"{a:<{w0}}  {b:<{w1}}  {c}")


if __name__ == "__main__":
    main()
