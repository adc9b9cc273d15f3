"""The one ``read()`` of every spreadsheet plate export: a format plugs in its cell parser and its words.

A spreadsheet format (Gen5, Multiskan Sky, SkanIt, Magellan, Spark) declares
``read = sheet_reader(NAME, _parse, ReaderDoc(...))``. The reader this makes has the signature
every format module exposes, ``read(path, *, sheet=None) -> PlateRead``, and a numpydoc docstring
made of the format's own words; it collects the cells of the file in one
:class:`~mgkinetics.data.plates.xlsx.SheetCells`, so that every problem of the file is raised at
once, and assembles the :class:`~mgkinetics.data.plates.common.PlateRead`:

- ``parse(path, sheet, cells) -> metadata`` reads the sheets asked for, hands every cell to
  ``cells`` (readings, skipped cells, problems) and returns what the file states about the run;
- ``metadata['unmeasured_wells']`` is then the wells empty in every read, and ``complete(metadata,
  unmeasured)``, when given, adds what the format derives from them.
"""

from __future__ import annotations

import pathlib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mgkinetics.data.plates.common import PlateRead
from mgkinetics.data.plates.xlsx import SheetCells

__all__ = ["ReaderDoc", "sheet_reader"]

#: ``parse(path, sheet, cells) -> metadata``: every cell of the sheets asked for handed to ``cells``.
Parse = Callable[[pathlib.Path, "str | None", SheetCells], dict[str, Any]]
#: ``complete(metadata, unmeasured)``: what a format derives from its unmeasured wells, added in place.
Complete = Callable[[dict[str, Any], dict], None]

_TEMPLATE = """{summary}

Parameters
----------
path : pathlib.Path
    {file}
sheet : str, optional
{sheet}

Returns
-------
PlateRead
{returns}

Raises
------
DataFormatError
{raises}
"""


@dataclass(frozen=True)
class ReaderDoc:
    """What a format's ``read`` docstring says that differs from format to format.

    Attributes
    ----------
    summary : str
        The docstring's first line.
    sheet : str
        Which sheet(s) ``sheet`` names and which are read without it.
    returns : str
        What the rows of the traces table are and what ``metadata`` describes.
    raises : str
        The problems the format finds.
    file : str
        What ``path`` is.
    """

    summary: str
    sheet: str
    returns: str
    raises: str
    file: str = "The xlsx file."

    def docstring(self) -> str:
        """The numpydoc docstring of the format's ``read``.

        Examples
        --------
        >>> doc = ReaderDoc("Read X.", "Sheet to read.", "One row per reading.", "Every problem found.")
        >>> doc.docstring().splitlines()[6:8]
        ['sheet : str, optional', '    Sheet to read.']
        """

        def indented(text: str) -> str:
            return textwrap.fill(text, width=104, initial_indent="    ", subsequent_indent="    ")

        return _TEMPLATE.format(
            summary=self.summary,
            file=self.file,
            sheet=indented(self.sheet),
            returns=indented(self.returns),
            raises=indented(self.raises),
        )


def sheet_reader(
    instrument: str, parse: Parse, doc: ReaderDoc, complete: Complete | None = None
) -> Callable[..., PlateRead]:
    """The ``read(path, *, sheet=None) -> PlateRead`` of a spreadsheet format.

    Parameters
    ----------
    instrument : str
        The format's ``NAME``, the ``instrument`` of every :class:`PlateRead` it returns.
    parse : callable
        ``parse(path, sheet, cells) -> metadata``: reads the sheets and hands every cell to ``cells``.
    doc : ReaderDoc
        The format's words in the reader's docstring.
    complete : callable, optional
        ``complete(metadata, unmeasured)``: adds what the format derives from the unmeasured wells.

    Returns
    -------
    callable
        The format's ``read``; it raises DataFormatError with every problem of the file.
    """

    def read(path: pathlib.Path, *, sheet: str | None = None) -> PlateRead:
        path = pathlib.Path(path)
        cells = SheetCells(str(path))
        metadata = parse(path, sheet, cells)
        frame, skipped, unmeasured = cells.finish()
        metadata["unmeasured_wells"] = unmeasured
        if complete is not None:
            complete(metadata, unmeasured)
        return PlateRead(frame, instrument, str(path), skipped, metadata)

    read.__doc__ = doc.docstring()
    read.__module__ = getattr(parse, "__module__", __name__)
    read.__qualname__ = "read"
    return read
