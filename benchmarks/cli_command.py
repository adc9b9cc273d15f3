"""The command line the benchmarks run `mgkinetics` with (shared by the end-to-end benchmarks)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

__all__ = ["mgkinetics_cmd"]


def mgkinetics_cmd() -> list[str]:
    """The installed `mgkinetics` script beside this interpreter, else the one on PATH, else
    ``python -m mgkinetics_cli.main``."""
    exe = Path(sys.executable).with_name("mgkinetics")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("mgkinetics")
    return [found] if found else [sys.executable, "-m", "mgkinetics_cli.main"]
