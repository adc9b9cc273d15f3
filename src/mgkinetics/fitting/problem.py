"""From a dataset and a rate law to fit problems: columns, units, groups and row accounting.

This is where a table's columns are matched to a law's inputs, every input is converted to the
unit the law is evaluated in, rows that cannot be used are excluded *with their reason*, and rows
are split into groups. The result, a :class:`FitProblem`, is plain numpy: the lmfit path and the
batched engine both start from it.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mgkinetics.data.table import Dataset, read_csv
from mgkinetics.errors import DataFormatError, FitError, Problem, UnitError
from mgkinetics.fitting.results import Exclusion
from mgkinetics.fitting.weighting import WeightScheme, parse_weights, replicate_levels
from mgkinetics.laws.registry import RateLaw, get_law
from mgkinetics.units import UNSPECIFIED, Unit, convert, parse_quantity

__all__ = ["FitProblem", "as_dataset", "build_problems", "input_columns", "RATE_ALIASES"]

#: Column stems taken for the rate when none is named.
RATE_ALIASES = ("rate", "v", "v0", "vi", "velocity", "initial_rate", "y")


@dataclass(frozen=True)
class FitProblem:
    """One group's data, ready to fit: numpy arrays in the units the law is evaluated in."""

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

    @property
    def n(self) -> int:
        """Number of rows used."""
        return int(self.rate.size)


def as_dataset(data, *, input_units: Mapping[str, str] | None = None) -> Dataset:
    """Accept a path, a :class:`Dataset` or a pandas DataFrame (never modified)."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, (str, Path)):
        return read_csv(data, input_units=input_units)
    if hasattr(data, "columns") or isinstance(data, Mapping):
        if input_units:
            from mgkinetics.units import column_suffix

            cols = list(data.columns) if hasattr(data, "columns") else list(data)
            mapping = {c: f"{c}_{column_suffix(input_units[c])}" for c in cols if c in input_units}
            data = (
                data.rename(columns=mapping)
                if hasattr(data, "rename")
                else {mapping.get(k, k): v for k, v in data.items()}
            )
        return Dataset.from_frame(data)
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
                inputs = ", ".join(law.input_names)
                raise FitError(f"--x is ambiguous for an expression with inputs {inputs}; "
                               "name each with --column INPUT=COLUMN")
            target = law.input_names[0]
        cols[target] = x
    for name, value in (("inhibitor", inhibitor), ("enzyme", enzyme)):
        if value is not None:
            cols[name] = value
    unknown = [k for k in cols if k not in law.input_names]
    if unknown:
        hint = " (michaelis_menten_kcat and the Mg laws take an enzyme)" if "enzyme" in unknown else ""
        raise FitError(f"law '{law.name}' has no input '{unknown[0]}'{hint}; its inputs are "
                       f"{', '.join(i.name for i in law.data_inputs)}")
    return cols


def _header_problem(ds: Dataset, column: str | None, message: str) -> DataFormatError:
    return DataFormatError(ds.source, [Problem(1, column, message)])


def _find_column(ds: Dataset, name: str) -> str | None:
    if name in ds.columns:
        return name
    lowered = {c.lower(): c for c in ds.columns}
    return lowered.get(name.lower())


def _did_you_mean(ds: Dataset, name: str) -> str:
    close = difflib.get_close_matches(name, list(ds.columns), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(name.lower(), [c.lower() for c in ds.columns], n=1, cutoff=0.6)
        close = [c for c in ds.columns if c.lower() == close[0]] if close else []
    return f" (did you mean '{close[0]}'?)" if close else ""


def _found(ds: Dataset) -> str:
    return ", ".join(f"'{c}'" for c in ds.columns)


_OPTION = {"substrate": "--x", "inhibitor": "--inhibitor", "enzyme": "--enzyme"}


def _option_for(input_name: str) -> str:
    return _OPTION.get(input_name, f"--column {input_name}=COLUMN")


def _stem(ds: Dataset, column: str) -> str:
    from mgkinetics.units import parse_column

    return parse_column(column)[0].lower()


def _resolve_input(ds: Dataset, law: RateLaw, spec, given: str | None, taken: set[str]):
    """Return ('column', name) or ('constant', (value, unit))."""
    if given is not None:
        col = _find_column(ds, given)
        if col is not None:
            return "column", col
        if spec.kind in ("enzyme", "concentration"):
            try:
                return "constant", parse_quantity(given)
            except UnitError:
                pass
        raise _header_problem(
            ds,
            None,
            f"no column '{given}' for the {spec.description or spec.name}; "
            f"found {_found(ds)}{_did_you_mean(ds, given)}",
        )
    if law.units_optional:  # user expressions name their columns directly, suffix or not
        named = [
            c for c in ds.columns if c not in taken and (c == spec.name or _stem(ds, c) == spec.name.lower())
        ]
        if len(named) == 1:
            return "column", named[0]
    numeric = [c for c in ds.columns if ds.units.get(c) is not None and c not in taken]
    by_alias = [c for c in numeric if _stem(ds, c) in spec.aliases]
    if len(by_alias) == 1:
        return "column", by_alias[0]
    if spec.kind == "enzyme":
        meta = ds.metadata.get("enzyme_concentration")
        if isinstance(meta, str):
            return "constant", parse_quantity(meta)
        raise _header_problem(
            ds,
            None,
            f"law '{law.name}' needs the enzyme concentration: give --enzyme 2nM (a value "
            "with its unit) or --enzyme COLUMN, or add a column such as 'enzyme_nM'",
        )
    candidates = by_alias or [c for c in numeric if ds.units[c].kind == "concentration"]
    if len(candidates) == 1 and (
        by_alias or len(law.inputs) == 1 or sum(1 for i in law.inputs if i.kind == "concentration") == 1
    ):
        return "column", candidates[0]
    unsuffixed = [c for c in ds.columns if ds.units.get(c) is None and _stem(ds, c) in spec.aliases]
    if unsuffixed:
        raise _header_problem(
            ds,
            unsuffixed[0],
            "has no unit suffix; rename it with its unit, e.g. "
            f"'{unsuffixed[0]}_mM' (concentrations: _M, _mM, _uM, _nM)",
        )
    what = (
        "several candidates: " + ", ".join(f"'{c}'" for c in candidates)
        if candidates
        else (f"none found among {_found(ds)}")
    )
    raise _header_problem(
        ds,
        None,
        f"cannot tell which column is the {spec.description or spec.name} of law "
        f"'{law.name}' ({what}); name it with {_option_for(spec.name)}",
    )


def _resolve_rate(ds: Dataset, given: str | None, exclude: set[str]) -> str:
    if given is not None:
        col = _find_column(ds, given)
        if col is None:
            raise _header_problem(
                ds, None, f"no rate column '{given}'; found {_found(ds)}{_did_you_mean(ds, given)}"
            )
        return col
    rates = [
        c
        for c in ds.columns
        if c not in exclude and ds.units.get(c) is not None and ds.units[c].kind in ("rate", "frequency")
    ]
    named = [c for c in rates if _stem(ds, c) in RATE_ALIASES]
    if len(named) == 1:
        return named[0]
    if len(rates) == 1:
        return rates[0]
    if not rates:
        unsuffixed = [c for c in ds.columns if ds.units.get(c) is None and _stem(ds, c) in RATE_ALIASES]
        if unsuffixed:
            raise _header_problem(
                ds,
                unsuffixed[0],
                "has no unit suffix; rename it with the rate's unit, e.g. "
                f"'{unsuffixed[0]}_uM_per_s' or '{unsuffixed[0]}_mM_per_min'",
            )
        raise _header_problem(
            ds, None, f"no rate column (a name ending in a rate unit such as _uM_per_s) among {_found(ds)}"
        )
    raise _header_problem(
        ds, None, "several rate columns (" + ", ".join(f"'{c}'" for c in rates) + "); choose one with --y"
    )


def _check_unit(
    ds: Dataset, column: str, expected: tuple[str, ...], role: str, optional: bool = False
) -> Unit:
    unit = ds.units.get(column)
    if optional:  # expression laws: any unit, or none (reported as "unspecified")
        return UNSPECIFIED if unit is None else unit
    if unit is None:
        raise _header_problem(
            ds,
            column,
            f"has no unit suffix but is used as the {role}; rename it with its unit "
            "(e.g. _mM for a concentration, _uM_per_s for a rate)",
        )
    if unit.kind not in expected:
        raise _header_problem(
            ds, column, f"is a {unit.kind} ({unit}) but the {role} must be a {' or '.join(expected)}"
        )
    return unit


def _numeric(ds: Dataset, column: str) -> np.ndarray:
    """A column as floats; unsuffixed (text) columns are parsed here, naming every bad cell."""
    values = ds.values[column]
    if ds.is_numeric(column):
        return np.array(values, dtype=float)
    out = np.full(values.size, np.nan)
    problems = []
    for i, text in enumerate(values):
        if str(text).strip() == "":
            continue
        try:
            out[i] = float(text)
        except ValueError:
            problems.append(Problem(int(ds.lines[i]), column, f"'{text}' is not a number"))
    if problems:
        raise DataFormatError(ds.source, problems)
    return out


def _row_reasons(
    ds: Dataset, used_columns: Mapping[str, str], sd_col: str | None, weight_reasons: list[str | None]
) -> list[str | None]:
    """Why each row cannot be used (None when it can): empty cells first, then weights."""
    cols = [
        c
        for c in dict.fromkeys(list(used_columns.values()) + ([sd_col] if sd_col else []))
        if c in ds.values and ds.is_numeric(c)
    ]
    empty = np.column_stack([np.isnan(ds.values[c]) for c in cols]) if cols else np.zeros((len(ds), 0), bool)
    reasons: list[str | None] = list(weight_reasons)
    for i in np.flatnonzero(empty.any(axis=1)):
        reasons[i] = "empty " + ", ".join(f"'{c}'" for c, e in zip(cols, empty[i]) if e)
    return reasons


def _group_keys(ds: Dataset, groups: list[str]) -> tuple[np.ndarray, list[Exclusion]]:
    """An integer group id per row (-1 for rows with an empty group cell) and their exclusions."""
    n = len(ds)
    if not groups:
        return np.zeros(n, dtype=int), []
    stacked = np.column_stack([ds.values[g].astype(str) for g in groups])
    blank = stacked == ""
    joined = np.array(["\x1f".join(row) for row in stacked]) if n else np.array([], dtype=str)
    _, ids = np.unique(joined, return_inverse=True)
    ids = ids.astype(int)
    unassigned = []
    for i in np.flatnonzero(blank.any(axis=1)):
        empty = [g for g, b in zip(groups, blank[i]) if b]
        unassigned.append(Exclusion(int(ds.lines[i]), f"group column '{empty[0]}' is empty"))
        ids[i] = -1
    return ids, unassigned


def _group_labels(ds: Dataset, groups: list[str]) -> dict[int, dict[str, str]]:
    """Group id -> {column: value}, matching :func:`_group_keys`."""
    if not groups:
        return {0: {}}
    stacked = np.column_stack([ds.values[g].astype(str) for g in groups])
    joined = np.array(["\x1f".join(row) for row in stacked]) if len(ds) else np.array([], dtype=str)
    uniq, first = np.unique(joined, return_index=True)
    return {k: dict(zip(groups, stacked[first[k]])) for k in range(uniq.size)}


#: Conditions used when neither columns, options nor metadata give them (science.md §5).
DEFAULT_CONDITIONS = {"ph": 7.5, "temperature_C": 25.0, "ionic_strength_M": 0.15}
_CONDITION_STEMS = {
    "ph": ("ph",),
    "temperature_C": ("temperature_c", "temperature"),
    "ionic_strength_M": ("ionic_strength", "ionic_strength_m", "i"),
}


def _conditions(ds: Dataset, options: Mapping[str, float] | None) -> tuple[dict[str, np.ndarray], str]:
    """Per-row pH, temperature (°C) and ionic strength (M), and where they came from."""
    n = len(ds)
    meta = ds.metadata.get("conditions", {}) if isinstance(ds.metadata.get("conditions"), Mapping) else {}
    options = dict(options or {})
    rows: dict[str, np.ndarray] = {}
    sources = []
    for name, stems in _CONDITION_STEMS.items():
        col = next(
            (
                c
                for c in ds.columns
                if c.lower() in stems
                or (
                    ds.units.get(c) is not None
                    and _stem(ds, c) in stems
                    and ds.units[c].kind == "concentration"
                )
            ),
            None,
        )
        if col is not None and ds.is_numeric(col):
            values = np.array(ds.values[col], dtype=float)
            if ds.units.get(col) is not None:  # ionic strength given in mM, say
                values = convert(values, ds.units[col], "M")
            rows[name] = values
            sources.append(f"{name} from column '{col}'")
        elif options.get(name) is not None:
            rows[name] = np.full(n, float(options[name]))
            sources.append(f"{name} from option")
        elif name in meta:
            rows[name] = np.full(n, float(meta[name]))
            sources.append(f"{name} from metadata")
        else:
            rows[name] = np.full(n, DEFAULT_CONDITIONS[name])
            sources.append(f"{name} default")
    return rows, "; ".join(sources)


def build_problems(
    data,
    law: str | RateLaw,
    *,
    columns: Mapping[str, str] | None = None,
    rate: str | None = None,
    group: str | list[str] | tuple[str, ...] | None = None,
    weights: str | WeightScheme | None = "none",
    input_units: Mapping[str, str] | None = None,
    conditions: Mapping[str, float] | None = None,
) -> tuple[list[FitProblem], tuple[Exclusion, ...], Dataset]:
    """Turn a table into one :class:`FitProblem` per group.

    Parameters
    ----------
    data : path, Dataset or DataFrame
    law : str or RateLaw
    columns : mapping, optional
        Law input name → column name, or a quantity such as ``"2nM"`` for a constant input.
    rate : str, optional
        The rate column; found by name or unit when omitted.
    group : str or sequence of str, optional
        Column(s) whose values split the rows into separate fits.
    weights : str or WeightScheme
        See :mod:`mgkinetics.fitting.weighting`.
    input_units : mapping, optional
        Units of columns without a unit suffix.
    conditions : mapping, optional
        ``ph``, ``temperature_C``, ``ionic_strength_M`` for laws that use them, where the data
        have no such columns (columns win, then these options, then the metadata's
        ``conditions``, then the defaults pH 7.5, 25 °C, 0.15 M, which the result reports).

    Returns
    -------
    problems : list of FitProblem
    unassigned : tuple of Exclusion
        Rows that no group could take (empty group cell).
    dataset : Dataset
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
    sd_col = None
    if scheme.kind == "sd":
        sd_col = _find_column(ds, scheme.column)
        if sd_col is None:
            raise _header_problem(
                ds,
                None,
                f"no SD column '{scheme.column}' for weights; found {_found(ds)}"
                f"{_did_you_mean(ds, scheme.column)}",
            )
    groups = [group] if isinstance(group, str) else list(group or [])
    for g in groups:
        if _find_column(ds, g) is None:
            raise _header_problem(
                ds, None, f"no group column '{g}'; found {_found(ds)}{_did_you_mean(ds, g)}"
            )
    groups = [_find_column(ds, g) for g in groups]

    taken: set[str] = set(groups) | ({sd_col} if sd_col else set())
    resolved = {}
    column_problems: list[Problem] = []
    unbound: set[str] = set()
    if law.name.startswith("expr:"):  # exact name or unit-stripped stem only; never the response
        from mgkinetics.laws.expression_columns import bind_columns

        response = _find_column(ds, rate) if rate is not None else None
        bound, messages = bind_columns(law, ds.columns, given=columns, response=response)
        column_problems += [Problem(1, None, m) for m in messages]
        unbound = {n for n in law.input_names if n not in bound and n not in columns}
        columns = {**bound, **columns}
    for spec in law.data_inputs:
        if spec.name in unbound:
            continue
        if spec.optional and columns.get(spec.name) is None:
            numeric = [c for c in ds.columns if ds.units.get(c) is not None and c not in taken]
            hits = [c for c in numeric if _stem(ds, c) in spec.aliases]
            if len(hits) != 1:
                resolved[spec.name] = ("absent", None)
                continue
        # Collect every column problem (each input, then the rate) before raising, so one run
        # of the command names them all.
        try:
            kind, what = _resolve_input(ds, law, spec, columns.get(spec.name), taken)
            if kind == "column":
                _check_unit(ds, what, ("concentration",), spec.description or spec.name, law.units_optional)
        except DataFormatError as exc:
            column_problems.extend(exc.problems)
            continue
        resolved[spec.name] = (kind, what)
        if kind == "column":
            taken.add(what)
    if rate is None and law.units_optional:  # an unsuffixed 'y'/'rate' column is fine here
        rate = next((c for c in ds.columns if c not in taken and _stem(ds, c) in RATE_ALIASES), None)
    try:
        rate_col = _resolve_rate(ds, rate, taken)
        rate_unit = _check_unit(ds, rate_col, ("rate", "frequency"), "rate", law.units_optional)
    except DataFormatError as exc:
        column_problems.extend(exc.problems)
    if column_problems:
        raise DataFormatError(ds.source, column_problems)

    n_rows = len(ds)
    arrays: dict[str, np.ndarray] = {}
    units: dict[str, Unit] = {}
    used_columns: dict[str, str] = {}
    absent = []
    for spec in law.data_inputs:
        kind, what = resolved[spec.name]
        expected = ("concentration",)
        if kind == "absent":
            absent.append(spec.name)
            continue
        if kind == "column":
            unit = _check_unit(ds, what, expected, spec.description or spec.name, law.units_optional)
            values = _numeric(ds, what)
            used_columns[spec.name] = what
        else:
            value, unit = what
            if unit.kind not in expected:
                raise FitError(f"{spec.name} must be a concentration, got {value:g} {unit}")
            values = np.full(n_rows, value)
            used_columns[spec.name] = f"{value:g} {unit}"
        if spec.kind == "enzyme":
            if rate_unit.kind != "rate":
                raise FitError(
                    f"law '{law.name}' needs rates in concentration per time to give kcat; "
                    f"'{rate_col}' is in {rate_unit}"
                )
            target = Unit(rate_unit.conc, 1)
            values = convert(values, unit, target)
            unit = target
        arrays[spec.name] = values
        units[spec.name] = unit
    if law.shared_unit_inputs:
        first = law.shared_unit_inputs[0]
        for name in law.shared_unit_inputs[1:]:
            if name in arrays:
                arrays[name] = convert(arrays[name], units[name], units[first])
                units[name] = units[first]
    for name in absent:  # an optional input not in the data: zero, in the shared unit
        arrays[name] = np.zeros(n_rows)
        units[name] = (
            units[law.shared_unit_inputs[0]] if law.shared_unit_inputs else units[law.inputs[0].name]
        )
        used_columns[name] = "absent (0)"
    cond_rows, cond_source = _conditions(ds, conditions) if law.uses_conditions else ({}, "")
    used_columns["rate"] = rate_col
    y = _numeric(ds, rate_col)
    sd = None
    if sd_col:
        _check_unit(ds, sd_col, (rate_unit.kind,), "SD of the rate")
        sd = convert(np.array(ds.values[sd_col], dtype=float), ds.units[sd_col], rate_unit)
    levels = replicate_levels(arrays, y) if scheme.kind.startswith("replicates") else None
    w, weight_reasons = scheme.weights(np.nan_to_num(y, nan=1.0), sd, levels)

    reasons = _row_reasons(ds, used_columns, sd_col, weight_reasons)
    for name, values in cond_rows.items():
        for i in np.flatnonzero(np.isnan(values)):
            reasons[i] = reasons[i] or f"empty condition '{name}'"
    if law.units_optional:  # unsuffixed columns are text in the Dataset: mark their empty cells here
        for name, col in used_columns.items():
            arr = y if name == "rate" else arrays.get(name)
            if arr is not None and col in ds.values and not ds.is_numeric(col):
                for i in np.flatnonzero(np.isnan(arr)):
                    reasons[i] = reasons[i] or f"empty '{col}'"
    keys, unassigned = _group_keys(ds, groups)
    problems = []
    order = np.unique(keys[keys >= 0]) if keys.size else np.array([], dtype=int)
    # groups in order of first appearance in the file
    first_seen = {int(k): int(np.flatnonzero(keys == k)[0]) for k in order}
    group_labels = _group_labels(ds, groups)
    usable = np.array([r is None for r in reasons], dtype=bool)
    for key in sorted(first_seen, key=first_seen.get):
        members = keys == key
        ok = members & usable
        excluded = tuple(Exclusion(int(ds.lines[i]), reasons[i]) for i in np.flatnonzero(members & ~usable))
        inputs = {k: v[ok] for k, v in arrays.items()}
        conds: dict = {}
        if law.uses_conditions:
            rows = {k: v[ok] for k, v in cond_rows.items()}
            ref = {k: (float(v[0]) if v.size else math.nan) for k, v in rows.items()}
            varies = any(v.size and np.ptp(v) > 0 for v in rows.values())
            conds = {**ref, "source": cond_source, "varies": bool(varies)}
            if law.prepare is not None and rows["ph"].size:
                shared = law.shared_unit_inputs[0] if law.shared_unit_inputs else law.inputs[0].name
                inputs.update(law.prepare(inputs, {**rows, "reference": ref}, units[shared]))
        problems.append(
            FitProblem(
                law=law,
                inputs=inputs,
                rate=y[ok],
                weights=w[ok],
                scheme=scheme,
                input_units=units,
                rate_unit=rate_unit,
                columns=used_columns,
                lines=ds.lines[ok],
                excluded=excluded,
                group=group_labels[key],
                source=ds.source,
                conditions=conds,
            )
        )
    return problems, tuple(unassigned), ds
