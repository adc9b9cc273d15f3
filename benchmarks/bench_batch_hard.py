"""fit_many on HARD curves against a per-curve ``scipy.optimize.curve_fit`` loop, in one seeded run.

Run:  python benchmarks/bench_batch_hard.py [--curves 2000] [--check 40] [--dask-curves 20000]

Data (benchmarks/hard_curves.py): 8–12 points per curve, 5–15 % proportional noise, a quarter of
the curves with KM (K½) 3–30× above the highest substrate, one curve in eight with an outlier, for
Michaelis–Menten, substrate inhibition (Ksi 0.1–3× the highest S), Hill (n 0.6–3) and competitive
inhibition (three inhibitor levels).

For each law it prints:
* time of ``mgk.fit_many`` (median of 3 after a warm-up; it includes reading the table, starts,
  SEs, statistics and statuses) and of the ``curve_fit`` loop (Levenberg–Marquardt from the law's
  own starting rule computed before the timer starts: the loop times fitting only), measured in
  ``--repeats`` interleaved rounds (fit_many, then the loop) so that load on a shared machine hits
  both sides of a ratio alike; the median ratio over the rounds and its range, by wall clock and
  by CPU (process) time, which a busy machine disturbs less;
* the statuses of fit_many, and how many curves fit_many reports as success with an RSS worse
  than the loop's best *feasible* fit (inside the law's bounds, from either the unbounded LM loop
  or a bounded TRF loop), relative tolerance 1e-6;
* on the first ``--check`` curves, the largest relative difference between fit_many and
  ``mgk.fit`` over parameters of curves where both report success;
* the dask engine (2-worker LocalCluster, scattered data, the same chunks as in-process) against
  numpy on ``--dask-curves`` Hill curves, and whether the results are bit-identical.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hard_curves import LAWS, make_hard  # noqa: E402


def _split(frame, law):
    ids = frame["curve"].to_numpy()
    edges = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    cols = ["s_mM"] + [name for name in ("i_mM",) if "inhibitor" in law.input_names]
    xs = [np.split(frame[c].to_numpy(), edges) for c in cols]
    v = np.split(frame["rate_uM_per_s"].to_numpy(), edges)
    return [(np.vstack(parts) if len(parts) > 1 else parts[0], y) for *parts, y in zip(*xs, v, strict=True)]


def _model(law):
    if "inhibitor" in law.input_names:
        return lambda x, *p: law.func(x[0], x[1], *p)
    return lambda x, *p: law.func(x, *p)


def _starts(law, curves):
    names = law.input_names
    out = []
    for x, v in curves:
        ins = {names[0]: x} if x.ndim == 1 else {names[0]: x[0], names[1]: x[1]}
        g = law.guess(ins, v)
        out.append([g[p] for p in law.param_names])
    return out


def curve_fit_loop(law, curves, p0s, bounded: bool, clock=time.perf_counter):
    """Per-curve fits; returns (seconds by ``clock``, parameter list with None for failures)."""
    from scipy.optimize import curve_fit

    f = _model(law)
    lo = [p.min for p in law.params]
    hi = [p.max for p in law.params]
    out = []
    t = clock()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (x, v), p0 in zip(curves, p0s, strict=True):
            try:
                if bounded:
                    p0c = np.clip(p0, np.nextafter(lo, np.inf), np.nextafter(hi, -np.inf))
                    p, _ = curve_fit(f, x, v, p0=p0c, bounds=(lo, hi), method="trf")
                else:
                    p, _ = curve_fit(f, x, v, p0=p0)
                out.append(p)
            except (RuntimeError, ValueError):
                out.append(None)
    return clock() - t, out


def best_feasible_rss(law, curves, *fits):
    f = _model(law)
    lo = np.array([p.min for p in law.params])
    hi = np.array([p.max for p in law.params])
    best = np.full(len(curves), np.inf)
    for results in fits:
        for i, ((x, v), p) in enumerate(zip(curves, results, strict=True)):
            if p is None or not np.all(np.isfinite(p)) or np.any(p < lo) or np.any(p > hi):
                continue
            with np.errstate(all="ignore"):
                rss = float(np.sum((v - f(x, *p)) ** 2))
            if np.isfinite(rss):
                best[i] = min(best[i], rss)
    return best


def time_fit_many(frame, law_name, kw, n=3):
    """Median wall-clock and CPU seconds of ``n`` calls after a warm-up, and the last result."""
    import mgkinetics as mgk

    mgk.fit_many(frame.iloc[:500], law_name, curve="curve", **kw)  # warm-up
    wall, cpu, res = [], [], None
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        res = mgk.fit_many(frame, law_name, curve="curve", **kw)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return float(np.median(wall)), float(np.median(cpu)), res


def interleaved_ratios(frame, law, law_name, kw, curves, p0s, repeats):
    """``repeats`` rounds of (fit_many: median of 3, then the LM loop once), so load on a shared
    machine hits both sides of each ratio alike; wall-clock and CPU (process) time per round.
    Returns per-round ratios (wall, CPU), the medians' times, fit_many's result and the loop's fits."""
    rounds = []
    for _ in range(repeats):
        t_many, cpu_many, res = time_fit_many(frame, law_name, kw)
        c1 = time.process_time()
        t_loop, lm_fits = curve_fit_loop(law, curves, p0s, bounded=False)
        cpu_loop = time.process_time() - c1
        rounds.append((t_many, t_loop, cpu_many, cpu_loop))
    r = np.array(rounds)
    return r[:, 1] / r[:, 0], r[:, 3] / r[:, 2], np.median(r, axis=0), res, lm_fits


def agreement_with_fit(frame, law_name, kw, res, n_check):
    """(curves compared, largest relative difference of the parameters, and of the RSS) vs mgk.fit.

    Parameters are compared on curves where both succeed and the data determine every parameter
    (relative SE below 100 %); the RSS on every curve where both succeed."""
    import mgkinetics as mgk

    worst, worst_rss, compared = 0.0, 0.0, 0
    for i, label in enumerate(res.curves[:n_check]):
        one = frame[frame["curve"] == label].drop(columns="curve")
        ref = mgk.fit(one, law_name, **kw)
        if not (ref.success and res.success[i]):
            continue
        est = [ref.parameters[p] for p in res.names[: len(ref.parameters)]]
        worst_rss = max(worst_rss, abs(res.rss[i] / ref.statistics.rss - 1))
        if not all(np.isfinite(e.stderr) and e.stderr < abs(e.value) for e in est):
            continue  # not determined by the data (flat valley): compared by RSS only
        compared += 1
        for j, e in enumerate(est):
            worst = max(worst, abs(res.values[i, j] / e.value - 1))
    return compared, worst, worst_rss


def one_law(law_name, n_curves, n_check, repeats=3):
    from mgkinetics.laws.registry import get_law

    law = get_law(law_name)
    frame = make_hard(law_name, n_curves)
    kw = {"inhibitor": "i_mM"} if "inhibitor" in law.input_names else {}
    curves = _split(frame, law)
    p0s = _starts(law, curves)
    wall, cpu, med, res, lm_fits = interleaved_ratios(frame, law, law_name, kw, curves, p0s, repeats)
    t_many, t_loop = med[0], med[1]
    _, trf_fits = curve_fit_loop(law, curves, p0s, bounded=True)
    best = best_feasible_rss(law, curves, lm_fits, trf_fits)
    worse = res.success & (res.rss > best * (1 + 1e-6) + 1e-300)
    compared, worst, worst_rss = agreement_with_fit(frame, law_name, kw, res, n_check)
    return dict(
        law=law_name,
        curves=n_curves,
        t_many=t_many,
        t_loop=t_loop,
        ratio=float(np.median(wall)),
        spread=(float(wall.min()), float(wall.max())),
        cpu_ratio=float(np.median(cpu)),
        cpu_spread=(float(cpu.min()), float(cpu.max())),
        statuses=dict(Counter(res.status)),
        worse=int(worse.sum()),
        loop_ok=sum(p is not None for p in lm_fits),
        compared=compared,
        max_rel_diff=worst,
        max_rel_rss=worst_rss,
    )


def dask_speedup(n_curves, n_workers=2):
    """numpy engine vs dask on a LocalCluster, both with chunk_size = curves / (2 × workers): the same
    chunks, so the results must be bit-identical; the cluster is started before the timer."""
    import mgkinetics as mgk

    try:
        from dask.distributed import LocalCluster
    except ImportError:
        return None
    frame = make_hard("hill", n_curves, seed=7)
    chunk = -(-n_curves // (2 * n_workers))
    t_np, _, ref = time_fit_many(frame, "hill", {"chunk_size": chunk}, n=1)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, dashboard_address=None) as cluster:
        addr = cluster.scheduler_address
        mgk.fit_many(frame.iloc[:2000], "hill", curve="curve", engine="dask", scheduler=addr)  # warm-up
        t = time.perf_counter()
        res = mgk.fit_many(frame, "hill", curve="curve", engine="dask", scheduler=addr, chunk_size=chunk)
        t_dask = time.perf_counter() - t
    same = all(
        np.array_equal(getattr(res, a), getattr(ref, a), equal_nan=True) for a in ("values", "stderr", "rss")
    )
    return dict(
        curves=n_curves, t_numpy=t_np, t_dask=t_dask, speedup=t_np / t_dask, identical=same, chunk=chunk
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=2000)
    ap.add_argument("--check", type=int, default=40)
    ap.add_argument("--dask-curves", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds of fit_many and the loop")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()
    print(
        f"{'law':22s} {'curves':>6s} {'fit_many s':>10s} {'loop s':>8s} {'ratio (min-max)':>17s} "
        f"{'CPU ratio (min-max)':>19s} {'worse':>5s} {'vs fit: values (n)':>19s} {'rss':>7s}  statuses"
    )
    for name in LAWS:
        r = one_law(name, args.curves, args.check, max(args.repeats, 1))
        lo, hi = r["spread"]
        clo, chi = r["cpu_spread"]
        print(
            f"{r['law']:22s} {r['curves']:6d} {r['t_many']:10.3f} {r['t_loop']:8.2f} "
            f"{r['ratio']:5.1f} ({lo:4.1f}-{hi:4.1f}) {r['cpu_ratio']:7.1f} ({clo:4.1f}-{chi:4.1f}) "
            f"{r['worse']:5d} {r['max_rel_diff']:14.1e} ({r['compared']:2d}) {r['max_rel_rss']:7.0e}  "
            f"{r['statuses']}",
            flush=True,
        )
    load = "/".join(f"{x:.2f}" for x in load_before), "/".join(f"{x:.2f}" for x in os.getloadavg())
    cpus = os.cpu_count()
    print(f"machine load (1/5/15-min average, {cpus} CPUs): before {load[0]}, after {load[1]}", flush=True)
    if args.dask_curves:
        d = dask_speedup(args.dask_curves)
        if d is None:
            print("dask: not installed")
        else:
            print(
                f"dask (2 workers) on {d['curves']} hill curves, chunks of {d['chunk']}: numpy "
                f"{d['t_numpy']:.2f} s, dask {d['t_dask']:.2f} s, speed-up {d['speedup']:.2f}x, "
                f"bit-identical values, SEs and RSS: {d['identical']}"
            )


if __name__ == "__main__":
    main()
