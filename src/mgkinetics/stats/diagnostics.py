"""Residual diagnostics of one fit: replicates, runs, normality, weighting and outliers.

:func:`diagnose` returns a plain dict (stored on :attr:`FitResult.diagnostics`, JSON-ready):

``replicates``
    Lack-of-fit F test when some x values are measured more than once: the residual sum of
    squares splits into pure error (scatter of replicates about their mean) and lack of fit
    (means about the curve); F = (SS_lof/df_lof)/(SS_pe/df_pe) (Draper & Smith 1998, §2.1;
    Prism's "replicates test"). A small p says the curve misses the replicate means.
``runs``
    Wald–Wolfowitz runs test on the signs of the residuals ordered by the first input; the
    one-sided p of so *few* runs (systematic deviation from the curve): exact while the rarer
    sign occurs at most 3000 times, the normal approximation with continuity correction above.
``normality``
    Shapiro–Wilk (n ≥ 3) and D'Agostino–Pearson K² (n ≥ 20) on the weighted residuals.
``weighting``
    Spearman correlation of |residual| with the fitted value; when the scatter clearly grows with
    y in an unweighted fit the hint is "consider --weights relative" (or poisson, or power).
``outliers``
    A ROUT-like rule (Motulsky & Brown 2006, BMC Bioinformatics 7:123): a robust fit with a
    Cauchy (Lorentzian) loss, the robust SD of its residuals (68.27th percentile of |residual|,
    corrected by n/(n−K)), a t-based p value per point and the Benjamini–Hochberg
    false-discovery-rate step at Q = 1% (the i-th largest residual passes when p < Q·i/N).
    Every flagged point is listed with its file line; nothing is removed unless the caller asks
    (:func:`without_outliers`, ``fit(..., outliers="exclude")``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace

import numpy as np

from mgkinetics.fitting.results import Exclusion

__all__ = [
    "diagnose",
    "runs_test",
    "lack_of_fit",
    "rout_outliers",
    "without_outliers",
    "ROUT_Q",
    "RUNS_EXACT_MAX",
    "RUNS_NORMAL_MIN_MINORITY",
]

#: False discovery rate of the ROUT-like rule (Prism's default Q = 1%).
ROUT_Q = 0.01


#: Up to this many nonzero residuals the runs test sums exact probabilities in integer arithmetic.
RUNS_EXACT_MAX = 50
#: Up to this many signs of the rarer kind it sums exact probabilities in log space (at most
#: 2 x 3000 + 1 terms, vectorised); above it the normal approximation is used, whose error is then
#: below 0.006 in p (checked in tests/test_diagnostics.py against the exact sum).
RUNS_NORMAL_MIN_MINORITY = 3000


def _runs_exact_p(runs: int, n1: int, n2: int) -> float:
    """Exact P(R <= runs) for n1 positive and n2 negative signs (Wald & Wolfowitz 1940)."""
    total = math.comb(n1 + n2, n1)
    c = math.comb

    def prob(r: int) -> float:
        k, odd = divmod(r, 2)
        if not odd:
            return 2 * c(n1 - 1, k - 1) * c(n2 - 1, k - 1) / total if k >= 1 else 0.0
        if k < 1:
            return 0.0
        return (c(n1 - 1, k - 1) * c(n2 - 1, k) + c(n1 - 1, k) * c(n2 - 1, k - 1)) / total

    return float(min(1.0, sum(prob(r) for r in range(2, runs + 1))))


def _log_comb(a, b) -> np.ndarray:
    """log C(a, b) elementwise; -inf where the coefficient is zero (b < 0 or b > a)."""
    from scipy.special import gammaln

    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    out = np.full(a.shape, -np.inf)
    ok = (b >= 0) & (b <= a)
    out[ok] = gammaln(a[ok] + 1) - gammaln(b[ok] + 1) - gammaln(a[ok] - b[ok] + 1)
    return out


def _runs_log_exact_p(runs: int, n1: int, n2: int) -> float:
    """The same exact sum as `_runs_exact_p`, term by term in log space (no big integers)."""
    from scipy.special import logsumexp

    r = np.arange(2, min(runs, 2 * min(n1, n2) + 1) + 1)
    if r.size == 0:
        return 0.0
    k = r // 2
    even = np.log(2.0) + _log_comb(n1 - 1, k - 1) + _log_comb(n2 - 1, k - 1)
    odd = np.logaddexp(
        _log_comb(n1 - 1, k - 1) + _log_comb(n2 - 1, k), _log_comb(n1 - 1, k) + _log_comb(n2 - 1, k - 1)
    )
    terms = np.where(r % 2 == 1, odd, even) - _log_comb(n1 + n2, n1)
    return float(min(1.0, np.exp(logsumexp(terms))))


def _runs_normal_p(runs: int, n1: int, n2: int) -> float:
    """Normal approximation of P(R <= runs), with continuity correction (Wald & Wolfowitz 1940:
    mean 1 + 2 n1 n2 / N, variance 2 n1 n2 (2 n1 n2 - N) / (N^2 (N - 1)))."""
    n = n1 + n2
    mean = 1.0 + 2.0 * n1 * n2 / n
    var = 2.0 * n1 * n2 * (2.0 * n1 * n2 - n) / (n * n * (n - 1.0))
    if not var > 0:
        return 1.0 if runs >= mean else 0.0
    z = (runs + 0.5 - mean) / math.sqrt(var)
    return float(min(1.0, 0.5 * math.erfc(-z / math.sqrt(2.0))))


def runs_test(residuals: np.ndarray) -> dict:
    """Wald–Wolfowitz runs test on residual signs (zeros dropped): P(runs <= observed).

    Exact (integer arithmetic) for at most `RUNS_EXACT_MAX` signs; exact in log space while the
    rarer sign occurs at most `RUNS_NORMAL_MIN_MINORITY` times; the normal approximation with
    continuity correction above. Linear time in the number of residuals; ``method`` says which.

    Examples
    --------
    >>> runs_test(np.array([1, 1, 1, 1, -1, -1, -1, -1.0]))["runs"]
    2
    """
    signs = np.sign(np.asarray(residuals, dtype=float))
    signs = signs[signs != 0]
    n1, n2 = int((signs > 0).sum()), int((signs < 0).sum())
    runs = int(1 + np.count_nonzero(np.diff(signs))) if signs.size else 0
    out = {"runs": runs, "n_positive": n1, "n_negative": n2, "p_value": None, "method": None}
    if n1 == 0 or n2 == 0:
        return out
    if n1 + n2 <= RUNS_EXACT_MAX:
        out["p_value"], out["method"] = _runs_exact_p(runs, n1, n2), "exact"
    elif min(n1, n2) <= RUNS_NORMAL_MIN_MINORITY:
        out["p_value"], out["method"] = _runs_log_exact_p(runs, n1, n2), "exact"
    else:
        out["p_value"], out["method"] = _runs_normal_p(runs, n1, n2), "normal approximation"
    return out


def _rounded(values) -> np.ndarray:
    """Values rounded to 12 decimals (so that 0.1 + 0.2 and 0.3 are one level); from 1e15 on a float
    has no decimals to round, and rounding 1e300 overflowed (x·1e12 = inf merged every huge value)."""
    out = np.array(values, dtype=float)
    small = np.abs(out) < 1e15
    out[small] = np.round(out[small], 12)
    return out


def _levels(problem) -> np.ndarray:
    """An integer id per row for identical input values (replicates share an id).

    One 1-D ``np.unique`` per input, the ids combined pairwise (a row-wise ``unique(axis=0)``
    sorts structured rows and took seconds for 10^6 rows).
    """
    ids = None
    for values in problem.inputs.values():
        _, col_ids = np.unique(_rounded(values), return_inverse=True)
        col_ids = np.asarray(col_ids, dtype=np.int64).ravel()
        if ids is None:
            ids = col_ids
        else:
            _, ids = np.unique(ids * (int(col_ids.max()) + 1) + col_ids, return_inverse=True)
            ids = np.asarray(ids, dtype=np.int64).ravel()
    return ids if ids is not None else np.zeros(problem.n, dtype=np.int64)


def lack_of_fit(problem, fitted: np.ndarray, n_params: int) -> dict | None:
    """Replicates (lack-of-fit) F test, or None when no x value is replicated."""
    from scipy import stats

    ids = _levels(problem)
    n_levels = int(ids.max()) + 1 if ids.size else 0
    n = problem.n
    if n_levels == n:
        return None
    w2 = problem.weights**2
    y = problem.rate
    # Weighted mean of each level, then the scatter about it: bincount keeps this linear in n.
    sum_w = np.bincount(ids, weights=w2, minlength=n_levels)
    mean = np.bincount(ids, weights=w2 * y, minlength=n_levels) / np.where(sum_w > 0, sum_w, 1.0)
    ss_pe = float(np.sum(w2 * (y - mean[ids]) ** 2))
    rss = float(np.sum(w2 * (y - fitted) ** 2))
    df_pe, df_lof = n - n_levels, n_levels - n_params
    out = {
        "levels": n_levels,
        "replicated_levels": int(np.sum(np.bincount(ids) > 1)),
        "ss_pure_error": ss_pe,
        "ss_lack_of_fit": rss - ss_pe,
        "df_pure_error": df_pe,
        "df_lack_of_fit": df_lof,
        "F": None,
        "p_value": None,
    }
    if df_pe > 0 and df_lof > 0 and ss_pe > 0:
        f = ((rss - ss_pe) / df_lof) / (ss_pe / df_pe)
        out["F"] = float(f)
        out["p_value"] = float(stats.f.sf(f, df_lof, df_pe))
        out["conclusion"] = (
            "the curve misses the replicate means (p < 0.05): consider another model"
            if out["p_value"] < 0.05
            else "no evidence of lack of fit"
        )
    return out


def _robust_sd(res: np.ndarray, k: int) -> float:
    """Motulsky & Brown's RSDR: 68.27th percentile of |residuals|, times n/(n−K)."""
    n = res.size
    q = float(np.percentile(np.abs(res), 68.27))
    return q * n / (n - k) if n > k else q


def rout_outliers(result, problem, *, q: float = ROUT_Q) -> dict:
    """ROUT-like outlier detection; returns the robust fit, robust SD and flagged points."""
    from scipy.optimize import least_squares

    from mgkinetics.fitting.solver import residuals

    law = problem.law
    varied = list(result.covariance_names)
    best = dict(result.values)
    fixed = {k: v for k, v in best.items() if k not in varied}
    r = residuals(law, problem.inputs, problem.rate, problem.weights, varied, fixed)
    theta = np.array([best[v] for v in varied], dtype=float)
    n, k = problem.n, len(varied)
    out = {"method": f"ROUT-like (Cauchy-loss robust fit, FDR Q = {q:g})", "q": q, "points": []}
    if n <= k + 1 or not varied:
        out["robust_sd"] = None
        return out
    spec = {p.name: p for p in law.params}
    bounds = ([spec[v].min for v in varied], [spec[v].max for v in varied])
    theta = np.clip(theta, bounds[0], bounds[1])
    scale = _robust_sd(r(theta), k) or 1.0
    for _ in range(3):  # re-estimate the Cauchy scale from the robust residuals
        try:
            sol = least_squares(
                r,
                theta,
                loss="cauchy",
                f_scale=max(scale, 1e-300),
                bounds=bounds,
                x_scale="jac",
                method="trf",
            )
        except ValueError:
            break
        theta = sol.x
        new = _robust_sd(r(theta), k)
        if not new > 0 or abs(new - scale) <= 1e-6 * scale:
            scale = new if new > 0 else scale
            break
        scale = new
    res = r(theta)
    out["robust_sd"] = float(scale)
    out["robust_values"] = {v: float(t) for v, t in zip(varied, theta, strict=False)}
    if not scale > 0:
        return out
    t = np.abs(res) / scale
    flagged, p_flagged = _fdr_flagged(t, n - k, q)
    weights = problem.weights[flagged]
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = res[flagged] / weights
    out["points"] = [
        {"line": line, "residual": r if w else None, "robust_t": rt, "p_value": pv}
        for line, r, w, rt, pv in zip(
            problem.lines[flagged].astype(np.int64).tolist(),
            raw.tolist(),
            weights.tolist(),
            t[flagged].tolist(),
            p_flagged.tolist(),
            strict=True,
        )
    ]
    return out


def _fdr_flagged(t: np.ndarray, dof: int, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows flagged by the false-discovery-rate step (in row order) and their p values.

    Benjamini & Hochberg's step-up rule, as ROUT applies it (Motulsky & Brown 2006): with the
    residuals ranked from the largest |t| (rank 1) down, rank i passes when its two-sided
    p < Q·i/N, and every point up to the deepest rank that passes is flagged. With Gaussian
    scatter and no outlier that flags nothing in about a fraction Q of data sets, whatever N.
    Since Q·i/N <= Q, only points with p < Q can pass: those with |t| above the two-sided Q
    quantile of t (a small margin below it keeps the boundary exact). Only they are sorted and
    given p values, so the step is linear in N plus O(m log m) for the m candidates.
    """
    from scipy import stats

    n = t.size
    cut = float(stats.t.isf(q / 2, dof)) * (1 - 1e-6) if dof > 0 else 0.0
    candidates = np.flatnonzero(t > cut) if math.isfinite(cut) else np.arange(n)
    order = candidates[np.argsort(-t[candidates], kind="stable")]
    p = 2 * stats.t.sf(t[order], dof)
    passing = np.flatnonzero(p < q * np.arange(1, order.size + 1) / n)
    last = int(passing[-1]) if passing.size else -1
    by_row = np.argsort(order[: last + 1], kind="stable")
    return order[: last + 1][by_row], p[: last + 1][by_row]


def diagnose(result, problem) -> dict:
    """Every diagnostic of one fit as a JSON-ready dict (see the module docstring).

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0])
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": 10 * s / (2 + s) + [.1, -.1, .1, -.1, .1, -.1]},
    ...               "michaelis_menten")
    >>> res.diagnostics["runs"]["runs"]
    6
    """
    from scipy import stats

    fitted = np.asarray(result.law.evaluate(problem.inputs, dict(result.values)), dtype=float)
    wres = problem.weights * (problem.rate - fitted)
    n = problem.n
    first = result.law.input_names[0]
    order = np.argsort(problem.inputs[first], kind="stable")
    out: dict = {}
    lof = lack_of_fit(problem, fitted, len(result.covariance_names))
    if lof is not None:
        out["replicates"] = lof
    runs = runs_test(wres[order])
    runs["conclusion"] = (
        "residuals cluster by sign (p < 0.05): the curve deviates systematically"
        if runs["p_value"] is not None and runs["p_value"] < 0.05
        else "no evidence of systematic deviation"
    )
    out["runs"] = runs
    normality: dict = {}
    if n >= 3 and np.ptp(wres) > 1e-12 * max(float(np.max(np.abs(wres))), 1e-300):  # not all equal
        with warnings.catch_warnings():  # scipy's near-constant-data warning: the p value says enough
            warnings.simplefilter("ignore", UserWarning)
            w, p = stats.shapiro(wres)
        normality["shapiro_wilk"] = {"W": float(w), "p_value": float(p)}
    if n >= 20:
        k2, p = stats.normaltest(wres)
        normality["dagostino_pearson"] = {"K2": float(k2), "p_value": float(p)}
    if normality:
        out["normality"] = normality
    if n >= 5 and np.ptp(fitted) > 0 and np.ptp(np.abs(wres)) > 0:
        rho, p = stats.spearmanr(np.abs(wres), np.abs(fitted))
        hint = ""
        if rho > 0.5 and p < 0.05:
            hint = (
                "the scatter grows with the rate: consider --weights relative "
                "(or poisson, or power: sigma = a*v^b fitted)"
                if problem.scheme.kind == "none"
                else "the scatter still grows with the rate after weighting"
            )
        elif rho < -0.5 and p < 0.05 and problem.scheme.kind in ("relative", "poisson"):
            hint = (
                "the weighted scatter shrinks with the rate: the weighting may be too strong; "
                "consider --weights none"
            )
        out["weighting"] = {"spearman_rho": float(rho), "p_value": float(p), "hint": hint}
    out["outliers"] = rout_outliers(result, problem)
    return out


def without_outliers(problem, result):
    """The problem without the rows :func:`rout_outliers` flagged (listed as excluded), or None."""
    points = (result.diagnostics or {}).get("outliers", {}).get("points", [])
    if not points:
        return None
    lines = {p["line"] for p in points}
    keep = np.array([int(line) not in lines for line in problem.lines], dtype=bool)
    if keep.sum() <= len(result.covariance_names) + 1:
        return None  # too few points would remain; keep flagging only
    reasons = {
        p["line"]: f"outlier (ROUT-like, Q = {ROUT_Q:.0%}; robust t = {p['robust_t']:.3g}, "
        f"p = {p['p_value']:.2g}); excluded on request"
        for p in points
    }
    new = tuple(Exclusion(int(line), reasons[int(line)]) for line in sorted(lines))
    excluded = tuple(problem.excluded) + new
    return replace(
        problem,
        inputs={k: v[keep] for k, v in problem.inputs.items()},
        rate=problem.rate[keep],
        weights=problem.weights[keep],
        lines=problem.lines[keep],
        excluded=tuple(sorted(excluded, key=lambda e: e.line)),
    )
