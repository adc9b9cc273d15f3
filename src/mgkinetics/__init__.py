"""mgkinetics: enzyme kinetics fitting built around Mg-ATP speciation.

The public API, re-exported here; no logic lives in this module. The heavier entry points
(batch engine, comparisons, global fits, speciation) are imported on first use, so
``import mgkinetics`` stays cheap.
"""

import importlib

from mgkinetics.data.table import Dataset, read_csv
from mgkinetics.errors import (
    DataFormatError,
    FitError,
    LawError,
    MgKineticsError,
    MgKineticsWarning,
    Problem,
    SpeciationError,
    UnitError,
)
from mgkinetics.fitting.results import Estimate, FitCollection, FitResult
from mgkinetics.fitting.single import fit
from mgkinetics.laws.registry import InputSpec, ParamSpec, RateLaw, get_law, list_laws, register
from mgkinetics.units import convert, parse_quantity, parse_unit

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "DataFormatError",
    "Dataset",
    "Estimate",
    "FitCollection",
    "FitError",
    "FitResult",
    "InputSpec",
    "LawError",
    "MgKineticsError",
    "MgKineticsWarning",
    "ParamSpec",
    "Problem",
    "RateLaw",
    "SpeciationError",
    "UnitError",
    "convert",
    "fit",
    "fit_many",
    "BatchResult",
    "Comparison",
    "compare",
    "fit_global",
    "fit_shared",
    "GlobalFitResult",
    "speciate",
    "apparent_kd",
    "get_law",
    "list_laws",
    "parse_quantity",
    "parse_unit",
    "read_csv",
    "read_enzymeml",
    "write_enzymeml",
    "read_layout",
    "read_traces",
    "register",
    "profile_derived",
    "DerivedQuantity",
    "profile_global",
]

#: name -> module that defines it, imported on first access (PEP 562).
_LAZY = {
    "fit_many": "batch.many",
    "BatchResult": "batch.many",
    "compare": "stats.compare",
    "Comparison": "stats.compare",
    "fit_global": "fitting.globalfit",
    "fit_shared": "fitting.globalfit",
    "GlobalFitResult": "fitting.globalfit",
    "speciate": "speciation.species",
    "apparent_kd": "speciation.constants",
    "read_traces": "data.plates",
    "read_layout": "data.layout",
    "read_enzymeml": "data.enzymeml",
    "write_enzymeml": "report.enzymeml",
    "profile_derived": "stats.derived_profile",
    "DerivedQuantity": "stats.derived_profile",
    "profile_global": "stats.global_profile",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mgkinetics' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
