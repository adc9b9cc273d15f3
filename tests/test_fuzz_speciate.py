"""Speciation property tests (issue 12 item 6): for any valid totals and conditions the species
are finite, non-negative and balance their totals to 1e-9 (relative); invalid input is a
SpeciationError, never another exception.

Mass balance: total(metal) = free(metal) + sum(metal_count x complex of that metal);
total(ligand) = free(ligand) + sum(complexes of that ligand) (the constants table's stoichiometry).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mgkinetics.errors import MgKineticsError
from mgkinetics.speciation.constants import DEFAULT_TABLE
from mgkinetics.speciation.species import speciate

SPECIES = ("Mg", "Ca", "ATP", "ADP", "AMP", "PEP")
concentration = st.one_of(
    st.just(0.0),
    st.floats(1e-9, 1e3, allow_nan=False, allow_infinity=False),
    st.sampled_from([1e-12, 1e-6, 0.001, 1.0, 10.0, 500.0]),
)
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None)


def _balance_errors(result) -> list[str]:
    """Species whose free + complexed amount misses the total by more than 1e-9 relative."""
    bound = {name: np.zeros_like(np.asarray(total, dtype=float)) for name, total in result.totals.items()}
    for name, amount in result.complexes.items():
        spec = DEFAULT_TABLE.complexes[name]
        bound[spec.metal] = bound[spec.metal] + spec.metal_count * np.asarray(amount)
        bound[spec.ligand] = bound[spec.ligand] + np.asarray(amount)
    bad = []
    for name, total in result.totals.items():
        total = np.asarray(total, dtype=float)
        got = np.asarray(result.free[name]) + bound[name]
        if np.any(np.abs(got - total) > 1e-9 * np.maximum(total, 1e-300) + 1e-300):
            bad.append(f"{name}: total {total} vs free + complexes {got}")
    return bad


@FUZZ
@given(
    totals=st.fixed_dictionaries({}, optional={name: concentration for name in SPECIES}),
    ph=st.floats(2, 12),
    temperature=st.floats(0, 100),
    ionic=st.floats(0, 0.5),
    mg2atp=st.booleans(),
)
def test_species_are_finite_non_negative_and_balance_their_totals(totals, ph, temperature, ionic, mg2atp):
    try:
        result = speciate(
            totals,
            ph=ph,
            temperature_C=temperature,
            ionic_strength_M=ionic,
            include=("Mg2ATP",) if mg2atp else (),
        )
    except MgKineticsError:
        return  # e.g. no metal or no ligand given: an error with a message, which is the contract
    for amount in [*result.free.values(), *result.complexes.values()]:
        assert np.all(np.isfinite(amount)) and np.all(np.asarray(amount) >= 0)
    assert _balance_errors(result) == []


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    mg=st.lists(concentration, min_size=1, max_size=6),
    atp=st.lists(concentration, min_size=1, max_size=6),
    ph=st.floats(2, 12),
)
def test_arrays_of_totals_balance_row_by_row(mg, atp, ph):
    n = min(len(mg), len(atp))
    result = speciate({"Mg": np.array(mg[:n]), "ATP": np.array(atp[:n]), "ADP": np.full(n, 0.5)}, ph=ph)
    assert _balance_errors(result) == []


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(
    value=st.one_of(st.floats(), st.integers(-(10**400), 10**400), st.text(max_size=5)),
    where=st.sampled_from(["Mg", "ATP", "ph", "temperature_C", "ionic_strength_M", "kd"]),
)
def test_invalid_values_raise_library_errors_only(value, where):
    totals = {"Mg": 2.0, "ATP": 1.0}
    kw = {}
    if where in totals:
        totals[where] = value
    elif where == "kd":
        kw["kd_mM"] = {"MgATP": value}
    else:
        kw[where] = value
    try:
        result = speciate(totals, **kw)
    except MgKineticsError:
        return
    except (TypeError, ValueError, OverflowError) as exc:  # the failure this test looks for
        raise AssertionError(f"{where}={value!r} raised {type(exc).__name__}: {exc}") from exc
    assert _balance_errors(result) == []
