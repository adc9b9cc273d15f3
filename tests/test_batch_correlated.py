"""fit_many gives a curve whose parameters are tied (|correlation| > 0.9999) the status of a single
fit, not_identifiable with the same reason, and the same ``correlated`` warnings (> 0.999) and
``poorly_determined`` warnings (relative SE > 100 %).

Before, the batch had neither rule: such curves came back ``converged``. Expected values:
``mgk.fit`` on the same curve (the single-fit path, checked against R's nls elsewhere). The curve is
a hard substrate-inhibition curve (11 points, KM ~7x the highest S: beyond the data, not yet
``not_bounded``) from the benchmark generator (benchmarks/hard_curves.py, seed of curve c74),
written out here so the test does not depend on the generator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import mgkinetics as mgk

S_MM = [0.09394051552861021, 0.1283706454158051, 0.1944764448838806, 0.31281407509577375,
        0.38653764026466786, 0.6112222536982959, 0.8720599104134048, 1.1606882169195498,
        1.9217293575776602, 2.4756729524297754, 3.933194978647265]  # fmt: skip
RATE = [0.545933133946438, 0.6449103256060956, 0.9363942758991362, 1.4454750243228913,
        1.4911729897960209, 1.4762992581093366, 3.0838708545909563, 3.214892624993307,
        4.176568705282635, 4.515400593245732, 3.6568155686199426]  # fmt: skip
# an ordinary curve beside it: converged in both paths, with the single fit's reason
EASY = 10 * np.array(S_MM) / (0.8 + np.array(S_MM)) * (1 + 0.02 * np.sin(np.arange(11) * 1.7))


def _codes(warnings, code):
    return sorted(str(w) for w in warnings if getattr(w, "code", "") == code)


def test_tied_parameters_not_identifiable_like_a_single_fit():
    single = mgk.fit({"s_mM": S_MM, "rate_uM_per_s": RATE}, "substrate_inhibition")
    assert single.status == "not_identifiable" and "correlated" in single.status_reason
    frame = pd.DataFrame(
        {"curve": ["tied"] * 11 + ["easy"] * 11, "s_mM": S_MM * 2, "rate_uM_per_s": RATE + list(EASY)}
    )
    res = mgk.fit_many(frame, "substrate_inhibition", curve="curve")
    table = res.to_frame().set_index("curve")
    assert table.loc["tied", "status"] == single.status
    assert table.loc["tied", "status_reason"] == single.status_reason
    assert _codes(res.warnings[0], "correlated") == _codes(single.warnings, "correlated")
    assert len(_codes(single.warnings, "correlated")) == 3
    # relative SEs of 600 % on all three: the same poorly_determined warnings, texts included
    assert _codes(res.warnings[0], "poorly_determined") == _codes(single.warnings, "poorly_determined")
    assert len(_codes(single.warnings, "poorly_determined")) == 3
    easy = mgk.fit({"s_mM": S_MM, "rate_uM_per_s": EASY}, "substrate_inhibition")
    assert table.loc["easy", "status"] == easy.status
    assert table.loc["easy", "status_reason"] == easy.status_reason
    assert _codes(res.warnings[1], "correlated") == _codes(easy.warnings, "correlated")
