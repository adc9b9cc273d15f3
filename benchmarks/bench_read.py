"""mgk.read_csv against pandas.read_csv on the same 10^6-row file, in one run (issue 9, goal: <= 2x).

The file is a long-format table as ``mgkinetics batch`` reads it: a curve label, a concentration
and a rate column, written once to a temporary directory. Each reader is timed as the best of
``--repeat`` runs (warm file cache, imports done). ``mgk.read_csv`` also validates every cell,
keeps the line of every row and builds the immutable Dataset; pandas only parses.

Run: ``python benchmarks/bench_read.py [--rows 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import mgkinetics as mgk


def _write(path: Path, rows: int) -> None:
    rng = np.random.default_rng(20261201)
    s = rng.uniform(0.01, 10.0, rows)
    frame = pd.DataFrame(
        {
            "curve": np.char.add("c", (np.arange(rows) // 10).astype(str)),
            "s_mM": s,
            "rate_uM_per_s": 10 * s / (2 + s) * (1 + 0.02 * rng.standard_normal(rows)),
        }
    )
    frame.to_csv(path, index=False)


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "long.csv"
        _write(path, args.rows)
        ds = mgk.read_csv(path)
        ref = pd.read_csv(path)
        assert len(ds) == len(ref) == args.rows
        assert np.array_equal(ds.values["s_mM"], ref["s_mM"].to_numpy())
        assert ds.lines[0] == 2 and ds.lines[-1] == args.rows + 1
        t_pd = _best(lambda: pd.read_csv(path), args.repeat)
        t_mgk = _best(lambda: mgk.read_csv(path), args.repeat)
    print(f"rows: {args.rows:,}  file: {path.name}")
    print(f"pandas.read_csv: {t_pd:.3f} s")
    print(f"mgk.read_csv:    {t_mgk:.3f} s")
    print(f"ratio mgk/pandas: {t_mgk / t_pd:.2f} (goal <= 2)")


if __name__ == "__main__":
    main()
