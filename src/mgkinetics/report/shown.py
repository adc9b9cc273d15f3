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


#: What shows each result class (by name): "module:function" for its text, its HTML and its figure,
#: imported when called; a class not listed is shown as a FitResult.
_TEXT = {
    "Estimate": "mgkinetics.report.display:estimate_text",
    "Comparison": "mgkinetics.report.compare_text:to_text",
    "BatchResult": "mgkinetics.report.batch_text:batch_text",
    "GlobalFitResult": "mgkinetics.report.display:global_text",
    "FitCollection": "mgkinetics.report.display:collection_text",
    "FitResult": "mgkinetics.report.display:fit_text",
}
_HTML = {
    "Estimate": "mgkinetics.report.display:estimate_html",
    "Comparison": "mgkinetics.report.compare_text:to_html",
    "BatchResult": "mgkinetics.report.batch_text:batch_html",
    "GlobalFitResult": "mgkinetics.report.display:global_html",
    "FitCollection": "mgkinetics.report.display:collection_html",
    "FitResult": "mgkinetics.report.display:fit_html",
}
_FIGURE = {
    "Comparison": "mgkinetics.report.figures:plot_comparison",
    "BatchResult": "mgkinetics.report.figures:plot_batch",
    "GlobalFitResult": "mgkinetics.report.figures:plot_global",
    "FitResult": "mgkinetics.report.figures:plot_fit",
}


def _shower(table: dict[str, str], obj: Any) -> Any:
    """The function of ``table`` for the class of ``obj`` (its FitResult entry when not listed)."""
    import importlib

    module, _, name = table.get(type(obj).__name__, table["FitResult"]).partition(":")
    return getattr(importlib.import_module(module), name)


def text_of(obj: Any) -> str:
    """The readable text of a result (what ``print`` shows)."""
    return _shower(_TEXT, obj)(obj)


def html_of(obj: Any) -> str:
    """The notebook HTML of a result."""
    return _shower(_HTML, obj)(obj)


def figure_of(obj: Any, **kwargs: Any) -> Any:
    """The figure of a result (see :mod:`mgkinetics.report.figures` for the keywords)."""
    return _shower(_FIGURE, obj)(obj, **kwargs)


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
