"""Replicates side by side (Prism's layout) to long rows with a ``replicate`` index.

``S (mM), Rate 1 (uM/min), Rate 2 (uM/min)`` becomes ``S (mM), Rate, replicate`` with one row per
(input row, replicate); each long row keeps the line of the row it came from. Columns are
recognised as replicates automatically when two or more rate (or rate-constant) columns share a
stem up to a trailing number (``Rate 1``, ``Rate 2``; ``Y1``, ``Y2`` once ``input_units`` gives
their unit, e.g. ``{"Y": "uM/min"}``) and a unit; or they are declared with ``wide=`` (a pattern
such as ``"Rate *"`` or a list of names). ``wide=False`` keeps the table as it is.
"""

from __future__ import annotations

import fnmatch
import re

import numpy as np

from mgkinetics.data.model import Dataset
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["replicate_base", "to_long", "find_replicate_columns"]

_INDEX_RE = re.compile(r"^(?P<base>.*?)[\s_\-#]*(?:rep(?:licate)?[\s_\-#]*)?(?P<index>\d+)$", re.IGNORECASE)
_RESPONSE_KINDS = ("rate", "frequency")


def replicate_base(stem: str) -> tuple[str, str] | None:
    """(base, index) of a replicate stem, ``"Rate 2"`` -> ``("Rate", "2")``; None without an index.

    Examples
    --------
    >>> replicate_base("Rate 2"), replicate_base("Y3"), replicate_base("rate_rep1"), replicate_base("v")
    (('Rate', '2'), ('Y', '3'), ('rate', '1'), None)
    """
    m = _INDEX_RE.match(stem.strip())
    if not m or not m.group("base"):
        return None
    return m.group("base"), m.group("index")


def find_replicate_columns(ds: Dataset, wide=None) -> list[str]:
    """The replicate columns of ``ds`` (declared by ``wide``, or recognised), in file order."""
    if wide is False:
        return []
    if wide is not None and wide is not True:
        patterns = [wide] if isinstance(wide, str) else list(wide)
        chosen = [c for c in ds.columns if any(c == p or fnmatch.fnmatch(c, p) for p in patterns)]
        if len(chosen) < 2:
            raise DataFormatError(
                ds.source,
                [
                    Problem(
                        1,
                        None,
                        f"--replicates {' '.join(patterns)} matches "
                        f"{len(chosen)} column(s); replicates need two or more "
                        f"(columns: {', '.join(ds.columns)})",
                    )
                ],
            )
        return chosen
    groups: dict[tuple[str, str], list[str]] = {}
    for c in ds.columns:
        unit = ds.units.get(c)
        split = replicate_base(ds.stems[c])
        if unit is None or unit.kind not in _RESPONSE_KINDS or split is None:
            continue
        groups.setdefault((split[0].lower(), unit.label), []).append(c)
    found = [cols for cols in groups.values() if len(cols) >= 2]
    if len(found) > 1:
        raise DataFormatError(
            ds.source,
            [
                Problem(
                    1,
                    None,
                    "several sets of replicate columns ("
                    + "; ".join(", ".join(f"'{c}'" for c in cols) for cols in found)
                    + "); declare one with --replicates 'PATTERN'",
                )
            ],
        )
    return found[0] if found else []


def to_long(ds: Dataset, wide=None) -> Dataset:
    """``ds`` with its replicate columns stacked into one column and a ``replicate`` column.

    Raises
    ------
    DataFormatError
        When declared replicate columns differ in unit or are not numeric.
    """
    cols = find_replicate_columns(ds, wide)
    if not cols:
        return ds
    units = {ds.units.get(c) for c in cols}
    if len(units) != 1 or None in units:
        found = ", ".join(f"'{c}' ({ds.units.get(c) or 'no unit'})" for c in cols)
        raise DataFormatError(
            ds.source,
            [
                Problem(
                    1,
                    None,
                    f"replicate columns need one unit; found {found}; give it with --input-unit COLUMN=UNIT",
                )
            ],
        )
    unit = units.pop()
    bases = [replicate_base(ds.stems[c]) for c in cols]
    base = bases[0][0] if all(bases) else ds.stems[cols[0]]
    name = base if ds.find(base) is None else f"{base} (replicates)"
    rep_name = "replicate" if ds.find("replicate") is None else "replicate_index"
    labels = [b[1] if b else str(i + 1) for i, b in enumerate(bases)]
    k, n = len(cols), len(ds)
    stacked = np.column_stack([ds.values[c] for c in cols]).ravel()
    at = ds.columns.index(cols[0])
    keep = [c for c in ds.columns if c not in cols]
    columns = tuple(keep[:at] + [name, rep_name] + keep[at:])
    values = {c: np.repeat(np.asarray(ds.values[c]), k) for c in keep}
    values[name] = stacked
    values[rep_name] = np.tile(np.asarray(labels, dtype=str), n)
    meta = {**ds.metadata, "replicates": {"column": name, "from": list(cols)}}
    return Dataset(
        source=ds.source,
        columns=columns,
        units={**{c: ds.units[c] for c in keep}, name: unit, rep_name: None},
        values=values,
        lines=np.repeat(ds.lines, k),
        metadata=meta,
        stems={**{c: ds.stems[c] for c in keep}, name: base, rep_name: rep_name},
        unit_texts={**{c: ds.unit_texts[c] for c in keep}, name: unit.label, rep_name: None},
        kinds={**{c: ds.kinds[c] for c in keep}, name: unit.kind, rep_name: "text"},
        files=ds.files,
        file_index=None if ds.file_index is None else np.repeat(ds.file_index, k),
    )
