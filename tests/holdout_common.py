"""What the hold-out tests (tests/test_holdout_*.py, issue 12) share: one small Michaelis–Menten
table with 2 % deterministic wobble (Vmax 10 µM/s, KM 2 mM, made here) and a CLI runner."""

from __future__ import annotations

from click.testing import CliRunner
from mgkinetics_cli.main import cli

__all__ = ["S", "TABLE", "run"]

S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20]
TABLE = "s_mM,rate_uM_per_s\n" + "".join(
    f"{s},{10 * s / (2 + s) * (1 + 0.02 * ((i % 3) - 1))}\n" for i, s in enumerate(S)
)


def run(*args):
    """``mgkinetics ARGS...`` in-process (paths may be Path objects)."""
    return CliRunner().invoke(cli, [str(a) for a in args])
