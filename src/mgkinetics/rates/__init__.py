"""Traces to initial rates, closed-form progress curves and a simulated coupled-assay plate."""

from .initial import initial_rates
from .progress import mm_product, mm_substrate
from .simulate import simulate_coupled_plate
from .table import RatesTable

__all__ = [
    "RatesTable",
    "initial_rates",
    "mm_product",
    "mm_substrate",
    "simulate_coupled_plate",
]
