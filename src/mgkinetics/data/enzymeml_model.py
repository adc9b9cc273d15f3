"""What :func:`~mgkinetics.data.enzymeml.read_enzymeml` returns: the table, the records, the warnings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mgkinetics.readonly import readonly

__all__ = [
    "EnzymeMLWarning",
    "WarningLog",
    "EnzymeMLSpecies",
    "EnzymeMLSeries",
    "EnzymeMLMeasurement",
    "EnzymeMLParameter",
    "EnzymeMLEquation",
    "EnzymeMLData",
]

#: Paths shown in a warning's one-line text; all of them stay in ``.paths``.
MAX_PATHS_SHOWN = 3


@dataclass(frozen=True)
class EnzymeMLWarning:
    """One kind of deviation from the EnzymeML v2 schema, with every place it was found.

    Attributes
    ----------
    code : str
        Kind of deviation (``no_time_unit``, ``unit_base_mismatch``, ``data_type_iri``, ...).
    paths : tuple of str
        JSON paths in the document (``measurements[2].species_data[0].time_unit``).
    message : str
        What deviates.
    assumed : str
        What the reader did about it.
    """

    code: str
    paths: tuple[str, ...]
    message: str
    assumed: str

    def __str__(self) -> str:
        shown = ", ".join(self.paths[:MAX_PATHS_SHOWN])
        if len(self.paths) > MAX_PATHS_SHOWN:
            shown += f" and {len(self.paths) - MAX_PATHS_SHOWN} more"
        return f"{shown}: {self.message}; {self.assumed} [{self.code}]"


class WarningLog:
    """Collects deviations; the same (code, message, assumption) at many paths becomes one warning."""

    def __init__(self) -> None:
        self._paths: dict[tuple[str, str, str], list[str]] = {}

    def add(self, path: str, code: str, message: str, assumed: str) -> None:
        """File one deviation found at ``path``."""
        self._paths.setdefault((code, message, assumed), []).append(path)

    def warnings(self) -> tuple[EnzymeMLWarning, ...]:
        """The warnings in order of first occurrence."""
        return tuple(EnzymeMLWarning(c, tuple(p), m, a) for (c, m, a), p in self._paths.items())


@dataclass(frozen=True)
class EnzymeMLSpecies:
    """A small molecule, protein or complex of the document.

    ``kind`` is ``small_molecule``, ``protein`` or ``complex``; ``identifiers`` holds what the
    document states of canonical_smiles, inchi, inchikey, sequence, ecnumber, organism,
    organism_tax_id, vessel_id, synonymous_names, participants and references.
    """

    id: str
    name: str
    kind: str
    constant: bool | None = None
    identifiers: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "identifiers", readonly(self.identifiers))


@dataclass(frozen=True)
class EnzymeMLSeries:
    """One MeasurementData entry: a species' time course (possibly empty) in one measurement.

    ``data_unit`` and ``time_unit`` are mgkinetics labels, the document's own name for a unit that
    is not understood, or ``"unspecified"``; ``n_points`` counts every value, ``n_null`` the nulls
    among them (kept in the table as NaN).
    """

    species_id: str
    data_unit: str
    time_unit: str
    data_type: str | None
    n_points: int
    n_null: int
    initial: float | None = None
    prepared: float | None = None
    is_simulated: bool = False


@dataclass(frozen=True)
class EnzymeMLMeasurement:
    """One measurement: conditions and its series. ``temperature_C`` is None when the unit is unknown."""

    id: str
    name: str
    group_id: str | None
    ph: float | None
    temperature: float | None
    temperature_unit: str
    temperature_C: float | None
    series: tuple[EnzymeMLSeries, ...] = ()


@dataclass(frozen=True)
class EnzymeMLParameter:
    """A model parameter as the document states it (``unit`` is a label, None when not given)."""

    id: str
    name: str
    symbol: str
    value: float | None = None
    unit: str | None = None
    stderr: float | None = None
    initial_value: float | None = None
    lower_bound: float | None = None
    upper_bound: float | None = None
    constant: bool | None = None
    fit: bool | None = None


@dataclass(frozen=True)
class EnzymeMLEquation:
    """An equation: ``species_id`` (left-hand side) = ``equation``, of ``equation_type``."""

    species_id: str
    equation: str
    equation_type: str
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnzymeMLData:
    """An EnzymeML document read into one long table plus its records.

    Attributes
    ----------
    source : str
        The file read.
    name : str
        The document's name.
    version : str or None
        The ``version`` it states.
    frame : pandas.DataFrame
        One row per data point, in document order (see :func:`~mgkinetics.data.enzymeml.read_enzymeml`).
    units : Mapping[str, str]
        Unit label of each numeric column of ``frame`` (``value``: see its ``data_unit`` column).
    species, measurements, parameters, equations : tuples of records
    n_points : int
        Every value in every ``data`` array of the document (= ``len(frame)``).
    n_null : int
        Null values among them (rows with ``value`` NaN).
    warnings : tuple of EnzymeMLWarning
    metadata : Mapping
        description, created, modified, creators, vessels, reactions and references as stated.
    """

    source: str
    name: str
    version: str | None
    frame: pd.DataFrame = field(repr=False)
    units: Mapping[str, str]
    species: tuple[EnzymeMLSpecies, ...]
    measurements: tuple[EnzymeMLMeasurement, ...]
    parameters: tuple[EnzymeMLParameter, ...]
    equations: tuple[EnzymeMLEquation, ...]
    n_points: int
    n_null: int
    warnings: tuple[EnzymeMLWarning, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("units", "metadata"):
            object.__setattr__(self, name, readonly(getattr(self, name)))

    def warning_counts(self) -> dict[str, int]:
        """Number of places each kind of deviation was found at, by code."""
        counts: dict[str, int] = {}
        for w in self.warnings:
            counts[w.code] = counts.get(w.code, 0) + len(w.paths)
        return counts
