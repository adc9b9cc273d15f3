"""`mgkinetics batch`: fit one law to every curve of a long-format table (one row per curve out)."""

from __future__ import annotations

import click

from .basic_options import choice_option, law_option
from .options import data_kwargs, data_options, output_options, plot_option, read_table, write_output
from .plotting import check_plot_path, write_plot

__all__ = ["batch"]


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@law_option
@click.option("--curve", required=True, help="Column identifying the curves (one fit per value).")
@data_options(input_unit=False)
@choice_option(
    "--engine",
    choices=("numpy", "dask"),
    help="numpy: in this process; dask: chunks of curves on a dask cluster.",
)
@click.option("--scheduler", metavar="ADDR", help="dask scheduler address (a local cluster when omitted).")
@click.option(
    "--chunk-size",
    type=click.IntRange(min=1),
    default=20_000,
    show_default=True,
    help="Curves per solver call (per dask task; results do not depend on the engine).",
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
    if out:
        from .options import guard_outputs

        guard_outputs([file], excluded_path(out))
    result = fit_many(
        read_table(file, data),
        law,
        curve,
        **data_kwargs(data),
        engine=engine,
        scheduler=scheduler,
        chunk_size=chunk_size,
    )
    if not int(sum(result.n)):  # no usable row at all: an input problem, not a table of failures
        raise _nothing_usable(file, result)
    if fmt == "parquet":
        from mgkinetics.report.output import atomic_file

        with atomic_file(out) as tmp:
            result.to_parquet(tmp)
    elif out:
        write_output(result.to_csv(), out)
    else:
        click.echo(result.to_csv(), nl=False)
    from collections import Counter

    n_excl = len(result.excluded) + len(result.unassigned)
    # with --out the listing is always written (header only when nothing was excluded), so that a
    # listing left by an earlier run never stands beside these results
    where = _write_excluded(result, out) if n_excl or out else ""
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(Counter(str(s) for s in result.status).items()))
    click.echo(
        f"{len(result)} curves: {int(result.success.sum())} fitted ({statuses}); "
        f"{n_excl} rows excluded{where}",
        err=True,
    )
    write_plot(result, plot)


def excluded_path(out: str) -> str:
    """The side table of excluded rows beside ``--out``: ``fits.csv`` -> ``fits.excluded.csv``."""
    stem, dot, _ = out.rpartition(".")
    return f"{stem}.excluded.csv" if dot else f"{out}.excluded.csv"


def _write_excluded(result, out) -> str:
    """Write every excluded row (curve, line, reason) beside ``--out``, or list them on stderr."""
    frame = result.exclusions_frame()
    if out:
        path = excluded_path(out)
        write_output(frame.to_csv(index=False, lineterminator="\n"), path)
        return f" (line and reason of each: {path})" if len(frame) else ""
    for row in frame.itertuples(index=False):
        click.echo(f"  excluded: line {row.line} ({result.curve} '{row[0]}'): {row.reason}", err=True)
    return " (listed above)"


def _nothing_usable(file: str, result):
    """DataFormatError listing every row of FILE with the reason it was excluded."""
    from mgkinetics.errors import DataFormatError, Problem

    frame = result.exclusions_frame()
    problems = [Problem(None, None, f"no usable row in {len(result)} curve(s); every row was excluded:")]
    problems += [
        Problem(int(r.line), None, f"({result.curve} '{r[0]}') {r.reason}")
        for r in frame.itertuples(index=False)
    ]
    return DataFormatError(file, problems)
