"""Bootstrap on the batched engine: one curve's resamples refitted in one batched solve.

:func:`bootstrap_fits` refits case or residual resamples of a
:class:`~mgkinetics.fitting.problem.FitProblem` (used by :mod:`mgkinetics.stats.intervals` and
:mod:`mgkinetics.stats.compare`); :func:`bootstrap_curve` fits one curve with the batched engine and
returns percentile intervals as a :class:`BootstrapResult`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mgkinetics.batch import engine as _eng
from mgkinetics.batch.guesses import vector_guess as _vector_guess
from mgkinetics.batch.result import _frozen
from mgkinetics.batch.starts import _loop_guess, _setup, _starts
from mgkinetics.errors import FitError
from mgkinetics.fitting.options import DataOptions, check_options, table_options
from mgkinetics.fitting.problem import FitProblem
from mgkinetics.fitting.starts import parameter_units
from mgkinetics.fitting.starts import value_in as _value_in
from mgkinetics.laws.registry import RateLaw, get_law
from mgkinetics.readonly import readonly

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["BootstrapResult", "bootstrap_curve", "bootstrap_fits"]


def bootstrap_fits(
    problem: FitProblem,
    best_values: Mapping[str, float],
    *,
    n: int = 1000,
    seed: int | None = None,
    kind: str = "case",
    fix: Mapping[str, float | str] | None = None,
    vary: Sequence[str] | None = None,
) -> np.ndarray:
    """Refit ``n`` bootstrap resamples of one curve in one batched solve.

    Parameters
    ----------
    problem : FitProblem
        The curve (from :func:`mgkinetics.fitting.problem.build_problems`).
    best_values : mapping
        The fitted values of every parameter (fitted unit); each resample starts there.
    n : int
        Number of resamples.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.
    kind : {"case", "residual"}
        ``case`` resamples rows (inputs, rate and weight together); ``residual`` adds resampled
        weighted residuals ``w·(y − f)``, divided by each point's own weight, to the fitted curve.
    fix : mapping, optional
        Parameters held at a value (number in the fitted unit, or a string with a unit).
    vary : sequence of str, optional
        Parameters refitted; default every parameter not in ``fix`` that the law declares as
        varying.

    Returns
    -------
    numpy.ndarray, shape (n, number of law parameters)
        Refitted values, columns in ``problem.law.param_names`` order (fixed columns constant);
        rows of resamples that did not converge, or could not determine the parameters (fewer
        distinct first-input values than fitted parameters), are NaN.
    """
    law = problem.law
    if kind not in ("case", "residual"):
        raise FitError(f"unknown bootstrap kind '{kind}'; use case or residual")
    punits = parameter_units(law, problem.input_units, problem.rate_unit)
    fixed = {k: _value_in(punits[k], v, k) for k, v in dict(fix or {}).items()}
    for name in fixed:
        law.param(name)
    names = list(vary) if vary is not None else [p.name for p in law.params if p.name not in fixed and p.vary]
    vary_idx = [law.param_names.index(p) for p in names]
    base = np.array([fixed.get(p, best_values[p]) for p in law.param_names], dtype=float)
    N = problem.n
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, N, size=(n, N))
    ins = {k: np.asarray(v, dtype=float) for k, v in problem.inputs.items()}
    yv, wv = np.asarray(problem.rate, float), np.asarray(problem.weights, float)
    if kind == "case":
        inputs = tuple(ins[name][idx] for name in law.input_names)
        y, w = yv[idx], wv[idx]
    else:
        f = np.asarray(law.evaluate(ins, dict(zip(law.param_names, base, strict=False))), dtype=float)
        r = wv * (yv - f)
        with np.errstate(all="ignore"):
            y = f[None, :] + np.where(wv > 0, r[idx] / wv[None, :], 0.0)
        inputs = tuple(np.broadcast_to(ins[name], (n, N)).copy() for name in law.input_names)
        w = np.broadcast_to(wv, (n, N)).copy()
    P0 = np.tile(base, (n, 1))
    lo = np.array([p.min for p in law.params])
    hi = np.array([p.max for p in law.params])
    model = _eng.BatchModel(law.func, law.param_names)
    res = _eng.solve(model, inputs, y, w, P0, vary_idx, lo, hi)
    P = res.P.copy()
    first = np.sort(inputs[0], axis=1)
    distinct = 1 + np.sum(np.diff(first, axis=1) > 0, axis=1)
    P[~res.converged | (distinct < len(vary_idx))] = np.nan
    return P


@dataclass(frozen=True)
class BootstrapResult:
    """Percentile bootstrap intervals of one curve.

    Attributes
    ----------
    best : Mapping[str, float]
        The fit to the data.
    ci : Mapping[str, tuple of float]
        (low, high) percentile interval of each parameter.
    samples : numpy.ndarray
        Refitted values, shape (n, len(names)); NaN rows for failed resamples.
    names : tuple of str
    units : Mapping[str, str]
    n_failed : int
    kind : str
    level : float
    """

    best: Mapping[str, float]
    ci: Mapping[str, tuple[float, float]]
    samples: np.ndarray
    names: tuple[str, ...]
    units: Mapping[str, str]
    n_failed: int
    kind: str
    level: float


def bootstrap_curve(
    data,
    law: str | RateLaw,
    *,
    n: int = 1000,
    seed: int | None = None,
    kind: str = "case",
    level: float = 0.95,
    **options: Unpack[DataOptions],
) -> BootstrapResult:
    """Fit one curve with the batched engine and bootstrap it (``n`` resamples, one solve).

    Returns percentile intervals at ``level``. The data keywords (``x``, ``y``, ``columns``,
    ``weights``, ``fix``, ``init``, ``input_units``, ...) are those of :func:`mgkinetics.fit`.

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> from mgkinetics.batch.many import bootstrap_curve
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); v = 10 * s / (2 + s) * (1 + 0.02 * np.sin(s))
    >>> bc = bootstrap_curve({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten", n=200, seed=1)
    >>> bc.ci["km"][0] < bc.best["km"] < bc.ci["km"][1]
    True
    """
    from mgkinetics.fitting.problem import build_problems

    check_options(options, "bootstrap_curve")
    law = get_law(law)
    problems, _, ds = build_problems(data, law, **table_options(law, options))
    problem = problems[0]
    frame = {name: problem.inputs[name] for name in law.input_names}
    frame_units = {name: problem.input_units[name] for name in law.input_names}
    # fit the data with the batch engine: one curve
    punits = parameter_units(law, problem.input_units, problem.rate_unit)
    setup = _setup(law, punits, options.get("fix"), options.get("init"))
    valid = np.ones((1, problem.n), dtype=bool)
    ins = {k: v[None, :] for k, v in frame.items()}
    g = _vector_guess(law, ins, problem.rate[None, :], valid)
    if g is None:
        g = _loop_guess(law, ins, problem.rate[None, :], np.array([problem.n]))
    P0, missing = _starts(law, setup, g, 1)
    if missing[0]:
        raise FitError(f"parameter '{missing[0]}' has no starting value; give --init {missing[0]}=VALUE")
    if problem.n < len(setup.varying) + 1:
        raise FitError(f"{problem.n} usable points for {len(setup.varying)} fitted parameters")
    vary_idx = [law.param_names.index(p) for p in setup.varying]
    lo = np.array([p.min for p in law.params])
    hi = np.array([p.max for p in law.params])
    chunk = _eng.Chunk(
        np.array([0]),
        tuple(ins[nm] for nm in law.input_names),
        problem.rate[None, :],
        problem.weights[None, :],
        P0,
    )
    fitres = _eng.fit_chunk(law.func, law.param_names, chunk, vary_idx, lo, hi)
    best = dict(zip(law.param_names, (float(v) for v in fitres.P[0]), strict=False))
    samples = bootstrap_fits(problem, best, n=n, seed=seed, kind=kind, fix=setup.fixed, vary=setup.varying)
    ok = np.all(np.isfinite(samples), axis=1)
    a = (1 - level) / 2
    ci = {}
    for j, name in enumerate(law.param_names):
        col = samples[ok, j]
        ci[name] = (
            (float(np.quantile(col, a)), float(np.quantile(col, 1 - a))) if col.size else (math.nan, math.nan)
        )
    del frame_units
    return BootstrapResult(
        best=readonly(best),
        ci=readonly(ci),
        samples=_frozen(samples),
        names=law.param_names,
        units=readonly({p: punits[p].label for p in law.param_names}),
        n_failed=int(np.count_nonzero(~ok)),
        kind=kind,
        level=level,
    )
