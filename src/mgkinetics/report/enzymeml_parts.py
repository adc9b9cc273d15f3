"""The pieces of an EnzymeML v2 document built from fits and from read EnzymeML data.

Initial-rate rows map to EnzymeML as follows (the format has no rate data type):

* every row a fit used is one ``Measurement`` (``group_id`` = the fit's group, e.g. ``variant=WT``);
* each concentration input of the law (substrate, totals, enzyme) is a ``MeasurementData`` without a
  time course, its concentration in ``prepared`` and ``initial`` with its unit;
* the rate is a one-point ``MeasurementData`` of a declared species ``product`` (the product whose
  formation rate was measured; the table does not identify it): ``data = [v]`` at ``time = [0]`` s,
  ``data_unit`` the rate unit (e.g. umol / l / s), no ``data_type`` (the enum has no rate).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from mgkinetics.data.enzymeml_json import DATA_TYPES
from mgkinetics.data.enzymeml_units import TIME_UNITS_S, unit_definition
from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.units import parse_column

__all__ = [
    "PRODUCT_ID",
    "fit_inputs",
    "fit_species",
    "fit_measurements",
    "fit_parameters",
    "fit_equation",
    "data_species",
    "data_measurements",
    "data_parameters",
    "data_equations",
    "parameter_id",
    "fit_tags",
    "group_label",
]

#: Species id of the product whose initial formation rate the rows hold.
PRODUCT_ID = "product"
_INPUT_KINDS = ("concentration", "enzyme")


def _finite(x) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "x"


def group_label(fit) -> str:
    """``variant=WT`` for a grouped fit, '' otherwise."""
    return ", ".join(f"{k}={v}" for k, v in fit.group.items())


def fit_tags(fits) -> list[str | None]:
    """Suffix of each fit's parameter ids: None for a single fit, else its group values (``WT``), with
    the file stem (``wt_WT``) when groups repeat across files, and the fit's position when still not unique.

    Examples
    --------
    >>> from types import SimpleNamespace as F
    >>> fit_tags([F(group={"variant": "WT"}, source="a.csv"), F(group={"variant": "WT"}, source="b.csv")])
    ['a_WT', 'b_WT']
    """
    if len(fits) == 1:
        return [None]
    tags = ["_".join(_slug(str(v)) for v in f.group.values()) for f in fits]
    if len(set(tags)) < len(tags) or "" in tags:
        stems = [_slug(Path(str(f.source).split(" + ")[0]).stem) for f in fits]
        tags = [s + (f"_{t}" if t else "") for s, t in zip(stems, tags)]
    if len(set(tags)) < len(tags):
        tags = [f"{t}_{i + 1}" for i, t in enumerate(tags)]
    return tags


def parameter_id(name: str, tag: str | None) -> str:
    """``km`` for a single fit (tag None), ``km_WT`` for the fit tagged ``WT`` (see `fit_tags`)."""
    return name if tag is None else f"{name}_{tag}"


def fit_inputs(fit) -> list[tuple[str, str, str]]:
    """(input name, species id, kind) of the law inputs that are concentrations present in the fit's data."""
    out = []
    for spec in fit.law.inputs:
        column = fit.columns.get(spec.name, "")
        if spec.kind not in _INPUT_KINDS or spec.name not in fit.data or column.startswith("absent"):
            continue
        stem, unit = parse_column(column)
        out.append((spec.name, _slug(stem) if unit is not None else spec.name, spec.kind))
    return out


def fit_species(fits, extra: list[tuple[str, str]] = ()) -> tuple[list[dict], list[dict]]:
    """(small_molecules, proteins): every input species of the fits, the table's ``extra``
    (column, species id) pairs, and the product."""
    small, proteins, seen = [], [], set()
    for column, species_id in extra:
        seen.add(species_id)
        small.append({"id": species_id, "name": f"{species_id} (column {column})", "constant": False})
    for fit in fits:
        for name, species_id, kind in fit_inputs(fit):
            if species_id in seen:
                continue
            seen.add(species_id)
            entry = {"id": species_id, "name": f"{name} (column {fit.columns[name]})"}
            if kind == "enzyme":
                proteins.append({**entry, "constant": True})
            else:
                small.append({**entry, "constant": False})
    small.append(
        {
            "id": PRODUCT_ID,
            "name": "product whose initial formation rate was measured (not identified in the source table)",
            "constant": False,
        }
    )
    return small, proteins


def _conditions(fit, row: dict | None) -> dict[str, Any]:
    """pH and temperature of a row: the table's (``row``) where it has them, else the fit's conditions."""
    out: dict[str, Any] = {}
    ph = row["ph"] if row and row["ph"] is not None else fit.conditions.get("ph")
    if isinstance(ph, (int, float)) and 0 <= ph <= 14:
        out["ph"] = float(ph)
    temperature = row["temperature_C"] if row and row["temperature_C"] is not None else None
    temperature = fit.conditions.get("temperature_C") if temperature is None else temperature
    if isinstance(temperature, (int, float)):
        out["temperature"] = float(temperature)
        out["temperature_unit"] = unit_definition("C")
    return out


def _amount(species_id: str, value: float, unit) -> dict:
    return {
        "species_id": species_id,
        "prepared": value,
        "initial": value,
        "data_unit": unit_definition(unit),
        "data": [],
        "time": [],
        "is_simulated": False,
    }


def fit_measurements(fit, first_number: int, extras: list[dict] | None = None) -> list[dict]:
    """One Measurement per row the fit used (see the module docstring), numbered from ``first_number``.

    ``extras`` (:func:`mgkinetics.report.enzymeml_table.row_extras`) adds the table's per-row pH,
    temperature and other concentrations.
    """
    inputs = fit_inputs(fit)
    group = group_label(fit)
    out = []
    for k, line in enumerate(fit.rows.used):
        row = extras[k] if extras else None
        species_data = [_amount(sid, float(fit.data[n][k]), fit.input_units[n]) for n, sid, _ in inputs]
        species_data += [_amount(sid, value, unit) for sid, value, unit in (row["amounts"] if row else [])]
        species_data.append(
            {
                "species_id": PRODUCT_ID,
                "data_unit": unit_definition(fit.rate_unit),
                "data": [float(fit.data["rate"][k])],
                "time": [0.0],
                "time_unit": unit_definition("s"),
                "is_simulated": False,
            }
        )
        measurement = {
            "id": f"m{first_number + k}",
            "name": f"{fit.source or 'data'} line {line}" + (f" ({group})" if group else ""),
            "species_data": species_data,
        }
        if group:
            measurement["group_id"] = group
        out.append({**measurement, **_conditions(fit, row)})
    return out


def _bounds(fit, name: str, value: float) -> dict[str, float]:
    """Fit bounds in the estimate's unit: lmfit's bounds scaled as the value was (``in_units``)."""
    params = getattr(fit.lmfit_result, "params", None)
    if params is not None and name in params:
        raw = params[name]
        factor = value / raw.value if raw.value else 1.0
        low, high, start = raw.min * factor, raw.max * factor, raw.init_value
        out = {"lower_bound": _finite(low), "upper_bound": _finite(high)}
        if start is not None:
            out["initial_value"] = _finite(start * factor)
    else:
        spec = fit.law.param(name)
        out = {"lower_bound": 0.0 if spec.min == 0 else None, "upper_bound": None}
    return {k: v for k, v in out.items() if v is not None}


def fit_parameters(fit, tag: str | None) -> list[dict]:
    """The fit's parameters with value, unit, standard error, start and bounds."""
    out = []
    group = group_label(fit)
    for name, est in fit.parameters.items():
        entry: dict[str, Any] = {
            "id": parameter_id(name, tag),
            "name": name + (f" ({group})" if group else ""),
            "symbol": name,
        }
        if _finite(est.value) is not None:
            entry["value"] = float(est.value)
        if est.unit.kind != "unspecified":
            entry["unit"] = unit_definition(est.unit)
        if not est.fixed and _finite(est.stderr) is not None:
            entry["stderr"] = float(est.stderr)
        entry.update(_bounds(fit, name, est.value))
        entry["constant"] = True
        out.append(entry)
    return out


def fit_equation(fit) -> dict:
    """The law's rate equation as the registry declares it (``v = ...``; the right-hand side is written)."""
    formula = fit.law.formula
    rhs = formula.split("=", 1)[1].strip() if "=" in formula else formula
    variables = [{"id": species_id, "name": name, "symbol": name} for name, species_id, _ in fit_inputs(fit)]
    return {"species_id": PRODUCT_ID, "equation": rhs, "equation_type": "rateLaw", "variables": variables}


def data_species(data) -> tuple[list[dict], list[dict], list[dict]]:
    """(small_molecules, proteins, complexes) of read EnzymeML data."""
    lists: dict[str, list[dict]] = {"small_molecule": [], "protein": [], "complex": []}
    for s in data.species:
        entry = {
            "id": s.id,
            "name": s.name,
            "constant": bool(s.constant) if s.constant is not None else s.kind == "protein",
            **dict(s.identifiers),
        }
        lists[s.kind].append(entry)
    return lists["small_molecule"], lists["protein"], lists["complex"]


def _unit_object(label: str) -> dict | None:
    if label == "unspecified":
        return None
    try:
        return unit_definition(label)
    except ValueError:  # a unit mgkinetics does not convert: keep its name
        return {"name": label}


def _series(series, rows, source: str, path: str) -> dict:
    values = rows["value"].tolist()
    nulls = [i for i, v in enumerate(values) if not math.isfinite(v)]
    if nulls:
        raise DataFormatError(
            source,
            [
                Problem(
                    None,
                    None,
                    f"{path}: {len(nulls)} null value(s) at points "
                    f"{nulls[:5]}; EnzymeML v2 data arrays hold numbers only, remove or fill them",
                )
            ],
        )
    time_unit = series.time_unit
    if time_unit == "unspecified":
        times = rows["time"].tolist() if "time" in rows else []
    elif time_unit in TIME_UNITS_S:
        times = (rows["time_s"] / TIME_UNITS_S[time_unit]).tolist()
    else:  # a time unit with no label (e.g. 600 s per unit): written in seconds
        times, time_unit = rows["time_s"].tolist(), "s"
    if any(not math.isfinite(t) for t in times):
        raise DataFormatError(
            source,
            [Problem(None, None, f"{path}: a time is missing; EnzymeML v2 time arrays hold numbers only")],
        )
    out: dict[str, Any] = {
        "species_id": series.species_id,
        "data": values,
        "time": times,
        "is_simulated": bool(series.is_simulated),
    }
    for key, value in (("initial", series.initial), ("prepared", series.prepared)):
        if value is not None:
            out[key] = value
    for key, label in (("data_unit", series.data_unit), ("time_unit", time_unit)):
        unit = _unit_object(label)
        if unit is not None:
            out[key] = unit
    if series.data_type in DATA_TYPES:
        out["data_type"] = series.data_type
    return out


def data_measurements(data) -> list[dict]:
    """The measurements of read EnzymeML data, time courses in each series' own units."""
    frame = data.frame
    out = []
    for i, m in enumerate(data.measurements):
        rows = frame[frame["measurement_id"] == m.id]
        species_data = []
        for j, series in enumerate(m.series):
            own = rows[rows["species_id"] == series.species_id]
            species_data.append(_series(series, own, data.source, f"measurements[{i}].species_data[{j}]"))
        entry: dict[str, Any] = {"id": m.id, "name": m.name, "species_data": species_data}
        if m.group_id is not None:
            entry["group_id"] = m.group_id
        if m.ph is not None and 0 <= m.ph <= 14:
            entry["ph"] = m.ph
        if m.temperature is not None:
            entry["temperature"] = m.temperature
            unit = _unit_object(m.temperature_unit)
            if unit is not None:
                entry["temperature_unit"] = unit
        out.append(entry)
    return out


def data_parameters(data) -> list[dict]:
    """The parameters of read EnzymeML data as the document stated them."""
    out = []
    for p in data.parameters:
        entry: dict[str, Any] = {"id": p.id, "name": p.name, "symbol": p.symbol}
        for key in ("value", "stderr", "initial_value", "lower_bound", "upper_bound"):
            if getattr(p, key) is not None:
                entry[key] = getattr(p, key)
        if p.unit is not None:
            unit = _unit_object(p.unit)
            if unit is not None:
                entry["unit"] = unit
        entry["constant"] = True if p.constant is None else p.constant
        out.append(entry)
    return out


def data_equations(data) -> list[dict]:
    """The equations of read EnzymeML data."""
    return [
        {
            "species_id": e.species_id,
            "equation": e.equation,
            "equation_type": e.equation_type,
            "variables": [{"id": v, "name": v, "symbol": v} for v in e.variables],
        }
        for e in data.equations
        if e.equation_type in ("ode", "assignment", "initialAssignment", "rateLaw")
    ]
