"""The result of :func:`mgkinetics.fit_many`: :class:`BatchResult`, and its assembly from chunk fits.

:class:`BatchResult` holds one law's fits to many curves as immutable column arrays (one row per
curve) and writes them as a table (``to_frame``, CSV, Parquet). :func:`_assemble` turns the
batched solver's per-chunk output (:class:`mgkinetics.batch.engine.ChunkFit`) into one: standard
errors from the same covariance formula as :func:`mgkinetics.fitting.single.fit_problem`, intervals,
statistics and information criteria, derived quantities, and the per-curve warnings worded as
``fit_problem`` words them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from mgkinetics.errors import STATUSES, FitError  # STATUSES: the vocabulary of single fits
from mgkinetics.fitting.results import Exclusion, PicklableResult
from mgkinetics.readonly import readonly
from mgkinetics.report.shown import Shown

__all__ = ["BatchResult", "DeferredWarnings", "STAT_COLUMNS", "STATUSES", "unit_slug"]

#: The per-curve statistics held as attributes of the same name and written as columns of that name.
_STAT_FIELDS = ("dof", "rss", "redchi", "r2", "aicc", "bic", "status", "status_reason", "success")

STAT_COLUMNS = ("n_points", *_STAT_FIELDS, "warnings", "warning_codes")


def unit_slug(label: str) -> str:
    """A unit label as a column-name suffix: ``µM/s`` → ``uM_per_s``, ``1/(M*s)`` → ``per_M_per_s``,
    ``1`` or empty → empty.

    Examples
    --------
    >>> [unit_slug(u) for u in ("mM", "µM/s", "1/(M*s)", "1", "1/s")]
    ['mM', 'uM_per_s', 'per_M_per_s', '', 'per_s']
    """
    text = str(label or "").strip().replace("µ", "u").replace("μ", "u").replace("·", "*").replace(" ", "")
    text = re.sub(r"/\(([^)]*)\)", lambda m: "/" + m.group(1).replace("*", "/"), text)
    num, *dens = text.split("/")
    slug = ("" if num in ("1", "") else num) + "".join(f"_per_{d}" for d in dens if d)
    return re.sub(r"[^0-9A-Za-z]+", "_", slug).strip("_")


# ----------------------------------------------------------------------------------------------
# Result


class DeferredWarnings:
    """Per-curve warnings made when first read: :attr:`BatchResult.warnings` given one of these
    holds what :meth:`build` returns from its first read on (see :mod:`mgkinetics.batch.curvewarnings`)."""

    def build(self) -> tuple[tuple[str, ...], ...]:
        raise NotImplementedError


class _WarningsField:
    """The ``warnings`` field: a tuple of tuples, or a :class:`DeferredWarnings` built on first read.

    A data descriptor: ``__init__`` and ``dataclasses.replace`` set it through :meth:`__set__`,
    every read (``__eq__``, ``to_frame``, ``replace``, pickling) sees the built tuple. Read on the
    class it raises AttributeError, as a field without a default does, so the field stays required."""

    def __set_name__(self, owner, name: str) -> None:
        self._name = name  # held in the instance's __dict__ under its own name (as a plain field)

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self._name)
        value = obj.__dict__[self._name]
        if isinstance(value, DeferredWarnings):
            value = obj.__dict__[self._name] = value.build()
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self._name] = value


def _same(a, b) -> bool:
    """Equality of two field values; arrays by shape and elements (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        floats = a.dtype.kind == b.dtype.kind == "f"
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=floats))
    return bool(a == b)


def _frozen(a) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, repr=False)
class BatchResult(PicklableResult, Shown):
    """Fits of one law to many curves, as column arrays (one row per curve, in file order).

    Attributes
    ----------
    law : str
    curve : str
        Name of the column that identifies curves.
    curves : numpy.ndarray
        Curve labels, in order of first appearance in the table.
    names : tuple of str
        Parameter names, then derived quantities (``kcat_over_km``).
    values, stderr, ci_low, ci_high : numpy.ndarray, shape (n_curves, len(names))
        NaN where unavailable (fixed parameters have no error; failed curves have no values).
    units : Mapping[str, str]
        Unit label of each name.
    fixed : tuple of str
        Parameters held fixed.
    n, dof : numpy.ndarray of int
    rss, redchi, r2, aicc, bic : numpy.ndarray of float
        As :class:`~mgkinetics.fitting.results.Statistics` of the single-curve fit.
    success : numpy.ndarray of bool
        True where ``status`` is ``converged`` or ``at_bound``.
    warnings : tuple of tuple of str
        Per curve; a failed curve's first warning says why.
    status, status_reason : numpy.ndarray of str
        Per curve, one of :data:`STATUSES` (the vocabulary of single fits) and why.
    excluded : tuple of (curve label, Exclusion)
        Rows left out of a curve, with their reason.
    unassigned : tuple of Exclusion
        Rows with an empty curve cell.
    """

    law: str
    curve: str
    curves: np.ndarray
    names: tuple[str, ...]
    values: np.ndarray
    stderr: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    units: Mapping[str, str]
    fixed: tuple[str, ...]
    n: np.ndarray
    dof: np.ndarray
    rss: np.ndarray
    redchi: np.ndarray
    r2: np.ndarray
    aicc: np.ndarray
    bic: np.ndarray
    success: np.ndarray
    warnings: tuple[tuple[str, ...], ...] = _WarningsField()  # type: ignore[assignment]
    status: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    status_reason: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    excluded: tuple[tuple[str, Exclusion], ...] = ()
    unassigned: tuple[Exclusion, ...] = ()
    weighting: str = ""
    ci_level: float = 0.95
    source: str = ""
    engine: str = "numpy"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.status) != len(self.curves):  # built without statuses: from success
            ok = np.asarray(self.success, dtype=bool)
            object.__setattr__(self, "status", np.where(ok, "converged", "failed").astype(object))
            reasons = [w[0] if (not s and w) else "" for s, w in zip(ok, self.warnings, strict=False)]
            object.__setattr__(self, "status_reason", np.array(reasons, dtype=object))
        for name in ("curves", "values", "stderr", "ci_low", "ci_high", "n", *_STAT_FIELDS):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "units", readonly(self.units))
        object.__setattr__(self, "metadata", readonly(self.metadata))

    def __len__(self) -> int:
        return int(self.curves.size)

    def __eq__(self, other: object) -> bool:
        """Field by field; arrays element-wise, NaN equal to NaN (a value that is not available
        in both)."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    def __getstate__(self) -> dict:
        self.warnings  # noqa: B018 - built, so that a pickle holds the tuples, not the recipe
        return super().__getstate__()

    def value_columns(self) -> dict[str, str]:
        """Column name of each parameter and derived quantity: the name with its unit (``km_mM``,
        ``vmax_uM_per_s``; dimensionless ones bare), prefixed ``param_`` if that would collide with
        the curve column or a statistics column."""
        taken = {self.curve.lower(), *(c.lower() for c in STAT_COLUMNS)}
        out = {}
        for name in self.names:
            slug = unit_slug(self.units.get(name, ""))
            col = f"{name}_{slug}" if slug else name
            derived = {col + sfx for sfx in ("", "_stderr", "_ci_low", "_ci_high")}
            if derived & taken or col.lower() in {c.lower() for c in out.values()}:
                col = f"param_{col}"
            taken |= {c.lower() for c in derived}
            out[name] = col
        return out

    def column_name(self, name: str) -> str:
        """``km`` -> ``km_mM``: the column of a parameter or derived quantity in :meth:`to_frame`."""
        return self.value_columns()[name]

    @property
    def columns(self) -> list[str]:
        """Column names of :meth:`to_frame`, in order (all distinct)."""
        cols = [self.curve]
        for col in self.value_columns().values():
            cols += [col, f"{col}_stderr", f"{col}_ci_low", f"{col}_ci_high"]
        return cols + list(STAT_COLUMNS)

    def column_data(self) -> dict[str, np.ndarray]:
        """The table as a dict of arrays (what :meth:`to_frame` wraps)."""
        out: dict[str, Any] = {self.curve: np.asarray(self.curves)}
        for j, col in enumerate(self.value_columns().values()):
            out[col] = self.values[:, j]
            out[f"{col}_stderr"] = self.stderr[:, j]
            out[f"{col}_ci_low"] = self.ci_low[:, j]
            out[f"{col}_ci_high"] = self.ci_high[:, j]
        out["n_points"] = self.n
        for s in _STAT_FIELDS:
            out[s] = getattr(self, s)
        out["warnings"] = np.array(["; ".join(w) for w in self.warnings], dtype=object)
        out["warning_codes"] = np.array(  # the codes of those warnings, in their order (errors.WARNING_CODES)
            [";".join(getattr(x, "code", "") or "other" for x in w) for w in self.warnings], dtype=object
        )
        return out

    def to_frame(self):
        """One row per curve: id; per parameter NAME_UNIT, its _stderr, _ci_low, _ci_high; then
        n_points, dof, rss, redchi, r2, aicc, bic, status, status_reason, success, warnings and
        warning_codes (the warnings' codes, ``;``-separated: :data:`mgkinetics.errors.WARNING_CODES`)."""
        import pandas as pd

        return pd.DataFrame(self.column_data(), columns=self.columns)

    def exclusions_frame(self):
        """Excluded rows: curve, line, reason (unassigned rows have an empty curve)."""
        import pandas as pd

        rows = [(c, e.line, e.reason) for c, e in self.excluded]
        rows += [("", e.line, e.reason) for e in self.unassigned]
        return pd.DataFrame(rows, columns=[self.curve, "line", "reason"])

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """CSV text (fixed float format ``%.10g``), written to ``path`` when given.

        A number that is not determined (an AICc with N − df − 1 ≤ 0 is infinite) is an empty
        cell, as in the tables of :func:`mgkinetics.fit`.
        """
        from mgkinetics.batch.csvtext import csv_text  # what to_frame().to_csv(float_format="%.10g") writes

        data = {k: _finite_or_nan(v) for k, v in self.column_data().items()}
        text = csv_text(data, self.columns)
        if path is None:
            return text
        Path(path).write_text(text, encoding="utf-8")
        return None

    def to_parquet(self, path: str | Path) -> None:
        """Write Parquet (needs pyarrow); units go in the file's key-value metadata."""
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            from mgkinetics.errors import missing_dependency

            raise missing_dependency("pyarrow", purpose="writing Parquet") from None
        table = pa.Table.from_pandas(self.to_frame(), preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[b"mgkinetics.units"] = repr(dict(self.units)).encode()
        meta[b"mgkinetics.law"] = self.law.encode()
        pq.write_table(table.replace_schema_metadata(meta), str(path))

    def write(self, path: str | Path, *, format: str | None = None) -> None:
        """Write ``csv`` or ``parquet`` (chosen from the suffix when ``format`` is None)."""
        fmt = format or ("parquet" if str(path).lower().endswith((".parquet", ".pq")) else "csv")
        if fmt == "parquet":
            self.to_parquet(path)
        elif fmt == "csv":
            self.to_csv(path)
        else:
            raise FitError(f"unknown format '{fmt}'; use csv or parquet")


# ----------------------------------------------------------------------------------------------
# Assembling the result from the solver's chunk fits


def _information_criteria_many(n, k, rss, scale, fitted, log_weights=0.0):
    """:func:`mgkinetics.fitting.numerics.information_criteria` over arrays: (aicc, bic) per curve."""
    from mgkinetics.fitting.numerics import information_criteria

    ic = information_criteria(n, k, np.where(fitted, rss, np.nan), scale, log_weights=log_weights)
    return np.asarray(ic.aicc, dtype=float), np.asarray(ic.bic, dtype=float)


def _finite_or_nan(values):
    """Float arrays with ±inf as NaN (an empty cell); other arrays as they are."""
    arr = np.asarray(values)
    return np.where(np.isinf(arr), np.nan, arr) if arr.dtype.kind == "f" else values
