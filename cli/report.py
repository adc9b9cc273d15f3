"""``mgkinetics report [SPEC.toml]``: a report of any experiment (default: the built-in AK report).

The spec format is documented in :mod:`mgkinetics.report.spec` and the README. The report is
written atomically into ``--out``; its headline (the AK kcat line) or a one-line summary is printed.
"""

from __future__ import annotations

import gc
import os
import sys

import click

from .basic_options import choice_option
from .options import quiet_option

__all__ = ["report", "owns_process"]


def owns_process() -> bool:
    """Whether this process is the ``mgkinetics`` command itself (the installed script, or
    ``python -m mgkinetics_cli.main``: their entry point claims it, :mod:`mgkinetics_cli.standalone`),
    which ends when the command does, rather than a program that runs the command inside itself
    (click's test runner, a notebook).

    Only then does ``report`` import its libraries with the garbage collector off (their objects
    live to the end: the ~400 collections an import of lmfit and matplotlib triggers, ~0.2 s,
    would free nothing) and then freeze its view of what exists (``gc.freeze``): in a
    short-lived process everything imported lives to the end anyway, so collections need
    not walk it; and it ends the process as soon as the report is written and its line printed
    (:func:`_end_process`), without Python's shutdown, which collected and freed every object of
    the imported libraries (~0.45 s of a report). In a long-lived process, frozen objects would
    never be collected, and the command must return to its caller.
    """
    from . import standalone

    return standalone.owned()


@click.command()
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(),
    help="Folder of report.html, report.md, tables/ (CSV, Markdown) and figures/ (with --format "
    "enzymeml: the DOC.json file).",
)
@choice_option(
    "--format",
    "fmt",
    choices=("html", "enzymeml"),
    help="enzymeml (built-in AK report only): the headline ak_random_bibi fits as an EnzymeML v2 "
    "document --out DOC.json (+ DOC.stats.json) instead of the report folder.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Processes running the analyses (0: the cores, at most 2; 1: none beside this one). "
    "The report is the same bytes whatever the number.",
)
@click.option(
    "--no-figures",
    "no_figures",
    is_flag=True,
    help="Tables and text only: no figure is drawn or written.",
)
@quiet_option
def report(spec: str | None, out_dir: str, fmt: str, jobs: int, no_figures: bool, quiet: bool) -> None:
    """Run the analyses of SPEC (a TOML file) and write a self-contained HTML report.

    Without SPEC, the built-in adenylate-kinase report (WT vs D84A, simulated data) is made and
    its kcat headline printed.
    """
    if fmt == "enzymeml":
        _enzymeml(spec, out_dir)
        return
    owns = owns_process()
    if owns:  # what is imported next lives until the process ends: no collection while importing
        gc.disable()
    try:
        parsed, command = _prepare(spec, out_dir, no_figures)
    finally:
        if owns:  # what is imported lives until the process ends: the collector need not walk it
            gc.freeze()
            gc.enable()
    from mgkinetics.report.build import build_report, write_report

    from .plotting import progress_enabled

    result = build_report(
        parsed, command=command, progress=progress_enabled(quiet), jobs=jobs or None, figures=not no_figures
    )
    write_report(result, out_dir)
    if result.headline:
        click.echo(result.headline)
    else:
        tables = sum(len(s.tables) for s in result.sections)
        figures = sum(len(s.figures) for s in result.sections)
        click.echo(
            f"{result.title}: {len(result.sections)} analyses, {tables} tables, {figures} figures "
            f"-> {out_dir}/report.html"
        )
    if owns:
        _end_process()


def _end_process() -> None:
    """End this process now, successfully: the report is written and its line printed. Python's
    own shutdown would next free every object of numpy, scipy, pandas, lmfit and matplotlib one by
    one (~0.1-0.2 s) in a process that is ending anyway; only the output streams need flushing."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _prepare(spec: str | None, out_dir: str, no_figures: bool):
    """The parsed spec and the command line to record, the output folder checked, and what the
    report's workers need imported here once (:func:`mgkinetics.report.parallel.warm`)."""
    import matplotlib

    matplotlib.use("Agg")  # files only
    from mgkinetics.ak.report import spec_path
    from mgkinetics.report.output import check_output_dir
    from mgkinetics.report.parallel import warm
    from mgkinetics.report.spec import load_spec

    parsed = load_spec(spec if spec is not None else spec_path())
    inputs = [parsed.source, *(p for a in parsed.analyses for p in a.data)]
    check_output_dir(inputs, out_dir)
    command = "mgkinetics report" + (f" {spec}" if spec is not None else "")
    command += f" --out {out_dir}" if out_dir != "reports" else ""
    command += " --no-figures" if no_figures else ""
    warm(None if no_figures else parsed.figure_format, parsed.analyses)
    return parsed, command


def _enzymeml(spec: str | None, out: str) -> None:
    """The AK headline fits as an EnzymeML document (nothing else written)."""
    from mgkinetics.ak import report as ak
    from mgkinetics.report.enzymeml import stats_path
    from mgkinetics.report.output import check_outputs

    from .main import UserError
    from .options import write_enzymeml_output

    if spec is not None:
        raise UserError("--format enzymeml writes the built-in AK report's fits; leave out SPEC")
    if not out.endswith(".json"):
        raise UserError(
            "--format enzymeml writes one JSON document and its .stats.json sidecar; give --out DOC.json"
        )
    paths = ak.dataset_paths()  # the built-in datasets (and their NAME.meta.json) are inputs
    check_outputs([ak.spec_path(), *paths.values()], [out, stats_path(out)])
    line, bibi = ak.headline_fits(paths)
    write_enzymeml_output([bibi[v] for v in bibi], out, name="mgkinetics AK report: ak_random_bibi")
    click.echo(line)
