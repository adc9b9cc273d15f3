"""`speciate FILE` hold-out (issue 12 class "data destroyed", edges5): the output copies the input
columns and wrote them, like the species, with %.6g, so total Mg 1e-12 below total ATP
(0.999999999999 mM) came back as 1 and a numeric sample id 20231201001 as 2.02312e+10. The input
columns are now written with every digit (the shortest text that reads back as the same number);
the species stay at 6 significant digits."""

from __future__ import annotations

from holdout_common import run


def test_input_columns_keep_every_digit(tmp_path):
    path = tmp_path / "totals.csv"
    path.write_text(
        "sample,mg_total_mM,atp_total_mM\n20231201001,0.999999999999,1\n20231201002,1,0.999999999999\n",
        encoding="utf-8",
    )
    res = run("speciate", path)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "sample,mg_total_mM,atp_total_mM,mg_free_mM,atp_free_mM,mgatp_mM"
    assert lines[1].startswith("20231201001,0.999999999999,1,")
    assert lines[2].startswith("20231201002,1,0.999999999999,")
    # the species of both rows, 6 digits: Mg = ATP to 1e-12, so free Mg = free ATP (Kd 0.0672 mM)
    assert lines[1].split(",")[3:] == ["0.22779", "0.22779", "0.77221"]
