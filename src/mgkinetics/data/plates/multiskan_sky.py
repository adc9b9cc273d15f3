"""Thermo Multiskan Sky (SkanIt 7) Excel exports: the long ``Raw data <wl> nm`` sheets.

Each raw sheet is a long table ``Well | Wavelength(s) [nm] | Raw absorbance | Measurement time(s)`` with
wells written ``'A 2'`` and a measurement time per well and read; the columns are found by their
header text. The temperature is the per-read column when there is one, else the set temperature of the
``General information`` sheet. Only when the workbook has no raw sheet is the wide ``... results`` sheet
(``Reading | A2 | B2 ...``, with its ``Times [s]`` table below) read.
"""

from __future__ import annotations

import pathlib
import re
from typing import Any

from mgkinetics.data.plates.common import PlateRead, SkippedCell
from mgkinetics.data.plates.xlsx import (
    Sheet,
    build_frame,
    check_sheet,
    is_blank_row,
    read_sheets,
    sheet_names,
    signal_value,
    text_of,
    well_name,
)
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["NAME", "DESCRIPTION", "sniff", "read"]

NAME = "multiskan_sky"
DESCRIPTION = "Thermo Multiskan Sky (SkanIt 7) Excel export: long 'Raw data <wl> nm' sheets, per-well times"

_RAW = re.compile(r"raw data\b", re.IGNORECASE)
_RESULTS = re.compile(r"results$", re.IGNORECASE)
_GENERAL = "General information"
_TIME_UNITS = {"ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0}


def sniff(path: pathlib.Path) -> bool:
    """True for a SkanIt export: sheet ``General information`` and ``Raw data ...`` or ``... results``.

    Never raises; False for anything that is not an xlsx workbook.
    """
    try:
        names = sheet_names(pathlib.Path(path))
        return _GENERAL in names and any(_RAW.match(n) or _RESULTS.search(n) for n in names)
    except Exception:
        return False


def _general(sheet: Sheet) -> dict[str, Any]:
    """Key/value pairs of the General information sheet (keys as written)."""
    info: dict[str, Any] = {}
    for row in sheet.rows:
        cells = [v for v in row if text_of(v)]
        if len(cells) == 2 and isinstance(cells[0], str):
            info[text_of(cells[0]).rstrip(":")] = cells[1]
    return info


def _set_temperature(info: dict[str, Any]) -> float:
    m = re.fullmatch(r"(-?\d+(?:[.,]\d+)?)\s*°?\s*C?", text_of(info.get("Set temperature")))
    return float(m[1].replace(",", ".")) if m else float("nan")


def _wavelength(text: str) -> int | None:
    m = re.search(r"(\d{3,4})\s*(?:nm)?$", text.strip())
    return int(m[1]) if m else None


def _columns(sheet: Sheet, r: int, problems: list[Problem]) -> dict[str, int] | None:
    """Column index of well / signal / time / wavelength / temperature in the header row r."""
    texts = [text_of(v) for v in sheet.rows[r]]
    if "Well" not in texts:
        return None
    cols: dict[str, int] = {"well": texts.index("Well")}
    for c, text in enumerate(texts):
        low = text.lower()
        if low.startswith("raw "):
            cols.setdefault("signal", c)
        elif low.startswith("measurement time"):
            cols.setdefault("time", c)
            unit = re.search(r"\[(ms|s|min|h)\]", text)
            cols["time_scale"] = _TIME_UNITS[unit[1]] if unit else 1  # type: ignore[assignment]
        elif low.startswith("wavelength"):
            cols.setdefault("wavelength", c)
        elif low.startswith("temperature"):
            cols.setdefault("temperature", c)
    if "signal" not in cols:
        problems.append(
            Problem(
                r + 1,
                None,
                f"{sheet.where(r)}: the header has 'Well' but no 'Raw ...' signal "
                "column; the header looks truncated",
            )
        )
        return None
    return cols


def _number(sheet: Sheet, r: int, c: int, what: str, problems: list[Problem]) -> float:
    """A numeric cell as float (NaN when empty); a problem when it is text."""
    try:
        value, _ = signal_value(sheet.value(r, c))
    except ValueError as exc:
        problems.append(Problem(r + 1, None, f"{sheet.where(r, c)} ({what}): {exc}"))
        return float("nan")
    return float("nan") if value is None else value


def _read_raw(sheet: Sheet, default_wl, temperature_C, problems) -> tuple[list, list]:
    """Readings of a long raw sheet as (records, skipped) with absolute times."""
    records: list[tuple] = []
    skipped: list[SkippedCell] = []
    cols = None
    sheet_wl = _wavelength(sheet.title) or default_wl
    for r, row in enumerate(sheet.rows):
        if cols is None or text_of(row[cols["well"]]) == "Well":
            found = _columns(sheet, r, problems)
            cols = found or cols
            if found is not None or cols is None:
                continue
        if is_blank_row(row):
            continue
        well = well_name(row[cols["well"]])
        if well is None:
            problems.append(
                Problem(
                    r + 1,
                    None,
                    f"{sheet.where(r, cols['well'])}: '{text_of(row[cols['well']])}' "
                    "is not a well label (A1..P24)",
                )
            )
            continue
        wl = sheet_wl
        if "wavelength" in cols and text_of(row[cols["wavelength"]]):
            wl = _wavelength(text_of(row[cols["wavelength"]])) or wl
        time_s = float("nan")
        if "time" in cols:
            time_s = _number(sheet, r, cols["time"], "measurement time", problems) * cols["time_scale"]
        temp = temperature_C
        if "temperature" in cols:
            temp = _number(sheet, r, cols["temperature"], "temperature", problems)
        try:
            signal, reason = signal_value(row[cols["signal"]])
        except ValueError as exc:
            problems.append(Problem(r + 1, None, f"{sheet.where(r, cols['signal'])}, well {well}: {exc}"))
            continue
        if signal is None:
            skipped.append(
                SkippedCell(
                    1,
                    well,
                    time_s,
                    wl,
                    text_of(row[cols["signal"]]),
                    f"{reason} at {sheet.where(r, cols['signal'])}",
                )
            )
        else:
            records.append((1, well, time_s, wl, temp, signal))
    if cols is None:
        problems.append(
            Problem(
                None, None, f"sheet '{sheet.title}': no header row with 'Well' and 'Raw ...' columns found"
            )
        )
    return records, skipped


def _read_results(sheet: Sheet, wl, temperature_C, problems) -> tuple[list, list]:
    """Readings of the wide results sheet (Reading x wells), times from its 'Times [s]' table."""
    headers = [r for r, row in enumerate(sheet.rows) if text_of(row[0]) == "Reading"]
    data = [r for r in headers if well_name(sheet.value(r, 1))]
    if not data:
        problems.append(
            Problem(None, None, f"sheet '{sheet.title}': no header row 'Reading | A1 | ...' found")
        )
        return [], []
    h = data[0]
    wells = []
    for c, v in enumerate(sheet.rows[h][1:], 1):
        if not text_of(v):
            break
        if well_name(v) is None:
            problems.append(Problem(h + 1, None, f"{sheet.where(h, c)}: '{text_of(v)}' is not a well label"))
        wells.append((c, well_name(v)))
    times: dict[str, list] = {}
    for t in (r for r in headers if text_of(sheet.value(r, 1)).startswith("Times")):
        r = t + 1
        while r < len(sheet.rows) and isinstance(sheet.value(r, 0), (int, float)):
            times[text_of(sheet.value(r, 0))] = [sheet.value(r, c) for c, _ in wells]
            r += 1
    records, skipped = [], []
    r = h + 1
    while r < len(sheet.rows) and not is_blank_row(sheet.rows[r]):
        reading = text_of(sheet.value(r, 0))
        for k, (c, well) in enumerate(wells):
            stamp = times.get(reading, [None] * len(wells))[k]
            time_s = float(stamp) if isinstance(stamp, (int, float)) else float("nan")
            try:
                signal, reason = signal_value(sheet.value(r, c))
            except ValueError as exc:
                problems.append(Problem(r + 1, None, f"{sheet.where(r, c)}, well {well}: {exc}"))
                continue
            if signal is None:
                skipped.append(
                    SkippedCell(
                        1, well, time_s, wl, text_of(sheet.value(r, c)), f"{reason} at {sheet.where(r, c)}"
                    )
                )
            elif well is not None:
                records.append((1, well, time_s, wl, temperature_C, signal))
        r += 1
    return records, skipped


def _from_first_read(records: list[tuple]) -> tuple[list[tuple], dict]:
    """Times relative to each wavelength's first read; the origins removed, by wavelength."""
    origin: dict = {}
    for rec in records:
        if rec[2] == rec[2]:
            origin[rec[3]] = min(origin.get(rec[3], rec[2]), rec[2])
    shifted = [(p, w, round(t - origin.get(wl, 0.0), 6), wl, temp, s) for p, w, t, wl, temp, s in records]
    return shifted, origin


def read(path: pathlib.Path, *, sheet: str | None = None) -> PlateRead:
    """Read a SkanIt 7 (Multiskan Sky) export into the traces table.

    Parameters
    ----------
    path : pathlib.Path
        The xlsx file.
    sheet : str, optional
        One sheet to read (a ``Raw data ...`` sheet or the ``... results`` sheet); default every
        ``Raw data ...`` sheet (one per wavelength), or the results sheet when there is none.

    Returns
    -------
    PlateRead
        One row per reading, per-well times from the first read of each wavelength.

    Raises
    ------
    DataFormatError
        Every problem found (no raw or results sheet, unknown well label, text in a number cell ...).
    """
    path = pathlib.Path(path)

    def choose(wb) -> list[str]:
        names = wb.sheetnames
        if sheet is not None:
            check_sheet(path, names, sheet)
            chosen = [sheet]
        else:
            chosen = [n for n in names if _RAW.match(n)] or [n for n in names if _RESULTS.search(n)][:1]
        if not chosen:
            raise DataFormatError(
                str(path),
                [
                    Problem(
                        None,
                        None,
                        "no 'Raw data ...' or '... results' sheet; export the run from SkanIt with raw data",
                    )
                ],
            )
        return chosen + ([_GENERAL] if _GENERAL in names and _GENERAL not in chosen else [])

    sheets = read_sheets(path, choose)
    info = _general(sheets.pop()) if len(sheets) > 1 and sheets[-1].title == _GENERAL else {}
    temperature_C = _set_temperature(info)
    info_wl = _wavelength(text_of(info.get("Wavelength(s) [nm]")))
    problems: list[Problem] = []
    records, skipped = [], []
    for sh in sheets:
        reader = _read_raw if not _RESULTS.search(sh.title) else _read_results
        got, lost = reader(sh, info_wl, temperature_C, problems)
        records += got
        skipped += lost
    if problems:
        raise DataFormatError(str(path), problems)
    records, origin = _from_first_read(records)
    meta = {
        "sheets": [sh.title for sh in sheets],
        "instrument_name": text_of(info.get("Name")),
        "set_temperature_C": temperature_C,
        "kinetic_interval": text_of(info.get("Kinetic interval")),
        "time_origin_s": origin,
    }
    return PlateRead(build_frame(records), NAME, str(path), tuple(skipped), meta)
