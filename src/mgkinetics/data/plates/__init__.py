"""Plate-reader exports -> the long traces table (one row per plate, well, wavelength and read).

Each instrument format is a module of this package exposing ``NAME``, ``DESCRIPTION``,
``sniff(path) -> bool`` (cheap, never raises) and ``read(path, *, sheet=None) -> PlateRead``.
:func:`read_traces` picks the module (or the one named) and returns its :class:`PlateRead`.
A spreadsheet format writes only its cell parser and its words: ``read = sheet_reader(NAME, parse,
ReaderDoc(...))`` (:mod:`.sheet_reader`) makes the reader; text formats share :mod:`.parse` and
:mod:`.text_decode`.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from ...errors import DataFormatError, Problem
from .common import TRACE_COLUMNS, PlateRead, SkippedCell

__all__ = ["read_traces", "list_instruments", "INSTRUMENTS", "PlateRead", "SkippedCell", "TRACE_COLUMNS"]

#: Format modules in the order auto-detection tries them; ``generic`` (any wide table) comes last.
INSTRUMENTS: tuple[str, ...] = (
    "spectramax",
    "multiskan_spectrum",
    "multiskan_sky",
    "biotek_gen5",
    "tecan_magellan",
    "tecan_spark",
    "skanit",
    "generic",
)


def _load(name: str) -> ModuleType | None:
    """The format module, or None when it is not installed (its own import errors propagate)."""
    qualified = f"{__name__}.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise


def list_instruments() -> list[tuple[str, str]]:
    """``(name, description)`` of every format this installation can read, in detection order.

    Examples
    --------
    >>> names = [name for name, _ in list_instruments()]
    >>> names[0], names[-1]
    ('spectramax', 'generic')
    """
    out = []
    for name in INSTRUMENTS:
        module = _load(name)
        if module is not None:
            out.append((module.NAME, module.DESCRIPTION))
    return out


def _file_problem(path: str | Path, message: str) -> DataFormatError:
    """The error for a problem of the file as a whole (no line, no column)."""
    return DataFormatError(str(path), [Problem(None, None, message)])


def _detect(path: Path) -> ModuleType:
    for name in INSTRUMENTS:
        module = _load(name)
        if module is not None and module.sniff(path):
            return module
    known = ", ".join(name for name, _ in list_instruments())
    raise _file_problem(
        path,
        f"not a plate-reader export this version recognises (known: {known}); "
        "name the format with instrument=..., or export a wide table (Time [s], A1, A2 ...)",
    )


def read_traces(
    path: str | Path, *, instrument: str = "auto", sheet: str | None = None, wavelength_nm: int | None = None
) -> PlateRead:
    """Read a plate-reader export into the long traces table.

    Parameters
    ----------
    path : str or pathlib.Path
        The export file.
    instrument : str
        ``"auto"`` (the first format whose sniffer recognises the file, the generic wide table
        last) or one of :data:`INSTRUMENTS`.
    sheet : str, optional
        Worksheet to read, for spreadsheet formats.
    wavelength_nm : int, optional
        The wavelength of reads whose file does not state one (generic tables, Magellan). A file
        that states its wavelengths must agree with it.

    Returns
    -------
    PlateRead
        ``frame`` with columns :data:`TRACE_COLUMNS`, the cells that hold no reading in
        ``skipped``, and what the file states about the run in ``metadata``.

    Raises
    ------
    DataFormatError
        If the file is missing, not recognised, or malformed (every problem listed).
    """
    path = Path(path)
    if not path.is_file():
        raise _file_problem(path, "no such file")
    if instrument == "auto":
        module = _detect(path)
    else:
        if instrument not in INSTRUMENTS:
            raise _file_problem(
                path, f"unknown instrument '{instrument}'; use auto or one of {', '.join(INSTRUMENTS)}"
            )
        module = _load(instrument)
        if module is None:
            available = ", ".join(name for name, _ in list_instruments())
            raise _file_problem(
                path,
                f"the reader for '{instrument}' is not installed in this version; available: {available}",
            )
    result = module.read(path, sheet=sheet)
    return result if wavelength_nm is None else _with_wavelength(result, int(wavelength_nm))


def _with_wavelength(result: PlateRead, wavelength_nm: int) -> PlateRead:
    stated = result.frame["wavelength_nm"]
    known = sorted({int(w) for w in stated.dropna()})
    if known and known != [wavelength_nm]:
        raise _file_problem(
            result.source,
            f"the file states wavelength(s) {', '.join(map(str, known))} nm, not "
            f"{wavelength_nm} nm; drop the wavelength option",
        )
    frame = result.frame.copy()
    frame["wavelength_nm"] = frame["wavelength_nm"].fillna(wavelength_nm)
    skipped = [
        replace(cell, wavelength_nm=wavelength_nm) if cell.wavelength_nm is None else cell
        for cell in result.skipped
    ]
    metadata = {**result.metadata, "wavelength_note": f"wavelength {wavelength_nm} nm given by the caller"}
    return replace(result, frame=frame, skipped=tuple(skipped), metadata=metadata)
