"""The fast CSV writer of batch results writes exactly what pandas' ``to_csv`` writes.

The reference is pandas itself: ``DataFrame.to_csv(index=False, float_format="%.10g",
lineterminator="\\n")``, which :meth:`BatchResult.to_csv` used before; the texts must be equal
byte for byte.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import mgkinetics as mgk
from mgkinetics.batch.csvtext import csv_text

NASTY = [
    "plain",
    "with,comma",
    'with "quote"',
    "line\nbreak",
    "cr\rhere",
    " lead space",
    "",
    "tab\there",
    "µM/s ünïcode",
    "semi;colon",
    "nan",
    "#hash",
    "'single'",
]


def _pandas(columns, order):
    return pd.DataFrame(columns, columns=order).to_csv(index=False, float_format="%.10g", lineterminator="\n")


def test_random_columns_equal_pandas():
    rng = np.random.default_rng(7)
    n = 400
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n)
    x[::9] = np.nan
    x[1], x[2], x[3], x[4] = np.inf, -np.inf, -0.0, 0.0
    cols = {
        "curve,id": np.array([NASTY[i % len(NASTY)] + str(i) for i in range(n)], dtype=object),
        "x": x,
        "y": rng.uniform(0, 1, n),
        "k": rng.integers(-5, 1000, n),
        "ok": rng.uniform(size=n) > 0.5,
        "why": np.array([NASTY[i % len(NASTY)] for i in range(n)], dtype=object),
    }
    order = list(cols)
    assert csv_text(cols, order) == _pandas(cols, order)


def test_empty_table_is_the_header():
    cols = {"a": np.array([], dtype=float), "b": np.array([], dtype=object)}
    assert csv_text(cols, ["a", "b"]) == _pandas(cols, ["a", "b"]) == "a,b\n"


def test_batch_result_csv_equals_frame_csv():
    """A real result with failed curves (NaN cells), warnings with commas and derived columns."""
    s = np.tile([0.1, 0.3, 1.0, 3.0, 10.0, 30.0], 4)
    v = np.r_[10 * s[:6] / (2 + s[:6]), 0.5 * s[6:12], [0, 0, 0, 0, 0, 0], 3 * s[18:] / (0.5 + s[18:])]
    v = v * (1 + 0.03 * np.random.default_rng(3).standard_normal(v.size))
    res = mgk.fit_many(
        {"curve": np.repeat(["a", "b,x", "dead", "d"], 6), "s_mM": s, "rate_uM_per_s": v},
        "michaelis_menten",
        curve="curve",
    )
    assert len(set(res.status)) >= 2  # the table holds more than one kind of row
    expected = res.to_frame().to_csv(index=False, float_format="%.10g", lineterminator="\n")
    assert res.to_csv() == expected
