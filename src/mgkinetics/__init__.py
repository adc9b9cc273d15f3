"""mgkinetics: enzyme kinetics fitting built around Mg-ATP speciation.

The public API, re-exported here; no logic lives in this module. The heavier entry points
(batch engine, comparisons, global fits, speciation) are imported on first use, so
``import mgkinetics`` stays cheap.
"""

import importlib

from .errors import (
    DataFormatError,
    FitError,
    LawError,
    MgKineticsError,
    MgKineticsWarning,
    Problem,
    SpeciationError,
    UnitError,
)
from .fitting import fit
from .io import Dataset, read_csv
from .registry import InputSpec, ParamSpec, RateLaw, get_law, list_laws, register
from .results import Estimate, FitCollection, FitResult
from .units import convert, parse_quantity, parse_unit

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
    "fit_global",
    "fit_shared",
    "GlobalFitResult",
    "speciate",
    "apparent_kd",
    "fit_many",
    "get_law",
    "list_laws",
    "parse_quantity",
    "parse_unit",
    "read_csv",
    "register",
]

#: name -> module that defines it, imported on first access (PEP 562).
_LAZY = {
    "fit_many": "batch",
    "BatchResult": "batch",
    "Comparison": "compare",  # the function stays mgkinetics.compare.compare: the module has that name
    "fit_global": "globalfit",
    "fit_shared": "globalfit",
    "GlobalFitResult": "globalfit",
    "speciate": "speciation",
    "apparent_kd": "constants",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mgkinetics' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
