"""mgk.read_csv against pandas.read_csv on the same 10^6-row file, in one run (issue 9, goal: <= 2x).

Two long-format tables as ``mgkinetics batch`` and ``mgkinetics fit`` read them, written once to a
temporary directory:

* ``curves.csv``: a curve label (100,000 distinct, 10 rows each), a concentration and a rate;
* ``variants.csv``: two variants of 500,000 rows each, as ``benchmarks/bench_large.py`` writes them.

For each file the readers are timed in interleaved rounds (pandas, mgk, the CLI's reader, pandas,
...), warm file cache, imports done; the median and the range over ``--repeat`` rounds are printed,
and the ratio of medians (wall-clock, the goal; and CPU time of the process, steadier when other
work shares the machine). ``mgk.read_csv`` also validates every cell, keeps the line of every row and
builds the immutable Dataset; pandas only parses. "fit's reader" is the call ``mgkinetics fit``
makes (:func:`mgkinetics_cli.options.read_table`, read_csv plus the command's options).

Run: ``python benchmarks/bench_read.py [--rows 1000000] [--repeat 5] [--no-pyarrow]``. Whether
pyarrow is used is printed: the reader must be fast without it (it is a test extra, not a dependency);
``--no-pyarrow`` hides an installed pyarrow from pandas and mgkinetics (both readers then make Python
strings of the labels).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

if "--no-pyarrow" in sys.argv:  # before pandas is imported: it looks for pyarrow once
    sys.modules["pyarrow"] = None

import numpy as np
import pandas as pd

import mgkinetics as mgk


def _write_curves(path: Path, rows: int) -> None:
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


def _write_variants(path: Path, rows: int) -> None:
    rng = np.random.default_rng(20261201)
    half = rows // 2
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("variant,s_mM,rate_uM_per_s\n")
        for variant, (vmax, km) in {"wt": (10.0, 2.0), "mut": (4.0, 0.5)}.items():
            s = rng.uniform(0.05, 20.0, half)
            v = vmax * s / (km + s) * (1 + 0.02 * rng.standard_normal(half))
            np.savetxt(fh, np.column_stack([s, v]), fmt=f"{variant},%.6g,%.6g")


def _check(path: Path, rows: int) -> None:
    """The two readers agree on every value and the lines are the file's."""
    ds = mgk.read_csv(path)
    ref = pd.read_csv(path, dtype={0: str})
    assert len(ds) == len(ref) == rows
    for name in ("s_mM", "rate_uM_per_s"):
        assert np.array_equal(ds.values[name], ref[name].to_numpy())
    label = ds.columns[0]
    assert np.array_equal(ds.values[label], ref[label].to_numpy(dtype=str))
    assert ds.lines[0] == 2 and ds.lines[-1] == rows + 1


def _pyarrow_used() -> bool:
    if sys.modules.get("pyarrow", False) is None:
        return False
    return importlib.util.find_spec("pyarrow") is not None


def _rounds(readers: dict, repeat: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """(wall-clock times, CPU times of this process) of each reader, ``repeat`` interleaved rounds."""
    times: dict[str, list[float]] = {name: [] for name in readers}
    cpu: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(repeat):
        for name, fn in readers.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return times, cpu


def main() -> None:
    from mgkinetics_cli.options import read_table

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-pyarrow", action="store_true", help="hide an installed pyarrow")
    args = ap.parse_args()
    print(f"rows: {args.rows:,}  pyarrow used: {_pyarrow_used()}")
    with tempfile.TemporaryDirectory() as d:
        for name, write in (("curves.csv", _write_curves), ("variants.csv", _write_variants)):
            path = Path(d) / name
            write(path, args.rows)
            _check(path, args.rows)
            readers = {
                "pandas.read_csv": lambda p=path: pd.read_csv(p),
                "mgk.read_csv": lambda p=path: mgk.read_csv(p),
                "fit's reader": lambda p=path: read_table(str(p), {}),
            }
            times, cpu = _rounds(readers, args.repeat)
            med = {k: float(np.median(v)) for k, v in times.items()}
            cpu_med = {k: float(np.median(v)) for k, v in cpu.items()}
            print(f"{name} ({path.stat().st_size / 1e6:.0f} MB), median [min, max] of {args.repeat} rounds:")
            for k, v in times.items():
                print(f"  {k:16s} {med[k]:.3f} s  [{min(v):.3f}, {max(v):.3f}]")
            ratios = np.array(times["mgk.read_csv"]) / np.array(times["pandas.read_csv"])
            print(
                f"  ratio mgk/pandas: {med['mgk.read_csv'] / med['pandas.read_csv']:.2f} "
                f"(per round {ratios.min():.2f}-{ratios.max():.2f}; goal <= 2)"
            )
            pandas_cpu, mgk_cpu = cpu_med["pandas.read_csv"], cpu_med["mgk.read_csv"]
            print(  # on a busy machine CPU time is the steadier measure; the goal is on wall-clock time
                f"  CPU: pandas {pandas_cpu:.3f} s, mgk {mgk_cpu:.3f} s; ratio {mgk_cpu / pandas_cpu:.2f}"
            )


if __name__ == "__main__":
    main()
