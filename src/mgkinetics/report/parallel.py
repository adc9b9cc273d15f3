"""Running a report's analyses in worker processes, figures drawn where they were made.

The analyses of a spec are independent, and most of a report's time is spent fitting and drawing
(matplotlib). :func:`run_analyses` runs them in ``jobs`` processes forked from this one (they
inherit everything imported so far, so a worker starts at once): each worker runs whole analyses
and draws their figures into SVG text and file bytes (:class:`~mgkinetics.report.model.DrawnFigure`),
which travel back with the section; the pages are written here, in the analyses' order.

The result does not depend on ``jobs``: an analysis computes the same numbers in any process (the
speciation cache returns exactly what a fresh solve does), and a figure is drawn by the same code
from the same state, so the files are the same bytes as those of a serial run (``jobs=1``, which
keeps the matplotlib Figures in the sections). Workers are used only where ``fork`` is the
platform's way to start processes (Linux); elsewhere, when processes cannot be started, or when
an analysis fails in a worker, the work is done here, serially (a failure then raises its own
error, with its own message).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from mgkinetics.report.model import DrawnFigure, Section

__all__ = [
    "MAX_DEFAULT_JOBS",
    "WORKER_GC_THRESHOLD",
    "WORKER_MODULES",
    "FIGURE_MODULES",
    "default_jobs",
    "draw_section",
    "without_figures",
    "warm",
    "run_analyses",
]

#: Workers used when none are asked for: the machine's cores, at most this many.
MAX_DEFAULT_JOBS = 2


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_jobs(n_tasks: int) -> int:
    """Processes for ``n_tasks`` analyses: cores available, at most :data:`MAX_DEFAULT_JOBS`, at
    most one per analysis, and 1 where workers are not forked (see the module docstring)."""
    if not sys.platform.startswith("linux"):
        return 1
    return max(1, min(MAX_DEFAULT_JOBS, _cores(), n_tasks))


def draw_section(section: Section, kind: str | None) -> Section:
    """``section`` with each figure drawn (page element, file bytes of type ``kind``) and closed;
    ``kind`` None: without its figures (closed, not drawn)."""
    from mgkinetics.report.savefig import drawn_figure

    if kind is None:
        return without_figures(section)
    drawn = []
    for spec in section.figures:
        element, data = drawn_figure(spec.made().figure, kind)  # closes it
        drawn.append(replace(spec, figure=None, make=None, drawn=DrawnFigure(element, kind, data)))
    return replace(section, figures=tuple(drawn))


def without_figures(section: Section) -> Section:
    """``section`` without its figures (those made are closed; those not made are never made)."""
    if any(spec.figure is not None for spec in section.figures):
        import matplotlib.pyplot as plt

        for spec in section.figures:
            if spec.figure is not None:
                plt.close(spec.figure)
    return replace(section, figures=())


def _run(analysis: Any, figures: bool = True) -> Section:
    """One analysis, its figures made (``figures``; else none is built) at the resolution of the
    PNG files (so the layout computed when a figure is made measures its text once for both)."""
    from mgkinetics.report.analyses import run_analysis

    if not figures:
        return without_figures(run_analysis(analysis))
    import matplotlib

    from mgkinetics.report.savefig import DPI

    with matplotlib.rc_context({"figure.dpi": DPI}):
        section = run_analysis(analysis)  # an application's section may make its figures here
        return replace(section, figures=tuple(spec.made() for spec in section.figures))


def _work(task: tuple[int, Any, str | None]) -> tuple[int, Section | None]:
    """In a worker: one analysis, its figures drawn; None when it failed (redone in the parent)."""
    index, analysis, kind = task
    try:
        return index, draw_section(_run(analysis, kind is not None), kind)
    except Exception:  # noqa: BLE001 - the parent reruns it and raises the error itself
        import matplotlib.pyplot as plt

        plt.close("all")
        return index, None


#: A worker's collector runs once per this many new container objects (Python's default: 700):
#: drawing a figure makes tens of thousands of short-lived ones, and a collection each 700 was
#: about 4 % of a worker's time; cycles are still collected, a few times a report.
WORKER_GC_THRESHOLD = 20_000


def _worker_start() -> None:
    """A worker's start: what it inherited stays until it exits, so its collector need not walk
    it (``gc.freeze``), and collects less often (:data:`WORKER_GC_THRESHOLD`)."""
    gc.freeze()
    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


#: What a worker imports to run analyses (beside the fit engine): their module, the fits'
#: diagnostics, the data files' reader.
WORKER_MODULES = ("mgkinetics.report.analyses", "mgkinetics.stats.diagnostics", "mgkinetics.data.textfile")
#: What a worker imports to make and draw figures (beside pyplot): the figures, their bands, the
#: Agg canvas, the files' writer.
FIGURE_MODULES = (
    "mgkinetics.report.figures",
    "mgkinetics.stats.bands",
    "matplotlib.backends.backend_agg",
    "mgkinetics.report.savefig",
)


def warm(kind: str | None, analyses: Sequence[Any] = ()) -> None:
    """Import here, once, what every worker would otherwise import for itself (the fit engine,
    jinja2 and the report's template environment, :data:`WORKER_MODULES`, the module of each
    application's analysis kind (``module:function``) in ``analyses``, and pyplot and
    :data:`FIGURE_MODULES` when figures of type ``kind`` are drawn): forked workers inherit it,
    where each worker would import it again. jinja2 is needed here too, for the pages written
    after the workers end, so importing it before they start takes its import off the end of the
    run. A module that fails to import is left to the worker (whose analysis then fails with
    its own message)."""
    import importlib

    import lmfit  # noqa: F401

    from mgkinetics.report.prose import environment

    environment()
    names = [*WORKER_MODULES, *(a.kind.partition(":")[0] for a in analyses if ":" in a.kind)]
    if kind is not None:
        import matplotlib.pyplot  # noqa: F401

        names += FIGURE_MODULES
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the worker meets it again and reports it as its own
            continue


def _in_workers(analyses: Sequence[Any], kind: str, jobs: int) -> Iterator[tuple[int, Section | None]]:
    import multiprocessing

    warm(kind, analyses)
    context = multiprocessing.get_context("fork")
    tasks = [(i, a, kind) for i, a in enumerate(analyses)]
    # a worker lives for one report (its collector is set in the worker only; this process is
    # left as it was)
    with context.Pool(processes=jobs, initializer=_worker_start) as pool:
        yield from pool.imap(_work, tasks, chunksize=1)


def run_analyses(
    analyses: Sequence[Any],
    *,
    figure_format: str | None = "png",
    jobs: int | None = 1,
    progress: bool = False,
) -> tuple[Section, ...]:
    """The section of every analysis, in order.

    Parameters
    ----------
    analyses : sequence of Analysis
        As :func:`mgkinetics.report.spec.load_spec` returns them.
    figure_format : {"png", "svg", "pdf"} or None
        The type of the figure files (what workers draw); None: sections without figures.
    jobs : int or None
        Processes to use: 1 runs everything here and keeps the matplotlib Figures; None chooses
        :func:`default_jobs`.
    progress : bool
        Draw a progress bar on stderr.

    Returns
    -------
    tuple of Section
    """
    from mgkinetics.report.progress import track

    analyses = list(analyses)
    jobs = default_jobs(len(analyses)) if jobs is None else max(1, min(int(jobs), len(analyses) or 1))
    if jobs == 1 or not sys.platform.startswith("linux"):
        return tuple(_run(a, figure_format is not None) for a in track(analyses, "report", enabled=progress))
    sections: list[Section | None] = [None] * len(analyses)
    try:
        done = _in_workers(analyses, figure_format, jobs)
        for index, section in track(done, "report", total=len(analyses), enabled=progress):
            sections[index] = section
    except Exception:  # noqa: BLE001 - no workers to be had, or no way back: the rest serially, here
        pass
    return tuple(
        s if s is not None else draw_section(_run(a, figure_format is not None), figure_format)
        for s, a in zip(sections, analyses, strict=True)
    )
