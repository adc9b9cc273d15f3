"""Large-file benchmark: `mgkinetics fit` and `mgkinetics compare` of a 10^6-row CSV, end to end.

Writes a Michaelis-Menten data set (two variants of 500,000 rows each, 2 % noise, fixed seed) to a
temporary folder, then times each command once as a subprocess (start-up, reading, fitting,
diagnostics and output included) and checks the fitted values against the truth the file was
simulated from. Goal (issue 12): `fit` of 10^6 rows in under 30 s.

Run: python benchmarks/bench_large.py [--rows N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

TRUTH = {"wt": (10.0, 2.0), "mut": (4.0, 0.5)}  # variant: (vmax uM/s, km mM)


def mgkinetics_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("mgkinetics")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("mgkinetics")
    return [found] if found else [sys.executable, "-m", "mgkinetics_cli.main"]


def write_data(path: Path, rows: int) -> None:
    rng = np.random.default_rng(20261201)
    half = rows // 2
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("variant,s_mM,rate_uM_per_s\n")
        for variant, (vmax, km) in TRUTH.items():
            s = rng.uniform(0.05, 20.0, half)
            v = vmax * s / (km + s) * (1 + 0.02 * rng.standard_normal(half))
            np.savetxt(fh, np.column_stack([s, v]), fmt=f"{variant},%.6g,%.6g")


def timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(mgkinetics_cmd() + args, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, proc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "large.csv"
        t0 = time.perf_counter()
        write_data(data, rows)
        print(f"wrote {rows:,} rows in {time.perf_counter() - t0:.1f} s ({data.stat().st_size / 1e6:.0f} MB)")
        runs = {
            "fit": ["fit", str(data), "--law", "michaelis_menten", "--group", "variant", "--format", "json"],
            "compare": ["compare", str(data), "--law", "michaelis_menten", "--format", "json"],
        }
        for name, args in runs.items():
            elapsed, proc = timed(args)
            status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip()[:300]}"
            print(f"{name:8s} {elapsed:7.1f} s  {status}")
            ok &= proc.returncode == 0
            if name == "fit" and proc.returncode == 0:
                for fit in json.loads(proc.stdout)["fits"]:
                    variant = fit["group"]["variant"]
                    vmax, km = TRUTH[variant]
                    got = {k: p["value"] for k, p in fit["parameters"].items()}
                    print(
                        f"         {variant}: vmax {got['vmax']:.4f} (truth {vmax}),"
                        f" km {got['km']:.4f} (truth {km})"
                    )
                    ok &= abs(got["vmax"] / vmax - 1) < 0.01 and abs(got["km"] / km - 1) < 0.01
                ok &= elapsed < 30
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
