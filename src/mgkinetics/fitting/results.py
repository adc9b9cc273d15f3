"""Fit results as immutable data: estimates with units, statistics, and row accounting.

Every result can become a dict (the JSON contract of `mgkinetics fit`) and a tidy DataFrame. The
lmfit result stays reachable as ``lmfit_result`` as an escape hatch, but nothing here depends on it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from mgkinetics.fitting.estimate import Estimate
from mgkinetics.fitting.plain import plain
from mgkinetics.fitting.statistics import Statistics
from mgkinetics.fitting.weighting import weighting_model
from mgkinetics.readonly import readonly
from mgkinetics.report.shown import Shown
from mgkinetics.units import Unit

__all__ = ["outcome_json", "Estimate", "Statistics", "Exclusion", "RowAccount", "FitResult", "FitCollection"]


def outcome_json(result) -> dict[str, Any]:
    """The JSON keys every fit result shares, in order: statistics, success, status and its reason,
    the solver's message, the warnings and their codes."""
    return {
        "statistics": result.statistics.to_dict(),
        "success": bool(result.success),
        "status": result.status,
        "status_reason": result.status_reason,
        "message": result.message,
        "warnings": [str(w) for w in result.warnings],
        "warning_codes": [getattr(w, "code", None) for w in result.warnings],
    }


@dataclass(frozen=True)
class Exclusion:
    """An input row left out of a fit, with the reason."""

    line: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class RowAccount:
    """Which input rows (by file line) a fit used and which it excluded, and why."""

    used: tuple[int, ...]
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: count of used rows and the list of exclusions."""
        return {"used": len(self.used), "excluded": [e.to_dict() for e in self.excluded]}


class PicklableResult:
    """Pickling for the frozen result dataclasses: ``lmfit_result`` (lmfit's MinimizerResult) goes
    without ``call_kws['Dfun']``, a bound method of the minimiser whose residual is a closure and
    cannot be pickled (everything else, lmfit's parameters included, is kept); arrays, which come
    back writable, are frozen again."""

    def __getstate__(self) -> dict:
        state = self.__dict__
        lm = state.get("lmfit_result")
        kws = getattr(lm, "call_kws", None)
        if isinstance(kws, dict) and "Dfun" in kws:
            lm = copy.copy(lm)
            lm.call_kws = {k: v for k, v in kws.items() if k != "Dfun"}
            state = {**state, "lmfit_result": lm}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)  # frozen: no __setattr__, the instance's dict directly
        for value in state.values():
            for arr in value.values() if isinstance(value, Mapping) else (value,):
                if isinstance(arr, np.ndarray):
                    arr.setflags(write=False)


@dataclass(frozen=True, repr=False)
class FitResult(PicklableResult, Shown):
    """The result of fitting one rate law to one group of rows.

    Attributes
    ----------
    law : RateLaw
        The declaration that was fitted.
    group : Mapping[str, str]
        Group column values of this fit ({} when not grouped).
    parameters : Mapping[str, Estimate]
        Every parameter of the law, fitted or fixed, in declaration order.
    derived : Mapping[str, Estimate]
        Derived quantities (kcat/KM ...).
    statistics : Statistics
    success : bool
        ``status in ("converged", "at_bound")``: the optimum within the bounds was found and the
        data determine it (see ``status`` for why not).
    message : str
        The optimiser's message.
    warnings : tuple of str
        Things the reader should know: a parameter at a bound, KM beyond the data, ... Each is a
        :class:`~mgkinetics.errors.FitWarning` (a ``str`` with a ``code``) when the fit made it.
    rows : RowAccount
    input_units : Mapping[str, Unit]
        The unit each law input was evaluated in.
    rate_unit : Unit
    columns : Mapping[str, str]
        The data column (or constant) used for each input, and ``rate`` for the response.
    weighting : str
        Description of the weighting used (``scheme`` is the scheme object itself).
    scale_covar : bool
        Whether standard errors were scaled by the residual variance.
    covariance : numpy.ndarray or None
        Covariance of the varied parameters (read-only), in the fitted units.
    covariance_names : tuple of str
        Parameter names labelling the covariance rows.
    data : Mapping[str, numpy.ndarray]
        The inputs, rates and weights used (read-only arrays), for plots and refits.
    lmfit_result : lmfit.minimizer.MinimizerResult or None
        The lmfit run that produced the values, as an escape hatch: its ``params`` hold exactly
        the reported values, standard errors and correlations.
    conditions : Mapping
        pH, temperature_C, ionic_strength_M the parameters refer to, where they came from and
        whether they vary between rows ({} for laws that do not use conditions).
    diagnostics : Mapping
        Residual diagnostics (:func:`mgkinetics.stats.diagnostics.diagnose`); {} when not run.
    status : str
        One of :data:`mgkinetics.errors.STATUSES`: ``converged``, ``at_bound``, ``not_bounded``,
        ``not_identifiable``, ``failed`` (see :mod:`mgkinetics.fitting.status`).
    status_reason : str
        Why, in words (which parameter, which bound ...).
    scheme : WeightScheme or None
        The weighting scheme object (:mod:`mgkinetics.fitting.weighting`).
    """

    law: Any
    group: Mapping[str, str]
    parameters: Mapping[str, Estimate]
    derived: Mapping[str, Estimate]
    statistics: Statistics
    success: bool
    message: str
    warnings: tuple[str, ...]
    rows: RowAccount
    input_units: Mapping[str, Unit]
    rate_unit: Unit
    columns: Mapping[str, str]
    weighting: str
    scale_covar: bool
    covariance: np.ndarray | None = field(default=None, repr=False, compare=False)
    covariance_names: tuple[str, ...] = ()
    data: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    source: str = ""
    lmfit_result: Any = field(default=None, repr=False, compare=False)
    diagnostics: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    status: str = ""
    status_reason: str = ""
    scheme: Any = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.status:  # results built without a status: from the optimiser's verdict
            object.__setattr__(self, "status", "converged" if self.success else "failed")
            if not self.status_reason:
                object.__setattr__(self, "status_reason", self.message)
        arrays = {}
        for key, arr in self.data.items():  # frozen means frozen: the arrays too
            arr = np.array(arr, dtype=float)
            arr.setflags(write=False)
            arrays[key] = arr
        object.__setattr__(self, "data", arrays)
        for name in (
            "group",
            "parameters",
            "derived",
            "input_units",
            "columns",
            "data",
            "diagnostics",
            "conditions",
        ):
            object.__setattr__(self, name, readonly(getattr(self, name)))
        if self.covariance is not None:
            cov = np.array(self.covariance, dtype=float)
            cov.setflags(write=False)
            object.__setattr__(self, "covariance", cov)

    @property
    def values(self) -> dict[str, float]:
        """Best-fit value of every parameter, in the fitted units."""
        return {k: e.value for k, e in self.parameters.items()}

    def predict(self, **inputs) -> np.ndarray:
        """Evaluate the fitted law at new inputs, given in the fit's input units.

        Examples
        --------
        ``res.predict(substrate=[0.1, 1.0])`` for a Michaelis–Menten fit on ``substrate_mM``
        returns the rates at 0.1 and 1 mM in the data's rate unit.
        """
        missing = [n for n in self.law.input_names if n not in inputs]
        if missing:
            raise TypeError(f"predict() needs the inputs {', '.join(missing)}")
        arrays = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
        return np.asarray(self.law.evaluate(arrays, self.values), dtype=float)

    def in_units(self, **units: str | Unit) -> FitResult:
        """A copy with some parameters or derived quantities expressed in other units.

        Examples
        --------
        ``res.in_units(km="uM", kcat="1/s")``
        """
        params = dict(self.parameters)
        derived = dict(self.derived)
        for name, unit in units.items():
            if name in params:
                params[name] = params[name].to(unit)
            elif name in derived:
                derived[name] = derived[name].to(unit)
            else:
                from mgkinetics.errors import LawError

                raise LawError(
                    f"no parameter or derived quantity '{name}' to convert; choose from "
                    + ", ".join(list(params) + list(derived))
                )
        return replace(self, parameters=params, derived=derived)

    def profile(self, quantity, *, enzyme=None, ci_level: float = 0.95, problem=None):
        """The exact profile-likelihood interval of a fitted parameter or a derived quantity.

        Parameters
        ----------
        quantity : str or DerivedQuantity
            A fitted parameter (``"km"``); a derived quantity by name (``"kcat_over_km"``,
            ``"efficiency"``, ``"vmax_over_km"``, any ``"A_over_B"`` or ``"A/B"`` of two parameters;
            ``"kcat"`` of a Vmax-form law with ``enzyme``); or a
            :class:`~mgkinetics.stats.derived_profile.DerivedQuantity` of your own.
        enzyme : str or (value, unit), optional
            [E] for kcat and kcat/KM of a Vmax-form law.
        ci_level : float
        problem : FitProblem, optional
            Only for results built without their data.

        Returns
        -------
        ProfileInterval
            Limits, each side's status (``closed``, ``bound``, ``open``), method and threshold
            (:mod:`mgkinetics.stats.profile_interval`).

        Examples
        --------
        >>> import numpy as np, mgkinetics as mgk
        >>> s = np.array([0.5, 1, 2, 4, 8, 16.0]); v = 10 * s / (2 + s) * (1 + 0.02 * np.sin(7 * s))
        >>> res = mgk.fit({"s_mM": s, "rate_uM_per_s": v}, "michaelis_menten")
        >>> km = res.profile("km")
        >>> km.low_status, km.high_status, bool(km.low < res.values["km"] < km.high)
        ('closed', 'closed', True)
        >>> res.profile("vmax/km").unit.label  # (uM/s)/mM
        '1/s'
        """
        from mgkinetics.stats.derived_profile import profile_derived
        from mgkinetics.stats.profile_interval import interval_from_profile
        from mgkinetics.stats.profile_quantities import profile_parameter

        if isinstance(quantity, str):
            num, slash, den = (part.strip() for part in quantity.partition("/"))
            if slash and num in self.parameters and den in self.parameters:
                quantity = f"{num}_over_{den}"
            elif quantity in self.parameters:
                est = self.parameters[quantity]
                prof = profile_parameter(self, problem, quantity, ci_level=ci_level)
                return interval_from_profile(
                    prof, quantity, est.value, unit=est.unit, ci_level=ci_level, method="profile"
                )
        return profile_derived(self, quantity, problem=problem, enzyme=enzyme, ci_level=ci_level)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of one fit (see `mgkinetics fit --format json`)."""
        return {
            "group": dict(self.group),
            "source": self.source,
            "law": self.law.name,
            "parameters": {k: e.to_dict() for k, e in self.parameters.items()},
            "derived": {k: e.to_dict() for k, e in self.derived.items()},
            **outcome_json(self),
            "rows": self.rows.to_dict(),
            "weighting": self.weighting,
            **weighting_model(self.scheme),
            "scale_covar": bool(self.scale_covar),
            "columns": dict(self.columns),
            **({"conditions": dict(self.conditions)} if self.conditions else {}),
            **({"diagnostics": plain(self.diagnostics)} if self.diagnostics else {}),
        }

    def to_frame(self):
        """A tidy table: one row per parameter and derived quantity."""
        import pandas as pd

        records = []
        for kind, table in (("parameter", self.parameters), ("derived", self.derived)):
            for est in table.values():
                records.append(
                    {
                        **{f"group_{k}": v for k, v in self.group.items()},
                        "law": self.law.name,
                        "kind": kind,
                        "name": est.name,
                        "value": est.value,
                        "stderr": est.stderr,
                        "ci_low": est.ci_low,
                        "ci_high": est.ci_high,
                        "unit": est.unit.label,
                        "fixed": est.fixed,
                        "ci_method": est.ci_method,
                        "ci_low_status": est.ci_low_status,
                        "ci_high_status": est.ci_high_status,
                    }
                )
        return pd.DataFrame.from_records(records)


@dataclass(frozen=True, repr=False)
class FitCollection(Shown):
    """Fits of one law to several groups of one table, plus rows no group could take.

    Iterating yields the :class:`FitResult` objects in group order.
    """

    fits: tuple[FitResult, ...]
    unassigned: tuple[Exclusion, ...] = ()
    source: str = ""

    def __iter__(self):
        return iter(self.fits)

    def __len__(self) -> int:
        return len(self.fits)

    def __getitem__(self, key):
        """Index by position, or by the group value (``res["WT"]``) for one grouping column."""
        if isinstance(key, int):
            return self.fits[key]
        for fit in self.fits:
            values = tuple(fit.group.values())
            if values == (key,) or values == key:
                return fit
        raise KeyError(key)

    def in_units(self, **units) -> FitCollection:
        """Every fit with the given parameters converted (see :meth:`FitResult.in_units`)."""
        return replace(self, fits=tuple(f.in_units(**units) for f in self.fits))

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``{"fits": [...]}`` plus ``unassigned_rows`` when any."""
        out: dict[str, Any] = {"fits": [f.to_dict() for f in self.fits]}
        if self.unassigned:
            out["unassigned_rows"] = [e.to_dict() for e in self.unassigned]
        return out

    def to_frame(self):
        """All fits' tidy tables stacked."""
        import pandas as pd

        frames = [f.to_frame() for f in self.fits]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
