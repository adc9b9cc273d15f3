"""EnzymeML v2 JSON in: one long table of data points, the document's records and its deviations.

The reader is lenient with what real documents do (PyEnzyme, MTPHandler, enzymeml-rs): JSON-LD keys
(``ld_*``, ``@*``) are ignored, ``null`` counts as absent, any version is accepted, ontology IRIs
as ``data_type`` are mapped to the v2 enum, units may be UnitDefinition objects or plain strings.
It never repairs silently: each deviation becomes an :class:`EnzymeMLWarning` naming its JSON
paths, what deviates and what was assumed. Values are converted only where the document states a
unit: a series without a ``time_unit`` keeps its times unconverted in the column ``time``.

The table (``EnzymeMLData.frame``), one row per value of every ``data`` array, in document order:

``measurement_id``, ``measurement_name``, ``group_id``, ``species_id``, ``species_name``, ``point``
    Where the value comes from (``point``: its index in the series, from 0).
``time_s``
    Time in seconds, for series whose ``time_unit`` is stated (NaN elsewhere); present when any is.
``time``
    Time as written, for series without a (time) unit (NaN elsewhere); present when any is.
``value``, ``data_unit``, ``data_type``, ``is_simulated``
    The value as written (NaN for a null, which is also counted and reported) and its unit:
    species differ in unit (mM, absorbance, uM/s ...), so the unit is a column, not a suffix.
``ph``, ``temperature_C``
    The measurement's conditions (``temperature`` unconverted when its unit is not stated).
``init_<species_id>_<unit>``, ``prepared_<species_id>_<unit>``
    Each measurement's ``initial`` and ``prepared`` amounts, e.g. ``init_atp_total_mM``.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from mgkinetics.data.enzymeml_json import Checker, load_json, strip_document
from mgkinetics.data.enzymeml_measurements import UNSPECIFIED, TableColumns, read_measurements
from mgkinetics.data.enzymeml_model import (
    EnzymeMLData,
    EnzymeMLEquation,
    EnzymeMLParameter,
    EnzymeMLSpecies,
    EnzymeMLWarning,
    WarningLog,
)
from mgkinetics.data.enzymeml_units import read_unit
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["read_enzymeml", "EnzymeMLData", "EnzymeMLWarning"]

_ROOT_KEYS = frozenset(
    {
        "name",
        "version",
        "description",
        "created",
        "modified",
        "creators",
        "vessels",
        "proteins",
        "complexes",
        "small_molecules",
        "reactions",
        "measurements",
        "equations",
        "parameters",
        "references",
    }
)
_SPECIES_LISTS = {"small_molecules": "small_molecule", "proteins": "protein", "complexes": "complex"}
_IDENTIFIERS = (
    "canonical_smiles",
    "inchi",
    "inchikey",
    "synonymous_names",
    "sequence",
    "ecnumber",
    "organism",
    "organism_tax_id",
    "participants",
    "vessel_id",
    "references",
)
_PARAMETER_KEYS = frozenset(
    {
        "id",
        "name",
        "symbol",
        "value",
        "unit",
        "initial_value",
        "upper_bound",
        "lower_bound",
        "stderr",
        "constant",
        "fit",
    }
)


def _root(raw, source: str, log: WarningLog) -> dict:
    if not isinstance(raw, dict):
        raise DataFormatError(
            source,
            [
                Problem(
                    None,
                    None,
                    f"(document): the top level is a JSON "
                    f"{type(raw).__name__}, not an EnzymeML document object",
                )
            ],
        )
    doc = strip_document(raw, "", log)
    known = _ROOT_KEYS - {"name", "version", "description", "created", "modified", "references"}
    if not known & set(doc):
        raise DataFormatError(
            source,
            [
                Problem(
                    None,
                    None,
                    "(document): not an EnzymeML document: it has none of "
                    "the keys " + ", ".join(sorted(known)),
                )
            ],
        )
    return doc


def _version(doc: dict, check: Checker) -> str | None:
    version = check.text(doc, "version", "")
    if version is None:
        check.log.add("version", "no_version", "no version (the schema requires one)", "read as EnzymeML v2")
    elif not version.strip().startswith("2"):
        check.log.add("version", "version_not_2", f"version '{version}' is not 2.x", "read as EnzymeML v2")
    return version


def _species(doc: dict, check: Checker) -> tuple[EnzymeMLSpecies, ...]:
    out: list[EnzymeMLSpecies] = []
    seen: set[str] = set()
    for key, kind in _SPECIES_LISTS.items():
        for path, obj in check.objects(doc, key, ""):
            ident = check.text(obj, "id", path, required=True)
            if ident is None:
                continue
            if ident in seen:
                check.problem(f"{path}.id", f"'{ident}' is declared twice; species ids must be unique")
            seen.add(ident)
            name = check.text(obj, "name", path)
            if name is None:
                check.log.add(f"{path}.name", "no_name", "no name", "the id is used as the name")
            ids = {k: obj[k] for k in _IDENTIFIERS if obj.get(k) not in (None, [], "")}
            out.append(EnzymeMLSpecies(ident, name or ident, kind, check.flag(obj, "constant", path), ids))
    return tuple(out)


def _unit_label(obj: dict, key: str, path: str, check: Checker) -> str | None:
    if obj.get(key) is None:
        return None
    unit, notes = read_unit(obj[key])
    for code, message, assumed in notes:
        check.log.add(f"{path}.{key}", code, message, assumed)
    return unit.label if unit is not None else None


def _parameters(doc: dict, check: Checker) -> tuple[EnzymeMLParameter, ...]:
    out = []
    for path, obj in check.objects(doc, "parameters", ""):
        check.unknown_keys(obj, _PARAMETER_KEYS, path)
        ident = check.text(obj, "id", path, required=True)
        if ident is None:
            continue
        numbers = {
            k: check.number(obj, k, path)
            for k in ("value", "stderr", "initial_value", "lower_bound", "upper_bound")
        }
        out.append(
            EnzymeMLParameter(
                id=ident,
                name=check.text(obj, "name", path) or ident,
                symbol=check.text(obj, "symbol", path) or ident,
                unit=_unit_label(obj, "unit", path, check),
                constant=check.flag(obj, "constant", path),
                fit=check.flag(obj, "fit", path),
                **numbers,
            )
        )
    return tuple(out)


def _equation(obj: dict, path: str, check: Checker) -> EnzymeMLEquation | None:
    lhs = check.text(obj, "species_id", path, required=True)
    rhs = check.text(obj, "equation", path, required=True)
    kind = check.text(obj, "equation_type", path) or ""
    variables = tuple(str(v.get("id", "")) for _, v in check.objects(obj, "variables", path))
    return EnzymeMLEquation(lhs, rhs, kind, variables) if lhs is not None and rhs is not None else None


def _equations(doc: dict, check: Checker) -> tuple[EnzymeMLEquation, ...]:
    found = [_equation(obj, path, check) for path, obj in check.objects(doc, "equations", "")]
    for path, reaction in check.objects(doc, "reactions", ""):
        law = reaction.get("kinetic_law")
        if isinstance(law, dict):
            found.append(_equation(law, f"{path}.kinetic_law", check))
    return tuple(e for e in found if e is not None)


def _frame(table: TableColumns) -> tuple[pd.DataFrame, dict[str, str]]:
    """The long table from the collected columns (see the module docstring for the layout)."""
    cols = table.point
    n = len(cols.get("value", []))
    index = cols.get("measurement", [])
    units: dict[str, str] = {"value": "see data_unit"}
    out: dict[str, list] = {
        k: cols.get(k, [])
        for k in ("measurement_id", "measurement_name", "group_id", "species_id", "species_name", "point")
    }
    stated = cols.get("time_stated", [])
    if any(stated):
        out["time_s"], units["time_s"] = cols["time_s"], "s"
    if not all(stated) and n:
        out["time"] = [math.nan if s else t for t, s in zip(cols["time"], stated)]
        units["time"] = UNSPECIFIED
    for k in ("value", "data_unit", "data_type", "is_simulated"):
        out[k] = cols.get(k, [])
    per = table.per_measurement
    condition_units = {"ph": "pH", "temperature_C": "C"}
    if any(p["temperature"] is not None for p in per):  # stated without a (temperature) unit
        condition_units["temperature"] = UNSPECIFIED
    amounts = sorted(
        dict.fromkeys(c for p in per for c in p if c not in ("ph", "temperature_C", "temperature"))
    )
    for column in list(condition_units) + amounts:
        out[column] = [math.nan if per[i].get(column) is None else per[i][column] for i in index]
        units[column] = condition_units.get(column) or table.column_units[column]
    frame = pd.DataFrame(out)
    frame["point"] = frame["point"].astype(int)
    frame["is_simulated"] = frame["is_simulated"].astype(bool)
    return frame, units


def read_enzymeml(path: str | Path) -> EnzymeMLData:
    """Read an EnzymeML v2 JSON document into a long table (one row per data point) and its records.

    Parameters
    ----------
    path : str or Path
        The ``.json`` document.

    Returns
    -------
    EnzymeMLData
        ``.frame`` (layout in :mod:`mgkinetics.data.enzymeml`), ``.species``, ``.measurements``,
        ``.parameters``, ``.equations``, ``.n_points`` / ``.n_null`` and ``.warnings``.

    Raises
    ------
    DataFormatError
        When the file is not JSON (line and column), not an EnzymeML document, or has fields of the
        wrong type (each named by its JSON path, e.g. ``measurements[3].species_data[0].data[7]``).

    Examples
    --------
    >>> import json, os, tempfile
    >>> doc = {"name": "demo", "version": "2.0", "creators": [], "vessels": [],
    ...        "small_molecules": [{"id": "s1", "name": "ATP", "constant": False}],
    ...        "measurements": [{"id": "m1", "name": "m1", "species_data": [{"species_id": "s1",
    ...            "data": [1.0, 0.8], "time": [0, 1], "time_unit": "min", "data_unit": "mmol / l",
    ...            "initial": 1.0}]}]}
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "doc.json")
    ...     _ = open(p, "w").write(json.dumps(doc))
    ...     data = read_enzymeml(p)
    >>> data.frame[["time_s", "value", "data_unit", "init_s1_mM"]].values.tolist()
    [[0.0, 1.0, 'mM', 1.0], [60.0, 0.8, 'mM', 1.0]]
    """
    source = str(path)
    log = WarningLog()
    doc = _root(load_json(path), source, log)
    check = Checker(log)
    check.unknown_keys(doc, _ROOT_KEYS, "")
    name = check.text(doc, "name", "")
    if name is None:
        log.add("name", "no_name", "the document has no name", "named after the file")
    version = _version(doc, check)
    species = _species(doc, check)
    names = {s.id: s.name for s in species}
    measurements, table = read_measurements(doc, names, check)
    parameters = _parameters(doc, check)
    equations = _equations(doc, check)
    if check.problems:
        raise DataFormatError(source, check.problems)
    frame, units = _frame(table)
    n_null = int(frame["value"].isna().sum())
    metadata = {
        k: doc[k]
        for k in ("description", "created", "modified", "creators", "vessels", "reactions", "references")
        if k in doc
    }
    return EnzymeMLData(
        source=source,
        name=name or Path(source).stem,
        version=version,
        frame=frame,
        units=units,
        species=species,
        measurements=measurements,
        parameters=parameters,
        equations=equations,
        n_points=len(frame),
        n_null=n_null,
        warnings=log.warnings(),
        metadata=metadata,
    )
