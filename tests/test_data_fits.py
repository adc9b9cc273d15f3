"""data/ + fitting/problem.py end to end: every layout of the same numbers gives the same fit (issue 10
Done-when), no silent pooling, unused columns listed, temperature_K honoured, fit_many = fit (issue 9).

The reference is the fit of the tidy CSV of the same numbers; the other layouts must match it to
1e-9 relative (they hold the same decimal strings, so the fits are the same computation).
"""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

import mgkinetics as mgk
from mgkinetics.ak import design as akdesign
from mgkinetics.errors import DataFormatError

S_MM = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
# three replicates per level, 10 * S / (2 + S) with fixed multiplicative noise (written with 6 digits)
NOISE = [(1.03, 0.98, 1.01), (0.97, 1.02, 1.00), (1.01, 0.99, 1.04), (0.98, 1.03, 0.99),
         (1.02, 0.97, 1.01), (0.99, 1.01, 0.98), (1.00, 1.02, 0.97)]  # fmt: skip
RATES = [[f"{10 * s / (2 + s) * k:.6g}" for k in ks] for s, ks in zip(S_MM, NOISE)]


def tidy_text() -> str:
    rows = [f"{s},{r}" for s, reps in zip(S_MM, RATES) for r in reps]
    return "s_mM,rate_uM_per_min\n" + "\n".join(rows) + "\n"


def km_vmax(res) -> tuple[float, float]:
    return res.parameters["km"].value, res.parameters["vmax"].value


@pytest.fixture
def reference(tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text(tidy_text())
    res = mgk.fit(path, "michaelis_menten")
    assert res.statistics.n == 21
    return km_vmax(res)


def same_fit(res, reference):
    assert km_vmax(res) == pytest.approx(reference, rel=1e-9)
    assert res.statistics.n == 21


def test_prism_style_wide_sheet(tmp_path, reference):
    lines = ["X,Y1,Y2,Y3"] + [f"{s},{','.join(reps)}" for s, reps in zip(S_MM, RATES)]
    path = tmp_path / "prism.csv"
    path.write_text("\n".join(lines) + "\n")
    res = mgk.fit(path, "michaelis_menten", input_units={"X": "mM", "Y": "uM/min"})
    same_fit(res, reference)
    ds = mgk.read_csv(path, input_units={"X": "mM", "Y": "uM/min"})
    assert ds.columns == ("X", "Y", "replicate") and ds.values["replicate"][:3].tolist() == ["1", "2", "3"]
    assert ds.lines[:4].tolist() == [2, 2, 2, 3]  # every long row keeps the line it came from


def test_named_replicates_recognised_and_declared(tmp_path, reference):
    lines = ["S (mM),Rate 1 (uM/min),Rate 2 (uM/min),Rate 3 (uM/min)"]
    lines += [f"{s},{','.join(reps)}" for s, reps in zip(S_MM, RATES)]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines) + "\n")
    same_fit(mgk.fit(path, "michaelis_menten"), reference)
    same_fit(mgk.fit(mgk.read_csv(path, wide="Rate *"), "michaelis_menten"), reference)


def test_xlsx(tmp_path, reference):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["[S] (mM)", "v [µM/min]"])
    for s, reps in zip(S_MM, RATES):
        for r in reps:
            ws.append([s, float(r)])
    path = tmp_path / "rates.xlsx"
    wb.save(path)
    same_fit(mgk.fit(path, "michaelis_menten"), reference)


def test_decimal_comma_file(tmp_path, reference):
    rows = [f"{str(s).replace('.', ',')};{r.replace('.', ',')}" for s, reps in zip(S_MM, RATES) for r in reps]
    path = tmp_path / "komma.csv"
    path.write_bytes(("\ufeffS (mM);Rate (uM/min)\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    same_fit(mgk.fit(path, "michaelis_menten"), reference)


def test_units_in_brackets(tmp_path, reference):
    rows = [f"{s},{r}" for s, reps in zip(S_MM, RATES) for r in reps]
    path = tmp_path / "brackets.csv"
    path.write_text("[ATP] mM,Rate (uM/min)\n" + "\n".join(rows) + "\n")
    res = mgk.fit(path, "michaelis_menten", x="ATP")
    same_fit(res, reference)
    assert res.columns["substrate"] == "[ATP] mM"


def test_two_variants_without_group_are_refused(tmp_path):
    rows = [f"{v},{s},{r}" for v in ("WT", "D84A") for s, reps in zip(S_MM, RATES) for r in reps]
    path = tmp_path / "two.csv"
    path.write_text("variant,s_mM,rate_uM_per_min\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataFormatError) as exc:
        mgk.fit(path, "michaelis_menten")
    message = str(exc.value)
    assert "'variant'" in message and "'WT', 'D84A'" in message and "--group variant" in message
    assert mgk.fit(path, "michaelis_menten", pool=True).statistics.n == 42
    assert len(mgk.fit(path, "michaelis_menten", group="variant")) == 2
    from mgkinetics_cli.main import cli

    result = CliRunner().invoke(cli, ["fit", str(path), "--law", "michaelis_menten"])
    assert result.exit_code == 2 and "--group variant" in result.output
    result = CliRunner().invoke(cli, ["fit", str(path), "--law", "michaelis_menten", "--pool"])
    assert result.exit_code == 0, result.output


def test_unused_columns_are_listed_and_a_second_rate_is_an_error(tmp_path):
    path = tmp_path / "extra.csv"
    rows = "1,2,0.1,3,x\n2,3,0.1,3,x\n4,4,0.2,3,x\n8,4.5,0.2,3,x\n"
    path.write_text("S (mM),Rate (uM/min),SD (uM/min),n,Temp\n" + rows)
    res = mgk.fit(path, "michaelis_menten")
    assert res.columns["unused"] == "SD (uM/min), n"
    second = tmp_path / "second.csv"
    second.write_text("S (mM),Rate A (uM/min),Rate B (uM/min)\n1,2,2\n2,3,3\n4,4,4\n")
    with pytest.raises(DataFormatError, match="choose one with --y"):
        mgk.fit(second, "michaelis_menten")
    assert mgk.fit(second, "michaelis_menten", y="Rate B (uM/min)").columns["unused"] == "Rate A (uM/min)"


def _mg_frame(temperature_column: dict | None = None):
    """A seeded Mg titration with AMP and PEP in the mass balance, simulated at 25 °C with the
    library's own law (the rates only need to be positive and law-shaped for these comparisons)."""
    rng = np.random.default_rng(11)
    mg = np.tile(np.geomspace(0.05, 5.0, 8), 3)
    totals = {"atp_total": np.full_like(mg, 0.5), "mg_total": mg, "amp_total": np.full_like(mg, 0.2),
              "pep_total": np.full_like(mg, 0.3)}  # fmt: skip
    v = akdesign.ak_rates(totals, 0.01, {"kcat": 100.0, "km": 0.1}, law="mgatp_mm")
    frame = {"curve": np.repeat(["a", "b", "c"], 8), "atp_total_mM": totals["atp_total"], "mg_total_mM": mg,
             "amp_total_mM": totals["amp_total"], "pep_total_mM": totals["pep_total"], "enzyme_nM": 10.0,
             "rate_uM_per_s": v * (1 + 0.03 * rng.standard_normal(v.size))}  # fmt: skip
    return {**frame, **(temperature_column or {})}


def test_temperature_K_column_is_honoured_in_a_mg_fit():
    with_k = mgk.fit(_mg_frame({"temperature_K": np.full(24, 310.15)}), "mgatp_mm", group="curve")
    with_option = mgk.fit(_mg_frame(), "mgatp_mm", group="curve", conditions={"temperature_C": 37.0})
    at_25 = mgk.fit(_mg_frame(), "mgatp_mm", group="curve")
    for a, b, c in zip(with_k, with_option, at_25):
        assert a.conditions["temperature_C"] == pytest.approx(37.0, abs=1e-9)
        assert "column 'temperature_K'" in a.conditions["source"]
        assert a.parameters["kcat"].value == pytest.approx(b.parameters["kcat"].value, rel=1e-9)
        # the fixed Kd(MgATP) comes from the table at 37 °C, not 25 °C
        assert a.parameters["kd_mgatp"].value != pytest.approx(c.parameters["kd_mgatp"].value, rel=1e-3)


def test_fit_many_equals_fit_on_a_mg_law_with_amp_pep_and_replicate_weights():
    frame = _mg_frame()
    single = mgk.fit(frame, "mgatp_mm", group="curve", weights="replicates:pooled")
    many = mgk.fit_many(frame, "mgatp_mm", curve="curve", weights="replicates:pooled")
    names = list(many.names)
    for i, f in enumerate(single):
        for p in ("kcat", "km"):
            assert many.values[i, names.index(p)] == pytest.approx(f.parameters[p].value, rel=1e-6)


def test_fit_many_takes_conditions():
    frame = _mg_frame()
    a = mgk.fit_many(frame, "mgatp_mm", curve="curve", conditions={"temperature_K": 310.15})
    b = mgk.fit_many({**frame, "T [K]": np.full(24, 310.15)}, "mgatp_mm", curve="curve")
    np.testing.assert_allclose(a.values, b.values, rtol=1e-9)
