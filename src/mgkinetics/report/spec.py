"""The report spec: a small TOML file that says what to fit and compare (``mgkinetics report SPEC``).

Top-level keys
--------------
``title`` (string, required)
    The report's title.
``description`` (string)
    A paragraph under the title (your words; the numbers of the report come from the fits).
``figure_format`` (``"png"`` or ``"svg"``; default ``"png"``)
    How figures are written beside the HTML (PNG at 300 dpi). The HTML always inlines SVG.

``[[analysis]]`` tables, one per analysis, in report order
---------------------------------------------------------
``name`` (string, required)
    Unique; letters, digits, ``_`` and ``-``. Names the analysis's table and figure files.
``data`` (string or list of strings, required)
    CSV files, relative to the spec's folder. A file without the ``by`` column is one variant,
    named by its stem (``treated.csv`` -> ``treated``).
``law`` (string; required except for application kinds)
    A rate law (``mgkinetics laws``).
``kind`` (``"compare"``, ``"fit"``, ``"global"`` or ``"module:function"``)
    ``compare`` (the default when ``reference`` is given): each variant fitted separately,
    ratios with CIs, ΔΔG‡, shared-versus-separate F tests. ``fit``: each file (and each ``by``
    value) fitted separately. ``global``: one fit over all files with the ``shared`` parameters
    in common (each file, and each ``by`` value when the files have that column, is one data
    set). ``module:function``: an
    application's own analysis (the AK report's are in :mod:`mgkinetics.ak.sections`).
``reference`` (string)
    The variant the others are compared with (default: the first).
``by`` (string; default ``"variant"``)
    Column naming the variant (or group) of each row.
``enzyme`` (string)
    Enzyme column or constant with unit (``"enzyme_nM"``, ``"2nM"``); found by name when omitted.
``x`` (string)
    The substrate column (found by name when omitted).
``shared`` (list of strings)
    ``compare``: also fit with these parameters shared; ``global``: the shared parameters.
``test`` (list of strings)
    ``compare``: the parameters tested for sharing (default: every fitted one).
``ci`` (``"asymptotic"``, ``"profile"``, ``"bootstrap"``; default ``"asymptotic"``)
``weights`` (string; default ``"none"``)
    As ``--weights`` (``relative``, ``poisson``, ``replicates``, ``replicates:pooled``, ``power``,
    ``sd:COLUMN``).
``n_bootstrap`` (integer; default 1000), ``seed`` (integer; default 1)
    For ``ci = "bootstrap"``; the seed makes the report reproducible.
``init``, ``fix`` (tables of parameter = number)
    Starting values and fixed parameters, in the fitted units.
``log_x`` (boolean; default false)
    Logarithmic x axis in the figures.
``title`` (string)
    Section heading (default: the name).
``description`` (string)
    A paragraph of context for the section.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "wt.csv").write_text("s_mM,rate_uM_per_s\\n1,2\\n")
>>> text = 'title = "t"\\n[[analysis]]\\nname = "a"\\ndata = "wt.csv"\\nlaw = "hill"\\n'
>>> _ = (d / "r.toml").write_text(text)
>>> spec = load_spec(d / "r.toml")
>>> spec.analyses[0].kind, spec.analyses[0].data[0].name
('fit', 'wt.csv')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mgkinetics.errors import DataFormatError, Problem

__all__ = ["Analysis", "ReportSpec", "load_spec", "parse_spec", "KINDS", "ANALYSIS_KEYS"]

KINDS = ("compare", "fit", "global")
_STRINGS = ("name", "law", "kind", "reference", "by", "enzyme", "x", "ci", "weights", "title", "description")
_LISTS = ("shared", "test")
ANALYSIS_KEYS = (*_STRINGS, "data", *_LISTS, "n_bootstrap", "seed", "init", "fix", "log_x")
TOP_KEYS = ("title", "description", "figure_format", "analysis")
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Analysis:
    """One ``[[analysis]]`` of a spec, its data paths resolved against the spec's folder."""

    name: str
    data: tuple[Path, ...]
    law: str = ""
    kind: str = "fit"
    reference: str | None = None
    by: str = "variant"
    enzyme: str | None = None
    x: str | None = None
    shared: tuple[str, ...] = ()
    test: tuple[str, ...] | None = None
    ci: str = "asymptotic"
    weights: str = "none"
    n_bootstrap: int = 1000
    seed: int = 1
    init: dict[str, float] = field(default_factory=dict)
    fix: dict[str, float] = field(default_factory=dict)
    log_x: bool = False
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class ReportSpec:
    """A parsed report spec: title, analyses, and where it came from."""

    title: str
    analyses: tuple[Analysis, ...]
    source: Path
    description: str = ""
    figure_format: str = "png"


def load_spec(path: str | Path) -> ReportSpec:
    """Read and check a report spec; every problem is reported at once (DataFormatError)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10: the same parser, as a package
        import tomli as tomllib
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFormatError(
            str(path), [Problem(None, None, f"cannot read the spec: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataFormatError(
            str(path), [Problem(line, None, "is not UTF-8 text; save the spec as UTF-8")]
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFormatError(str(path), [Problem(None, None, f"not valid TOML: {exc}")]) from None
    return parse_spec(raw, path)


def _check_type(value: Any, kind: type | tuple, where: str, what: str, problems: list[Problem]) -> bool:
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return True
    problems.append(Problem(None, where, f"should be {what}, not {value!r}"))
    return False


def _numbers(value: Any, where: str, problems: list[Problem]) -> dict[str, float]:
    if not _check_type(value, dict, where, "a table of parameter = number", problems):
        return {}
    out = {}
    for k, v in value.items():
        if _check_type(v, (int, float), f"{where}.{k}", "a number", problems):
            out[k] = float(v)
    return out


def _analysis(raw: Any, i: int, folder: Path, problems: list[Problem]) -> Analysis | None:
    where = f"analysis[{i + 1}]"
    if not _check_type(raw, dict, where, "a table ([[analysis]])", problems):
        return None
    kw: dict[str, Any] = {}
    for key in sorted(set(raw) - set(ANALYSIS_KEYS)):
        problems.append(
            Problem(None, f"{where}.{key}", f"unknown key; the keys are {', '.join(ANALYSIS_KEYS)}")
        )
    for key in _STRINGS:
        if key in raw and _check_type(raw[key], str, f"{where}.{key}", "a string", problems):
            kw[key] = raw[key]
    for key in _LISTS:
        if key in raw:
            value = [raw[key]] if isinstance(raw[key], str) else raw[key]
            if _check_type(value, list, f"{where}.{key}", "a list of strings", problems):
                kw[key] = tuple(str(v) for v in value)
    for key in ("n_bootstrap", "seed"):
        if key in raw and _check_type(raw[key], int, f"{where}.{key}", "an integer", problems):
            kw[key] = raw[key]
    if "log_x" in raw and _check_type(raw["log_x"], bool, f"{where}.log_x", "true or false", problems):
        kw["log_x"] = raw["log_x"]
    for key in ("init", "fix"):
        if key in raw:
            kw[key] = _numbers(raw[key], f"{where}.{key}", problems)
    name = kw.get("name")
    if not name:
        problems.append(Problem(None, f"{where}.name", "missing; give each analysis a name"))
    elif not _NAME.match(name):
        problems.append(Problem(None, f"{where}.name", f"'{name}': use letters, digits, _ and - only"))
    data = raw.get("data")
    files = [data] if isinstance(data, str) else data
    if not files or not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        problems.append(Problem(None, f"{where}.data", "missing; give a CSV file or a list of them"))
        files = []
    paths = tuple(folder / f for f in files)
    for f, p in zip(files, paths):
        if not p.is_file():
            problems.append(Problem(None, f"{where}.data", f"'{f}' not found (looked for {p})"))
    kind = kw.get("kind") or ("compare" if kw.get("reference") else "fit")
    kw["kind"] = kind
    if kind not in KINDS and ":" not in kind:
        problems.append(
            Problem(None, f"{where}.kind", f"'{kind}': choose {', '.join(KINDS)} or module:function")
        )
    if kind in KINDS and not kw.get("law"):
        problems.append(Problem(None, f"{where}.law", "missing; name a rate law (see `mgkinetics laws`)"))
    if kind == "global" and not kw.get("shared"):
        problems.append(Problem(None, f"{where}.shared", "a global analysis needs shared parameters"))
    if kw.get("ci", "asymptotic") not in ("asymptotic", "profile", "bootstrap"):
        problems.append(
            Problem(None, f"{where}.ci", f"'{kw['ci']}': choose asymptotic, profile or bootstrap")
        )
    if not name or not _NAME.match(name) or not paths:
        return None
    return Analysis(data=paths, **kw)


def parse_spec(raw: dict[str, Any], source: str | Path = "<spec>") -> ReportSpec:
    """A spec from its parsed TOML (a dict); paths are relative to ``source``'s folder."""
    source = Path(source)
    problems: list[Problem] = []
    for key in sorted(set(raw) - set(TOP_KEYS)):
        problems.append(Problem(None, key, f"unknown key; the top-level keys are {', '.join(TOP_KEYS)}"))
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(None, "title", "missing; give the report a title"))
    fmt = raw.get("figure_format", "png")
    if fmt not in ("png", "svg"):
        problems.append(Problem(None, "figure_format", f"'{fmt}': choose png or svg"))
    entries = raw.get("analysis")
    if not isinstance(entries, list) or not entries:
        problems.append(Problem(None, "analysis", "no [[analysis]] table; add at least one"))
        entries = []
    analyses = [a for i, e in enumerate(entries) if (a := _analysis(e, i, source.parent, problems))]
    names = [a.name for a in analyses]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(Problem(None, "analysis.name", f"'{dup}' is used twice; names must be unique"))
    if problems:
        raise DataFormatError(str(source), problems)
    return ReportSpec(
        title=str(title),
        analyses=tuple(analyses),
        source=source,
        description=str(raw.get("description", "")),
        figure_format=fmt,
    )
