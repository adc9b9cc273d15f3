"""Row accounting for the problem builder: groups, reasons to leave a row out, pooling, unused columns.

Vectorised over the whole table. Nothing is dropped or ignored silently: every row that cannot be
used gets its reason, rows of different labels are not pooled unless asked, and numeric columns
that the fit does not use are listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from mgkinetics.errors import DataFormatError, Problem
from mgkinetics.fitting.results import Exclusion

__all__ = ["group_keys", "row_reasons", "silent_pooling", "unused_columns", "NOT_LABELS"]

#: Text columns that never split rows into data sets (identifiers, replicate indices, notes).
NOT_LABELS = tuple("replicate replicate_index rep well sample note notes comment comments line".split())


def group_keys(ds, groups: list[str]) -> tuple[np.ndarray, list[Exclusion]]:
    """An integer group id per row in order of first appearance (-1: an empty group cell)."""
    import pandas as pd

    n = len(ds)
    if not groups:
        return np.zeros(n, dtype=int), []
    stacked = [np.asarray(ds.values[g]) for g in groups]
    stacked = [col if col.dtype.kind == "U" else col.astype(str) for col in stacked]  # no copy of str
    blank = np.zeros(n, dtype=bool)
    for col in stacked:
        blank |= col == ""
    ok = ~blank
    whole = not blank.any()  # no empty cell: the columns as they are, no masked copies
    sub = stacked if whole else [col[ok] for col in stacked]
    codes = _codes(sub[0]) if len(sub) == 1 else pd.factorize(pd.MultiIndex.from_arrays(sub))[0]
    if whole:
        ids = np.array(codes, dtype=int)
    else:
        ids = np.full(n, -1, dtype=int)
        ids[ok] = codes
    unassigned = []
    for i in np.flatnonzero(blank):
        empty = next(g for g, col in zip(groups, stacked) if col[i] == "")
        unassigned.append(Exclusion(int(ds.lines[i]), f"group column '{empty}' is empty"))
    return ids, unassigned


def _codes(labels: np.ndarray) -> np.ndarray:
    """``pandas.factorize`` codes of a column of str (in order of first appearance), hashing only the
    first cell of each run of equal cells when the runs are few (the rows of a curve stand together):
    the same codes, without converting every cell to a Python object.

    Examples
    --------
    >>> _codes(np.array(["b", "b", "a", "a", "b", "c"])).tolist()
    [0, 0, 1, 1, 0, 2]
    """
    import pandas as pd

    if labels.size > 1:
        heads = np.flatnonzero(np.concatenate([[True], labels[1:] != labels[:-1]]))
        if heads.size < 0.5 * labels.size:
            codes, _ = pd.factorize(labels[heads])
            return np.repeat(np.asarray(codes, dtype=np.intp), np.diff(heads, append=labels.size))
    return np.asarray(pd.factorize(labels)[0], dtype=np.intp)


def row_reasons(
    ds,
    used: Mapping[str, str],
    sd_col: str | None,
    weight_reasons: list,
    conditions: Mapping[str, np.ndarray],
    y: np.ndarray,
    arrays: Mapping[str, np.ndarray],
    unitless_ok: bool,
) -> list[str | None]:
    """Why each row cannot be used (None when it can): empty cells, weights, empty conditions."""
    cols = [
        c
        for c in dict.fromkeys(list(used.values()) + ([sd_col] if sd_col else []))
        if c in ds.values and ds.is_numeric(c)
    ]
    reasons: list[str | None] = list(weight_reasons)
    if cols:  # per column, then OR-ed: ~30x faster than any(axis=1) over a stacked (n, k) array
        empty = [np.isnan(ds.values[c]) for c in cols]
        some = empty[0].copy()
        for e in empty[1:]:
            some |= e
        for i in np.flatnonzero(some):
            reasons[i] = "empty " + ", ".join(f"'{c}'" for c, e in zip(cols, empty, strict=True) if e[i])
    for name, values in conditions.items():
        for i in np.flatnonzero(np.isnan(values)):
            reasons[i] = reasons[i] or f"empty condition '{name}'"
    if unitless_ok:  # unitless columns are text in the Dataset: mark their empty cells here
        for name, col in used.items():
            arr = y if name == "rate" else arrays.get(name)
            if arr is not None and col in ds.values and not ds.is_numeric(col):
                for i in np.flatnonzero(np.isnan(arr)):
                    reasons[i] = reasons[i] or f"empty '{col}'"
    return reasons


#: Words in a column name that mark annotations (a fit's or a reader's notes), not data-set labels.
_ANNOTATION_RE = re.compile(
    r"reason|flag|note|comment|method|direction|status|message|warning|role|plate|well"
)


def _not_a_label(stem: str) -> bool:
    low = stem.strip().lower()
    return low in NOT_LABELS or bool(_ANNOTATION_RE.search(low))


def silent_pooling(ds, taken: set[str], keys: np.ndarray) -> None:
    """Refuse to fit rows of different labels as one data set.

    A text column (not a number, identifier, replicate index or annotation such as
    ``window_reason``, ``flags``, ``plate``) that no group names, whose value
    differs between rows of one group (``keys``) and repeats (so it is a label, not a row id),
    would pool, say, WT with D84A.

    Raises
    ------
    DataFormatError
        Naming each such column and its values, and the options that say what to do.
    """
    problems = []
    for col in ds.columns:
        if col in taken or ds.kinds[col] != "text" or _not_a_label(ds.stems[col]):
            continue
        import pandas as pd

        values = np.asarray(ds.values[col])
        filled = (values != "") & (keys >= 0)
        codes, uniq = pd.factorize(values[filled])
        distinct = [v for v in uniq.tolist()]
        if len(distinct) < 2 or len(distinct) == int(filled.sum()):
            continue  # one label, or an identifier per row
        pairs = np.unique(keys[filled].astype(np.int64) * len(distinct) + codes).size
        if pairs == np.unique(keys[filled]).size:
            continue  # one value per group: a label of the group, not pooled
        shown = ", ".join(f"'{v}'" for v in distinct[:6]) + (" ..." if len(distinct) > 6 else "")
        problems.append(
            Problem(
                1,
                col,
                f"holds {len(distinct)} different values ({shown}) but no group names it; "
                f"fit each separately with --group {col} (group='{col}'), or pool them on "
                "purpose with --pool (pool=True)",
            )
        )
    if problems:
        raise DataFormatError(ds.source, problems)


def unused_columns(ds, taken: set[str]) -> tuple[str, ...]:
    """Numeric columns (with a unit, or all numbers) that the fit does not use, in file order."""
    return tuple(c for c in ds.columns if c not in taken and ds.kinds[c] not in ("text", "condition"))
