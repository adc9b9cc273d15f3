"""`compare` when one variant has no activity (every rate 0), as the reference or as the variant:
a ratio is reported only for values the data determine. The dead fit's KM is its starting value
(no standard error), so no KM ratio may be printed; a dead variant's Vmax is 0, so its ratio is 0."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from mgkinetics_cli.main import cli

S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20]


def table(vmax_of: dict[str, float]) -> str:
    rows = [
        f"{variant},{s},{vmax * s / (2 + s) * (1 + 0.03 * ((i % 3) - 1))}"
        for variant, vmax in vmax_of.items()
        for i, s in enumerate(S)
    ]
    return "variant,s_mM,rate_uM_per_s\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "vmax_of, expected",
    [
        ({"wt": 10.0, "dead": 0.0}, {"dead": {"vmax": 0.0}}),  # dead variant: vmax ratio 0, no km ratio
        ({"dead": 0.0, "mut": 3.0}, {"mut": {}}),  # dead reference: neither ratio is defined
        ({"wt": 10.0, "mut": 3.0, "dead": 0.0}, {"mut": {"vmax": 0.3, "km": 1.0}, "dead": {"vmax": 0.0}}),
    ],
)
def test_no_ratio_of_a_value_the_data_did_not_determine(tmp_path, vmax_of, expected):
    path = tmp_path / "v.csv"
    path.write_text(table(vmax_of), encoding="utf-8")
    res = CliRunner().invoke(cli, ["compare", str(path), "--law", "michaelis_menten", "--format", "json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)["ratios"]
    got = got if len(expected) > 1 else {next(iter(expected)): got}  # one variant: its ratios unnested
    assert {v: set(r) for v, r in got.items()} == {v: set(r) for v, r in expected.items()}
    for variant, ratios in expected.items():
        for name, value in ratios.items():
            # 3 % noise on the same KM and a Vmax ratio of exactly 0.3 (or 0): within 5 %
            assert got[variant][name]["value"] == pytest.approx(value, rel=0.05, abs=1e-12), (variant, name)
