"""`mgkinetics enzymeml`: an EnzymeML v2 document -> the long CSV table, deviations on stderr."""

from __future__ import annotations

import click

__all__ = ["enzymeml"]


@click.command()
@click.argument("document", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="CSV file to write (atomically); stdout when omitted.",
)
def enzymeml(document: str, out: str | None) -> None:
    """Read the EnzymeML v2 DOCUMENT (JSON) into a CSV table, one row per data point.

    Columns: measurement_id, measurement_name, group_id, species_id, species_name, point,
    time_s (time as stated, in seconds) or time (no time unit stated: not converted), value,
    data_unit, data_type, is_simulated, ph, temperature_C, and each measurement's initial amounts
    as init_<species>_<unit>. Each deviation from the schema is one line on stderr.
    """
    from mgkinetics.data.enzymeml import read_enzymeml
    from mgkinetics.report.output import atomic_write_text, check_outputs

    check_outputs([document], [out])  # before reading: never write over the input
    data = read_enzymeml(document)
    for warning in data.warnings:
        click.echo(f"warning: {data.source}: {warning}", err=True)
    text = data.frame.to_csv(index=False, lineterminator="\n")
    if out:
        atomic_write_text(out, text)
    else:
        click.echo(text, nl=False)
    click.echo(
        f"{data.source}: {len(data.measurements)} measurements, {data.n_points} data points "
        f"({data.n_null} null), {len(data.warnings)} kinds of deviation" + (f" -> {out}" if out else ""),
        err=True,
    )
