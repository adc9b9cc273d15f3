"""EnzymeML v2 JSON out: fits (and their initial-rate rows) or read EnzymeML data, schema-valid.

The document holds what EnzymeML v2 has fields for: species, one measurement per initial-rate row
(mapping in :mod:`mgkinetics.report.enzymeml_parts`), the law as a ``rateLaw`` equation and each
parameter's value, unit, standard error, start and bounds. The schema allows no extra keys, so the
rest of a fit -- confidence intervals with their method and level, covariance, weighting,
goodness of fit, conditions (ionic strength ...), derived quantities, status and warnings -- goes
to a sidecar ``DOC.stats.json`` that the document's ``description`` names, keyed by the
document's parameter and measurement ids.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from mgkinetics.data.table import Dataset
from mgkinetics.errors import MgKineticsError
from mgkinetics.fitting.results import FitCollection, FitResult
from mgkinetics.report.enzymeml_parts import (
    data_equations,
    data_measurements,
    data_parameters,
    data_species,
    fit_equation,
    fit_measurements,
    fit_parameters,
    fit_species,
    fit_tags,
    group_label,
    parameter_id,
)
from mgkinetics.report.enzymeml_table import extra_columns, row_extras
from mgkinetics.report.output import atomic_write_text

__all__ = ["to_enzymeml", "enzymeml_stats", "write_enzymeml", "stats_path"]

SIDECAR_FORMAT = "mgkinetics EnzymeML statistics sidecar"


def _fits(results) -> list[FitResult]:
    if results is None:
        return []
    if isinstance(results, FitResult):
        return [results]
    if isinstance(results, FitCollection):
        return list(results.fits)
    fits = []
    for r in results:
        fits.extend(_fits(r))
    return fits


def stats_path(path: str | Path) -> Path:
    """The sidecar of ``DOC.json``: ``DOC.stats.json`` beside it."""
    path = Path(path)
    return path.with_name(path.stem + ".stats.json")


def _measurements_of(fits: list[FitResult], table=None) -> list[list[dict]]:
    out, number = [], 1
    columns = extra_columns(table, fits) if table is not None else []
    for fit in fits:
        extras = row_extras(table, fit, columns) if table is not None else None
        out.append(fit_measurements(fit, number, extras))
        number += len(fit.rows.used)
    return out


def to_enzymeml(results=None, *, data=None, name: str = "mgkinetics", stats_file: str | None = None) -> dict:
    """An EnzymeML v2 document (a dict ready for ``json.dump``) of fits or of read EnzymeML data.

    Parameters
    ----------
    results : FitResult, FitCollection or list of them, optional
        Fits to export: their rows become measurements, their law an equation, their parameters
        EnzymeML parameters with unit, stderr and bounds.
    data : Dataset or EnzymeMLData, optional
        With ``results``: the :class:`~mgkinetics.Dataset` the fits read (one file), whose per-row
        pH, temperature_C and other concentration columns are added to the measurements. Without:
        data read by :func:`mgkinetics.data.enzymeml.read_enzymeml`, exported as it was read
        (species, time courses in their own units, parameters, equations).
    name : str
        The document's name.
    stats_file : str, optional
        Name of the statistics sidecar, cited in ``description``.

    Returns
    -------
    dict
        Valid against the EnzymeML v2 JSON schema (with its ``version`` pattern repaired).
    """
    fits = _fits(results)
    if not fits and data is None:
        raise MgKineticsError("nothing to export: give fit results or EnzymeML data")
    doc: dict[str, Any] = {"name": name, "version": "2.0", "creators": [], "vessels": []}
    if fits:
        tags = fit_tags(fits)
        table = data if isinstance(data, Dataset) else None
        small, proteins = fit_species(fits, extra_columns(table, fits) if table is not None else [])
        measurements = [m for ms in _measurements_of(fits, table) for m in ms]
        equations = list({fit.law.name: fit_equation(fit) for fit in fits}.values())
        parameters = [p for fit, tag in zip(fits, tags) for p in fit_parameters(fit, tag)]
        text = (
            f"Initial rates and fits by mgkinetics ({', '.join(sorted({f.law.name for f in fits}))}). "
            "Each measurement is one row of the fitted table; the rate is the one-point series of "
            "species 'product' (data_unit a rate)."
        )
        doc.update(
            small_molecules=small,
            proteins=proteins,
            complexes=[],
            measurements=measurements,
            equations=equations,
            parameters=parameters,
        )
    else:
        small, proteins, complexes = data_species(data)
        doc.update(
            small_molecules=small,
            proteins=proteins,
            complexes=complexes,
            measurements=data_measurements(data),
            equations=data_equations(data),
            parameters=data_parameters(data),
        )
        text = f"Measurements of {Path(data.source).name} ('{data.name}') as read by mgkinetics."
    if stats_file:
        text += (
            f" Statistics EnzymeML v2 has no field for (confidence intervals with their method, "
            f"covariance, weighting, conditions such as ionic strength, fit status and warnings) are in "
            f"the sidecar file {stats_file}."
        )
    doc["description"] = text
    return doc


def _fit_stats(fit: FitResult, measurement_ids: list[str], tag: str | None) -> dict:
    ids = {n: parameter_id(n, tag) for n in fit.parameters}
    body = fit.to_dict()
    body["parameters"] = {ids[n]: {"name": n, **v} for n, v in body["parameters"].items()}
    cov = None
    if fit.covariance is not None:
        cov = {
            "parameters": [ids.get(n, n) for n in fit.covariance_names],
            "matrix": [[float(x) for x in row] for row in fit.covariance],
        }
    return {
        "group": group_label(fit),
        "measurement_ids": measurement_ids,
        "rows_used_lines": list(fit.rows.used),
        "rate_unit": fit.rate_unit.label,
        "weights": [float(w) for w in fit.data.get("weights", [])],
        **body,
        "covariance": cov,
    }


def _json_ready(obj: Any) -> Any:
    """Mappings, sequences and numpy scalars as JSON builtins; NaN and infinities become null."""
    if isinstance(obj, dict) or hasattr(obj, "items"):
        return {str(k): _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)) or hasattr(obj, "tolist"):
        items = obj.tolist() if hasattr(obj, "tolist") else obj
        return [_json_ready(v) for v in items] if isinstance(items, list) else _json_ready(items)
    if isinstance(obj, bool) or obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, (int, float)):
        return obj if math.isfinite(obj) else None
    return str(obj)


def enzymeml_stats(results, *, document: str = "", extra: dict | None = None) -> dict:
    """What the EnzymeML document cannot hold, per fit, keyed by the document's ids (see the module).

    ``extra`` (a comparison's or global fit's JSON form, say) is stored under ``"extra"``.
    """
    fits = _fits(results)
    tags = fit_tags(fits)
    blocks = _measurements_of(fits)
    out = {
        "format": SIDECAR_FORMAT,
        "format_version": 1,
        "document": document,
        "fits": [_fit_stats(f, [m["id"] for m in ms], tag) for f, ms, tag in zip(fits, blocks, tags)],
    }
    if extra:
        out["extra"] = extra
    return _json_ready(out)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_enzymeml(
    path: str | Path, results=None, *, data=None, name: str = "mgkinetics", extra: dict | None = None
) -> tuple[Path, Path | None]:
    """Write the EnzymeML document (and, for fits, its ``DOC.stats.json`` sidecar), each atomically.

    Returns ``(document path, sidecar path or None)``. See :func:`to_enzymeml` for the arguments;
    ``extra`` goes to the sidecar (:func:`enzymeml_stats`).

    Examples
    --------
    >>> import json, os, tempfile, numpy as np, mgkinetics as mgk
    >>> s = np.array([0.5, 1, 2, 4, 8, 16.0])
    >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": 10 * s / (2 + s)}, "michaelis_menten")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     doc, stats = write_enzymeml(os.path.join(d, "mm.json"), res)
    ...     out = json.load(open(doc))
    >>> len(out["measurements"]), [p["id"] for p in out["parameters"]], stats.name
    (6, ['vmax', 'km'], 'mm.stats.json')
    """
    path = Path(path)
    fits = _fits(results)
    sidecar = stats_path(path) if fits else None
    doc = to_enzymeml(results, data=data, name=name, stats_file=sidecar.name if sidecar else None)
    text = _dumps(doc)
    if sidecar is not None:
        atomic_write_text(sidecar, _dumps(enzymeml_stats(results, document=path.name, extra=extra)))
    atomic_write_text(path, text)
    return path, sidecar
