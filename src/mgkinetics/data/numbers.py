"""Cells to numbers and labels, vectorised, naming every bad cell by line and column.

A column that the C parser already read as numbers costs one array copy; a column of text (bad
cells, decimal commas, spreadsheet cells) is parsed over its distinct values only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from mgkinetics.errors import Problem

__all__ = ["FactorizedText", "nonempty", "to_float", "to_text", "NUMBER_RE"]

#: What a cell may hold as a number: ASCII decimal, optional exponent, or inf/nan words (which are
#: then reported as not finite). float() alone would also take '1_000' and non-ASCII digits.
NUMBER_RE = re.compile(
    r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?(?:inf|infinity|nan)", re.IGNORECASE
)
_DECIMAL_COMMA_RE = re.compile(r"[-+]?[0-9]*,[0-9]+(?:[eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class FactorizedText:
    """A text column as a code per row into its distinct stripped labels (``''``: an empty cell).

    What a reader hands over instead of one string per cell when it found the distinct labels
    itself (:func:`mgkinetics.data.textbytes.factorize_fields`).

    Attributes
    ----------
    codes : numpy.ndarray
        Index into ``labels`` for each row.
    labels : numpy.ndarray
        The distinct labels (str), stripped.
    """

    codes: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.codes.size)


def _factorize(cells: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(codes, stripped text of each distinct cell); empty and missing cells are ''."""
    import pandas as pd

    if isinstance(cells, FactorizedText):
        return cells.codes, cells.labels.tolist()
    if isinstance(cells, pd.Series) and isinstance(cells.dtype, pd.StringDtype) and _has_pyarrow():
        return _factorize_arrow(cells)
    if isinstance(cells, pd.Series):
        codes, uniques = cells.factorize(use_na_sentinel=True)
    else:
        codes, uniques = pd.factorize(np.asarray(cells, dtype=object), use_na_sentinel=True)
    uniq = pd.Series(uniques)
    if uniq.dtype != object or all(isinstance(v, str) for v in uniq):
        labels = [str(v) for v in uniq.str.strip().tolist()] if uniq.dtype.kind not in "fiub" else None
    else:
        labels = None
    if labels is None:
        labels = [_cell_text(u) for u in uniques]
    codes = np.asarray(codes, dtype=np.intp)
    if (codes < 0).any():
        labels.append("")
        codes = np.where(codes < 0, len(labels) - 1, codes)
    return codes, labels


def _has_pyarrow() -> bool:
    """pyarrow is optional (pandas' string columns work without it); use it when it is there."""
    import importlib.util

    return importlib.util.find_spec("pyarrow") is not None


def _is_series(cells) -> bool:
    return hasattr(cells, "dtype") and not isinstance(cells, np.ndarray)


def _factorize_arrow(cells) -> tuple[np.ndarray, list[str]]:
    """:func:`_factorize` of a pandas string column through pyarrow's dictionary encoding."""
    import pyarrow as pa

    arrow = pa.array(cells.array)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    encoded = arrow.dictionary_encode()
    labels = [v.strip() for v in encoded.dictionary.to_numpy(zero_copy_only=False).tolist()]
    codes = encoded.indices.fill_null(len(labels)).to_numpy(zero_copy_only=False).astype(np.intp)
    if encoded.null_count:
        labels.append("")
    return codes, labels


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(float(value))
    return str(value).strip()


def nonempty(cells: np.ndarray) -> np.ndarray:
    """True for each cell that holds something."""
    if isinstance(cells, FactorizedText):
        return (cells.labels != "")[cells.codes]
    arr = cells if _is_series(cells) else np.asarray(cells)
    if arr.dtype.kind in "fc":
        return ~np.isnan(arr)
    if arr.dtype.kind in "iub":
        return np.ones(arr.size, dtype=bool)
    codes, labels = _factorize(arr)
    return np.array([lab != "" for lab in labels], dtype=bool)[codes] if labels else np.zeros(0, bool)


def to_text(cells: np.ndarray) -> tuple[np.ndarray, bool]:
    """Stripped labels (``''`` for empty cells) and whether every non-empty one is a number."""
    if len(cells) == 0:
        return np.array([], dtype=str), False
    if isinstance(cells, FactorizedText):
        labels = cells.labels
        numeric = bool((labels != "").any()) and all(NUMBER_RE.fullmatch(lab) for lab in labels if lab)
        return labels[cells.codes], numeric
    codes, labels = _factorize(cells)
    filled = [lab for lab in labels if lab != ""]
    numeric = bool(filled) and all(NUMBER_RE.fullmatch(lab) for lab in filled)
    return np.asarray(labels, dtype=str)[codes], numeric


def _bad(text: str) -> str:
    what = "is not a number"
    if _DECIMAL_COMMA_RE.fullmatch(text):
        what += " (a decimal comma in a comma-separated file? write 0.5, not 0,5, or use ; between fields)"
    return f"'{text}' {what}; leave the cell empty to mark a missing value"


def _decimal_commas(labels: list[str], name: str, lines, codes, problems: list) -> list[str]:
    """Labels with decimal commas made points; a column mixing both is reported (ambiguous)."""
    commas = [i for i, lab in enumerate(labels) if "," in lab]
    if not commas:
        return labels
    points = [i for i, lab in enumerate(labels) if "." in lab]
    if points or not all(_DECIMAL_COMMA_RE.fullmatch(labels[i]) for i in commas):
        first = int(lines[np.flatnonzero(codes == commas[0])[0]])
        problems.append(
            Problem(
                first,
                name,
                "mixes decimal commas and points (or holds a thousands "
                "separator); write every number of the column one way",
            )
        )
        return [lab if "," not in lab else "\x00" for lab in labels]  # reported above, not per cell
    return [lab.replace(",", ".") for lab in labels]


def to_float(
    cells: np.ndarray,
    name: str,
    lines: np.ndarray,
    problems: list,
    *,
    decimal_comma: bool = False,
    non_negative: bool = False,
) -> np.ndarray:
    """A numeric column as floats (NaN: empty cell); every bad cell is added to ``problems``.

    Parameters
    ----------
    cells : numpy.ndarray
        Floats or integers (already parsed) or objects (text, numbers, None).
    name : str
        The column, for messages.
    lines : numpy.ndarray
        Line of each row.
    decimal_comma : bool
        Whether ``0,5`` means 0.5 (files whose fields are separated by ``;`` or tabs).
    non_negative : bool
        Report negative values (concentrations).
    """
    arr = cells if _is_series(cells) or isinstance(cells, FactorizedText) else np.asarray(cells)
    if getattr(arr, "dtype", np.dtype(object)).kind in "fiu":
        out = arr.astype(float)
        text_of = None
    else:
        codes, labels = _factorize(arr)
        if decimal_comma:
            labels = _decimal_commas(labels, name, lines, codes, problems)
        parsed = np.full(len(labels), np.nan)
        bad_label = np.zeros(len(labels), dtype=bool)
        for k, lab in enumerate(labels):
            if lab == "":
                continue
            if NUMBER_RE.fullmatch(lab):
                parsed[k] = float(lab)
            elif lab != "\x00":
                bad_label[k] = True
        for i in np.flatnonzero(bad_label[codes]):
            problems.append(Problem(int(lines[i]), name, _bad(labels[codes[i]])))
        out = parsed[codes]
        out[bad_label[codes]] = np.nan
        text_of = labels, codes
    for i in np.flatnonzero(np.isinf(out) | (np.isnan(out) & _nan_words(text_of, out.size))):
        shown = text_of[0][text_of[1][i]] if text_of else repr(out[i])
        problems.append(
            Problem(
                int(lines[i]),
                name,
                f"'{shown}' is not a finite number; leave the cell empty to mark a missing value",
            )
        )
        out[i] = np.nan
    if non_negative:
        for i in np.flatnonzero(out < 0):
            problems.append(
                Problem(int(lines[i]), name, f"{out[i]:g} is negative; concentrations must be >= 0")
            )
    return out


def _nan_words(text_of, n: int) -> np.ndarray:
    if text_of is None:
        return np.zeros(n, dtype=bool)
    labels, codes = text_of
    word = np.array([lab.lower().lstrip("+-") == "nan" for lab in labels], dtype=bool)
    return word[codes]
