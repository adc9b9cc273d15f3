"""EnzymeML measurements -> records and the columns of the long table, every deviation logged."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mgkinetics.data.enzymeml_json import DATA_TYPE_IRIS, DATA_TYPES, Checker
from mgkinetics.data.enzymeml_model import EnzymeMLMeasurement, EnzymeMLSeries
from mgkinetics.data.enzymeml_units import DocUnit, read_unit
from mgkinetics.units import column_suffix

__all__ = ["TableColumns", "read_measurements", "UNSPECIFIED"]

#: Label of a unit the document does not state.
UNSPECIFIED = "unspecified"

_MEASUREMENT_KEYS = frozenset(
    {"id", "name", "species_data", "group_id", "ph", "temperature", "temperature_unit"}
)
_SERIES_KEYS = frozenset(
    {
        "species_id",
        "prepared",
        "initial",
        "data_unit",
        "data",
        "time",
        "time_unit",
        "data_type",
        "is_simulated",
    }
)
#: The kind of unit each data type's values are in (others: any unit).
_DATA_TYPE_KIND = {
    "concentration": "concentration",
    "absorbance": "dimensionless",
    "transmittance": "dimensionless",
}


@dataclass
class TableColumns:
    """Columns of the long table as lists (one entry per data point) plus per-measurement values."""

    point: dict[str, list] = field(default_factory=dict)
    per_measurement: list[dict[str, float]] = field(default_factory=list)
    column_units: dict[str, str] = field(default_factory=dict)

    def extend(self, **columns: list) -> None:
        """Append one series' points."""
        for name, values in columns.items():
            self.point.setdefault(name, []).extend(values)


def _unit(obj, path: str, check: Checker) -> DocUnit | None:
    unit, notes = read_unit(obj) if obj is not None else (None, [])
    for code, message, assumed in notes:
        check.log.add(path, code, message, assumed)
    return unit


def _data_type(sd: dict, path: str, unit: DocUnit | None, n: int, check: Checker) -> str | None:
    value = check.text(sd, "data_type", path)
    if value is None:
        return None
    if value in DATA_TYPE_IRIS:
        mapped = DATA_TYPE_IRIS[value]
        check.log.add(
            f"{path}.data_type",
            "data_type_iri",
            f"data_type is the ontology IRI {value}, not a v2 DataTypes value",
            f"read as '{mapped}'",
        )
        value = mapped
    elif value not in DATA_TYPES:
        check.log.add(
            f"{path}.data_type",
            "data_type_unknown",
            f"data_type '{value}' is not a v2 DataTypes value",
            "kept as stated",
        )
    expected = _DATA_TYPE_KIND.get(value)
    if n and unit is not None and expected is not None and unit.kind not in (expected, "unknown"):
        check.log.add(
            f"{path}.data_unit",
            "data_type_unit_mismatch",
            f"data_type '{value}' but data_unit is a {unit.kind} ({unit.label})",
            "values kept with the stated unit; check the document",
        )
    return value


def _times(sd: dict, path: str, n: int, check: Checker) -> tuple[list[float], DocUnit | None]:
    times = check.numbers(sd, "time", path)
    if len(times) != n and (times or n):
        check.log.add(
            f"{path}.time",
            "length_mismatch",
            f"{len(times)} times for {n} data values",
            "missing times left empty (NaN), extra times ignored",
        )
        times = (times + [math.nan] * n)[:n]
    nulls = sum(math.isnan(t) for t in times)
    if nulls:
        check.log.add(f"{path}.time", "null_time", f"{nulls} null time(s)", "left empty (NaN)")
    unit = _unit(sd.get("time_unit"), f"{path}.time_unit", check)
    if unit is not None and unit.kind != "time":
        check.log.add(
            f"{path}.time_unit",
            "time_unit_not_time",
            f"time_unit is a {unit.kind} ({unit.label})",
            "times kept unconverted in column 'time' (unit unspecified)",
        )
        unit = None
    elif unit is None and n:
        check.log.add(
            f"{path}.time_unit",
            "no_time_unit",
            "no time unit",
            "times kept unconverted in column 'time' (unit unspecified)",
        )
    return times, unit


def _init_column(prefix: str, species_id: str, unit: DocUnit | None, path: str, check: Checker) -> str:
    """``init_<species>_<suffix>``; without a suffix (and a warning) when the unit is not a concentration."""
    if unit is not None and unit.unit is not None and unit.kind == "concentration":
        return f"{prefix}_{species_id}_{column_suffix(unit.unit)}"
    shown = unit.label if unit is not None else UNSPECIFIED
    check.log.add(
        f"{path}.data_unit",
        "init_not_concentration",
        f"{prefix} amount given in '{shown}', not a concentration",
        f"column '{prefix}_{species_id}' has no unit suffix",
    )
    return f"{prefix}_{species_id}"


def _series(
    sd: dict, path: str, names: dict[str, str], table: TableColumns, inits: dict[str, float], check: Checker
) -> EnzymeMLSeries | None:
    check.unknown_keys(sd, _SERIES_KEYS, path)
    species_id = check.text(sd, "species_id", path, required=True)
    values = check.numbers(sd, "data", path)
    n = len(values)
    unit = _unit(sd.get("data_unit"), f"{path}.data_unit", check)
    if unit is None and n:
        check.log.add(f"{path}.data_unit", "no_data_unit", "no data unit", "values kept, unit 'unspecified'")
    data_type = _data_type(sd, path, unit, n, check)
    times, time_unit = _times(sd, path, n, check)
    n_null = sum(math.isnan(v) for v in values)
    if n_null:
        check.log.add(
            f"{path}.data", "null_value", f"{n_null} null data value(s)", "kept as empty (NaN) rows"
        )
    if species_id is None:
        return None
    if species_id not in names:
        check.log.add(
            f"{path}.species_id",
            "undeclared_species",
            f"species '{species_id}' is not declared among small_molecules, proteins or complexes",
            "read with an empty species_name",
        )
    amounts = {key: check.number(sd, key, path) for key in ("initial", "prepared")}
    simulated = bool(check.flag(sd, "is_simulated", path))
    for key, amount in amounts.items():
        if amount is not None:
            column = _init_column("init" if key == "initial" else key, species_id, unit, path, check)
            inits[column] = amount
            table.column_units[column] = unit.label if unit is not None else UNSPECIFIED
    seconds = time_unit.seconds if time_unit is not None else None
    time_s = _seconds(times, seconds, path, check)
    table.extend(
        species_id=[species_id] * n,
        species_name=[names.get(species_id, "")] * n,
        point=list(range(n)),
        time=times,
        time_s=time_s,
        time_stated=[seconds is not None] * n,
        value=values,
        data_unit=[unit.label if unit is not None else UNSPECIFIED] * n,
        data_type=[data_type or ""] * n,
        is_simulated=[simulated] * n,
    )
    return EnzymeMLSeries(
        species_id=species_id,
        data_unit=unit.label if unit is not None else UNSPECIFIED,
        time_unit=time_unit.label if time_unit is not None else UNSPECIFIED,
        data_type=data_type,
        n_points=n,
        n_null=n_null,
        initial=amounts["initial"],
        prepared=amounts["prepared"],
        is_simulated=simulated,
    )


def _seconds(times: list[float], seconds: float | None, path: str, check: Checker) -> list[float]:
    """The times in seconds (NaN without a time unit); a time that is finite as stated but not in
    seconds (1e308 min) is a deviation and an empty time, never ``inf`` in the table."""
    if not seconds:
        return [math.nan] * len(times)
    out = [t * seconds for t in times]
    beyond = sum(math.isfinite(t) and not math.isfinite(s) for t, s in zip(times, out))
    if beyond:
        check.log.add(
            f"{path}.time",
            "time_out_of_range",
            f"{beyond} time(s) beyond the range of numbers once converted to seconds",
            "kept as empty (NaN) times",
        )
    return [s if math.isfinite(s) else math.nan for s in out]


def _temperature(m: dict, path: str, check: Checker) -> tuple[float | None, str, float | None]:
    value = check.number(m, "temperature", path)
    unit = _unit(m.get("temperature_unit"), f"{path}.temperature_unit", check)
    if value is None:
        return None, unit.label if unit is not None else UNSPECIFIED, None
    if unit is None or unit.kind != "temperature":
        what = "no temperature unit" if unit is None else f"temperature_unit is a {unit.kind} ({unit.label})"
        check.log.add(
            f"{path}.temperature_unit",
            "no_temperature_unit",
            what,
            "temperature kept unconverted in column 'temperature'",
        )
        return value, unit.label if unit is not None else UNSPECIFIED, None
    return value, unit.label, value if unit.label == "C" else value - 273.15


def _measurement(
    m: dict, path: str, names: dict[str, str], table: TableColumns, check: Checker
) -> EnzymeMLMeasurement | None:
    check.unknown_keys(m, _MEASUREMENT_KEYS, path)
    ident = check.text(m, "id", path, required=True)
    name = check.text(m, "name", path)
    if name is None:
        check.log.add(f"{path}.name", "no_name", "no name", "the id is used as the name")
        name = ident or ""
    group_id = check.text(m, "group_id", path)
    ph = check.number(m, "ph", path)
    if ph is not None and not 0 <= ph <= 14:
        check.log.add(f"{path}.ph", "ph_out_of_range", f"pH {ph:g} is outside 0-14", "kept as stated")
    temperature, temperature_unit, temperature_c = _temperature(m, path, check)
    inits: dict[str, float] = {}
    start = len(table.point.get("value", []))
    series = []
    for sd_path, sd in check.objects(m, "species_data", path):
        s = _series(sd, sd_path, names, table, inits, check)
        if s is not None:
            series.append(s)
    n = len(table.point.get("value", [])) - start
    index = len(table.per_measurement)
    table.extend(
        measurement=[index] * n,
        measurement_id=[ident or ""] * n,
        measurement_name=[name] * n,
        group_id=[group_id or ""] * n,
    )
    table.per_measurement.append(
        {
            "ph": ph,
            "temperature_C": temperature_c,
            "temperature": temperature if temperature_c is None else None,
            **inits,
        }
    )
    if ident is None:
        return None
    return EnzymeMLMeasurement(
        ident, name, group_id, ph, temperature, temperature_unit, temperature_c, tuple(series)
    )


def read_measurements(
    doc: dict, names: dict[str, str], check: Checker
) -> tuple[tuple[EnzymeMLMeasurement, ...], TableColumns]:
    """Every measurement of ``doc`` as a record, and the table columns of all their data points.

    ``names`` maps each declared species id to its name. Problems go to ``check``.
    """
    table = TableColumns()
    out: list[EnzymeMLMeasurement] = []
    seen: set[str] = set()
    for path, m in check.objects(doc, "measurements", ""):
        record = _measurement(m, path, names, table, check)
        if record is None:
            continue
        if record.id in seen:
            check.problem(
                f"{path}.id", f"'{record.id}' is used by an earlier measurement; ids must be unique"
            )
        seen.add(record.id)
        out.append(record)
    return tuple(out), table
