"""Check the traces and layout tables a caller hands to the rates wing, and split traces by well.

Nothing here opens a file: readers (``mgkinetics.data``) build the frames. Every problem found is
collected into one :class:`~mgkinetics.errors.DataFormatError`; row *i* of a frame is reported as
line *i + 2*, as if the frame had been written to CSV with a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataFormatError, Problem

__all__ = [
    "TRACE_COLUMNS",
    "ROLES",
    "WellTrace",
    "check_traces",
    "check_layout",
    "normal_plates",
    "split_wells",
    "well_order",
]

#: Columns a traces table must have (the PlateRead contract of ``mgkinetics.data.plates``).
TRACE_COLUMNS: tuple[str, ...] = ("plate", "well", "time_s", "wavelength_nm", "temperature_C", "signal")
#: Roles a layout row may declare.
ROLES: tuple[str, ...] = ("sample", "blank", "standard")
_WELL_RE = re.compile(r"^([A-Pa-p])0*([1-9]|1\d|2[0-4])$")


@dataclass(frozen=True)
class WellTrace:
    """The reads of one well at one wavelength, sorted by time, with NaN reads removed.

    Attributes
    ----------
    plate, well : the well's identity.
    time_s, signal : numpy.ndarray
        Finite reads only, sorted by time.
    n_dropped : int
        Reads whose time or signal was NaN (reported as a flag, never silently dropped).
    """

    plate: object
    well: str
    time_s: np.ndarray
    signal: np.ndarray
    n_dropped: int


def well_order(well: str) -> tuple[int, int]:
    """Sort key in plate order: row letter, then column number (``A2`` before ``A10``)."""
    m = _WELL_RE.match(str(well))
    return (ord(m.group(1).upper()) - 65, int(m.group(2))) if m else (99, 999)


def _normal_well(text) -> str | None:
    m = _WELL_RE.match(str(text).strip())
    return f"{m.group(1).upper()}{int(m.group(2))}" if m else None


def normal_plates(values: pd.Series) -> pd.Series:
    """Plate ids as int when every id is a whole number (``1``, ``"1"``, ``1.0``), else as stripped text,
    so that a CSV read as text and a reader's integers name the same plate."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all() and bool(np.all(np.mod(numeric.to_numpy(dtype=float), 1) == 0)):
        return numeric.astype(int)
    return values.astype(str).str.strip()


def _frame_of(obj, what: str) -> pd.DataFrame:
    frame = getattr(obj, "frame", obj)
    if not isinstance(frame, pd.DataFrame):
        raise DataFormatError(
            what, [Problem(None, None, f"expected a pandas DataFrame, got {type(obj).__name__}")]
        )
    return frame


def check_traces(traces) -> pd.DataFrame:
    """Validate a traces table (DataFrame or PlateRead) and return a new, normalised copy.

    Wells are normalised (``A01`` → ``A1``); ``time_s`` and ``signal`` must be numbers (NaN allowed:
    such reads are dropped per well and counted); each read keeps its ``line``.

    Raises
    ------
    DataFormatError
        Missing columns, malformed well names, non-numeric times or signals.
    """
    frame = _frame_of(traces, "traces")
    source = "traces"
    missing = [c for c in TRACE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataFormatError(
            source,
            [
                Problem(1, c, f"missing required column; a traces table needs {', '.join(TRACE_COLUMNS)}")
                for c in missing
            ],
        )
    out = frame.loc[:, list(TRACE_COLUMNS)].copy()
    out.insert(0, "line", np.arange(len(out)) + 2)
    out["plate"] = normal_plates(out["plate"])
    problems: list[Problem] = []
    raw_wells = out["well"].to_numpy(dtype=object)
    names = {raw: _normal_well(raw) for raw in pd.unique(raw_wells)}  # each distinct name once
    wells = np.array([names[raw] for raw in raw_wells], dtype=object)
    for i in np.flatnonzero(pd.isna(wells)):
        problems.append(
            Problem(int(out["line"].iloc[i]), "well", f"'{raw_wells[i]}' is not a well name; write A1 .. P24")
        )
    out["well"] = wells
    for col in ("time_s", "signal", "wavelength_nm", "temperature_C"):
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype(float)
            continue
        numeric = pd.to_numeric(out[col], errors="coerce")
        text = out[col].astype(str).str.strip()
        bad = (
            numeric.isna() & out[col].notna() & (text != "") & ~text.str.lower().isin(["nan", "<na>", "none"])
        )
        for line, raw in zip(out.loc[bad, "line"], out.loc[bad, col]):
            problems.append(
                Problem(int(line), col, f"'{raw}' is not a number; leave it empty for a missing read")
            )
        out[col] = numeric.astype(float)
    if problems:
        raise DataFormatError(source, sorted(problems, key=lambda p: p.line))
    return out


def check_layout(layout) -> pd.DataFrame:
    """Validate a layout table (one row per well) and return a new, normalised copy.

    Raises
    ------
    DataFormatError
        Missing ``well``/``role`` columns, malformed wells, unknown roles, a well listed twice.
    """
    frame = _frame_of(layout, "layout")
    source = "layout"
    missing = [c for c in ("well", "role") if c not in frame.columns]
    if missing:
        raise DataFormatError(
            source,
            [
                Problem(
                    1,
                    c,
                    "missing required column; a layout needs 'well' and 'role' (sample, blank, standard)",
                )
                for c in missing
            ],
        )
    out = frame.copy()
    if "plate" in out.columns:
        out["plate"] = normal_plates(out["plate"])
    problems: list[Problem] = []
    seen: dict[tuple, int] = {}
    wells = []
    for i, (raw, role) in enumerate(zip(out["well"], out["role"])):
        line = i + 2
        w = _normal_well(raw)
        wells.append(w)
        if w is None:
            problems.append(Problem(line, "well", f"'{raw}' is not a well name; write A1 .. P24"))
        if str(role).strip().lower() not in ROLES:
            problems.append(Problem(line, "role", f"'{role}' is not a role; use one of {', '.join(ROLES)}"))
        key = tuple([out["plate"].iloc[i]] if "plate" in out.columns else []) + (w,)
        if w is not None and key in seen:
            problems.append(
                Problem(
                    line, "well", f"{w} is listed twice (also on line {seen[key]}); give each well one row"
                )
            )
        seen.setdefault(key, line)
    if problems:
        raise DataFormatError(source, problems)
    out["well"] = wells
    out["role"] = out["role"].astype(str).str.strip().str.lower()
    return out


def split_wells(traces: pd.DataFrame) -> dict[tuple, WellTrace]:
    """Group a checked traces table (one wavelength) into :class:`WellTrace` per (plate, well)."""
    keys = pd.MultiIndex.from_arrays([traces["plate"], traces["well"]])
    codes, uniques = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    t_all = traces["time_s"].to_numpy(dtype=float)[order]
    y_all = traces["signal"].to_numpy(dtype=float)[order]
    edges = np.flatnonzero(np.diff(codes[order])) + 1
    out: dict[tuple, WellTrace] = {}
    for (plate, well), t, y in zip(uniques, np.split(t_all, edges), np.split(y_all, edges)):
        ok = np.isfinite(t) & np.isfinite(y)
        idx = np.argsort(t[ok], kind="stable")
        out[(plate, well)] = WellTrace(plate, well, t[ok][idx], y[ok][idx], int((~ok).sum()))
    return out
