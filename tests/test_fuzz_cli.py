"""CLI property tests (issue 12 item 2): no input makes any command crash, lose a row or print a
non-finite number.

Every command is run through click's CliRunner on mutations of a valid CSV: value-level (a cell
replaced by a huge, tiny, negative, NaN, inf, empty, text or 400-digit value; a cell deleted or
duplicated; a row deleted or duplicated) and byte-level (bytes deleted, duplicated or inserted,
binary junk, another separator, truncation, an empty file, only the header). For every run:

* the exit code is 0 or 2 and nothing prints a traceback;
* no number in the output is NaN or infinite (JSON ``NaN``/``Infinity``, CSV/text ``nan``/``inf``);
* in JSON output every data row of the file is accounted for: used + excluded == rows in the file
  (rows = the CSV records that are neither blank nor comment lines, as a spreadsheet counts them).

Hypothesis runs derandomized (the same cases every run, so CI is reproducible) and without a
deadline; ``max_examples`` per command keeps the file within about a minute on 2 cores.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mgkinetics_cli.main import cli

S = [0.25, 0.5, 1, 2, 4, 8, 16, 32]


def _mm(vmax: float, km: float, s: float) -> str:
    return f"{vmax * s / (km + s):.6g}"


BASES = {
    "mm": "s_mM,rate_uM_per_s\n" + "".join(f"{s},{_mm(10, 2, s)}\n" for s in S),
    "kcat": "s_mM,enzyme_nM,rate_uM_per_s\n" + "".join(f"{s},2,{_mm(10, 2, s)}\n" for s in S),
    "variants": "variant,s_mM,rate_uM_per_s\n"
    + "".join(f"{v},{s},{_mm(vm, 2, s)}\n" for v, vm in (("wt", 10), ("mut", 4)) for s in S),
    "curves": "curve,s_mM,rate_uM_per_s\n"
    + "".join(f"{c},{s},{_mm(vm, 1.5, s)}\n" for c, vm in (("a", 10), ("b", 5), ("c", 2)) for s in S),
    "speciate": "atp_total_mM,mg_total_mM,ph\n1,2,7.5\n2,2,7\n5,1,8\n0.5,10,7.2\n",
}

#: (name, base, arguments after the file, how rows are accounted for in the output)
COMMANDS = [
    ("fit-json", "mm", ["fit", "--law", "michaelis_menten", "--format", "json"], "fits"),
    ("fit-csv", "mm", ["fit", "--law", "michaelis_menten", "--format", "csv"], None),
    (
        "fit-hill-relative",
        "mm",
        ["fit", "--law", "hill", "--weights", "relative", "--format", "json"],
        "fits",
    ),
    ("fit-si-exclude", "mm", ["fit", "--law", "substrate_inhibition", "--outliers", "exclude"], None),
    (
        "fit-profile",
        "mm",
        ["fit", "--law", "michaelis_menten", "--ci", "profile", "--format", "json"],
        "fits",
    ),
    ("fit-kcat", "kcat", ["fit", "--law", "michaelis_menten_kcat", "--format", "json"], "fits"),
    ("fit-expr", "mm", ["fit", "--law", "expr: vmax*s/(km + s)", "--init", "vmax=5", "--init", "km=1"], None),
    (
        "fit-group",
        "variants",
        ["fit", "--law", "michaelis_menten", "--group", "variant", "--format", "json"],
        "fits",
    ),
    (
        "fit-shared",
        "variants",
        ["fit", "--law", "michaelis_menten", "--group", "variant", "--shared", "km", "--format", "json"],
        None,
    ),
    ("compare", "variants", ["compare", "--law", "michaelis_menten", "--format", "json"], "variants"),
    ("select", "mm", ["select", "--laws", "michaelis_menten,hill", "--format", "json"], None),
    ("batch", "curves", ["batch", "--law", "michaelis_menten", "--curve", "curve"], "batch"),
    ("speciate", "speciate", ["speciate"], "speciate"),
]
#: examples per command: 1,550 runs in all (most mutations fail fast in the reader)
EXAMPLES = {"fit-profile": 50, "fit-shared": 70, "compare": 90, "select": 90, "batch": 110}
DEFAULT_EXAMPLES = 140

VALUES = [
    "", " ", "nan", "NaN", "inf", "-inf", "Infinity", "-1", "-0", "0", "1e308", "1e309", "1e-320", "5e-324",
    "1" * 400, "-" + "9" * 30, "abc", "1,5", "1;5", '"2"', "#x", "0x10", "1_000", "٣", "1e", ".", "+",
    "\x00", "é", "2 mM", "TRUE", "None",
]  # fmt: skip
SEPARATORS = [";", "\t", " ", "|", ",,", "\r\n", "\r", '"']


def _records(text: str) -> list[list[str]]:
    header = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    delimiter = next((d for d in (";", "\t") if "," not in header and d in header), ",")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _join(records: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue()


@st.composite
def value_mutation(draw, text: str) -> str:
    records = _records(text)
    for _ in range(draw(st.integers(1, 3))):
        body = list(range(1, len(records)))
        kind = draw(
            st.sampled_from(["cell", "float", "drop-cell", "dup-cell", "drop-row", "dup-row", "header"])
        )
        if not body:
            break
        i = draw(st.sampled_from(body))
        row = records[i]
        j = draw(st.integers(0, max(len(row) - 1, 0)))
        if kind == "cell" and row:
            row[j] = draw(st.sampled_from(VALUES))
        elif kind == "float" and row:
            x = draw(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**30), 10**30))
            row[j] = repr(x)
        elif kind == "drop-cell" and row:
            del row[j]
        elif kind == "dup-cell" and row:
            row.insert(j, row[j])
        elif kind == "drop-row":
            del records[i]
        elif kind == "dup-row":
            records.insert(i, list(row))
        elif kind == "header" and records[0]:
            k = draw(st.integers(0, len(records[0]) - 1))
            records[0][k] = draw(st.sampled_from(["", "s_mM", "x", "rate_uM_per_s", "s_uM", "ph", "#h"]))
    return _join(records)


@st.composite
def byte_mutation(draw, text: str) -> bytes:
    data = bytearray(text.encode())
    kind = draw(st.sampled_from(["delete", "duplicate", "insert", "separator", "truncate", "junk", "empty",
                                 "header-only", "bom", "crlf"]))  # fmt: skip
    n = len(data)
    a = draw(st.integers(0, n))
    b = draw(st.integers(a, min(n, a + 40)))
    if kind == "delete":
        del data[a:b]
    elif kind == "duplicate":
        data[a:a] = data[a:b]
    elif kind == "insert":
        data[a:a] = draw(st.binary(min_size=1, max_size=12))
    elif kind == "separator":
        data = bytearray(text.replace(",", draw(st.sampled_from(SEPARATORS))).encode())
    elif kind == "truncate":
        data = data[:a]
    elif kind == "junk":
        data = bytearray(draw(st.binary(min_size=1, max_size=300)))
    elif kind == "empty":
        data = bytearray()
    elif kind == "header-only":
        data = bytearray(text.split("\n", 1)[0].encode() + b"\n")
    elif kind == "bom":
        data = bytearray(b"\xef\xbb\xbf" + data)
    else:
        data = bytearray(text.replace("\n", "\r\n").encode())
    return bytes(data)


def mutated(base: str):
    text = BASES[base]
    as_bytes = value_mutation(text).map(lambda t: t.encode())
    return st.one_of(as_bytes, byte_mutation(text))


def _data_rows(raw: bytes) -> int:
    """Rows a user counts in the file: CSV records neither blank nor comment lines."""
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    records = _records(text)
    rows = [r for r in records if r and any(c.strip() for c in r)]
    # A comment is a physical line starting with '#'; a quoted cell "#wt" is data.
    comments = sum(1 for ln in lines if ln.lstrip().startswith("#"))
    return len(rows) - comments - 1  # minus the header


NONFINITE_TEXT = re.compile(r"(?<![A-Za-z])(nan|-?inf|-?infinity)(?![A-Za-z])", re.IGNORECASE)


def _non_finite(args: list[str], out: str, raw: bytes) -> list[str]:
    """Non-finite numbers in the output. Labels echoed from the file (a variant called 'NaN', a
    text column holding 'inf') are text, not numbers: JSON strings and CSV columns without a unit
    suffix in the input header are not checked."""
    if "json" in args:
        found: list[str] = []
        json.loads(out, parse_constant=found.append)
        return found
    if args[0] in ("batch", "speciate") or "csv" in args:
        from mgkinetics.units import parse_column

        header = _records(raw.decode("utf-8-sig"))
        labels = {c for c in (header[0] if header else []) if parse_column(c)[1] is None}
        rows = list(csv.DictReader(io.StringIO(out)))
        return [
            v for r in rows for k, v in r.items() if k not in labels and v and NONFINITE_TEXT.fullmatch(v)
        ]
    return NONFINITE_TEXT.findall(out)


def _accounted(how: str, stdout: str, stderr: str) -> tuple[int, int]:
    """(used, excluded) rows from a successful run's output."""
    if how == "batch":
        used = sum(int(r["n_points"]) for r in csv.DictReader(io.StringIO(stdout)))
        excluded = int(re.search(r"(\d+) rows excluded", stderr).group(1))
        return used, excluded
    if how == "speciate":
        return len(list(csv.reader(io.StringIO(stdout)))) - 1, 0
    data = json.loads(stdout)
    fits = data["fits"] if how == "fits" else list(data["variants"].values())
    used = sum(f["rows"]["used"] for f in fits)
    excluded = sum(len(f["rows"]["excluded"]) for f in fits)
    excluded += len(data.get("unassigned_rows", []))  # rows with an empty group / variant cell
    return used, excluded


def check_run(tmp_path, raw: bytes, base: str, args: list[str], how: str | None) -> None:
    path = tmp_path / f"{base}.csv"
    path.write_bytes(raw)
    result = CliRunner().invoke(cli, [args[0], str(path), *args[1:]])
    out, err = result.stdout, result.stderr
    assert result.exit_code in (0, 2), (result.exit_code, out, err, repr(result.exception))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in out + err
    if result.exit_code != 0:
        assert err.startswith("Error:") or "Usage:" in err, err
        return
    assert not _non_finite(args, out, raw), out
    if how is not None:
        used, excluded = _accounted(how, out, err)
        assert used + excluded == _data_rows(raw), (used, excluded, raw)


@pytest.mark.parametrize("name,base,args,how", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_no_input_crashes_loses_rows_or_prints_non_finite_numbers(tmp_path_factory, name, base, args, how):
    tmp = tmp_path_factory.mktemp(name)

    @settings(
        max_examples=EXAMPLES.get(name, DEFAULT_EXAMPLES),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(raw=mutated(base))
    def run(raw):
        check_run(tmp, raw, base, args, how)

    run()


def test_the_unmutated_files_pass_and_are_fully_accounted_for(tmp_path):
    for _name, base, args, how in COMMANDS:
        path = tmp_path / f"{base}.csv"
        path.write_text(BASES[base])
        result = CliRunner().invoke(cli, [args[0], str(path), *args[1:]])
        assert result.exit_code == 0, (args, result.output)
        if how is not None:
            used, excluded = _accounted(how, result.stdout, result.stderr)
            assert (used, excluded) == (_data_rows(BASES[base].encode()), 0)
    assert math.isclose(float(_mm(10, 2, 2)), 5.0)
