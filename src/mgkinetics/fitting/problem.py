"""The one problem builder: from a table and a rate law to arrays, units, weights, groups and rows.

:func:`prepare_table` does the work once for the whole table, vectorised: it matches columns to
the law's inputs (:mod:`mgkinetics.fitting.columns`), converts every input to the unit the law is
evaluated in, resolves the conditions (:mod:`mgkinetics.data.conditions`), computes the weights,
gives each row its group and each unusable row its reason, refuses silent pooling and lists the
numeric columns it does not use. :func:`build_problems` splits the result into one
:class:`FitProblem` per group (fit, global fits, compare, select); the batch engine
(:mod:`mgkinetics.batch.table`) reads the :class:`PreparedTable` directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.data.conditions import resolve_conditions
from mgkinetics.data.table import Dataset, read_csv
from mgkinetics.errors import DataFormatError, FitError, Problem
from mgkinetics.fitting.columns import (
    RATE_ALIASES,
    check_unit,
    did_you_mean,
    find_column,
    found_columns,
    header_problem,
    input_arrays,
    numeric_column,
    resolve_columns,
)
from mgkinetics.fitting.condition_columns import check_condition_columns
from mgkinetics.fitting.means import count_column, sd_of_means
from mgkinetics.fitting.results import Exclusion
from mgkinetics.fitting.rows import group_keys, row_reasons, silent_pooling, unused_columns
from mgkinetics.fitting.weighting import WeightScheme, parse_weights, replicate_levels
from mgkinetics.laws.registry import RateLaw, get_law
from mgkinetics.units import Unit, convert

__all__ = [
    "FitProblem",
    "PreparedTable",
    "as_dataset",
    "build_problems",
    "input_columns",
    "prepare_table",
    "RATE_ALIASES",
]


@dataclass(frozen=True)
class FitProblem:
    """One group's data, ready to fit: numpy arrays in the units the law is evaluated in.

    ``unused`` lists the numeric columns of the table that the fit does not use.
    """

    law: RateLaw
    inputs: Mapping[str, np.ndarray]
    rate: np.ndarray
    weights: np.ndarray
    scheme: WeightScheme
    input_units: Mapping[str, Unit]
    rate_unit: Unit
    columns: Mapping[str, str]
    lines: np.ndarray
    excluded: tuple[Exclusion, ...]
    group: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    conditions: Mapping[str, np.ndarray] = field(default_factory=dict)
    unused: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of rows used."""
        return int(self.rate.size)


@dataclass
class PreparedTable:
    """The whole table, prepared for one law (every array has one entry per row of ``dataset``).

    ``keys`` is the group id of each row (-1: an empty group cell, listed in ``unassigned``),
    numbered in order of first appearance; ``reasons`` says why a row cannot be used (None: it can).
    """

    dataset: Dataset
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
    groups: list[str]
    columns: dict[str, str]
    conditions: dict[str, np.ndarray]
    condition_source: str
    unused: tuple[str, ...]


def as_dataset(
    data, *, input_units: Mapping[str, str] | None = None, sheet: str | None = None, wide=None
) -> Dataset:
    """Accept a path, a :class:`Dataset` or a pandas DataFrame / dict of columns (never modified)."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (str, Path)):
        return read_csv(data, input_units=input_units, sheet=sheet, wide=wide)
    if hasattr(data, "columns") or isinstance(data, Mapping):
        from mgkinetics.data.wide import to_long

        return to_long(Dataset.from_frame(data, input_units=input_units), wide)
    raise TypeError(f"cannot read data from {type(data).__name__}; give a path, Dataset or DataFrame")


def input_columns(
    law: RateLaw,
    columns: Mapping[str, str] | None = None,
    *,
    x: str | None = None,
    inhibitor: str | None = None,
    enzyme: str | None = None,
) -> dict[str, str]:
    """Law input -> column (or quantity) from ``columns`` and the --x/--inhibitor/--enzyme shortcuts.

    ``x`` names the substrate, or the one input of a single-input expression law. A shortcut for an
    input the law does not have is an error (``--enzyme`` with the Vmax-form law, say), not ignored.

    Raises
    ------
    FitError
        Naming the law's inputs.
    """
    cols = dict(columns or {})
    if x is not None:
        target = "substrate"
        if "substrate" not in law.input_names and law.units_optional:
            if len(law.input_names) != 1:
                raise FitError(
                    f"--x is ambiguous for an expression with inputs {', '.join(law.input_names)}; "
                    "name each with --column INPUT=COLUMN"
                )
            target = law.input_names[0]
        cols[target] = x
    for name, value in (("inhibitor", inhibitor), ("enzyme", enzyme)):
        if value is not None:
            cols[name] = value
    unknown = [k for k in cols if k not in law.input_names]
    if unknown:
        hint = " (michaelis_menten_kcat and the Mg laws take an enzyme)" if "enzyme" in unknown else ""
        raise FitError(
            f"law '{law.name}' has no input '{unknown[0]}'{hint}; its inputs are "
            f"{', '.join(i.name for i in law.data_inputs)}"
        )
    return cols


def _sd_and_groups(ds: Dataset, scheme: WeightScheme, group) -> tuple[str | None, list[str]]:
    sd_col = None
    if scheme.kind == "sd":
        sd_col = find_column(ds, scheme.column)
        if sd_col is None:
            raise header_problem(
                ds,
                None,
                f"no SD column '{scheme.column}' for weights; found "
                f"{found_columns(ds)}{did_you_mean(ds, scheme.column)}",
            )
    groups = [group] if isinstance(group, str) else list(group or [])
    missing = [g for g in groups if find_column(ds, g) is None]
    if missing:
        raise DataFormatError(
            ds.source,
            [
                Problem(1, None, f"no group column '{g}'; found {found_columns(ds)}{did_you_mean(ds, g)}")
                for g in missing
            ],
        )
    return sd_col, [find_column(ds, g) for g in groups]


def prepare_table(
    data,
    law: str | RateLaw,
    *,
    columns: Mapping[str, str] | None = None,
    rate: str | None = None,
    group: str | list[str] | tuple[str, ...] | None = None,
    weights: str | WeightScheme | None = "none",
    input_units: Mapping[str, str] | None = None,
    conditions: Mapping[str, float] | None = None,
    pool: bool = False,
) -> PreparedTable:
    """Prepare a whole table for one law (see the module docstring).

    Parameters
    ----------
    data : path, Dataset or DataFrame
    law : str or RateLaw
    columns : mapping, optional
        Law input name → column name, or a quantity such as ``"2nM"`` for a constant input.
    rate : str, optional
        The rate column; found by name or unit when omitted (a second candidate is an error).
    group : str or sequence of str, optional
        Column(s) whose values split the rows into separate fits.
    weights : str or WeightScheme
        See :mod:`mgkinetics.fitting.weighting`.
    input_units : mapping, optional
        Units of columns whose header has none.
    conditions : mapping, optional
        ``ph``, ``temperature_C`` (or ``temperature_K``), ``ionic_strength_M`` for laws that use
        them (:func:`mgkinetics.data.conditions.resolve_conditions`: columns win, then these, then
        the metadata's ``conditions``, then the defaults pH 7.5, 25 °C, 0.15 M).
    pool : bool
        Fit rows of different labels (a text column with several values that no ``group`` names)
        as one data set; without it, such a table is refused.

    Returns
    -------
    PreparedTable

    Raises
    ------
    DataFormatError
        Columns that cannot be matched, bad cells, or labels that would be pooled silently.
    """
    ds = as_dataset(data, input_units=input_units)
    law = get_law(law)
    scheme = parse_weights(weights)
    columns = dict(columns or {})
    unknown = [k for k in columns if k not in law.input_names]
    if unknown:
        raise FitError(
            f"law '{law.name}' has no input '{unknown[0]}'; its inputs are {', '.join(law.input_names)}"
        )
    sd_col, groups = _sd_and_groups(ds, scheme, group)
    count_col = count_column(ds, scheme)
    resolved, rate_col, rate_unit = resolve_columns(
        ds, law, columns, rate, set(groups) | {sd_col, count_col} - {None}
    )
    arrays, units, used = input_arrays(ds, law, resolved, rate_col, rate_unit)
    if law.uses_conditions:
        cond = resolve_conditions(ds, conditions)
        check_condition_columns(ds, law, used, dict(cond.sources))
        cond_rows, cond_source = dict(cond.values), cond.source
    else:
        cond_rows, cond_source = {}, ""
    used["rate"] = rate_col
    y = numeric_column(ds, rate_col)
    sd = None
    if sd_col:
        check_unit(ds, sd_col, (rate_unit.kind,), "SD of the rate")
        sd = convert(np.array(ds.values[sd_col], dtype=float), ds.units[sd_col], rate_unit)
    keys, unassigned = group_keys(ds, groups)
    levels = None
    if scheme.kind.startswith("replicates"):  # replicates are rows of one group with identical inputs
        levels = replicate_levels({**arrays, "\x00group": keys.astype(float)}, y)
    sd, count_reasons = sd_of_means(ds, scheme, sd_col, count_col, sd, set(used.values()) | set(groups))
    w, weight_reasons = scheme.weights(np.nan_to_num(y, nan=1.0), sd, levels, groups=keys)
    weight_reasons = [c or r for c, r in zip(count_reasons, weight_reasons)] if sd_col else weight_reasons
    reasons = row_reasons(ds, used, sd_col, weight_reasons, cond_rows, y, arrays, law.units_optional)
    taken = set(used.values()) | set(groups) | {sd_col, count_col} - {None}
    if not pool:
        silent_pooling(ds, taken, keys)
    unused = unused_columns(ds, taken)
    return PreparedTable(
        ds,
        law,
        scheme,
        arrays,
        units,
        rate_unit,
        y,
        np.asarray(w, dtype=float),
        reasons,
        keys,
        unassigned,
        groups,
        used,
        cond_rows,
        cond_source,
        unused,
    )


def build_problems(
    data, law: str | RateLaw, **table: Any
) -> tuple[list[FitProblem], tuple[Exclusion, ...], Dataset]:
    """Turn a table into one :class:`FitProblem` per group.

    The keywords (``columns``, ``rate``, ``group``, ``weights``, ``input_units``, ``conditions``,
    ``pool``) are those of :func:`prepare_table`.

    Returns
    -------
    problems : list of FitProblem
        In order of the groups' first appearance.
    unassigned : tuple of Exclusion
        Rows that no group could take (empty group cell).
    dataset : Dataset

    Raises
    ------
    DataFormatError
        Columns that cannot be matched, bad cells, or labels that would be pooled silently.
    """
    prep = prepare_table(data, law, **table)
    return split_groups(prep), tuple(prep.unassigned), prep.dataset


def _group_conditions(prep: PreparedTable, ok: np.ndarray, inputs: dict) -> dict:
    law = prep.law
    if not law.uses_conditions:
        return {}
    rows = {k: v[ok] for k, v in prep.conditions.items()}
    ref = {k: (float(v[0]) if v.size else math.nan) for k, v in rows.items()}
    varies = any(v.size and np.ptp(v) > 0 for v in rows.values())
    if law.prepare is not None and rows["ph"].size:
        shared = law.shared_unit_inputs[0] if law.shared_unit_inputs else law.inputs[0].name
        inputs.update(law.prepare(inputs, {**rows, "reference": ref}, prep.units[shared]))
    return {**ref, "source": prep.condition_source, "varies": bool(varies)}


def split_groups(prep: PreparedTable) -> list[FitProblem]:
    """One :class:`FitProblem` per group of a :class:`PreparedTable`, in order of first appearance."""
    ds = prep.dataset
    usable = np.equal(np.array(prep.reasons, dtype=object), None)  # C-level, no loop over rows
    labels = _group_labels(ds, prep.groups, prep.keys)
    columns = dict(prep.columns)
    if prep.unused:
        columns["unused"] = ", ".join(prep.unused)
    out = []
    for key in range(int(prep.keys.max()) + 1 if prep.keys.size else 0):
        members = prep.keys == key
        ok = members & usable
        excluded = tuple(
            Exclusion(int(ds.lines[i]), prep.reasons[i]) for i in np.flatnonzero(members & ~usable)
        )
        inputs = {k: v[ok] for k, v in prep.arrays.items()}
        conds = _group_conditions(prep, ok, inputs)
        out.append(
            FitProblem(
                law=prep.law,
                inputs=inputs,
                rate=prep.y[ok],
                weights=prep.w[ok],
                scheme=prep.scheme,
                input_units=prep.units,
                rate_unit=prep.rate_unit,
                columns=columns,
                lines=ds.lines[ok],
                excluded=excluded,
                group=labels[key],
                source=ds.source,
                conditions=conds,
                unused=prep.unused,
            )
        )
    return out


def _group_labels(ds: Dataset, groups: list[str], keys: np.ndarray) -> dict[int, dict[str, str]]:
    if not groups:
        return {0: {}}
    valid = np.flatnonzero(keys >= 0)
    uniq, first = np.unique(keys[valid], return_index=True)
    return {int(k): {g: str(ds.values[g][valid[f]]) for g in groups} for k, f in zip(uniq, first)}
