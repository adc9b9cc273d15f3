"""Shared fixtures for the mgkinetics test-suite."""

from __future__ import annotations

from pathlib import Path

import pytest

#: ../shared/reference-data, resolved from the project root (never an absolute path).
PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_REFERENCE = PROJECT_ROOT.parent / "shared" / "reference-data"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared reference-data directory; the test is skipped when it is absent."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"../shared/reference-data not found: {SHARED_REFERENCE}")
    return SHARED_REFERENCE


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
