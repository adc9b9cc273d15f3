"""NAME=VALUE options (--init, --fix, --column, --input-unit) take comma lists too (lead, session 7).

``--init vmax=10,km=1`` said "unknown unit ',km=1'" (the whole rest was read as vmax's unit). An
item is now split at commas when every piece is a pair, like ``--shared kcat,km``; a decimal comma
(``km=0,5``) is not a pair list and stays an error; a name given twice is an error, not the last
one silently winning.
"""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli
from mgkinetics_cli.options import parse_pairs

DATA = "s_mM,rate_uM_per_s\n0.5,2.0\n1,3.3\n2,5.0\n4,6.6\n8,8.0\n16,8.9\n"


def test_comma_lists_split_only_into_pairs():
    assert parse_pairs(("vmax=10,km=1",), "--init") == {"vmax": "10", "km": "1"}
    assert parse_pairs(("vmax=10", "km=1"), "--init") == {"vmax": "10", "km": "1"}
    assert parse_pairs(("km=0,5",), "--fix") == {"km": "0,5"}  # not split: '5' is no pair
    assert parse_pairs(("Rate, corrected=uM/min",), "--input-unit") == {"Rate, corrected": "uM/min"}
    with pytest.raises(click.BadParameter, match="'km' is given twice"):
        parse_pairs(("km=1", "km=2"), "--init")


def _fit(tmp_path, *options):
    path = tmp_path / "mm.csv"
    path.write_text(DATA, encoding="utf-8")
    args = ["fit", str(path), "--law", "michaelis_menten", "--format", "json", *options]
    return CliRunner().invoke(cli, args)


def test_a_comma_list_fits_as_the_separate_options_do(tmp_path):
    one = _fit(tmp_path, "--fix", "km=2,vmax=10")
    two = _fit(tmp_path, "--fix", "km=2", "--fix", "vmax=10")
    assert one.exit_code == two.exit_code
    fixed = json.loads(one.stdout)["fits"][0]["parameters"]
    assert fixed["km"]["value"] == 2.0 and fixed["km"]["fixed"] and fixed["vmax"]["value"] == 10.0
    assert one.stdout == two.stdout.replace("--fix km=2 --fix vmax=10", "--fix km=2,vmax=10")


def test_a_decimal_comma_is_an_error(tmp_path):
    res = _fit(tmp_path, "--fix", "km=0,5")
    assert res.exit_code == 2 and "unknown unit ',5'" in res.output
