"""The numbers of a variant comparison: a ratio variant/reference and a ΔΔG‡, each with its interval,
or, for a variant (or reference) without activity, a one-sided limit or "not determined".

Their own module so that :mod:`mgkinetics.stats.compare` and the no-activity limits of
:mod:`mgkinetics.stats.compare_dead` build the same objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = ["Ratio", "DeltaG", "ESTIMATED", "RATIO_STATUSES"]

#: The status of a ratio or ΔΔG‡ computed from two determined estimates.
ESTIMATED = "estimated"
#: ``estimated`` (value and interval); ``upper_limit`` (a ratio: only ``limit`` is known, one-sided);
#: ``lower_limit`` (a ΔΔG‡: only ``limit``); ``not_determined`` (no activity: nothing is known).
RATIO_STATUSES = (ESTIMATED, "upper_limit", "lower_limit", "not_determined")


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else x


def _json_form(x: Ratio | DeltaG, fields: tuple[str, ...]) -> dict[str, Any]:
    """The JSON form of a ratio or ΔΔG‡: its value (null when not finite), ``fields`` in order, its
    status and limit, and its note when it has one."""
    return {
        "value": _finite(x.value),
        **{f: getattr(x, f) for f in fields},
        "status": x.status,
        "limit": x.limit,
        **({"note": x.note} if x.note else {}),
    }


@dataclass(frozen=True)
class Ratio:
    """variant / reference for one quantity, with its confidence interval.

    ``status`` is one of :data:`RATIO_STATUSES`; for ``upper_limit`` the value is NaN and ``limit``
    the one-sided upper confidence limit at ``ci_level``; ``note`` says in words what is known.
    """

    name: str
    value: float
    stderr_log: float | None
    ci_low: float | None
    ci_high: float | None
    ci_level: float = 0.95
    ci_method: str = "delta-log"
    status: str = ESTIMATED
    limit: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (full precision; a value that is not known is null)."""
        return _json_form(self, ("ci_low", "ci_high", "stderr_log", "ci_method"))


@dataclass(frozen=True)
class DeltaG:
    """ΔΔG‡ = RT·ln(k_ref / k_variant), kcal/mol (``status`` and ``limit`` as for :class:`Ratio`;
    a ratio's upper limit is a ΔΔG‡ ``lower_limit``)."""

    name: str
    value: float
    stderr: float | None
    ci_low: float | None
    ci_high: float | None
    temperature_C: float
    unit: str = "kcal/mol"
    ci_method: str = "delta-log"
    status: str = ESTIMATED
    limit: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (full precision; a value that is not known is null)."""
        return _json_form(self, ("stderr", "ci_low", "ci_high", "unit", "temperature_C", "ci_method"))
