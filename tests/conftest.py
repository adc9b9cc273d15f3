"""Shared fixtures for the mgkinetics test-suite."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The reference data copied into the repository (tests/data/<topic>/, each with its README and provenance).
PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DATA = PROJECT_ROOT / "tests" / "data"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """tests/data: ``nist/`` (NIST StRD) and ``enzyme/`` (renz, nlstools), part of every clone."""
    return REFERENCE_DATA


@pytest.fixture
def write_csv(tmp_path):
    """Write text (or bytes) to ``tmp_path/name`` and return the path.

    ``write_csv("s_mM,rate_uM_per_s\\n1,2\\n")`` or ``write_csv(b"...", name="x.csv")``.
    """

    def _write(content: str | bytes, name: str = "data.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return _write


@pytest.fixture
def data(tmp_path):
    """tmp_path/data.csv holding the hold-out tests' table (tests/holdout_common.TABLE)."""
    from holdout_common import TABLE

    path = tmp_path / "data.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path
