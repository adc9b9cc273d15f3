"""``mgkinetics speciate``: free Mg, free nucleotides and complexes from totals.

Thin layer over :mod:`mgkinetics.speciation.species`; numpy, pandas and the library are imported
inside the command so that ``mgkinetics --help`` stays fast.
"""

from __future__ import annotations

import re

import click

from .basic_options import choice_option
from .options import guard_outputs, parse_pairs, plot_option, write_output

__all__ = ["speciate", "parse_concentration"]

# Species columns of a speciation table: NAME_total_UNIT or NAME_free_UNIT.
_COLUMN = re.compile(r"^(?P<sp>[A-Za-z0-9]+)_(?P<kind>total|free)_(?P<unit>M|mM|uM|µM|μM|nM)$")


def parse_concentration(text: str) -> float:
    """'2mM' -> 2.0 (mM), through the library's one unit parser.

    Examples
    --------
    >>> parse_concentration("250 uM")
    0.25
    """
    from mgkinetics.errors import UnitError
    from mgkinetics.units import convert, parse_quantity

    try:
        value, unit = parse_quantity(text)
        return float(convert(value, unit, "mM"))
    except UnitError as exc:
        raise click.BadParameter(
            f"'{text}' is not a concentration ({exc}); write a number and a unit such as 2mM or 250uM"
        ) from None


def _pairs(values: tuple[str, ...], option: str) -> dict[str, float]:
    """``("Mg=2mM",)`` -> ``{"Mg": 2.0}`` (mM), species names canonicalised."""
    out: dict[str, float] = {}
    for name, qty in parse_pairs(values, option, form="NAME=QUANTITY", example="Mg=2mM").items():
        try:
            out[_canonical(name)] = parse_concentration(qty)
        except click.BadParameter as exc:
            raise click.BadParameter(exc.message, param_hint=option) from None
    return out


def _canonical(name: str) -> str:
    """Case-insensitive species and complex names ('mg' -> 'Mg', 'mgatp' -> 'MgATP')."""
    from mgkinetics.speciation.constants import DEFAULT_TABLE
    from mgkinetics.speciation.species import KNOWN_LIGANDS, KNOWN_METALS

    known = [*KNOWN_METALS, *KNOWN_LIGANDS, *DEFAULT_TABLE.complexes]
    lookup = {k.lower(): k for k in known}
    return lookup.get(name.lower(), name)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _write(text: str, out: str | None) -> None:
    write_output(text, out)


def _single(totals, free, kw, fmt, out):
    import json

    from mgkinetics.speciation.species import speciate as run
    from mgkinetics.speciation.species import speciate_from_free

    if free:
        if len(free) != 1:
            raise click.UsageError("--free takes one metal, e.g. --free Mg=1mM")
        ((metal, value),) = free.items()
        if metal in totals:
            raise click.UsageError(f"give either --total {metal}=... or --free {metal}=..., not both")
        result = speciate_from_free(value, totals, metal=metal, **kw)
        data = result.to_dict()
        data["species"][f"{metal}_total_to_add"] = {"value": float(result.totals[metal]), "unit": "mM"}
    else:
        if not totals:
            raise click.UsageError("give totals (--total Mg=2mM --total ATP=1mM) or a CSV file")
        data = run(totals, **kw).to_dict()
    if fmt == "json":
        _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n", out)
    elif fmt == "csv":
        lines = ["species,value,unit"]
        lines += [f"{k},{_fmt(v['value'])},{v['unit']}" for k, v in data["species"].items()]
        _write("\n".join(lines) + "\n", out)
    else:
        c = data["conditions"]
        lines = [
            f"Conditions: pH {c['ph']:g}, {c['temperature_C']:g} °C, I = {c['ionic_strength_M']:g} M",
            "Apparent dissociation constants:",
        ]
        lines += [
            f"  {k:<8} {_fmt(v['kd']):>10} {v['unit']:<3} {v['source']}" for k, v in data["constants"].items()
        ]
        lines.append("Species:")
        lines += [f"  {k:<18} {_fmt(v['value']):>10} {v['unit']}" for k, v in data["species"].items()]
        _write("\n".join(lines) + "\n", out)


def _read_table(path: str):
    """The validated table (every bad cell reported by :func:`mgkinetics.read_csv`), its species
    columns in mM, and its per-row condition columns."""
    from mgkinetics.data.table import read_csv
    from mgkinetics.errors import DataFormatError, Problem
    from mgkinetics.units import convert

    data = read_csv(path)
    totals, free = {}, {}
    for col in data.columns:
        match = _COLUMN.match(col)
        if match is not None:
            target = totals if match["kind"] == "total" else free
            target[_canonical(match["sp"])] = convert(data.values[col], data.units[col], "mM")
    if not totals and not free:
        raise DataFormatError(
            path,
            [
                Problem(
                    1, None, "no species columns; name them like atp_total_mM, mg_total_uM (or mg_free_mM)"
                )
            ],
        )
    return data.to_frame().drop(columns="line"), totals, free, data


def _table(path, kw, out):
    import pandas as pd

    from mgkinetics.data.conditions import CONDITIONS
    from mgkinetics.speciation.species import speciate as run
    from mgkinetics.speciation.species import speciate_from_free

    from .csvtext import frame_to_csv

    frame, totals, free, data = _read_table(path)
    kw = {**kw, **_conditions(data, {k: kw[k] for k in CONDITIONS})}  # columns, then the options
    if free:
        if len(free) != 1:
            raise click.UsageError(f"{path}: only one *_free_* column (one metal) is allowed")
        ((metal, value),) = free.items()
        result = speciate_from_free(value, totals, metal=metal, **kw)
    else:
        result = run(totals, **kw)
    new = {f"{n.lower()}_free_mM": v for n, v in result.free.items()}
    new.update({f"{n.lower()}_mM": v for n, v in result.complexes.items()})
    if free:
        new[f"{metal.lower()}_total_to_add_mM"] = result.totals[metal]
    extra = pd.DataFrame({k: v for k, v in new.items() if k not in frame.columns})
    merged = pd.concat([frame.reset_index(drop=True), extra], axis=1)
    # the input columns exactly as read, the species to 6 digits (pandas' to_csv bytes for these, 4x faster)
    _write(frame_to_csv(merged, "%.6g", exact=tuple(frame.columns)), out)


_OPTION = {"ph": "--ph", "temperature_C": "--temperature", "ionic_strength_M": "--ionic-strength"}


def _given_options() -> set[str]:
    """The conditions whose option the user gave on the command line (not left at its default)."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return set()
    return {n for n in _OPTION if ctx.get_parameter_source(n) is ParameterSource.COMMANDLINE}


def _conditions(data, options: dict) -> dict:
    """The table's per-row conditions (:func:`mgkinetics.data.conditions.resolve_conditions`).

    An empty condition cell takes the option's value when the user gave that option (said on
    stderr, by line and column); left at its default, the option is not the user's statement of
    that row's condition, so the cell is a problem. Every empty species or condition cell and
    every condition out of range is reported at once, by line and column.
    """
    import numpy as np

    from mgkinetics.data.conditions import CONDITIONS, resolve_conditions
    from mgkinetics.errors import DataFormatError, Problem

    problems = [
        Problem(
            int(data.lines[i]),
            col,
            "the cell is empty; give the concentration in every row (0 when there is none)",
        )
        for col in data.columns
        if _COLUMN.match(col)
        for i in np.flatnonzero(np.isnan(np.asarray(data.values[col], dtype=float)))
    ]
    try:
        conditions = resolve_conditions(data, options)
    except DataFormatError as exc:
        problems += exc.problems
        conditions = None
    given, values = _given_options(), {}
    for name in CONDITIONS if conditions is not None else ():
        column_values = np.asarray(conditions.values[name], dtype=float)
        for i in np.flatnonzero(np.isnan(column_values)):
            where = f"line {int(data.lines[i])}, {conditions.sources[name]}"
            if name in given:
                click.echo(
                    f"note: {data.source}: {where}: empty cell; {_OPTION[name]} {options[name]:g} used",
                    err=True,
                )
            else:
                column = conditions.sources[name].split("'")[1]
                problems.append(
                    Problem(
                        int(data.lines[i]),
                        column,
                        f"the cell is empty; fill it, or give {_OPTION[name]} for empty cells",
                    )
                )
        values[name] = np.where(np.isnan(column_values), options[name], column_values)
    if problems:
        order = list(data.columns)
        problems.sort(key=lambda p: (p.line or -1, order.index(p.column) if p.column in order else -1))
        raise DataFormatError(data.source, problems)
    return values


def _check_options(kw: dict) -> None:
    """--ph/--temperature/--ionic-strength out of range: one usage error naming every bad option."""
    import math

    from mgkinetics.speciation.corrections import I_RANGE_M, PH_RANGE, T_RANGE_C

    checks = (
        ("ph", "--ph", "pH", PH_RANGE, ""),
        ("temperature_C", "--temperature", "temperature", T_RANGE_C, " °C (liquid water)"),
        (
            "ionic_strength_M",
            "--ionic-strength",
            "ionic strength",
            I_RANGE_M,
            " M (the Debye–Hückel correction holds to 0.5 M)",
        ),
    )
    bad = [
        f"{opt} {kw[name]:g}: {label} must be within {lo:g}–{hi:g}{why}"
        for name, opt, label, (lo, hi), why in checks
        if not (math.isfinite(kw[name]) and lo <= kw[name] <= hi)
    ]
    if bad:
        raise click.UsageError("; ".join(bad))


@click.command("speciate")
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--total",
    "totals",
    multiple=True,
    metavar="NAME=QTY",
    help="Total concentration, e.g. Mg=2mM, ATP=1mM (repeatable).",
)
@click.option(
    "--free",
    "free",
    multiple=True,
    metavar="NAME=QTY",
    help="Wanted free metal, e.g. Mg=1mM; reports the total to add.",
)
@click.option("--ph", type=float, default=7.5, show_default=True)
@click.option(
    "--temperature", "temperature_C", type=float, default=25.0, show_default=True, help="Temperature in °C."
)
@click.option(
    "--ionic-strength",
    "ionic_strength_M",
    type=float,
    default=0.15,
    show_default=True,
    help="Ionic strength in M (0-0.5).",
)
@click.option(
    "--kd",
    "kds",
    multiple=True,
    metavar="NAME=QTY",
    help="Override or add an apparent Kd, e.g. MgATP=0.05mM, CaEDTA=0.1nM.",
)
@click.option(
    "--include", multiple=True, metavar="COMPLEX", help="Switch on an optional complex, e.g. Mg2ATP."
)
@click.option(
    "--constants",
    "constants_file",
    type=click.Path(exists=True, dir_okay=False),
    help="JSON or CSV file of user constants (see mgkinetics.speciation.constants.load_table).",
)
@choice_option(
    "--format",
    "fmt",
    choices=("text", "json", "csv"),
    help="Output format (a FILE always gives CSV).",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@plot_option("the ligand's species fractions against total Mg around the given mixture")
def speciate(
    file, totals, free, ph, temperature_C, ionic_strength_M, kds, include, constants_file, fmt, out, plot
):
    """Speciate Mg (and other metals) with ATP, ADP, AMP, PEP and user ligands.

    Either give totals on the command line, or a CSV FILE whose columns carry units
    (atp_total_mM, mg_total_uM, optional ph, temperature_C, ionic_strength_M per row);
    species columns (mg_free_mM, mgatp_mM, atp_free_mM, ...) are added to every row.
    """
    from .plotting import check_plot_path, write_plot

    guard_outputs([file, constants_file], out)
    check_plot_path(plot, [file, constants_file])
    if plot and (file or free):
        raise click.UsageError("--plot draws a mixture given by --total (not a FILE or --free)")
    kw = dict(
        ph=ph,
        temperature_C=temperature_C,
        ionic_strength_M=ionic_strength_M,
        kd_mM=_pairs(kds, "--kd") or None,
        include=tuple(include),
    )
    _check_options(kw)
    if constants_file:
        from mgkinetics.speciation.constants import load_table

        kw["table"] = load_table(constants_file)
    if file:
        if totals or free:
            raise click.UsageError("give either a FILE or --total/--free options, not both")
        _table(file, kw, out)
    else:
        _single(_pairs(totals, "--total"), _pairs(free, "--free"), kw, fmt, out)
        if plot:
            from mgkinetics.report.speciation_plot import plot_around

            write_plot(plot_around(_pairs(totals, "--total"), **kw), plot)
