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
