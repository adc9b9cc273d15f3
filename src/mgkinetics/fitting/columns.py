"""Matching a table's columns to a rate law's inputs and response, with errors that say what to do.

Columns are found by exact name, case-insensitively, or by stem (``ATP`` finds ``[ATP] mM``); an
input not named is found by its aliases (``s``, ``substrate`` ...) or, failing that, as the only
concentration column. Condition columns (pH, temperature, ionic strength) are never inputs.
"""

from __future__ import annotations

import difflib
import re

import numpy as np

from mgkinetics.errors import DataFormatError, FitError, Problem, UnitError
from mgkinetics.units import UNSPECIFIED, Unit, convert, parse_quantity

__all__ = [
    "RATE_ALIASES",
    "INPUT_UNIT_HINT",
    "header_problem",
    "find_column",
    "did_you_mean",
    "found_columns",
    "is_spread",
    "resolve_input",
    "resolve_rate",
    "check_unit",
    "numeric_column",
    "resolve_columns",
    "input_arrays",
    "INPUT_OPTIONS",
]

#: Column stems taken for the rate when none is named.
RATE_ALIASES = ("rate", "v", "v0", "vi", "velocity", "initial_rate", "y")
#: How to give a unit, in every message that asks for one.
INPUT_UNIT_HINT = (
    "give its unit in the header (e.g. 'S (mM)', 'Rate (uM/min)') or with --input-unit COLUMN=UNIT"
)
_SPREAD_RE = re.compile(r"(^|[\s_\-(])(sd|sem|se|std|stdev|stderr|err|error)([\s_\-)]|$)", re.IGNORECASE)
#: The CLI option that names each input column.
INPUT_OPTIONS = {"substrate": "--x", "inhibitor": "--inhibitor", "enzyme": "--enzyme"}


def header_problem(ds, column: str | None, message: str) -> DataFormatError:
    """A DataFormatError about the header (line 1) of ``ds``."""
    return DataFormatError(ds.source, [Problem(1, column, message)])


def find_column(ds, name: str) -> str | None:
    """The column ``name`` refers to (exact, case-insensitive, or stem), or None."""
    return ds.find(name)


def did_you_mean(ds, name: str) -> str:
    """`` (did you mean 'X'?)`` for the closest column name, or ''."""
    close = difflib.get_close_matches(name, list(ds.columns), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(name.lower(), [c.lower() for c in ds.columns], n=1, cutoff=0.6)
        close = [c for c in ds.columns if c.lower() == close[0]] if close else []
    return f" (did you mean '{close[0]}'?)" if close else ""


def found_columns(ds) -> str:
    """The columns of ``ds``, quoted, for messages."""
    return ", ".join(f"'{c}'" for c in ds.columns)


def is_spread(ds, column: str) -> bool:
    """True for a column whose name says it holds an SD/SEM/error, never a response."""
    return bool(_SPREAD_RE.search(ds.stems[column]))


def _stem(ds, column: str) -> str:
    return ds.stems[column].lower()


def _numeric_candidates(ds, taken: set[str]) -> list[str]:
    return [
        c for c in ds.columns if ds.units.get(c) is not None and c not in taken and ds.kinds[c] != "condition"
    ]


def _named(ds, law, spec, taken):
    if law.units_optional:  # user expressions name their columns directly, unit or not
        named = [
            c for c in ds.columns if c not in taken and (c == spec.name or _stem(ds, c) == spec.name.lower())
        ]
        if len(named) == 1:
            return named[0]
    by_alias = [c for c in _numeric_candidates(ds, taken) if _stem(ds, c) in spec.aliases]
    if not by_alias:  # 'I_mM', 'I (mM)': ionic strength by the conditions' rule, an inhibitor here
        by_alias = [
            c
            for c in ds.columns
            if c not in taken
            and ds.kinds[c] == "condition"
            and _stem(ds, c) in spec.aliases
            and getattr(ds.units.get(c), "kind", None) == "concentration"
        ]
    return by_alias[0] if len(by_alias) == 1 else None


def resolve_input(ds, law, spec, given: str | None, taken: set[str]):
    """``('column', name)`` or ``('constant', (value, unit))`` for one law input.

    Raises
    ------
    DataFormatError
        No such column, no candidate, several candidates, or a candidate without a unit.
    """
    if given is not None:
        col = find_column(ds, given)
        if col is not None:
            return "column", col
        if spec.kind in ("enzyme", "concentration"):
            try:
                return "constant", parse_quantity(given)
            except UnitError:
                pass
        raise header_problem(
            ds,
            None,
            f"no column '{given}' for the {spec.description or spec.name}; "
            f"found {found_columns(ds)}{did_you_mean(ds, given)}",
        )
    named = _named(ds, law, spec, taken)
    if named is not None:
        return "column", named
    if spec.kind == "enzyme":
        meta = ds.metadata.get("enzyme_concentration")
        if isinstance(meta, str):
            return "constant", parse_quantity(meta)
        raise header_problem(
            ds,
            None,
            f"law '{law.name}' needs the enzyme concentration: give --enzyme 2nM (a "
            "value with its unit) or --enzyme COLUMN, or add a column such as 'enzyme_nM'",
        )
    numeric = _numeric_candidates(ds, taken)
    candidates = [c for c in numeric if ds.units[c].kind == "concentration"]
    if len(candidates) == 1 and (
        len(law.inputs) == 1 or sum(i.kind == "concentration" for i in law.inputs) == 1
    ):
        return "column", candidates[0]
    unitless = [c for c in ds.columns if ds.units.get(c) is None and _stem(ds, c) in spec.aliases]
    if unitless:
        raise header_problem(
            ds,
            unitless[0],
            f"has no unit but looks like the {spec.description or spec.name}; "
            + INPUT_UNIT_HINT.replace("COLUMN", unitless[0]).replace("UNIT", "mM"),
        )
    what = (
        "several candidates: " + ", ".join(f"'{c}'" for c in candidates)
        if candidates
        else f"none found among {found_columns(ds)}"
    )
    option = INPUT_OPTIONS.get(spec.name, f"--column {spec.name}=COLUMN")
    raise header_problem(
        ds,
        None,
        f"cannot tell which column is the {spec.description or spec.name} of law "
        f"'{law.name}' ({what}); name it with {option}",
    )


def resolve_rate(ds, given: str | None, exclude: set[str]) -> str:
    """The response column: ``given``, or the one rate-like column (a second one is an error).

    Raises
    ------
    DataFormatError
        No such column, none, or several that could be the response (choose with --y).
    """
    if given is not None:
        col = find_column(ds, given)
        if col is None:
            raise header_problem(
                ds, None, f"no rate column '{given}'; found {found_columns(ds)}{did_you_mean(ds, given)}"
            )
        return col
    rates = [
        c
        for c in ds.columns
        if c not in exclude
        and ds.units.get(c) is not None
        and ds.units[c].kind in ("rate", "frequency")
        and not is_spread(ds, c)
    ]
    if len(rates) == 1:
        return rates[0]
    if not rates:
        unitless = [c for c in ds.columns if ds.units.get(c) is None and _stem(ds, c) in RATE_ALIASES]
        if unitless:
            raise header_problem(
                ds,
                unitless[0],
                "has no unit but looks like the rate; "
                + INPUT_UNIT_HINT.replace("COLUMN", unitless[0]).replace("UNIT", "uM/min"),
            )
        taken = [
            c
            for c in ds.columns
            if c in exclude and ds.units.get(c) is not None and ds.units[c].kind == "rate"
        ]
        if taken:  # the response is never an input: say which binding took it
            raise header_problem(
                ds,
                taken[0],
                "is the only rate column but is bound to an input of the law (by name or --column), "
                "and the response is never an input; bind that input to another column "
                "(--column NAME=COLUMN), or name the response with --y",
            )
        raise header_problem(
            ds,
            None,
            "no rate column (a header with a rate unit such as 'Rate (uM/min)' or "
            f"rate_uM_per_s) among {found_columns(ds)}; " + INPUT_UNIT_HINT,
        )
    raise header_problem(
        ds,
        None,
        "several columns could be the rate ("
        + ", ".join(f"'{c}'" for c in rates)
        + "); choose one with --y (y= in Python), or declare replicates with --replicates",
    )


def check_unit(ds, column: str, expected: tuple[str, ...], role: str, optional: bool = False) -> Unit:
    """The unit of ``column``, which must measure one of ``expected`` (``optional``: any or none).

    Raises
    ------
    DataFormatError
        No unit, or one of another quantity.
    """
    unit = ds.units.get(column)
    if optional:  # expression laws: any unit, or none (reported as "unspecified")
        return UNSPECIFIED if unit is None else unit
    if unit is None:
        example = "mM" if "concentration" in expected else "uM/min"
        raise header_problem(
            ds,
            column,
            f"has no unit but is used as the {role}; "
            + INPUT_UNIT_HINT.replace("COLUMN", column).replace("UNIT", example),
        )
    if unit.kind not in expected:
        raise header_problem(
            ds, column, f"is a {unit.kind} ({unit}) but the {role} must be a {' or '.join(expected)}"
        )
    return unit


def numeric_column(ds, column: str) -> np.ndarray:
    """A column as floats; unitless (text) columns are parsed here, naming every bad cell."""
    values = ds.values[column]
    if ds.is_numeric(column):
        return np.array(values, dtype=float)
    text = np.asarray(values).astype(str)
    blank = np.char.strip(text) == ""
    try:  # every cell a number or blank: one C-level pass of float() (no Python loop over rows)
        return np.fromiter(map(float, np.where(blank, "nan", text).tolist()), dtype=float, count=text.size)
    except ValueError:  # some cell is not a number: name every one
        pass
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


def resolve_columns(ds, law, columns, rate, taken):
    """Every input's column or constant, and the rate column; all column problems at once."""
    resolved, problems = {}, []
    unbound: set[str] = set()
    if law.name.startswith("expr:"):  # exact name or unit-stripped stem only; never the response
        from mgkinetics.laws.expression_columns import bind_columns

        response = find_column(ds, rate) if rate is not None else None
        bound, messages = bind_columns(law, ds.columns, given=columns, response=response)
        problems += [Problem(1, None, m) for m in messages]
        unbound = {n for n in law.input_names if n not in bound and n not in columns}
        columns = {**bound, **columns}
    for spec in law.data_inputs:
        if spec.name in unbound:
            continue
        if spec.optional and columns.get(spec.name) is None:
            hits = [
                c
                for c in ds.columns
                if ds.units.get(c) is not None
                and c not in taken
                and ds.kinds[c] != "condition"
                and ds.stems[c].lower() in spec.aliases
            ]
            if len(hits) != 1:
                resolved[spec.name] = ("absent", None)
                continue
        try:
            kind, what = resolve_input(ds, law, spec, columns.get(spec.name), taken)
            if kind == "column":
                check_unit(ds, what, ("concentration",), spec.description or spec.name, law.units_optional)
        except DataFormatError as exc:
            problems.extend(exc.problems)
            continue
        resolved[spec.name] = (kind, what)
        if kind == "column":
            taken.add(what)
    if rate is None and law.units_optional:  # an unsuffixed 'y'/'rate' column is fine here
        rate = next((c for c in ds.columns if c not in taken and ds.stems[c].lower() in RATE_ALIASES), None)
    rate_col = rate_unit = None
    try:
        rate_col = resolve_rate(ds, rate, taken)
        rate_unit = check_unit(ds, rate_col, ("rate", "frequency"), "rate", law.units_optional)
    except DataFormatError as exc:
        problems.extend(exc.problems)
    if problems:
        raise DataFormatError(ds.source, problems)
    return resolved, rate_col, rate_unit


def input_arrays(ds, law, resolved, rate_col, rate_unit):
    """Inputs as arrays in the law's units, their units, and the column (or constant) of each."""
    n_rows = len(ds)
    arrays, units, used = {}, {}, {}
    absent = []
    for spec in law.data_inputs:
        kind, what = resolved[spec.name]
        if kind == "absent":
            absent.append(spec.name)
            continue
        if kind == "column":
            unit = check_unit(ds, what, ("concentration",), spec.description or spec.name, law.units_optional)
            values = numeric_column(ds, what)
            used[spec.name] = what
        else:
            value, unit = what
            if unit.kind != "concentration":
                raise FitError(f"{spec.name} must be a concentration, got {value:g} {unit}")
            values = np.full(n_rows, value)
            used[spec.name] = f"{value:g} {unit}"
        if spec.kind == "enzyme":
            if rate_unit.kind != "rate":
                raise FitError(
                    f"law '{law.name}' needs rates in concentration per time to give kcat; "
                    f"'{rate_col}' is in {rate_unit}"
                )
            target = Unit(rate_unit.conc, 1)
            values, unit = convert(values, unit, target), target
        arrays[spec.name], units[spec.name] = values, unit
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
        used[name] = "absent (0)"
    return arrays, units, used
