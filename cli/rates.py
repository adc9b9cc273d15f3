"""`mgkinetics rates`: plate traces + layout -> one initial rate per sample well (CSV)."""

from __future__ import annotations

import click

from .basic_options import choice_option, comma_list, gathered_options

__all__ = ["rates", "rate_options", "compute_rates", "echo_rates_summary", "RATE_SETTINGS"]


def _load_traces(path: str, wavelength_nm: float | None):
    """The traces of ``path``: a long traces CSV (plate, well, time_s, wavelength_nm, temperature_C,
    signal; :func:`mgkinetics.data.traces_long.read_long_traces`), or any export
    :func:`mgkinetics.read_traces` recognises (SpectraMax, Multiskan, a wide time x well table).

    Returns the traces and the cells the reader did not keep (listed on stderr, never dropped silently).
    """
    import mgkinetics as mgk
    from mgkinetics.data.traces_long import is_long_traces, read_long_traces

    if is_long_traces(path):
        read = read_long_traces(path)
        empty = read.metadata["empty_rows"]
        if empty:
            shown = ", ".join(map(str, empty[:5])) + (" ..." if len(empty) > 5 else "")
            click.echo(
                f"  {len(empty)} rows of {path} hold only empty cells, not reads (line {shown})", err=True
            )
        return read, ()
    read = mgk.read_traces(path, wavelength_nm=None if wavelength_nm is None else int(wavelength_nm))
    return read, read.skipped


def _load_layout(path: str):
    """The layout of ``path`` (CSV, TSV or xlsx, one row per well) via :func:`mgkinetics.read_layout`."""
    import mgkinetics as mgk

    return mgk.read_layout(path, plate_wells=384)


#: Parameter names of :func:`rate_options`, collected into one ``rate_settings`` dict.
RATE_SETTINGS = (
    "layout",
    "method",
    "epsilon",
    "path_length",
    "stoichiometry",
    "blank",
    "sign",
    "substrate_column",
    "standard_column",
    "wavelength_nm",
    "rate_unit",
)


def rate_options(*, layout_required: bool, method_flag: str = "--method"):
    """The options that turn traces into initial rates, declared once for `rates` and `fit --layout`.

    The decorated command receives them as one dict, ``rate_settings`` (keys :data:`RATE_SETTINGS`).
    """
    layout_help = "Layout (CSV or xlsx), one row per well" + (
        "." if layout_required else ": FILES are plate traces, turned into initial rates first."
    )
    options = [
        click.option("--layout", required=layout_required, type=click.Path(dir_okay=False), help=layout_help),
        choice_option(
            method_flag,
            "method",
            choices=("auto", "linear", "progress"),
            help="Initial-rate estimator. linear: OLS over an automatic early window; progress: integrated "
            "Michaelis-Menten (needs --substrate); auto: the better of the two per well.",
        ),
        click.option("--epsilon", default="6.22/mM/cm", show_default=True, help="Absorption coefficient."),
        click.option("--path-length", default="0.5cm", show_default=True, help="Optical path length."),
        click.option(
            "--stoichiometry",
            type=click.FloatRange(min=0, min_open=True),
            default=1.0,
            show_default=True,
            help="Detected molecules per turnover (2 NADH per AK turnover in PK/LDH).",
        ),
        click.option(
            "--blank",
            default="auto",
            show_default=True,
            help="auto (the layout's matching blank wells) or a comma-separated list such as A1,A2.",
        ),
        choice_option(
            "--sign",
            choices=("auto", "increase", "decrease"),
            help="Signal direction that counts as a positive rate.",
        ),
        click.option(
            "--substrate",
            "substrate_column",
            metavar="COLUMN",
            help="Layout column with the initial substrate (e.g. mgatp_mM): conversion and progress fits.",
        ),
        click.option(
            "--standard",
            "standard_column",
            metavar="COLUMN",
            help="Concentration column of the standard wells (replaces epsilon and path length).",
        ),
        click.option(
            "--wavelength",
            "wavelength_nm",
            type=float,
            help="Wavelength to use when the traces hold several.",
        ),
        click.option("--rate-unit", default="uM/s", show_default=True, help="Unit of the rate columns."),
    ]

    return gathered_options(options, "rate_settings", {name: name for name in RATE_SETTINGS})


def compute_rates(traces: str, settings: dict):
    """Initial rates of the traces file ``traces`` with the `rate_options` ``settings``.

    Returns the :class:`~mgkinetics.rates.RatesTable` and the cells the reader did not keep.
    """
    from mgkinetics.rates import initial_rates

    blank = settings["blank"]
    wells = "auto" if blank.strip().lower() == "auto" else comma_list(blank)
    read, skipped = _load_traces(traces, settings["wavelength_nm"])
    table = initial_rates(
        read,
        _load_layout(settings["layout"]),
        method=settings["method"],
        epsilon=settings["epsilon"],
        path_length=settings["path_length"],
        stoichiometry=settings["stoichiometry"],
        sign=settings["sign"],
        blank=wells,
        standard_column=settings["standard_column"],
        substrate_column=settings["substrate_column"],
        wavelength_nm=settings["wavelength_nm"],
        rate_unit=settings["rate_unit"],
    )
    return table, skipped


def echo_rates_summary(table, skipped, traces: str, out: str | None = None) -> None:
    """Every well accounted for, on stderr: sample wells, flagged, excluded (each with its reason)."""
    n_flagged = int((table.frame["flags"] != "").sum()) if len(table.frame) else 0
    target = f" -> {out}" if out else ""
    click.echo(
        f"{traces}: {len(table.frame)} sample wells{target} ({n_flagged} flagged, "
        f"{len(table.excluded)} excluded)",
        err=True,
    )
    if skipped:
        click.echo(f"  {len(skipped)} cells of {traces} hold no reading (e.g. {skipped[0]})", err=True)
    for row in table.excluded.itertuples():
        click.echo(f"  excluded plate {row.plate} well {row.well}: {row.reason}", err=True)


@click.command()
@click.argument("traces", type=click.Path(dir_okay=False))
@rate_options(layout_required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Rates CSV to write.")
def rates(traces, out, rate_settings):
    """Initial rates of every sample well of TRACES, one row per well in --out, with SE, window,
    method and flags. TRACES is a long CSV (plate, well, time_s, wavelength_nm, temperature_C,
    signal) or a plate-reader export that `mgkinetics traces` reads.

    Example:

        mgkinetics rates traces.csv --layout layout.csv --stoichiometry 2 --substrate mgatp_mM --out r.csv
    """
    from mgkinetics.report.output import check_outputs

    check_outputs([traces, rate_settings["layout"]], [out])
    table, skipped = compute_rates(traces, rate_settings)
    table.to_csv(out)
    echo_rates_summary(table, skipped, traces, out)
