"""A report's analyses in worker processes (mgkinetics.report.parallel): the same bytes as a serial run.

Data: R's Puromycin (tests/data/report, provenance in its README). Nothing here is timed: the
speed is measured by benchmarks/bench_report.py.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from mgkinetics.errors import DataFormatError
from mgkinetics.report import parallel
from mgkinetics.report.build import build_report, write_report

DATA = Path(__file__).parent / "data" / "report"

needs_fork = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers are forked on Linux only"
)

SPEC = (
    'title = "Puromycin, two analyses"\nfigure_format = "{fmt}"\n'
    '[[analysis]]\nname = "separate"\nkind = "fit"\ndata = ["treated.csv", "untreated.csv"]\n'
    'law = "michaelis_menten"\n'
    '[[analysis]]\nname = "shared_km"\nkind = "global"\ndata = ["treated.csv", "untreated.csv"]\n'
    'law = "michaelis_menten"\nshared = ["km"]\n'
)


def _spec(folder: Path, fmt: str = "png", extra: str = "") -> Path:
    for name in ("treated.csv", "untreated.csv"):
        shutil.copy(DATA / name, folder / name)
    path = folder / "r.toml"
    path.write_text(SPEC.format(fmt=fmt) + extra, encoding="utf-8")
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@needs_fork
def test_workers_write_the_same_bytes_as_a_serial_run(tmp_path):
    fmt = "png"
    spec = _spec(tmp_path, fmt)
    serial = build_report(spec, command="r", jobs=1)
    forked = build_report(spec, command="r", jobs=2)
    assert all(f.figure is not None and f.drawn is None for s in serial.sections for f in s.figures)
    assert all(f.figure is None and f.drawn.kind == fmt for s in forked.sections for f in s.figures)
    write_report(serial, tmp_path / "serial")
    write_report(forked, tmp_path / "forked")
    a, b = _files(tmp_path / "serial"), _files(tmp_path / "forked")
    assert f"figures/separate_fits.{fmt}" in a and "tables/shared_km_estimates.csv" in a
    assert a == b  # every file, byte for byte: tables, pages (inline SVG ids included), figures
    assert [s.tables for s in serial.sections] == [s.tables for s in forked.sections]


@needs_fork
def test_an_analysis_that_fails_in_a_worker_raises_its_own_error(tmp_path):
    spec = _spec(
        tmp_path, extra='[[analysis]]\nname = "bad"\nkind = "no_such_module:nothing"\ndata = "treated.csv"\n'
    )
    with pytest.raises(DataFormatError, match="no_such_module:nothing"):
        build_report(spec, jobs=2)


def test_no_workers_where_processes_are_not_forked(monkeypatch):
    monkeypatch.setattr(parallel.sys, "platform", "win32")
    assert parallel.default_jobs(6) == 1


def test_default_jobs_bounded_by_cores_analyses_and_the_cap(monkeypatch):
    monkeypatch.setattr(parallel.sys, "platform", "linux")
    monkeypatch.setattr(parallel, "_cores", lambda: 8)
    assert parallel.default_jobs(6) == parallel.MAX_DEFAULT_JOBS == 2
    assert parallel.default_jobs(1) == 1
    monkeypatch.setattr(parallel, "_cores", lambda: 1)
    assert parallel.default_jobs(6) == 1


@needs_fork
def test_workers_that_cannot_start_leave_the_work_to_this_process(tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise OSError("no processes to be had")

    monkeypatch.setattr(parallel, "_in_workers", no_pool)
    report = build_report(_spec(tmp_path, "svg"), command="r", jobs=2)
    assert [s.name for s in report.sections] == ["separate", "shared_km"]
    assert all(f.drawn is not None for s in report.sections for f in s.figures)


def test_only_the_command_owning_its_process_freezes_the_collector_and_ends_it(monkeypatch, tmp_path):
    """``gc.freeze`` (no collection of what lives until exit) and the early end of the process
    (no interpreter shutdown) only where the process is the command itself: the installed script
    or ``python -m mgkinetics_cli.main``, whose entry point claims the process, never a program
    that runs the command inside itself, such as this test session (where the end is recorded
    instead of done)."""
    import gc

    from click.testing import CliRunner
    from mgkinetics_cli import main, standalone
    from mgkinetics_cli import report as report_cli
    from mgkinetics_cli.report import owns_process

    ended = []
    monkeypatch.setattr(report_cli, "_end_process", lambda: ended.append(True))
    monkeypatch.setattr(sys, "argv", ["/usr/local/bin/mgkinetics", "report"])
    assert not owns_process()  # a program name is not a claim: only an entry point claims
    s = [0.5, 1, 2, 4, 8, 16]
    rows = "".join(f"{x},{10 * x / (2 + x) * (1 + 0.02 * (-1) ** i):.6g}\n" for i, x in enumerate(s))
    (tmp_path / "wt.csv").write_text("s_mM,rate_uM_per_s\n" + rows)
    spec = tmp_path / "r.toml"
    spec.write_text('title = "WT"\n[[analysis]]\nname = "wt"\ndata = "wt.csv"\nlaw = "michaelis_menten"\n')
    before = gc.get_freeze_count()
    run = CliRunner().invoke(main.cli, ["report", str(spec), "--out", str(tmp_path / "a"), "--no-figures"])
    assert run.exit_code == 0, run.output
    assert gc.get_freeze_count() == before and not ended  # run inside this process: nothing frozen
    monkeypatch.setattr(standalone, "_claimed", [False])
    standalone.claim()  # what the installed script's entry point (main.run) does first
    assert owns_process()
    try:
        run = CliRunner().invoke(
            main.cli, ["report", str(spec), "--out", str(tmp_path / "b"), "--no-figures"]
        )
        assert run.exit_code == 0, run.output
        assert gc.get_freeze_count() > before  # as the command's own process would
        assert ended == [True] and "1 analyses" in run.output  # ended after its line
    finally:
        gc.unfreeze()


def test_the_command_in_its_own_process_ends_with_its_line_and_files(tmp_path):
    """``python -m mgkinetics_cli.main report`` ends itself once the report is written: exit code
    0, its summary line on stdout (flushed before the end), every file in place."""
    import subprocess

    s = [0.5, 1, 2, 4, 8, 16]
    rows = "".join(f"{x},{10 * x / (2 + x) * (1 + 0.02 * (-1) ** i):.6g}\n" for i, x in enumerate(s))
    (tmp_path / "wt.csv").write_text("s_mM,rate_uM_per_s\n" + rows)
    spec = tmp_path / "r.toml"
    spec.write_text('title = "WT"\n[[analysis]]\nname = "wt"\ndata = "wt.csv"\nlaw = "michaelis_menten"\n')
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "mgkinetics_cli.main", "report", str(spec), "--out", str(out), "--no-figures"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"WT: 1 analyses, 1 tables, 0 figures -> {out}/report.html\n"
    assert {p.name for p in out.iterdir()} == {"report.html", "report.md", "tables"}
    lines = (out / "tables" / "wt_estimates.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in lines] == ["parameter", "vmax", "km"]  # the whole table
