"""Results for people: numbers rounded to their SE, print/repr/HTML of every result, progress, and
the batch table's unit-carrying column names with its side table of excluded rows.

Puromycin (tests/data/report, R datasets::Puromycin): R nls gives treated K = 0.06412 mM with
SE 0.008281 (Bates & Watts 1988), so the estimate must print as ``0.0641 ± 0.0083 mM``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.data import builtin
from mgkinetics.report import progress
from mgkinetics.report.display import estimate_status
from mgkinetics.report.numbers import format_ci, format_pm, format_rough, format_value

DATA = Path(__file__).parent / "data" / "report"


@pytest.fixture(scope="module")
def treated():
    return mgk.fit(DATA / "treated.csv", "michaelis_menten")


@pytest.mark.parametrize(
    "value, se, unit, text",
    [
        (0.064121, 0.008281, "mM", "0.0641 ± 0.0083 mM"),  # SE to 2 digits, value to its decimal
        (212.684, 6.947, "", "212.7 ± 6.9"),
        (330.0614, 2.3436, "1/s", "330.1 ± 2.3 1/s"),
        (1234.0, 567.0, "", "1230 ± 570"),  # SE 570: the value to tens
        (3.09684, 0.0106, "", "3.097 ± 0.011"),
        (5.50e6, 1.1e5, "", "(5.50 ± 0.11)×10⁶"),  # one power of ten for both
        (2.0, None, "mM", "2 mM"),  # no SE: the value alone
        (None, 1.0, "", "-"),
    ],
)
def test_value_rounded_to_its_se(value, se, unit, text):
    assert format_pm(value, se, unit) == text


def test_interval_and_plain_values():
    assert format_ci(0.04571, 0.08253, 0.008281) == "[0.0457, 0.0825]"
    assert format_ci(None, 3.2) == "[?, 3.2]"
    assert format_value(0.000123456) == "0.0001235" and format_value(7.0e-9) == "7.000×10⁻⁹"
    assert format_rough(1.828249898673621e22) == "1.8×10²²"


def test_estimate_prints_as_value_pm_se_unit(treated):
    km = treated.parameters["km"]
    assert str(km) == "0.0641 ± 0.0083 mM"
    assert repr(km) == "<Estimate km = 0.0641 ± 0.0083 mM; 95% CI [0.0457, 0.0826] (asymptotic-t)>"
    assert "<span" in km._repr_html_()


def test_fit_text_names_ci_method_weighting_and_status(treated):
    text = str(treated)
    assert text == repr(treated) + "\n"
    assert "95% CI (asymptotic-t)" in text and "0.0641 ± 0.0083 mM" in text
    assert "weighting: none (unweighted" in text and "status: converged (converged to an interior" in text
    assert "RRateLaw" not in text and "func=" not in text and "Unit(" not in text
    prof = mgk.fit(DATA / "treated.csv", "michaelis_menten", ci="profile")
    assert "95% CI (profile)" in str(prof)


def test_mg_law_text_says_the_conditions():
    res = mgk.fit(
        builtin.path("ak_mgatp_saturation"),
        "mgatp_mm",
        group="variant",
        weights="relative",
        conditions={"ph": 7.2, "temperature_C": 30.0},
    )
    text = str(res["WT"])
    assert "conditions: pH 7.2, 30 °C, I 0.15 M" in text and "ph from option" in text
    out = CliRunner().invoke(
        cli,
        [
            "fit",
            str(builtin.path("ak_mgatp_saturation")),
            "--law",
            "mgatp_mm",
            "--group",
            "variant",
            "--ph",
            "7.2",
            "--temperature",
            "30",
        ],
    )
    assert out.exit_code == 0 and "conditions: pH 7.2, 30 °C" in out.output


def test_html_of_every_result(treated):
    html = treated._repr_html_()
    assert html.startswith('<div class="mgk-fit"><table') and "0.0641 ± 0.0083 mM" in html
    coll = mgk.fit(DATA.parent / "r" / "puromycin.csv", "michaelis_menten", group="state")
    assert coll._repr_html_().count("<table") == 2 and "state=treated" in str(coll)
    cmp = mgk.compare(
        [str(DATA / "treated.csv"), str(DATA / "untreated.csv")], "michaelis_menten", reference="untreated"
    )
    assert "ratios (variant / untreated):" in str(cmp) and "[1.180, 1.493]" in str(cmp)
    assert cmp._repr_html_().count("<table") == 4  # two fits, ratios, sharing tests
    g = mgk.fit_shared([str(DATA / "treated.csv"), str(DATA / "untreated.csv")], "michaelis_menten", ["km"])
    assert "shared: km" in str(g) and "<table" in g._repr_html_()


def test_status_of_an_undetermined_estimate():
    e = mgk.Estimate("kcat", 1.8e22, None, None, None, mgk.parse_unit("1/s"))
    assert estimate_status(e) == "not bounded by the data"
    e = mgk.Estimate("km", 7.0, 5.8, -5.0, 19.0, mgk.parse_unit("mM"))
    assert estimate_status(e).startswith("poorly determined")
    e = mgk.Estimate("km", 7.0, 0.5, 6.0, 8.0, mgk.parse_unit("mM"))
    assert estimate_status(e) == ""


def _batch_frame():
    s = np.tile([0.25, 0.5, 1, 2, 4, 8, 16, 32.0], 3)
    frame = pd.DataFrame(
        {
            "curve": np.repeat(["a", "b", "c"], 8),
            "s_mM": s,
            "rate_uM_per_s": 10 * s / (2 + s) * (1 + 0.03 * np.cos(s)),
        }
    )
    frame.loc[3, "rate_uM_per_s"] = np.nan  # file line 5: an empty rate
    return frame


def test_batch_columns_carry_units_and_excluded_rows_go_to_a_side_table(tmp_path):
    path = tmp_path / "curves.csv"
    _batch_frame().to_csv(path, index=False)
    res = mgk.fit_many(path, "michaelis_menten", curve="curve")
    assert (
        res.columns[:5]
        == ["curve", "vmax_uM_per_s", "vmax_uM_per_s_stderr", "vmax_uM_per_s_ci_low", "vmax_uM_per_s_ci_high"]
        and "km_mM" in res.columns
    )
    assert "michaelis_menten fitted to 3 curves" in str(res) and "<table" in res._repr_html_()
    out = tmp_path / "fits.csv"
    r = CliRunner().invoke(
        cli, ["batch", str(path), "--law", "michaelis_menten", "--curve", "curve", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    side = tmp_path / "fits.excluded.csv"
    assert str(side) in r.stderr and "1 rows excluded" in r.stderr
    assert side.read_text() == "curve,line,reason\na,5,empty 'rate_uM_per_s'\n"
    r = CliRunner().invoke(cli, ["batch", str(path), "--law", "michaelis_menten", "--curve", "curve"])
    assert "excluded: line 5 (curve 'a'): empty 'rate_uM_per_s'" in r.stderr


def test_progress_is_off_unless_asked(capsys):
    assert list(progress.track(range(3), "x")) == [0, 1, 2]
    assert progress.progress_callback("bootstrap") is None
    assert capsys.readouterr().err == ""
    import sys

    buf = io.StringIO()
    real, sys.stderr = sys.stderr, buf
    try:
        assert list(progress.track(range(3), "fits", enabled=True)) == [0, 1, 2]
        cb = progress.progress_callback("bootstrap", enabled=True)
        for i in range(1, 5):
            cb(i, 4)
    finally:
        sys.stderr = real
    assert "fits" in buf.getvalue() and "bootstrap" in buf.getvalue()


def test_cli_shows_no_progress_in_a_pipe(tmp_path):
    r = CliRunner().invoke(
        cli,
        [
            "fit",
            str(DATA / "treated.csv"),
            "--law",
            "michaelis_menten",
            "--ci",
            "bootstrap",
            "--bootstrap",
            "50",
            "--seed",
            "1",
        ],
    )
    assert r.exit_code == 0 and r.stderr == ""  # stderr is not a terminal here
