"""Traces -> initial rates on seeded simulated PK/LDH plates (truth known by construction) and on
hand-built traces whose rate is known exactly.

Tolerances: the brief's acceptance numbers (median relative error <= 2 %, +-2 SE coverage >= 90 %,
95 % CIs of kcat and KM containing the truth). Simulation parameters are science.md §5's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import mgkinetics as mgk
from mgkinetics.errors import DataFormatError, UnitError
from mgkinetics.rates import initial_rates, simulate_coupled_plate
from mgkinetics.rates.linear import fit_initial_line, ols_line
from mgkinetics.rates.quantities import parse_epsilon_per_mM_per_cm, parse_path_length_cm

EL_PER_MM = 6.22 * 0.5  # epsilon (1/(mM cm)) times path (cm) of the simulator


def _rates(plate, **kw):
    traces, layout, truth = plate
    opts = dict(stoichiometry=2, substrate_column="mgatp_mM")
    opts.update(kw)
    table = initial_rates(traces, layout, **opts)
    merged = table.frame.merge(
        truth[["well", "rate_uM_per_s"]].rename(columns={"rate_uM_per_s": "true"}), on="well"
    )
    return table, merged


def _accuracy(merged):
    rel = (merged.rate_uM_per_s - merged.true) / merged.true
    z = (merged.rate_uM_per_s - merged.true) / merged.rate_stderr_uM_per_s
    return float(np.median(np.abs(rel))), float(np.mean(np.abs(z) <= 2))


def test_simulated_96_well_plates_accuracy_and_coverage():
    # four seeded plates, 360 wells: +-2 SE should cover 95 % if the SEs are right; a single
    # plate of 90 wells scatters by +-2.3 % around that, so each plate is held to 85 %
    merged_all = []
    for seed in range(4):
        table, merged = _rates(simulate_coupled_plate(seed=seed))
        assert len(merged) == 90 and table.excluded.empty
        assert (merged.signal_direction == "decrease").all()
        median_rel, coverage = _accuracy(merged)
        assert median_rel <= 0.02 and coverage >= 0.85
        merged_all.append(merged)
    median_rel, coverage = _accuracy(pd.concat(merged_all))
    assert median_rel <= 0.02
    assert coverage >= 0.90


def test_simulated_384_well_plate():
    table, merged = _rates(simulate_coupled_plate(wells=384, seed=7))
    assert len(merged) == 360
    median_rel, coverage = _accuracy(merged)
    assert median_rel <= 0.02 and coverage >= 0.90


def test_linear_method_reports_its_window():
    table, merged = _rates(simulate_coupled_plate(seed=1), method="linear")
    assert (merged.method == "linear").all()
    assert (merged.window_end_s > merged.window_start_s).all()
    assert merged.window_reason.str.startswith("line ").all()
    # where S0 >> Km the line is close to the truth (depletion bias < 1 %)
    high = merged[merged.mgatp_mM >= 1.0]
    assert np.all(np.abs(high.rate_uM_per_s / high.true - 1) < 0.01)
    # wells whose line may be biased by depletion beyond its SE say so, and they hold most misses
    flagged = merged["flags"].str.contains("depletion_bias_exceeds_se")
    z = (merged.rate_uM_per_s - merged.true) / merged.rate_stderr_uM_per_s
    assert flagged.any()
    assert np.mean(np.abs(z[~flagged]) <= 2) > np.mean(np.abs(z[flagged]) <= 2)


@pytest.mark.parametrize("seed", [0, 1])
def test_michaelis_menten_from_rates_csv_contains_truth(seed, tmp_path):
    plate = simulate_coupled_plate(seed=seed)
    table, _ = _rates(plate)
    path = table.to_csv(tmp_path / "rates.csv")
    data = mgk.read_csv(path)
    fits = mgk.fit(
        data,
        "michaelis_menten_kcat",
        x="mgatp_mM",
        enzyme="enzyme_nM",
        y="rate_uM_per_s",
        group="variant",
        weights="sd:rate_stderr_uM_per_s",
    )
    truth = plate.truth
    for variant in ("WT", "D84A"):
        res = fits[variant]
        kcat, km = res.parameters["kcat"], res.parameters["km"]
        assert kcat.unit.label == "1/s" and km.unit.label == "mM"
        t = truth[truth.variant == variant].iloc[0]
        assert kcat.ci_low <= t.kcat_per_s <= kcat.ci_high
        assert km.ci_low <= t.km_mM <= km.ci_high


def test_drifting_blank_is_subtracted_without_bias():
    # drift 25x the default (-5e-5 A/s, ~3 % of the slowest sample's slope)
    plate = simulate_coupled_plate(seed=5, drift_per_s=-5e-5)
    _, merged = _rates(plate)
    median_rel, coverage = _accuracy(merged)
    assert median_rel <= 0.02 and coverage >= 0.90
    rel = (merged.rate_uM_per_s - merged.true) / merged.true
    assert abs(float(np.median(rel))) < 0.005  # unbiased: the signed median error is near 0
    _, raw = _rates(plate, blank=[])  # the same plate without blank subtraction is biased high
    assert float(np.median((raw.rate_uM_per_s - raw.true) / raw.true)) > 0.02
    assert raw["flags"].str.contains("no_blank").all()


def _plate_of(signals: dict[str, np.ndarray], t: np.ndarray, roles=None, extra=None):
    rows = [
        dict(plate=1, well=w, time_s=ti, wavelength_nm=340, temperature_C=25.0, signal=yi)
        for w, y in signals.items()
        for ti, yi in zip(t, y)
    ]
    layout = pd.DataFrame({"well": list(signals), "role": [(roles or {}).get(w, "sample") for w in signals]})
    for col, values in (extra or {}).items():
        layout[col] = [values.get(w, np.nan) for w in signals]
    return pd.DataFrame(rows), layout


def test_negative_trace_stays_negative_with_its_se():
    t = np.arange(0.0, 120.0, 5.0)
    rng = np.random.default_rng(3)
    signals = {f"A{i}": 1.0 - 0.002 * t + 1e-4 * rng.standard_normal(t.size) for i in range(1, 5)}
    signals["B1"] = 0.5 + 0.0005 * t + 1e-4 * rng.standard_normal(t.size)  # rises while the others fall
    traces, layout = _plate_of(signals, t)
    table = initial_rates(traces, layout, stoichiometry=2)
    row = table.frame.set_index("well").loc["B1"]
    expected = 0.0005 / (-2 * EL_PER_MM) * 1000  # uM/s: slope / (n·ε·l), in the decrease direction
    assert row.rate_uM_per_s < 0
    assert row.rate_uM_per_s == pytest.approx(expected, rel=0.02)
    assert row.rate_stderr_uM_per_s > 0
    assert "negative_rate" in row["flags"]
    assert table.metadata["signal_direction"] == "decrease"


def test_sign_increase_makes_a_decreasing_plate_negative():
    t = np.arange(0.0, 60.0, 5.0)
    traces, layout = _plate_of({"A1": 1.0 - 0.001 * t, "A2": 1.0 - 0.002 * t}, t)
    table = initial_rates(traces, layout, sign="increase")
    assert (table.frame.rate_uM_per_s < 0).all()
    assert (table.frame.signal_direction == "increase").all()


def test_flat_trace_three_points_and_nan_reads():
    t = np.arange(0.0, 60.0, 5.0)
    rng = np.random.default_rng(0)
    flat = 0.8 + 1e-3 * rng.standard_normal(t.size)
    falling = 1.0 - 0.002 * t + 1e-4 * rng.standard_normal(t.size)
    with_nan = falling.copy()
    with_nan[[2, 5]] = np.nan
    traces, layout = _plate_of({"A1": flat, "A2": falling, "A3": with_nan, "A4": falling}, t)
    # A4 keeps only 3 reads; A5 has 2 reads, A6 only NaN: both must be excluded with a reason
    traces = traces[~((traces.well == "A4") & (traces.time_s > 10))]
    extra = pd.DataFrame(
        [
            dict(plate=1, well="A5", time_s=s, wavelength_nm=340, temperature_C=25.0, signal=1.0)
            for s in (0.0, 5.0)
        ]
        + [
            dict(plate=1, well="A6", time_s=s, wavelength_nm=340, temperature_C=25.0, signal=np.nan)
            for s in (0.0, 5.0, 10.0)
        ]
    )
    traces = pd.concat([traces, extra], ignore_index=True)
    layout = pd.concat([layout, pd.DataFrame({"well": ["A5", "A6"], "role": "sample"})], ignore_index=True)
    table = initial_rates(traces, layout)
    frame = table.frame.set_index("well")
    assert "no_significant_change" in frame.loc["A1", "flags"]
    assert np.isfinite(frame.loc["A1", "rate_stderr_uM_per_s"])
    assert frame.loc["A3", "flags"].startswith("nan_reads:2")
    assert frame.loc["A3", "n_points"] <= t.size - 2
    assert frame.loc["A4", "n_points"] == 3 and "few_points" in frame.loc["A4", "flags"]
    assert frame.loc["A4", "rate_uM_per_s"] == pytest.approx(0.002 / EL_PER_MM * 1000, rel=0.05)
    excluded = table.excluded.set_index("well")
    assert set(excluded.index) == {"A5", "A6"}
    assert "only 2 finite reads" in excluded.loc["A5", "reason"]
    assert "3 NaN" in excluded.loc["A6", "reason"]


def test_wells_missing_on_either_side_are_reported():
    t = np.arange(0.0, 60.0, 5.0)
    traces, layout = _plate_of({"A1": 1 - 0.001 * t, "A2": 1 - 0.001 * t}, t)
    layout = pd.concat(
        [layout.iloc[:1], pd.DataFrame({"well": ["H12"], "role": ["sample"]})], ignore_index=True
    )
    table = initial_rates(traces, layout)
    reasons = dict(zip(table.excluded.well, table.excluded.reason))
    assert reasons == {"A2": "not in the layout", "H12": "no reads in the traces"}


def test_standard_curve_replaces_epsilon():
    t = np.arange(0.0, 60.0, 5.0)
    rng = np.random.default_rng(1)
    std = {
        f"H{i}": 0.04 + EL_PER_MM * 1e-3 * c + 2e-4 * rng.standard_normal(t.size)
        for i, c in zip(range(1, 6), (0.0, 50.0, 100.0, 200.0, 300.0))
    }  # NADH standards in uM
    signals = {"A1": 1.0 - 0.002 * t + 1e-4 * rng.standard_normal(t.size), **std}
    conc = dict(zip(std, (0.0, 50.0, 100.0, 200.0, 300.0)))
    traces, layout = _plate_of(signals, t, roles={w: "standard" for w in std}, extra={"nadh_uM": conc})
    eps_table = initial_rates(traces, layout)
    with_eps = eps_table.frame.set_index("well").loc["A1"]
    assert sorted(eps_table.excluded.well) == sorted(std)  # unused standards are reported, not dropped
    assert eps_table.excluded.reason.str.contains("standard_column").all()
    with_std = initial_rates(traces, layout, standard_column="nadh_uM")
    row = with_std.frame.set_index("well").loc["A1"]
    assert row.rate_uM_per_s == pytest.approx(with_eps.rate_uM_per_s, rel=0.01)
    assert row.rate_stderr_uM_per_s > with_eps.rate_stderr_uM_per_s  # the curve's SE is propagated
    assert with_std.metadata["standard_wells"] == list(std)


def test_rate_unit_and_plate_read_object(tmp_path):
    t = np.arange(0.0, 60.0, 5.0)
    traces, layout = _plate_of({"A1": 1.0 - 0.002 * t, "A2": 1.0 - 0.001 * t}, t)

    class PlateRead:  # the contract of mgkinetics.data.plates: an object with .frame
        frame = traces

    table = initial_rates(PlateRead(), layout, rate_unit="nM/min")
    assert "rate_nM_per_min" in table.frame and "rate_stderr_nM_per_min" in table.frame
    assert table.frame.rate_nM_per_min.iloc[0] == pytest.approx(0.002 / EL_PER_MM * 1e6 * 60, rel=1e-9)
    path = table.to_csv(tmp_path / "r.csv")
    back = pd.read_csv(path)
    np.testing.assert_allclose(back.rate_nM_per_min, table.frame.rate_nM_per_min, rtol=1e-9)
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]  # no temporary file left behind


def test_bad_tables_list_every_problem():
    traces = pd.DataFrame({"plate": [1, 1], "well": ["A1", "Z9"], "time_s": [0, "x"], "signal": [1.0, 1.0]})
    with pytest.raises(DataFormatError) as err:
        initial_rates(traces, pd.DataFrame({"well": ["A1"], "role": ["sample"]}))
    assert {p.column for p in err.value.problems} == {"wavelength_nm", "temperature_C"}
    traces["wavelength_nm"] = 340
    traces["temperature_C"] = 25
    with pytest.raises(DataFormatError) as err:
        initial_rates(traces, pd.DataFrame({"well": ["A1"], "role": ["sample"]}))
    assert [(p.line, p.column) for p in err.value.problems] == [(3, "well"), (3, "time_s")]
    layout = pd.DataFrame({"well": ["A1", "A1", "B2"], "role": ["sample", "sample", "control"]})
    with pytest.raises(DataFormatError) as err:
        initial_rates(traces.iloc[:1], layout)
    assert [(p.line, p.column) for p in err.value.problems] == [(3, "well"), (4, "role")]


def test_bad_options():
    t = np.arange(0.0, 30.0, 5.0)
    traces, layout = _plate_of({"A1": 1 - 0.001 * t}, t)
    with pytest.raises(UnitError):
        initial_rates(traces, layout, epsilon="6.22")
    with pytest.raises(UnitError):
        initial_rates(traces, layout, rate_unit="mM")
    with pytest.raises(DataFormatError, match="substrate_column"):
        initial_rates(traces, layout, method="progress")
    with pytest.raises(DataFormatError, match="method"):
        initial_rates(traces, layout, method="spline")
    two = pd.concat([traces, traces.assign(wavelength_nm=600)])
    with pytest.raises(DataFormatError, match="choose one with wavelength_nm"):
        initial_rates(two, layout)
    assert len(initial_rates(two, layout, wavelength_nm=600).frame) == 1


@pytest.mark.parametrize(
    "text, value",
    [
        ("6.22/mM/cm", 6.22),
        ("6220/M/cm", 6.22),
        ("6.22 mM^-1 cm^-1", 6.22),
        ("6220 M-1 cm-1", 6.22),
        ("6.22/(mM*cm)", 6.22),
        ("622/mM/m", 6.22),
        ("6.22 µM^-1 cm^-1", 6220.0),
    ],
)
def test_epsilon_forms(text, value):
    assert parse_epsilon_per_mM_per_cm(text) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["6.22", "6.22/mM", "-1/mM/cm", "six/mM/cm"])
def test_epsilon_refused(text):
    with pytest.raises(UnitError):
        parse_epsilon_per_mM_per_cm(text)


def test_path_length():
    assert parse_path_length_cm("0.5cm") == 0.5 and parse_path_length_cm("5 mm") == 0.5
    with pytest.raises(UnitError):
        parse_path_length_cm("0.5")


def test_ols_line_matches_scipy():
    rng = np.random.default_rng(2)
    t = np.linspace(0, 100, 17)
    y = 0.3 - 0.004 * t + 0.01 * rng.standard_normal(t.size)
    slope, se, intercept = ols_line(t, y)
    ref = stats.linregress(t, y)
    assert slope == pytest.approx(ref.slope, rel=1e-12)
    assert se == pytest.approx(ref.stderr, rel=1e-10)
    assert intercept == pytest.approx(ref.intercept, rel=1e-12)


def test_line_window_skips_lag_and_stops_at_curvature():
    t = np.arange(0.0, 300.0, 5.0)
    tau = 15.0
    lagged = 1.0 - 0.002 * (t - tau * (1 - np.exp(-t / tau)))  # coupling lag, traces.md 4.3
    win = fit_initial_line(t, lagged + 2e-4 * np.random.default_rng(0).standard_normal(t.size))
    assert win.start >= 2 and "lag" in win.reason
    assert win.slope == pytest.approx(-0.002, rel=0.01)
    s0 = 0.1  # mM; first-order depletion: signal per mM 6.22, k = 0.001/s (10 % by 105 s)
    curved = 1.0 - 6.22 * s0 * (1 - np.exp(-0.001 * t))
    win = fit_initial_line(
        t, curved + 2e-4 * np.random.default_rng(1).standard_normal(t.size), signal_per_substrate=6.22 * s0
    )
    assert win.stop < t.size
    assert "conversion" in win.reason or "quadratic" in win.reason
    assert abs(win.slope) * t[win.stop - 1] / (6.22 * s0) <= 0.10 + 1e-12


def test_two_plates_each_with_its_own_blank():
    # plate ids as text in the traces (a CSV read as text) and as integers in the layout
    t = np.arange(0.0, 60.0, 5.0)
    rows = []
    for plate, drift in (("1", 1e-4), ("2", -3e-4)):
        for well, y in (("A1", 1.0 - 0.002 * t + drift * t), ("A2", 0.5 + drift * t)):
            rows += [
                dict(plate=plate, well=well, time_s=ti, wavelength_nm=340, temperature_C=25.0, signal=yi)
                for ti, yi in zip(t, y)
            ]
    layout = pd.DataFrame(
        {
            "plate": [1, 1, 2, 2],
            "well": ["A1", "A2", "A1", "A2"],
            "role": ["sample", "blank", "sample", "blank"],
        }
    )
    table = initial_rates(pd.DataFrame(rows), layout, stoichiometry=2)
    assert list(table.frame.plate) == [1, 2]
    np.testing.assert_allclose(table.frame.rate_uM_per_s, 0.002 / (2 * EL_PER_MM) * 1000, rtol=1e-9)
    assert table.excluded.empty
