"""Model selection (AICc, Akaike weights, F tests) and the Puromycin comparison from R."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import mgkinetics as mgk
from mgkinetics.stats.selection import NESTING, f_test, select_model

S = np.repeat([0.25, 0.5, 1, 2, 4, 8, 16, 32.0, 64.0], 2)
JIT = 1 + np.tile([0.02, -0.02, -0.01, 0.01], 5)[: S.size]


def test_substrate_inhibition_wins_on_haldane_data_with_f_test():
    v = 10 * S / (2 + S * (1 + S / 20)) * JIT
    sel = select_model({"s_mM": S, "rate_uM_per_s": v}, ["michaelis_menten", "substrate_inhibition"])
    assert sel.best.law == "substrate_inhibition"
    assert sum(c.weight for c in sel.candidates if c.ranked) == pytest.approx(1.0, abs=1e-12)
    (t,) = sel.f_tests
    assert t["p_value"] < 1e-4 and t["nesting"] == NESTING[("michaelis_menten", "substrate_inhibition")]


def test_failing_reality_check_is_not_ranked_and_says_why():
    v = 10 * S / (2 + S) * JIT  # MM data: Hill's n is fine, substrate inhibition's ksi runs away
    sel = select_model({"s_mM": S, "rate_uM_per_s": v}, ["michaelis_menten", "substrate_inhibition"])
    si = next(c for c in sel.candidates if c.law == "substrate_inhibition")
    if not si.ranked:
        assert si.reasons and si.weight is None
    assert sel.best.law == "michaelis_menten"


def test_f_test_formula():
    # F = ((10 - 6)/2) / (6/12) = 4, p = F.sf(4, 2, 12)
    from scipy import stats

    out = f_test(10.0, 14, 6.0, 12)
    assert out["F"] == pytest.approx(4.0) and out["p_value"] == pytest.approx(stats.f.sf(4, 2, 12))


def test_cli_select_json(tmp_path):
    from mgkinetics_cli.main import cli

    v = 10 * S / (2 + S * (1 + S / 20)) * JIT
    path = tmp_path / "d.csv"
    path.write_text("s_mM,rate_uM_per_s\n" + "".join(f"{a},{b}\n" for a, b in zip(S, v, strict=False)))
    laws = "michaelis_menten,substrate_inhibition,hill"
    out = CliRunner().invoke(cli, ["select", str(path), "--laws", laws, "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["best"] == "substrate_inhibition" and len(data["candidates"]) == 3


# Puromycin (Treloar 1974, unpublished M.Sc. thesis, Univ. Toronto; R `datasets::Puromycin`,
# Bates & Watts 1988, Appendix A1.3): conc in ppm, rate in counts/min/min. The unit suffixes below
# (_mM, _uM_per_min) are labels only: Michaelis-Menten values do not depend on the unit names.
CONC_T = [0.02, 0.02, 0.06, 0.06, 0.11, 0.11, 0.22, 0.22, 0.56, 0.56, 1.10, 1.10]
RATE_T = [76, 47, 97, 107, 123, 139, 159, 152, 191, 201, 207, 200]
CONC_U = [0.02, 0.02, 0.06, 0.06, 0.11, 0.11, 0.22, 0.22, 0.56, 0.56, 1.10]
RATE_U = [67, 51, 84, 86, 98, 115, 131, 124, 144, 158, 160]


def _puromycin():
    import pandas as pd

    return pd.DataFrame(
        {
            "conc_mM": CONC_T + CONC_U,
            "rate_uM_per_min": RATE_T + RATE_U,
            "state": ["treated"] * 12 + ["untreated"] * 11,
        }
    )


def test_puromycin_separate_fits_match_r_nls():
    # R: nls(rate ~ Vm*conc/(K+conc), Puromycin, subset = state == "treated") gives
    # Vm = 212.7, K = 0.06412; untreated Vm = 160.3, K = 0.04771 (printed to 4 digits).
    res = mgk.fit(_puromycin(), "michaelis_menten", group="state")
    t, u = res["treated"], res["untreated"]
    assert t.parameters["vmax"].value == pytest.approx(212.7, abs=0.05)
    assert t.parameters["km"].value == pytest.approx(0.06412, abs=5e-6)
    assert u.parameters["vmax"].value == pytest.approx(160.3, abs=0.05)
    assert u.parameters["km"].value == pytest.approx(0.04771, abs=5e-6)


def test_puromycin_shared_k_f_test():
    compare = pytest.importorskip("mgkinetics.stats.compare")
    # Bates & Watts (1988, §3.10): a common K is not rejected: extra-SS F(1, 19) ~ 1.7, p ~ 0.2.
    cmp = compare.compare(
        _puromycin(), "michaelis_menten", by="state", reference="untreated", shared=["km"], test=["km"]
    )
    (test,) = cmp.tests
    assert (test.df_num, test.df_den) == (1, 19)
    assert test.p > 0.05
    assert test.f == pytest.approx(1.7, abs=0.05)


def test_selection_reports_r_scale_criteria():
    """select's logLik/AIC/BIC are R's (tests/data/r/nls_golden.json, R's own nls of Puromycin)."""
    import json
    from pathlib import Path

    import pandas as pd

    data = Path(__file__).parent / "data" / "r"
    golden = next(
        c
        for c in json.loads((data / "nls_golden.json").read_text())["fits"]
        if c["case"] == "treated_unweighted"
    )
    frame = pd.read_csv(data / "puromycin.csv")
    frame = frame[frame["state"] == "treated"].drop(columns="state")
    sel = select_model(frame, ["michaelis_menten", "hill"], init={"vmax": 200, "km": 0.1})
    mm = next(c for c in sel.to_dict()["candidates"] if c["law"] == "michaelis_menten")
    for key in ("loglik", "aic", "bic"):
        assert mm[key] == pytest.approx(golden[key], rel=1e-6)
    assert "logLik" in sel.to_text()
