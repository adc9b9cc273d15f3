"""A report of any experiment: run the analyses of a spec and write HTML, Markdown, CSV and figures.

:func:`build_report` runs every ``[[analysis]]`` of a :mod:`spec <mgkinetics.report.spec>` and
returns a :class:`Report` (sections of tables, figures and templated words, plus provenance);
:func:`write_report` writes it into a folder, atomically (everything is staged beside the target
and moved into place only when complete, so an interrupted run leaves the previous report whole
and no stale file of it next to new ones):

* ``report.html`` — one self-contained page: inline CSS, figures inline (the PNG files' own bytes, or
  their SVG), no external URL;
* ``report.md`` — the same text and tables in Markdown, figures linked;
* ``tables/NAME.csv`` (full precision) and ``tables/NAME.md`` (rounded to the SE);
* ``figures/NAME.png`` (300 dpi) or ``.svg``.

The output is deterministic: a rerun gives the same bytes.

Examples
--------
>>> import pathlib, tempfile
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> s = [0.5, 1, 2, 4, 8, 16]
>>> rows = "".join(f"{x},{10 * x / (2 + x) * (1 + 0.02 * (-1) ** i):.6g}\\n" for i, x in enumerate(s))
>>> _ = (d / "wt.csv").write_text("s_mM,rate_uM_per_s\\n" + rows)
>>> _ = (d / "r.toml").write_text('title = "WT"\\n[[analysis]]\\nname = "wt"\\ndata = "wt.csv"\\n'
...                               'law = "michaelis_menten"\\n')
>>> report = build_report(d / "r.toml")
>>> [t.name for t in report.sections[0].tables]
['wt_estimates']
>>> files = write_report(report, d / "out")
>>> sorted(p.name for p in files)[:2]
['report.html', 'report.md']
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from mgkinetics.report.model import Section
from mgkinetics.report.spec import ReportSpec, load_spec

__all__ = ["Provenance", "Report", "build_report", "write_report", "provenance"]

_PACKAGES = ("numpy", "scipy", "lmfit", "pandas", "matplotlib", "jinja2")


@dataclass(frozen=True)
class Provenance:
    """Versions, input files with their SHA-256, and the command that made the report."""

    versions: tuple[tuple[str, str], ...]
    inputs: tuple[tuple[str, str], ...]
    command: str


@dataclass(frozen=True)
class Report:
    """A built report: title, description, sections, headline (may be empty), provenance."""

    title: str
    description: str
    sections: tuple[Section, ...]
    provenance: Provenance
    figure_format: str = "png"

    @property
    def headline(self) -> str:
        """The first section headline ('' when no section has one)."""
        return next((s.headline for s in self.sections if s.headline), "")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def provenance(spec: ReportSpec, command: str) -> Provenance:
    """Versions of Python, mgkinetics and its numeric libraries; SHA-256 of the spec and data."""
    import importlib.metadata as md
    import platform

    import mgkinetics

    versions = [("python", platform.python_version()), ("mgkinetics", mgkinetics.__version__)]
    for name in _PACKAGES:
        try:
            versions.append((name, md.version(name)))
        except md.PackageNotFoundError:  # pragma: no cover - every one is a dependency
            versions.append((name, "not installed"))
    folder = spec.source.parent
    files = [spec.source] + list(dict.fromkeys(p for a in spec.analyses for p in a.data))
    inputs = []
    for p in files:
        try:
            shown = str(p.relative_to(folder))
        except ValueError:
            shown = str(p)
        inputs.append((shown, _sha256(p)))
    return Provenance(tuple(versions), tuple(inputs), command)


def build_report(
    spec: ReportSpec | str | Path,
    *,
    command: str | None = None,
    progress: bool = False,
    jobs: int | None = 1,
    figures: bool = True,
) -> Report:
    """Run every analysis of ``spec`` (a path or a parsed spec).

    Parameters
    ----------
    spec : ReportSpec or path
    command : str, optional
        The command line to record in the provenance (default: this function's call).
    progress : bool
        Draw a progress bar on stderr (the command line turns it on for a terminal).
    jobs : int or None
        Processes running the analyses (:mod:`mgkinetics.report.parallel`; None: the cores, at
        most two). With 1 (the default) each figure stays a matplotlib Figure; with more, the
        figures come back drawn. The files written are the same bytes either way.
    figures : bool
        False: tables and text only (the figures are neither drawn nor written).

    Returns
    -------
    Report
    """
    from mgkinetics.report.parallel import run_analyses

    if not isinstance(spec, ReportSpec):
        spec = load_spec(spec)
    kind = spec.figure_format if figures else None
    sections = run_analyses(spec.analyses, figure_format=kind, jobs=jobs, progress=progress)
    cmd = command or f"mgkinetics.report.build.build_report('{spec.source.name}')"
    return Report(spec.title, spec.description, sections, provenance(spec, cmd), spec.figure_format)


def write_report(report: Report, out_dir: str | Path) -> list[Path]:
    """Write ``report`` into ``out_dir`` atomically; returns the files written (final paths)."""
    from mgkinetics.report.output import atomic_directory
    from mgkinetics.report.render import write_into

    out = Path(out_dir)
    with atomic_directory(out) as staging:
        written = write_into(report, staging)
        names = [p.relative_to(staging) for p in written]
    return [out / n for n in names]
