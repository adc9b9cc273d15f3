"""Global fits and comparisons through the CLI: `fit --shared`, conditions options, `compare`.

Expected values:
* Puromycin (R ``datasets::Puromycin``, Treloar 1974): R ``nls`` fits printed in Bates & Watts
  (1988, §2.3/§3.10) and R's documentation — separate fits treated Vm 212.68, K 0.06412;
  untreated Vm 160.28, K 0.04771; shared K: Vm 208.63 / 166.60, K 0.05797 (SE 0.00591);
  the extra-sum-of-squares test of a shared K gives F(1, 19) = 1.72, p = 0.21.
* Mg-ATP data are simulated here from the library's own law with stated truth (kcat 330 s⁻¹,
  KM 0.06 mM, Kd 0.0672 mM = Alberty's apparent value at pH 7.5, 25 °C, I 0.15 M).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

from mgkinetics.laws.mg_ratelaws import mgatp_mm
from mgkinetics.speciation.constants import apparent_kd
from mgkinetics.speciation.species import total_metal_for_free

PUROMYCIN = """conc_mM,rate_uM_per_min,state
0.02,76,treated
0.02,47,treated
0.06,97,treated
0.06,107,treated
0.11,123,treated
0.11,139,treated
0.22,159,treated
0.22,152,treated
0.56,191,treated
0.56,201,treated
1.1,207,treated
1.1,200,treated
0.02,67,untreated
0.02,51,untreated
0.06,84,untreated
0.06,86,untreated
0.11,98,untreated
0.11,115,untreated
0.22,131,untreated
0.22,124,untreated
0.56,144,untreated
0.56,158,untreated
1.1,160,untreated
"""

KCAT, KM, KD = 330.0, 0.06, 0.0672


def _simulate(atp, mg, rng):
    zeros, ones = np.zeros_like(atp), np.ones_like(atp)
    # enzyme 2 nM = 2e-6 mM; rate in mM/s -> uM/s
    v = (
        mgatp_mm(
            atp,
            mg,
            2e-6 * ones,
            zeros,
            zeros,
            zeros,
            ones,
            0.71 * ones,
            16.2 * ones,
            5.5 * ones,
            kcat=KCAT,
            km=KM,
            kd_mgatp=KD,
        )
        * 1e3
    )
    return v * (1 + 0.04 * rng.standard_normal(v.size))


@pytest.fixture()
def mg_files(tmp_path):
    rng = np.random.default_rng(20261122)
    atp = np.repeat(np.geomspace(0.005, 1, 9), 3)
    mg = total_metal_for_free(1.0, {"ATP": atp})
    mg_t = np.repeat(np.geomspace(0.01, 5, 10), 3)
    atp_t = np.full_like(mg_t, 0.2)
    paths = []
    for name, a, m in (("atp_series", atp, mg), ("mg_titration", atp_t, mg_t)):
        v = _simulate(a, m, rng)
        rows = ["atp_total_mM,mg_total_mM,enzyme_nM,rate_uM_per_s"]
        rows += [f"{float(x)!r},{float(y)!r},2,{float(r)!r}" for x, y, r in zip(a, m, v)]
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join(rows) + "\n")
        paths.append(str(path))
    return paths


def test_shared_kd_global_fit_recovers_truth(mg_files):
    result = CliRunner().invoke(
        cli,
        [
            "fit",
            *mg_files,
            "--law",
            "mgatp_mm",
            "--shared",
            "kd_mgatp,kcat,km",
            "--init",
            "kd_mgatp=0.1",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    params = data["parameters"]
    for name, truth in (("kcat", KCAT), ("km", KM), ("kd_mgatp", KD)):
        est = params[name]
        assert est["ci_low"] < truth < est["ci_high"], (name, est)
    assert set(data["parts"]) == {"atp_series", "mg_titration"}
    assert data["statistics"]["n"] == 27 + 30


def test_conditions_options_set_the_fixed_kd(mg_files):
    result = CliRunner().invoke(
        cli,
        [
            "fit",
            mg_files[0],
            "--law",
            "mgatp_mm",
            "--ph",
            "7.0",
            "--temperature",
            "37",
            "--ionic-strength",
            "0.1",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    fit = json.loads(result.output)["fits"][0]
    expected = apparent_kd("MgATP", ph=7.0, temperature_C=37.0, ionic_strength_M=0.1)
    assert fit["parameters"]["kd_mgatp"]["fixed"] is True
    assert fit["parameters"]["kd_mgatp"]["value"] == pytest.approx(expected, rel=1e-12)
    assert fit["conditions"]["ph"] == 7.0 and "option" in fit["conditions"]["source"]


def test_several_files_fitted_separately_csv_names_source(mg_files):
    result = CliRunner().invoke(cli, ["fit", *mg_files, "--law", "mgatp_mm", "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("source,law,kind,name")
    assert {line.split(",")[0] for line in lines[1:]} == set(mg_files)


def test_compare_reproduces_puromycin(tmp_path):
    path = tmp_path / "puromycin.csv"
    path.write_text(PUROMYCIN)
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(path),
            "--law",
            "michaelis_menten",
            "--by",
            "state",
            "--reference",
            "treated",
            "--shared",
            "km",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    treated = data["variants"]["treated"]["parameters"]
    untreated = data["variants"]["untreated"]["parameters"]
    assert treated["vmax"]["value"] == pytest.approx(212.68, rel=5e-5)
    assert treated["km"]["value"] == pytest.approx(0.06412, rel=5e-4)
    assert untreated["vmax"]["value"] == pytest.approx(160.28, rel=5e-5)
    assert untreated["km"]["value"] == pytest.approx(0.04771, rel=5e-4)
    shared = data["shared_fit"]["parameters"]
    assert shared["km"]["value"] == pytest.approx(0.05797, rel=5e-4)
    assert shared["km"]["stderr"] == pytest.approx(0.00591, rel=2e-3)
    assert shared["vmax[treated]"]["value"] == pytest.approx(208.63, rel=5e-5)
    assert shared["vmax[untreated]"]["value"] == pytest.approx(166.60, rel=5e-5)
    km_test = next(t for t in data["tests"] if t["parameter"] == "km")
    assert km_test["f"] == pytest.approx(1.72, abs=0.01)
    assert km_test["p"] == pytest.approx(0.21, abs=0.01)
    assert km_test["preferred"] == "shared"
    ratio = data["ratios"]["vmax"]
    assert ratio["ci_low"] < ratio["value"] < ratio["ci_high"]
    assert ratio["value"] == pytest.approx(160.28 / 212.68, rel=1e-3)


def test_shared_rejects_csv_format(mg_files):
    result = CliRunner().invoke(
        cli, ["fit", *mg_files, "--law", "mgatp_mm", "--shared", "kcat", "--format", "csv"]
    )
    assert result.exit_code == 2
    assert "Error:" in result.output


def test_unidentifiable_fit_is_reported_not_hidden(mg_files):
    """Kd and KM of a series at constant free Mg trade off exactly (the MgATP fraction is the same
    in every row), so freeing Kd cannot converge: the result says so, the output is still written,
    and the CLI exits 2."""
    result = CliRunner().invoke(
        cli, ["fit", mg_files[0], "--law", "mgatp_mm", "--init", "kd_mgatp=0.1", "--format", "json"]
    )
    assert result.exit_code == 2
    payload = result.output[: result.output.index("Error:")] if "Error:" in result.output else result.output
    fit = json.loads(payload)["fits"][0]
    assert fit["success"] is False
    assert any("did not converge" in w for w in fit["warnings"])
    assert any("correlated" in w for w in fit["warnings"])
    assert "did not converge" in result.output[result.output.index("Error:") :]


def test_compare_files_without_variant_column_and_bootstrap(tmp_path):
    """Two files, no 'state' column: each file is a variant named by its stem. Bootstrap CIs
    of the ratio are reproducible with --seed and bracket the point estimate."""
    lines = PUROMYCIN.strip().splitlines()
    header = "conc_mM,rate_uM_per_min"
    treated = [",".join(r.split(",")[:2]) for r in lines[1:] if r.endswith("untreated") is False]
    untreated = [",".join(r.split(",")[:2]) for r in lines[1:] if r.endswith(",untreated")]
    (tmp_path / "treated.csv").write_text("\n".join([header, *treated]) + "\n")
    (tmp_path / "untreated.csv").write_text("\n".join([header, *untreated]) + "\n")
    args = [
        "compare",
        str(tmp_path / "treated.csv"),
        str(tmp_path / "untreated.csv"),
        "--law",
        "michaelis_menten",
        "--by",
        "state",
        "--test",
        "km",
        "--ci",
        "bootstrap",
        "--bootstrap",
        "400",
        "--seed",
        "7",
        "--format",
        "json",
    ]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    data = json.loads(first.output)
    assert data["reference"] == "treated" and set(data["variants"]) == {"treated", "untreated"}
    ratio = data["ratios"]["vmax"]
    assert ratio["ci_method"].startswith("bootstrap-case")
    assert ratio["ci_low"] < ratio["value"] < ratio["ci_high"]
    # same published separate fits as with one file
    assert data["variants"]["untreated"]["parameters"]["km"]["value"] == pytest.approx(0.04771, rel=5e-4)
    again = CliRunner().invoke(cli, args)
    assert json.loads(again.output)["ratios"] == data["ratios"]


def test_compare_accounts_for_rows_without_variant(tmp_path):
    path = tmp_path / "puromycin.csv"
    path.write_text(PUROMYCIN + "0.5,100,\n")  # line 25: no state
    result = CliRunner().invoke(
        cli,
        [
            "compare",
            str(path),
            "--law",
            "michaelis_menten",
            "--by",
            "state",
            "--test",
            "km",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unassigned_rows"] == [{"line": 25, "reason": "group column 'state' is empty"}]
    used = sum(v["rows"]["used"] for v in data["variants"].values())
    assert used + len(data["unassigned_rows"]) == 24  # every data row accounted for


def test_shared_fit_accounts_for_rows_without_group(tmp_path):
    """A row with an empty group cell is listed in the global fit's output, not dropped."""
    path = tmp_path / "puromycin.csv"
    path.write_text(PUROMYCIN + "0.5,100,\n")  # line 25: no state
    result = CliRunner().invoke(
        cli,
        [
            "fit",
            str(path),
            "--law",
            "michaelis_menten",
            "--group",
            "state",
            "--shared",
            "km",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["unassigned_rows"] == [{"line": 25, "reason": "group column 'state' is empty"}]
    assert data["parameters"]["km"]["value"] == pytest.approx(0.05797, rel=5e-4)
    text = CliRunner().invoke(
        cli, ["fit", str(path), "--law", "michaelis_menten", "--group", "state", "--shared", "km"]
    )
    assert "line 25: group column 'state' is empty" in text.output
