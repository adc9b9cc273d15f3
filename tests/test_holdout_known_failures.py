"""Hold-out case (issue 12, found by edges4): exact data written to 17 digits leave RSS ~1e-30
(rounding) and were 'converged' with 95 % CIs of relative width 1e-16, while RSS = 0 exactly was
not_identifiable. One rule now (fitting.status.is_zero_width) for fit and the batch."""

from __future__ import annotations

import numpy as np
from holdout_common import S, run


def test_exact_data_at_rounding_level_are_not_plain_success(tmp_path):
    import json

    exact = "s_mM,rate_uM_per_s\n" + "".join(f"{s!r},{10 * s / (2 + s)!r}\n" for s in S)
    path = tmp_path / "exact.csv"
    path.write_text(exact, encoding="utf-8")
    res = run("fit", path, "--law", "michaelis_menten", "--format", "json")
    (fit,) = json.loads(res.stdout)["fits"]
    assert fit["status"] != "converged", (fit["status"], fit["statistics"]["rss"])


def test_batch_calls_rounding_level_residuals_zero_width_as_fit_does():
    import mgkinetics as mgk

    s = np.array(S, dtype=float)
    table = {
        "curve": np.repeat(["exact", "noisy"], s.size),
        "s_mM": np.tile(s, 2),
        "rate_uM_per_s": np.concatenate([10 * s / (2 + s), 10 * s / (2 + s) * (1 + 0.02 * np.sin(7 * s))]),
    }
    frame = mgk.fit_many(table, "michaelis_menten", "curve").to_frame().set_index("curve")
    single = mgk.fit({k: v[: s.size] for k, v in table.items() if k != "curve"}, "michaelis_menten")
    assert frame.loc["exact", "status"] == single.status == "not_identifiable"
    assert frame.loc["noisy", "status"] == "converged"
