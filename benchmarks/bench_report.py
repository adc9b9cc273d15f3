"""Speed of ``mgkinetics report`` against ``python -c "import lmfit"`` (the floor any fit pays).

Both run as subprocesses, in turn within each repeat (so a busy machine slows them alike), the
median of ``RUNS`` repeats, in one run; the report writes its tables, text and figures into a
temporary directory. Goal (issue 9): the report within 2.5× of the lmfit import.

Run: ``python benchmarks/bench_report.py [--no-figures]``.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5


def mgkinetics_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("mgkinetics")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("mgkinetics")
    return [found] if found else [sys.executable, "-m", "mgkinetics_cli.main"]


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return elapsed


def main() -> int:
    extra = [a for a in sys.argv[1:] if a == "--no-figures"]
    lmfit_times, report_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        report = [*mgkinetics_cmd(), "report", "--out", str(Path(tmp) / "report"), *extra]
        timed([sys.executable, "-c", "import lmfit"])  # warm the file cache
        for _ in range(RUNS):
            lmfit_times.append(timed([sys.executable, "-c", "import lmfit"]))
            report_times.append(timed(report))
    t_lmfit, t_report = statistics.median(lmfit_times), statistics.median(report_times)
    ratio = t_report / t_lmfit
    print(f"python -c 'import lmfit'   {t_lmfit:7.2f} s")
    print(f"mgkinetics report {' '.join(extra):9s}{t_report:7.2f} s   ratio {ratio:.2f} (goal <= 2.5)")
    return 0 if ratio <= 2.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
