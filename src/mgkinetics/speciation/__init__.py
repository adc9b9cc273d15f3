"""Mg–ligand speciation: constants, their pH/temperature/ionic-strength corrections, the solver."""

__all__: list[str] = []
