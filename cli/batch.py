"""`mgkinetics batch`: fit one law to every curve of a long-format table (one row per curve out)."""

from __future__ import annotations

import click

from .options import data_kwargs, data_options, output_options, plot_option, write_output
from .plotting import check_plot_path, write_plot

__all__ = ["batch"]


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--law", required=True, help="Rate law name (see `mgkinetics laws`).")
@click.option("--curve", required=True, help="Column identifying the curves (one fit per value).")
@data_options(input_unit=False)
@click.option(
    "--engine",
    type=click.Choice(["numpy", "dask"]),
    default="numpy",
    show_default=True,
    help="numpy: in this process; dask: chunks of curves on a dask cluster.",
)
@click.option("--scheduler", metavar="ADDR", help="dask scheduler address (a local cluster when omitted).")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=20_000,
    show_default=True,
    help="Curves per solver call (per dask task).",
)
@output_options("csv", "parquet")
@plot_option("each parameter per curve with its CI (a histogram for many curves)")
def batch(file, law, curve, engine, scheduler, chunk_size, fmt, out, plot, **data):
    """Fit a rate law to every curve in FILE (CSV, long format): one row of results per curve.

    Every curve gets a status (converged, at_bound, not_bounded, not_identifiable, failed) and
    its reason; curves that cannot be fitted never stop the others. Parameter columns carry their
    unit (km_mM, vmax_uM_per_s). Excluded rows are listed with line and reason: in OUT.excluded.csv
    with --out, on stderr otherwise.
    """
    from mgkinetics import fit_many

    if fmt == "parquet" and not out:
        raise click.UsageError("--format parquet needs --out PATH")
    check_plot_path(plot, [file])
    result = fit_many(
        file,
        law,
        curve,
        **data_kwargs(data),
        engine=engine,
        scheduler=scheduler,
        chunk_size=chunk_size,
    )
    if fmt == "parquet":
        from mgkinetics.report.output import atomic_file

        with atomic_file(out) as tmp:
            result.to_parquet(tmp)
    elif out:
        write_output(result.to_csv(), out)
    else:
        click.echo(result.to_csv(), nl=False)
    _summary(result, out)
    write_plot(result, plot)


def _summary(result, out) -> None:
    """Statuses on stderr; excluded rows, with line and reason, in OUT.excluded.csv (named here) when
    --out is given, else listed on stderr."""
    from collections import Counter

    counts = Counter(str(s) for s in result.status)
    n_excl = len(result.excluded) + len(result.unassigned)
    line = (
        f"{len(result)} curves: {int(result.success.sum())} fitted; "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f"; {n_excl} rows excluded"
    )
    if n_excl and out:
        from pathlib import Path

        side = Path(out).with_suffix(".excluded.csv")
        write_output(result.exclusions_frame().to_csv(index=False, lineterminator="\n"), str(side))
        line += f" (listed in {side})"
    click.echo(line, err=True)
    if n_excl and not out:
        for _, row in result.exclusions_frame().iterrows():
            where = f" ({result.curve} {row.iloc[0]})" if row.iloc[0] != "" else " (no curve)"
            click.echo(f"excluded: line {row['line']}{where}: {row['reason']}", err=True)
