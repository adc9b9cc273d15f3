"""Dataset.from_frame's Arrow path (the batch's input from a DataFrame): a column of pandas strings
(``str``, Arrow-backed when pyarrow is there) is coded from its Arrow buffers; the Dataset holds the
same labels as from the same cells as objects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mgkinetics as mgk


def _frames(curve):
    s = np.tile([0.5, 1.0, 2.0, 4.0], len(curve) // 4)
    rate = 10 * s / (1 + s) * (1 + 0.01 * np.arange(s.size) % 3)
    base = {"s_mM": s, "rate_uM_per_s": rate}
    arrow = pd.DataFrame({"curve": pd.array(curve, dtype="str"), **base})
    objects = pd.DataFrame({"curve": pd.Series(curve, dtype=object), **base})
    return arrow, objects


@pytest.mark.parametrize(
    "curve",
    [
        ["a"] * 4 + ["b"] * 4 + ["a"] * 4,  # runs, a label coming back
        [" wt", "wt ", "wt", "wt", "d84a", "d84a", "d84a", "d84a"],  # labels equal once stripped
        ["x", "y", "x", "y", "x", "y", "z", "z"],  # no runs
        ["a", None, "a", "a", "b", "b", "b", "b"],  # a missing cell: the object path
    ],
)
def test_arrow_strings_give_the_labels_of_object_cells(curve):
    arrow, objects = _frames(curve)
    a, o = mgk.Dataset.from_frame(arrow), mgk.Dataset.from_frame(objects)
    assert a.values["curve"].tolist() == o.values["curve"].tolist()
    assert a.values["curve"].dtype == o.values["curve"].dtype
    assert a.kinds == o.kinds
    ra = mgk.fit_many(arrow, "michaelis_menten", curve="curve")
    ro = mgk.fit_many(objects, "michaelis_menten", curve="curve")
    assert ra.curves.tolist() == ro.curves.tolist()
    np.testing.assert_array_equal(ra.values, ro.values)
    assert ra.status.tolist() == ro.status.tolist()


def test_arrow_numbers_in_a_unit_column_are_read_as_numbers():
    frame = pd.DataFrame(
        {"s_mM": pd.array(["0.5", "1", "2", "bad"], dtype="str"), "rate_uM_per_s": [1.0, 2, 3, 4]}
    )
    with pytest.raises(mgk.DataFormatError, match="line 5.*'bad' is not a number"):
        mgk.Dataset.from_frame(frame)
    ds = mgk.Dataset.from_frame(frame.iloc[:3])
    assert ds.values["s_mM"].tolist() == [0.5, 1.0, 2.0]
