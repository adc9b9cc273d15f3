"""Fuzz campaign over every `mgkinetics` command (issue 12, Done-when 1); not collected by pytest.

    .venv/bin/python benchmarks/fuzz_cli.py --cases 3000 [--seed 1] [--only fit,select] [--timeout 60]

Each case takes a valid input of one command, mutates it at the byte level (truncation, deleted,
duplicated or random bytes, BOM, NUL, CRLF/CR, another separator, giant numbers, NaN/inf text, a
duplicated header, an empty file, 10^5 columns) or the value level (zeros, a constant, negatives,
1e-30 / 1e30 scale, one concentration, one row, duplicated labels, '#' labels), draws options
(hostile ``expr:`` laws, --seed -1, --out equal to the input, --out in a folder that does not
exist or under a file, bad units, out-of-range conditions ...) and runs the command in-process
through click's CliRunner under an alarm. The oracle of every case:

* ``crash``: exit code not in {0, 2}, an exception other than SystemExit, or a traceback printed;
* ``message``: a failing run whose stderr does not start with ``Error:`` (or click's ``Usage:``);
* ``hang``: no answer within --timeout seconds of CPU time (or 10 x that of wall time);
* ``input-changed``: an input file is not byte-identical after the run;
* ``non-finite``: NaN/inf in a JSON or CSV output (JSON ``NaN``; CSV cells of numeric columns);
* ``rows``: in a successful run, used + excluded rows != the data rows of the file (fit/compare
  JSON, batch CSV + its excluded listing, speciate CSV);
* ``mass-balance``: a speciate total differs from free + bound by more than 1e-6 relative.

Failures are written to --keep (default ``fuzz-failures/``): one folder per failing case with the
input files and ``case.json`` (command line, class, output). The summary prints cases and failures
per command and per class.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_cli_cases import BUILDERS, WEIGHTS, make_bases  # noqa: E402


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that neither click nor mgkinetics catches it."""


def _alarm(signum, frame):
    raise Hang()


# ----------------------------------------------------------------------------------------- oracle

NONFINITE = re.compile(r"(?<![A-Za-z_])[-+]?(nan|inf|infinity)(?![A-Za-z_])", re.IGNORECASE)


def decode(raw: bytes) -> str:
    """The text a user's editor shows: UTF-16 with or without BOM (ASCII as every other byte NUL),
    UTF-8 with or without BOM, else latin-1."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    head = raw[:200]
    if len(head) >= 4 and head.count(0) >= len(head) // 3 and 0 not in head[0::2]:
        return raw.decode("utf-16-le", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def records(text: str) -> list[list[str]]:
    stated = re.match(r"sep=(.)\r?\n", text)  # Excel's first line naming the separator: not a record
    if stated:
        text = text[stated.end() :]
    header = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    delimiter = next((d for d in (";", "\t") if "," not in header and d in header), ",")
    delimiter = stated.group(1) if stated else delimiter
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        return []


def data_rows(raw: bytes) -> int:
    """Rows a user counts: CSV records that are neither blank nor comment lines, minus the header."""
    text = decode(raw)
    rows = [r for r in records(text) if r and any(c.strip() for c in r)]
    comments = sum(1 for ln in text.splitlines() if ln.lstrip().startswith("#"))
    return len(rows) - comments - 1


def non_finite_json(text: str) -> list[str]:
    found: list[str] = []
    try:
        json.loads(text, parse_constant=found.append)
    except json.JSONDecodeError as exc:
        return [f"not JSON ({exc})"]
    return found


def non_finite_csv(text: str, labels: set[str]) -> list[str]:
    """NaN/inf cells of columns that hold numbers (columns named in ``labels`` echo user text)."""
    bad = []
    for row in csv.DictReader(io.StringIO(text)):
        for k, v in row.items():
            if k in labels or k is None or v is None:
                continue
            if NONFINITE.fullmatch(v.strip()):
                bad.append(f"{k}={v}")
    return bad


def label_columns(raw: bytes) -> set[str]:
    """Input columns without a unit (labels such as variant, curve): echoed text, not numbers."""
    from mgkinetics.units import parse_column

    recs = records(decode(raw))
    header = next((r for r in recs if r and not r[0].lstrip().startswith("#")), [])
    return {c for c in header if parse_column(c)[1] is None} | {
        "well",
        "plate",
        "flags",
        "status_reason",
        "warnings",
        "method",
        "reason",
    }


def accounted(how: str, out: str, err: str, excluded_file: Path | None) -> tuple[int, int]:
    """(used, excluded) rows from a successful run's output."""
    if how == "batch":
        used = sum(int(r["n_points"]) for r in csv.DictReader(io.StringIO(out)))
        m = re.search(r"(\d+) rows excluded", err)
        return used, int(m.group(1)) if m else -(10**9)
    if how == "speciate":
        return len([r for r in csv.reader(io.StringIO(out)) if r]) - 1, 0
    data = json.loads(out)
    fits = data["fits"] if how == "fits" else list(data["variants"].values())
    used = sum(f["rows"]["used"] for f in fits)
    excluded = sum(len(f["rows"]["excluded"]) for f in fits) + len(data.get("unassigned_rows", []))
    return used, excluded


def mass_balance(out: str, mode: str, totals_mM: dict[str, float] | None) -> list[str]:
    """Totals versus free + bound species, from speciate's CSV (file or --total mode)."""
    from mgkinetics.units import convert, parse_column

    bad = []
    if mode == "file":
        for i, row in enumerate(csv.DictReader(io.StringIO(out)), start=2):
            tot, species = {}, {}
            for k, v in row.items():
                stem, unit = parse_column(k or "")
                if unit is None or not v:
                    continue
                val = convert(float(v), unit, "mM")
                if stem.endswith("_total"):
                    tot[stem[:-6]] = val
                else:
                    species[stem] = val
            bad += _balance(tot, species, f"row {i}")
    else:
        species = {r["species"].lower(): float(r["value"]) for r in csv.DictReader(io.StringIO(out))}
        bad += _balance(totals_mM or {}, species, "mixture")
    return bad


def _balance(totals: dict[str, float], species: dict[str, float], where: str) -> list[str]:
    bad = []
    for name, total in totals.items():
        got = species.get(f"{name}_free", 0.0)
        size = abs(got)  # the sum of the terms: each is printed to 6 significant digits
        for sp, val in species.items():
            if sp.endswith("_free") or sp.endswith("_total_to_add"):
                continue
            m = re.fullmatch(r"(mg|ca|mn|zn|na|k|co|ni|cu|fe)(\d?)([a-z]+)", sp)
            if not m:
                continue
            metal, count, ligand = m.group(1), int(m.group(2) or 1), m.group(3)
            if metal == name:
                got, size = got + count * val, size + count * abs(val)
            elif ligand == name:
                got, size = got + val, size + abs(val)
        if not abs(got - total) <= 1e-5 * (size + abs(total)) + 1e-12:
            bad.append(f"{where}: {name} total {total:g} mM but free + bound = {got:g} mM")
    return bad


def judge(case: dict, result, outputs: dict[str, bytes], before: dict[str, str]) -> list[tuple[str, str]]:
    """The failure classes of one run (empty when it passed)."""
    fails = []
    out, err = result.stdout, result.stderr
    exc = result.exception
    if result.exit_code not in (0, 2) or (exc is not None and not isinstance(exc, SystemExit)):
        fails.append(("crash", f"exit {result.exit_code}: {exc!r} {err[-300:]}"))
    if "Traceback" in out + err:
        fails.append(("crash", "traceback printed"))
    for path, digest in before.items():
        if not Path(path).exists() or hashlib.sha256(Path(path).read_bytes()).hexdigest() != digest:
            fails.append(("input-changed", path))
    if result.exit_code != 0:
        if result.exit_code == 2 and not re.search(r"^(Error:|Usage:)", err, re.MULTILINE):
            fails.append(("message", err[:300]))
        return fails
    texts = {"stdout": out, **{k: decode(v) for k, v in outputs.items()}}
    labels = case.get("labels", set())
    for name, text in texts.items():
        kind = case["formats"].get(name, "")
        if name == "stdout" and not text and case.get("outputs"):  # written to --out instead
            continue
        bad = (
            non_finite_json(text) if kind == "json" else non_finite_csv(text, labels) if kind == "csv" else []
        )
        if bad:
            fails.append(("non-finite", f"{name}: {bad[:5]}"))
    if case.get("rows"):
        try:
            excl = case.get("excluded_file")
            used, excluded = accounted(case["rows"], out, err, excl)
            want = data_rows(case["primary_bytes"])
            if used + excluded != want:
                fails.append(("rows", f"used {used} + excluded {excluded} != {want} data rows"))
        except (KeyError, ValueError, TypeError, json.JSONDecodeError) as exc2:
            fails.append(("rows", f"cannot account rows: {exc2!r}"))
    if case.get("balance"):
        bad = mass_balance(out, *case["balance"])
        if bad:
            fails.append(("mass-balance", "; ".join(bad[:3])))
    return fails


# ------------------------------------------------------------------------------------------- runner


#: Imported before the first case: an alarm that interrupts a first import leaves a half-initialised
#: module behind (scipy.ndimage's NameError in every later case), which is the campaign's fault.
WARM_IMPORTS = (
    "scipy.optimize",
    "scipy.stats",
    "scipy.ndimage",
    "scipy.special",
    "scipy.linalg",
    "lmfit",
    "matplotlib.pyplot",
    "pandas",
    "openpyxl",
    "jinja2",
    "mgkinetics.report.build",
    "mgkinetics.report.figures",
    "mgkinetics.rates",
    "mgkinetics.stats.selection",
)


def run_case(runner, cli, case: dict, timeout: float):
    """Run one case under two alarms: CPU time (``timeout`` s of this process; the machine is
    shared, so wall time says little) and wall time (10 x ``timeout``)."""
    before = {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in case["inputs"] if Path(p).exists()}
    signal.signal(signal.SIGPROF, _alarm)
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    signal.setitimer(signal.ITIMER_REAL, 10 * timeout)
    t0 = time.perf_counter()
    try:
        result = runner.invoke(cli, case["args"], catch_exceptions=True)
    except Hang:
        return [("hang", f"no answer in {timeout:g} s of CPU")], None, time.perf_counter() - t0
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
    outputs = {k: Path(p).read_bytes() for k, p in case.get("outputs", {}).items() if Path(p).is_file()}
    if case.get("report_dir"):  # every table of a report
        for table in sorted(Path(case["report_dir"]).glob("tables/*.csv")):
            outputs[table.name] = table.read_bytes()
            case["formats"][table.name] = "csv"
    return judge(case, result, outputs, before), result, time.perf_counter() - t0


def keep_failure(keep: Path, n: int, case: dict, fails, result) -> None:
    folder = keep / f"{n:05d}-{case['command']}-{fails[0][0]}"
    folder.mkdir(parents=True, exist_ok=True)
    for p in case["inputs"]:
        if Path(p).is_file():
            shutil.copy(p, folder / Path(p).name)
    info = {
        "command": case["command"],
        "args": case["args"],
        "mutation": case.get("mutation"),
        "failures": fails,
        "stdout": result.stdout[-3000:] if result else None,
        "stderr": result.stderr[-3000:] if result else None,
    }
    (folder / "case.json").write_text(json.dumps(info, indent=2, default=str))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=500, help="cases in all (spread over the commands)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated commands (default: all)")
    ap.add_argument("--timeout", type=float, default=60.0, help="CPU seconds per case before it is a hang")
    ap.add_argument("--keep", default="fuzz-failures", help="folder for failing cases")
    args = ap.parse_args(argv)

    import matplotlib

    matplotlib.use("Agg")
    import importlib

    from click.testing import CliRunner
    from mgkinetics_cli.main import cli

    for module in WARM_IMPORTS:
        importlib.import_module(module)

    rng = np.random.default_rng(args.seed)
    names = [n for n in BUILDERS if not args.only or n in args.only.split(",")]
    keep = Path(args.keep)
    share = np.array([WEIGHTS[n] for n in names]) / sum(WEIGHTS[n] for n in names)
    counts, fails_by = Counter(), defaultdict(Counter)
    seconds = Counter()
    examples: dict[tuple[str, str], str] = {}
    n_fail = 0
    with tempfile.TemporaryDirectory(prefix="mgk-fuzz-") as tmp:
        root = Path(tmp)
        bases = make_bases(root / "base", ROOT)
        runner = CliRunner()
        for i in range(args.cases):
            name = names[int(rng.choice(len(names), p=share))]
            work = root / f"c{i}"
            work.mkdir()
            case = BUILDERS[name](rng, bases, work)
            case["command"] = name
            case.setdefault("formats", {})
            case.setdefault("labels", set())
            fails, result, dt = run_case(runner, cli, case, args.timeout)
            counts[name] += 1
            seconds[name] += dt
            for cls, msg in fails:
                fails_by[name][cls] += 1
                examples.setdefault((name, cls), f"{case['args']} [{case.get('mutation')}]: {msg}"[:400])
            if fails:
                n_fail += 1
                keep_failure(keep, i, case, fails, result)
            shutil.rmtree(work, ignore_errors=True)
            if (i + 1) % 200 == 0:
                print(f"... {i + 1} cases, {n_fail} failing", file=sys.stderr, flush=True)
    print(f"{'command':<12} {'cases':>6} {'s/case':>7}  failures by class")
    for name in names:
        per = ", ".join(f"{k} {v}" for k, v in sorted(fails_by[name].items())) or "-"
        print(f"{name:<12} {counts[name]:>6} {seconds[name] / max(counts[name], 1):>7.2f}  {per}")
    total = Counter()
    for c in fails_by.values():
        total.update(c)
    print(
        f"{'all':<12} {sum(counts.values()):>6}          "
        + (", ".join(f"{k} {v}" for k, v in sorted(total.items())) or "no failures")
    )
    for (name, cls), ex in sorted(examples.items()):
        print(f"  e.g. {name} {cls}: {ex}")
    return 1 if n_fail else 0


if __name__ == "__main__":
    raise SystemExit(main())
