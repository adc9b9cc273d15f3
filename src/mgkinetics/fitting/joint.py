"""The layout of a global fit: which parameter of which data set is which key, and the starts.

A shared parameter is one key (``kd_mgatp``) across every data set that declares it; every other
parameter is one key per data set (``km[WT]``). Each set starts from the caller's fit of it, its
own fit, or its start rule (:mod:`mgkinetics.fitting.starts`); a shared key starts at the
geometric mean of the sets' values, moved inside its bounds by the one clipping rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from mgkinetics.errors import FitError
from mgkinetics.fitting.single import fit_problem
from mgkinetics.fitting.starts import clip_start, parameter_units, start_values, typical_size, value_in

__all__ = ["keys_and_units", "joint_starts"]


def keys_and_units(problems, labels, shared) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Per set: parameter name -> key; key -> unit (a shared parameter must agree in unit)."""
    keys, units = [], {}
    for p, label in zip(problems, labels, strict=True):
        punits = parameter_units(p.law, p.input_units, p.rate_unit)
        mapping = {}
        for spec in p.law.params:
            key = spec.name if spec.name in shared else f"{spec.name}[{label}]"
            mapping[spec.name] = key
            if key in units and units[key].label != punits[spec.name].label:
                raise FitError(
                    f"shared parameter '{spec.name}' is in {units[key]} in one data set and "
                    f"{punits[spec.name]} in another; give the data sets the same units"
                )
            units[key] = punits[spec.name]
        keys.append(mapping)
    return keys, units


def _local(options: Mapping, mapping: Mapping[str, str]) -> dict:
    """``fix``/``init`` entries for one set: by its key (``km[WT]``) or by plain name."""
    out = {}
    for name, key in mapping.items():
        for k in (key, name):
            if k in options:
                out[name] = options[k]
                break
    return out


def _set_starts(problem, label, mapping, fix, init, given, ci_level, shared) -> dict[str, float]:
    """Starting values of one set: the caller's fit of it, its own fit, or its start rule."""
    if given is not None and label in given:
        return dict(given[label])
    local_fix, local_init = _local(fix, mapping), _local(init, mapping)
    try:
        if shared:  # its own fit, for a good start of the joint one (no diagnostics: discarded)
            return dict(
                fit_problem(
                    problem, fix=local_fix, init=local_init, ci_level=ci_level, diagnostics=False
                ).values
            )
        return start_values(problem, fix=local_fix, init=local_init)[0]
    except FitError:
        if not shared:
            raise
        return start_values(problem, fix=local_fix, init=local_init)[0]


def joint_starts(problems, labels, keys, units, fix, init, given, ci_level, shared):
    """key -> start (shared ones: geometric mean over sets), the varied keys, typical sizes."""
    collected: dict[str, list[float]] = {}
    fixed: dict[str, float] = {}
    typical: dict[str, float] = {}
    specs = {}
    for p, label, mapping in zip(problems, labels, keys, strict=True):
        values = _set_starts(p, label, mapping, fix, init, given, ci_level, shared)
        local_fix = _local(fix, mapping)
        for spec in p.law.params:
            key = mapping[spec.name]
            specs[key] = spec
            typical[key] = max(typical.get(key, 0.0), typical_size(p, spec))
            if spec.name in local_fix:
                fixed[key] = value_in(units[key], local_fix[spec.name], spec.name)
            elif spec.name not in values:
                raise FitError(f"parameter '{key}' has no starting value; give --init {key}=VALUE")
            else:
                collected.setdefault(key, []).append(float(values[spec.name]))
    starts, varying = {}, []
    for key, spec in specs.items():
        if key in fixed:
            starts[key] = fixed[key]
            continue
        arr = np.asarray(collected[key])
        value = float(np.exp(np.mean(np.log(arr)))) if np.all(arr > 0) else float(np.mean(arr))
        starts[key] = clip_start(value, spec.min, spec.max, typical[key])
        if spec.vary or any(k in init for k in (key, spec.name)):
            varying.append(key)
    return starts, varying, typical
