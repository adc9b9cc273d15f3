"""The `mgkinetics` command line through click's CliRunner (and one subprocess for start-up).

Contract: results on stdout in text/json/csv; user errors as "Error: ..." on stderr, exit code 2,
naming the line and column, no traceback unless --debug.
"""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

S = np.array([0.5, 1, 2, 4, 8, 16.0])
MM_CSV = "s_mM,rate_uM_per_s\n" + "".join(f"{s},{float(10 * s / (2 + s))!r}\n" for s in S)
#: ±1e-9 relative wobble where a fit could hit RSS = 0 exactly (zero-width errors: not_identifiable)
WOBBLE = 1 + 1e-9 * np.array([1, -1, 1, -1, -1, 1])
MM_CSV_NOISY = "s_mM,rate_uM_per_s\n" + "".join(
    f"{s},{float(10 * s / (2 + s) * w)!r}\n" for s, w in zip(S, WOBBLE)
)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_user_error(result, *fragments):
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stderr.startswith("Error:"), result.stderr
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert result.stdout == ""
    for frag in fragments:
        assert frag in result.stderr, (frag, result.stderr)


def test_help_and_version():
    res = run("--help")
    assert res.exit_code == 0 and "fit" in res.stdout and "laws" in res.stdout
    res = run("--version")
    assert res.exit_code == 0
    import mgkinetics

    assert mgkinetics.__version__ in res.stdout
    assert run("fit", "--help").exit_code == 0


def test_fit_text(write_csv):
    res = run("fit", write_csv(MM_CSV_NOISY), "--law", "michaelis_menten")
    assert res.exit_code == 0, res.output
    assert "michaelis_menten fit of" in res.stdout
    assert "vmax" in res.stdout and "uM/s" in res.stdout and "status: converged" in res.stdout
    line = next(ln for ln in res.stdout.splitlines() if ln.strip().startswith("km"))
    # data 1e-9 off exact: KM = 2 mM to 1e-7, shown with its (tiny) SE and the unit
    assert float(line.split()[1]) == pytest.approx(2.0, rel=1e-7) and "mM" in line.split()


def test_fit_json(write_csv):
    res = run("fit", write_csv(MM_CSV_NOISY), "--law", "michaelis_menten", "--format", "json")
    assert res.exit_code == 0, res.output
    (fit,) = json.loads(res.stdout)["fits"]
    assert fit["law"] == "michaelis_menten" and fit["success"] is True
    assert fit["parameters"]["km"]["value"] == pytest.approx(2.0, rel=1e-7)
    assert fit["parameters"]["km"]["unit"] == "mM"
    assert fit["parameters"]["vmax"]["unit"] == "uM/s"
    assert fit["statistics"]["n"] == 6 and fit["rows"] == {"used": 6, "excluded": []}


def test_fit_csv(write_csv):
    res = run("fit", write_csv(MM_CSV_NOISY), "--law", "michaelis_menten", "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["name"] for r in rows] == ["vmax", "km"]
    assert float(rows[1]["value"]) == pytest.approx(2.0, rel=1e-7)
    assert rows[1]["unit"] == "mM" and rows[0]["kind"] == "parameter"


def test_fit_out_file(write_csv, tmp_path):
    out = tmp_path / "result.json"
    res = run("fit", write_csv(MM_CSV_NOISY), "--law", "michaelis_menten", "--format", "json", "--out", out)
    assert res.exit_code == 0 and res.stdout == ""
    vmax = json.loads(out.read_text())["fits"][0]["parameters"]["vmax"]
    assert vmax["value"] == pytest.approx(10, rel=1e-7)


def test_fit_units_option(write_csv):
    res = run(
        "fit",
        write_csv(MM_CSV_NOISY),
        "--law",
        "michaelis_menten",
        "--format",
        "json",
        "--units",
        "km=uM",
        "--units",
        "vmax=nM/min",
    )
    assert res.exit_code == 0, res.output
    p = json.loads(res.stdout)["fits"][0]["parameters"]
    assert p["km"]["unit"] == "uM" and p["km"]["value"] == pytest.approx(2000.0, rel=1e-7)
    assert p["vmax"]["unit"] == "nM/min" and p["vmax"]["value"] == pytest.approx(10 * 1e3 * 60, rel=1e-7)


def test_fit_group(write_csv):
    text = "variant,s_mM,rate_uM_per_s\n" + "".join(
        f"{v},{s},{float(vmax * s / (km + s) * w)!r}\n"
        for v, vmax, km in (("WT", 10, 2), ("MUT", 5, 4))
        for s, w in zip(S, WOBBLE)
    )
    res = run("fit", write_csv(text), "--law", "michaelis_menten", "--group", "variant", "--format", "json")
    assert res.exit_code == 0, res.output
    fits = json.loads(res.stdout)["fits"]
    assert [f["group"] for f in fits] == [{"variant": "WT"}, {"variant": "MUT"}]
    assert fits[1]["parameters"]["km"]["value"] == pytest.approx(4.0, rel=1e-7)


def test_fit_fix_and_init(write_csv):
    res = run(
        "fit",
        write_csv(MM_CSV_NOISY),
        "--law",
        "michaelis_menten",
        "--fix",
        "km=2000uM",
        "--init",
        "vmax=5",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    p = json.loads(res.stdout)["fits"][0]["parameters"]
    assert p["km"]["fixed"] is True and p["km"]["value"] == pytest.approx(2.0, rel=1e-12)


def test_laws_text_and_json():
    import mgkinetics as mgk

    res = run("laws")
    assert res.exit_code == 0
    for law in mgk.list_laws():
        assert f"{law.name}:" in res.stdout
    res = run("laws", "--format", "json")
    data = json.loads(res.stdout)
    assert set(data) == {law.name for law in mgk.list_laws()}
    mm = data["michaelis_menten"]
    assert mm["inputs"] == ["substrate"]
    assert mm["parameters"]["km"]["unit"] == "substrate" and mm["parameters"]["km"]["min"] == 0.0
    assert data["michaelis_menten_kcat"]["derived"] == ["kcat_over_km"]


# --- malformed files: one test per kind --------------------------------------------------------


@pytest.mark.parametrize(
    "content, fragments",
    [
        ("s_mM,rate_uM_per_s\n1,2\n2,n/a\n", ["line 3", "column 'rate_uM_per_s'", "'n/a' is not a number"]),
        ("s_mM,rate_uM_per_s\n1,2\n-2,3\n", ["line 3", "column 's_mM'", "negative"]),
        ("s_mM,rate_uM_per_s\n1,2\n2,3,4\n", ["line 3", "has 3 fields but the header has 2"]),
        ("s_mM,rate_uM_per_s\n1,2\n2\n", ["line 3", "has 1 fields"]),
        ("s_mM,rate_uM_per_s\n1,inf\n", ["line 2", "column 'rate_uM_per_s'", "not a finite number"]),
        ("s_mM,s_mM,rate_uM_per_s\n1,1,2\n", ["line 1", "column 's_mM'", "appears twice"]),
        ("# note\ns_mM,rate_uM_per_s\n1,2\n2,x\n", ["line 4", "column 'rate_uM_per_s'"]),
    ],
    ids=["text-cell", "negative", "too-many", "too-few", "inf", "duplicate", "comment-shift"],
)
def test_malformed_cells(write_csv, content, fragments):
    assert_user_error(run("fit", write_csv(content), "--law", "michaelis_menten"), *fragments)


def test_empty_file(write_csv):
    assert_user_error(run("fit", write_csv(""), "--law", "michaelis_menten"), "empty")


def test_header_only(write_csv):
    assert_user_error(
        run("fit", write_csv("s_mM,rate_uM_per_s\n"), "--law", "michaelis_menten"), "no data rows"
    )


def test_non_utf8(write_csv):
    path = write_csv(b"s_mM,rate_uM_per_s\n1,2\n\xff,3\n")
    assert_user_error(run("fit", path, "--law", "michaelis_menten"), "line 3", "UTF-8")


def test_missing_file(tmp_path):
    assert_user_error(run("fit", tmp_path / "nope.csv", "--law", "michaelis_menten"), "not found")


def test_missing_unit_suffix_on_rate(write_csv):
    assert_user_error(
        run("fit", write_csv("s_mM,rate\n1,2\n2,3\n3,4\n"), "--law", "michaelis_menten"),
        "line 1",
        "column 'rate'",
        "has no unit",
    )


def test_missing_unit_suffix_on_substrate(write_csv):
    assert_user_error(
        run("fit", write_csv("S,rate_uM_per_s\n1,2\n2,3\n3,4\n"), "--law", "michaelis_menten"),
        "line 1",
        "column 'S'",
        "has no unit",
    )


def test_misspelled_column_option(write_csv):
    assert_user_error(
        run("fit", write_csv(MM_CSV), "--law", "michaelis_menten", "--x", "s_mm2"),
        "line 1",
        "no column 's_mm2'",
        "did you mean 's_mM'",
    )


def test_misspelled_rate_option(write_csv):
    assert_user_error(
        run("fit", write_csv(MM_CSV), "--law", "michaelis_menten", "--y", "rate_uM_per_sec"),
        "line 1",
        "no rate column 'rate_uM_per_sec'",
        "did you mean 'rate_uM_per_s'",
    )


def test_wrong_column_kind(write_csv):
    """A rate column given as the substrate: the problem names the column and both kinds."""
    assert_user_error(
        run(
            "fit",
            write_csv(MM_CSV),
            "--law",
            "michaelis_menten",
            "--x",
            "rate_uM_per_s",
            "--y",
            "rate_uM_per_s",
        ),
        "column 'rate_uM_per_s'",
        "is a rate",
    )


def test_unknown_law(write_csv):
    assert_user_error(run("fit", write_csv(MM_CSV), "--law", "michaelis"), "unknown law 'michaelis'")


def test_fit_error_too_few_points(write_csv):
    assert_user_error(
        run("fit", write_csv("s_mM,rate_uM_per_s\n1,2\n2,3\n"), "--law", "michaelis_menten"),
        "2 usable points",
    )


def test_bad_pair_option(write_csv):
    res = run("fit", write_csv(MM_CSV), "--law", "michaelis_menten", "--fix", "km")
    assert (
        res.exit_code == 2 and "should look like NAME=VALUE" in res.stderr and "Traceback" not in res.stderr
    )


def test_debug_shows_traceback(write_csv):
    res = CliRunner().invoke(
        cli, ["--debug", "fit", str(write_csv("s_mM,rate_uM_per_s\n1,x\n")), "--law", "michaelis_menten"]
    )
    assert res.exit_code != 0
    from mgkinetics.errors import DataFormatError

    assert isinstance(res.exception, DataFormatError)
    assert res.exc_info is not None and res.exc_info[2] is not None  # the traceback is kept


def test_debug_traceback_printed_subprocess(write_csv):
    path = write_csv("s_mM,rate_uM_per_s\n1,x\n")
    cmd = [
        sys.executable,
        "-m",
        "mgkinetics_cli.main",
        "--debug",
        "fit",
        str(path),
        "--law",
        "michaelis_menten",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "DataFormatError" in proc.stderr
    proc = subprocess.run([c for c in cmd if c != "--debug"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("Error:") and "Traceback" not in proc.stderr


def test_startup_imports_no_heavy_modules():
    """The start-up contract: importing the CLI entry point pulls in none of the heavy libraries."""
    code = (
        "import sys, mgkinetics_cli.main; "
        "print(','.join(m for m in ('numpy', 'pandas', 'lmfit', 'matplotlib') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"heavy modules imported at start-up: {proc.stdout.strip()}"


def test_every_column_problem_reported_at_once(write_csv):
    """Two unsuffixed columns: both are named in one run (not one per attempt)."""
    res = run("fit", write_csv("substrate,rate\n1,2\n2,3\n4,5\n"), "--law", "michaelis_menten")
    assert res.exit_code == 2
    assert "2 problems" in res.stderr
    assert "column 'substrate'" in res.stderr and "column 'rate'" in res.stderr


def test_enzyme_for_a_law_without_enzyme_is_an_error_not_ignored(write_csv):
    """--enzyme with the Vmax-form law used to be dropped silently; a user who gives [E] expects kcat."""
    res = run("fit", write_csv(MM_CSV), "--law", "michaelis_menten", "--enzyme", "2nM")
    assert res.exit_code == 2
    assert "has no input 'enzyme'" in res.stderr and "michaelis_menten_kcat" in res.stderr


# ---------------------------------------------------------------- issue 12: no traceback from any input


def test_all_zero_rates_with_a_kcat_law_do_not_crash(write_csv):
    # A dead mutant: kcat/KM once divided by zero (ZeroDivisionError in the derived quantity).
    path = write_csv("s_mM,enzyme_nM,rate_uM_per_s\n1,2,0\n2,2,0\n4,2,0\n8,2,0\n")
    res = run("fit", path, "--law", "michaelis_menten_kcat", "--format", "json")
    assert res.exit_code in (0, 2) and "Traceback" not in res.output, res.output
    if res.exit_code == 0:  # the fit itself is the fitting helpers' to judge; no crash here
        (fit,) = json.loads(res.stdout)["fits"]
        assert fit["parameters"]["kcat"]["value"] == pytest.approx(0.0, abs=1e-12)


def test_negative_seed_is_a_usage_error(write_csv):
    res = run("fit", write_csv(MM_CSV), "--law", "michaelis_menten", "--ci", "bootstrap", "--seed", "-1")
    assert res.exit_code == 2 and "--seed" in res.stderr and "Traceback" not in res.output


def test_unreachable_dask_scheduler_is_an_error(write_csv, monkeypatch):
    pytest.importorskip("dask.distributed")
    import mgkinetics.batch.distributed as dist

    monkeypatch.setattr(dist, "SCHEDULER_TIMEOUT_S", 1)
    text = "curve,s_mM,rate_uM_per_s\n" + "".join(
        f"{c},{s},{float(10 * s / (2 + s))!r}\n" for c in "ab" for s in S
    )
    res = run(
        "batch",
        write_csv(text),
        "--law",
        "michaelis_menten",
        "--curve",
        "curve",
        "--engine",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert_user_error(res, "cannot reach the dask scheduler", "tcp://127.0.0.1:9")


def test_dataframe_with_duplicate_labels_is_a_data_format_error():
    import pandas as pd

    import mgkinetics as mgk

    df = pd.DataFrame([[1, 2, 1], [2, 3, 2], [4, 4, 4]], columns=["s_mM", "rate_uM_per_s", "s_mM"])
    with pytest.raises(mgk.errors.DataFormatError, match="appears twice"):
        mgk.fit(df, "michaelis_menten")


def test_batch_lists_every_excluded_row_with_line_and_reason(write_csv):
    text = "curve,s_mM,rate_uM_per_s\n" + "".join(
        f"{c},{s},{float(10 * s / (2 + s))!r}\n" for c in "ab" for s in S
    )
    text += "a,,3\n,4,2\nb,8,\n"  # lines 14, 15, 16
    res = run("batch", write_csv(text), "--law", "michaelis_menten", "--curve", "curve")
    assert res.exit_code == 0, res.output
    listed = [ln.strip() for ln in res.stderr.splitlines() if ln.strip().startswith("excluded: line ")]
    assert sorted(listed) == [  # every excluded row (the report helper's listing), any order
        "excluded: line 14 (curve 'a'): empty 's_mM'",
        "excluded: line 15 (curve ''): group column 'curve' is empty",
        "excluded: line 16 (curve 'b'): empty 'rate_uM_per_s'",
    ]


def test_a_bug_is_one_line_with_exit_code_3_not_a_traceback(write_csv, monkeypatch):
    from mgkinetics.fitting import single

    def bug(*a, **k):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(single, "fit", bug)
    res = run("fit", write_csv(MM_CSV), "--law", "michaelis_menten")
    assert res.exit_code == 3 and "Traceback" not in res.output
    assert res.stderr.startswith("Error: internal error (ZeroDivisionError") and "--debug" in res.stderr


def test_compare_with_a_reference_value_of_zero_does_not_crash(write_csv):
    # Found by fuzzing: one huge negative rate drove the reference vmax to ~0 and the ratio
    # variant/reference divided by zero (ZeroDivisionError in stats.compare.ratio).
    text = (
        "variant,s_mM,rate_uM_per_s\nwt,0.25,-454248\nwt,0.5,2\nwt,1,3.33333\nwt,2,5\nwt,4,6.66667\n"
        "wt,8,8\nwt,16,8.88889\nwt,32,9.41176\nmut,0.25,0.444444\nmut,0.5,0.8\nmut,1,1.33333\nmut,2,2\n"
        "mut,4,2.66667\nmut,8,3.2\nmut,16,3.55556\nmut,32,3.76471\n"
    )
    res = run("compare", write_csv(text), "--law", "michaelis_menten", "--shared", "km")
    assert res.exit_code in (0, 2) and "Traceback" not in res.output and "internal error" not in res.output


# ------------------------------------------- an input problem is an error, never a per-candidate failure


def test_select_on_a_file_without_usable_columns_is_an_error_not_every_law_unfitted(write_csv):
    # Once: exit 0 and a table in which every candidate "could not be fitted".
    res = run("select", write_csv("a,b\n1,2\n3,4\n5,6\n"), "--laws", "michaelis_menten,hill")
    assert_user_error(res, "law 'michaelis_menten'", "law 'hill'", "no rate column", "--x")


def test_select_with_a_law_that_cannot_start_names_that_law(write_csv):
    # MM and hill can start on these rows; competitive has no inhibitor column: exit 2, as `fit` does.
    res = run("select", write_csv(MM_CSV_NOISY), "--laws", "michaelis_menten,competitive,hill")
    assert_user_error(res, "1 law cannot be fitted", "law 'competitive'", "--inhibitor")
    assert "hill" not in res.stderr and "michaelis_menten'" not in res.stderr


def test_select_on_valid_data_still_ranks(write_csv):
    res = run("select", write_csv(MM_CSV_NOISY), "--laws", "michaelis_menten,hill", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["best"] in ("michaelis_menten", "hill")


# ---------------------------------------------- means of n replicates: sd:SD/sqrt(n), refusing sd:SD alone

MEANS_CSV = "s_mM,rate_mean_uM_per_s,rate_sd_uM_per_s,n\n" + "".join(
    f"{s},{float(10 * s / (2 + s) * w)!r},{0.05 + 0.04 * s},{k}\n"
    for s, w, k in zip(S, 1 + 0.02 * np.array([1, -1, 1, -1, -1, 1]), (3, 3, 4, 4, 6, 6))
)


def test_sd_weights_on_means_with_an_unused_n_column_are_refused(write_csv):
    # sd:SD on means of n replicates weighted each mean by the single-replicate SD (σ √n too large)
    res = run("fit", write_csv(MEANS_CSV), "--law", "michaelis_menten", "--weights", "sd:rate_sd_uM_per_s")
    assert_user_error(res, "column 'n' looks like the number of replicates", "sd:rate_sd_uM_per_s/sqrt(n)")


def test_sd_over_sqrt_n_weights_equal_weights_by_the_standard_error_column(write_csv):
    # Independent route: the same fit with an explicit SE column (SD/√n computed here) named as SE.
    rows = list(csv.DictReader(io.StringIO(MEANS_CSV)))
    se_csv = "s_mM,rate_mean_uM_per_s,rate_se_uM_per_s,n\n" + "".join(
        f"{r['s_mM']},{r['rate_mean_uM_per_s']},{float(r['rate_sd_uM_per_s']) / math.sqrt(int(r['n']))!r},"
        f"{r['n']}\n"
        for r in rows
    )
    a = run(
        "fit",
        write_csv(MEANS_CSV),
        "--law",
        "michaelis_menten",
        "--format",
        "json",
        "--weights",
        "sd:rate_sd_uM_per_s/sqrt(n)",
    )
    b = run(
        "fit",
        write_csv(se_csv, name="se.csv"),
        "--law",
        "michaelis_menten",
        "--format",
        "json",
        "--weights",
        "sd:rate_se_uM_per_s",
    )
    assert a.exit_code == 0 and b.exit_code == 0, (a.output, b.output)
    (fa,), (fb,) = json.loads(a.stdout)["fits"], json.loads(b.stdout)["fits"]
    for p in ("vmax", "km"):
        assert fa["parameters"][p]["value"] == pytest.approx(fb["parameters"][p]["value"], rel=1e-9)
        assert fa["parameters"][p]["stderr"] == pytest.approx(fb["parameters"][p]["stderr"], rel=1e-9)
    assert "sqrt('n')" in fa["weighting"] and fa["rows"]["used"] == 6


def test_a_bad_replicate_count_excludes_its_row_with_line_and_reason(write_csv):
    text = MEANS_CSV.replace(",3\n", ",x\n", 1)  # line 2
    res = run(
        "fit",
        write_csv(text),
        "--law",
        "michaelis_menten",
        "--format",
        "json",
        "--weights",
        "sd:rate_sd_uM_per_s/sqrt(n)",
    )
    assert res.exit_code == 0, res.output
    (fit,) = json.loads(res.stdout)["fits"]
    assert fit["rows"]["used"] == 5
    (excl,) = fit["rows"]["excluded"]
    assert excl["line"] == 2 and "replicate count 'n' is 'x'" in excl["reason"]


def test_batch_with_no_usable_row_is_an_error_listing_every_row(write_csv):
    # Once: "0 curves: 0 fitted (); 4 rows excluded" or "2 curves: 0 fitted (failed 2)", exit 0.
    res = run(
        "batch",
        write_csv("curve,s_mM,rate_uM_per_s\n,1,2\n,2,3\n,4,4\n"),
        "--law",
        "michaelis_menten",
        "--curve",
        "curve",
    )
    assert_user_error(
        res,
        "no usable row in 0 curve(s)",
        "line 2: (curve '') group column 'curve' is empty",
        "line 4: (curve '')",
    )
    text = "curve,s_mM,rate_uM_per_s,sd_uM_per_s\n" + "".join(
        f"{c},{s},{s},0\n" for c in "ab" for s in (1, 2, 4)
    )
    res = run(
        "batch",
        write_csv(text, name="sd0.csv"),
        "--law",
        "michaelis_menten",
        "--curve",
        "curve",
        "--weights",
        "sd:sd_uM_per_s",
    )
    assert_user_error(res, "no usable row in 2 curve(s)", "line 7: (curve 'b') SD column 'sd_uM_per_s' is 0")


def test_fit_with_no_usable_row_lists_each_row_and_its_reason(write_csv):
    # Once: "no usable rows (all 3 excluded); see the exclusions" with no exclusions shown.
    text = "s_mM,rate_uM_per_s,sd_uM_per_s\n1,1,0\n2,2,0\n4,3,\n"
    res = run("fit", write_csv(text), "--law", "michaelis_menten", "--weights", "sd:sd_uM_per_s")
    assert_user_error(
        res,
        "no usable rows (all 3 excluded):",
        "line 2: SD column 'sd_uM_per_s' is 0",
        "line 4: empty 'sd_uM_per_s'",
    )
