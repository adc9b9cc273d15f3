"""The built-in datasets (package ``mgkinetics_datasets``), read through importlib.resources.

Every built-in dataset is SIMULATED: its sidecar metadata records the generating law, the true
parameters, the noise model and the seed (``datasets/generate.py`` regenerates them).

Examples
--------
>>> "ak_bibi_grid" in list_datasets()
True
>>> load("ak_bibi_grid").metadata["simulated"]
True
"""

from __future__ import annotations

import contextlib
import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from mgkinetics.data.table import Dataset, read_csv
from mgkinetics.errors import DataFormatError, Problem

__all__ = ["PACKAGE", "list_datasets", "describe", "metadata", "path", "load", "export"]

#: The installed package holding the CSVs (package-dir ``datasets`` in pyproject.toml).
PACKAGE = "mgkinetics_datasets"


def _root():
    try:
        return resources.files(PACKAGE)
    except ModuleNotFoundError:  # pragma: no cover - only when the package is not installed
        raise DataFormatError(
            PACKAGE,
            [
                Problem(
                    None,
                    None,
                    "the built-in datasets are not installed; reinstall mgkinetics (pip install -e .)",
                )
            ],
        ) from None


def list_datasets() -> list[str]:
    """Names of the built-in datasets (CSV stems), sorted."""
    return sorted(p.name[:-4] for p in _root().iterdir() if p.name.endswith(".csv"))


def _check(name: str) -> str:
    names = list_datasets()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise DataFormatError(
            name, [Problem(None, None, f"no built-in dataset '{name}'{hint}; choose from {', '.join(names)}")]
        )
    return name


def metadata(name: str) -> dict[str, Any]:
    """The dataset's sidecar metadata (``NAME.meta.json``) as a dict."""
    meta = _root() / f"{_check(name)}.meta.json"
    return json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}


@contextlib.contextmanager
def _as_file(name: str):
    with resources.as_file(_root() / f"{_check(name)}.csv") as p:
        yield Path(p)


def path(name: str) -> Path:
    """Filesystem path of the dataset's CSV (its ``.meta.json`` sits beside it).

    The package is installed as files (editable or wheel), so the path is real; a zipped
    install would need :func:`export` instead.
    """
    with _as_file(name) as p:
        return p


def load(name: str) -> Dataset:
    """Read a built-in dataset (with its metadata) as a :class:`~mgkinetics.data.table.Dataset`."""
    with _as_file(name) as p:
        return read_csv(p)


def describe(name: str) -> str:
    """A few lines on one dataset: title, design, conditions, variants, truth and provenance."""
    meta = metadata(name)
    ds = load(name)
    lines = [f"{name}: {meta.get('title', '')}", f"  rows: {len(ds)}; columns: {', '.join(ds.columns)}"]
    if meta.get("simulated"):
        lines.append("  SIMULATED data (not measured)")
    if "design" in meta:
        lines.append(f"  design: {meta['design']}")
    cond = meta.get("conditions", {})
    if cond:
        lines.append("  conditions: " + ", ".join(f"{k} {v}" for k, v in cond.items()))
    for variant, truth in meta.get("true_parameters", {}).items():
        vals = ", ".join(f"{k} {v['value']:g} {v['unit']}" for k, v in truth.items())
        lines.append(f"  truth {variant}: {vals}")
    if "noise_model" in meta:
        lines.append(f"  noise: {meta['noise_model']}; seed {meta.get('seed')}")
    if "provenance" in meta:
        lines.append(f"  provenance: {meta['provenance']}")
    return "\n".join(lines) + "\n"


def export(name: str, dest: str | Path) -> list[Path]:
    """Copy the dataset's CSV and metadata into directory ``dest``; return the written paths."""
    out = Path(dest)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".csv", ".meta.json"):
        src = _root() / f"{_check(name)}{suffix}"
        if src.is_file():
            with resources.as_file(src) as p:
                target = out / f"{name}{suffix}"
                shutil.copyfile(p, target)
                written.append(target)
    return written
