"""A curve whose every rate is 0 (a dead mutant, a negative control) in ``fit_many``: the same
result as :func:`mgkinetics.fit` gives it (issue 12: one status vocabulary for fit and batch).

Expected values come from ``mgk.fit`` on the same file, group by group; the live curve checks that
the rule touches only the dead one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk

S_UM = np.array([0.5, 1, 2, 4, 8, 16, 32.0])


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    live = 10 * S_UM / (3 + S_UM) * (1 + 0.02 * np.cos(S_UM))
    rows = [("live", s, v) for s, v in zip(S_UM, live, strict=True)]
    rows += [("dead", s, 0.0) for s in S_UM]
    path = tmp_path_factory.mktemp("dead") / "dead.csv"
    pd.DataFrame(rows, columns=["curve", "S (uM)", "v (uM/s)"]).to_csv(path, index=False)
    return mgk.read_csv(path)


@pytest.mark.parametrize("law", ["michaelis_menten", "hill", "substrate_inhibition"])
def test_dead_curve_is_reported_as_fit_reports_it(table, law):
    many = mgk.fit_many(table, law, curve="curve")
    single = {f.group["curve"]: f for f in mgk.fit(table, law, group="curve").fits}
    curves = list(many.curves)
    i, dead = curves.index("dead"), single["dead"]
    assert many.status[i] == dead.status == "not_identifiable"
    assert many.status_reason[i] == dead.status_reason
    assert [w.code for w in many.warnings[i]] == ["no_activity"] == [w.code for w in dead.warnings]
    assert not many.success[i] and not dead.success
    for name, estimate in dead.parameters.items():
        j = many.names.index(name)
        assert many.values[i, j] == estimate.value  # 0 for vmax, the law's start otherwise
        assert math.isnan(many.stderr[i, j]) and estimate.stderr is None
    assert many.values[i, many.names.index("vmax")] == 0.0
    assert math.isnan(many.aicc[i]) and math.isnan(many.bic[i])
    live = curves.index("live")  # untouched: as fit reports it
    assert many.status[live] == single["live"].status  # substrate inhibition: ksi not bounded


@pytest.mark.parametrize("law", ["michaelis_menten", "hill"])
def test_the_live_curve_beside_a_dead_one_fits_as_alone(table, law):
    many = mgk.fit_many(table, law, curve="curve")
    live = next(f for f in mgk.fit(table, law, group="curve").fits if f.group["curve"] == "live")
    i = list(many.curves).index("live")
    assert many.status[i] == live.status == "converged"
    for name, estimate in live.parameters.items():
        assert many.values[i, many.names.index(name)] == pytest.approx(estimate.value, rel=1e-6)


def test_a_fixed_parameter_keeps_its_value_on_a_dead_curve(table):
    many = mgk.fit_many(table, "hill", curve="curve", fix={"n": 2.0})
    i = list(many.curves).index("dead")
    assert many.status[i] == "not_identifiable"
    assert many.values[i, many.names.index("n")] == 2.0 and many.values[i, many.names.index("vmax")] == 0.0


def test_a_ki_like_constant_beyond_the_data_is_not_bounded_in_fit_and_batch(table):
    """Substrate inhibition on Michaelis–Menten data: Ksi runs to ~1e16 µM with a relative SE of
    ~1e13. It used to be "converged to an interior optimum"; by the shared rule (beyond 10× the
    highest S, relative SE > 50 %) it is not bounded, in fit and fit_many alike."""
    fit = next(
        f for f in mgk.fit(table, "substrate_inhibition", group="curve").fits if f.group["curve"] == "live"
    )
    ksi = fit.parameters["ksi"]
    assert ksi.value > 10 * S_UM.max() and ksi.stderr / ksi.value > 0.5  # the premise
    assert fit.status == "not_bounded" and "ksi" in fit.status_reason and not fit.success
    many = mgk.fit_many(table, "substrate_inhibition", curve="curve")
    assert many.status[list(many.curves).index("live")] == "not_bounded"
