"""`mgkinetics select` when no law's fit passes (issue 12 item 4): the table says why each law is
not ranked, and the command exits 2 as `fit` does for fits the data do not determine."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner
from mgkinetics_cli.main import cli

S = np.repeat([0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10.0], 3)


def _write(path, rates) -> str:
    path.write_text(
        "s_mM,rate_uM_per_s\n" + "".join(f"{float(s)!r},{float(v)!r}\n" for s, v in zip(S, rates)),
        encoding="utf-8",
    )
    return str(path)


def test_select_of_a_dead_enzyme_exits_2_and_says_why_each_law_failed(tmp_path):
    path = _write(tmp_path / "dead.csv", 0.01 * np.random.default_rng(6).standard_normal(S.size))
    res = CliRunner().invoke(cli, ["select", path, "--laws", "michaelis_menten,hill"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    lines = res.stdout.splitlines()
    table = [
        line
        for line in lines
        if line.startswith(("  michaelis_menten ", "  hill ")) and "not ranked  " in line
    ]
    assert len(table) == 2 and all(line.rstrip().endswith("no: no activity detected") for line in table)
    assert "best: none" in res.stdout
    assert "Error:" in res.stderr and "no law's fit passed the reality checks" in res.stderr
    assert "michaelis_menten: not identifiable: no activity detected" in res.stderr
    assert "hill: not identifiable: no activity detected" in res.stderr


def test_select_of_an_active_enzyme_exits_0_and_names_the_best(tmp_path):
    rates = 10 * S / (2 + S) * (1 + 0.03 * np.random.default_rng(5).standard_normal(S.size))
    path = _write(tmp_path / "mm.csv", rates)
    res = CliRunner().invoke(cli, ["select", path, "--laws", "michaelis_menten,hill", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["best"] in ("michaelis_menten", "hill")


def test_select_help_documents_the_exit_codes():
    res = CliRunner().invoke(cli, ["select", "--help"])
    assert res.exit_code == 0
    assert "Exit codes" in res.output and "no law's fit passed" in res.output.replace("\n", " ")


def test_fit_help_documents_the_same_exit_codes():
    res = CliRunner().invoke(cli, ["fit", "--help"])
    assert res.exit_code == 0 and "Exit codes" in res.output
    assert "not identifiable (no activity detected" in " ".join(res.output.split())
