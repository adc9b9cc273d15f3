"""The result of :func:`mgkinetics.fit_many`: :class:`BatchResult`, and its assembly from chunk fits.

:class:`BatchResult` holds one law's fits to many curves as immutable column arrays (one row per
curve) and writes them as a table (``to_frame``, CSV, Parquet). :func:`_assemble` turns the
batched solver's per-chunk output (:class:`mgkinetics.batch.engine.ChunkFit`) into one: standard
errors from the same covariance formula as :func:`mgkinetics.fitting.single.fit_problem`, intervals,
statistics and information criteria, derived quantities, and the per-curve warnings worded as
``fit_problem`` words them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.numerics import quantile as _quantile
from mgkinetics.fitting.results import Exclusion
from mgkinetics.report.shown import Shown
from mgkinetics.units import column_suffix, convert, parse_unit

__all__ = ["BatchResult", "STAT_COLUMNS"]

STAT_COLUMNS = ("n", "dof", "rss", "redchi", "r2", "aicc", "bic")


# ----------------------------------------------------------------------------------------------
# Result


def _suffix(label: str) -> str:
    """Column suffix of a unit label: ``uM/s`` -> ``uM_per_s``, ``1/(M*s)`` -> ``per_M_per_s``, ``1`` -> ''.
    """
    if label in ("", "1"):
        return ""
    if label.startswith("1/(") and label.endswith(")"):
        return "_".join(f"per_{part}" for part in label[3:-1].split("*"))
    return column_suffix(label)


def _frozen(a) -> np.ndarray:
    a = np.asarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, repr=False)
class BatchResult(Shown):
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
    warnings : tuple of tuple of str
        Per curve; a failed curve's first warning says why.
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
    warnings: tuple[tuple[str, ...], ...]
    excluded: tuple[tuple[str, Exclusion], ...] = ()
    unassigned: tuple[Exclusion, ...] = ()
    weighting: str = ""
    ci_level: float = 0.95
    source: str = ""
    engine: str = "numpy"
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("curves", "values", "stderr", "ci_low", "ci_high", "n", "dof", "rss", "redchi",
                     "r2", "aicc", "bic", "success"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "units", MappingProxyType(dict(self.units)))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    def __len__(self) -> int:
        return int(self.curves.size)

    def column_name(self, name: str) -> str:
        """``km`` -> ``km_mM``: a parameter's column names its unit (dimensionless: the bare name)."""
        return f"{name}_{_suffix(self.units.get(name, '1'))}".rstrip("_")

    @property
    def columns(self) -> list[str]:
        """Column names of :meth:`to_frame`, in order (``km_mM``, ``km_mM_stderr``, ...)."""
        cols = [self.curve]
        for c in map(self.column_name, self.names):
            cols += [c, f"{c}_stderr", f"{c}_ci_low", f"{c}_ci_high"]
        return cols + list(STAT_COLUMNS) + ["success", "warnings"]

    def column_data(self) -> dict[str, np.ndarray]:
        """The table as a dict of arrays (what :meth:`to_frame` wraps)."""
        out: dict[str, Any] = {self.curve: np.asarray(self.curves)}
        for j, name in enumerate(map(self.column_name, self.names)):
            out[name] = self.values[:, j]
            out[f"{name}_stderr"] = self.stderr[:, j]
            out[f"{name}_ci_low"] = self.ci_low[:, j]
            out[f"{name}_ci_high"] = self.ci_high[:, j]
        for s in STAT_COLUMNS:
            out[s] = getattr(self, s)
        out["success"] = self.success
        out["warnings"] = np.array(["; ".join(w) for w in self.warnings], dtype=object)
        return out

    def to_frame(self):
        """One row per curve: id, then NAME_UNIT, NAME_UNIT_stderr, NAME_UNIT_ci_low, NAME_UNIT_ci_high
        per name (``km_mM``, ``vmax_uM_per_s``; see :meth:`column_name`), then n, dof, rss, redchi,
        r2, aicc, bic, success, warnings."""
        import pandas as pd

        return pd.DataFrame(self.column_data(), columns=self.columns)

    def exclusions_frame(self):
        """Excluded rows: curve, line, reason (unassigned rows have an empty curve)."""
        import pandas as pd

        rows = [(c, e.line, e.reason) for c, e in self.excluded]
        rows += [("", e.line, e.reason) for e in self.unassigned]
        return pd.DataFrame(rows, columns=[self.curve, "line", "reason"])

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """CSV text (fixed float format ``%.10g``), written to ``path`` when given."""
        frame = self.to_frame()
        text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
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


def _assemble(law, prep, setup, punits, labels, n_used, n_excl, reasons, fits, starts,
              ci_level, engine_name, arrays_sorted, P0, excluded_rows, log_weights=0.0) -> BatchResult:
    G = labels.size
    K = len(law.params)
    k = len(setup.varying)
    vary_idx = [law.param_names.index(p) for p in setup.varying]
    scale = prep.scheme.scale_covar
    values = np.full((G, K), np.nan)
    se = np.full((G, K), np.nan)
    rss = np.full(G, np.nan)
    ss_tot = np.full(G, np.nan)
    converged = np.zeros(G, dtype=bool)
    fitted = np.zeros(G, dtype=bool)
    singular = np.zeros(G, dtype=bool)
    cov_full = np.full((G, k, k), np.nan)
    for f in fits:
        values[f.index] = f.P
        rss[f.index] = f.rss
        ss_tot[f.index] = f.ss_tot
        converged[f.index] = f.converged
        fitted[f.index] = True
        singular[f.index] = f.singular
        cov_full[f.index] = f.cov_unscaled
    n = n_used.astype(int)
    dof = n - k
    with np.errstate(all="ignore"):
        redchi = np.where(dof > 0, rss / np.where(dof > 0, dof, 1), np.nan)
        redchi = np.where(fitted, redchi, np.nan)
        if scale:
            cov_full = cov_full * redchi[:, None, None]
        for t, j in enumerate(vary_idx):
            se[:, j] = np.sqrt(cov_full[:, t, t])
        r2 = np.where(ss_tot > 0, 1.0 - rss / ss_tot, np.nan)
    q = np.full(G, np.nan)
    for d in np.unique(dof[fitted]) if fitted.any() else []:
        q[fitted & (dof == d)] = _quantile(scale, int(d), ci_level)
    aicc, bic = _information_criteria_many(n, k, rss, scale, fitted, log_weights)
    low = values - q[:, None] * se
    high = values + q[:, None] * se
    success = fitted & converged & np.all(np.isfinite(values), axis=1)

    # warnings, as fit_problem words them
    warns: dict[int, list[str]] = defaultdict(list)  # only curves with warnings get a list
    for i in np.flatnonzero(reasons != ""):
        warns[i].append(reasons[i])
    for i in np.flatnonzero(fitted & singular):
        warns[i].append("standard errors could not be estimated: the parameters are not all "
                        "determined by these data (singular covariance)")
    for j in vary_idx:
        p = law.params[j]
        start = np.maximum(np.abs(values[:, j]), np.abs(P0[:, j]))
        for bound, side in ((p.min, "lower"), (p.max, "upper")):
            if not np.isfinite(bound):
                continue
            with np.errstate(invalid="ignore"):
                at = fitted & (np.abs(values[:, j] - bound) <= 1e-6 * np.maximum(start, abs(bound)))
            for i in np.flatnonzero(at):
                warns[i].append(f"{p.name} = {values[i, j]:.6g} {punits[p.name]} sits at its {side} bound "
                                f"({bound:g}); its estimate and error are not reliable")
    top_cache = {}
    for j in vary_idx:
        p = law.params[j]
        if p.unit in law.input_names and p.name in ("km", "k_half"):
            if p.unit not in top_cache:
                top = np.full(G, -np.inf)
                nz = np.flatnonzero(n_used > 0)  # rows are sorted by curve
                if nz.size:
                    top[nz] = np.maximum.reduceat(arrays_sorted[p.unit], starts[nz])
                top_cache[p.unit] = top
            top = top_cache[p.unit]
            with np.errstate(invalid="ignore"):
                beyond = fitted & (values[:, j] > 2 * top)
            for i in np.flatnonzero(beyond):
                warns[i].append(
                    f"{p.name} = {values[i, j]:.4g} {punits[p.name]} is beyond twice the highest "
                    f"{p.unit} ({top[i]:.4g} {punits[p.name]}): it is poorly determined; measure at "
                    "higher concentrations"
                )
    for i in np.flatnonzero(fitted & ~success):
        warns[i].insert(0, "the fit did not converge: no decrease of the residuals within the "
                           "iteration limit; try --init with better starting values")
    for j in range(K):
        if law.params[j].name in setup.fixed:
            se[:, j] = low[:, j] = high[:, j] = np.nan

    names = list(law.param_names)
    units = {p: punits[p].label for p in names}
    cols_v, cols_se, cols_lo, cols_hi = [values], [se], [low], [high]
    for d in law.derived:
        a, b = law.param_names.index(d.numerator), law.param_names.index(d.denominator)
        target = parse_unit(d.unit)
        factor = convert(1.0, punits[d.numerator] / punits[d.denominator], target)
        with np.errstate(all="ignore"):
            val = values[:, a] / values[:, b] * factor
            grads = {a: 1.0 / values[:, a], b: -1.0 / values[:, b]}
            sel = [(vary_idx.index(i), g) for i, g in grads.items() if i in vary_idx]
            var = np.zeros(G)
            for ti, gi in sel:
                for tj, gj in sel:
                    var = var + gi * gj * cov_full[:, ti, tj]
            dse = np.sqrt(var * val**2) if sel else np.full(G, np.nan)
        cols_v.append(val[:, None])
        cols_se.append(dse[:, None])
        cols_lo.append((val - q * dse)[:, None])
        cols_hi.append((val + q * dse)[:, None])
        names.append(d.name)
        units[d.name] = target.label
    warning_list: list[tuple[str, ...]] = [()] * G
    for i, w in warns.items():
        warning_list[i] = tuple(w)
    warning_tuples = tuple(warning_list)
    excluded = tuple(
        (str(prep.labels[i]), Exclusion(int(prep.lines[i]), prep.reasons[i])) for i in excluded_rows
    )
    return BatchResult(
        law=law.name, curve=prep.curve, curves=labels, names=tuple(names),
        values=np.hstack(cols_v), stderr=np.hstack(cols_se), ci_low=np.hstack(cols_lo),
        ci_high=np.hstack(cols_hi), units=units, fixed=tuple(setup.fixed), n=n, dof=dof, rss=rss,
        redchi=redchi, r2=r2, aicc=aicc, bic=bic, success=success,
        warnings=warning_tuples, excluded=excluded, unassigned=tuple(prep.unassigned),
        weighting=prep.scheme.label, ci_level=ci_level, source=prep.source, engine=engine_name,
    )
