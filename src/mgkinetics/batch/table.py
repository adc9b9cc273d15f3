"""Preparing a long-format table for :func:`mgkinetics.fit_many`: the builder's output, curve by curve.

The table is prepared by the one problem builder (:func:`mgkinetics.fitting.problem.prepare_table`,
the same columns, units, weights, conditions and row reasons as :func:`mgkinetics.fit`, with the
curve column as the group); this module adds only what the batch needs:

* :func:`_prepare` - the builder's arrays for every row, with the auxiliary inputs of laws that
  use conditions (Mg-ATP laws) computed per curve's reference conditions;
* :func:`_first_appearance` and :func:`_usable` - row accounting: curves in order of first
  appearance, usable rows;
* :func:`_bucket_plan` and :func:`_pad` - packing curves of similar length into padded blocks for
  the batched solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mgkinetics.batch.guesses import vector_guess as _vector_guess
from mgkinetics.batch.starts import _loop_guess
from mgkinetics.fitting.columns import did_you_mean, find_column, found_columns, header_problem
from mgkinetics.fitting.problem import PreparedTable, as_dataset, prepare_table
from mgkinetics.laws.registry import RateLaw

__all__: list[str] = []  # private helpers of mgkinetics.batch.many


# ----------------------------------------------------------------------------------------------
# Preparing the table (the builder's output)


def _dataset(data, input_units):
    """The table as a Dataset (``(dataset, {})``; the second item is kept for the caller's unpacking)."""
    return as_dataset(data, input_units=input_units), {}


@dataclass(frozen=True)
class _Prepared:
    """The builder's :class:`PreparedTable` (held, not copied) and what the batch adds to it.

    ``inputs`` is ``table.arrays`` plus, for a law that uses conditions, its auxiliary inputs
    computed at each curve's reference conditions; ``labels`` the curve cell of every row;
    ``references`` the distinct reference conditions and ``reference_of_curve`` which one each
    curve (numbered as ``table.keys``) takes.
    """

    table: PreparedTable
    inputs: dict[str, np.ndarray]
    labels: np.ndarray
    references: list = field(default_factory=list)
    reference_of_curve: np.ndarray | None = None

    @property
    def curve(self) -> str:
        """The curve column, as the table names it."""
        return self.table.groups[0]

    @property
    def lines(self) -> np.ndarray:
        """The line of every row in its file."""
        return np.asarray(self.table.dataset.lines)

    @property
    def source(self) -> str:
        return self.table.dataset.source


def _conditioned_inputs(prep: PreparedTable) -> tuple[dict[str, np.ndarray], list, np.ndarray | None]:
    """The auxiliary inputs of a law that uses conditions, for every row, each curve at its own
    reference conditions (those of its first usable row, as :func:`build_problems` takes them)."""
    law, arrays = prep.law, dict(prep.arrays)
    if not law.uses_conditions or law.prepare is None or prep.keys.size == 0 or (prep.keys < 0).all():
        return arrays, [], None
    usable = np.array([r is None for r in prep.reasons], dtype=bool)
    keys = prep.keys
    order = np.flatnonzero(keys >= 0)
    ranked = order[np.argsort(~usable[order], kind="stable")]  # usable rows first
    curves, first = np.unique(keys[ranked], return_index=True)
    first_row = np.full(int(keys.max()) + 1, -1)
    first_row[curves] = ranked[first]
    names = list(prep.conditions)
    ref_rows = np.column_stack([prep.conditions[k][first_row] for k in names])
    refs, which = np.unique(ref_rows, axis=0, return_inverse=True)
    shared = law.shared_unit_inputs[0] if law.shared_unit_inputs else law.inputs[0].name
    extra: dict[str, np.ndarray] = {}
    for j, ref in enumerate(refs):
        rows = np.flatnonzero((keys >= 0) & (np.asarray(which).ravel()[np.maximum(keys, 0)] == j))
        sub = {k: v[rows] for k, v in prep.arrays.items()}
        cond = {
            **{k: prep.conditions[k][rows] for k in names},
            "reference": dict(zip(names, map(float, ref))),
        }
        for name, values in law.prepare(sub, cond, prep.units[shared]).items():
            extra.setdefault(name, np.full(keys.size, np.nan))[rows] = values
    arrays.update(extra)
    references = [dict(zip(names, map(float, ref))) for ref in refs]
    return arrays, references, np.asarray(which).ravel()


def _prepare(
    ds, law: RateLaw, curve: str, columns, rate, weights, factors=None, *, conditions=None, pool: bool = False
) -> _Prepared:
    """The builder's output for the batch (``factors`` is accepted and unused)."""
    if find_column(ds, curve) is None:
        raise header_problem(
            ds, None, f"no curve column '{curve}'; found {found_columns(ds)}{did_you_mean(ds, curve)}"
        )
    prep = prepare_table(
        ds, law, columns=columns, rate=rate, group=[curve], weights=weights, conditions=conditions, pool=pool
    )
    curve_col = prep.groups[0]
    labels = np.asarray(prep.dataset.values[curve_col])
    if labels.dtype.kind != "U":
        labels = labels.astype(str)
    inputs, references, reference_of_curve = _conditioned_inputs(prep)
    return _Prepared(prep, inputs, labels, references, reference_of_curve)


def _block_guess(
    law: RateLaw, prep: _Prepared, punits, idx, inputs, v, valid, counts
) -> dict[str, np.ndarray]:
    """Starting guesses of a padded block of curves ``idx``, with the parameters' condition
    defaults (Kd(MgATP) from the table at each curve's reference conditions), as fit_problem takes them."""
    defaults = {}
    if prep.references:
        ref = prep.reference_of_curve[idx]
        for p in law.params:
            if p.default is not None:
                per_ref = np.array([float(p.default(r, punits[p.name])) for r in prep.references])
                defaults[p.name] = per_ref[ref]
    guess = _vector_guess(law, inputs, v, valid)
    if guess is None and law.guess_takes_defaults:
        guess = {p: np.full(idx.size, np.nan) for p in law.param_names}
        for i in range(idx.size):
            c = counts[i]
            try:
                g = law.guess(
                    {k: a[i, :c] for k, a in inputs.items()},
                    v[i, :c],
                    {k: float(d[i]) for k, d in defaults.items()},
                )
            except (ValueError, FloatingPointError, ZeroDivisionError, IndexError):
                continue
            for k, val in g.items():
                if k in guess and val is not None:
                    guess[k][i] = val
    elif guess is None:
        guess = _loop_guess(law, inputs, v, counts)
    for p in law.params:
        if p.name in defaults:
            g = np.asarray(guess.get(p.name, np.full(idx.size, np.nan)), dtype=float)
            guess[p.name] = defaults[p.name] if not p.vary else np.where(np.isfinite(g), g, defaults[p.name])
    return guess


# ----------------------------------------------------------------------------------------------
# Row accounting


def _first_appearance(keys: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """(number of groups, rank of each key value in order of first appearance, first row of each
    group) for non-negative integer keys; O(n) when the keys are already numbered in order of first
    appearance (as ``pandas.factorize`` numbers them), a sort otherwise."""
    if keys.size == 0:
        return 0, np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    # a key seen for the first time starts a run of equal keys: the running maximum over the run
    # heads alone (a tenth of the rows when curves stand together) rises where the rows' would
    heads = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    top = np.maximum.accumulate(keys[heads])
    rise = np.flatnonzero(np.diff(top) > 0) + 1
    if keys[0] == 0 and np.all(top[rise] - top[rise - 1] == 1):
        first = heads[np.concatenate([[0], rise])]
        return first.size, np.arange(first.size), first
    uniq, first = np.unique(keys, return_index=True)
    order = np.argsort(first, kind="stable")
    rank = np.zeros(int(uniq.max()) + 1, dtype=int)
    rank[uniq[order]] = np.arange(uniq.size)
    return uniq.size, rank, first[order]


def _usable(reasons: list) -> np.ndarray:
    """Rows without a reason to be left out."""
    n = len(reasons)
    if reasons.count(None) == n:
        return np.ones(n, dtype=bool)
    return np.fromiter((r is None for r in reasons), dtype=bool, count=n)


# ----------------------------------------------------------------------------------------------
# Packing curves into padded chunks


def _bucket_plan(counts: np.ndarray, todo: np.ndarray, chunk_size: int) -> list[tuple[int, np.ndarray]]:
    """(padded length, curve indices) chunks: lengths grouped within 25 % so padding stays small."""
    if todo.size == 0:
        return []
    lens = counts[todo]
    key = np.ceil(np.log(lens) / np.log(1.25)).astype(int)
    plan = []
    for k in np.unique(key):
        members = todo[key == k]
        L = int(counts[members].max())
        for start in range(0, members.size, chunk_size):
            plan.append((L, members[start : start + chunk_size]))
    return plan


def _pad(idx: np.ndarray, L: int, starts: np.ndarray, counts: np.ndarray):
    """Row positions (into the curve-sorted arrays) for a padded block, and its validity mask."""
    j = np.arange(L)
    c = counts[idx][:, None]
    valid = j < c
    pos = starts[idx][:, None] + np.minimum(j, c - 1)
    return pos, valid
