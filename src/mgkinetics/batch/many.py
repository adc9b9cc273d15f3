"""High-throughput fitting: many independent curves of one long-format table in one batched solve.

:func:`fit_many` resolves columns and units, excludes unusable rows with their reasons and splits
rows into curves (:mod:`mgkinetics.batch.table`, vectorised over the whole table, without building
one :class:`~mgkinetics.fitting.problem.FitProblem` per curve), starts every curve from the law's guess
rule (:mod:`mgkinetics.batch.starts`: a vectorised Hanes–Woolf regression for the
Michaelis–Menten laws, the law's own rule per curve otherwise), and solves all curves at once with
the batched Levenberg–Marquardt of :mod:`mgkinetics.batch.engine`. Values, standard errors (same
Jacobian and covariance formula as :func:`mgkinetics.fitting.single.fit_problem`), intervals and
statistics come back as one immutable :class:`BatchResult` (:mod:`mgkinetics.batch.result`). A
curve that cannot be fitted never stops the batch: it gets ``success=False`` and a warning saying
why.

:func:`bootstrap_fits` refits one curve's case or residual resamples in one batched solve
(:mod:`mgkinetics.batch.bootstrap`, re-exported here with :func:`bootstrap_curve` and
:class:`BootstrapResult`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from mgkinetics.batch import engine as _eng
from mgkinetics.batch.assemble import assemble as _assemble
from mgkinetics.batch.assemble import slope_ratios
from mgkinetics.batch.bootstrap import BootstrapResult, bootstrap_curve, bootstrap_fits
from mgkinetics.batch.guesses import hanes_woolf as hanes_woolf
from mgkinetics.batch.result import STAT_COLUMNS as STAT_COLUMNS
from mgkinetics.batch.result import BatchResult
from mgkinetics.batch.result import _information_criteria_many as _information_criteria_many
from mgkinetics.batch.rowops import filled
from mgkinetics.batch.starts import _setup, _starts, runaway_caps
from mgkinetics.batch.table import _block_guess, _dataset, _first_appearance, _pad, _prepare, _usable
from mgkinetics.errors import FitError
from mgkinetics.fitting.options import DataOptions, check_options, table_options
from mgkinetics.fitting.starts import parameter_units
from mgkinetics.fitting.weighting import few_replicates_by_group, parse_weights
from mgkinetics.laws.registry import RateLaw, get_law

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["BatchResult", "BootstrapResult", "fit_many", "bootstrap_fits", "bootstrap_curve"]


def _messages_for_failures(law, setup, n_used, n_excl, has_pos, missing) -> np.ndarray:
    """Why each curve cannot be fitted ("" when it can), as an object array."""
    first = law.inputs[0].name
    k = len(setup.varying)
    out = filled(n_used.size, "")
    fail = (n_used == 0) | ~has_pos | (missing != "") | (n_used < k + 1)
    for i in np.flatnonzero(fail):
        if n_used[i] == 0:
            out[i] = f"no usable rows (all {n_excl[i]} excluded); see the exclusions"
        elif not has_pos[i]:
            out[i] = f"every {first} concentration is zero; a rate law needs non-zero {first}"
        elif missing[i]:
            out[i] = f"parameter '{missing[i]}' has no starting value; give --init {missing[i]}=VALUE"
        else:
            n = int(n_used[i])
            out[i] = (
                f"{n} usable point{'s' if n != 1 else ''} for {k} fitted parameters; "
                f"a fit needs at least {k + 1} (parameters + 1)"
            )
    return out


def fit_many(
    data,
    law: str | RateLaw,
    curve: str = "curve",
    *,
    ci_level: float = 0.95,
    engine: str = "numpy",
    scheduler=None,
    chunk_size: int = 20_000,
    **options: Unpack[DataOptions],
) -> BatchResult:
    """Fit one law to every curve of a long-format table in one batched solve.

    Parameters
    ----------
    data : path, Dataset or DataFrame
        One row per measurement; ``curve`` names the column that identifies curves.
    law : str or RateLaw
    curve : str
        The curve-id column.
    x, y, inhibitor, enzyme, columns, weights, fix, init, input_units, conditions, ci_level
        As :func:`mgkinetics.fit`; ``fix`` and ``init`` apply to every curve.
    pool : bool
        Allow other text columns to vary within a curve (otherwise refused as silent pooling).
    engine : {"numpy", "dask"}
        ``dask`` sends the chunks of curves to a dask.distributed cluster, one task per chunk; the
        results are bit-identical to ``numpy`` with the same ``chunk_size``.
    scheduler : str, Client or cluster, optional
        For ``engine="dask"``: a scheduler address, a Client or a cluster; a LocalCluster is
        started (and closed) when omitted.
    chunk_size : int
        Curves per solver call (and per dask task: for parallelism about curves / (2 × workers)).

    Returns
    -------
    BatchResult
        Curves whose KM (or K½) runs away (status ``not_bounded``) also get the initial slope,
        e.g. ``vmax_over_km`` with its SE and CI, named and in the unit a single fit gives it (the
        column is there when at least one curve needs it, NaN on the other curves).

    Examples
    --------
    >>> import numpy as np, mgkinetics as mgk
    >>> s = np.tile([0.5, 1, 2, 4, 8, 16.0], 2)
    >>> v = np.r_[10 * s[:6] / (2 + s[:6]), 5 * s[6:] / (1 + s[6:])]
    >>> res = mgk.fit_many({"curve": ["a"] * 6 + ["b"] * 6, "s_mM": s, "rate_uM_per_s": v},
    ...                    "michaelis_menten", curve="curve")
    >>> [round(float(k), 6) for k in res.values[:, 1]]
    [2.0, 1.0]
    """
    check_options(options, "fit_many")
    if engine not in ("numpy", "dask"):
        raise FitError(f"unknown engine '{engine}'; use numpy or dask")
    if parse_weights(options.get("weights", "none")).kind == "power":
        raise FitError(
            "fit_many does not fit the power variance model (weights='power'); fit the curves with "
            "mgk.fit(data, law, group=CURVE, weights='power') (mgkinetics fit --group CURVE "
            "--weights power), or use weights='replicates:pooled' or 'relative' here"
        )
    law = get_law(law)
    table = table_options(law, options)
    ds, factors = _dataset(data, table["input_units"])
    prep = _prepare(
        ds,
        law,
        curve,
        table["columns"],
        table["rate"],
        table["weights"],
        factors,
        conditions=table["conditions"],
        pool=table["pool"],
    )
    punits = parameter_units(law, prep.table.units, prep.table.rate_unit)
    setup = _setup(law, punits, options.get("fix"), options.get("init"))
    vary_idx = [law.param_names.index(p) for p in setup.varying]

    plan = _plan_curves(prep, law)
    P0_all, missing, cap_all, blocks = _start_blocks(law, prep, punits, setup, plan, max(chunk_size, 1))
    reasons = _messages_for_failures(law, setup, plan.n_used, plan.n_excl, plan.has_pos, missing)
    chunks = _chunks(law, plan, blocks, np.flatnonzero(reasons == ""), P0_all, cap_all, max(chunk_size, 1))
    lo = np.array([p.min for p in law.params])
    hi = np.array([p.max for p in law.params])
    ratios = slope_ratios(law, setup.varying, punits, setup.fixed)  # Vmax/KM, reported where KM runs away
    pairs = [(r.num, r.den) for r in ratios]
    limits = inf_limit_columns(law, vary_idx)  # Ki, Ksi: refitted at +∞ where they run away
    if engine == "dask" and chunks:
        from mgkinetics.batch.distributed import run_chunks

        fits = run_chunks(
            chunks,
            law.func,
            law.param_names,
            vary_idx,
            lo,
            hi,
            scheduler=scheduler,
            ratios=pairs,
            inf_columns=limits,
        )
    else:
        fits = [engine_fit(law, c, vary_idx, lo, hi, pairs, limits) for c in chunks]
    log_w = _log_weights(plan)
    result = _assemble(
        law, prep, setup, punits, plan, reasons, fits, ci_level, engine, P0_all, cap_all, log_w, ratios
    )
    if (
        prep.table.scheme.kind == "replicates"
    ):  # the weighting's own warning, per curve (fitting/weighting.py)
        curve_of = np.repeat(np.arange(plan.labels.size), plan.n_used)
        few = few_replicates_by_group(plan.arrays, plan.y, curve_of)
        warns = tuple(w + ((few[i],) if i in few else ()) for i, w in enumerate(result.warnings))
        result = replace(result, warnings=warns)
    return result


def _log_weights(plan) -> np.ndarray:
    """Σ log wᵢ per curve (R's weights w², for the criteria); zeros when every weight is 1 (no
    weighting: log 1 = 0 exactly, so the sums are the same zeros without the logs)."""
    if (plan.w == 1).all():
        return np.zeros(plan.labels.size)
    curve_of = np.repeat(np.arange(plan.labels.size), plan.n_used)
    with np.errstate(divide="ignore"):
        return np.bincount(
            curve_of,
            weights=np.where(plan.w != 0, 2 * np.log(np.abs(plan.w)), 0.0),
            minlength=plan.labels.size,
        )


def block_plan(counts: np.ndarray, todo: np.ndarray, chunk_size: int) -> list[tuple[int, np.ndarray]]:
    """(padded length, curve indices) blocks: curves sorted by length, cut every ``chunk_size``.

    Few blocks keep the per-iteration overhead of the batched solver low (it is paid per block);
    sorting keeps the padding small (each block is padded to its own longest curve).
    """
    if todo.size == 0:
        return []
    if todo.size <= chunk_size:  # one block: its curves in order, no sort by length needed
        return [(int(counts[todo].max()), np.sort(todo))]
    order = todo[np.argsort(counts[todo], kind="stable")]
    return [(int(counts[b].max()), np.sort(b)) for b in np.array_split(order, -(-order.size // chunk_size))]


@dataclass(frozen=True)
class CurvePlan:
    """Usable rows sorted by curve, and per curve: label, first row, counts (curves in file order)."""

    labels: np.ndarray
    n_used: np.ndarray
    n_excl: np.ndarray
    starts: np.ndarray
    has_pos: np.ndarray
    arrays: dict
    y: np.ndarray
    w: np.ndarray
    excluded_rows: np.ndarray


def _plan_curves(prep, law: RateLaw) -> CurvePlan:
    """Curves in order of first appearance; usable rows sorted by curve; row accounting."""
    keys = prep.table.keys
    usable = _usable(prep.table.reasons)
    ok_rows = keys >= 0
    # every row usable and in a curve (and, below, in curve order): the arrays are copied whole
    every = bool(ok_rows.all() and usable.all())
    if every:
        assigned = rows = np.arange(keys.size)
        G, rank, first_rows = _first_appearance(keys)
        pos_of_row = rank[keys]
    else:
        assigned = np.flatnonzero(ok_rows)
        G, rank, first_rows = _first_appearance(keys[assigned])
        rows = np.flatnonzero(usable & ok_rows)
        pos_of_row = rank[keys[rows]] if rows.size else np.array([], dtype=int)
    labels = prep.labels[assigned[first_rows]]
    if pos_of_row.size > 1 and np.any(pos_of_row[1:] < pos_of_row[:-1]):  # rows not grouped by curve
        srt = np.argsort(pos_of_row, kind="stable")
        rows, pos_of_row, every = rows[srt], pos_of_row[srt], False

    def take(a: np.ndarray) -> np.ndarray:
        return a.copy() if every else a[rows]

    n_used = np.bincount(pos_of_row, minlength=G)
    starts = np.zeros(G, dtype=int)
    np.cumsum(n_used[:-1], out=starts[1:])
    bad_rows = np.flatnonzero(~usable & ok_rows)
    n_excl = np.bincount(rank[keys[bad_rows]], minlength=G) if bad_rows.size else np.zeros(G, int)
    arrays = {name: take(a) for name, a in prep.inputs.items()}
    has_pos = np.zeros(G, dtype=bool)  # a positive first input per curve (rows sorted by curve)
    nz = np.flatnonzero(n_used > 0)
    if nz.size:
        has_pos[nz] = np.logical_or.reduceat(arrays[law.inputs[0].name] > 0, starts[nz])
    return CurvePlan(
        labels, n_used, n_excl, starts, has_pos, arrays, take(prep.table.y), take(prep.table.w), bad_rows
    )


def _start_blocks(law: RateLaw, prep, punits, setup, plan: CurvePlan, chunk_size: int):
    """Starting values and runaway caps of every curve, block by block (blocks kept for the solve)."""
    G = plan.labels.size
    P0_all = np.full((G, len(law.params)), np.nan)
    cap_all = np.full((G, len(law.params)), np.inf)
    missing = filled(G, "")
    blocks = []
    for L, idx in block_plan(plan.n_used, np.flatnonzero((plan.n_used > 0) & plan.has_pos), chunk_size):
        pos, valid = _pad(idx, L, plan.starts, plan.n_used)
        ins = {name: a[pos] for name, a in plan.arrays.items()}
        yb = plan.y[pos]
        g = _block_guess(law, prep, punits, idx, ins, yb, valid, plan.n_used[idx])
        P0_all[idx], missing[idx] = _starts(law, setup, g, idx.size)
        cap_all[idx] = runaway_caps(law, ins, yb, valid)
        blocks.append((idx, pos, valid))
    return P0_all, missing, cap_all, blocks


def _chunks(law: RateLaw, plan: CurvePlan, blocks, todo, P0_all, cap_all, chunk_size: int) -> list:
    """Solver chunks of the curves to fit (the start blocks when every started curve is fitted)."""
    if not np.array_equal(todo, np.concatenate([b[0] for b in blocks]) if blocks else todo):
        blocks = [
            (idx, *_pad(idx, L, plan.starts, plan.n_used))
            for L, idx in block_plan(plan.n_used, todo, chunk_size)
        ]
    return [
        _eng.Chunk(
            idx,
            tuple(plan.arrays[name][pos] for name in law.input_names),
            plan.y[pos],
            np.where(valid, plan.w[pos], 0.0),
            P0_all[idx],
            cap_all[idx],
        )
        for idx, pos, valid in blocks
    ]


def inf_limit_columns(law: RateLaw, vary_idx) -> list[int]:
    """The fitted Ki-like constants (Ki, Ksi: in the unit of an input, not KM-like), whose limit
    at +∞ is the law without the effect they describe."""
    from mgkinetics.fitting.status import is_concentration_constant

    return [j for j in vary_idx if is_concentration_constant(law.params[j], law.input_names)]


def engine_fit(law: RateLaw, chunk, vary_idx, lo, hi, ratios=(), inf_columns=()):
    """One chunk through the numpy engine."""
    return _eng.fit_chunk(law.func, law.param_names, chunk, vary_idx, lo, hi, ratios, inf_columns)
