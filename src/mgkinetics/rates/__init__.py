"""Traces to initial rates, closed-form progress curves, global progress fits and a simulated plate."""

from .initial import initial_rates
from .lag import estimate_coupling_lag
from .progress import mm_product, mm_substrate, mm_substrate_jacobian
from .progress_fit import ProgressFitResult, fit_progress_curves
from .simulate import SimulatedPlate, simulate_coupled_plate
from .table import RatesTable

__all__ = [
    "ProgressFitResult",
    "RatesTable",
    "SimulatedPlate",
    "estimate_coupling_lag",
    "fit_progress_curves",
    "initial_rates",
    "mm_product",
    "mm_substrate",
    "mm_substrate_jacobian",
    "simulate_coupled_plate",
]
