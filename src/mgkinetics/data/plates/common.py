"""What every plate-reader parser returns: a long table of reads, and every cell it did not keep."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mgkinetics.readonly import readonly

__all__ = ["TRACE_COLUMNS", "SkippedCell", "PlateRead"]

#: Columns of a traces table, in order; parsers may add more after these.
TRACE_COLUMNS: tuple[str, ...] = ("plate", "well", "time_s", "wavelength_nm", "temperature_C", "signal")


@dataclass(frozen=True)
class SkippedCell:
    """One cell of an export that holds no reading (empty, NaN, overflow ...).

    Attributes
    ----------
    plate : int
        Plate / block / iteration number, from 1.
    well : str
        Well name without zero padding (``A1`` .. ``P24``).
    time_s : float or None
        Time of the read in seconds, None when the file gives none.
    wavelength_nm : int or None
        Wavelength of the read, None when the file does not say.
    text : str
        The cell's text as stored ('' for an empty cell).
    reason : str
        Why it is not a reading, in words a user understands ("overflow (OVRFLW)", "empty").
    """

    plate: int
    well: str
    time_s: float | None
    wavelength_nm: int | None
    text: str
    reason: str

    def __str__(self) -> str:
        where = f"plate {self.plate}, well {self.well}"
        if self.time_s is not None:
            where += f", t = {self.time_s:g} s"
        if self.wavelength_nm is not None:
            where += f", {self.wavelength_nm} nm"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class PlateRead:
    """A plate-reader export read into the long traces table.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per measured cell, columns :data:`TRACE_COLUMNS` (more may follow): ``plate`` int,
        ``well`` str, ``time_s`` float (NaN when the file has no times), ``wavelength_nm`` nullable
        Int64 (<NA> when the file does not say), ``temperature_C`` float (NaN when none),
        ``signal`` float exactly as stored.
    instrument : str
        Name of the format that read the file (e.g. ``"spectramax"``).
    source : str
        The file the reads came from.
    skipped : tuple of SkippedCell
        Every cell that is not in ``frame``, with its reason.
    metadata : Mapping
        What the file states about the run (software, read interval, set temperature ...).
    """

    frame: pd.DataFrame
    instrument: str
    source: str
    skipped: tuple[SkippedCell, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", readonly(self.metadata))
        object.__setattr__(self, "skipped", tuple(self.skipped))
