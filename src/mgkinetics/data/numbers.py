"""Cells to numbers and labels, vectorised, naming every bad cell by line and column.

A column that the C parser already read as numbers costs one array copy; a column of text (bad
cells, decimal commas, spreadsheet cells) is parsed over its distinct values only.
"""

from __future__ import annotations

import re

import numpy as np

from mgkinetics.data.factorized import FactorizedText, edge_characters
from mgkinetics.errors import Problem

__all__ = [
    "FORMULA_NOTE",
    "shown_text",
    "FactorizedText",
    "arrow_run_heads",
    "edge_characters",
    "factorize_cells",
    "nonempty",
    "to_float",
    "to_text",
    "NUMBER_RE",
    "RUNS_PAY",
]

#: What a cell may hold as a number: ASCII decimal, optional exponent, or inf/nan words (which are
#: then reported as not finite). float() alone would also take '1_000' and non-ASCII digits.
NUMBER_RE = re.compile(
    r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?(?:inf|infinity|nan)", re.IGNORECASE
)
_DECIMAL_COMMA_RE = re.compile(r"[-+]?[0-9]*,[0-9]+(?:[eE][-+]?[0-9]+)?")


#: Fewer runs of equal consecutive cells than this fraction of the rows: factorize the runs only.
RUNS_PAY = 0.5


def factorize_cells(cells) -> tuple[np.ndarray, list]:
    """(code per cell, the distinct cells as read): ``-1`` codes an empty (missing) cell.

    Codes follow the first appearance of each value. Labels usually repeat on consecutive rows
    (the rows of one curve), so only the first cell of each run of equal cells is hashed when the
    runs are few; pyarrow's dictionary encoding is used for a string column when it is installed.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, distinct = factorize_cells(pd.Series(["wt", "wt", None, "d84a", "wt"], dtype=object))
    >>> codes.tolist(), distinct
    ([0, 0, -1, 1, 0], ['wt', 'd84a'])
    """
    import pandas as pd

    if isinstance(cells, pd.Series) and isinstance(cells.dtype, pd.StringDtype) and _has_pyarrow():
        return _factorize_arrow(cells)
    values = cells.to_numpy() if isinstance(cells, pd.Series) else np.asarray(cells)
    heads = _run_heads(values) if values.dtype == object else None
    if heads is None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.intp), list(uniques)
    codes, uniques = pd.factorize(values[heads], use_na_sentinel=True)
    return np.repeat(np.asarray(codes, dtype=np.intp), np.diff(heads, append=values.size)), list(uniques)


def _run_heads(values: np.ndarray) -> np.ndarray | None:
    """First cell of each run of equal consecutive cells (object cells); None when runs are many or
    the cells cannot be compared to a bool (pandas' NA)."""
    if values.size < 2:
        return None
    try:
        change = np.not_equal(values[1:], values[:-1]).astype(bool)
    except (TypeError, ValueError):
        return None
    heads = np.flatnonzero(np.concatenate([[True], change]))
    return heads if heads.size < RUNS_PAY * values.size else None


def _factorize(cells: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(codes, stripped text of each distinct cell); empty and missing cells are ''."""
    import pandas as pd

    if isinstance(cells, FactorizedText):
        return cells.codes, cells.labels.tolist()
    if not isinstance(cells, pd.Series):
        cells = np.asarray(cells, dtype=object)
    codes, uniques = factorize_cells(cells)
    if all(isinstance(v, str) for v in uniques):
        labels = [v.strip() for v in uniques]
    else:
        labels = [_cell_text(u) for u in uniques]
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


def arrow_run_heads(arrow) -> np.ndarray | None:
    """First row of each run of equal consecutive values of a pyarrow array (a missing value is a
    run of its own); None when the runs are not few (see :func:`factorize_cells`)."""
    import pyarrow.compute as pc

    if len(arrow) < 2:
        return None
    unequal = pc.not_equal(arrow[1:], arrow[:-1])
    if unequal.null_count:
        change = np.asarray(unequal.fill_null(True), dtype=bool)
    else:  # the result's bits, unpacked by numpy (faster than converting the array)
        bits = np.frombuffer(unequal.buffers()[1], dtype=np.uint8)
        change = np.unpackbits(bits, count=unequal.offset + len(unequal), bitorder="little")[unequal.offset :]
    heads = np.concatenate([[0], np.flatnonzero(change) + 1])
    return heads if heads.size < RUNS_PAY * len(arrow) else None


def _factorize_arrow(cells) -> tuple[np.ndarray, list[str]]:
    """:func:`factorize_cells` of a pandas string column through pyarrow's dictionary encoding."""
    import pyarrow as pa

    arrow = pa.array(cells.array)
    if isinstance(arrow, pa.ChunkedArray):  # one array: comparing and taking across chunks is slow
        arrow = arrow.combine_chunks()
    heads = arrow_run_heads(arrow)
    part = arrow.take(pa.array(heads)) if heads is not None else arrow
    encoded = part.dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
    if heads is not None:
        codes = np.repeat(codes, np.diff(heads, append=len(arrow)))
    return codes, encoded.dictionary.to_pylist()


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
        return cells.text(), numeric
    codes, labels = _factorize(cells)
    filled = [lab for lab in labels if lab != ""]
    numeric = bool(filled) and all(NUMBER_RE.fullmatch(lab) for lab in filled)
    return np.asarray(labels, dtype=str)[codes], numeric


#: Appended by the xlsx reader to a formula cell that has no stored value (the cell's text).
FORMULA_NOTE = " (a formula without a stored value)"


def _bad(text: str) -> str:
    if text.endswith(FORMULA_NOTE):  # the advice whole, however long the formula
        return (
            f"'{shown_text(text[: -len(FORMULA_NOTE)])}' is a formula without a stored value: open and "
            "save the workbook in a spreadsheet program (which stores each value), or write the values"
        )
    what = "is not a number"
    if _DECIMAL_COMMA_RE.fullmatch(text):
        what += " (a decimal comma in a comma-separated file? write 0.5, not 0,5, or use ; between fields)"
    return f"'{shown_text(text)}' {what}; leave the cell empty to mark a missing value"


def shown_text(text: str, limit: int = 80) -> str:
    """A cell as a message quotes it: whole up to ``limit`` characters, else its start and its length
    (a 100-MB cell must not make a 100-MB message).

    Examples
    --------
    >>> shown_text("abc"), shown_text("x" * 1000)[-24:]
    ('abc', '... (1000 characters)')
    """
    return text if len(text) <= limit else f"{text[: limit - 20]}... ({len(text)} characters)"


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
    copy: bool = True,
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
    copy : bool
        False when nothing else refers to ``cells`` (a reader's own parsed array): a float column
        is then returned as it is (copied only to blank a non-finite cell, if it is read-only).
    """
    arr = cells if _is_series(cells) or isinstance(cells, FactorizedText) else np.asarray(cells)
    if getattr(arr, "dtype", np.dtype(object)).kind in "fiu":
        out = arr.astype(float, copy=copy)
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
    not_finite = np.isinf(out) if text_of is None else np.isinf(out) | (np.isnan(out) & _nan_words(*text_of))
    if not out.flags.writeable and not_finite.any():
        out = out.copy()
    for i in np.flatnonzero(not_finite):
        shown = text_of[0][text_of[1][i]] if text_of else f"{float(out[i]):g}"  # -inf, not np.float64(-inf)
        problems.append(
            Problem(
                int(lines[i]),
                name,
                f"'{shown_text(shown)}' is not a finite number; leave the cell empty to mark a missing value",
            )
        )
        out[i] = np.nan
    if non_negative:
        for i in np.flatnonzero(out < 0):
            problems.append(
                Problem(int(lines[i]), name, f"{out[i]:g} is negative; concentrations must be >= 0")
            )
    return out


def _nan_words(labels: list[str], codes: np.ndarray) -> np.ndarray:
    """Whether each cell's text is a NaN word (``nan``, ``-NaN`` ...)."""
    word = np.array([lab.lower().lstrip("+-") == "nan" for lab in labels], dtype=bool)
    return word[codes]
