"""The words of a report, from templates (jinja2): no sentence is typed next to its numbers.

Each template in ``mgkinetics/report/templates/`` defines macros; :func:`words` calls one with
the results and returns its text with runs of whitespace collapsed (so templates can be laid
out readably). Numbers enter only through the filters, which round them to their standard
errors (:mod:`mgkinetics.report.numbers`): ``pm`` (value ± SE), ``val`` (value, optionally to an
SE), ``ci`` (an interval), ``est`` (an Estimate with its unit), ``unit`` (a unit label as printed),
``rough`` (two digits, for where a runaway fit stopped), ``pct``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from mgkinetics.report.numbers import format_ci, format_pm, format_rough, format_value, pretty_unit

__all__ = ["environment", "words", "paragraphs"]


def _est(e: Any) -> str:
    unit = pretty_unit(e.unit.label) if e.unit.label not in ("1", "") else ""
    if e.fixed:
        return f"{format_value(e.value)} {unit} (fixed)".replace("  ", " ")
    return format_pm(e.value, e.stderr, unit)


def _ci(obj: Any, se: float | None = None) -> str:
    return format_ci(
        obj.ci_low, obj.ci_high, se if se is not None else getattr(obj, "stderr", None), value=obj.value
    )


@lru_cache(maxsize=4)
def environment(package: str = "mgkinetics.report") -> Any:
    """The jinja2 environment of a package's ``templates/`` folder (package data)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        pm=format_pm,
        val=format_value,
        ci=_ci,
        est=_est,
        unit=pretty_unit,
        pct=lambda x: f"{x:.0%}",
        rough=format_rough,
    )
    return env


def words(template: str, macro: str, *, package: str = "mgkinetics.report", **context: Any) -> str:
    """Call ``macro`` of ``template`` (in ``package``'s templates) with ``context``; whitespace runs
    become one space."""
    module = environment(package).get_template(template).make_module(vars=context)
    text = str(getattr(module, macro)())
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(
    template: str, macro: str, *, package: str = "mgkinetics.report", **context: Any
) -> tuple[str, ...]:
    """Like :func:`words`, split into paragraphs at each ``¶``."""
    module = environment(package).get_template(template).make_module(vars=context)
    text = str(getattr(module, macro)())
    return tuple(p for p in (re.sub(r"\s+", " ", part).strip() for part in text.split("¶")) if p)
