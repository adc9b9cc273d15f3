"""Preparing a long-format table for :func:`mgkinetics.fit_many`: columns to curve-sorted arrays.

Vectorised over the whole table; mirrors :func:`mgkinetics.fitting.problem.build_problems` (same column
resolution, units and row reasons, via the helpers of :mod:`mgkinetics.fitting.problem`) without building
one :class:`~mgkinetics.fitting.problem.FitProblem` per curve:

* :func:`_dataset` and :func:`_text_factors` - the table as a Dataset, with a fast path for clean
  numeric frames; :func:`_prepare` - inputs, rate and weights in their units, why each row is
  left out, and the curve id of each row (:func:`_curve_keys`).
* :func:`_first_appearance` and :func:`_usable` - row accounting: curves in order of first
  appearance, usable rows.
* :func:`_bucket_plan` and :func:`_pad` - packing curves of similar length into padded blocks for
  the batched solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.problem import (
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
from mgkinetics.fitting.weighting import WeightScheme, parse_weights
from mgkinetics.laws.registry import RateLaw
from mgkinetics.units import Unit, convert

__all__: list[str] = []  # private helpers of mgkinetics.batch.many


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
    from mgkinetics.data.table import Dataset, _column_kind

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
# Row accounting


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
