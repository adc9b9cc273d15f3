"""Large-file benchmark: `mgkinetics fit`, `compare` and `speciate` of 10^6-row CSVs, end to end.

Writes a Michaelis-Menten data set (two variants of 500,000 rows each, 2 % noise, fixed seed) to a
temporary folder, then times each command as a fresh subprocess (start-up, reading, fitting,
diagnostics and output included), the two commands interleaved, ``--repeat`` times, and prints the
median and the range of the wall time and of the CPU time the subprocess used (user + system:
on a machine shared with other jobs the wall time grows with the load, the CPU time much less).
Every run is checked against the truth the file was simulated from: `fit`'s Vmax and KM of each
variant and `compare`'s variant/reference ratios within 1 %, and `compare` must find both
parameters different (a sharing test that prefers "separate"). `speciate` reads a second file of
10^6 Mg/ATP totals (uniform 0.1-10 mM and 0.1-5 mM) and writes the species of every row; each run
checks that every row's species balance its totals (free + MgATP = total, to the 6 significant
digits written) and that the output has one row per input row. Goals (issue 12): `fit` of 10^6
rows in under 30 s (median wall time); `fit` and `compare` "in seconds" (CPU time is the figure
that does not depend on the load).

Run: python benchmarks/bench_large.py [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from cli_command import mgkinetics_cmd  # benchmarks/ is on sys.path when run as a script

TRUTH = {"wt": (10.0, 2.0), "mut": (4.0, 0.5)}  # variant: (vmax uM/s, km mM)
GOAL_FIT_S = 30.0


def write_data(path: Path, rows: int) -> None:
    rng = np.random.default_rng(20261201)
    half = rows // 2
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("variant,s_mM,rate_uM_per_s\n")
        for variant, (vmax, km) in TRUTH.items():
            s = rng.uniform(0.05, 20.0, half)
            v = vmax * s / (km + s) * (1 + 0.02 * rng.standard_normal(half))
            np.savetxt(fh, np.column_stack([s, v]), fmt=f"{variant},%.6g,%.6g")


def write_speciation(path: Path, rows: int) -> None:
    rng = np.random.default_rng(20261202)
    totals = np.column_stack([rng.uniform(0.1, 10.0, rows), rng.uniform(0.1, 5.0, rows)])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("mg_total_mM,atp_total_mM\n")
        np.savetxt(fh, totals, fmt="%.6g", delimiter=",")


def check_speciate(out_path: Path, rows: int) -> list[str]:
    """Row count and the mass balances of the written species (relative, 6 digits written)."""
    table = np.loadtxt(out_path, delimiter=",", skiprows=1)
    header = out_path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    col = {name: table[:, i] for i, name in enumerate(header)}
    mg = np.abs(col["mg_free_mM"] + col["mgatp_mM"] - col["mg_total_mM"]) / col["mg_total_mM"]
    atp = np.abs(col["atp_free_mM"] + col["mgatp_mM"] - col["atp_total_mM"]) / col["atp_total_mM"]
    good = table.shape[0] == rows and max(mg.max(), atp.max()) < 2e-5  # 3 values at 5e-7 rounding each
    return [
        f"{table.shape[0]:,} rows; worst relative balance Mg {mg.max():.1e}, ATP {atp.max():.1e}"
        + ("" if good else "  FAIL")
    ]


def timed(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall time, CPU time (user + system of the child) and the finished process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(mgkinetics_cmd() + args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def check_fit(out: dict) -> list[str]:
    """Lines that describe each variant's fit against the truth; ``FAIL`` in any that misses."""
    lines = []
    for fit in out["fits"]:
        variant = fit["group"]["variant"]
        vmax, km = TRUTH[variant]
        got = {k: p["value"] for k, p in fit["parameters"].items()}
        good = abs(got["vmax"] / vmax - 1) < 0.01 and abs(got["km"] / km - 1) < 0.01
        lines.append(
            f"{variant}: vmax {got['vmax']:.4f} (truth {vmax}), km {got['km']:.4f} (truth {km})"
            + ("" if good else "  FAIL")
        )
    return lines


def check_compare(out: dict) -> list[str]:
    """The ratios mut/wt against the truth and the sharing tests' verdicts."""
    lines = []
    for name, index in (("vmax", 0), ("km", 1)):
        truth = TRUTH["mut"][index] / TRUTH["wt"][index]
        got = out["ratios"][name]["value"]
        good = abs(got / truth - 1) < 0.01
        lines.append(f"ratio {name} {got:.4f} (truth {truth})" + ("" if good else "  FAIL"))
    verdicts = {t["parameter"]: t["preferred"] for t in out["tests"]}
    good = verdicts == {"vmax": "separate", "km": "separate"}
    lines.append(f"sharing tests: {verdicts}" + ("" if good else "  FAIL"))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (interleaved)")
    opts = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        data, species, species_out = (Path(tmp) / n for n in ("large.csv", "totals.csv", "species.csv"))
        t0 = time.perf_counter()
        write_data(data, opts.rows)
        write_speciation(species, opts.rows)
        size = (data.stat().st_size + species.stat().st_size) / 1e6
        print(f"wrote 2 x {opts.rows:,} rows in {time.perf_counter() - t0:.1f} s ({size:.0f} MB)")
        print(
            f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)"
        )
        runs = {
            "fit": ["fit", str(data), "--law", "michaelis_menten", "--group", "variant", "--format", "json"],
            "compare": ["compare", str(data), "--law", "michaelis_menten", "--format", "json"],
            "speciate": ["speciate", str(species), "--out", str(species_out)],
        }
        checks = {
            "fit": lambda proc: check_fit(json.loads(proc.stdout)),
            "compare": lambda proc: check_compare(json.loads(proc.stdout)),
            "speciate": lambda proc: check_speciate(species_out, opts.rows),
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for i in range(opts.repeat):
            for name, args in runs.items():
                wall, cpu, proc = timed(args)
                status = (
                    "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.strip()[:300]}"
                )
                print(f"run {i + 1} {name:8s} wall {wall:6.1f} s  cpu {cpu:6.1f} s  {status}")
                ok &= proc.returncode == 0
                if proc.returncode == 0:
                    times[name].append((wall, cpu))
                    for line in checks[name](proc):
                        if i == 0 or line.endswith("FAIL"):  # every run is checked, the first shown
                            print(f"         {line}")
                        ok &= not line.endswith("FAIL")
        for name, pairs in times.items():
            if not pairs:
                continue
            walls, cpus = [w for w, _ in pairs], [c for _, c in pairs]
            print(
                f"{name:8s} median wall {statistics.median(walls):6.1f} s"
                f" (range {min(walls):.1f}-{max(walls):.1f}),"
                f" median cpu {statistics.median(cpus):6.1f} s (range {min(cpus):.1f}-{max(cpus):.1f}),"
                f" {len(pairs)} runs"
            )
        if times["fit"]:
            ok &= statistics.median(w for w, _ in times["fit"]) < GOAL_FIT_S
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
