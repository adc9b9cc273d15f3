"""Replicate weighting warns when the replicate SDs are too few to weight by (issue 12, item 6).

The warning is a Python :class:`FewReplicatesWarning` at build time *and* a coded fit warning
(``few_replicates`` in :data:`mgkinetics.errors.WARNING_CODES`) on every result that used such
weights: single fits, global fits, ``fit_many`` curves, comparisons, the CLI's text/JSON/CSV and
the report. Its message points to ``--weights power``.
"""

from __future__ import annotations

import csv
import io
import json
import warnings

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

import mgkinetics as mgk
from mgkinetics.errors import WARNING_CODES
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.fitting.weighting import MIN_REPLICATES, FewReplicatesWarning, few_replicates_by_group

S = np.array([0.5, 1, 2, 4, 8, 16.0])


def _data(reps: int, seed: int = 0, vmax: float = 10.0):
    rng = np.random.default_rng(seed)
    s = np.repeat(S, reps)
    v = vmax * s / (2 + s) * (1 + 0.05 * rng.standard_normal(s.size))
    return {"s_mM": s, "rate_uM_per_s": v}


def _two_variants(reps_a: int, reps_b: int) -> dict:
    a, b = _data(reps_a, 1), _data(reps_b, 2, vmax=6.0)
    return {
        "variant": ["WT"] * a["s_mM"].size + ["M1"] * b["s_mM"].size,
        "s_mM": np.r_[a["s_mM"], b["s_mM"]],
        "rate_uM_per_s": np.r_[a["rate_uM_per_s"], b["rate_uM_per_s"]],
    }


def _codes(warnings_) -> list:
    return [getattr(w, "code", None) for w in warnings_]


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewReplicatesWarning)
        return fn(*args, **kwargs)


def test_three_replicates_warn_with_a_code():
    with pytest.warns(FewReplicatesWarning) as caught:
        build_problems(_data(3), "michaelis_menten", weights="replicates")
    w = caught[0].message
    assert w.code == "few_replicates" and w.levels == 6 and w.fewest == 3
    assert isinstance(w, mgk.errors.MgKineticsWarning) and "[few_replicates]" in str(w)
    assert "--weights power" in str(w)


def test_enough_replicates_and_other_schemes_are_silent():
    assert MIN_REPLICATES == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewReplicatesWarning)
        build_problems(_data(4), "michaelis_menten", weights="replicates")
        build_problems(_data(3), "michaelis_menten", weights="replicates:pooled")
        build_problems(_data(3), "michaelis_menten", weights="relative")
    res = mgk.fit(_data(4), "michaelis_menten", weights="replicates")
    assert "few_replicates" not in _codes(res.warnings)


def test_few_replicates_is_a_fit_warning_of_a_single_fit():
    assert "few_replicates" in WARNING_CODES
    res = _quiet(mgk.fit, _data(3), "michaelis_menten", weights="replicates")
    (w,) = [w for w in res.warnings if w.code == "few_replicates"]
    assert w.details == {"levels": 6, "fewest": 3}
    assert "--weights power" in w and "weights='power'" in w
    out = res.to_dict()
    assert "few_replicates" in out["warning_codes"] and str(w) in out["warnings"]


def test_levels_are_counted_per_group_and_only_where_few():
    """WT has 3 replicates per level, M1 has 4: only WT is warned, in fit and fit_many alike."""
    data = _two_variants(3, 4)
    coll = _quiet(mgk.fit, data, "michaelis_menten", group="variant", weights="replicates")
    assert "few_replicates" in _codes(coll["WT"].warnings)
    assert "few_replicates" not in _codes(coll["M1"].warnings)
    many = _quiet(mgk.fit_many, data, "michaelis_menten", curve="variant", weights="replicates")
    by_curve = dict(zip(list(many.curves), many.warnings))
    assert any(getattr(w, "code", None) == "few_replicates" for w in by_curve["WT"])
    assert not any(getattr(w, "code", None) == "few_replicates" for w in by_curve["M1"])
    assert "fewer than 4 replicates" in many.to_frame().set_index("variant").loc["WT", "warnings"]


def test_few_replicates_by_group_counts_each_group():
    ids = np.repeat([0, 1, 2], [6, 8, 4])
    s = np.r_[np.repeat([1.0, 2.0], 3), np.repeat([1.0, 2.0], 4), [1.0, 1.0, 2.0, 2.0]]
    few = few_replicates_by_group({"s": s}, np.arange(s.size, dtype=float), ids)
    assert sorted(few) == [0, 2]
    assert few[0].details == {"levels": 2, "fewest": 3} and few[2].details == {"levels": 2, "fewest": 2}


def test_global_fit_lists_each_data_sets_warning():
    problems, _, _ = _quiet(
        build_problems, _two_variants(3, 3), "michaelis_menten", group="variant", weights="replicates"
    )
    g = fit_global(problems, ["km"])
    few = [w for w in g.warnings if w.code == "few_replicates"]
    assert sorted(w.split(":")[0] for w in few) == ["M1", "WT"]
    assert all("few_replicates" in _codes(part.warnings) for part in g.parts)


def test_compare_fits_carry_the_warning():
    c = _quiet(mgk.compare, _two_variants(3, 3), "michaelis_menten", by="variant", weights="replicates")
    assert all("few_replicates" in _codes(f.warnings) for f in c.fits.values())
    assert "few_replicates" in c.to_dict()["variants"]["WT"]["warning_codes"]


@pytest.fixture()
def three_reps_csv(tmp_path):
    d = _data(3)
    path = tmp_path / "three.csv"
    path.write_text(
        "s_mM,rate_uM_per_s\n" + "".join(f"{s},{v:.6g}\n" for s, v in zip(d["s_mM"], d["rate_uM_per_s"]))
    )
    return path


@pytest.mark.parametrize("fmt", ["text", "json", "csv"])
def test_cli_outputs_show_the_warning(three_reps_csv, fmt):
    res = CliRunner().invoke(
        cli,
        ["fit", str(three_reps_csv), "--law", "michaelis_menten", "--weights", "replicates", "--format", fmt],
    )
    assert res.exit_code == 0, res.output
    if fmt == "json":
        (fit,) = (
            json.loads(res.stdout)["fits"] if "fits" in json.loads(res.stdout) else [json.loads(res.stdout)]
        )
        assert "few_replicates" in fit["warning_codes"]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(res.stdout)))
        assert rows and all("few_replicates" in r["warning_codes"].split(";") for r in rows)
        assert all(r["weighting"].startswith("replicates") for r in rows)
    else:
        assert "warning:" in res.stdout and "--weights power" in res.stdout


def test_report_notes_carry_the_warning(three_reps_csv):
    from mgkinetics.report.analyses import run_analysis
    from mgkinetics.report.spec import Analysis

    section = _quiet(
        run_analysis, Analysis("w", (three_reps_csv,), law="michaelis_menten", weights="replicates")
    )
    assert any(getattr(n, "code", None) == "few_replicates" for n in section.notes)
