"""A global fit with data sets without activity: the shared parameters from the active sets alone.

A data set whose own curve is no better than ``v = 0`` (:func:`mgkinetics.fitting.activity.dead_sets`)
carries no information on a shared KM or Kd, yet in the joint fit its rows still enter the pooled
residual variance, and so the shared parameters' standard errors and intervals. Here the active
sets are fitted again on their own (:func:`mgkinetics.fitting.globalfit.fit_global` with the same
options, so the result is that of the global fit of the active sets alone), and the joint result
takes from that refit the shared parameters, the active sets' own parameters, their covariance,
parts and warnings. The sets without activity are fitted on their own too, the shared parameters
held at the refit's values: their own estimates, standard errors (from their own rows, not the
active sets' residual variance), parts and ``no_activity`` warnings (F test and upper limit) come
from that fit (from the joint fit if it cannot be made, or for a set it does not find dead). They
are named in ``excluded_sets``, and their parts show the shared estimates of the refit.
``statistics`` stay those of the joint fit of every row (the model with the parameters shared, as
model comparisons need); the refit's are ``active_fit.statistics``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from mgkinetics.errors import FitError, warning_code
from mgkinetics.fitting import activity
from mgkinetics.fitting.status import SUCCESS
from mgkinetics.fitting.weighting import weighting_warnings

__all__ = ["dead_labels", "excluded_json", "rate_limits", "without_dead_sets"]


def dead_labels(result) -> list[str]:
    """The labels of the data sets of a global fit found without activity, in order."""
    gone = {w.details.get("label") for w in result.warnings if warning_code(w) == "no_activity"}
    return [lab for lab in result.labels if lab in gone]


def excluded_json(result) -> dict[str, Any]:
    """JSON of the excluded sets: label -> reason, the upper limits at full precision (rate, v/[E]
    or None, at ``top`` of the first input, one-sided ``level``), and the active fit's statistics."""
    limits = {w.details.get("label"): w for w in _all_dead(result)}
    sets = {
        lab: {
            "reason": str(limits[lab]),
            **{k: limits[lab].details.get(k) for k in ("upper", "upper_per_enzyme", "top", "level")},
        }
        for lab in result.excluded_sets
        if lab in limits
    }
    active = result.active_fit.statistics.to_dict() if result.active_fit is not None else None
    return {"sets": sets, "active_statistics": active}


def rate_limits(result) -> dict[str, float]:
    """Key -> the one-sided upper limit of each excluded set's rate-scale parameter, in its unit at
    full precision: the rate limit for ``vmax[label]``, that of v/[E] for ``kcat[label]`` (absent
    when the set has no enzyme concentration above 0)."""
    out = {}
    for w in _all_dead(result):
        for key in w.details.get("parameters", ()):
            limit = (
                w.details["upper"] if key.partition("[")[0] == "vmax" else w.details.get("upper_per_enzyme")
            )
            if limit is not None:
                out[key] = float(limit)
    return out


def _all_dead(result) -> list:
    return [w for w in result.warnings if warning_code(w) == "no_activity" and w.details.get("label")]


def _named(w) -> set[str]:
    """The parameter keys a coded warning is about (``parameter`` or ``parameters``)."""
    details = getattr(w, "details", None) or {}
    return set(details.get("parameters", ())) | ({details["parameter"]} if "parameter" in details else set())


def _covariance(active, joint, dead_keys: Sequence[str]) -> tuple[np.ndarray | None, tuple[str, ...]]:
    """The refit's covariance and that of ``joint`` (the dead sets' fit) over the dead sets' own
    fitted keys, block-diagonal (the refit does not use the dead sets' rows); None when either is
    missing."""
    keys = [k for k in joint.covariance_names if k in dead_keys]
    names = (*active.covariance_names, *keys)
    if active.covariance is None or (keys and joint.covariance is None):
        return None, names
    cov = np.zeros((len(names), len(names)))
    m = len(active.covariance_names)
    cov[:m, :m] = active.covariance
    if keys:
        idx = [joint.covariance_names.index(k) for k in keys]
        cov[m:, m:] = joint.covariance[np.ix_(idx, idx)]
    return cov, names


def _reason(joint, active, dead, keys) -> str:
    """The status reason: the dead sets (the refit's too), the refit, and what else the refit says."""
    dead = [*dead, *_all_dead(active)]
    text = activity.dead_sets_reason(dead, joint.labels, keys, joint.shared, refitted=True)
    if not active.excluded_sets and active.status not in SUCCESS:
        text += f"; besides: {active.status} ({active.status_reason})"
    elif active.excluded_sets and "; besides: " in active.status_reason:
        text += "; besides: " + active.status_reason.partition("; besides: ")[2]
    return text


def _parts(joint, active, dead, problems, keys, warnings, outcome) -> tuple:
    """Each set's part: the refit's for an active set, that of ``dead`` (the dead sets' own fit, or
    the joint one) for a dead set, with the shared estimates of the refit; every part with the
    merged outcome and its own weighting warnings."""
    by_label = {**dict(zip(dead.labels, dead.parts, strict=True)), **dict(zip(active.labels, active.parts))}
    parts = []
    for p, label, mapping in zip(problems, joint.labels, keys, strict=True):
        local = (*warnings, *weighting_warnings(p.scheme, p.inputs, p.rate))
        part = by_label[label]
        held = {n: replace(active.parameters[k], name=n) for n, k in mapping.items() if k in active.shared}
        if label not in active.labels:
            part = replace(part, parameters={**part.parameters, **held})
        parts.append(replace(part, warnings=local, **outcome))
    return tuple(parts)


def _dead_fit(joint, gone: list[int], active, refit):
    """The dead sets fitted alone, the shared parameters held at the active sets' values (their own
    estimates, standard errors and F tests then rest on their own rows), or ``joint`` when that fit
    cannot be made."""
    held = {n: active.parameters[n].value for n in active.shared}
    try:
        return refit(gone, [n for n in joint.shared if n not in held], held)
    except FitError:
        return joint


def without_dead_sets(joint, problems: Sequence, keys: Sequence[dict[str, str]], refit: Callable[..., Any]):
    """``joint`` (a :class:`~mgkinetics.fitting.globalfit.GlobalFitResult`) with the shared and the
    active sets' parameters from a refit of the active sets alone, when some sets have no activity
    and some have; unchanged otherwise. The dead sets' own parameters come from their fit with the
    shared ones held at the refit's values (the joint fit's if that fit cannot be made), and so do
    their ``no_activity`` warnings (the joint fit's for a set that fit does not find dead).

    Parameters
    ----------
    joint : GlobalFitResult
        The joint fit of every set of ``problems`` (``keys``: per set, law name -> key).
    problems : sequence of FitProblem
    keys : sequence of dict
    refit : callable
        ``refit(indices, shared, held)``: the global fit of those problems with those names
        shared and the parameters named in ``held`` (a mapping) fixed at its values.

    Returns
    -------
    GlobalFitResult
        Status ``not_identifiable``, the reason naming the excluded sets and the refit; if the
        refit cannot be made (:class:`~mgkinetics.errors.FitError`), ``joint`` with the reason saying so.
    """
    gone = dead_labels(joint)
    if not gone or len(gone) == len(joint.labels):
        return joint
    keep = [i for i, lab in enumerate(joint.labels) if lab not in gone]
    shared = [n for n in joint.shared if any(n in problems[i].law.param_names for i in keep)]
    try:
        active = refit(keep, shared, {})
    except FitError as err:
        reason = f"{joint.status_reason}; the active sets could not be fitted alone ({err})"
        parts = tuple(replace(p, status_reason=reason) for p in joint.parts)
        return replace(joint, status_reason=reason, parts=parts)
    dead = _dead_fit(joint, [i for i in range(len(problems)) if i not in keep], active, refit)
    dead_keys = [k for i in range(len(problems)) if i not in keep for k in keys[i].values()]
    cov, names = _covariance(active, dead, [k for k in dead_keys if k not in active.parameters])
    verdicts = {
        w.details["label"]: w for w in (*_all_dead(joint), *_all_dead(dead)) if w.details["label"] in gone
    }
    own = [verdicts[lab] for lab in gone]
    seen = {str(w) for w in active.warnings}
    kept = [
        w
        for w in dead.warnings
        if warning_code(w) != "no_activity" and str(w) not in seen and not _named(w) & set(active.parameters)
    ]
    warnings = (*own, *kept, *active.warnings)
    reason = _reason(joint, active, own, keys)
    outcome = dict(success=False, status="not_identifiable", status_reason=reason, message=active.message)
    return replace(
        joint,
        parts=_parts(joint, active, dead, problems, keys, warnings, outcome),
        parameters={
            k: active.parameters.get(k, dead.parameters.get(k, e)) for k, e in joint.parameters.items()
        },
        covariance=cov,
        covariance_names=names,
        lmfit_result=active.lmfit_result,
        warnings=warnings,
        excluded_sets=tuple(lab for lab in joint.labels if lab in {*gone, *active.excluded_sets}),
        active_fit=active,
        **outcome,
    )
