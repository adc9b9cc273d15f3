"""Optical quantities the rates wing needs and :mod:`mgkinetics.units` does not cover.

:mod:`mgkinetics.units` knows concentrations and times; an absorption coefficient (``6.22/mM/cm``)
and a path length (``0.5cm``) carry a length too. This module parses those two and nothing else,
returning plain floats in fixed units (per mM per cm, and cm) so the rest of the wing never
re-reads the text.
"""

from __future__ import annotations

import re

from ..errors import UnitError
from ..units import CONCENTRATION_FACTORS_M

__all__ = ["parse_epsilon_per_mM_per_cm", "parse_path_length_cm", "LENGTH_FACTORS_CM"]

#: Length units to centimetres.
LENGTH_FACTORS_CM: dict[str, float] = {"cm": 1.0, "mm": 0.1, "um": 1e-4, "m": 100.0}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CONC = r"(M|mM|uM|nM|pM)"
_LEN = r"(cm|mm|um|m)"
# "6.22/mM/cm", "6.22 /(mM*cm)", "6.22 mM^-1 cm^-1", "6220 M-1cm-1", "6.22 1/(mM cm)"
_EPS_FORMS = (
    re.compile(rf"^(?P<x>{_NUMBER})\s*(?:1\s*)?/\s*{_CONC}\s*/\s*{_LEN}$"),
    re.compile(rf"^(?P<x>{_NUMBER})\s*(?:1\s*)?/\s*\(\s*{_CONC}\s*[*·\s]\s*{_LEN}\s*\)$"),
    re.compile(rf"^(?P<x>{_NUMBER})\s*{_CONC}\s*\^?-1\s*[*·]?\s*{_LEN}\s*\^?-1$"),
)
_PATH_RE = re.compile(rf"^(?P<x>{_NUMBER})\s*{_LEN}$")


def _clean(text: str) -> str:
    return str(text).strip().replace("µ", "u").replace("μ", "u").replace("⁻¹", "^-1").replace("−", "-")


def parse_epsilon_per_mM_per_cm(text: str | float) -> float:
    """Parse an absorption coefficient and return it in 1/(mM·cm).

    Parameters
    ----------
    text : str
        A number followed by a reciprocal concentration and length: ``6.22/mM/cm``,
        ``6220/M/cm``, ``6.22 mM^-1 cm^-1``, ``6220 M-1 cm-1``, ``6.22/(mM*cm)``.
        A bare number is refused: its unit would be a guess.

    Raises
    ------
    UnitError
        If the text has no unit, an unknown unit, or a value that is not > 0.

    Examples
    --------
    >>> parse_epsilon_per_mM_per_cm("6220/M/cm")
    6.22
    >>> parse_epsilon_per_mM_per_cm("6.22 mM^-1 cm^-1")
    6.22
    """
    if isinstance(text, (int, float)):
        raise UnitError(f"epsilon {text!r} has no unit; write it with one, e.g. '6.22/mM/cm' or '6220/M/cm'")
    t = _clean(text)
    for form in _EPS_FORMS:
        m = form.match(t)
        if m:
            value = float(m.group("x"))
            conc, length = m.group(2), m.group(3)
            if not value > 0:
                raise UnitError(f"epsilon '{text}' must be > 0")
            # value per (conc * length) -> per (mM * cm): per M is 1000x smaller per mM
            per_mM = value * (1e-3 / CONCENTRATION_FACTORS_M[conc])
            return round(per_mM / LENGTH_FACTORS_CM[length], 12)
    raise UnitError(
        f"cannot read epsilon '{text}'; write a number with a reciprocal concentration and length, "
        "e.g. '6.22/mM/cm', '6220/M/cm' or '6.22 mM^-1 cm^-1'"
    )


def parse_path_length_cm(text: str | float) -> float:
    """Parse a path length (``0.5cm``, ``5 mm``) and return it in cm.

    Raises
    ------
    UnitError
        If the text has no length unit or the value is not > 0.

    Examples
    --------
    >>> parse_path_length_cm("5 mm")
    0.5
    """
    if isinstance(text, (int, float)):
        raise UnitError(f"path length {text!r} has no unit; write it with one, e.g. '0.5cm' or '5mm'")
    m = _PATH_RE.match(_clean(text))
    if not m:
        raise UnitError(f"cannot read path length '{text}'; write a number and a length unit, e.g. '0.5cm'")
    value = float(m.group("x"))
    if not value > 0:
        raise UnitError(f"path length '{text}' must be > 0")
    return round(value * LENGTH_FACTORS_CM[m.group(2)], 12)
