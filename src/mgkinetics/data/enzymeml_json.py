"""Loading an EnzymeML JSON file leniently: JSON errors with their line, JSON-LD keys and nulls removed.

The checks shared by the EnzymeML readers live here too: numbers, strings and lists at a JSON path,
each problem filed as a :class:`~mgkinetics.errors.Problem` whose message starts with the path.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from mgkinetics.data.enzymeml_model import WarningLog
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["load_json", "strip_document", "Checker", "DATA_TYPES", "DATA_TYPE_IRIS"]

#: The DataTypes enum of the v2 schema.
DATA_TYPES = frozenset(
    {
        "absorbance",
        "amount",
        "concentration",
        "conversion",
        "fluorescence",
        "peakarea",
        "transmittance",
        "turnover",
        "yield",
    }
)
#: Ontology IRIs that PyEnzyme 2.0 / MTPHandler wrote as data_type (their DataTypes enum), and the
#: v2 enum value each stands for.
DATA_TYPE_IRIS = {
    "http://purl.allotrope.org/ontologies/quality#AFQ_0000061": "absorbance",
    "http://purl.obolibrary.org/obo/PATO_0000033": "concentration",
    "http://purl.allotrope.org/ontologies/quality#AFQ_0000226": "conversion",
    "http://purl.obolibrary.org/obo/PATO_0000018": "fluorescence",
    "http://purl.allotrope.org/ontologies/result#AFR_0001073": "peakarea",
    "http://purl.allotrope.org/ontologies/result#AFR_0002261": "transmittance",
}


def load_json(path: str | Path) -> Any:
    """Parse a JSON file; DataFormatError (with the line and column) when it cannot be read or parsed."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(source, [Problem(None, None, "file not found; check the path")]) from None
    except OSError as exc:
        raise DataFormatError(source, [Problem(None, None, f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFormatError(
            source, [Problem(line, None, "is not UTF-8 text; EnzymeML JSON is UTF-8")]
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFormatError(
            source,
            [
                Problem(
                    exc.lineno,
                    None,
                    f"column {exc.colno}: is not valid JSON ({exc.msg}); an EnzymeML v2 document "
                    "is a JSON object",
                )
            ],
        ) from None


def _is_ld(key: str) -> bool:
    return key.startswith("ld_") or key.startswith("@")


def strip_document(obj: Any, path: str, log: WarningLog) -> Any:
    """A copy without JSON-LD keys (``ld_*``, ``@*``) and without null object fields, each one logged.

    Lists keep their elements (a null in a data array is a missing value, reported by its reader).
    """
    if isinstance(obj, dict):
        out = {}
        if any(_is_ld(str(key)) for key in obj):
            log.add(
                path or "(document)",
                "jsonld_keys",
                "JSON-LD keys (ld_id, ld_type, ld_context, @...) are not part of the v2 schema",
                "ignored",
            )
        for key, value in obj.items():
            key = str(key)
            where = f"{path}.{key}" if path else key
            if _is_ld(key):
                continue
            if value is None:
                log.add(where, "null_field", "null value (the schema allows none)", "treated as absent")
            else:
                out[key] = strip_document(value, where, log)
        return out
    if isinstance(obj, list):
        return [
            strip_document(v, f"{path}[{i}]", log) if isinstance(v, (dict, list)) else v
            for i, v in enumerate(obj)
        ]
    return obj


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Checker:
    """Typed access to document fields; every type problem is collected with its JSON path."""

    def __init__(self, log: WarningLog) -> None:
        self.problems: list[Problem] = []
        self.log = log

    def problem(self, path: str, message: str) -> None:
        """File a problem that makes the document unreadable."""
        self.problems.append(Problem(None, None, f"{path}: {message}"))

    def number(self, obj: dict, key: str, path: str) -> float | None:
        """A finite number or None when absent; a problem when it is something else."""
        value = obj.get(key)
        if value is None:
            return None
        if not _is_number(value) or not math.isfinite(float(value)):
            self.problem(f"{path}.{key}", f"{json.dumps(value)[:40]} is not a number")
            return None
        return float(value)

    def text(self, obj: dict, key: str, path: str, *, required: bool = False) -> str | None:
        """A string (numbers are accepted as text) or None; a problem when required and absent."""
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(f"{path}.{key}", f"missing; EnzymeML v2 requires '{key}' here")
            return None
        if isinstance(value, (dict, list, bool)):
            self.problem(f"{path}.{key}", f"is a {type(value).__name__}, not a string")
            return None
        if isinstance(value, float) and not math.isfinite(value):  # JSON's NaN / Infinity is no name
            self.problem(f"{path}.{key}", f"is {json.dumps(value)}, not a string")
            return None
        return str(value)

    def flag(self, obj: dict, key: str, path: str) -> bool | None:
        """A boolean or None; a problem when it is something else."""
        value = obj.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.problem(f"{path}.{key}", f"{json.dumps(value)[:40]} is not true or false")
        return None

    def objects(self, obj: dict, key: str, path: str) -> list[tuple[str, dict]]:
        """The (path, object) pairs of a list of objects; absent means empty."""
        value = obj.get(key, [])
        where = f"{path}.{key}" if path else key
        if not isinstance(value, list):
            self.problem(where, f"is a {type(value).__name__}, not a list")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((f"{where}[{i}]", item))
            else:
                self.problem(f"{where}[{i}]", f"is a {type(item).__name__}, not an object")
        return out

    def numbers(self, obj: dict, key: str, path: str) -> list[float]:
        """A list of numbers; null becomes NaN (the caller counts it), anything else is a problem."""
        value = obj.get(key, [])
        if not isinstance(value, list):
            self.problem(f"{path}.{key}", f"is a {type(value).__name__}, not a list of numbers")
            return []
        out = []
        for i, item in enumerate(value):
            if item is None:
                out.append(math.nan)
            elif _is_number(item) and math.isfinite(float(item)):
                out.append(float(item))
            else:
                self.problem(
                    f"{path}.{key}[{i}]",
                    f"{json.dumps(item)[:40]} is not a number; use null for a missing value",
                )
                out.append(math.nan)
        return out

    def unknown_keys(self, obj: dict, allowed: frozenset[str], path: str) -> None:
        """Log keys the v2 schema does not define."""
        for key in obj:
            if key not in allowed:
                self.log.add(
                    f"{path}.{key}" if path else key, "unknown_key", "not a field of EnzymeML v2", "ignored"
                )
