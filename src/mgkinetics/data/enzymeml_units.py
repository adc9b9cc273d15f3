"""EnzymeML v2 UnitDefinitions <-> mgkinetics unit labels.

An EnzymeML unit is an object with a ``name`` and SBML-style ``base_units`` (``kind``, ``exponent``,
``multiplier``, ``scale``; factor = (multiplier * 10**scale * kind)**exponent). Reading prefers the
name when :func:`unit_from_name` reads it and the base units agree with it in dimension; when the two
disagree in factor the name is used and the disagreement is reported; when the name cannot be read,
the base units are used. Concentrations, rates, first-order and specificity constants become
:class:`mgkinetics.units.Unit`; times and temperatures have their own kinds here because
``mgkinetics.units`` has no such quantities.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mgkinetics.units import CONCENTRATION_FACTORS_M, TIME_FACTORS_S, Unit, parse_unit

__all__ = [
    "DocUnit",
    "TIME_UNITS_S",
    "unit_from_name",
    "unit_from_base_units",
    "read_unit",
    "unit_definition",
]

#: Time units to seconds (mgkinetics.units' table plus days, which documents use).
TIME_UNITS_S: dict[str, float] = {**TIME_FACTORS_S, "d": 86400.0}
_TIME_NAMES = {
    "s": "s",
    "sec": "s",
    "second": "s",
    "seconds": "s",
    "min": "min",
    "minute": "min",
    "minutes": "min",
    "h": "h",
    "hr": "h",
    "hour": "h",
    "hours": "h",
    "d": "d",
    "day": "d",
    "days": "d",
}
_TEMPERATURE_NAMES = {"c": "C", "°c": "C", "degc": "C", "celsius": "C", "k": "K", "kelvin": "K"}
_PREFIX = {"": "M", "m": "mM", "u": "uM", "µ": "uM", "μ": "uM", "n": "nM", "p": "pM"}
_MOL_PER_L = re.compile(r"(?<![a-z])([mupnµμ]?)mol\s*/\s*l(?![a-z])", re.IGNORECASE)
_L_PER_MOL = re.compile(r"^\s*l\s*/\s*([mupnµμ]?)mol(?:\s*/\s*(\w+))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DocUnit:
    """A unit read from a document.

    Attributes
    ----------
    label : str
        mgkinetics label (``mM``, ``uM/s``, ``1/s``, ``s``, ``min``, ``C``, ``K``, ``1``), or the
        document's own name when the unit is not understood (``kind == "unknown"``).
    kind : str
        ``concentration``, ``rate``, ``frequency``, ``specificity``, ``dimensionless``, ``time``,
        ``temperature`` or ``unknown``.
    unit : Unit or None
        The mgkinetics unit for the kinds :mod:`mgkinetics.units` knows; None otherwise.
    seconds : float or None
        Seconds per unit, for times.
    """

    label: str
    kind: str
    unit: Unit | None = None
    seconds: float | None = None


def _from_unit(unit: Unit) -> DocUnit:
    return DocUnit(unit.label, unit.kind, unit)


def unit_from_name(name: str) -> DocUnit | None:
    """Read a unit name as written by PyEnzyme, MTPHandler or mgkinetics; None when not understood.

    Examples
    --------
    >>> unit_from_name("mmol / l").label, unit_from_name("umol / l / min").label
    ('mM', 'uM/min')
    >>> unit_from_name("Celsius").kind, unit_from_name("minutes").seconds
    ('temperature', 60.0)
    >>> unit_from_name("l / mol / s").label
    '1/(M*s)'
    >>> unit_from_name("furlong") is None
    True
    """
    text = str(name).strip()
    low = text.lower()
    if low in _TIME_NAMES:
        label = _TIME_NAMES[low]
        return DocUnit(label, "time", seconds=TIME_UNITS_S[label])
    if low in _TEMPERATURE_NAMES:
        return DocUnit(_TEMPERATURE_NAMES[low], "temperature")
    m = _L_PER_MOL.match(text)
    if m:
        conc = _PREFIX[m.group(1).lower()]
        text = f"1/({conc}*{m.group(2)})" if m.group(2) else f"1/{conc}"
    else:
        text = _MOL_PER_L.sub(lambda mm: _PREFIX[mm.group(1).lower()], text)
        text = re.sub(r"\s*/\s*", "/", text)
    try:
        return _from_unit(parse_unit(text))
    except ValueError:
        return None


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9)


def _or(value, default):
    return default if value is None else value


def _finite(bu: dict, key: str, default: float, where: str) -> float:
    """bu[key] as a float; a number beyond the float range (400 digits) is a ValueError naming it."""
    try:
        value = float(_or(bu.get(key), default))
    except OverflowError:  # a 400-digit integer in the JSON (a 400-digit decimal is read as inf)
        value = math.inf
    if not math.isfinite(value):
        text = str(bu.get(key))
        shown = text if len(text) <= 24 else f"{text[:8]}... ({len(text)} characters)"
        raise ValueError(f"{where}: {key} {shown} is beyond the float range")
    return value


def _dimensions(base_units: list[dict]) -> tuple[dict[str, int], float]:
    """Exponent of each base kind and the overall factor, by SBML rules (missing multiplier 1, scale 0).
    Cubic metres count as litres (1 m^3 = 1000 l).  A multiplier, scale or exponent beyond the float
    range, or a factor that is infinite or 0, is a ValueError naming the base unit and the field."""
    dims: dict[str, int] = {}
    factor = 1.0
    for i, bu in enumerate(base_units):
        kind = str(bu.get("kind", "")).lower()
        where = f"base unit {i + 1} ({kind or 'no kind'})"
        try:
            exponent = int(_or(bu.get("exponent"), 1))
        except OverflowError:  # an infinite exponent
            raise ValueError(f"{where}: exponent is not a finite integer") from None
        multiplier, scale = _finite(bu, "multiplier", 1.0, where), _finite(bu, "scale", 0.0, where)
        try:
            factor *= (multiplier * 10.0**scale) ** exponent
        except (OverflowError, ZeroDivisionError):  # a scale of 400; a multiplier 0 to a negative power
            factor = math.inf
        if not math.isfinite(factor) or factor == 0:
            raise ValueError(
                f"{where}: multiplier x 10^scale to the exponent is {factor:g}, not a unit factor"
            )
        if kind == "metre" and exponent % 3 == 0:
            kind, exponent = "litre", exponent // 3
            factor *= 1000.0**exponent
        if kind == "dimensionless":
            continue
        dims[kind] = dims.get(kind, 0) + exponent
    return {k: e for k, e in dims.items() if e}, factor


_SHAPES = {  # base-kind exponents -> (conc power, time power)
    (("litre", -1), ("mole", 1)): (1, 0),
    (("litre", -1), ("mole", 1), ("second", -1)): (1, -1),
    (("second", -1),): (0, -1),
    (("litre", 1), ("mole", -1), ("second", -1)): (-1, -1),
    (("litre", 1), ("mole", -1)): (-1, 0),
    (): (0, 0),
}


def _match_unit(conc_power: int, time_power: int, factor: float) -> Unit | None:
    concs = list(CONCENTRATION_FACTORS_M) if conc_power else [None]
    times = list(TIME_FACTORS_S) if time_power else [None]
    for time in times:
        for conc in concs:
            unit = Unit(conc, conc_power, time, time_power)
            if _close(unit.factor_si, factor):
                return unit
    return None


def unit_from_base_units(base_units: list[dict]) -> DocUnit | None:
    """The unit that SBML-style base units define; None when mgkinetics has no label for it.

    ``{second, multiplier 60|3600|86400, scale 1}`` (as mdmodels writes minutes, hours and days) is
    read by SBML rules (600 s ...) here; :func:`read_unit` reports that case.

    Examples
    --------
    >>> unit_from_base_units([{"kind": "mole", "exponent": 1, "scale": -6},
    ...                       {"kind": "litre", "exponent": -1}, {"kind": "second", "exponent": -1}]).label
    'uM/s'
    """
    dims, factor = _dimensions(base_units)
    if set(dims) <= {"celsius", "kelvin"} and len(dims) == 1 and next(iter(dims.values())) == 1:
        kind = next(iter(dims))
        return DocUnit("C" if kind == "celsius" else "K", "temperature") if _close(factor, 1.0) else None
    if dims == {"second": 1}:
        for label, seconds in TIME_UNITS_S.items():
            if _close(seconds, factor):
                return DocUnit(label, "time", seconds=seconds)
        return DocUnit(f"{factor:g} s", "time", seconds=factor)
    shape = _SHAPES.get(tuple(sorted(dims.items())))
    if shape is None:
        return None
    unit = _match_unit(*shape, factor)
    return _from_unit(unit) if unit is not None else None


def _mdmodels_time(base_units: list[dict]) -> DocUnit | None:
    """mdmodels writes min/h/d as {second, multiplier 60|3600|86400, scale 1}: the unit it meant."""
    if len(base_units) != 1:
        return None
    bu = base_units[0]
    if str(bu.get("kind")) != "second" or _or(bu.get("exponent"), 1) != 1 or bu.get("scale") != 1:
        return None
    for label in ("min", "h", "d"):
        if bu.get("multiplier") == TIME_UNITS_S[label]:
            return DocUnit(label, "time", seconds=TIME_UNITS_S[label])
    return None


def _describe_base(base_units: list[dict]) -> str:
    try:
        dims, factor = _dimensions(base_units)
    except ValueError as exc:  # a multiplier, scale or exponent beyond the float range
        return f"unreadable base units: {exc}"
    except TypeError:  # an exponent, multiplier or scale that is not a number
        return "base units that are not numbers"
    text = " ".join(f"{k}^{e}" for k, e in sorted(dims.items())) or "dimensionless"
    return f"{text} x {factor:g}"


def read_unit(obj) -> tuple[DocUnit | None, list[tuple[str, str, str]]]:
    """Read a UnitDefinition object (or a plain unit string) into a :class:`DocUnit`.

    Returns the unit (None when the object states nothing) and the deviations found, as
    ``(code, what deviates, what was assumed)`` tuples for the caller to file under its JSON path.
    A unit that is stated but not understood comes back with ``kind == "unknown"``.
    """
    if isinstance(obj, str):
        obj = {"name": obj}
    if not isinstance(obj, dict):
        return None, [("unit_not_understood", f"unit is {type(obj).__name__}, not an object", "unit ignored")]
    name = obj.get("name")
    base = obj.get("base_units") or []
    base = [b for b in base if isinstance(b, dict)] if isinstance(base, list) else []
    named = unit_from_name(name) if isinstance(name, str) and name.strip() else None
    try:
        based = unit_from_base_units(base) if base else None
    except (TypeError, ValueError):  # _describe_base says why
        based = None
    if named is None and based is None:
        if name is None and not base:
            return None, []
        shown = str(name) if name is not None else _describe_base(base)
        return DocUnit(shown, "unknown"), [
            (
                "unit_not_understood",
                f"unit '{shown}' is not one mgkinetics converts",
                "kept as text; values are not converted",
            )
        ]
    if named is None:
        return _from_base_units(name, based, base)
    return _name_against_base_units(name, named, based, base)


Note = tuple[str, str, str]


def _from_base_units(name, based: DocUnit, base: list[dict]) -> tuple[DocUnit, list[Note]]:
    """A unit whose name is absent or unread: its base units decide (mdmodels' minutes special-cased)."""
    shown = repr(name) if name else "(no name)"
    quirk = _mdmodels_time(base)
    if quirk is not None:
        return quirk, [
            (
                "unit_mdmodels_time",
                f"time unit {shown} has base units second x {quirk.seconds:g} "
                f"x 10^1 (as mdmodels writes '{quirk.label}'); by SBML rules that is "
                f"{10 * quirk.seconds:g} s",
                f"read as {quirk.label}",
            )
        ]
    if based.kind == "time" and not any(_close(based.seconds, s) for s in TIME_UNITS_S.values()):
        return based, [
            (
                "unit_not_understood",
                f"time unit {shown} is {based.seconds:g} s by its base units",
                f"read as {based.seconds:g} s per unit",
            )
        ]
    if name is not None:
        return based, [
            (
                "unit_name_unread",
                f"unit name '{name}' is not one mgkinetics reads",
                f"read from its base units as {based.label}",
            )
        ]
    return based, []


def _name_against_base_units(
    name, named: DocUnit, based: DocUnit | None, base: list[dict]
) -> tuple[DocUnit, list[Note]]:
    """A unit whose name was read: the base units (when any) must agree with it."""
    if not base:
        return named, []
    if based is None:
        return named, [
            (
                "unit_base_mismatch",
                f"unit '{name}': base units ({_describe_base(base)}) do not define {named.label}",
                f"the name was used: {named.label}",
            )
        ]
    if based.kind != named.kind:
        return based, [
            (
                "unit_base_mismatch",
                f"unit '{name}' names a {named.kind} but its base units define "
                f"a {based.kind} ({based.label})",
                f"the base units were used: {based.label}",
            )
        ]
    same = (
        named.unit == based.unit if named.kind not in ("time", "temperature") else named.label == based.label
    )
    if same:
        return named, []
    return named, [
        (
            "unit_base_mismatch",
            f"unit '{name}': base units ({_describe_base(base)}) give {based.label}, the name {named.label}",
            f"the name was used: {named.label}",
        )
    ]


_CONC_SCALE = {"M": 0, "mM": -3, "uM": -6, "nM": -9, "pM": -12}
_CONC_NAME = {"M": "mol", "mM": "mmol", "uM": "umol", "nM": "nmol", "pM": "pmol"}


def _time_base(label: str, exponent: int) -> dict:
    return {"kind": "second", "exponent": exponent, "multiplier": TIME_UNITS_S[label], "scale": 0.0}


def unit_definition(label: str | Unit) -> dict:
    """The EnzymeML UnitDefinition of an mgkinetics unit label (``mM``, ``uM/s``, ``1/s``, ``min``, ``C``).

    Names are written as PyEnzyme writes them (``mmol / l``); the base units carry an explicit
    multiplier and a power-of-ten scale. :func:`read_unit` reads the result back to the same label.

    Examples
    --------
    >>> unit_definition("mM")["name"]
    'mmol / l'
    >>> read_unit(unit_definition("uM/min"))[0].label
    'uM/min'
    """
    text = label.label if isinstance(label, Unit) else str(label)
    if text in TIME_UNITS_S:
        return {"id": f"u_{text}", "name": text, "base_units": [_time_base(text, 1)]}
    if text in ("C", "K"):
        kind = "celsius" if text == "C" else "kelvin"
        return {
            "id": f"u_{kind}",
            "name": "Celsius" if text == "C" else "K",
            "base_units": [{"kind": kind, "exponent": 1, "multiplier": 1.0, "scale": 0.0}],
        }
    unit = parse_unit(text)
    base: list[dict] = []
    parts: list[str] = []
    if unit.conc_power:
        p = unit.conc_power
        base += [
            {"kind": "mole", "exponent": p, "multiplier": 1.0, "scale": float(_CONC_SCALE[unit.conc])},
            {"kind": "litre", "exponent": -p, "multiplier": 1.0, "scale": 0.0},
        ]
        parts.append(f"{_CONC_NAME[unit.conc]} / l" if p > 0 else f"l / {_CONC_NAME[unit.conc]}")
    if unit.time_power:
        base.append(_time_base(unit.time, unit.time_power))
        parts.append(f"/ {unit.time}" if parts else f"1 / {unit.time}")
    if not base:
        return {
            "id": "u_dimensionless",
            "name": "dimensionless",
            "base_units": [{"kind": "dimensionless", "exponent": 1, "multiplier": 1.0, "scale": 0.0}],
        }
    ident = "u_" + re.sub(r"[^A-Za-z0-9]+", "_", unit.label).strip("_")
    return {"id": ident, "name": " ".join(parts), "base_units": base}
