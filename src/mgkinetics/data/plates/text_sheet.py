"""Tab-separated text exports read as a :class:`~mgkinetics.data.plates.xlsx.Sheet`.

Some instruments write the same layout to Excel and to tab-separated text (Gen5 "Export to text").
Reading the text into a Sheet lets one parser serve both. Cells are typed the way the spreadsheet
would hold them: numbers as numbers (``'0.066'`` -> 0.066, ``'1'`` -> 1), times ``h:mm:ss`` as
``datetime.timedelta``, everything else as stripped text, empty cells as None. Numbers with a decimal
comma stay text (``'504,531'`` may be a label); the cell classifier still reads them as numbers.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from typing import Any

from mgkinetics.data.plates.parse import hms_to_seconds, parse_number
from mgkinetics.data.plates.text_decode import decode_bytes, decode_head
from mgkinetics.data.plates.xlsx import Sheet

__all__ = ["TextSheet", "is_text_export", "text_cell", "read_text_sheet", "text_first_rows"]

_INTEGER_RE = re.compile(r"^[-+]?\d+$")
_TIME_RE = re.compile(r"^\d+:\d{2}:\d{2}(?:\.\d+)?$")
_EPOCH = dt.datetime(1899, 12, 30)  # unused for text (no serials), kept for the Sheet interface


class TextSheet(Sheet):
    """A Sheet read from a text export: no cell types of its own, so no Excel storage faults."""


def is_text_export(path: pathlib.Path) -> bool:
    """True when the file is not a zip archive (xlsx) and its start decodes to tab-separated text."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if head.startswith(b"PK") or not head:
        return False
    text = decode_head(head)
    return "\t" in text and "\x00" not in text


def text_cell(text: str) -> Any:
    """One tab-separated field typed as a spreadsheet holds it.

    Examples
    --------
    >>> text_cell(" 0.066 "), text_cell("12"), text_cell("0:04:22"), text_cell("OVRFLW"), text_cell("")
    (0.066, 12, datetime.timedelta(seconds=262), 'OVRFLW', None)
    """
    s = text.strip()
    if not s:
        return None
    if _INTEGER_RE.match(s):
        return int(s)
    if "," not in s:  # '504,531' is a label (excitation, emission), so a decimal comma stays text
        value = parse_number(s)
        if value is not None:
            return value
    if _TIME_RE.match(s):
        seconds = hms_to_seconds(s)
        if seconds is not None:
            return dt.timedelta(seconds=seconds)
    return s


def _rows(path: pathlib.Path, n_rows: int | None = None) -> list[tuple[Any, ...]]:
    text, _ = decode_bytes(pathlib.Path(path).read_bytes())
    lines = text.splitlines()
    if n_rows is not None:
        lines = lines[:n_rows]
    rows = [tuple(text_cell(field) for field in line.split("\t")) for line in lines]
    width = max((len(r) for r in rows), default=0)
    return [r + (None,) * (width - len(r)) for r in rows]


def text_first_rows(path: pathlib.Path, n_rows: int = 30) -> list[tuple[Any, ...]]:
    """The first rows of a text export as typed cells, [] when it is not one (never raises)."""
    try:
        return _rows(path, n_rows) if is_text_export(path) else []
    except Exception:  # noqa: BLE001 - used by sniffers
        return []


def read_text_sheet(path: pathlib.Path, title: str = "text") -> Sheet:
    """The whole text export as one Sheet named ``title`` (problems then name ``text!D40``)."""
    return TextSheet(title, _rows(path), _EPOCH)
