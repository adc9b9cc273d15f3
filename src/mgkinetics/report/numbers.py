"""Numbers as a scientist writes them: the one formatting module of mgkinetics.

Text, HTML and Markdown round a value to its standard error: the SE to two significant digits,
the value (and its confidence bounds) to the same decimal place (``0.0641 ± 0.0083``). A value
without an SE gets :data:`PLAIN_DIGITS` significant digits. Very large or very small numbers
share one power of ten (``(7.1 ± 2.3)×10²¹``). CSV and JSON keep full precision: they do not
use this module.
"""

from __future__ import annotations

import math

__all__ = [
    "PLAIN_DIGITS",
    "fmt",
    "decimals_for",
    "format_value",
    "format_pm",
    "format_ci",
    "superscript",
    "pretty_unit",
]

#: Significant digits of a number shown without an uncertainty.
PLAIN_DIGITS = 4
#: Outside 10**-4 ... 10**6 numbers are written with a power of ten.
_FIXED_RANGE = (-4, 6)
_SUPER = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _finite(x) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(float(x))


def superscript(n: int) -> str:
    """An integer in superscript digits (``-3`` -> ``⁻³``)."""
    return str(int(n)).translate(_SUPER)


def fmt(x: float | None, digits: int = 5) -> str:
    """A number with ``digits`` significant digits, or ``-`` for a missing one.

    Examples
    --------
    >>> fmt(0.000123456), fmt(None), fmt(330.0)
    ('0.00012346', '-', '330')
    """
    if not _finite(x):
        return "-"
    return f"{float(x):.{digits}g}"


def decimals_for(se: float) -> int:
    """Decimal places that show ``se`` to two significant digits (negative: round to tens ...).

    Examples
    --------
    >>> decimals_for(0.0083), decimals_for(2.34), decimals_for(570.0)
    (4, 1, -1)
    """
    return 1 - math.floor(math.log10(abs(se)))


def _exponent(x: float) -> int:
    return math.floor(math.log10(abs(x))) if x else 0


def _fixed(x: float, decimals: int) -> str:
    if decimals >= 0:
        text = f"{x:.{decimals}f}"
    else:
        text = f"{round(x, decimals):.0f}"
    return "0" if text.lstrip("-").strip("0.") == "" and text.startswith("-") else text


def _scaled(values: list[float], se: float | None) -> tuple[list[str], str]:
    """Mantissas of ``values`` (and ``se`` last) with one shared power of ten, and that power."""
    big = max(abs(v) for v in values + ([se] if se else []) if v is not None)
    e = _exponent(big)
    scale = 10.0**e
    if se:
        d = max(decimals_for(se / scale), 0)
    else:
        d = PLAIN_DIGITS - 1
    parts = [_fixed(v / scale, d) for v in values] + ([_fixed(se / scale, d)] if se else [])
    return parts, f"×10{superscript(e)}"


def _needs_power(*xs: float | None) -> bool:
    lo, hi = _FIXED_RANGE
    exps = [_exponent(x) for x in xs if _finite(x) and x != 0]
    return bool(exps) and (max(exps) >= hi or max(exps) < lo)


def format_value(x: float | None, se: float | None = None) -> str:
    """``x`` rounded to its SE (or to :data:`PLAIN_DIGITS` significant digits without one).

    Examples
    --------
    >>> format_value(0.064123, 0.00828), format_value(212.68), format_value(None)
    ('0.0641', '212.7', '-')
    """
    if not _finite(x):
        return "-"
    x = float(x)
    if _needs_power(x, se):
        parts, power = _scaled([x], se if _finite(se) and se > 0 else None)
        return f"{parts[0]}{power}"
    if _finite(se) and se > 0:
        return _fixed(x, decimals_for(se))
    return f"{x:.{PLAIN_DIGITS}g}" if abs(x) < 10**PLAIN_DIGITS else f"{x:.0f}"


def format_rough(x: float | None) -> str:
    """Two significant digits, for a number that is not a result (a fit that ran away).

    Examples
    --------
    >>> format_rough(1.828249898673621e22), format_rough(7.0184)
    ('1.8×10²²', '7.0')
    """
    if not _finite(x) or x == 0:
        return format_value(x)
    return format_value(x, 10.0 ** _exponent(float(x)))


def format_pm(value: float | None, se: float | None, unit: str = "") -> str:
    """``value ± se [unit]``: SE to two significant digits, the value to the same decimals.

    Examples
    --------
    >>> format_pm(0.064123, 0.00828, "mM"), format_pm(330.0614, 2.3436), format_pm(1234.0, 567.0)
    ('0.0641 ± 0.0083 mM', '330.1 ± 2.3', '1230 ± 570')
    >>> format_pm(7.09e19, 2.3e21, "1/s"), format_pm(2.0, None, "mM")
    ('(0.1 ± 2.3)×10²¹ 1/s', '2 mM')
    """
    tail = f" {unit}" if unit else ""
    if not _finite(value):
        return "-" + tail
    if not (_finite(se) and se > 0):
        return format_value(value) + tail
    if _needs_power(value, se):
        (v, s), power = _scaled([float(value)], float(se))
        return f"({v} ± {s}){power}{tail}"
    d = decimals_for(se)
    return f"{_fixed(float(value), d)} ± {_fixed(float(se), d)}{tail}"


def format_ci(low: float | None, high: float | None, se: float | None = None, *, value=None) -> str:
    """``[low, high]`` rounded like the value they belong to; ``?`` for an open side.

    ``value`` (when given) decides, with ``se``, whether a power of ten is used.

    Examples
    --------
    >>> format_ci(0.0457, 0.0825, 0.00828), format_ci(None, 3.2), format_ci(1.0e20, 3.0e21, 2.0e21)
    ('[0.0457, 0.0825]', '[?, 3.2]', '[0.1, 3.0]×10²¹')
    """
    if not _finite(low) and not _finite(high):
        return "-"
    known = [float(b) for b in (low, high) if _finite(b)]
    good_se = float(se) if _finite(se) and se > 0 else None
    if _needs_power(*known, value, good_se):
        big = max(abs(b) for b in known + ([abs(value)] if _finite(value) else []))
        e = _exponent(big)
        d = max(decimals_for(good_se / 10.0**e), 0) if good_se else PLAIN_DIGITS - 1
        text = [_fixed(float(b) / 10.0**e, d) if _finite(b) else "?" for b in (low, high)]
        return f"[{text[0]}, {text[1]}]×10{superscript(e)}"
    if good_se:
        d = decimals_for(good_se)
        text = [_fixed(float(b), d) if _finite(b) else "?" for b in (low, high)]
    else:
        text = [format_value(b) if _finite(b) else "?" for b in (low, high)]
    return f"[{text[0]}, {text[1]}]"


_PRETTY = (("uM", "µM"), ("µM", "µM"))


def pretty_unit(label: str) -> str:
    """A unit label as printed: ``uM/s`` -> ``µM/s``, ``1/s`` -> ``s⁻¹``, ``1/(M*s)`` -> ``M⁻¹ s⁻¹``.

    Examples
    --------
    >>> pretty_unit("uM/s"), pretty_unit("1/s"), pretty_unit("1/(M*s)"), pretty_unit("mM")
    ('µM/s', 's⁻¹', 'M⁻¹ s⁻¹', 'mM')
    """
    if label.startswith("1/(") and label.endswith(")"):
        return " ".join(f"{part}⁻¹" for part in label[3:-1].split("*"))
    if label.startswith("1/") and "/" not in label[2:] and "*" not in label[2:]:
        return f"{label[2:]}⁻¹"
    return label.replace("uM", "µM")
