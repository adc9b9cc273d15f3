"""Speed of one warm single fit: ``mgkinetics.fitting.single.fit_problem`` against ``lmfit.Model.fit``.

The same 10-point Michaelis–Menten data set (seeded 3 % noise) is fitted

* **mgk**: the library's fit of a prepared problem (:func:`mgkinetics.fitting.single.fit_problem`
  with ``diagnostics=False``: starts from the law's rule, lmfit ``least_squares`` with the
  accurate Jacobian, covariance, warnings, status; the residual diagnostics are a separate,
  optional step), and
* **lmfit**: a plain ``lmfit.Model(michaelis_menten).fit`` from the same starting values, with
  lmfit's defaults (Levenberg–Marquardt, forward differences),

each the median of many repeats after warm-up, timed in turn within each repeat, in one run.
``mgk.fit`` of a table (which also validates the table, resolves columns and runs the residual
diagnostics) is printed too.

Goal (issue 9): mgk within 1.5× of lmfit. Run: ``python benchmarks/bench_fit.py``.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

REPEATS = 300


def interleaved_medians(funcs, repeats: int = REPEATS) -> list[float]:
    """Median seconds of each function, timed in turn within every repeat (so a busy machine
    slows them alike), after a warm-up."""
    for _ in range(20):  # warm-up: imports, caches
        for func in funcs:
            func()
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(repeats):
        for func, store in zip(funcs, times, strict=True):
            start = time.perf_counter()
            func()
            store.append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def main() -> int:
    import lmfit

    import mgkinetics as mgk
    from mgkinetics.fitting.problem import build_problems
    from mgkinetics.fitting.single import fit_problem
    from mgkinetics.laws import ratelaws

    s = np.array([0.25, 0.5, 1, 2, 3, 5, 8, 12, 20, 40.0])
    rng = np.random.default_rng(7)
    v = 10 * s / (2.5 + s) * (1 + 0.03 * rng.standard_normal(s.size))
    table = {"s_mM": s, "rate_uM_per_s": v}
    (problem,), _, _ = build_problems(table, "michaelis_menten")
    ours = fit_problem(problem, diagnostics=False)
    start = problem.law.guess(problem.inputs, problem.rate)

    model = lmfit.Model(ratelaws.michaelis_menten, independent_vars=["substrate"])
    params = model.make_params(vmax=dict(value=start["vmax"], min=0), km=dict(value=start["km"], min=0))
    theirs = model.fit(v, params, substrate=s)
    for name in ("vmax", "km"):
        rel = abs(ours.parameters[name].value / theirs.params[name].value - 1)
        print(
            f"{name}: mgk {ours.parameters[name].value:.10g} ± {ours.parameters[name].stderr:.6g}, "
            f"lmfit {theirs.params[name].value:.10g} ± {theirs.params[name].stderr:.6g} (rel. diff {rel:.1e})"
        )

    t_mgk, t_lmfit = interleaved_medians(
        [lambda: fit_problem(problem, diagnostics=False), lambda: model.fit(v, params, substrate=s)]
    )
    (t_table,) = interleaved_medians([lambda: mgk.fit(table, "michaelis_menten")], repeats=REPEATS // 3)
    ratio = t_mgk / t_lmfit
    print(f"lmfit.Model.fit        {1e3 * t_lmfit:8.2f} ms")
    print(f"mgk fit_problem        {1e3 * t_mgk:8.2f} ms   ratio {ratio:.2f} (goal <= 1.5)")
    print(f"mgk.fit(table)         {1e3 * t_table:8.2f} ms   (table validation + diagnostics included)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
