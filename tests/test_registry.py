"""registry.py and the law catalogue: declarations, and a seeded simulate-then-fit round trip
for every registered law (parametrised over ``mgk.list_laws()``, so laws registered later are
covered automatically).

Round trip design (the true values are chosen here; they are the "expected" values):
* the first concentration input (the substrate) at 10 levels, geometric from 0.1 to 30 mM;
* every other concentration input at 4 levels (0, 0.5, 1.5, 4 mM), crossed with the substrate;
* an ``enzyme`` input at 10 nM and 40 nM (two halves of the design);
* optional inputs are left out (the law takes them as 0); auxiliary inputs (speciation Kds) are
  computed by the library from the default conditions;
* true parameters by unit role: rate 10 uM/s, 1/time 50 1/s, concentration 1.0 mM (Ksi 10 mM),
  dimensionless 1.0 (Hill n = 2, alpha = 3);
* 2 % Gaussian noise (SD = 2 % of the largest true rate, constant, so the unweighted fit's
  standard errors are calibrated), seeded from the law name;
* parameters with ``vary=False`` are fixed at their true value.
Each estimate must lie within REL_TOL of the truth, and each true value must lie in the fit's
95 % confidence interval in at least 2 of 3 independent simulated experiments (a correctly
calibrated interval misses twice with probability 3·0.05² ≈ 0.7 %; a single experiment per law
would fail by chance about once per 20 parameters, which 8 laws with 2-4 parameters each exceed:
measured coverage over 150 seeds was 0.93-0.99 for competitive, hill and mixed).
"""

from __future__ import annotations

import inspect
import itertools
import zlib

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk
from mgkinetics.errors import LawError
from mgkinetics.laws import ratelaws
from mgkinetics.laws.classic import SUBSTRATE
from mgkinetics.laws.registry import InputSpec, ParamSpec, RateLaw

#: The declared rate laws (user expression laws other tests may register are unit-free: not these).
LAWS = [law for law in mgk.list_laws() if not getattr(law, "units_optional", False)]
LAW_IDS = [law.name for law in LAWS]

#: relative tolerance |estimate - truth| / truth: about 3 standard errors of this design (the
#: relative SEs measured on it are 1-6 % for most parameters).
REL_TOL = 0.12
#: looser tolerances where the design determines a parameter less well (relative SE measured on
#: this design in brackets): mixed Ki (9-14 %) and alpha (11-17 %); substrate inhibition, whose
#: three parameters are strongly correlated (SE up to 11 %; the asymptotic ellipse is poor there:
#: joint coverage of the true point measured at 85 % over 200 seeds, marginal 94-96 %).
REL_TOL_LOOSE = {
    ("mixed", "ki"): 0.35,
    ("mixed", "alpha"): 0.45,
    ("substrate_inhibition", "vmax"): 0.25,
    ("substrate_inhibition", "km"): 0.25,
    ("substrate_inhibition", "ksi"): 0.25,
}

SUBSTRATE_LEVELS = np.geomspace(0.1, 30.0, 10)
OTHER_LEVELS = (0.0, 0.5, 1.5, 4.0)
ENZYME_LEVELS_NM = (10.0, 40.0)
TRUE_BY_NAME = {"n": 2.0, "alpha": 3.0, "ksi": 10.0}
TRUE_BY_ROLE = {"rate": 10.0, "1/time": 50.0, "1": 1.0}
N_REPLICATES = 3
SUPPORTED_KINDS = ("concentration", "enzyme")


def true_values(law: RateLaw) -> dict[str, float]:
    out = {}
    for p in law.params:
        value = TRUE_BY_NAME.get(p.name, TRUE_BY_ROLE.get(p.unit, 1.0))
        if not p.min < value < p.max:  # keep truth strictly inside the declared bounds
            value = p.min + 0.5 * (p.max - p.min) if np.isfinite(p.max) else p.min + 1.0
        out[p.name] = value
    return out


def column_name(spec: InputSpec) -> str:
    stem = spec.aliases[0] if spec.aliases else spec.name
    return f"{stem}_nM" if spec.kind == "enzyme" else f"{stem}_mM"


def data_inputs(law: RateLaw) -> list[InputSpec]:
    """The inputs that are columns: not auxiliary (computed by the law's ``prepare``), not optional."""
    return [i for i in law.inputs if i.kind != "auxiliary" and not getattr(i, "optional", False)]


def simulate(law: RateLaw, seed: int) -> tuple[pd.DataFrame, dict[str, str], dict[str, float]]:
    """A table for ``law`` built from its InputSpecs only, and the columns mapping and truth.

    The library's own problem builder turns the design into the law's working inputs (unit
    conversion, auxiliary inputs such as speciation Kds at the default conditions), and gives the
    value of every ``vary=False`` parameter's declared default, which is then the truth.
    """
    from mgkinetics.fitting.problem import build_problems
    from mgkinetics.fitting.single import parameter_units

    specs = data_inputs(law)
    conc = [i for i in specs if i.kind == "concentration"]
    enz = [i for i in specs if i.kind == "enzyme"]
    specs = conc + enz
    levels = [SUBSTRATE_LEVELS] + [OTHER_LEVELS] * (len(conc) - 1) + [ENZYME_LEVELS_NM] * len(enz)
    grid = np.array(list(itertools.product(*levels)), dtype=float)
    cols = {column_name(s): grid[:, k] for k, s in enumerate(specs)}
    columns = {s.name: column_name(s) for s in specs}
    frame = pd.DataFrame({**cols, "rate_uM_per_s": np.ones(len(grid))})
    (problem,), _, _ = build_problems(frame, law, columns=columns)
    assert problem.n == len(grid)
    truth = true_values(law)
    punits = parameter_units(law, problem.input_units, problem.rate_unit)
    for p in law.params:
        if not p.vary and getattr(p, "default", None) is not None:
            truth[p.name] = float(p.default(problem.conditions, punits[p.name]))
    clean = np.asarray(law.evaluate(problem.inputs, truth), dtype=float)
    rng = np.random.default_rng(seed)
    frame["rate_uM_per_s"] = clean + 0.02 * np.max(np.abs(clean)) * rng.standard_normal(clean.size)
    return frame, columns, truth


def test_registry_is_not_empty_and_sorted():
    assert {"michaelis_menten", "michaelis_menten_kcat", "competitive", "hill"} <= set(LAW_IDS)
    assert LAW_IDS == sorted(LAW_IDS)


@pytest.mark.parametrize("law", LAWS, ids=LAW_IDS)
def test_declaration_matches_signature(law):
    sig = inspect.signature(law.func)
    assert list(sig.parameters) == list(law.input_names) + list(law.param_names)
    for p in law.params:
        assert p.min < p.max
        assert mgk.get_law(law.name) is law
    for d in law.derived:
        assert d.numerator in law.param_names and d.denominator in law.param_names
        mgk.parse_unit(d.unit)  # the declared derived unit parses
    assert law.formula and law.description


@pytest.mark.parametrize("law", LAWS, ids=LAW_IDS)
def test_simulate_then_fit_round_trip(law):
    unsupported = [i.kind for i in data_inputs(law) if i.kind not in SUPPORTED_KINDS]
    assert not unsupported, f"extend simulate() to build data for input kind(s) {unsupported}"
    covered = {p.name: 0 for p in law.params}
    for replicate in range(N_REPLICATES):
        seed = zlib.crc32(f"{law.name}/{replicate}".encode())
        frame, columns, truth = simulate(law, seed)
        assert np.all(np.isfinite(frame["rate_uM_per_s"])), "the law gives non-finite rates on the design"
        fixed = {p.name: truth[p.name] for p in law.params if not p.vary}
        res = mgk.fit(frame, law.name, columns=columns, fix=fixed)
        assert res.success, res.message
        for p in law.params:
            est = res.parameters[p.name]
            if p.name in fixed:
                assert est.fixed and est.value == truth[p.name]
                covered[p.name] += 1
                continue
            assert est.stderr is not None and est.stderr > 0, p.name
            covered[p.name] += est.ci_low <= truth[p.name] <= est.ci_high
            tol = REL_TOL_LOOSE.get((law.name, p.name), REL_TOL)
            assert est.value == pytest.approx(truth[p.name], rel=tol), (p.name, seed)
    for name, hits in covered.items():
        assert hits >= N_REPLICATES - 1, (
            f"{name}: truth inside the 95% CI in only {hits} of {N_REPLICATES} simulated experiments"
        )
    # units follow the declaration: concentration parameters in mM, rate ones in uM/s, 1/time in 1/s
    for p in law.params:
        unit = res.parameters[p.name].unit.label
        if p.unit == "rate":
            assert unit == "uM/s"
        elif p.unit == "1/time":
            assert unit == "1/s"
        elif p.unit in law.input_names and {i.name: i.kind for i in law.inputs}[p.unit] == "concentration":
            assert unit == "mM"


def test_get_law_unknown_name_suggests():
    with pytest.raises(LawError, match=r"unknown law 'michaelis_mentn'.*did you mean 'michaelis_menten'"):
        mgk.get_law("michaelis_mentn")
    with pytest.raises(ValueError):  # LawError is a ValueError too
        mgk.get_law("no_such_law_at_all")


def test_get_law_passes_rate_law_through():
    law = mgk.get_law("hill")
    assert mgk.get_law(law) is law


def test_law_param_unknown_name():
    with pytest.raises(LawError, match=r"no parameter 'kmm'.*did you mean 'km'"):
        mgk.get_law("michaelis_menten").param("kmm")


VMAX = ParamSpec("vmax", "rate", min=0.0)
KM = ParamSpec("km", "substrate", min=0.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(inputs=(SUBSTRATE,), params=(VMAX,)),  # a parameter missing from the declaration
        dict(inputs=(SUBSTRATE,), params=(KM, VMAX)),  # wrong order
        dict(inputs=(), params=(VMAX, KM)),  # input missing
        dict(inputs=(SUBSTRATE,), params=(VMAX, KM, ParamSpec("extra", "1"))),  # extra parameter
    ],
    ids=["missing-param", "wrong-order", "missing-input", "extra-param"],
)
def test_rate_law_signature_mismatch(kwargs):
    with pytest.raises(LawError, match="declaration lists"):
        RateLaw("bad", ratelaws.michaelis_menten, formula="v", **kwargs)


def test_rate_law_bad_unit_role_and_bounds():
    with pytest.raises(LawError, match="unknown unit role"):
        RateLaw(
            "bad",
            ratelaws.michaelis_menten,
            inputs=(SUBSTRATE,),
            params=(VMAX, ParamSpec("km", "inhibitor")),
            formula="v",
        )
    with pytest.raises(LawError, match="min >= max"):
        RateLaw(
            "bad",
            ratelaws.michaelis_menten,
            inputs=(SUBSTRATE,),
            params=(VMAX, ParamSpec("km", "substrate", min=1.0, max=1.0)),
            formula="v",
        )


def test_register_duplicate_name():
    with pytest.raises(LawError, match="already registered"):
        mgk.register(mgk.get_law("michaelis_menten"))
