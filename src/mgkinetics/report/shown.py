"""The mixin that gives every result class its ``print``, notebook HTML and ``.plot()``.

Result classes (``FitResult``, ``Estimate``, ``FitCollection``, ``GlobalFitResult``,
``Comparison``, ``BatchResult``) inherit :class:`Shown`; the work is done by
:mod:`mgkinetics.report.display`, :mod:`mgkinetics.report.compare_text`,
:mod:`mgkinetics.report.batch_text` and :mod:`mgkinetics.report.figures`, imported when called so
that the result modules stay light. This module imports nothing at load time.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Shown", "text_of", "html_of", "figure_of"]


def text_of(obj: Any) -> str:
    """The readable text of a result (what ``print`` shows)."""
    kind = type(obj).__name__
    if kind == "Estimate":
        from mgkinetics.report.display import estimate_text

        return estimate_text(obj)
    if kind == "Comparison":
        from mgkinetics.report.compare_text import to_text

        return to_text(obj)
    if kind == "BatchResult":
        from mgkinetics.report.batch_text import batch_text

        return batch_text(obj)
    from mgkinetics.report import display

    if kind == "GlobalFitResult":
        return display.global_text(obj)
    if kind == "FitCollection":
        return display.collection_text(obj)
    return display.fit_text(obj)


def html_of(obj: Any) -> str:
    """The notebook HTML of a result."""
    kind = type(obj).__name__
    if kind == "Comparison":
        from mgkinetics.report.compare_text import to_html

        return to_html(obj)
    if kind == "BatchResult":
        from mgkinetics.report.batch_text import batch_html

        return batch_html(obj)
    from mgkinetics.report import display

    if kind == "Estimate":
        import html

        return f'<span class="mgk-estimate">{html.escape(display.estimate_repr(obj))}</span>'
    if kind == "GlobalFitResult":
        return display.global_html(obj)
    if kind == "FitCollection":
        return display.collection_html(obj)
    return display.fit_html(obj)


def figure_of(obj: Any, **kwargs: Any) -> Any:
    """The figure of a result (see :mod:`mgkinetics.report.figures` for the keywords)."""
    from mgkinetics.report import figures

    kind = type(obj).__name__
    if kind == "Comparison":
        return figures.plot_comparison(obj, **kwargs)
    if kind == "BatchResult":
        return figures.plot_batch(obj, **kwargs)
    if kind == "GlobalFitResult":
        return figures.plot_global(obj, **kwargs)
    return figures.plot_fit(obj, **kwargs)


class Shown:
    """Mixin: ``str()``/``repr()`` give readable text, ``_repr_html_`` a notebook table, and
    ``plot(**kwargs)`` a matplotlib Figure (keywords as :func:`mgkinetics.report.figures.plot_fit`)."""

    __slots__ = ()

    def __str__(self) -> str:
        return text_of(self)

    def __repr__(self) -> str:
        if type(self).__name__ == "Estimate":
            from mgkinetics.report.display import estimate_repr

            return estimate_repr(self)
        return text_of(self).rstrip("\n")

    def _repr_html_(self) -> str:
        return html_of(self)

    def plot(self, **kwargs: Any) -> Any:
        """A matplotlib Figure of this result (see :mod:`mgkinetics.report.figures`)."""
        return figure_of(self, **kwargs)
