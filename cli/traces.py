"""``mgkinetics traces``: a plate-reader export -> the long traces table (CSV).

Thin layer over :func:`mgkinetics.data.plates.read_traces`; the library (and pandas) is imported
inside the command so that ``mgkinetics --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["traces", "summary_line"]

#: Skipped cells named in the summary line; the rest are counted.
SHOWN_SKIPPED = 3


def summary_line(result) -> str:
    """One line: instrument, plates, wells, reads, wavelengths, skipped cells (the first few named)."""
    frame = result.frame
    wavelengths = sorted({int(w) for w in frame["wavelength_nm"].dropna()})
    # reads per well (per-well read times, as in Multiskan Sky, must not count as separate reads)
    per_well = frame.groupby(["well", "wavelength_nm"], dropna=False).size()
    reads = int(per_well.max()) if len(per_well) else 0
    parts = [
        f"{result.instrument}: {frame['plate'].nunique()} plate(s)",
        f"{frame['well'].nunique()} wells",
        f"{reads} reads",
        f"wavelengths {', '.join(map(str, wavelengths))} nm" if wavelengths else "wavelength not stated",
        f"{len(frame)} rows",
    ]
    skipped = f"{len(result.skipped)} skipped cell(s)"
    if result.skipped:
        named = "; ".join(str(cell) for cell in result.skipped[:SHOWN_SKIPPED])
        more = (
            f"; ... {len(result.skipped) - SHOWN_SKIPPED} more" if len(result.skipped) > SHOWN_SKIPPED else ""
        )
        skipped += f" ({named}{more})"
    parts.append(skipped)
    return ", ".join(parts)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--instrument",
    default="auto",
    show_default=True,
    help="Export format: auto (detect), or spectramax, multiskan_spectrum, multiskan_sky, biotek_gen5, "
    "tecan_magellan, tecan_spark, skanit, generic.",
)
@click.option("--sheet", default=None, help="Worksheet to read (spreadsheet exports).")
@click.option(
    "--wavelength",
    "wavelength_nm",
    type=click.IntRange(min=1),
    default=None,
    help="Wavelength in nm of reads whose file does not state one (generic tables, Magellan).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV to write: plate,well,time_s,wavelength_nm,temperature_C,signal.",
)
def traces(file: Path, instrument: str, sheet: str | None, wavelength_nm: int | None, out: Path) -> None:
    """Read plate-reader export FILE into the long traces table, one row per well and read.

    Times are in seconds, signals exactly as stored; cells without a reading (overflow, NaN,
    empty) are not rows and are counted in the summary printed to stderr. Example:

        mgkinetics traces plate.txt --out traces.csv
    """
    from mgkinetics.data.plates import TRACE_COLUMNS, read_traces
    from mgkinetics.report.output import atomic_write_text, check_outputs

    check_outputs([file], [out])  # before reading: never write over the input, folder must exist
    result = read_traces(file, instrument=instrument, sheet=sheet, wavelength_nm=wavelength_nm)
    text = result.frame.to_csv(columns=list(TRACE_COLUMNS), index=False, na_rep="", lineterminator="\n")
    atomic_write_text(out, text)
    click.echo(summary_line(result), err=True)
