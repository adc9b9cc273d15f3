"""The mgkinetics exception and warning family.

Every error subclasses a builtin (``ValueError``, ``RuntimeError``) so plain handlers still
catch it, and carries its data so tests and callers can inspect the structure instead of
parsing the message.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "MgKineticsError",
    "DataFormatError",
    "Problem",
    "UnitError",
    "FitError",
    "LawError",
    "SpeciationError",
    "OutputError",
    "SchedulerError",
    "MgKineticsWarning",
]


class MgKineticsError(Exception):
    """Base class of every error raised by mgkinetics."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    line : int or None
        Line number as an editor shows it (the header is line 1); None for file-level problems.
    column : str or None
        Column name the problem is in, if any.
    message : str
        What was found, what was expected and how to fix it.
    """

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


#: Problems listed in a DataFormatError's message; all of them stay in ``.problems``.
MAX_LISTED = 50


class DataFormatError(MgKineticsError, ValueError):
    """An input file or table is malformed; ``problems`` lists every problem found.

    Parameters
    ----------
    source : str
        File name (or a description of the table) the problems were found in.
    problems : list of Problem
        Every problem, in file order.
    """

    def __init__(self, source: str, problems: list[Problem]):
        self.source = str(source)
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{self.source}: {n} problem{'s' if n != 1 else ''}"
        shown = [str(p) for p in self.problems[:MAX_LISTED]]
        if n > MAX_LISTED:  # a systematic fault (wrong separator, say) must not flood the terminal
            shown.append(f"... and {n - MAX_LISTED} more (fix the ones above first; all are in .problems)")
        super().__init__("\n  ".join([head] + shown))


class UnitError(MgKineticsError, ValueError):
    """A unit is missing, unknown, or of the wrong kind for its use."""


class LawError(MgKineticsError, ValueError):
    """A rate law is unknown, or declared or used inconsistently."""


class FitError(MgKineticsError, ValueError):
    """A fit cannot start (too few points, no starting value, no usable substrate ...).

    A fit that starts but does not converge is *not* an error: its result has
    ``success=False`` and lmfit's message.
    """


class SpeciationError(MgKineticsError, ValueError):
    """Speciation input is invalid: negative totals, unknown species, Kd <= 0, pH out of range."""


class OutputError(MgKineticsError, OSError):
    """An output path would overwrite an input, or cannot be written (missing or read-only folder)."""


class SchedulerError(MgKineticsError, ConnectionError):
    """A dask scheduler given by address cannot be reached."""


class MgKineticsWarning(UserWarning):
    """Base class of warnings issued by mgkinetics."""
