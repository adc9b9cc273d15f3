"""Writing a :class:`~mgkinetics.report.build.Report`: HTML and Markdown from templates, CSV tables,
figures. Everything is written into one folder (the staging folder of
:func:`mgkinetics.report.build.write_report`); nothing here holds a timestamp.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mgkinetics.report.prose import environment

__all__ = ["RenderedFigure", "write_into", "html_page", "markdown_page"]


@dataclass(frozen=True)
class RenderedFigure:
    """A figure as it appears in the page: number, caption, its element (an inline ``<svg>``, or an
    ``<img>`` of the PNG file's own bytes), and its file."""

    number: int
    name: str
    caption: str
    element: str
    file: str


def _render_figures(report: Any, folder: Path) -> dict[str, list[RenderedFigure]]:
    from mgkinetics.report.savefig import drawn_figure, prefix_ids

    out: dict[str, list[RenderedFigure]] = {}
    n = 0
    if any(section.figures for section in report.sections):
        (folder / "figures").mkdir(exist_ok=True)
    for section in report.sections:
        for spec in section.figures:
            n += 1
            file = f"figures/{spec.name}.{report.figure_format}"
            if spec.drawn is not None:  # drawn by a worker process: the same text and bytes
                if spec.drawn.kind != report.figure_format:
                    raise ValueError(f"figure {spec.name} was drawn as {spec.drawn.kind}")
                element, data = spec.drawn.element, spec.drawn.data
            else:
                element, data = drawn_figure(spec.made().figure, report.figure_format)  # closes it
            if element.startswith("<svg"):  # ids unique on the page
                element = prefix_ids(element, f"fig{n}")
            (folder / file).write_bytes(data)
            out.setdefault(section.name, []).append(RenderedFigure(n, spec.name, spec.caption, element, file))
    return out


def _context(report: Any, figures: dict[str, list[RenderedFigure]]) -> dict[str, Any]:
    return {"report": report, "figures": figures, "css": environment().get_template("report.css").render()}


def html_page(report: Any, figures: dict[str, list[RenderedFigure]]) -> str:
    """The self-contained HTML page (inline CSS; figures inline as SVG or as PNG data)."""
    return environment().get_template("report.html.j2").render(**_context(report, figures))


def markdown_page(report: Any, figures: dict[str, list[RenderedFigure]]) -> str:
    """The Markdown version of the page (figures linked, not inlined)."""
    text = environment().get_template("report.md.j2").render(**_context(report, figures))
    return re.sub(r"\n{3,}", "\n\n", text)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


def write_into(report: Any, folder: str | Path) -> list[Path]:
    """Write every file of ``report`` into ``folder``; returns their paths."""
    folder = Path(folder)
    written: list[Path] = []
    for section in report.sections:
        for table in section.tables:
            written.append(_write(folder / "tables" / f"{table.name}.csv", table.to_csv()))
            written.append(
                _write(folder / "tables" / f"{table.name}.md", f"{table.title}\n\n{table.to_markdown()}")
            )
    figures = _render_figures(report, folder)
    written += [folder / f.file for fs in figures.values() for f in fs]
    written.append(_write(folder / "report.html", html_page(report, figures)))
    written.append(_write(folder / "report.md", markdown_page(report, figures)))
    return sorted(written)
