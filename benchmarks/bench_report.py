"""Speed of ``mgkinetics report`` against ``python -c "import lmfit"`` (the floor any fit pays).

Both run as subprocesses, in turn within each repeat (so a busy machine slows them alike), the
median of ``RUNS`` repeats, in one run; the report writes its tables, text and figures into a
temporary directory. Goal (issue 9): the report within 2.5× of the lmfit import.

The report runs its analyses in up to two worker processes (``--jobs``, default: the cores, at
most 2), so its wall time gains from a second core only when one is free: the load average is
printed before and after, and the CPU seconds (user + system, the process and its workers) of
each command beside its wall time, so that a run on a busy machine can be read.

Run: ``python benchmarks/bench_report.py [--no-figures] [--jobs N] [--runs N]`` (default 5 runs).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cli_command import mgkinetics_cmd  # benchmarks/ is on sys.path when run as a script

RUNS = 5


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``cmd`` (CPU: user + system of it and its children)."""
    cpu0, start = _cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return elapsed, cpu


def _options(argv: list[str]) -> list[str]:
    out = ["--no-figures"] if "--no-figures" in argv else []
    if "--jobs" in argv:
        out += ["--jobs", argv[argv.index("--jobs") + 1]]
    return out


def main() -> int:
    extra = _options(sys.argv[1:])
    lmfit_times, report_times = [], []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        report = [*mgkinetics_cmd(), "report", "--out", str(Path(tmp) / "report"), *extra]
        timed([sys.executable, "-c", "import lmfit"])  # warm the file cache
        argv = sys.argv[1:]
        for _ in range(int(argv[argv.index("--runs") + 1]) if "--runs" in argv else RUNS):
            lmfit_times.append(timed([sys.executable, "-c", "import lmfit"]))
            report_times.append(timed(report))
    ratios = sorted(r[0] / lm[0] for r, lm in zip(report_times, lmfit_times))
    t_lmfit = statistics.median(t for t, _ in lmfit_times)
    t_report = statistics.median(t for t, _ in report_times)
    c_lmfit = statistics.median(c for _, c in lmfit_times)
    c_report = statistics.median(c for _, c in report_times)
    ratio = t_report / t_lmfit
    print(f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")
    print(f"python -c 'import lmfit'   {t_lmfit:7.2f} s wall  {c_lmfit:7.2f} s CPU")
    print(
        f"mgkinetics report {' '.join(extra):9s}{t_report:7.2f} s wall  {c_report:7.2f} s CPU   "
        f"ratio {ratio:.2f} (goal <= 2.5; per repeat {ratios[0]:.2f}-{ratios[-1]:.2f}), "
        f"CPU ratio {c_report / c_lmfit:.2f}"
    )
    return 0 if ratio <= 2.5 else 1


if __name__ == "__main__":
    raise SystemExit(main())
