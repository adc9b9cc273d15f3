"""Batch edge cases of issue 12 item 9: negative rates without numpy warnings, and limit refits.

Expected values: statuses from :data:`mgkinetics.errors.STATUSES`; the rates below are monotonically
negative (a reversed sign convention, or a dead enzyme under drift), the case that made the
substrate-inhibition Jacobian divide by zero (KSI at 0 in a step) with a RuntimeWarning.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk
from mgkinetics.errors import STATUSES

S9 = np.geomspace(0.05, 20, 9)
# seeded probe curves (numpy default_rng(0), normal noise, folded negative): each made the batch
# Jacobian or normal equations warn before the fix
NEGATIVE = (
    [-0.456, -1.236, -0.507, -0.879, -1.656, -2.23, -3.299, -3.678, -4.686],
    [-0.621, -0.798, -0.555, -0.296, -2.391, -2.591, -5.166, -4.233, -4.845],
    [1.043, -0.129, 1.366, -0.665, 0.352, 0.903, 0.094, -0.743, -0.922],
)


def _negative_frame(law):
    parts = []
    for c, v in enumerate(NEGATIVE):
        d = {"curve": f"c{c}", "s_mM": S9, "rate_uM_per_s": np.array(v)}
        if law == "competitive":
            d["i_mM"] = np.arange(9) % 3 * 1.0
        parts.append(pd.DataFrame(d))
    return pd.concat(parts, ignore_index=True)


@pytest.mark.filterwarnings("error")  # a RuntimeWarning from numpy fails the test
@pytest.mark.parametrize("law", ["substrate_inhibition", "competitive", "michaelis_menten", "hill"])
def test_negative_rates_give_statuses_not_warnings(law):
    kw = {"inhibitor": "i_mM"} if law == "competitive" else {}
    res = mgk.fit_many(_negative_frame(law), law, curve="curve", **kw)
    k = len(mgk.get_law(law).params)
    assert set(res.status) <= set(STATUSES)
    assert all(res.status_reason[i] for i in np.flatnonzero(~res.success))  # every non-success says why
    # a success has finite parameters and SEs that are not NaN
    ok = res.success
    assert np.all(np.isfinite(res.values[ok, :k]))
    assert not np.any(np.isnan(res.stderr[ok, :k]))
