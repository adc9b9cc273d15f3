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
    "FitWarning",
    "WARNING_CODES",
    "STATUSES",
    "missing_dependency",
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


#: Codes of the warnings a fit can carry (:class:`FitWarning`), recognised by code, never by text.
WARNING_CODES = (
    "singular_covariance",  # JᵀJ cannot be inverted: some parameter is not determined
    "zero_width",  # a standard error of exactly 0 (RSS = 0, or constant data)
    "at_bound",  # a parameter sits at a declared bound
    "beyond_data",  # a saturation constant beyond twice the highest concentration
    "poorly_determined",  # relative standard error above 100 %
    "correlated",  # two parameters correlated beyond ±0.999
    "not_converged",  # the solver did not report convergence
    "no_activity",  # every rate is 0
    "interval",  # from an interval method (profile, bootstrap)
    "few_replicates",  # replicate weights from levels of < 4 replicates: SDs too uncertain, CIs too narrow
    "variance_model",  # the power variance model (weights="power") did not settle or is at a limit
    "not_bounded",  # a parameter is not bounded by the data (KM → ∞, or one that ran away): batch fits
    "not_fitted",  # a curve could not be fitted at all (too few points, no usable rows): batch fits
)

#: The status of every fit result (single, global, batch, compare), best first.
#: ``converged``: an interior optimum with finite, non-zero errors; ``at_bound``: an optimum with a
#: parameter at a declared bound; ``not_bounded``: a saturation constant runs away (KM → ∞), only
#: the initial slope (Vmax/KM) is determined; ``not_identifiable``: singular or zero-width
#: covariance, or a correlation beyond ±0.9999; ``failed``: the solver did not converge.
STATUSES = ("converged", "at_bound", "not_bounded", "not_identifiable", "failed")


class FitWarning(str):
    """A warning's text with its ``code`` (one of :data:`WARNING_CODES`).

    It *is* the text (a ``str``), so tables, JSON and ``"..." in warning`` keep working; code that
    decides anything reads ``.code``.

    Examples
    --------
    >>> w = FitWarning(code="at_bound", message="km sits at its lower bound (0)")
    >>> w.code, str(w), w == "km sits at its lower bound (0)"
    ('at_bound', 'km sits at its lower bound (0)', True)
    """

    code: str

    def __new__(cls, code: str, message: str, **details):
        if code not in WARNING_CODES:
            raise ValueError(f"unknown warning code {code!r}; codes are {', '.join(WARNING_CODES)}")
        obj = super().__new__(cls, message)
        obj.code = code
        obj.details = dict(details)
        return obj

    @property
    def message(self) -> str:
        """The text."""
        return str.__str__(self)

    def __reduce__(self):
        return (_rebuild_warning, (self.code, self.message, self.details))


def _rebuild_warning(code: str, message: str, details: dict) -> FitWarning:
    return FitWarning(code, message, **details)


def warning_code(warning) -> str | None:
    """The code of a warning, None for a plain string (text from elsewhere)."""
    return getattr(warning, "code", None)


class MissingDependencyError(MgKineticsError, ImportError):
    """An optional dependency is not installed; the message gives the install command."""


def missing_dependency(package: str, extra: str | None = None, purpose: str = "") -> MissingDependencyError:
    """The ImportError for an optional dependency that is not installed, with the install command.

    Examples
    --------
    >>> str(missing_dependency("dask", "dask", "--dask"))
    "--dask needs the optional package 'dask'; install it with: pip install 'mgkinetics[dask]'"
    """
    command = f"pip install 'mgkinetics[{extra}]'" if extra else f"pip install {package}"
    what = f"{purpose} needs" if purpose else "this needs"
    return MissingDependencyError(f"{what} the optional package '{package}'; install it with: {command}")


__all__ += ["warning_code", "MissingDependencyError"]
