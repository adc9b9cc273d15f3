"""Rates that are means of N replicates: σ = SD/√N for ``weights="sd:SD/sqrt(N)"``, and the refusal
of ``sd:SD`` alone when the table has a replicate-count column it would leave unused.

A table of ``rate_mean, rate_sd, n`` holds the mean of n replicates with the SD of the single
replicates. The error of each mean is SD/√n; weighting the means by SD itself makes σ √n times too
large (intervals √n too wide and χ² too small) without any sign of it in the output.
"""

from __future__ import annotations

import re

import numpy as np

from mgkinetics.errors import DataFormatError, FitError, Problem

__all__ = [
    "COUNT_NAMES",
    "SD_SCHEMES",
    "count_column",
    "sd_of_means",
    "split_sd_spec",
    "sd_label",
    "sd_weights",
]

#: The two forms of absolute-SD weights.
SD_SCHEMES = ("sd:COLUMN", "sd:COLUMN/sqrt(N)")
#: Stems of a column holding the replicates behind each row (case-insensitive).
COUNT_NAMES = ("n", "n_replicates", "replicates", "count", "n_rep")
#: An SD column named like this already holds standard errors of the means.
_SE_RE = re.compile(r"(^|[\s_\-(])(se|sem|stderr|se_mean)([\s_\-)]|$)", re.IGNORECASE)


def split_sd_spec(text: str) -> tuple[str, str | None]:
    """``"SD/sqrt(N)"`` -> ``("SD", "N")``; ``"SD"`` -> ``("SD", None)`` (the part after ``sd:``).

    Examples
    --------
    >>> split_sd_spec("rate_sd_uM_per_s / sqrt(n)"), split_sd_spec("rate_sd_uM_per_s")
    (('rate_sd_uM_per_s', 'n'), ('rate_sd_uM_per_s', None))
    """
    mean_of = re.fullmatch(r"(.+?)\s*/\s*sqrt\(\s*(.+?)\s*\)", text.strip())
    return (mean_of.group(1), mean_of.group(2)) if mean_of else (text.strip(), None)


def sd_label(sd_col: str | None, count_col: str | None) -> str:
    """The weighting label of ``sd:``: ``'SD' / sqrt('n'), the SE of each mean (SE not scaled)``."""
    per_mean = f" / sqrt('{count_col}'), the SE of each mean" if count_col else ""
    return f"'{sd_col}'{per_mean} (SE not scaled)"


def count_column(ds, scheme) -> str | None:
    """The column of replicate counts named by ``sd:SD/sqrt(N)``; DataFormatError when absent."""
    if scheme.kind != "sd" or not scheme.count_column:
        return None
    col = ds.find(scheme.count_column)
    if col is None:
        found = ", ".join(f"'{c}'" for c in ds.columns)
        raise DataFormatError(
            ds.source, [Problem(1, None, f"no replicate-count column '{scheme.count_column}' for weights "
                                         f"sd:{scheme.column}/sqrt({scheme.count_column}); found {found}")]
        )  # fmt: skip
    return col


def sd_of_means(ds, scheme, sd_col: str | None, count_col: str | None, sd, taken: set[str]):
    """σ per row and, per row, why it cannot be weighted (None when it can).

    With ``count_col``: σ = SD/√N; a row whose N is empty, not a number or below 1 is excluded with
    its reason. Without it, ``sd:SD`` on a table with an unused count column (:data:`COUNT_NAMES`)
    is a FitError saying what to write instead, unless the SD column is named as a standard error.
    """
    reasons: list[str | None] = [None] * (0 if sd is None else len(sd))
    if sd_col is None:
        return sd, reasons
    if count_col is None:
        counts = [c for c in ds.columns if ds.stems[c].lower() in COUNT_NAMES and c not in taken]
        if counts and not _SE_RE.search(ds.stems[sd_col]):
            n = counts[0]
            raise FitError(
                f"column '{n}' looks like the number of replicates behind each rate, but weights "
                f"sd:{sd_col} would use '{sd_col}' as the error of each rate itself; if the rates are "
                f"means of '{n}' replicates and '{sd_col}' is their SD, weight by the mean's standard "
                f"error with --weights 'sd:{sd_col}/sqrt({n})'; if '{sd_col}' already holds standard "
                "errors, name it so (e.g. rate_se_uM_per_s)"
            )
        return sd, reasons
    counts = np.full(len(sd), np.nan)
    for i, text in enumerate(ds.values[count_col]):
        try:
            counts[i] = float(text)
        except (TypeError, ValueError):
            pass
        if not counts[i] >= 1:
            reasons[i] = (
                f"replicate count '{count_col}' is '{text}'; sd:{sd_col}/sqrt({count_col}) needs N >= 1"
            )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts >= 1, sd / np.sqrt(counts), np.nan), reasons


def sd_weights(
    sd: np.ndarray, column: str, reasons: list, groups: np.ndarray | None = None
) -> tuple[np.ndarray, list]:
    """``1/SD`` per row (0 where it cannot weight), and each row's reason in ``reasons`` (None: fine).

    An SD that is empty, not > 0, or below 1e-8 x the median SD of its group (``groups``: one key
    per row, the curves fitted apart; None: one group) cannot weight: the last one's squared
    weight would swamp every other row beyond double precision (an SD of 1e-300 among 0.1s made
    the fit fail with "try --init"). Groups are apart so that curves of different scales are not
    compared.

    Examples
    --------
    >>> w, why = sd_weights(np.array([0.1, 0.2, 1e-300, 0.0]), "sd", [None] * 4)
    >>> w.tolist(), [r is None for r in why]
    ([10.0, 5.0, 0.0, 0.0], [True, True, False, False])
    """
    keys = np.zeros(sd.size, dtype=np.int64) if groups is None else np.asarray(groups)
    floor = np.zeros(sd.size)
    for key in np.unique(keys):
        rows = keys == key
        positive = sd[rows & (sd > 0)]
        floor[rows] = 1e-8 * float(np.median(positive)) if positive.size else 0.0
    tiny = (sd > 0) & (sd < floor)
    for i in np.flatnonzero(~(sd > 0) | tiny):
        if np.isnan(sd[i]):
            reasons[i] = f"SD column '{column}' is empty"
        elif tiny[i]:
            reasons[i] = (
                f"SD column '{column}' is {sd[i]:g}, below 1e-8 x the median SD ({floor[i] * 1e8:g}): "
                "its weight would swamp every other row; check it"
            )
        else:
            reasons[i] = f"SD column '{column}' is {sd[i]:g}; absolute weights need SD > 0"
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where((sd > 0) & ~tiny, 1.0 / sd, 0.0)
    return w, reasons
