"""Speciate 10^6 rows of Mg + ATP + ADP + AMP and compare with a scalar brentq row loop.

Run: ``python benchmarks/bench_speciation.py [n_rows]``.  Prints the vectorised time, rows/s,
the per-row time of a ``scipy.optimize.brentq`` loop on a 1000-row subset (the baseline,
extrapolated to all rows) and their ratio, and checks that both agree.  Goal: < 1 s for
10^6 rows on a 2-core machine.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.optimize import brentq

from mgkinetics.speciation.species import apparent_kd, speciate


def main(n: int = 1_000_000, n_base: int = 1000, seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    totals = {
        "Mg": rng.uniform(0.0, 10.0, n),
        "ATP": rng.uniform(0.0, 5.0, n),
        "ADP": rng.uniform(0.0, 2.0, n),
        "AMP": rng.uniform(0.0, 2.0, n),
    }
    speciate({k: v[:1000] for k, v in totals.items()})  # warm up imports and caches
    t0 = time.perf_counter()
    res = speciate(totals)
    t_vec = time.perf_counter() - t0

    kds = [apparent_kd(c) for c in ("MgATP", "MgADP", "MgAMP")]
    lig = [totals[k] for k in ("ATP", "ADP", "AMP")]
    free = np.empty(n_base)
    t0 = time.perf_counter()
    for i in range(n_base):
        mt = totals["Mg"][i]
        ls = [x[i] for x in lig]

        def f(m, mt=mt, ls=ls):
            return m + sum(lt * m / (m + k) for lt, k in zip(ls, kds, strict=True)) - mt

        free[i] = brentq(f, 0.0, mt, xtol=1e-15, rtol=1e-13) if mt > 0 else 0.0
    t_row = (time.perf_counter() - t0) / n_base
    err = np.max(np.abs(free - res.free["Mg"][:n_base]) / np.maximum(totals["Mg"][:n_base], 1e-300))
    out = {
        "rows": n,
        "seconds": t_vec,
        "rows_per_s": n / t_vec,
        "baseline_seconds_extrapolated": t_row * n,
        "speedup": t_row * n / t_vec,
        "max_rel_diff_vs_brentq": err,
    }
    print(f"vectorised speciate: {n:,} rows (Mg + ATP, ADP, AMP) in {t_vec:.3f} s = {n / t_vec:,.0f} rows/s")
    print(
        f"baseline brentq row loop: {t_row * 1e6:.1f} µs/row -> {t_row * n:.1f} s for "
        f"{n:,} rows (extrapolated from {n_base})"
    )
    print(f"speed-up vs baseline: {t_row * n / t_vec:,.0f}x; max |Δ free Mg| / Mg_T vs brentq: {err:.1e}")
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
