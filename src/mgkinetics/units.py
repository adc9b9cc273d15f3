"""The one place units are parsed and converted.

Column names carry their unit as a suffix (``atp_total_mM``, ``rate_uM_per_s``); option values
carry it after the number (``2nM``, ``0.5 mM``). A :class:`Unit` is a concentration raised to a
power times a time raised to a power, which covers every quantity a rate law reports:
concentrations (``mM``), rates (``uM/s``), first-order constants (``1/s``) and specificity
constants (``1/(M*s)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from mgkinetics.errors import UnitError

__all__ = [
    "Unit",
    "DIMENSIONLESS",
    "UNSPECIFIED",
    "parse_unit",
    "parse_column",
    "split_header",
    "parse_quantity",
    "convert",
    "column_suffix",
    "CONCENTRATION_FACTORS_M",
    "TIME_FACTORS_S",
]

#: Concentration units to molar. ``µM``/``μM`` (micro sign or Greek mu) are read as ``uM``.
CONCENTRATION_FACTORS_M: dict[str, float] = {
    "M": 1.0,
    "mM": 1e-3,
    "uM": 1e-6,
    "nM": 1e-9,
    "pM": 1e-12,
}
#: Time units to seconds.
TIME_FACTORS_S: dict[str, float] = {"s": 1.0, "min": 60.0, "h": 3600.0}
_TIME_ALIASES = {"s": "s", "sec": "s", "min": "min", "h": "h", "hr": "h"}

_CONC = r"(M|mM|uM|µM|μM|nM|pM)"
_TIME = r"(s|sec|min|h|hr)"
_SUFFIX_RE = re.compile(rf"^(?P<stem>.+?)_(?:{_CONC}_per_{_TIME}|{_CONC}|per_{_TIME})$")


def _norm_conc(label: str) -> str:
    return label.replace("µ", "u").replace("μ", "u")


@dataclass(frozen=True)
class Unit:
    """A unit of the form conc**conc_power * time**time_power.

    Parameters
    ----------
    conc : str or None
        Concentration unit (``"M"``, ``"mM"``, ``"uM"``, ``"nM"``, ``"pM"``).
    conc_power : int
        Power of the concentration unit (1 for a concentration or rate, -1 for 1/(M*s)).
    time : str or None
        Time unit (``"s"``, ``"min"``, ``"h"``).
    time_power : int
        Power of the time unit (-1 for rates and rate constants).

    Examples
    --------
    >>> parse_unit("uM/s").label
    'uM/s'
    >>> parse_unit("1/(M*s)").factor_si
    1.0
    """

    conc: str | None = None
    conc_power: int = 0
    time: str | None = None
    time_power: int = 0

    @property
    def factor_si(self) -> float:
        """Factor that converts a value in this unit to M**conc_power * s**time_power."""
        factor = 1.0
        if self.conc_power:
            factor *= CONCENTRATION_FACTORS_M[self.conc] ** self.conc_power
        if self.time_power:
            factor *= TIME_FACTORS_S[self.time] ** self.time_power
        return factor

    @property
    def dimension(self) -> tuple[int, int]:
        """(concentration power, time power): units convert only within one dimension."""
        return (self.conc_power, self.time_power)

    @property
    def kind(self) -> str:
        """A word for the dimension: concentration, rate, frequency, specificity, ..."""
        return {
            (0, 0): "dimensionless",
            (1, 0): "concentration",
            (1, -1): "rate",
            (0, -1): "frequency",
            (-1, -1): "specificity",
            (0, 1): "time",
        }.get(self.dimension, f"conc^{self.conc_power}·time^{self.time_power}")

    @property
    def label(self) -> str:
        """ASCII label used in tables and JSON (``mM``, ``uM/s``, ``1/s``, ``1/(M*s)``)."""
        cp, tp = self.conc_power, self.time_power
        if (cp, tp) == (0, 0):
            return "1"
        num = []
        den = []
        for unit, power in ((self.conc, cp), (self.time, tp)):
            if power == 0:
                continue
            text = unit if abs(power) == 1 else f"{unit}^{abs(power)}"
            (num if power > 0 else den).append(text)
        numerator = "*".join(num) if num else "1"
        if not den:
            return numerator
        denominator = den[0] if len(den) == 1 else "(" + "*".join(den) + ")"
        return f"{numerator}/{denominator}"

    def __str__(self) -> str:
        return self.label

    def __mul__(self, other: Unit) -> Unit:
        if self.conc and other.conc and self.conc != other.conc and self.conc_power and other.conc_power:
            raise UnitError(f"cannot combine {self} and {other}: convert to one concentration unit first")
        if self.time and other.time and self.time != other.time and self.time_power and other.time_power:
            raise UnitError(f"cannot combine {self} and {other}: convert to one time unit first")
        cp = self.conc_power + other.conc_power
        tp = self.time_power + other.time_power
        conc = (self.conc if self.conc_power else other.conc) if cp else None
        time = (self.time if self.time_power else other.time) if tp else None
        return Unit(conc, cp, time, tp)

    def __truediv__(self, other: Unit) -> Unit:
        return self * other.inverse()

    def inverse(self) -> Unit:
        """The reciprocal unit."""
        return Unit(self.conc, -self.conc_power, self.time, -self.time_power)


DIMENSIONLESS = Unit()


@dataclass(frozen=True)
class _Unspecified(Unit):
    """A unit nobody declared (user expressions on unsuffixed columns): converts only to itself."""

    @property
    def label(self) -> str:
        return "unspecified"

    @property
    def kind(self) -> str:
        return "unspecified"


#: The unit of quantities whose unit is not known (expression laws); labelled ``unspecified``.
UNSPECIFIED: Unit = _Unspecified()

_LABEL_RE = re.compile(
    rf"^\s*(?:(?P<conc>{_CONC})\s*(?:/\s*(?P<ctime>{_TIME}))?"
    rf"|1\s*/\s*(?:(?P<itime>{_TIME})|\(\s*(?P<iconc>{_CONC})\s*\*\s*(?P<ictime>{_TIME})\s*\)"
    rf"|(?P<iconc2>{_CONC})\s*/\s*(?P<ictime2>{_TIME})|(?P<iconc3>{_CONC})))\s*$"
)


def parse_unit(text: str) -> Unit:
    """Parse a unit label.

    Accepts ``M``, ``mM``, ``uM`` (``µM``), ``nM``, ``pM``; rates such as ``uM/s`` or ``mM/min``
    (also ``uM_per_s``, ``mM·s⁻¹``, ``mM s^-1``, ``mM s-1``, ``mM.s-1``); ``1/s``, ``s^-1``, ``s⁻¹``;
    ``1/(M*s)``, ``1/M/s`` or ``M^-1 s^-1``; ``1/mM``, ``M^-1``; and ``1`` for dimensionless.

    Raises
    ------
    UnitError
        If the label is not one of these forms.

    Examples
    --------
    >>> parse_unit("mM").label
    'mM'
    >>> parse_unit("uM_per_min").label
    'uM/min'
    >>> parse_unit("s^-1").label
    '1/s'
    """
    raw = str(text).strip()
    t = raw.replace("_per_", "/").replace("·", "*").replace("−", "-").replace("⁻¹", "^-1")
    t = t.replace("µ", "u").replace("μ", "u")
    if t in ("1", "", "dimensionless"):
        return DIMENSIONLESS
    # power forms: "s^-1", "M^-1 s^-1", "M^-1*s^-1", "mM s^-1"; also written "mM.s-1", "mM s**-1"
    t = re.sub(r"(?<=[A-Za-z])\.(?=[A-Za-z])", "*", t.replace("**", "^"))
    t = re.sub(r"(?<=[A-Za-z])\^?\s*-\s*1(?![0-9])", "^-1", t)
    t = re.sub(rf"^\s*1\s*/\s*{_CONC}\s*/\s*{_TIME}\s*$", r"\1^-1 \2^-1", t)  # 1/M/s
    m = re.fullmatch(rf"\s*(?:{_CONC}(\^-1)?\s*\*?\s*)?(?:{_TIME}\^-1)?\s*", t)
    if m and (m.group(3) or m.group(2)):  # C^-1, T^-1, C T^-1 or C^-1 T^-1
        conc = _norm_conc(m.group(1)) if m.group(1) else None
        power = 0 if conc is None else (-1 if m.group(2) else 1)
        time = _TIME_ALIASES[m.group(3)] if m.group(3) else None
        return Unit(conc, power, time, -1 if time else 0)
    m = _LABEL_RE.match(t)
    if not m:
        raise UnitError(
            f"unknown unit '{raw}'; use a concentration (M, mM, uM, nM, pM), a rate such as "
            "uM/s or mM/min, 1/s, 1/min, or 1/(M*s)"
        )
    g = m.groupdict()
    if g["conc"]:
        if g["ctime"]:
            return Unit(_norm_conc(g["conc"]), 1, _TIME_ALIASES[g["ctime"]], -1)
        return Unit(_norm_conc(g["conc"]), 1)
    if g["itime"]:
        return Unit(None, 0, _TIME_ALIASES[g["itime"]], -1)
    if g["iconc"]:
        return Unit(_norm_conc(g["iconc"]), -1, _TIME_ALIASES[g["ictime"]], -1)
    if g["iconc2"]:
        return Unit(_norm_conc(g["iconc2"]), -1, _TIME_ALIASES[g["ictime2"]], -1)
    return Unit(_norm_conc(g["iconc3"]), -1)


#: A unit written after the name: ``S (mM)``, ``v [uM/min]``, ``Rate, uM/min``, ``[ATP] mM``.
_BRACKETED_RE = re.compile(r"^(?P<stem>.*?)\s*[(\[]\s*(?P<unit>[^()\[\]]+?)\s*[)\]]\s*$")
_COMMA_RE = re.compile(r"^(?P<stem>.+?)\s*,\s*(?P<unit>[^,\s][^,]*?)\s*$")
_SPACED_RE = re.compile(r"^(?P<stem>.*\S)\s+(?P<unit>\S+)$")
#: Units that are not a :class:`Unit` but still mark a header (conditions).
CONDITION_UNITS = {"°c": "°C", "ºc": "°C", "degc": "°C", "c": "°C", "k": "K", "ph": "pH", "m": "M"}


def _unit_text(text: str) -> str | None:
    """``text`` when it is a unit label (a :class:`Unit` other than 1, or °C/K), else None."""
    raw = text.strip()
    if raw.lower() in CONDITION_UNITS:
        return raw
    try:
        unit = parse_unit(raw)
    except UnitError:
        return None
    return raw if unit.dimension != (0, 0) else None


def _clean_stem(stem: str) -> str:
    stem = stem.strip()
    if len(stem) > 2 and stem[0] == "[" and stem[-1] == "]" and "[" not in stem[1:-1]:
        stem = stem[1:-1].strip()  # "[ATP]" is the concentration of ATP
    return stem


def split_header(name: str) -> tuple[str, str | None]:
    """Split a column header into its stem and the unit text it carries (None when it has none).

    Reads ``s_mM``, ``rate_uM_per_s``, ``S (mM)``, ``v [µM/min]``, ``[ATP] (µM)``, ``[ATP] mM``,
    ``Rate, uM/min``, ``Rate (uM/min)``, ``Temperature (°C)``, ``T [K]``, ``temperature_C``. A
    bracketed stem such as ``[ATP]`` becomes ``ATP``; a trailing number (``Rate 1``) is part of
    the stem, never a unit.

    Examples
    --------
    >>> split_header("[ATP] mM"), split_header("v [µM/min]"), split_header("Rate, uM/min")
    (('ATP', 'mM'), ('v', 'µM/min'), ('Rate', 'uM/min'))
    >>> split_header("s_mM"), split_header("T [K]"), split_header("Rate 1"), split_header("[ATP]")
    (('s', 'mM'), ('T', 'K'), ('Rate 1', None), ('ATP', None))
    """
    text = str(name).strip()
    m = _SUFFIX_RE.match(text)
    if m:
        unit = text[len(m.group("stem")) + 1 :]
        return m.group("stem"), ("1/" + unit[4:] if unit.startswith("per_") else unit)
    for regex in (_BRACKETED_RE, _COMMA_RE, _SPACED_RE):
        m = regex.match(text)
        if m and m.group("stem").strip() and _unit_text(m.group("unit")) is not None:
            return _clean_stem(m.group("stem")), m.group("unit").strip()
    low = text.lower()
    for suffix in ("_c", "_k", "_degc"):  # temperature_C, temperature_K
        if low.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)], text[-len(suffix) + 1 :]
    return _clean_stem(text), None


def parse_column(name: str) -> tuple[str, Unit | None]:
    """Split a column name into its stem and the unit it names (any style of :func:`split_header`).

    Returns ``(name, None)`` when the name carries no concentration, rate or frequency unit (a
    condition unit such as °C is not a :class:`Unit`).

    Examples
    --------
    >>> parse_column("atp_total_mM")
    ('atp_total', Unit(conc='mM', conc_power=1, time=None, time_power=0))
    >>> parse_column("rate_uM_per_s")[1].label
    'uM/s'
    >>> parse_column("kobs_per_min")[1].label
    '1/min'
    >>> parse_column("Rate (µM/min)")[1].label
    'uM/min'
    >>> parse_column("variant")
    ('variant', None)
    """
    stem, unit_text = split_header(name)
    try:
        unit = parse_unit(unit_text) if unit_text is not None else None
    except UnitError:
        unit = None
    if unit is None or unit.dimension == (0, 0):
        return str(name).strip(), None
    return stem, unit


_QUANTITY_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def parse_quantity(text: str) -> tuple[float, Unit]:
    """Parse a number followed by a unit, such as ``2nM``, ``0.5 mM`` or ``330 1/s``.

    Raises
    ------
    UnitError
        If there is no number, or no unit after it.

    Examples
    --------
    >>> value, unit = parse_quantity("2 nM")
    >>> value, unit.label
    (2.0, 'nM')
    """
    m = _QUANTITY_RE.match(str(text))
    if not m:
        raise UnitError(f"'{text}' is not a quantity; write a number followed by its unit, e.g. 2nM")
    number, unit_text = m.groups()
    if not unit_text:
        raise UnitError(f"'{text}' has no unit; write the unit after the number, e.g. {number}nM")
    return float(number), parse_unit(unit_text)


#: Decimal exponent of each concentration unit, so that mM -> uM is exactly 1000 (1e-3/1e-6 is not).
_CONC_EXPONENT = {"M": 0, "mM": -3, "uM": -6, "nM": -9, "pM": -12}


def _factor(src: Unit, dst: Unit) -> float:
    """Multiplier from ``src`` to ``dst`` (same dimension): powers of ten as integers, then time."""
    exponent = 0
    if src.conc_power:
        exponent += _CONC_EXPONENT[src.conc] * src.conc_power - _CONC_EXPONENT[dst.conc] * dst.conc_power
    factor = 10.0**exponent
    if src.time_power:
        factor *= (TIME_FACTORS_S[src.time] / TIME_FACTORS_S[dst.time]) ** src.time_power
    return factor


def convert(value, from_unit: Unit | str, to_unit: Unit | str):
    """Convert a value (scalar or array) between units of the same dimension.

    Raises
    ------
    UnitError
        If the units measure different things (a concentration into a rate, say).

    Examples
    --------
    >>> convert(0.5, "mM", "uM")
    500.0
    >>> round(convert(1.0, "1/min", "1/s"), 6)
    0.016667
    """
    src = parse_unit(from_unit) if isinstance(from_unit, str) else from_unit
    dst = parse_unit(to_unit) if isinstance(to_unit, str) else to_unit
    if src.dimension != dst.dimension:
        raise UnitError(f"cannot convert {src.kind} ({src}) to {dst.kind} ({dst})")
    factor = _factor(src, dst)
    if isinstance(value, (int, float)):
        return float(value) * factor
    return np.asarray(value, dtype=float) * factor


def column_suffix(unit: Unit | str) -> str:
    """The column-name suffix that :func:`parse_column` reads back as ``unit``.

    Examples
    --------
    >>> column_suffix("uM/s"), column_suffix("mM"), column_suffix("1/min")
    ('uM_per_s', 'mM', 'per_min')
    """
    u = parse_unit(unit) if isinstance(unit, str) else unit
    if u.dimension == (1, 0):
        return u.conc
    if u.dimension == (1, -1):
        return f"{u.conc}_per_{u.time}"
    if u.dimension == (0, -1):
        return f"per_{u.time}"
    raise UnitError(f"no column suffix for {u.kind} units ({u}); use a concentration or a rate")
