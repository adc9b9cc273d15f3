"""mgkinetics: enzyme kinetics fitting built around Mg-ATP speciation.

The public API, re-exported here; no logic lives in this module.
"""

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
    "get_law",
    "list_laws",
    "parse_quantity",
    "parse_unit",
    "read_csv",
    "register",
]
