"""Results can be pickled (multiprocessing, joblib caches, saved notebook state) and come back equal.

Before, every result held ``types.MappingProxyType`` mappings, which cannot be pickled, and a single
fit's ``lmfit_result`` held the minimiser's bound Jacobian method. Expected values: the original
objects' own, compared field by field after a pickle round trip. BatchResult's ``==`` compares
arrays element-wise (NaN equal to NaN).
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk
from mgkinetics.fitting.globalfit import fit_global
from mgkinetics.fitting.problem import build_problems
from mgkinetics.readonly import ReadOnlyMapping, readonly

S = np.array([0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0])
WOBBLE = 1 + 0.02 * np.sin(np.arange(S.size) * 1.7)


def _rates(vmax, km):
    return vmax * S / (km + S) * WOBBLE


def test_single_fit_round_trip():
    r = mgk.fit({"s_mM": S, "rate_uM_per_s": _rates(10, 1.0)}, "michaelis_menten")
    back = pickle.loads(pickle.dumps(r))
    assert str(back) == str(r)
    assert back.parameters == r.parameters and back.statistics == r.statistics
    np.testing.assert_array_equal(back.covariance, r.covariance)
    assert back.lmfit_result.params["km"].value == r.lmfit_result.params["km"].value
    assert "Dfun" in r.lmfit_result.call_kws  # the original keeps lmfit's own result untouched
    for arr in (*back.data.values(), back.covariance):
        assert not arr.flags.writeable  # frozen again after the round trip
    with pytest.raises(TypeError):
        back.parameters["km"] = None


def test_batch_round_trip():
    frame = pd.DataFrame(
        {
            "curve": np.repeat(["a", "b"], S.size),
            "s_mM": np.r_[S, S],
            "rate_uM_per_s": np.r_[_rates(10, 1.0), _rates(3, 0.5)],
        }
    )
    res = mgk.fit_many(frame, "michaelis_menten", curve="curve")
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())
    assert back.units == res.units and isinstance(back.units, ReadOnlyMapping)
    assert back.warnings == res.warnings
    assert not back.values.flags.writeable and not back.stderr.flags.writeable  # frozen again
    # == compares field by field, arrays element-wise with NaN equal to NaN (before: ValueError,
    # the truth value of an array); a refit of the same data is equal, other data are not
    assert back == res and not (back != res)
    assert mgk.fit_many(frame, "michaelis_menten", curve="curve") == res
    changed = frame.assign(rate_uM_per_s=frame["rate_uM_per_s"] * 1.01)
    assert mgk.fit_many(changed, "michaelis_menten", curve="curve") != res
    assert res != "a string"


def test_global_fit_round_trip():
    probs = []
    for vmax in (10.0, 4.0):
        (p,), _, _ = build_problems({"s_mM": S, "rate_uM_per_s": _rates(vmax, 2.0)}, "michaelis_menten")
        probs.append(p)
    joint = fit_global(probs, ["km"], labels=["a", "b"])
    back = pickle.loads(pickle.dumps(joint))
    assert str(back) == str(joint)
    np.testing.assert_array_equal(back.covariance, joint.covariance)


def test_readonly_mapping_behaves_like_a_mappingproxy():
    m = readonly({"a": 1})
    assert m == {"a": 1} and dict(m) == {"a": 1} and "a" in m and len(m) == 1
    assert m | {"b": 2} == {"a": 1, "b": 2} and {"b": 2} | m == {"b": 2, "a": 1}
    copy = m.copy()
    copy["a"] = 5
    assert m["a"] == 1
    with pytest.raises(TypeError):
        m["a"] = 2
    with pytest.raises(AttributeError):
        m._data = {}
