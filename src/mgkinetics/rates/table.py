"""The result of :func:`~mgkinetics.rates.initial_rates`: one row per sample well, written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["RatesTable", "write_csv_atomic"]


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV through a temporary file in the same folder, then rename it into place.

    A reader never sees a half-written file, and a failed write leaves any old file untouched.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, float_format="%.10g", lineterminator="\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


@dataclass(frozen=True)
class RatesTable:
    """Initial rates per sample well.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per sample well: ``plate, well``, the layout's columns, ``rate_<unit>`` (e.g.
        ``rate_uM_per_s``, per turnover, positive in the stated ``signal_direction``),
        ``rate_stderr_<unit>``, ``window_start_s``, ``window_end_s``, ``window_reason``, ``n_points``,
        ``conversion_percent``, ``method``, ``flags`` (``;``-separated codes), ``signal_direction``.
    excluded : pandas.DataFrame
        Wells not in ``frame``: ``plate, well, role, reason``.
    metadata : Mapping
        The settings used (epsilon, path length, stoichiometry, direction, blank wells, units).
    """

    frame: pd.DataFrame
    excluded: pd.DataFrame
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def rate_column(self) -> str:
        """Name of the rate column (``rate_uM_per_s`` ...)."""
        return str(self.metadata["rate_column"])

    @property
    def stderr_column(self) -> str:
        """Name of the rate's SE column (``rate_stderr_uM_per_s`` ...)."""
        return str(self.metadata["stderr_column"])

    def to_csv(self, path: str | Path) -> Path:
        """Write :attr:`frame` to ``path`` atomically (temporary file, then rename)."""
        return write_csv_atomic(self.frame, path)
