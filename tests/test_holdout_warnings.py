"""Causes of RuntimeWarnings found in the suite (issue 12 hold-outs), removed where they arise:
relative weights of a subnormal rate (1/|rate| overflowed to inf) and the replicate levels of huge
inputs (rounding 1e300 to 12 decimals overflowed, so every huge value became one level)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mgkinetics as mgk
from mgkinetics.fitting.weighting import parse_weights


def test_relative_weight_of_a_subnormal_rate_is_a_reason_not_inf():
    scheme = parse_weights("relative")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w, reasons = scheme.weights(np.array([2.0, 0.0, 1e-310, -4.0]))
    assert w.tolist() == [0.5, 0.0, 0.0, 0.25]  # 1/|y|, the ordinary ones unchanged
    assert reasons[0] is None and reasons[3] is None
    assert reasons[1] == "rate is 0; relative weighting needs a non-zero rate"
    assert "1e-310 is too close to 0 (1/rate overflows)" in reasons[2]
    w, reasons = parse_weights("poisson").weights(np.array([1e-310, 4.0]))  # 1/sqrt is finite
    assert reasons == [None, None] and w[1] == 0.5 and np.isfinite(w[0])


def test_huge_distinct_inputs_are_not_replicates(tmp_path):
    # three distinct huge concentrations beside six ordinary ones: rounding x to 12 decimals
    # overflowed (x * 1e12 = inf), the three became one level with 'replicates', and a lack-of-fit
    # test ran on them (levels 7, replicated 1); they are three levels, none replicated
    xs = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 1e300, 2e300, 3e300]
    noise = [1.02, 0.98, 1.0, 1.02, 0.98, 1.0, 1.02, 0.98, 1.0]
    path = tmp_path / "huge.csv"
    rows = "".join(f"{x!r},{10 * x / (2 + x) * e!r}\n" for x, e in zip(xs, noise))
    path.write_text("s_mM,rate_uM_per_s\n" + rows, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = mgk.fit(path, "michaelis_menten")
    assert result.diagnostics.get("replicates") is None
    assert result.parameters["km"].value == pytest.approx(2.0, rel=0.05)
