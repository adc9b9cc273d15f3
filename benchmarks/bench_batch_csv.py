"""End to end on a CSV: `mgkinetics batch` of 10⁵ curves against a pandas + curve_fit loop script.

Run:  python benchmarks/bench_batch_csv.py [--curves 100000] [--loop-curves N] [--repeats 3]

Both sides are subprocesses started the same way (``python ...``), read the same CSV written here,
and write a CSV of results; the wall time of each subprocess is what is compared (start-up,
imports, reading, fitting and writing included). The runs are interleaved (ours, loop, ours, loop,
...) so both see the same machine load; the median and the spread of the ratios are printed.

The table is realistic and seeded: 8–12 points per curve, substrate from ~0.1 KM to ~20 KM on a
jittered geometric series, 3–10 % proportional noise (drawn per curve), long format with a curve id
column and units in the header (``curve_id,substrate_mM,rate_uM_per_s``).

The loop script is what a careful user would write: ``pandas.read_csv``, ``groupby`` on the curve id,
``scipy.optimize.curve_fit`` per curve (Levenberg–Marquardt, unbounded) from a textbook start
(Vmax₀ = the highest rate, KM₀ = the substrate whose rate is closest to half of it), standard
errors from the covariance, and a CSV of results. With ``--loop-curves N`` the loop fits a seeded
random subset of N curves (it reads the whole file, then keeps the subset's rows); the time of its
loop over the groups (iteration and curve_fit calls) is then scaled to all curves, the other
times are kept as measured, and the output says so.

Agreement: over curves where both succeed (mgkinetics status ``converged``; curve_fit finite with
finite SEs and KM inside 100× the highest substrate), the maximum relative difference of Vmax, KM
and their SEs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from cli_command import mgkinetics_cmd  # benchmarks/ is on sys.path when run as a script

LOOP_SCRIPT = r"""
import json, sys, time, warnings
t0 = time.perf_counter()
import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

path, out, subset, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t1 = time.perf_counter()
frame = pd.read_csv(path)
t2 = time.perf_counter()


def mm(s, vmax, km):
    return vmax * s / (km + s)


names = frame["curve_id"].unique()
if 0 < subset < len(names):  # a random subset of curves, filtered before the groupby
    keep = np.random.default_rng(seed).choice(names, subset, replace=False)
    frame = frame[frame["curve_id"].isin(keep)]
groups = frame.groupby("curve_id", sort=False)
rows = []
t3 = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for cid, g in groups:
        s = g["substrate_mM"].to_numpy(float)
        v = g["rate_uM_per_s"].to_numpy(float)
        vmax0 = float(v.max())
        km0 = float(s[np.argmin(np.abs(v - vmax0 / 2))])
        try:
            p, cov = curve_fit(mm, s, v, p0=(vmax0, km0), maxfev=2000)
            se = np.sqrt(np.diag(cov))
        except (RuntimeError, ValueError):
            p, se = (np.nan, np.nan), (np.nan, np.nan)
        rows.append((cid, p[0], p[1], se[0], se[1]))
t4 = time.perf_counter()
pd.DataFrame(rows, columns=["curve_id", "vmax", "km", "vmax_se", "km_se"]).to_csv(out, index=False)
t5 = time.perf_counter()
print(json.dumps(dict(imports=t1 - t0, read=t2 - t1, groupby=t3 - t2, fit=t4 - t3, write=t5 - t4,
                      fitted=len(rows), curves=len(names))))
"""


def make_csv(path: Path, n_curves: int, seed: int = 20261201) -> None:
    """Write the seeded long-format table (see the module docstring)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    npts = rng.integers(8, 13, n_curves)
    cid = np.repeat(np.arange(n_curves), npts)
    km = np.exp(rng.uniform(np.log(0.2), np.log(5.0), n_curves))
    vmax = np.exp(rng.uniform(np.log(1.0), np.log(200.0), n_curves))
    noise = rng.uniform(0.03, 0.10, n_curves)
    frac = np.concatenate([np.linspace(0.0, 1.0, k) for k in npts])
    lo = rng.uniform(0.08, 0.3, n_curves)
    hi = rng.uniform(8.0, 25.0, n_curves)
    s = km[cid] * lo[cid] * np.exp(frac * np.log(hi[cid] / lo[cid])) * rng.uniform(0.95, 1.05, cid.size)
    v = vmax[cid] * s / (km[cid] + s) * (1 + noise[cid] * rng.standard_normal(cid.size))
    frame = pd.DataFrame(
        {
            "curve_id": np.char.add("c", cid.astype(str)),
            "substrate_mM": s.round(6),
            "rate_uM_per_s": v.round(6),
        }
    )
    frame.to_csv(path, index=False)


def run_ours(csv: Path, out: Path) -> float:
    cmd = mgkinetics_cmd() + [
        "batch",
        str(csv),
        "--law",
        "michaelis_menten",
        "--curve",
        "curve_id",
        "--out",
        str(out),
    ]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t


def run_loop(csv: Path, out: Path, script: Path, subset: int, seed: int) -> tuple[float, dict]:
    cmd = [sys.executable, str(script), str(csv), str(out), str(subset), str(seed)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def agreement(ours_csv: Path, loop_csv: Path, csv: Path) -> dict:
    """Max relative differences where both succeed (see the module docstring)."""
    import pandas as pd

    ours = pd.read_csv(ours_csv)
    loop = pd.read_csv(loop_csv)
    top = pd.read_csv(csv).groupby("curve_id", sort=False)["substrate_mM"].max()
    both = ours.merge(loop, on="curve_id")
    both = both.join(top.rename("top_mM"), on="curve_id")
    loop_ok = (
        np.isfinite(both[["vmax", "km", "vmax_se", "km_se"]]).all(axis=1)
        & (both["km"] > 0)
        & (both["km"] < 100 * both["top_mM"])
    )
    ours_ok = both["status"] == "converged"
    sel = both[loop_ok & ours_ok]

    def rel(a, b):
        return float(np.max(np.abs(sel[a] / sel[b] - 1))) if len(sel) else float("nan")

    return dict(
        compared=len(sel),
        fitted_by_loop=len(loop),
        ours_converged=int(ours_ok.sum()),
        loop_only=int((loop_ok & ~ours_ok).sum()),
        ours_only=int((~loop_ok & ours_ok).sum()),
        vmax=rel("vmax_uM_per_s", "vmax"),
        km=rel("km_mM", "km"),
        vmax_se=rel("vmax_uM_per_s_stderr", "vmax_se"),
        km_se=rel("km_mM_stderr", "km_se"),
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", type=int, default=100_000)
    ap.add_argument("--loop-curves", type=int, default=0, help="fit a random subset in the loop (0: all)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261201)
    args = ap.parse_args(argv)

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv, ours_out, loop_out, script = (tmp / n for n in ("curves.csv", "ours.csv", "loop.csv", "loop.py"))
        make_csv(csv, args.curves, args.seed)
        script.write_text(LOOP_SCRIPT, encoding="utf-8")
        n_rows = sum(1 for _ in csv.open()) - 1
        ours_t, loop_t, ratios, loop_info = [], [], [], []
        for _ in range(args.repeats):
            ours_t.append(run_ours(csv, ours_out))
            wall, info = run_loop(csv, loop_out, script, args.loop_curves, args.seed)
            if info["fitted"] < info["curves"]:  # a subset: scale its fitting time to every curve
                wall += info["fit"] * (info["curves"] / info["fitted"] - 1)
            loop_t.append(wall)
            loop_info.append(info)
            ratios.append(wall / ours_t[-1])
        agree = agreement(ours_out, loop_out, csv)

    info = loop_info[-1]
    scaled = info["fitted"] < info["curves"]
    print(
        f"mgkinetics batch vs pandas + curve_fit loop, {args.curves:,} MM curves ({n_rows:,} rows), "
        f"{args.repeats} interleaved runs, {os.cpu_count()} CPUs"
    )
    print(
        f"  mgkinetics batch (subprocess, end to end): median {np.median(ours_t):.2f} s, "
        f"runs {', '.join(f'{t:.2f}' for t in ours_t)} s"
    )
    what = (
        f"fitting {info['fitted']:,} random curves, fit time scaled x{info['curves'] / info['fitted']:.1f}"
        if scaled
        else f"all {info['curves']:,} curves"
    )
    print(
        f"  pandas + curve_fit loop ({what}): median {np.median(loop_t):.2f} s, "
        f"runs {', '.join(f'{t:.2f}' for t in loop_t)} s"
    )
    print(
        f"    last loop run: imports {info['imports']:.2f} s, read {info['read']:.2f} s, groupby "
        f"{info['groupby']:.2f} s, fit {info['fit']:.2f} s, write {info['write']:.2f} s"
    )
    print(
        f"  ratio loop / mgkinetics: median {np.median(ratios):.1f}x "
        f"(spread {min(ratios):.1f}-{max(ratios):.1f}x; goal >= 5x)"
    )
    print(
        f"  agreement where both succeed ({agree['compared']:,} curves): max rel. diff "
        f"vmax {agree['vmax']:.1e}, km {agree['km']:.1e}, SE(vmax) {agree['vmax_se']:.1e}, "
        f"SE(km) {agree['km_se']:.1e}"
    )
    print(
        f"    mgkinetics converged {agree['ours_converged']:,}; only the loop succeeded on "
        f"{agree['loop_only']:,}, only mgkinetics on {agree['ours_only']:,} (of {agree['fitted_by_loop']:,} "
        "the loop fitted)"
    )
    print(
        "  machine load (1/5/15 min): before "
        + "/".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + "/".join(f"{x:.2f}" for x in os.getloadavg())
    )


if __name__ == "__main__":
    main()
