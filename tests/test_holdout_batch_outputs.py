"""`batch --out` hold-out (issue 12 class "data destroyed", edges5): the listing of excluded rows
(OUT.excluded.csv) was written only when a row was excluded, so a second run into the same --out left
the first run's listing beside the new results ("0 rows excluded" on stderr, a row listed in the
file). With --out the listing is now always written, header only when nothing was excluded.

Ctrl-C during `batch --out` (SIGINT at 2-14 s into a 100,000-curve run) was tried by hand: "Aborted!",
no traceback, the previous results file intact and no temporary file left; not in the suite (a
timing-dependent subprocess test)."""

from __future__ import annotations

from holdout_common import run

ROWS = ["0.5,", "1,3.3", "2,5", "5,7.1", "10,8.3", "20,9.1"]


def _batch(tmp_path, name: str, rows: list[str]):
    path = tmp_path / name
    path.write_text("curve,s_mM,rate_uM_per_s\n" + "".join(f"c1,{r}\n" for r in rows), encoding="utf-8")
    return run("batch", path, "--law", "michaelis_menten", "--curve", "curve", "--out", tmp_path / "res.csv")


def test_a_clean_run_leaves_no_listing_of_an_earlier_run(tmp_path):
    first = _batch(tmp_path, "one.csv", ROWS)  # line 2 has an empty rate: excluded
    assert first.exit_code == 0, first.output
    listing = tmp_path / "res.excluded.csv"
    assert listing.read_text(encoding="utf-8").splitlines() == [
        "curve,line,reason",
        "c1,2,empty 'rate_uM_per_s'",
    ]
    second = _batch(tmp_path, "two.csv", ["0.5,1.9", *ROWS[1:]])
    assert second.exit_code == 0, second.output
    assert "0 rows excluded" in second.stderr
    assert listing.read_text(encoding="utf-8").splitlines() == ["curve,line,reason"]
