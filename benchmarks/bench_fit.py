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
diagnostics) is timed in the same repeats. Wall-clock and CPU (this thread's) medians are both
printed: on a loaded machine the CPU ratio is the steadier one.

Goal (issue 9): mgk within 1.5× of lmfit (wall clock; the exit status says whether it is met).
Run: ``python benchmarks/bench_fit.py``.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

REPEATS = 300


def interleaved_medians(funcs, repeats: int = REPEATS) -> tuple[list[float], list[float]]:
    """Median wall-clock and median CPU seconds of each function, timed in turn within every
    repeat (so a busy machine slows them alike), after a warm-up. CPU time (this thread's) leaves
    out the time the process waits for a core, so its ratio is the steadier one on a loaded machine."""
    for _ in range(20):  # warm-up: imports, caches
        for func in funcs:
            func()
    wall: list[list[float]] = [[] for _ in funcs]
    cpu: list[list[float]] = [[] for _ in funcs]
    for _ in range(repeats):
        for func, w, c in zip(funcs, wall, cpu, strict=True):
            start, start_cpu = time.perf_counter(), time.thread_time()
            func()
            c.append(time.thread_time() - start_cpu)
            w.append(time.perf_counter() - start)
    return [statistics.median(t) for t in wall], [statistics.median(t) for t in cpu]


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

    (t_mgk, t_lmfit, t_table), (c_mgk, c_lmfit, c_table) = interleaved_medians(
        [
            lambda: fit_problem(problem, diagnostics=False),
            lambda: model.fit(v, params, substrate=s),
            lambda: mgk.fit(table, "michaelis_menten"),
        ]
    )
    ratio = t_mgk / t_lmfit
    print(f"{'median of ' + str(REPEATS):22s} {'wall':>8s}          {'CPU':>8s}")
    print(f"lmfit.Model.fit        {1e3 * t_lmfit:8.2f} ms       {1e3 * c_lmfit:8.2f} ms")
    print(
        f"mgk fit_problem        {1e3 * t_mgk:8.2f} ms x{ratio:.2f}  {1e3 * c_mgk:8.2f} ms "
        f"x{c_mgk / c_lmfit:.2f}   (goal <= 1.5)"
    )
    print(
        f"mgk.fit(table)         {1e3 * t_table:8.2f} ms x{t_table / t_lmfit:.2f}  {1e3 * c_table:8.2f} ms "
        f"x{c_table / c_lmfit:.2f}   (table validation + residual diagnostics included)"
    )
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
