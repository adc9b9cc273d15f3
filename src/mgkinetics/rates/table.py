"""The result of :func:`~mgkinetics.rates.initial_rates`: one row per sample well, written atomically."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mgkinetics.readonly import readonly

__all__ = ["RatesTable"]


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
        object.__setattr__(self, "metadata", readonly(self.metadata))

    @property
    def rate_column(self) -> str:
        """Name of the rate column (``rate_uM_per_s`` ...)."""
        return str(self.metadata["rate_column"])

    @property
    def stderr_column(self) -> str:
        """Name of the rate's SE column (``rate_stderr_uM_per_s`` ...)."""
        return str(self.metadata["stderr_column"])

    def to_csv(self, path: str | Path) -> Path:
        """Write :attr:`frame` to ``path`` atomically (temporary file, then rename), full precision."""
        from mgkinetics.report.output import atomic_write_text

        atomic_write_text(path, self.frame.to_csv(index=False, float_format="%.17g", lineterminator="\n"))
        return Path(path)

    def to_dataset(self, *, source: str = "<rates>"):
        """The rates as a :class:`~mgkinetics.Dataset` for :func:`mgkinetics.fit` and ``compare``.

        It keeps the layout's columns, the rate and its SE (``weights="sd:<stderr column>"`` weights
        a fit by them). The per-well diagnostics (window, method, flags) stay in :attr:`frame`; row
        *i* of the dataset (line *i* + 2) is well ``metadata["wells"][i]``.
        """
        from mgkinetics import Dataset  # the data wing's one table, whichever module holds it

        diagnostics = {
            "plate",
            "well",
            "window_start_s",
            "window_end_s",
            "window_reason",
            "n_points",
            "conversion_percent",
            "method",
            "flags",
            "signal_direction",
            "role",
        }
        keep = [c for c in self.frame.columns if c not in diagnostics]
        wells = [f"plate {p} well {w}" for p, w in zip(self.frame["plate"], self.frame["well"])]
        return Dataset.from_frame(self.frame[keep], source=source, metadata={**self.metadata, "wells": wells})
