"""`mgkinetics rates`: plate traces + layout -> one initial rate per sample well (CSV)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from .main import UserError

__all__ = ["rates"]


def _read_table(path: str, what: str):
    """A CSV as a table of text cells (numbers are converted by the rates wing, which names bad cells)."""
    import pandas as pd

    from mgkinetics.errors import DataFormatError, Problem

    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
    except FileNotFoundError:
        raise DataFormatError(path, [Problem(None, None, f"{what} file not found")]) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFormatError(path, [Problem(None, None, f"cannot read the {what} as CSV: {exc}")]) from None


def _is_long_traces(path: str) -> bool:
    """True when the file's first line is the header of a long traces table (plate, well, time_s ...)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            header = {h.strip() for h in fh.readline().replace(";", ",").split(",")}
    except OSError:
        return False
    return {"plate", "well", "time_s", "signal"} <= header


def _load_traces(path: str, wavelength_nm: float | None):
    """The traces of ``path``: a long traces CSV (plate, well, time_s, wavelength_nm, temperature_C,
    signal) read as is, or any export :func:`mgkinetics.read_traces` recognises (SpectraMax,
    Multiskan, a wide time x well table).

    Returns the traces and the cells the reader did not keep (listed on stderr, never dropped silently).
    """
    import mgkinetics as mgk

    if _is_long_traces(path):
        return _read_table(path, "traces"), ()
    read = mgk.read_traces(path, wavelength_nm=None if wavelength_nm is None else int(wavelength_nm))
    return read, read.skipped


def _load_layout(path: str):
    """The layout of ``path`` (CSV, TSV or xlsx, one row per well) via :func:`mgkinetics.read_layout`."""
    import mgkinetics as mgk

    return mgk.read_layout(path, plate_wells=384)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


@click.command()
@click.argument("traces", type=click.Path(dir_okay=False))
@click.option(
    "--layout", required=True, type=click.Path(dir_okay=False), help="Layout CSV, one row per well."
)
@click.option(
    "--method",
    type=click.Choice(["auto", "linear", "progress"]),
    default="auto",
    show_default=True,
    help="linear: OLS over an automatic early window; progress: integrated Michaelis-Menten "
    "(needs --substrate); auto: the better of the two per well.",
)
@click.option("--epsilon", default="6.22/mM/cm", show_default=True, help="Absorption coefficient.")
@click.option("--path-length", default="0.5cm", show_default=True, help="Optical path length.")
@click.option(
    "--stoichiometry",
    type=click.FloatRange(min=0, min_open=True),
    default=1.0,
    show_default=True,
    help="Detected molecules per turnover (2 NADH per AK turnover in PK/LDH).",
)
@click.option(
    "--blank",
    default="auto",
    show_default=True,
    help="auto (the layout's matching blank wells) or a comma-separated list such as A1,A2.",
)
@click.option(
    "--sign",
    type=click.Choice(["auto", "increase", "decrease"]),
    default="auto",
    show_default=True,
    help="Signal direction that counts as a positive rate.",
)
@click.option(
    "--substrate",
    "substrate_column",
    metavar="COLUMN",
    help="Layout column with the initial substrate (e.g. mgatp_mM): conversion and progress fits.",
)
@click.option(
    "--standard",
    "standard_column",
    metavar="COLUMN",
    help="Concentration column of the standard wells (replaces epsilon and path length).",
)
@click.option(
    "--wavelength", "wavelength_nm", type=float, help="Wavelength to use when the traces hold several."
)
@click.option("--rate-unit", default="uM/s", show_default=True, help="Unit of the rate columns.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Rates CSV to write.")
def rates(
    traces,
    layout,
    method,
    epsilon,
    path_length,
    stoichiometry,
    blank,
    sign,
    substrate_column,
    standard_column,
    wavelength_nm,
    rate_unit,
    out,
):
    """Initial rates of every sample well of TRACES, one row per well in --out, with SE, window,
    method and flags. TRACES is a long CSV (plate, well, time_s, wavelength_nm, temperature_C,
    signal) or a plate-reader export that `mgkinetics traces` reads.

    Example:

        mgkinetics rates traces.csv --layout layout.csv --stoichiometry 2 --substrate mgatp_mM --out r.csv
    """
    from mgkinetics.rates import initial_rates

    for source in (traces, layout):
        if _same_file(out, source) or os.path.abspath(out) == os.path.abspath(source):
            raise UserError(
                f"--out {out} is an input file; choose another path so the input is not overwritten"
            )
    wells = "auto" if blank.strip().lower() == "auto" else [w.strip() for w in blank.split(",") if w.strip()]
    read, skipped = _load_traces(traces, wavelength_nm)
    table = initial_rates(
        read,
        _load_layout(layout),
        method=method,
        epsilon=epsilon,
        path_length=path_length,
        stoichiometry=stoichiometry,
        sign=sign,
        blank=wells,
        standard_column=standard_column,
        substrate_column=substrate_column,
        wavelength_nm=wavelength_nm,
        rate_unit=rate_unit,
    )
    table.to_csv(out)
    n_flagged = int((table.frame["flags"] != "").sum()) if len(table.frame) else 0
    click.echo(
        f"{len(table.frame)} sample wells -> {out} ({n_flagged} flagged, {len(table.excluded)} excluded)",
        err=True,
    )
    if skipped:
        click.echo(f"  {len(skipped)} cells of {traces} hold no reading (e.g. {skipped[0]})", err=True)
    for row in table.excluded.itertuples():
        click.echo(f"  excluded plate {row.plate} well {row.well}: {row.reason}", err=True)
