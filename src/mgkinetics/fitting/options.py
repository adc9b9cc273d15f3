"""The data keywords of every fitting entry point, declared once.

:func:`mgkinetics.fit` documents them; :func:`~mgkinetics.fit_shared`,
:func:`~mgkinetics.fit_many`, :func:`~mgkinetics.compare`, :func:`~mgkinetics.stats.selection.select_model`
and :func:`~mgkinetics.batch.bootstrap.bootstrap_curve` take them as ``**options`` and hand them on
through :func:`table_options`, so each keyword means the same thing everywhere and an unknown one is
refused by name instead of being ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from mgkinetics.fitting.problem import input_columns

if TYPE_CHECKING:
    from mgkinetics.fitting.weighting import WeightScheme
    from mgkinetics.laws.registry import RateLaw

__all__ = ["DATA_OPTIONS", "DataOptions", "check_options", "table_options"]


class DataOptions(TypedDict, total=False):
    """How a table becomes fit problems (see :func:`mgkinetics.fit` for each keyword)."""

    x: str | None
    y: str | None
    inhibitor: str | None
    enzyme: str | None
    columns: Mapping[str, str] | None
    weights: str | WeightScheme
    fix: Mapping[str, float | str] | None
    init: Mapping[str, float | str] | None
    input_units: Mapping[str, str] | None
    conditions: Mapping[str, float] | None
    pool: bool


DATA_OPTIONS: tuple[str, ...] = tuple(DataOptions.__annotations__)


def check_options(options: Mapping[str, Any], caller: str, accepted: tuple[str, ...] = DATA_OPTIONS) -> None:
    """Refuse keywords that ``caller`` does not take, as Python does for a plain signature.

    The :class:`TypeError` names each unknown keyword and lists the accepted ones.

    Examples
    --------
    >>> check_options({"x": "S_mM"}, "fit")
    >>> check_options({"weigths": "relative"}, "fit")
    Traceback (most recent call last):
    ...
    TypeError: fit() got an unexpected keyword argument 'weigths'; it takes x, y, inhibitor, enzyme, \
columns, weights, fix, init, input_units, conditions, pool
    """
    unknown = [k for k in options if k not in accepted]
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        names = ", ".join(f"'{k}'" for k in unknown)
        takes = ", ".join(accepted)
        raise TypeError(f"{caller}() got an unexpected keyword argument{s} {names}; it takes {takes}")


def table_options(
    law: RateLaw, options: Mapping[str, Any], *, group: str | list[str] | tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The :func:`~mgkinetics.fitting.problem.build_problems` keywords for ``options``.

    The law's input columns are resolved from ``columns`` and the ``x``/``inhibitor``/``enzyme``
    shortcuts (:func:`~mgkinetics.fitting.problem.input_columns`: a shortcut for an input the law
    does not have is an error), ``y`` becomes ``rate``, and the defaults are those of
    :func:`mgkinetics.fit`. ``fix`` and ``init`` are not table keywords: the caller reads them.
    """
    columns = input_columns(
        law,
        options.get("columns"),
        x=options.get("x"),
        inhibitor=options.get("inhibitor"),
        enzyme=options.get("enzyme"),
    )
    return {
        "columns": columns,
        "rate": options.get("y"),
        "group": group,
        "weights": options.get("weights", "none"),
        "input_units": options.get("input_units"),
        "conditions": options.get("conditions"),
        "pool": options.get("pool", False),
    }
