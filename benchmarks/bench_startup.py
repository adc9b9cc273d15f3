"""Start-up benchmark: `mgkinetics --help`, `python -c "import lmfit"` and `mgkinetics fit` of a
10-point file, each the median of 5 subprocess runs, printed as a table with the ratio of the
fit time to the lmfit import time (the floor any fit must pay).

Run: python benchmarks/bench_startup.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cli_command import mgkinetics_cmd  # benchmarks/ is on sys.path when run as a script

RUNS = 5


def median_time(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ten.csv"
        s = [0.1 * 2**k for k in range(10)]
        path.write_text("s_mM,rate_uM_per_s\n" + "".join(f"{x},{10 * x / (2 + x):.6g}\n" for x in s))
        cli = mgkinetics_cmd()
        rows = [
            ("mgkinetics --help", median_time(cli + ["--help"])),
            ('python -c "import lmfit"', median_time([sys.executable, "-c", "import lmfit"])),
            (
                "mgkinetics fit (10 points)",
                median_time(cli + ["fit", str(path), "--law", "michaelis_menten"]),
            ),
        ]
    t = dict(rows)
    lmfit_t = t['python -c "import lmfit"']
    print(f"{'command':<30} {'median of ' + str(RUNS) + ' (s)':>16} {'/ import lmfit':>15}")
    for name, value in rows:
        print(f"{name:<30} {value:>16.3f} {value / lmfit_t:>15.2f}")
    print(f"\nfit / import-lmfit ratio: {t['mgkinetics fit (10 points)'] / lmfit_t:.2f}")
    print(f"--help time: {t['mgkinetics --help']:.3f} s")


if __name__ == "__main__":
    main()
