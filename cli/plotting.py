"""Figures and progress bars for the commands: the CLI, not the library, chooses the Agg backend."""

from __future__ import annotations

from typing import Any

import click

__all__ = ["check_plot_path", "write_plot", "progress_enabled"]

_SUFFIXES = (".png", ".svg", ".pdf")


def check_plot_path(path: str | None, inputs=()) -> None:
    """Refuse, before any computing, a --plot file whose suffix is not .png, .svg or .pdf, or
    that is one of the ``inputs`` or cannot be written."""
    if path is None:
        return
    if not path.lower().endswith(_SUFFIXES):
        raise click.BadParameter(
            f"'{path}': the figure is written as .png, .svg or .pdf", param_hint="--plot"
        )
    from .options import guard_outputs

    guard_outputs(list(inputs), path)


def write_plot(result: Any, path: str | None, **kwargs: Any) -> None:
    """Draw ``result.plot(**kwargs)`` (or a figure given directly) into ``path`` atomically."""
    if path is None:
        return
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, whatever the user's default backend is
    from mgkinetics.report.output import atomic_file
    from mgkinetics.report.savefig import save_figure

    fig = result.plot(**kwargs) if hasattr(result, "plot") else result
    suffix = path[path.rfind(".") :]
    with atomic_file(path) as tmp:
        target = tmp.with_name(tmp.name + suffix)
        save_figure(fig, target)
        target.replace(tmp)
    click.echo(f"figure: {path}", err=True)


def progress_enabled(quiet: bool) -> bool:
    """Progress bars only for a person: stderr is a terminal and --quiet was not given."""
    import sys

    return not quiet and sys.stderr.isatty()
