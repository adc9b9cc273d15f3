"""Inputs, mutations and command lines of the fuzz campaign (benchmarks/fuzz_cli.py).

``make_bases`` writes one valid input of every command; each ``BUILDERS[name](rng, bases, work)``
copies them into ``work``, mutates one and returns the case: ``args`` (the command line),
``inputs`` (files that must be byte-identical after the run), ``outputs`` and ``formats`` (files
and stdout to check for non-finite numbers), ``rows`` (how to account for the rows), ``balance``
(speciate's mass balance) and ``mutation`` (what was done, for the failure report).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np

__all__ = ["BUILDERS", "WEIGHTS", "make_bases"]

S = [0.25, 0.5, 1, 2, 4, 8, 16, 32]


def _mm(vmax: float, km: float, s: float, w: float = 1.0) -> str:
    return f"{vmax * s / (km + s) * w:.6g}"


def _wobble(i: int) -> float:
    return 1 + 0.02 * (1 if i % 3 else -1)


CSV_BASES = {
    "mm": "s_mM,rate_uM_per_s\n" + "".join(f"{s},{_mm(10, 2, s, _wobble(i))}\n" for i, s in enumerate(S)),
    "kcat": "s_mM,enzyme_nM,rate_uM_per_s\n"
    + "".join(f"{s},2,{_mm(10, 2, s, _wobble(i))}\n" for i, s in enumerate(S)),
    "sd": "s_mM,rate_uM_per_s,rate_sd_uM_per_s,n\n"
    + "".join(f"{s},{_mm(10, 2, s, _wobble(i))},0.2,3\n" for i, s in enumerate(S)),
    "wide": "s_mM,rate_1_uM_per_s,rate_2_uM_per_s,rate_3_uM_per_s\n"
    + "".join(f"{s},{_mm(10, 2, s, 0.98)},{_mm(10, 2, s)},{_mm(10, 2, s, 1.02)}\n" for s in S),
    "inhib": "s_mM,i_uM,rate_uM_per_s\n"
    + "".join(
        f"{s},{i},{10 * s / (2 * (1 + i / 5) + s) * _wobble(k):.6g}\n"
        for k, (s, i) in enumerate((s, i) for i in (0, 5, 20) for s in S)
    ),
    "variants": "variant,s_mM,rate_uM_per_s\n"
    + "".join(
        f"{v},{s},{_mm(vm, 2, s, _wobble(i))}\n"
        for v, vm in (("wt", 10), ("mut", 4))
        for i, s in enumerate(S)
    ),
    "curves": "curve,s_mM,rate_uM_per_s\n"
    + "".join(
        f"{c},{s},{_mm(vm, 1.5, s, _wobble(i))}\n"
        for c, vm in (("a", 10), ("b", 5), ("c", 2))
        for i, s in enumerate(S)
    ),
    "speciate": "atp_total_mM,mg_total_mM,ph\n1,2,7.5\n2,2,7\n5,1,8\n0.5,10,7.2\n",
    "speciate2": "atp_total_uM,adp_total_mM,mg_total_mM,temperature_C,ionic_strength_M\n"
    "500,1,2,25,0.15\n1000,0.5,3,37,0.1\n",
}


def make_bases(root: Path, repo: Path) -> dict[str, Path]:
    """Write the valid inputs; returns name -> path."""
    root.mkdir(parents=True)
    bases = {}
    for name, text in CSV_BASES.items():
        bases[name] = root / f"{name}.csv"
        bases[name].write_text(text)
    from mgkinetics.rates import simulate_coupled_plate

    traces, layout, _truth = simulate_coupled_plate(seed=3, levels=3, n_reads=20)
    traces.to_csv(root / "traces.csv", index=False)
    layout.to_csv(root / "layout.csv", index=False)
    bases["traces"], bases["layout"] = root / "traces.csv", root / "layout.csv"
    for src in (
        "plates/multiskan_spectrum_1500.txt",
        "plates/spectramax190_kinetic.txt",
        "enzymeml/enz.json",
        "enzymeml/synthetic_pyenzyme_style.json",
        "report/puromycin.toml",
        "report/treated.csv",
        "report/untreated.csv",
    ):
        dst = root / Path(src).name
        shutil.copy(repo / "tests" / "data" / src, dst)
        bases[Path(src).stem] = dst
    shutil.copy(repo / "datasets" / "ak_mgatp_saturation.csv", root / "ak.csv")
    bases["ak"] = root / "ak.csv"
    return bases


# ---------------------------------------------------------------------------------------- mutations

VALUES = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "-1",
    "-0",
    "0",
    "1e308",
    "1e309",
    "1e-320",
    "1" * 400,
    "-" + "9" * 30,
    "abc",
    "1,5",
    '"2"',
    "#x",
    "0x10",
    "1_000",
    "\u0663",
    "1e",
    ".",
    "+",
    "\x00",
    "\u00e9",
    "2 mM",
    "TRUE",
    "None",
    "1e-30",
    "1e30",
]
SEPARATORS = [";", "\t", " ", "|", ",,", '"']


def _records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _join(records) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue()


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def value_mutation(rng, text: str) -> tuple[str, str]:
    """A value-level change of a CSV table: (new text, what was done)."""
    recs = _records(text)
    if len(recs) < 2:
        return text, "none"
    header, body = recs[0], recs[1:]
    num_cols = [j for j in range(len(header)) if all(j < len(r) and _is_number(r[j]) for r in body)]
    kind = rng.choice(
        [
            "zeros",
            "constant",
            "negative",
            "tiny",
            "huge",
            "one-conc",
            "one-row",
            "dup-label",
            "hash-label",
            "cell",
            "drop-row",
            "dup-rows",
            "empty-cells",
            "two-rows",
            "dup-column",
        ]
    )
    col = int(rng.choice(num_cols)) if num_cols else 0
    if kind == "zeros":
        for r in body:
            r[col] = "0"
    elif kind == "constant":
        for r in body:
            r[col] = "5"
    elif kind == "negative":
        for r in body:
            r[col] = str(-abs(float(r[col]))) if _is_number(r[col]) else r[col]
    elif kind in ("tiny", "huge"):
        factor = 1e-30 if kind == "tiny" else 1e30
        for j in num_cols if rng.random() < 0.5 else [col]:
            for r in body:
                r[j] = repr(float(r[j]) * factor)
    elif kind == "one-conc":
        for r in body:
            r[0 if 0 in num_cols else col] = body[0][0 if 0 in num_cols else col]
    elif kind == "one-row":
        body = body[:1]
    elif kind == "two-rows":
        body = body[:2]
    elif kind == "dup-label":
        header[int(rng.integers(len(header)))] = header[col]
    elif kind == "hash-label":
        for r in body[: len(body) // 2]:
            r[0] = "#" + r[0]
    elif kind == "cell":
        for _ in range(int(rng.integers(1, 4))):
            r = body[int(rng.integers(len(body)))]
            r[int(rng.integers(len(r)))] = str(rng.choice(VALUES))
    elif kind == "drop-row":
        del body[int(rng.integers(len(body)))]
    elif kind == "dup-rows":
        body = body + body
    elif kind == "empty-cells":
        for r in body:
            if rng.random() < 0.4:
                r[int(rng.integers(len(r)))] = ""
    elif kind == "dup-column":
        header.append(header[col])
        for r in body:
            r.append(r[col] if col < len(r) else "")
    return _join([header, *body]), f"value:{kind}"


def byte_mutation(rng, data: bytes) -> tuple[bytes, str]:
    """A byte-level change: (new bytes, what was done)."""
    kind = rng.choice(
        [
            "truncate",
            "delete",
            "duplicate",
            "insert",
            "nul",
            "bom",
            "crlf",
            "cr",
            "separator",
            "empty",
            "header-only",
            "junk",
            "giant",
            "nan-text",
            "dup-header",
            "wide",
            "latin1",
            # added for the issue-12 hold-outs: encodings and spreadsheet habits not generated before
            "utf16-nobom",
            "sep-line",
            "decimal-comma",
            "mu-swap",
            "thousands",
            "unit-space",
        ]
    )
    n = len(data)
    a = int(rng.integers(0, n + 1))
    b = min(n, a + int(rng.integers(0, 41)))
    text = data.decode("utf-8", errors="replace")
    if kind == "truncate":
        data = data[:a]
    elif kind == "delete":
        data = data[:a] + data[b:]
    elif kind == "duplicate":
        data = data[:a] + data[a:b] + data[a:]
    elif kind == "insert":
        data = data[:a] + rng.bytes(int(rng.integers(1, 13))) + data[a:]
    elif kind == "nul":
        data = data[:a] + b"\x00" + data[a:]
    elif kind == "bom":
        data = b"\xef\xbb\xbf" + data
    elif kind == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif kind == "cr":
        data = data.replace(b"\n", b"\r")
    elif kind == "separator":
        data = data.replace(b",", str(rng.choice(SEPARATORS)).encode())
    elif kind == "empty":
        data = b""
    elif kind == "header-only":
        data = data.split(b"\n", 1)[0] + b"\n"
    elif kind == "junk":
        data = rng.bytes(int(rng.integers(1, 300)))
    elif kind in ("giant", "nan-text"):
        nums = list(re.finditer(r"(?<![\w.])\d+(\.\d+)?(?![\w.])", text))
        if nums:
            m = nums[int(rng.integers(len(nums)))]
            new = str(
                rng.choice(
                    ["1e400", "9" * 400, "-1e400", "1e-400"]
                    if kind == "giant"
                    else ["nan", "NaN", "inf", "-inf", "Infinity", "#N/A", "NA"]
                )
            )
            data = (text[: m.start()] + new + text[m.end() :]).encode()
    elif kind == "dup-header":
        first, _, rest = data.partition(b"\n")
        data = first + b"\n" + first + b"\n" + rest
    elif kind == "wide":
        lines = data.split(b"\n")
        k = 100_000 if rng.random() < 0.25 else 10_000  # 10^5 columns cost a minute: a quarter of them
        # every row gets them in a small file; only the header in a long one (10^8 cells)
        lines = [
            ln + (b",x" * k if i == 0 else b",1" * k) if ln and (i == 0 or len(lines) < 60) else ln
            for i, ln in enumerate(lines)
        ]
        data = b"\n".join(lines)
    elif kind == "latin1":
        data = text.replace("u", "\u00b5").encode("latin-1", errors="replace")
    elif kind == "utf16-nobom":  # what some Windows tools save: UTF-16-LE without a BOM
        data = text.encode("utf-16-le")
    elif kind == "sep-line":  # Excel's first line naming the separator, then that separator
        data = b"sep=;\r\n" + data.replace(b",", b";")
    elif kind == "decimal-comma":  # a European export: ';' between cells, ',' in numbers
        data = data.replace(b",", b";").replace(b".", b",")
    elif kind == "mu-swap":  # the micro sign and the Greek mu look alike (U+00B5, U+03BC)
        mu = str(rng.choice(["\u00b5", "\u03bc"]))
        data = re.sub(r"(?<=[_( \[])u(?=M)", mu, text).encode()
    elif kind == "thousands":  # 1,234.5 quoted, as a spreadsheet with thousands separators saves it
        data = re.sub(r"(?<![\w.])(\d)(\d{3}(?:\.\d+)?)(?![\w.])", r'"\1,\2"', text).encode()
    elif kind == "unit-space":  # a unit with a trailing space, 'mM ' in a header
        data = re.sub(r"([a-zA-Z])\)", r"\1 )", text, count=2).encode()
    return data, f"bytes:{kind}"


def mutate_file(rng, path: Path, *, text_level: bool = True, p_none: float = 0.08) -> str:
    """Mutate ``path`` in place (sometimes not at all): what was done."""
    r = rng.random()
    if r < p_none:
        return "none"
    raw = path.read_bytes()
    if text_level and r < 0.55:
        try:
            new, what = value_mutation(rng, raw.decode("utf-8"))
            path.write_text(new, encoding="utf-8", newline="")
            return what
        except (UnicodeDecodeError, csv.Error, ValueError):
            pass
    new, what = byte_mutation(rng, raw)
    path.write_bytes(new)
    return what


def mutate_json(rng, path: Path) -> str:
    """Replace numbers / strings of a JSON document, drop keys, or mutate its bytes."""
    if rng.random() < 0.4:
        return mutate_file(rng, path, text_level=False, p_none=0.1)
    doc = json.loads(path.read_text())
    nodes = []

    def walk(node):
        if isinstance(node, dict):
            for k in list(node):
                nodes.append((node, k))
                walk(node[k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                nodes.append((node, i))
                walk(v)

    walk(doc)
    what = []
    for _ in range(int(rng.integers(1, 5))):
        parent, key = nodes[int(rng.integers(len(nodes)))]
        op = rng.choice(["nan", "neg", "huge", "str", "null", "drop", "list", "zero"])
        what.append(str(op))
        if op == "drop" and isinstance(parent, dict):
            parent.pop(key, None)
            continue
        try:
            parent[key] = {
                "nan": float("nan"),
                "neg": -1.5,
                "huge": 1e308,
                "str": "µM?",
                "null": None,
                "drop": None,
                "list": [],
                "zero": 0,
            }[str(op)]
        except (KeyError, IndexError):
            pass
    path.write_text(json.dumps(doc, allow_nan=True))
    return "json:" + ",".join(what)


# ------------------------------------------------------------------------------------------ options

HOSTILE_EXPR = [
    "expr: vmax*s/(km+s) + 0*square(km, s)",
    "expr: vmax*s/(km+s) + 0*add(s, s, s)",
    "expr: __import__('os').system('true')",
    "expr: vmax*s/(km+s) + e",
    "expr: vmax*s/(km + s) + pi*0",
    "expr: 1e999*s + vmax + km",
    "expr: " + "9" * 400 + "*s/(km+s)*vmax",
    "expr: (lambda: 1)() * vmax",
    "expr: s.__class__",
    "expr: vmax*Time/(km+Time)",
    "expr: vmax*rate/(km+s)",
    "expr: exp(exp(exp(km*s)))",
    "expr: vmax*s**1e10/km",
    "expr: ",
    "expr: vmax*s/(km+s) if s else 0",
    "expr: [x for x in ()]",
    "expr: sqrt(-km)*s*vmax",
    "expr: vmax*s/(km+s)",
    "expr: vmax*s/(km+s",
    "expr: vmax*s/(km+s); 1",
    "expr: log(0*s)*vmax*km",
    "expr: vmax*s/(km+s) + 0*maximum(s, km, s)",
    "expr: vmax/0*s+km",
]


def out_choice(rng, work: Path, inputs: list[Path], suffix: str):
    """--out: none, a new file, one of the inputs, in a missing folder, or under a file."""
    r = rng.random()
    if r < 0.35:
        return None, "none"
    if r < 0.7:
        return work / f"out{suffix}", "file"
    if r < 0.85:
        return inputs[0], "input"
    if r < 0.93:
        return work / "missing" / f"out{suffix}", "missing-dir"
    return inputs[0] / f"out{suffix}", "under-file"


def pick(rng, pool, k_max: int = 2) -> list[str]:
    out = []
    for i in rng.choice(len(pool), size=int(rng.integers(0, k_max + 1)), replace=False):
        out += list(pool[int(i)])
    return out


FIT_EXTRAS = [
    ("--weights", "relative"),
    ("--weights", "poisson"),
    ("--weights", "replicates"),
    ("--weights", "replicates:pooled"),
    ("--weights", "sd:rate_sd_uM_per_s"),
    ("--weights", "sd:nope"),
    ("--weights", "bogus"),
    ("--ci", "profile"),
    ("--ci", "bootstrap", "--bootstrap", "50", "--seed", "1"),
    ("--seed", "-1"),
    ("--ci", "bootstrap", "--bootstrap-kind", "residual", "--bootstrap", "50"),
    ("--fix", "km=0"),
    ("--fix", "km=-1"),
    ("--fix", "km=1e400"),
    ("--fix", "km=500uM"),
    ("--fix", "km=abc"),
    ("--fix", "km=2s"),
    ("--init", "vmax=nan"),
    ("--init", "km=0"),
    ("--init", "km=1e-300"),
    ("--units", "km=uM"),
    ("--units", "km=s"),
    ("--units", "vmax=nM/min"),
    ("--outliers", "exclude"),
    ("--ph", "20"),
    ("--ph", "nan"),
    ("--temperature", "-300"),
    ("--ionic-strength", "inf"),
    ("--x", "rate_uM_per_s"),
    ("--y", "s_mM"),
    ("--x", "nope"),
    ("--enzyme", "2nM"),
    ("--enzyme", "0nM"),
    ("--input-unit", "s=mM"),
    ("--input-unit", "s_mM=banana"),
    ("--pool",),
    ("--replicates", "rate_*"),
    ("--sheet", "Sheet1"),
    ("--plot", "PLOT.png"),
    ("--plot", "PLOT.xyz"),
]
LAWS = {
    "mm": ["michaelis_menten", "hill", "substrate_inhibition", "michaelis_menten_kcat", "nope"],
    "kcat": ["michaelis_menten_kcat", "michaelis_menten"],
    "sd": ["michaelis_menten"],
    "wide": ["michaelis_menten", "hill"],
    "inhib": ["competitive", "mixed", "uncompetitive", "noncompetitive", "michaelis_menten"],
    "variants": ["michaelis_menten"],
    "ak": ["ak_random_bibi", "mgatp_mm", "michaelis_menten"],
}


def _copy(bases, work: Path, *names: str) -> list[Path]:
    out = []
    for n in names:
        dst = work / bases[n].name
        shutil.copy(bases[n], dst)
        out.append(dst)
    return out


def _fix_plot(args: list[str], work: Path) -> list[str]:
    return [str(work / a) if a.startswith("PLOT.") else a for a in args]


def _finish(args, inputs, out, kind, fmt_by, **extra) -> dict:
    case = {"args": [str(a) for a in args], "inputs": [str(p) for p in inputs], **extra}
    case["outputs"] = {"out": str(out)} if out is not None and kind == "file" else {}
    case["formats"] = fmt_by
    return case


def build_fit(rng, bases, work):
    base = str(rng.choice(list(LAWS)))
    (path,) = _copy(bases, work, base)
    what = mutate_file(rng, path)
    law = str(rng.choice(LAWS[base] + HOSTILE_EXPR[:: 3 if base != "mm" else 1]))
    fmt = str(rng.choice(["json", "csv", "text"]))
    extras = _fix_plot(pick(rng, FIT_EXTRAS), work)
    if base == "variants" and rng.random() < 0.7:
        extras += ["--group", "variant"] + (["--shared", "km"] if rng.random() < 0.4 else [])
    if base == "ak":
        extras += ["--group", "variant"] if rng.random() < 0.5 else ["--pool"]
    if law.startswith("expr"):
        extras += ["--init", "vmax=5", "--init", "km=1"]
    out, okind = out_choice(rng, work, [path], f".{fmt}")
    args = ["fit", path, "--law", law, "--format", fmt, *extras] + (["--out", out] if out else [])
    rows = "fits" if fmt == "json" and out is None and "--shared" not in extras and base != "wide" else None
    return _finish(
        args,
        [path],
        out,
        okind,
        {"stdout": fmt, "out": fmt},
        rows=rows,
        primary_bytes=path.read_bytes(),
        labels=_labels(path),
        mutation=f"{base} {what} out={okind}",
    )


def build_fit_layout(rng, bases, work):
    traces, layout = _copy(bases, work, "traces", "layout")
    target = traces if rng.random() < 0.5 else layout
    what = mutate_file(rng, target)
    extras = pick(
        rng,
        [
            ("--rate-method", "linear"),
            ("--rate-method", "progress"),
            ("--blank", "H7,H8"),
            ("--sign", "increase"),
            ("--epsilon", "0/mM/cm"),
            ("--path-length", "-1cm"),
            ("--rate-unit", "banana"),
            ("--stoichiometry", "0"),
            ("--wavelength", "-5"),
        ],
    )
    args = [
        "fit",
        traces,
        "--layout",
        layout,
        "--law",
        "michaelis_menten",
        "--x",
        "mgatp_mM",
        "--substrate",
        "mgatp_mM",
        "--stoichiometry",
        "2",
        "--group",
        "variant",
        "--format",
        "json",
        *extras,
    ]
    return _finish(args, [traces, layout], None, "none", {"stdout": "json"}, mutation=f"{target.name} {what}")


def build_compare(rng, bases, work):
    (path,) = _copy(bases, work, "variants")
    what = mutate_file(rng, path)
    fmt = str(rng.choice(["json", "text"]))
    extras = _fix_plot(
        pick(
            rng,
            FIT_EXTRAS[:12]
            + [
                ("--shared", "km"),
                ("--shared", "nope"),
                ("--test", "km"),
                ("--reference", "mut"),
                ("--reference", "zz"),
                ("--by", "s_mM"),
                ("--by", "nope"),
                ("--ci", "profile"),
                ("--plot", "PLOT.png"),
            ],
        ),
        work,
    )
    out, okind = out_choice(rng, work, [path], f".{fmt}")
    args = ["compare", path, "--law", "michaelis_menten", "--format", fmt, *extras] + (
        ["--out", out] if out else []
    )
    rows = "variants" if fmt == "json" and out is None else None
    return _finish(
        args,
        [path],
        out,
        okind,
        {"stdout": fmt, "out": fmt},
        rows=rows,
        primary_bytes=path.read_bytes(),
        labels=_labels(path),
        mutation=f"{what} out={okind}",
    )


def build_select(rng, bases, work):
    base = str(rng.choice(["mm", "inhib", "sd"]))
    (path,) = _copy(bases, work, base)
    what = mutate_file(rng, path)
    pools = {
        "mm": ["michaelis_menten", "hill", "substrate_inhibition"],
        "sd": ["michaelis_menten", "hill", "substrate_inhibition"],
        "inhib": ["competitive", "mixed", "uncompetitive", "noncompetitive"],
    }
    laws = list(rng.choice(pools[base], size=int(rng.integers(2, len(pools[base]) + 1)), replace=False))
    if rng.random() < 0.1:
        laws.append(str(rng.choice(["nope", "expr: vmax*s/(km+s)", "michaelis_menten_kcat"])))
    fmt = str(rng.choice(["json", "text"]))
    extras = _fix_plot(pick(rng, FIT_EXTRAS[:24] + [("--plot", "PLOT.png")]), work)
    out, okind = out_choice(rng, work, [path], f".{fmt}")
    args = ["select", path, "--laws", ",".join(laws), "--format", fmt, *extras] + (
        ["--out", out] if out else []
    )
    return _finish(
        args,
        [path],
        out,
        okind,
        {"stdout": fmt, "out": fmt},
        labels=_labels(path),
        mutation=f"{base} {what} out={okind}",
    )


def build_batch(rng, bases, work):
    (path,) = _copy(bases, work, "curves")
    what = mutate_file(rng, path)
    law = str(rng.choice(["michaelis_menten", "hill", "substrate_inhibition", "competitive", "nope"]))
    extras = _fix_plot(
        pick(
            rng,
            FIT_EXTRAS[:12]
            + [
                ("--chunk-size", "1"),
                ("--chunk-size", "0"),
                ("--curve", "nope"),
                ("--curve", "s_mM"),
                ("--plot", "PLOT.png"),
            ],
        ),
        work,
    )
    if "--curve" not in extras:
        extras += ["--curve", "curve"]
    out, okind = out_choice(rng, work, [path], ".csv")
    args = ["batch", path, "--law", law, *extras] + (["--out", out] if out else [])
    case = _finish(
        args,
        [path],
        out,
        okind,
        {"stdout": "csv", "out": "csv"},
        labels=_labels(path),
        primary_bytes=path.read_bytes(),
        rows="batch" if out is None else None,
        mutation=f"{what} out={okind}",
    )
    if out is not None and okind == "file":
        case["outputs"]["excluded"] = str(Path(str(out)).with_suffix(".excluded.csv"))
        case["formats"]["excluded"] = "csv"
    return case


def build_speciate(rng, bases, work):
    if rng.random() < 0.6:
        (path,) = _copy(bases, work, str(rng.choice(["speciate", "speciate2"])))
        what = mutate_file(rng, path)
        extras = pick(
            rng,
            [
                ("--ph", "13"),
                ("--ph", "nan"),
                ("--temperature", "150"),
                ("--kd", "MgATP=0mM"),
                ("--kd", "MgATP=-1mM"),
                ("--kd", "MgATP=0.05mM"),
                ("--include", "Mg2ATP"),
                ("--include", "bogus"),
                ("--ionic-strength", "0.6"),
            ],
        )
        out, okind = out_choice(rng, work, [path], ".csv")
        args = ["speciate", path, *extras] + (["--out", out] if out else [])
        return _finish(
            args,
            [path],
            out,
            okind,
            {"stdout": "csv", "out": "csv"},
            rows="speciate" if not out else None,
            primary_bytes=path.read_bytes(),
            labels=_labels(path),
            balance=("file", None) if not out else None,
            mutation=f"{path.name} {what} out={okind}",
        )
    totals, args = {}, ["speciate", "--format", "csv"]
    for name in rng.choice(
        ["Mg", "ATP", "ADP", "AMP", "PEP", "Ca", "Zz"], size=int(rng.integers(1, 5)), replace=False
    ):
        value = str(rng.choice(["1", "2", "0", "1e-30", "1e3", "-1", "nan", "1e400", "0.5"]))
        unit = str(rng.choice(["mM", "uM", "M", "nM", "", "s"]))
        args += ["--total", f"{name}={value}{unit}"]
        try:
            from mgkinetics.units import convert

            totals[name.lower()] = convert(float(value), unit, "mM")
        except Exception:
            totals[name.lower()] = float("nan")
    args += pick(
        rng,
        [
            ("--ph", "2"),
            ("--ph", "12"),
            ("--include", "Mg2ATP"),
            ("--kd", "MgATP=1e-30mM"),
            ("--free", "Mg=1mM"),
            ("--temperature", "0"),
            ("--ionic-strength", "0"),
        ],
    )
    balance = ("total", totals) if "--free" not in args else None
    return _finish(args, [], None, "none", {"stdout": "csv"}, balance=balance, mutation=f"totals {totals}")


def build_report(rng, bases, work):
    spec, *data = _copy(bases, work, "puromycin", "treated", "untreated")
    target = [spec, *data][int(rng.integers(3))]
    what = mutate_file(rng, target, text_level=target.suffix == ".csv")
    out, okind = {
        0: (work / "rep", "dir"),
        1: (spec, "input"),
        2: (work / "missing" / "x" / "rep", "deep"),
        3: (data[0] / "rep", "under-file"),
    }[int(rng.choice(4, p=[0.7, 0.1, 0.1, 0.1]))]
    args = ["report", spec, "--out", out, "--quiet"]
    case = _finish(args, [spec, *data], None, "none", {}, mutation=f"{target.name} {what} out={okind}")
    case["report_dir"] = str(out)
    return case


def build_traces(rng, bases, work):
    name = str(rng.choice(["multiskan_spectrum_1500", "spectramax190_kinetic", "traces"]))
    (path,) = _copy(bases, work, name)
    what = mutate_file(rng, path, text_level=name == "traces")
    extras = pick(
        rng,
        [
            ("--instrument", "auto"),
            ("--instrument", "spectramax"),
            ("--instrument", "bogus"),
            ("--wavelength", "340"),
            ("--wavelength", "0"),
            ("--sheet", "x"),
        ],
    )
    out, okind = out_choice(rng, work, [path], ".csv")
    if out is None:
        out, okind = work / "out.csv", "file"
    args = ["traces", path, *extras, "--out", out]
    return _finish(
        args, [path], out, okind, {"out": "csv"}, labels={"plate", "well"}, mutation=f"{name} {what}"
    )


def build_rates(rng, bases, work):
    traces, layout = _copy(bases, work, "traces", "layout")
    target = traces if rng.random() < 0.6 else layout
    what = mutate_file(rng, target)
    extras = pick(
        rng,
        [
            ("--method", "linear"),
            ("--method", "progress"),
            ("--blank", "H7,H8"),
            ("--blank", "Z99"),
            ("--sign", "increase"),
            ("--epsilon", "0/mM/cm"),
            ("--path-length", "-1cm"),
            ("--rate-unit", "nM/s"),
            ("--rate-unit", "banana"),
            ("--substrate", "mgatp_mM"),
            ("--substrate", "nope"),
            ("--wavelength", "340"),
        ],
    )
    out, okind = out_choice(rng, work, [traces, layout], ".csv")
    if out is None:
        out, okind = work / "rates.csv", "file"
    args = ["rates", traces, "--layout", layout, "--stoichiometry", "2", *extras, "--out", out]
    return _finish(
        args,
        [traces, layout],
        out,
        okind,
        {"out": "csv"},
        labels=_labels(layout) | {"flags"},
        mutation=f"{target.name} {what} out={okind}",
    )


def build_enzymeml(rng, bases, work):
    (path,) = _copy(bases, work, str(rng.choice(["enz", "synthetic_pyenzyme_style"])))
    what = mutate_json(rng, path)
    out, okind = out_choice(rng, work, [path], ".csv")
    args = ["enzymeml", path] + (["--out", out] if out else [])
    return _finish(
        args,
        [path],
        out,
        okind,
        {"stdout": "csv", "out": "csv"},
        labels={
            "measurement_id",
            "measurement_name",
            "species_id",
            "species_name",
            "data_unit",
            "data_type",
            "is_simulated",
        },
        mutation=f"{path.name} {what} out={okind}",
    )


def build_datasets(rng, bases, work):
    sub = str(rng.choice(["list", "describe", "export"]))
    name = str(rng.choice(["ak_mgatp_saturation", "ak_bibi_grid", "nope", "", "../x", "ak_report"]))
    args = ["datasets", sub]
    if sub != "list":
        args.append(name)
    if sub == "export":
        (dummy,) = _copy(bases, work, "mm")
        args.append(str(rng.choice([str(work / "exp"), str(dummy), str(dummy / "x"), str(work)])))
    return _finish(args, [], None, "none", {}, mutation=sub)


def build_laws(rng, bases, work):
    fmt = str(rng.choice(["json", "text", "csv"]))
    return _finish(["laws", "--format", fmt], [], None, "none", {"stdout": fmt}, mutation=fmt)


def _labels(path: Path) -> set[str]:
    from mgkinetics.units import parse_column

    try:
        header = next(csv.reader(io.StringIO(path.read_bytes().decode("utf-8", "replace"))), [])
    except (csv.Error, StopIteration):
        header = []
    return {c for c in header if parse_column(c)[1] is None} | {
        "variant",
        "curve",
        "law",
        "kind",
        "name",
        "unit",
        "fixed",
        "ci_method",
        "success",
        "status",
        "status_reason",
        "warnings",
        "flags",
        "method",
        "reason",
        "species",
    }


BUILDERS = {
    "fit": build_fit,
    "fit-layout": build_fit_layout,
    "compare": build_compare,
    "select": build_select,
    "batch": build_batch,
    "speciate": build_speciate,
    "report": build_report,
    "traces": build_traces,
    "rates": build_rates,
    "enzymeml": build_enzymeml,
    "datasets": build_datasets,
    "laws": build_laws,
}

#: relative share of the cases (slow commands fewer, the commands with most options more)
WEIGHTS = {
    "fit": 3,
    "fit-layout": 0.4,
    "compare": 1,
    "select": 1.5,
    "batch": 1.5,
    "speciate": 1.5,
    "report": 0.25,
    "traces": 0.5,
    "rates": 1,
    "enzymeml": 1.5,
    "datasets": 0.5,
    "laws": 0.2,
}

_ = np  # numpy is the generator's type
