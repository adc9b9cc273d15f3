"""Rate-law declarations (:class:`RateLaw`, :class:`InputSpec`, :class:`ParamSpec`, :class:`DerivedSpec`).

Pure data: the single source that fitting, simulation, tables and tests read. A declaration is
checked against its function's signature when it is created, so the two can never drift apart.
This module imports no law and no registry, so every law module can import it.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from mgkinetics.errors import LawError

__all__ = ["InputSpec", "ParamSpec", "DerivedSpec", "RateLaw", "UNIT_ROLES", "did_you_mean"]


def did_you_mean(name: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string.

    Examples
    --------
    >>> did_you_mean("kmm", ["km", "vmax"])
    " (did you mean 'km'?)"
    """
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


#: Parameter unit roles besides an input name: the rate's unit, its reciprocal time, none.
UNIT_ROLES = ("rate", "1/time", "1", "unspecified")


@dataclass(frozen=True)
class InputSpec:
    """One input of a rate law: a data column (or a constant given as an option).

    Parameters
    ----------
    name : str
        The function argument (``substrate``, ``inhibitor``, ``enzyme``, ``atp_total`` ...).
    kind : str
        ``"concentration"``, ``"enzyme"`` (a concentration converted to the rate's unit so
        that kcat comes out in reciprocal time) or ``"auxiliary"`` (not a column: computed per
        row by the law's ``prepare`` hook, e.g. a Kd at the row's pH and temperature).
    optional : bool
        A concentration input that may be absent from the data (then zero everywhere), such as
        ADP or PEP in a Mg-ATP law.
    aliases : tuple of str
        Column stems (name without unit suffix, case-insensitive) that are taken for this input
        when the user does not name a column.
    description : str
        What the input is, for `mgkinetics laws`.
    """

    name: str
    kind: str = "concentration"
    aliases: tuple[str, ...] = ()
    description: str = ""
    optional: bool = False


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a rate law.

    Parameters
    ----------
    name : str
        Keyword argument of the law's function (``km``, ``kcat`` ...).
    unit : str
        ``"rate"``, ``"1/time"``, ``"1"`` or the name of an input whose unit the parameter takes
        (``"substrate"`` for KM).
    min, max : float
        Bounds used by every fit.
    vary : bool
        Whether the parameter is fitted by default.
    description : str
        What the parameter means, for `mgkinetics laws` and reports.
    default : callable, optional
        ``default(conditions, unit) -> value``: the starting (or, for ``vary=False``, fixed)
        value from the experimental conditions, such as a tabulated Kd at the data's pH,
        temperature and ionic strength, expressed in the parameter's unit.
    """

    name: str
    unit: str
    min: float = -np.inf
    max: float = np.inf
    vary: bool = True
    description: str = ""
    default: Callable | None = None


@dataclass(frozen=True)
class DerivedSpec:
    """A quantity derived from parameters as a ratio, reported in a fixed unit.

    ``kcat_over_km`` is ``DerivedSpec("kcat_over_km", "kcat", "km", "1/(M*s)")``.
    """

    name: str
    numerator: str
    denominator: str
    unit: str
    description: str = ""


GuessRule = Callable[[Mapping[str, np.ndarray], np.ndarray], dict]


@dataclass(frozen=True)
class RateLaw:
    """A rate law declared once.

    Parameters
    ----------
    name : str
        Registry key, used on the command line (``--law michaelis_menten``).
    func : callable
        Pure numpy function ``func(*inputs, **params)``.
    inputs : tuple of InputSpec
        In the order of the function's positional arguments.
    params : tuple of ParamSpec
        In the order of the function's keyword arguments.
    formula : str
        Human-readable equation.
    guess : callable
        ``guess(inputs, rate) -> {param: value}``; parameters it omits need a ``--init``.
    description : str
        One line on when to use the law.
    shared_unit_inputs : tuple of str
        Concentration inputs converted to one unit (that of the first) before evaluation, for
        laws that add or compare them (speciation, for instance). Other concentration inputs
        keep their own units, and parameters that refer to them report those units.
    derived : tuple of DerivedSpec
        Quantities reported beside the parameters.
    prepare : callable, optional
        ``prepare(inputs, conditions, unit) -> {name: array}`` fills the auxiliary inputs of
        one fit's rows from the column inputs (in ``unit``, the shared concentration unit) and
        the per-row conditions (``ph``, ``temperature_C``, ``ionic_strength_M`` arrays, and
        ``reference``: the conditions the parameters refer to).
    uses_conditions : bool
        Whether the law reads pH, temperature and ionic strength (from columns, options or
        metadata), so the fit reports them.
    units_optional : bool
        Whether columns may lack unit suffixes (user expressions); their values are used as they
        are and reported in the unit ``unspecified``.
    slope_order : str, optional
        The parameter that is the law's order in its substrate at low concentration (Hill's
        ``n``). numerator/K is the initial slope only where it is fixed at 1: otherwise the rate
        starts as numerator·Sⁿ/Kⁿ, so when K runs away only numerator/Kⁿ and n are determined and
        no numerator/K is reported (:func:`mgkinetics.fitting.slope.slope_numerator`).
    """

    name: str
    func: Callable
    inputs: tuple[InputSpec, ...]
    params: tuple[ParamSpec, ...]
    formula: str
    guess: GuessRule | None = None
    description: str = ""
    shared_unit_inputs: tuple[str, ...] = ()
    derived: tuple[DerivedSpec, ...] = field(default=())
    units_optional: bool = False
    prepare: Callable | None = None
    uses_conditions: bool = False
    slope_order: str | None = None

    def __post_init__(self) -> None:
        sig = inspect.signature(self.func)
        names = list(sig.parameters)
        expected = [i.name for i in self.inputs] + [p.name for p in self.params]
        if names[: len(expected)] != expected or len(names) != len(expected):
            raise LawError(
                f"law '{self.name}': declaration lists {expected} but {self.func.__name__} takes {names}"
            )
        param_names = {p.name for p in self.params}
        input_names = {i.name for i in self.inputs}
        for p in self.params:
            if p.unit not in UNIT_ROLES and p.unit not in input_names:
                raise LawError(f"law '{self.name}': parameter '{p.name}' has unknown unit role '{p.unit}'")
            if not p.min < p.max:
                raise LawError(f"law '{self.name}': parameter '{p.name}' has min >= max")
        for d in self.derived:
            if d.numerator not in param_names or d.denominator not in param_names:
                raise LawError(f"law '{self.name}': derived '{d.name}' names unknown parameters")
        for name in self.shared_unit_inputs:
            if name not in input_names:
                raise LawError(f"law '{self.name}': shared-unit input '{name}' is not an input")
        if self.slope_order is not None and self.slope_order not in param_names:
            raise LawError(f"law '{self.name}': slope_order '{self.slope_order}' is not a parameter")

    @property
    def input_names(self) -> tuple[str, ...]:
        """Names of the inputs, in call order."""
        return tuple(i.name for i in self.inputs)

    @functools.cached_property
    def guess_takes_defaults(self) -> bool:
        """Whether the guess rule takes a third argument: the parameters' condition defaults."""
        return self.guess is not None and len(inspect.signature(self.guess).parameters) >= 3

    @property
    def data_inputs(self) -> tuple[InputSpec, ...]:
        """The inputs taken from columns or options (not the auxiliary ones)."""
        return tuple(i for i in self.inputs if i.kind != "auxiliary")

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the parameters, in call order."""
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> ParamSpec:
        """The declaration of one parameter; LawError naming the choices if unknown."""
        for p in self.params:
            if p.name == name:
                return p
        raise LawError(
            f"law '{self.name}' has no parameter '{name}'; its parameters are "
            + ", ".join(self.param_names)
            + did_you_mean(name, self.param_names)
        )

    def evaluate(self, inputs: Mapping[str, np.ndarray], params: Mapping[str, float]) -> np.ndarray:
        """Evaluate the law: inputs by name, parameters by name."""
        return self.func(*(inputs[n] for n in self.input_names), **{k: params[k] for k in self.param_names})
