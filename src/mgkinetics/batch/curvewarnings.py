"""The per-curve warnings of a batch, made when :attr:`BatchResult.warnings` is first read.

A batch of 2000 hard curves carries hundreds of warnings (a ``beyond_data`` text with two formatted
numbers per curve whose KM lies beyond the data, a ``not_bounded`` one per runaway curve): building
their :class:`~mgkinetics.errors.FitWarning` objects and per-curve tuples is about a millisecond
that a caller reading only values, statuses or reasons never needs. :class:`PendingWarnings`
records what :func:`mgkinetics.batch.assemble.assemble` decided (which curves get which text, in
order) and makes the tuple of tuples on first read, the same texts, codes, order and shared objects
as building it at once.
"""

from __future__ import annotations

from collections import defaultdict

from mgkinetics.batch.result import DeferredWarnings
from mgkinetics.errors import FitWarning

__all__ = ["PendingWarnings"]


class PendingWarnings(DeferredWarnings):
    """What each of ``n`` curves is warned of, in the order the warnings are added.

    :meth:`shared` (one object per distinct text), :meth:`each` (one object per curve),
    :meth:`formatted` (texts to format from numbers), :meth:`later` (texts a function makes),
    then :meth:`replace` (a curve's warnings replaced whole) and :meth:`append`, in the order they
    were called; :meth:`build` makes them.

    Examples
    --------
    >>> p = PendingWarnings(3)
    >>> p.shared("not_bounded", [0, 2], ["km runs away", "km runs away"])
    >>> p.formatted("beyond_data", [2], [12.5], [3.0], ("km = ", " mM is beyond ", " mM"))
    >>> [[w.code for w in ws] for ws in p.build()], str(p.build()[2][1])
    ([['not_bounded'], [], ['not_bounded', 'beyond_data']], 'km = 12.5 mM is beyond 3 mM')
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._steps: list[tuple] = []

    def shared(self, code: str, rows: list[int], texts: list[str]) -> None:
        """Curve ``rows[k]`` gets ``texts[k]``; curves with the same text share one object."""
        self._steps.append(("shared", code, rows, texts))

    def each(self, code: str, rows: list[int], texts: list[str]) -> None:
        """Curve ``rows[k]`` gets its own ``FitWarning(code, texts[k])``."""
        self._steps.append(("each", code, rows, texts))

    def later(self, code: str, rows: list[int], make) -> None:
        """Curve ``rows[k]`` gets ``make()[k]``: the texts are made only when the warnings are read."""
        self._steps.append(("later", code, rows, make))

    def formatted(self, code: str, rows: list[int], xs: list[float], ys: list[float], parts) -> None:
        """Curve ``rows[k]`` gets ``f"{a}{xs[k]:.4g}{b}{ys[k]:.4g}{c}"`` for ``parts = (a, b, c)``
        (Python floats: they format faster than numpy scalars)."""
        self._steps.append(("formatted", code, rows, (xs, ys, parts)))

    def replace(self, rows: list[int], warnings: tuple) -> None:
        """The warnings of curves ``rows`` become ``warnings`` (what was added before is dropped)."""
        self._steps.append(("replace", None, rows, warnings))

    def append(self, row: int, warning: FitWarning) -> None:
        """Curve ``row`` gets ``warning`` after its others."""
        self._steps.append(("append", None, [row], warning))

    def build(self) -> tuple[tuple[str, ...], ...]:
        """Per curve, its warnings (``()`` for a curve without)."""
        warns: dict[int, list] = defaultdict(list)  # only curves with warnings get a list
        for kind, code, rows, what in self._steps:
            if kind == "shared":
                made = {t: FitWarning(code, t) for t in dict.fromkeys(what)}
                for i, t in zip(rows, what, strict=True):
                    warns[i].append(made[t])
            elif kind in ("each", "formatted", "later"):
                for i, text in zip(rows, _texts(kind, what), strict=True):
                    warns[i].append(FitWarning(code, text))
            elif kind == "replace":
                for i in rows:
                    warns[i] = list(what)
            else:
                warns[rows[0]].append(what)
        out: list[tuple[str, ...]] = [()] * self.n
        for i, w in warns.items():
            out[i] = tuple(w)
        return tuple(out)


def _texts(kind: str, what) -> list[str]:
    if kind == "each":
        return what
    if kind == "later":
        return what()
    xs, ys, (a, b, c) = what
    return [f"{a}{x:.4g}{b}{y:.4g}{c}" for x, y in zip(xs, ys, strict=True)]
