"""`mgkinetics fit TRACES --layout LAYOUT`: plate to parameters in one command (issue 10, item 8).

Expected values: the truth the seeded simulator used (`simulate_coupled_plate` metadata: WT kcat
330 1/s, KM 0.06 mM; D84A kcat 1.8 1/s, KM 0.24 mM; values from Nam et al.
2024). The 95 % CIs of the fit must contain them; the rates themselves are checked in test_rates.py.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

from mgkinetics.rates import simulate_coupled_plate


@pytest.fixture(scope="module")
def plate(tmp_path_factory):
    root = tmp_path_factory.mktemp("plate")
    sim = simulate_coupled_plate(wells=96, seed=0)
    sim.traces.to_csv(root / "traces.csv", index=False)
    sim.layout.to_csv(root / "layout.csv", index=False)
    return root, sim


def _fit(root, *extra):
    args = [
        "fit",
        str(root / "traces.csv"),
        "--layout",
        str(root / "layout.csv"),
        "--stoichiometry",
        "2",
        "--substrate",
        "mgatp_mM",
        "--law",
        "michaelis_menten_kcat",
        "--x",
        "mgatp_mM",
        "--enzyme",
        "enzyme_nM",
        "--units",
        "km=mM",
        *extra,
    ]
    return CliRunner().invoke(cli, args)


def test_plate_to_parameters_contains_the_truth(plate):
    root, sim = plate
    res = _fit(root, "--group", "variant", "--format", "json")
    assert res.exit_code == 0, res.output
    fits = {f["group"]["variant"]: f for f in json.loads(res.stdout)["fits"]}
    assert sorted(fits) == ["D84A", "WT"]
    for variant, fit in fits.items():
        kcat_true, km_true = sim.metadata["variants"][variant][:2]
        for name, truth in (("kcat", kcat_true), ("km", km_true)):
            p = fit["parameters"][name]
            assert p["ci_low"] <= truth <= p["ci_high"], (variant, name, p, truth)
    # every well accounted for: sample wells in the fits, the rest named on stderr
    n_sample = int((sim.layout["role"] == "sample").sum())
    assert sum(f["rows"]["used"] for f in fits.values()) == n_sample
    assert f"{n_sample} sample wells" in res.stderr


def test_plate_fit_refuses_to_write_over_the_layout(plate):
    root, _ = plate
    before = (root / "layout.csv").read_bytes()
    res = _fit(root, "--group", "variant", "--format", "csv", "--out", str(root / "layout.csv"))
    assert res.exit_code == 2 and res.stderr.startswith("Error:"), res.output
    assert (root / "layout.csv").read_bytes() == before
