"""BatchResult.warnings is built on first read (batch.curvewarnings.PendingWarnings): every way of
reading it (attribute, dataclasses.replace, copy, to_frame) sees the same tuple of
FitWarning tuples, in the order assemble added them.

Expected values: curve "far" has KM far beyond its highest S (a beyond_data warning, computed by
the rule 'KM > 2 × the highest S'); curve "short" has 2 points for 2 parameters (not fitted)."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

import mgkinetics as mgk
from mgkinetics.batch.curvewarnings import PendingWarnings
from mgkinetics.errors import FitWarning


def _batch():
    s = np.array([0.1, 0.2, 0.4, 0.8, 1.6, 3.2])
    rng = np.random.default_rng(5)
    good = 10 * s / (1.0 + s) * (1 + 0.02 * rng.standard_normal(6))
    far = 50 * s / (20.0 + s) * (1 + 0.02 * rng.standard_normal(6))
    frame = {
        "curve": ["good"] * 6 + ["far"] * 6 + ["short"] * 2,
        "s_mM": np.r_[s, s, s[:2]],
        "rate_uM_per_s": np.r_[good, far, good[:2]],
    }
    return mgk.fit_many(frame, "michaelis_menten", curve="curve")


def test_every_read_sees_the_same_warnings():
    res = _batch()
    assert isinstance(res.__dict__["warnings"], PendingWarnings)  # not built until read
    built = res.warnings
    assert isinstance(built, tuple) and res.__dict__["warnings"] is built
    codes = {label: [w.code for w in ws] for label, ws in zip(res.curves, built, strict=True)}
    assert codes["good"] == []
    assert "beyond_data" in codes["far"]
    assert codes["short"] == ["not_fitted"]
    assert all(isinstance(w, FitWarning) for ws in built for w in ws)
    again = copy.copy(_batch())  # copied before any read
    assert again.warnings == built
    assert [[w.code for w in ws] for ws in again.warnings] == [[w.code for w in ws] for ws in built]
    assert dataclasses.replace(_batch()).warnings == built
    assert _batch().warnings == built  # deterministic: a second batch builds the same


def test_to_frame_lists_the_built_warnings():
    res = _batch()  # to_frame is the first read
    frame = res.to_frame().set_index("curve")
    assert frame.loc["good", "warning_codes"] == ""
    assert frame.loc["far", "warning_codes"] == "beyond_data"
    assert frame.loc["far", "warnings"].startswith("km = ")
    assert "beyond twice the highest substrate (3.2 mM)" in frame.loc["far", "warnings"]
    assert frame.loc["short", "warning_codes"] == "not_fitted"
    assert [list(map(str, ws)) for ws in res.warnings][1] == [frame.loc["far", "warnings"]]


def test_pending_order_replace_and_append():
    p = PendingWarnings(2)
    p.shared("not_bounded", [0, 1], ["a", "a"])
    p.each("at_bound", [1], ["b"])
    p.replace([0], (FitWarning("no_activity", "dead"),))
    p.append(1, FitWarning("no_activity", "noise"))
    out = p.build()
    assert [[(w.code, str(w)) for w in ws] for ws in out] == [
        [("no_activity", "dead")],
        [("not_bounded", "a"), ("at_bound", "b"), ("no_activity", "noise")],
    ]
