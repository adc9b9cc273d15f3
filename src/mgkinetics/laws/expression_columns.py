"""Which column each name of a user expression means: exact name or unit-stripped stem, nothing else.

A name that is one column's exact name and another's stem (``S`` with columns ``S`` and ``S_mM``)
matches both: which was meant is for the user to say (``--column S=S_mM``).

No guessing: a name that matches no column, or several, is a problem that lists the candidates; a
named constant (``e``, ``pi``) that a column is also named after is a problem (which one was meant?);
the response column is never an input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from mgkinetics.laws.expression import CONSTANTS, expression_constants
from mgkinetics.laws.registry import RateLaw

__all__ = ["bind_columns"]


#: Unit suffixes stripped besides the concentrations and rates `mgkinetics.units` parses:
#: times and temperatures (``Time_min`` -> ``Time``, ``T_C`` -> ``T``).
_OTHER_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?:s|sec|min|h|hr|C|K)$")


def _stem(column: str) -> str:
    from mgkinetics.units import parse_column

    stem, unit = parse_column(column)
    if unit is None:
        match = _OTHER_SUFFIX.match(stem)
        if match is not None:
            return match["stem"]
    return stem


def _matches(name: str, columns: Sequence[str]) -> list[str]:
    """Columns named ``name`` exactly or by unit-stripped stem (both: ``S`` and ``S_mM`` for
    ``S``, which is ambiguous), else by stem in any case."""
    stems = {c: _stem(c) for c in columns}
    same = [c for c in columns if c == name or stems[c] == name]
    return same or [c for c in columns if stems[c].lower() == name.lower()]


def _free(columns: Sequence[str], bound: Mapping[str, str]) -> list[str]:
    return [c for c in columns if c not in bound.values()]


def _listing(columns: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns) or "none"


def bind_columns(
    law: RateLaw,
    columns: Sequence[str],
    *,
    given: Mapping[str, str] | None = None,
    response: str | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Bind an expression's inputs to columns: exact name or unit-stripped stem, nothing else.

    Parameters
    ----------
    law : RateLaw
        An expression law (from `expression_law`).
    columns : sequence of str
        The table's column names.
    given : mapping, optional
        Inputs the user bound explicitly (``--column S=conc``); they are not looked up.
    response : str, optional
        The response column (``--y``): never an input.

    Returns
    -------
    bound : dict
        Input name -> column, for every input that matched exactly one column.
    problems : list of str
        One message per input that matched no column or several, per named constant (``e``,
        ``pi``) that a column is also named after, and per input that is the response; each
        lists the candidates and says how to resolve it.

    Examples
    --------
    >>> from mgkinetics.laws.expression import expression_law
    >>> law = expression_law("expr: vmax*S/(km + S)", params=["vmax", "km"])
    >>> bind_columns(law, ["S_mM", "rate_uM_per_s"], response="rate_uM_per_s")
    ({'S': 'S_mM'}, [])
    >>> bind_columns(law, ["conc_mM", "rate_uM_per_s"])[1]  # doctest: +NORMALIZE_WHITESPACE
    ["expression input 'S' matches no column (candidates: 'conc_mM', 'rate_uM_per_s'); name the
      column after it or bind it with --column S=COLUMN"]
    """
    given = dict(given or {})
    body = law.name.strip()[5:].strip() if law.name.strip().lower().startswith("expr:") else law.name
    candidates = [c for c in columns if c != response]
    bound: dict[str, str] = {}
    problems: list[str] = []
    for const in expression_constants(body):
        hits = _matches(const, list(columns))
        if hits:
            problems.append(
                f"'{const}' in the expression is the constant {CONSTANTS[const]:.6g}, but column "
                f"{_listing(hits)} has that name too; write the column's full name ({hits[0]}) "
                f"or np.{const} for the constant"
            )
    for name in law.input_names:
        if name in given:
            continue
        hits = _matches(name, list(columns))
        if response is not None and response in hits:
            problems.append(
                f"expression input '{name}' names the response column '{response}'; the response "
                f"cannot be an input (candidates: {_listing(_free(candidates, bound))})"
            )
        elif len(hits) == 1:
            bound[name] = hits[0]
        else:
            what = "matches several columns" if hits else "matches no column"
            pool = hits or _free(candidates, bound)
            problems.append(
                f"expression input '{name}' {what} (candidates: {_listing(pool)}); name the column "
                f"after it or bind it with --column {name}=COLUMN"
            )
    return bound, problems
