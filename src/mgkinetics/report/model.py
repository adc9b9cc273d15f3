"""What a report is made of: tables, figures and sections, independent of how they are written.

A :class:`Table` keeps two faces of the same numbers: raw values for CSV (full precision, ``repr``
of each float) and display cells for HTML and Markdown (each value rounded to its standard
error). :func:`estimate_table` builds one from fit estimates so that the two cannot disagree.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mgkinetics.report.numbers import format_ci, format_pm, format_rough, format_value, pretty_unit

__all__ = ["Table", "DrawnFigure", "FigureSpec", "Section", "estimate_table", "csv_cell"]


def csv_cell(x: Any) -> str:
    """A CSV cell: floats at full precision (``repr``), non-finite and None empty, booleans yes/no."""
    if x is None:
        return ""
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return "yes" if x else "no"
    if isinstance(x, float) or type(x).__name__.startswith("float"):
        return repr(float(x)) if math.isfinite(float(x)) else ""
    return str(x)


@dataclass(frozen=True)
class Table:
    """One table: ``name`` (the CSV file stem), ``title``, raw ``columns``/``rows`` for CSV, and
    ``headers``/``cells`` (text, rounded) for HTML and Markdown."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    headers: tuple[str, ...] = ()
    cells: tuple[tuple[str, ...], ...] = ()

    def to_csv(self) -> str:
        """CSV text, full precision."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows([csv_cell(c) for c in r] for r in self.rows)
        return out.getvalue()

    def display(self) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """Headers and rounded cells (the raw rows, formatted, when no cells were given)."""
        if self.headers:
            return self.headers, self.cells
        return self.columns, tuple(tuple(_plain_cell(c) for c in r) for r in self.rows)

    def to_markdown(self) -> str:
        """A Markdown table of the display cells."""
        headers, cells = self.display()
        esc = [h.replace("|", "\\|") for h in headers]
        lines = ["| " + " | ".join(esc) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in cells]
        return "\n".join(lines) + "\n"

    def records(self) -> list[dict[str, Any]]:
        """Raw rows as dicts."""
        return [dict(zip(self.columns, r)) for r in self.rows]


def _plain_cell(x: Any) -> str:
    if isinstance(x, float) or type(x).__name__.startswith("float"):
        return format_value(float(x))
    return csv_cell(x)


@dataclass(frozen=True)
class DrawnFigure:
    """A figure already drawn: its element for the page (see
    :func:`mgkinetics.report.savefig.drawn_figure`; SVG ids not yet prefixed) and the bytes of its
    file of type ``kind``."""

    element: str
    kind: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class FigureSpec:
    """A figure to write: file stem, caption (a sentence or two), and the figure in one of three
    states: ``make``, a callable of no arguments that returns the matplotlib Figure (nothing
    built yet: a report without figures never calls it); ``figure``, the Figure made; ``drawn``,
    the figure as drawn by a worker process (``figure`` None)."""

    name: str
    caption: str
    figure: Any = field(default=None, repr=False, compare=False)
    drawn: DrawnFigure | None = field(default=None, repr=False, compare=False)
    make: Callable[[], Any] | None = field(default=None, repr=False, compare=False)

    def made(self) -> FigureSpec:
        """This figure with its Figure made (itself when it is made or drawn already)."""
        if self.make is None:
            return self
        return replace(self, figure=self.make(), make=None)


@dataclass(frozen=True)
class Section:
    """One section of a report: heading, paragraphs (already worded from the results), tables,
    figures, and optionally the report's one-line headline."""

    name: str
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    figures: tuple[FigureSpec, ...] = ()
    headline: str = ""
    notes: tuple[str, ...] = ()


def estimate_table(
    name: str, title: str, labels: Sequence[str], entries: Sequence[tuple], extra: Sequence[str] = ()
) -> Table:
    """A table of estimates: ``entries`` are ``(label values..., Estimate, status, extra values...)``.

    CSV columns: the labels, ``value, stderr, ci_low, ci_high, unit, ci_level, ci_method, status``
    and the extras; display: the labels, ``value ± SE``, ``CI`` (rounded to the SE), unit, status.
    """
    nl = len(labels)
    columns = (
        *labels,
        "value",
        "stderr",
        "ci_low",
        "ci_high",
        "unit",
        "ci_level",
        "ci_method",
        "status",
        *extra,
    )
    rows, cells = [], []
    for entry in entries:
        lab, e, status, more = entry[:nl], entry[nl], entry[nl + 1], entry[nl + 2 :]
        rows.append(
            (
                *lab,
                e.value,
                e.stderr,
                e.ci_low,
                e.ci_high,
                e.unit.label,
                e.ci_level,
                "" if e.fixed else e.ci_method,
                status,
                *more,
            )
        )
        se = e.stderr if e.stderr is not None and math.isfinite(e.stderr) and e.stderr > 0 else None
        if e.fixed:
            shown = format_value(e.value) + " (fixed)"
        elif str(status).startswith("not bounded"):
            shown = format_rough(e.value)  # where the fit stopped, not a result: two digits
        else:
            shown = format_pm(e.value, se)
        ci = "" if e.fixed else format_ci(e.ci_low, e.ci_high, se, value=e.value)
        if ci and not e.fixed:
            ci += f" ({e.ci_level:.0%} {e.ci_method})"
        cells.append(
            (*map(str, lab), shown, ci, pretty_unit(e.unit.label), status, *(_plain_cell(m) for m in more))
        )
    headers = (*labels, "value ± SE", "confidence interval", "unit", "status", *extra)
    if not any(c[nl + 3] for c in cells):  # no estimate needs a status: no empty column on the page
        keep = [i for i in range(len(headers)) if i != nl + 3]
        headers = tuple(headers[i] for i in keep)
        cells = [tuple(c[i] for i in keep) for c in cells]
    return Table(name, title, columns, tuple(rows), headers, tuple(cells))
