"""Tables in: the one reader of measurement tables (.csv, .tsv, .txt, .xlsx) and :func:`concat`.

Every table becomes a :class:`~mgkinetics.data.model.Dataset` the same way, from the library
(:func:`read_csv`) and from the command line. Reading rules (README, "CSV conventions"):

* units in the header in any common style (``s_mM``, ``S (mM)``, ``v [µM/min]``, ``[ATP] mM``,
  ``Rate, uM/min``), or given with ``input_units`` (``--input-unit COLUMN=UNIT``);
* separators: ``,``; ``;`` or tabs (then ``0,5`` is read as 0.5); BOM, CRLF, blank lines and
  Excel's trailing empty columns and rows are accepted; a line is a comment only when an
  unquoted ``#`` starts it;
* replicates side by side (``Rate 1 (uM/min), Rate 2 (uM/min)``) become long rows with a
  ``replicate`` column (:mod:`mgkinetics.data.wide`);
* a sidecar ``NAME.meta.json`` beside ``NAME.csv`` is the dataset's metadata (``NAME.json`` is not
  read: it is where ``fit NAME.csv --format json`` output goes).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from mgkinetics.data.model import Dataset, build_dataset
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["Dataset", "read_csv", "read_table", "concat", "TABLE_SUFFIXES"]

#: File types read as tables.
TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".xlsx")


def _sidecar(path: Path) -> dict:
    candidate = path.with_name(path.stem + ".meta.json")
    if not candidate.is_file():
        return {}
    try:
        meta = json.loads(candidate.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFormatError(
            str(candidate), [Problem(None, None, f"metadata is not valid JSON: {exc}")]
        ) from None
    if not isinstance(meta, dict):
        raise DataFormatError(str(candidate), [Problem(None, None, "metadata must be a JSON object {...}")])
    return meta


def read_csv(
    path: str | Path,
    *,
    input_units: Mapping[str, str] | None = None,
    sheet: str | None = None,
    wide: str | list[str] | bool | None = None,
) -> Dataset:
    """Read and validate a table of measurements (.csv, .tsv, .txt or .xlsx).

    Parameters
    ----------
    path : str or Path
        The file. Text is UTF-8 (a BOM is fine), header on the first line that is not blank or a
        comment; ``.xlsx`` is read from ``sheet``.
    input_units : mapping, optional
        Units for columns whose header carries none, ``{"S": "mM", "v": "uM/min"}`` (keys: a
        column's name or stem, or a pattern such as ``"Y*"``); the name is kept as written.
    sheet : str, optional
        The sheet of an ``.xlsx`` workbook (default: the first that holds a table; its name is
        in ``metadata["sheet"]``).
    wide : str, list of str or bool, optional
        Replicate columns side by side: a pattern (``"Rate *"``) or the column names; ``False``
        turns off their automatic recognition (:func:`mgkinetics.data.wide.to_long`).

    Returns
    -------
    Dataset

    Raises
    ------
    DataFormatError
        Listing every problem: unreadable or empty file, ragged rows, duplicate columns,
        non-numeric or negative cells in unit columns, each with its line and column.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "mm.csv")
    ...     _ = open(p, "w").write("S (mM),Rate (uM/s)\\n1,2\\n2,3\\n")
    ...     ds = read_csv(p)
    >>> ds.units["S (mM)"].label, ds.find("S"), len(ds)
    ('mM', 'S (mM)', 2)
    """
    return read_table(path, input_units=input_units, sheet=sheet, wide=wide)


def read_table(path, *, input_units=None, sheet=None, wide=None) -> Dataset:
    """:func:`read_csv` (its name says what it reads: any table file)."""
    from mgkinetics.data.wide import to_long

    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix in (".xls", ".ods"):
        from mgkinetics.data.xlsx import refuse_other_spreadsheets

        refuse_other_spreadsheets(path)
    try:  # a file's first bytes tell a workbook; its reader maps it. A pipe is read once, here.
        with open(path, "rb") as fh:
            raw_bytes = None if stat.S_ISREG(os.fstat(fh.fileno()).st_mode) else fh.read()
            magic = fh.read(4) if raw_bytes is None else raw_bytes[:4]
    except FileNotFoundError:
        raise DataFormatError(source, [Problem(None, None, "file not found; check the path")]) from None
    except OSError as exc:
        raise DataFormatError(source, [Problem(None, None, f"cannot be read: {exc.strerror}")]) from None
    if suffix == ".xlsx" or magic == b"PK\x03\x04":
        from mgkinetics.data.xlsx import read_xlsx_table

        raw = read_xlsx_table(path, sheet)
    else:
        if sheet is not None:
            raise DataFormatError(
                source,
                [
                    Problem(
                        None,
                        None,
                        f"sheet '{sheet}' given, but a text file has no "
                        "sheets; --sheet is for .xlsx workbooks",
                    )
                ],
            )
        from mgkinetics.data.textfile import read_text_table

        raw = read_text_table(path, raw_bytes)
    raw.metadata = {**_sidecar(path), **raw.metadata}
    return to_long(build_dataset(raw, input_units=input_units), wide)


def _merge_metadata(sets: list[Dataset]) -> dict:
    """Keys that agree are kept once; a key whose value differs between files is kept per file,
    as ``{key: {source: value, ...}}``, and listed under ``"conflicting"``."""
    merged: dict = {}
    conflicting = []
    keys = list(dict.fromkeys(k for d in sets for k in d.metadata))
    for key in keys:
        per = {d.source: d.metadata[key] for d in sets if key in d.metadata}
        distinct = {json.dumps(v, sort_keys=True, default=str) for v in per.values()}
        if len(distinct) == 1:
            merged[key] = next(iter(per.values()))
        else:
            merged[key] = per
            conflicting.append(key)
    if conflicting:
        merged["conflicting"] = conflicting
    return merged


def concat(datasets: list[Dataset], *, label: str | None = None) -> Dataset:
    """Several validated tables with the same columns as one (a single one passes through).

    Parameters
    ----------
    datasets : list of Dataset
    label : str, optional
        A column that identifies each table's rows. When no table has it, it is added, holding
        each table's file stem (so ``compare wt.csv d84a.csv`` compares 'wt' with 'd84a').

    Line numbers stay those of each row's own file (``files``/``file_index`` say which);
    ``source`` names every file. Metadata are merged: a key that all files agree on is kept once;
    a key with different values is kept per file (``{key: {file: value}}``) and named in
    ``metadata["conflicting"]``.

    Raises
    ------
    DataFormatError
        If the tables' columns differ.
    """
    if len(datasets) == 1:
        return datasets[0]
    sets = list(datasets)
    if label is not None and all(d.find(label) is None for d in sets):
        sets = [_with_label(d, label) for d in sets]
    columns = sets[0].columns
    for d in sets[1:]:
        if set(d.columns) != set(columns):
            raise DataFormatError(
                d.source,
                [
                    Problem(
                        1,
                        None,
                        f"has columns {', '.join(d.columns)} but {sets[0].source} has {', '.join(columns)}; "
                        "files analysed together need the same columns",
                    )
                ],
            )
    files = tuple(f for d in sets for f in d.files)
    offsets = np.cumsum([0] + [len(d.files) for d in sets[:-1]])
    index = [
        (np.zeros(len(d), int) if d.file_index is None else np.asarray(d.file_index)) + off
        for d, off in zip(sets, offsets)
    ]
    first = sets[0]
    return Dataset(
        source=" + ".join(d.source for d in sets),
        columns=columns,
        units=first.units,
        values={c: np.concatenate([d.values[c] for d in sets]) for c in columns},
        lines=np.concatenate([d.lines for d in sets]),
        metadata=_merge_metadata(sets),
        stems=first.stems,
        unit_texts=first.unit_texts,
        kinds=first.kinds,
        files=files,
        file_index=np.concatenate(index),
    )


def _with_label(d: Dataset, label: str) -> Dataset:
    return Dataset(
        source=d.source,
        columns=d.columns + (label,),
        units={**d.units, label: None},
        values={**d.values, label: np.full(len(d), Path(d.source).stem)},
        lines=d.lines,
        metadata=d.metadata,
        stems=d.stems,
        unit_texts=d.unit_texts,
        kinds={**d.kinds, label: "text"},
        files=d.files,
        file_index=d.file_index,
    )
