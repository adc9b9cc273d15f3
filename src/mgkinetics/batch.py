"""High-throughput fitting: many independent curves of one long-format table in one batched solve.

:func:`fit_many` resolves columns and units, excludes unusable rows with their reasons and splits
rows into curves with the helpers of :mod:`mgkinetics.problem` (vectorised over the whole table,
without building one :class:`~mgkinetics.problem.FitProblem` per curve), starts every curve from
the law's guess rule (a vectorised Hanes–Woolf regression for the Michaelis–Menten laws, the
law's own rule per curve otherwise), and solves all curves at once with the batched
Levenberg–Marquardt of :mod:`mgkinetics.batch_engine`. Values, standard errors (same Jacobian and
covariance formula as :func:`mgkinetics.fitting.fit_problem`), intervals and statistics come back
as one immutable :class:`BatchResult`. A curve that cannot be fitted never stops the batch: it gets
``success=False`` and a warning saying why.

:func:`bootstrap_fits` refits one curve's case or residual resamples in one batched solve.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from . import batch_engine as _eng
from . import guesses
from .errors import FitError
from .fitting import _quantile, _value_in, parameter_units
from .problem import (
    FitProblem,
    _check_unit,
    _did_you_mean,
    _find_column,
    _found,
    _group_keys,
    _header_problem,
    _resolve_input,
    _resolve_rate,
    _row_reasons,
    as_dataset,
)
from .registry import RateLaw, get_law
from .results import Exclusion
from .units import Unit, convert, parse_unit
from .weighting import WeightScheme, parse_weights

__all__ = ["BatchResult", "BootstrapResult", "fit_many", "bootstrap_fits", "bootstrap_curve"]

STAT_COLUMNS = ("n", "dof", "rss", "redchi", "r2", "aicc", "bic")


# ----------------------------------------------------------------------------------------------
# Result


def _frozen(a) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class BatchResult:
    """Fits of one law to many curves, as column arrays (one row per curve, in file order).

    Attributes
    ----------
    law : str
    curve : str
        Name of the column that identifies curves.
    curves : numpy.ndarray
        Curve labels, in order of first appearance in the table.
    names : tuple of str
        Parameter names, then derived quantities (``kcat_over_km``).
    values, stderr, ci_low, ci_high : numpy.ndarray, shape (n_curves, len(names))
        NaN where unavailable (fixed parameters have no error; failed curves have no values).
    units : Mapping[str, str]
        Unit label of each name.
    fixed : tuple of str
        Parameters held fixed.
    n, dof : numpy.ndarray of int
    rss, redchi, r2, aicc, bic : numpy.ndarray of float
        As :class:`~mgkinetics.results.Statistics` of the single-curve fit.
    success : numpy.ndarray of bool
    warnings : tuple of tuple of str
        Per curve; a failed curve's first warning says why.
    excluded : tuple of (curve label, Exclusion)
        Rows left out of a curve, with their reason.
    unassigned : tuple of Exclusion
        Rows with an empty curve cell.
    """

    law: str
    curve: str
    curves: np.ndarray
    names: tuple[str, ...]
    values: np.ndarray
    stderr: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    units: Mapping[str, str]
    fixed: tuple[str, ...]
    n: np.ndarray
    dof: np.ndarray
    rss: np.ndarray
    redchi: np.ndarray
    r2: np.ndarray
    aicc: np.ndarray
    bic: np.ndarray
    success: np.ndarray
    warnings: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, Exclusion], ...] = ()
    unassigned: tuple[Exclusion, ...] = ()
    weighting: str = ""
    ci_level: float = 0.95
    source: str = ""
    engine: str = "numpy"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("curves", "values", "stderr", "ci_low", "ci_high", "n", "dof", "rss", "redchi",
                     "r2", "aicc", "bic", "success"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "units", MappingProxyType(dict(self.units)))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    def __len__(self) -> int:
        return int(self.curves.size)

    @property
    def columns(self) -> list[str]:
        """Column names of :meth:`to_frame`, in order."""
        cols = [self.curve]
        for name in self.names:
            cols += [name, f"{name}_stderr", f"{name}_ci_low", f"{name}_ci_high"]
        return cols + list(STAT_COLUMNS) + ["success", "warnings"]

    def column_data(self) -> dict[str, np.ndarray]:
        """The table as a dict of arrays (what :meth:`to_frame` wraps)."""
        out: dict[str, Any] = {self.curve: np.asarray(self.curves)}
        for j, name in enumerate(self.names):
            out[name] = self.values[:, j]
            out[f"{name}_stderr"] = self.stderr[:, j]
            out[f"{name}_ci_low"] = self.ci_low[:, j]
            out[f"{name}_ci_high"] = self.ci_high[:, j]
        for s in STAT_COLUMNS:
            out[s] = getattr(self, s)
        out["success"] = self.success
        out["warnings"] = np.array(["; ".join(w) for w in self.warnings], dtype=object)
        return out

    def to_frame(self):
        """One row per curve: id, then NAME, NAME_stderr, NAME_ci_low, NAME_ci_high per name,
        then n, dof, rss, redchi, r2, aicc, bic, success, warnings."""
        import pandas as pd

        return pd.DataFrame(self.column_data(), columns=self.columns)

    def exclusions_frame(self):
        """Excluded rows: curve, line, reason (unassigned rows have an empty curve)."""
        import pandas as pd

        rows = [(c, e.line, e.reason) for c, e in self.excluded]
        rows += [("", e.line, e.reason) for e in self.unassigned]
        return pd.DataFrame(rows, columns=[self.curve, "line", "reason"])

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """CSV text (fixed float format ``%.10g``), written to ``path`` when given."""
        frame = self.to_frame()
        text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
        if path is None:
            return text
        Path(path).write_text(text, encoding="utf-8")
        return None

    def to_parquet(self, path: str | Path) -> None:
        """Write Parquet (needs pyarrow); units go in the file's key-value metadata."""
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise FitError("writing Parquet needs pyarrow: pip install pyarrow") from None
        table = pa.Table.from_pandas(self.to_frame(), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"mgkinetics.units"] = repr(dict(self.units)).encode()
        meta[b"mgkinetics.law"] = self.law.encode()
        pq.write_table(table.replace_schema_metadata(meta), str(path))

    def write(self, path: str | Path, *, format: str | None = None) -> None:
        """Write ``csv`` or ``parquet`` (chosen from the suffix when ``format`` is None)."""
        fmt = format or ("parquet" if str(path).lower().endswith((".parquet", ".pq")) else "csv")
        if fmt == "parquet":
            self.to_parquet(path)
        elif fmt == "csv":
            self.to_csv(path)
        else:
            raise FitError(f"unknown format '{fmt}'; use csv or parquet")


# ----------------------------------------------------------------------------------------------
# Preparing the table (vectorised; mirrors problem.build_problems)


def _dataset(data, input_units):
    """:func:`problem.as_dataset`, with a vectorised path for clean numeric frames.

    Returns ``(dataset, factors)``; ``factors`` maps each text column of the fast path to
    ``(codes, labels)`` (row → index into the distinct stripped labels), so curves are grouped
    without sorting or comparing strings row by row.

    ``Dataset.from_frame`` turns every cell into text so that it can name bad cells; for a frame of
    a million rows that costs seconds and hundreds of MB. When every unit column is already
    numeric, finite and (for concentrations) non-negative, the Dataset is built from the arrays
    directly; anything else goes through the careful path, which reports the problems.
    """
    from .io import Dataset, _column_kind

    if input_units or isinstance(data, (str, Path, Dataset)) or not (
        hasattr(data, "columns") or isinstance(data, Mapping)
    ):
        return as_dataset(data, input_units=input_units), {}
    names = [str(c) for c in (data.columns if hasattr(data, "columns") else data)]
    keys = list(data.columns) if hasattr(data, "columns") else list(data)
    if len({n.strip().lower() for n in names}) != len(names) or any(not n.strip() for n in names):
        return as_dataset(data), {}
    values, units, factors = {}, {}, {}
    n_rows = None
    for key, name in zip(keys, names, strict=False):
        kind, unit = _column_kind(name)
        if kind != "text":
            arr = np.asarray(data[key])
            if arr.ndim != 1 or (n_rows is not None and arr.size != n_rows) or arr.dtype.kind not in "fiu":
                return as_dataset(data), {}
            a = np.ascontiguousarray(arr, dtype=float)
            if np.isinf(a).any() or (kind == "concentration" and np.any(a < 0)):
                return as_dataset(data), {}
            values[name] = a if a is not arr else a.copy()
        else:
            fac = _text_factors(data[key])
            if fac is None or (n_rows is not None and fac[0].size != n_rows):
                return as_dataset(data), {}
            codes, labels = fac
            values[name] = labels[codes]
            factors[name.strip()] = fac
        n_rows = values[name].size
        units[name] = unit
    if not n_rows:
        return as_dataset(data), {}
    ds = Dataset(source="<DataFrame>", columns=tuple(n.strip() for n in names),
                 units={n.strip(): u for n, u in units.items()},
                 values={n.strip(): v for n, v in values.items()}, lines=np.arange(n_rows) + 2)
    return ds, factors


def _text_factors(col) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, labels) of a text or integer column: ``labels[codes]`` is the stripped text of each
    row; labels are distinct. None when the column needs the careful path (missing cells,
    non-string objects, floats)."""
    if hasattr(col, "isna") and hasattr(col, "dtype") and getattr(col, "ndim", 1) == 1:  # pandas
        import pandas as pd

        dt = col.dtype
        is_string = isinstance(dt, pd.StringDtype)
        is_object = not is_string and getattr(dt, "kind", "") == "O"
        if col.isna().any():  # empty cells (also of nullable integer columns): careful path
            return None
        if is_object and col.map(type).ne(str).any():
            return None
        if not (is_string or is_object) and getattr(dt, "kind", "") not in "iuUSb":
            return None
        codes, uniq = pd.factorize(col, sort=False)
        codes = np.asarray(codes, dtype=np.intp)
        if codes.size and codes.min() < 0:
            return None
        labels = np.asarray(uniq, dtype=object).astype(str) if len(uniq) else np.array([], dtype=str)
    else:
        arr = np.asarray(col)
        if arr.ndim != 1:
            return None
        if arr.dtype.kind not in "iuUSb":
            if arr.dtype.kind != "O" or not all(isinstance(v, str) for v in arr):
                return None
        labels, codes = np.unique(arr, return_inverse=True)
        labels, codes = labels.astype(str), codes.ravel().astype(np.intp)
    stripped = np.char.strip(labels)
    if labels.size and not np.array_equal(stripped, labels):
        labels, remap = np.unique(stripped, return_inverse=True)  # " a" and "a" are one curve
        codes = remap.ravel()[codes]
    return codes, labels


def _curve_keys(ds, column: str, factors=None) -> tuple[np.ndarray, list]:
    """``problem._group_keys`` for one column without joining strings row by row."""
    if factors and column in factors:
        codes, labels = factors[column]
        if not np.any(labels == ""):
            return codes, []
        return _group_keys(ds, [column])
    vals = np.asarray(ds.values[column]).astype(str)
    _, ids = np.unique(vals, return_inverse=True)
    ids = ids.astype(int).ravel()
    blank = np.flatnonzero(vals == "")
    if blank.size:
        return _group_keys(ds, [column])
    return ids, []


@dataclass
class _Prepared:
    law: RateLaw
    scheme: WeightScheme
    arrays: dict[str, np.ndarray]
    units: dict[str, Unit]
    rate_unit: Unit
    y: np.ndarray
    w: np.ndarray
    reasons: list
    keys: np.ndarray
    unassigned: list
    lines: np.ndarray
    labels: np.ndarray
    curve: str
    source: str


def _prepare(ds, law: RateLaw, curve: str, columns, rate, weights, factors=None) -> _Prepared:
    scheme = parse_weights(weights)
    unknown = [k for k in columns if k not in law.input_names]
    if unknown:
        raise FitError(
            f"law '{law.name}' has no input '{unknown[0]}'; its inputs are {', '.join(law.input_names)}"
        )
    curve_col = _find_column(ds, curve)
    if curve_col is None:
        raise _header_problem(
            ds, None, f"no curve column '{curve}'; found {_found(ds)}{_did_you_mean(ds, curve)}"
        )
    sd_col = None
    if scheme.kind == "sd":
        sd_col = _find_column(ds, scheme.column)
        if sd_col is None:
            raise _header_problem(ds, None, f"no SD column '{scheme.column}' for weights; found {_found(ds)}"
                                  f"{_did_you_mean(ds, scheme.column)}")
    taken: set[str] = {curve_col} | ({sd_col} if sd_col else set())
    resolved = {}
    for spec in law.inputs:
        kind, what = _resolve_input(ds, law, spec, columns.get(spec.name), taken)
        resolved[spec.name] = (kind, what)
        if kind == "column":
            taken.add(what)
    rate_col = _resolve_rate(ds, rate, taken)
    rate_unit = _check_unit(ds, rate_col, ("rate", "frequency"), "rate")
    n_rows = len(ds)
    arrays: dict[str, np.ndarray] = {}
    units: dict[str, Unit] = {}
    used: dict[str, str] = {}
    for spec in law.inputs:
        kind, what = resolved[spec.name]
        if kind == "column":
            unit = _check_unit(ds, what, ("concentration",), spec.description or spec.name)
            values = np.array(ds.values[what], dtype=float)
            used[spec.name] = what
        else:
            value, unit = what
            if unit.kind != "concentration":
                raise FitError(f"{spec.name} must be a concentration, got {value:g} {unit}")
            values = np.full(n_rows, value)
            used[spec.name] = f"{value:g} {unit}"
        if spec.kind == "enzyme":
            if rate_unit.kind != "rate":
                raise FitError(f"law '{law.name}' needs rates in concentration per time to give kcat; "
                               f"'{rate_col}' is in {rate_unit}")
            target = Unit(rate_unit.conc, 1)
            values = convert(values, unit, target)
            unit = target
        arrays[spec.name] = np.asarray(values, dtype=float)
        units[spec.name] = unit
    if law.shared_unit_inputs:
        first = law.shared_unit_inputs[0]
        for name in law.shared_unit_inputs[1:]:
            arrays[name] = convert(arrays[name], units[name], units[first])
            units[name] = units[first]
    used["rate"] = rate_col
    y = np.array(ds.values[rate_col], dtype=float)
    sd = None
    if sd_col:
        _check_unit(ds, sd_col, (rate_unit.kind,), "SD of the rate")
        sd = convert(np.array(ds.values[sd_col], dtype=float), ds.units[sd_col], rate_unit)
    w, weight_reasons = scheme.weights(np.nan_to_num(y, nan=1.0), sd)
    reasons = _row_reasons(ds, used, sd_col, weight_reasons)
    keys, unassigned = _curve_keys(ds, curve_col, factors)
    labels = np.asarray(ds.values[curve_col])
    if labels.dtype.kind != "U":
        labels = labels.astype(str)
    return _Prepared(law, scheme, arrays, units, rate_unit, y, np.asarray(w, float), reasons, keys,
                     unassigned, np.asarray(ds.lines), labels, curve_col, ds.source)


# ----------------------------------------------------------------------------------------------
# Starting values


def hanes_woolf(s: np.ndarray, v: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`mgkinetics.guesses.hyperbola` over rows of padded arrays.

    ``valid`` marks real (not padded) points. Returns (Vmax, KM) per row, with the same fallbacks.
    """
    s = np.asarray(s, dtype=float)
    v = np.asarray(v, dtype=float)
    with np.errstate(all="ignore"):
        ok = valid & (s > 0) & (v > 0) & np.isfinite(s) & np.isfinite(v)
        absv = np.where(valid & ~np.isnan(v), np.abs(v), -np.inf)
        vmax_fb = 1.1 * np.max(absv, axis=1)
        vmax_fb = np.where(np.isneginf(vmax_fb), np.nan, vmax_fb)
        vmax_fb = np.where(vmax_fb <= 0, 1.0, vmax_fb)
        c = ok.sum(axis=1)
        okf = ok.astype(float)
        t = np.where(ok, s / v, 0.0)
        x = np.where(ok, s, 0.0)
        cc = np.maximum(c, 1)
        xm = x.sum(axis=1) / cc
        tm = t.sum(axis=1) / cc
        dx = (x - xm[:, None]) * okf
        sxx = np.sum(dx * dx, axis=1)
        sxt = np.sum(dx * (t - tm[:, None]) * okf, axis=1)
        slope = sxt / sxx
        intercept = tm - slope * xm
        span = np.max(np.where(ok, s, -np.inf), axis=1) - np.min(np.where(ok, s, np.inf), axis=1)
        good = (c >= 2) & (span > 0) & (slope > 0) & (intercept > 0)
        vmax = np.where(good, 1.0 / slope, vmax_fb)
        km = np.where(good, intercept / slope, 1.0)
        # fallback KM: median of the positive concentrations (only where the regression fails)
        need = np.flatnonzero(~good & np.any(valid & (s > 0), axis=1))
        if need.size:
            km[need] = np.nanmedian(np.where(valid[need] & (s[need] > 0), s[need], np.nan), axis=1)
    return vmax, km


def _vector_guess(law: RateLaw, inputs: dict[str, np.ndarray], v: np.ndarray, valid: np.ndarray):
    """Guesses for a padded block, vectorised for the hyperbolic laws; None if not available."""
    if law.guess is guesses.michaelis_menten:
        vmax, km = hanes_woolf(inputs["substrate"], v, valid)
        return {"vmax": vmax, "km": km}
    if law.guess is guesses.michaelis_menten_kcat:
        e = inputs["enzyme"]
        with np.errstate(all="ignore"):
            turnover = np.where(e > 0, v / e, np.nan)
        kcat, km = hanes_woolf(inputs["substrate"], turnover, valid)
        return {"kcat": kcat, "km": km}
    return None


def _loop_guess(law: RateLaw, inputs: dict[str, np.ndarray], v: np.ndarray, counts: np.ndarray):
    out = {p: np.full(v.shape[0], np.nan) for p in law.param_names}
    if law.guess is None:
        return out
    for i in range(v.shape[0]):
        c = counts[i]
        try:
            g = law.guess({k: a[i, :c] for k, a in inputs.items()}, v[i, :c])
        except (ValueError, FloatingPointError, ZeroDivisionError, IndexError):
            continue
        for k, val in g.items():
            if k in out and val is not None:
                out[k][i] = val
    return out


def _clip_start(value: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """fit_problem's rule: starts strictly inside the bounds."""
    bad = (value <= lo) | (value >= hi)
    if np.isfinite(lo) and np.isfinite(hi):
        repl = np.full_like(value, lo + 0.5 * (hi - lo))
    elif np.isfinite(lo):
        repl = np.where(value <= lo, lo + max(abs(lo), 1.0) * 1e-3, value)
    else:
        repl = np.full_like(value, hi - max(abs(hi), 1.0) * 1e-3)
    return np.where(bad, repl, value)


@dataclass(frozen=True)
class _Setup:
    fixed: dict[str, float]
    init: dict[str, float]
    varying: list[str]


def _setup(law: RateLaw, punits, fix, init) -> _Setup:
    fix = dict(fix or {})
    init = dict(init or {})
    for name in list(fix) + list(init):
        law.param(name)
    fixed = {k: _value_in(punits[k], v, k) for k, v in fix.items()}
    inits = {k: _value_in(punits[k], v, k) for k, v in init.items()}
    varying = [p.name for p in law.params if p.name not in fixed and (p.vary or p.name in inits)]
    return _Setup(fixed, inits, varying)


def _starts(law: RateLaw, setup: _Setup, guess: Mapping[str, np.ndarray], m: int):
    """Start matrix (m, K) and, per curve, the first parameter without a start (or '')."""
    P0 = np.empty((m, len(law.params)))
    missing = np.full(m, "", dtype=object)
    for j, p in enumerate(law.params):
        if p.name in setup.fixed:
            P0[:, j] = setup.fixed[p.name]
            continue
        if p.name in setup.init:
            val = np.full(m, setup.init[p.name])
        else:
            val = np.asarray(guess.get(p.name, np.full(m, np.nan)), dtype=float)
            bad = ~np.isfinite(val)
            missing[bad & (missing == "")] = p.name
            val = np.where(bad, 1.0, val)
        P0[:, j] = _clip_start(val, p.min, p.max)
    return P0, missing


# ----------------------------------------------------------------------------------------------
# Packing curves into padded chunks


def _bucket_plan(counts: np.ndarray, todo: np.ndarray, chunk_size: int) -> list[tuple[int, np.ndarray]]:
    """(padded length, curve indices) chunks: lengths grouped within 25 % so padding stays small."""
    if todo.size == 0:
        return []
    lens = counts[todo]
    key = np.ceil(np.log(lens) / np.log(1.25)).astype(int)
    plan = []
    for k in np.unique(key):
        members = todo[key == k]
        L = int(counts[members].max())
        for start in range(0, members.size, chunk_size):
            plan.append((L, members[start : start + chunk_size]))
    return plan


def _pad(idx: np.ndarray, L: int, starts: np.ndarray, counts: np.ndarray):
    """Row positions (into the curve-sorted arrays) for a padded block, and its validity mask."""
    j = np.arange(L)
    c = counts[idx][:, None]
    valid = j < c
    pos = starts[idx][:, None] + np.minimum(j, c - 1)
    return pos, valid


# ----------------------------------------------------------------------------------------------
# fit_many


def _first_appearance(keys: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """(number of groups, rank of each key value in order of first appearance, first row of each
    group) for non-negative integer keys; O(n) when the keys are already numbered in order of first
    appearance (as ``pandas.factorize`` numbers them), a sort otherwise."""
    if keys.size == 0:
        return 0, np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    top = np.maximum.accumulate(keys)
    rise = np.flatnonzero(np.diff(top) > 0) + 1
    if keys[0] == 0 and np.all(top[rise] - top[rise - 1] == 1):
        first = np.concatenate([[0], rise])
        return first.size, np.arange(first.size), first
    uniq, first = np.unique(keys, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.zeros(int(uniq.max()) + 1, dtype=int)
    rank[uniq[order]] = np.arange(uniq.size)
    return uniq.size, rank, first[order]


def _usable(reasons: list) -> np.ndarray:
    """Rows without a reason to be left out."""
    n = len(reasons)
    if reasons.count(None) == n:
        return np.ones(n, dtype=bool)
    return np.fromiter((r is None for r in reasons), dtype=bool, count=n)


def _messages_for_failures(law, setup, n_used, n_excl, has_pos, missing) -> np.ndarray:
    """Why each curve cannot be fitted ("" when it can), as an object array."""
    first = law.inputs[0].name
    k = len(setup.varying)
    out = np.full(n_used.size, "", dtype=object)
    fail = (n_used == 0) | ~has_pos | (missing != "") | (n_used < k + 1)
    for i in np.flatnonzero(fail):
        if n_used[i] == 0:
            out[i] = f"no usable rows (all {n_excl[i]} excluded); see the exclusions"
        elif not has_pos[i]:
            out[i] = f"every {first} concentration is zero; a rate law needs non-zero {first}"
        elif missing[i]:
            out[i] = f"parameter '{missing[i]}' has no starting value; give --init {missing[i]}=VALUE"
        else:
            n = int(n_used[i])
            out[i] = (f"{n} usable point{'s' if n != 1 else ''} for {k} fitted parameters; "
                      f"a fit needs at least {k + 1} (parameters + 1)")
    return out


def fit_many(
    data,
    law: str | RateLaw,
    curve: str = "curve",
    *,
    x: str | None = None,
    y: str | None = None,
    inhibitor: str | None = None,
    enzyme: str | None = None,
    columns: Mapping[str, str] | None = None,
    weights: str | WeightScheme = "none",
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    input_units: Mapping[str, str] | None = None,
    ci_level: float = 0.95,
    engine: str = "numpy",
    scheduler=None,
    chunk_size: int = 20_000,
) -> BatchResult:
    """Fit one law to every curve of a long-format table in one batched solve.

    Parameters
    ----------
    data : path, Dataset or DataFrame
        One row per measurement; ``curve`` names the column that identifies curves.
    law : str or RateLaw
    curve : str
        The curve-id column.
    x, y, inhibitor, enzyme, columns, weights, fix, init, input_units, ci_level
        As :func:`mgkinetics.fit`; ``fix`` and ``init`` apply to every curve.
    engine : {"numpy", "dask"}
        ``dask`` sends chunks of curves to a dask.distributed cluster; results are identical.
    scheduler : str, Client or cluster, optional
        For ``engine="dask"``: a scheduler address, a Client or a cluster; a LocalCluster is
        started (and closed) when omitted.
    chunk_size : int
        Curves per solver call (and per dask task).

    Returns
    -------
    BatchResult

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.tile([0.5, 1, 2, 4, 8, 16.0], 2)
    >>> v = np.r_[10 * s[:6] / (2 + s[:6]), 5 * s[6:] / (1 + s[6:])]
    >>> res = mgk.fit_many({"curve": ["a"] * 6 + ["b"] * 6, "s_mM": s, "rate_uM_per_s": v},
    ...                    "michaelis_menten", curve="curve")
    >>> [round(float(k), 6) for k in res.values[:, 1]]
    [2.0, 1.0]
    """
    if engine not in ("numpy", "dask"):
        raise FitError(f"unknown engine '{engine}'; use numpy or dask")
    law = get_law(law)
    cols = dict(columns or {})
    for name, value in (("substrate", x), ("inhibitor", inhibitor), ("enzyme", enzyme)):
        if value is not None and name in law.input_names:
            cols[name] = value
    ds, factors = _dataset(data, input_units)
    prep = _prepare(ds, law, curve, cols, y, weights, factors)
    punits = parameter_units(law, prep.units, prep.rate_unit)
    setup = _setup(law, punits, fix, init)
    vary_idx = [law.param_names.index(p) for p in setup.varying]

    # curves in order of first appearance; usable rows sorted by curve
    keys = prep.keys
    assigned = np.flatnonzero(keys >= 0)
    G, rank, first_rows = _first_appearance(keys[assigned])
    first_rows = assigned[first_rows]
    curve_labels = prep.labels[first_rows]
    usable = _usable(prep.reasons)
    ok_rows = keys >= 0
    rows = np.flatnonzero(usable & ok_rows)
    pos_of_row = rank[keys[rows]] if rows.size else np.array([], dtype=int)
    if pos_of_row.size > 1 and np.any(pos_of_row[1:] < pos_of_row[:-1]):  # rows not grouped by curve
        srt = np.argsort(pos_of_row, kind="stable")
        rows = rows[srt]
        pos_of_row = pos_of_row[srt]
    curve_of = pos_of_row
    n_used = np.bincount(curve_of, minlength=G)
    starts = np.zeros(G, dtype=int)
    np.cumsum(n_used[:-1], out=starts[1:])
    bad_rows = np.flatnonzero(~usable & ok_rows)
    n_excl = np.bincount(rank[keys[bad_rows]], minlength=G) if bad_rows.size else np.zeros(G, int)
    first_in = law.inputs[0].name
    arrays_sorted = {name: a[rows] for name, a in prep.arrays.items()}
    y_sorted, w_sorted = prep.y[rows], prep.w[rows]
    has_pos = np.bincount(curve_of, weights=arrays_sorted[first_in] > 0, minlength=G) > 0

    # starting values, block by block (the padded blocks are kept for the solve)
    P0_all = np.full((G, len(law.params)), np.nan)
    missing = np.full(G, "", dtype=object)
    precheck = np.flatnonzero((n_used > 0) & has_pos)
    blocks = []
    for L, idx in _bucket_plan(n_used, precheck, max(chunk_size, 1)):
        pos, valid = _pad(idx, L, starts, n_used)
        ins = {name: a[pos] for name, a in arrays_sorted.items()}
        yb = y_sorted[pos]
        g = _vector_guess(law, ins, yb, valid)
        if g is None:
            g = _loop_guess(law, ins, yb, n_used[idx])
        P0_all[idx], missing[idx] = _starts(law, setup, g, idx.size)
        blocks.append((idx, ins, yb, pos, valid))
    reasons = _messages_for_failures(law, setup, n_used, n_excl, has_pos, missing)
    failed = reasons != ""
    todo = np.flatnonzero(~failed)

    chunks = []
    if np.array_equal(todo, precheck):
        for idx, ins, yb, pos, valid in blocks:
            chunks.append(_eng.Chunk(idx, tuple(ins[name] for name in law.input_names), yb,
                                     np.where(valid, w_sorted[pos], 0.0), P0_all[idx]))
    else:
        for L, idx in _bucket_plan(n_used, todo, max(chunk_size, 1)):
            pos, valid = _pad(idx, L, starts, n_used)
            ins = tuple(arrays_sorted[name][pos] for name in law.input_names)
            chunks.append(_eng.Chunk(idx, ins, y_sorted[pos], np.where(valid, w_sorted[pos], 0.0),
                                     P0_all[idx]))
    del blocks
    lo = np.array([p.min for p in law.params])
    hi = np.array([p.max for p in law.params])
    if engine == "dask" and chunks:
        from .distributed import run_chunks

        fits = run_chunks(chunks, law.func, law.param_names, vary_idx, lo, hi, scheduler=scheduler)
    else:
        fits = [engine_fit(law, c, vary_idx, lo, hi) for c in chunks]

    return _assemble(law, prep, setup, punits, curve_labels, n_used, n_excl, reasons, fits,
                     starts, ci_level, engine, arrays_sorted, P0_all, bad_rows)


def engine_fit(law: RateLaw, chunk, vary_idx, lo, hi):
    """One chunk through the numpy engine."""
    return _eng.fit_chunk(law.func, law.param_names, chunk, vary_idx, lo, hi)


def _information_criteria_many(n, k, rss, scale, fitted):
    """``fitting._information_criteria`` over arrays (same formula; checked against it in tests)."""
    aicc = np.full(n.size, np.nan)
    bic = np.full(n.size, np.nan)
    ok = fitted & (n > 0) & (rss > 0)
    kk = k + 1 if scale else k
    nn, rr = n[ok].astype(float), rss[ok]
    core = nn * np.log(rr / nn) if scale else rr
    with np.errstate(divide="ignore"):
        room = nn - kk - 1
        corr = np.where(room > 0, 2 * kk * (kk + 1) / np.where(room > 0, room, 1), np.inf)
    aicc[ok] = core + 2 * kk + corr
    bic[ok] = core + kk * np.log(nn)
    return aicc, bic


def _assemble(law, prep, setup, punits, labels, n_used, n_excl, reasons, fits, starts,
              ci_level, engine_name, arrays_sorted, P0, excluded_rows) -> BatchResult:
    G = labels.size
    K = len(law.params)
    k = len(setup.varying)
    vary_idx = [law.param_names.index(p) for p in setup.varying]
    scale = prep.scheme.scale_covar
    values = np.full((G, K), np.nan)
    se = np.full((G, K), np.nan)
    rss = np.full(G, np.nan)
    ss_tot = np.full(G, np.nan)
    converged = np.zeros(G, dtype=bool)
    fitted = np.zeros(G, dtype=bool)
    singular = np.zeros(G, dtype=bool)
    cov_full = np.full((G, k, k), np.nan)
    for f in fits:
        values[f.index] = f.P
        rss[f.index] = f.rss
        ss_tot[f.index] = f.ss_tot
        converged[f.index] = f.converged
        fitted[f.index] = True
        singular[f.index] = f.singular
        cov_full[f.index] = f.cov_unscaled
    n = n_used.astype(int)
    dof = n - k
    with np.errstate(all="ignore"):
        redchi = np.where(dof > 0, rss / np.where(dof > 0, dof, 1), np.nan)
        redchi = np.where(fitted, redchi, np.nan)
        if scale:
            cov_full = cov_full * redchi[:, None, None]
        for t, j in enumerate(vary_idx):
            se[:, j] = np.sqrt(cov_full[:, t, t])
        r2 = np.where(ss_tot > 0, 1.0 - rss / ss_tot, np.nan)
    q = np.full(G, np.nan)
    for d in np.unique(dof[fitted]) if fitted.any() else []:
        q[fitted & (dof == d)] = _quantile(scale, int(d), ci_level)
    aicc, bic = _information_criteria_many(n, k, rss, scale, fitted)
    low = values - q[:, None] * se
    high = values + q[:, None] * se
    success = fitted & converged & np.all(np.isfinite(values), axis=1)

    # warnings, as fit_problem words them
    warns: dict[int, list[str]] = defaultdict(list)  # only curves with warnings get a list
    for i in np.flatnonzero(reasons != ""):
        warns[i].append(reasons[i])
    for i in np.flatnonzero(fitted & singular):
        warns[i].append("standard errors could not be estimated: the parameters are not all "
                        "determined by these data (singular covariance)")
    for j in vary_idx:
        p = law.params[j]
        start = np.maximum(np.abs(values[:, j]), np.abs(P0[:, j]))
        for bound, side in ((p.min, "lower"), (p.max, "upper")):
            if not np.isfinite(bound):
                continue
            with np.errstate(invalid="ignore"):
                at = fitted & (np.abs(values[:, j] - bound) <= 1e-6 * np.maximum(start, abs(bound)))
            for i in np.flatnonzero(at):
                warns[i].append(f"{p.name} = {values[i, j]:.6g} {punits[p.name]} sits at its {side} bound "
                                f"({bound:g}); its estimate and error are not reliable")
    top_cache = {}
    for j in vary_idx:
        p = law.params[j]
        if p.unit in law.input_names and p.name in ("km", "k_half"):
            if p.unit not in top_cache:
                top = np.full(G, -np.inf)
                nz = np.flatnonzero(n_used > 0)  # rows are sorted by curve
                if nz.size:
                    top[nz] = np.maximum.reduceat(arrays_sorted[p.unit], starts[nz])
                top_cache[p.unit] = top
            top = top_cache[p.unit]
            with np.errstate(invalid="ignore"):
                beyond = fitted & (values[:, j] > 2 * top)
            for i in np.flatnonzero(beyond):
                warns[i].append(
                    f"{p.name} = {values[i, j]:.4g} {punits[p.name]} is beyond twice the highest "
                    f"{p.unit} ({top[i]:.4g} {punits[p.name]}): it is poorly determined; measure at "
                    "higher concentrations"
                )
    for i in np.flatnonzero(fitted & ~success):
        warns[i].insert(0, "the fit did not converge: no decrease of the residuals within the "
                           "iteration limit; try --init with better starting values")
    for j in range(K):
        if law.params[j].name in setup.fixed:
            se[:, j] = low[:, j] = high[:, j] = np.nan

    names = list(law.param_names)
    units = {p: punits[p].label for p in names}
    cols_v, cols_se, cols_lo, cols_hi = [values], [se], [low], [high]
    for d in law.derived:
        a, b = law.param_names.index(d.numerator), law.param_names.index(d.denominator)
        target = parse_unit(d.unit)
        factor = convert(1.0, punits[d.numerator] / punits[d.denominator], target)
        with np.errstate(all="ignore"):
            val = values[:, a] / values[:, b] * factor
            grads = {a: 1.0 / values[:, a], b: -1.0 / values[:, b]}
            sel = [(vary_idx.index(i), g) for i, g in grads.items() if i in vary_idx]
            var = np.zeros(G)
            for ti, gi in sel:
                for tj, gj in sel:
                    var = var + gi * gj * cov_full[:, ti, tj]
            dse = np.sqrt(var * val**2) if sel else np.full(G, np.nan)
        cols_v.append(val[:, None])
        cols_se.append(dse[:, None])
        cols_lo.append((val - q * dse)[:, None])
        cols_hi.append((val + q * dse)[:, None])
        names.append(d.name)
        units[d.name] = target.label
    warning_list: list[tuple[str, ...]] = [()] * G
    for i, w in warns.items():
        warning_list[i] = tuple(w)
    warning_tuples = tuple(warning_list)
    excluded = tuple(
        (str(prep.labels[i]), Exclusion(int(prep.lines[i]), prep.reasons[i])) for i in excluded_rows
    )
    return BatchResult(
        law=law.name, curve=prep.curve, curves=labels, names=tuple(names),
        values=np.hstack(cols_v), stderr=np.hstack(cols_se), ci_low=np.hstack(cols_lo),
        ci_high=np.hstack(cols_hi), units=units, fixed=tuple(setup.fixed), n=n, dof=dof, rss=rss,
        redchi=redchi, r2=r2, aicc=aicc, bic=bic, success=success,
        warnings=warning_tuples, excluded=excluded, unassigned=tuple(prep.unassigned),
        weighting=prep.scheme.label, ci_level=ci_level, source=prep.source, engine=engine_name,
    )


# ----------------------------------------------------------------------------------------------
# Bootstrap on the same engine


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
        The curve (from :func:`mgkinetics.problem.build_problems`).
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
    x: str | None = None,
    y: str | None = None,
    inhibitor: str | None = None,
    enzyme: str | None = None,
    columns: Mapping[str, str] | None = None,
    weights: str = "none",
    fix: Mapping[str, float | str] | None = None,
    init: Mapping[str, float | str] | None = None,
    input_units: Mapping[str, str] | None = None,
) -> BootstrapResult:
    """Fit one curve with the batched engine and bootstrap it (``n`` resamples, one solve).

    Returns percentile intervals at ``level``.

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> from mgkinetics.batch import bootstrap_curve
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); v = 10 * s / (2 + s) * (1 + 0.02 * np.sin(s))
    >>> bc = bootstrap_curve({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten", n=200, seed=1)
    >>> bc.ci["km"][0] < bc.best["km"] < bc.ci["km"][1]
    True
    """
    from .problem import build_problems

    law = get_law(law)
    cols = dict(columns or {})
    for name, value in (("substrate", x), ("inhibitor", inhibitor), ("enzyme", enzyme)):
        if value is not None and name in law.input_names:
            cols[name] = value
    problems, _, ds = build_problems(data, law, columns=cols, rate=y, weights=weights,
                                     input_units=input_units)
    problem = problems[0]
    frame = {name: problem.inputs[name] for name in law.input_names}
    frame_units = {name: problem.input_units[name] for name in law.input_names}
    # fit the data with the batch engine: one curve
    punits = parameter_units(law, problem.input_units, problem.rate_unit)
    setup = _setup(law, punits, fix, init)
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
    chunk = _eng.Chunk(np.array([0]), tuple(ins[nm] for nm in law.input_names), problem.rate[None, :],
                         problem.weights[None, :], P0)
    fitres = _eng.fit_chunk(law.func, law.param_names, chunk, vary_idx, lo, hi)
    best = dict(zip(law.param_names, (float(v) for v in fitres.P[0]), strict=False))
    samples = bootstrap_fits(problem, best, n=n, seed=seed, kind=kind, fix=setup.fixed, vary=setup.varying)
    ok = np.all(np.isfinite(samples), axis=1)
    a = (1 - level) / 2
    ci = {}
    for j, name in enumerate(law.param_names):
        col = samples[ok, j]
        ci[name] = ((float(np.quantile(col, a)), float(np.quantile(col, 1 - a))) if col.size
                    else (math.nan, math.nan))
    del frame_units
    return BootstrapResult(
        best=MappingProxyType(best), ci=MappingProxyType(ci), samples=_frozen(samples),
        names=law.param_names, units=MappingProxyType({p: punits[p].label for p in law.param_names}),
        n_failed=int(np.count_nonzero(~ok)), kind=kind, level=level,
    )
