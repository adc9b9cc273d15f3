"""An existing output file marked read-only (no write bit) is never replaced (lead, session 7).

``os.access`` says yes to root for any file, so a check on it alone let a run as root (as CI and
many containers run) rename a new result over a ``chmod 444`` file, found by edges7. The write
bits say what the owner meant: the command refuses before computing, exit 2, the file unchanged.
"""

from __future__ import annotations

import os

from click.testing import CliRunner
from mgkinetics_cli.main import cli

DATA = "s_mM,rate_uM_per_s\n0.5,2.0\n1,3.3\n2,5.0\n4,6.6\n8,8.0\n16,8.9\n"


def test_a_read_only_output_is_refused_and_kept(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    out = tmp_path / "fit.csv"
    out.write_text("keep me\n", encoding="utf-8")
    os.chmod(out, 0o444)
    res = CliRunner().invoke(
        cli, ["fit", str(data), "--law", "michaelis_menten", "--format", "csv", "--out", str(out)]
    )
    assert res.exit_code == 2
    assert "read-only" in res.output and str(out) in res.output
    assert out.read_text(encoding="utf-8") == "keep me\n"


def test_a_writable_output_is_replaced(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    out = tmp_path / "fit.csv"
    out.write_text("old\n", encoding="utf-8")
    res = CliRunner().invoke(
        cli, ["fit", str(data), "--law", "michaelis_menten", "--format", "csv", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("law,kind,name,value,stderr")
    assert lines[1].startswith("michaelis_menten,parameter,vmax,")
