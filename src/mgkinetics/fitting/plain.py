"""Plain values for JSON: finite floats or None, builtins for numpy scalars."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["finite_or_none", "plain"]


def finite_or_none(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def plain(obj):
    """Mappings, tuples and numpy scalars as JSON-ready builtins (non-finite floats -> None)."""
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [plain(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return finite_or_none(obj)
    return obj
