"""`mgkinetics batch`: fit one law to every curve of a long-format table (one row per curve out)."""

from __future__ import annotations

import click

from .options import parse_pairs

__all__ = ["batch"]


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--law", required=True, help="Rate law name (see `mgkinetics laws`).")
@click.option("--curve", required=True, help="Column identifying the curves (one fit per value).")
@click.option("--x", "x_col", help="Substrate column (found by name when omitted).")
@click.option("--y", "y_col", help="Rate column (found by name or unit when omitted).")
@click.option("--inhibitor", help="Inhibitor column, for inhibition laws.")
@click.option("--enzyme", help="Enzyme column, or a constant with its unit (e.g. 2nM).")
@click.option("--column", "column_pairs", multiple=True, metavar="INPUT=COLUMN",
              help="Column for any other law input (e.g. atp_total=ATP_mM).")
@click.option("--weights", default="none", show_default=True,
              help="none, relative (1/y^2), poisson (1/y), replicates (SD of replicates) "
                   "or sd:COLUMN (absolute SD).")
@click.option("--fix", "fix_pairs", multiple=True, metavar="P=V",
              help="Hold a parameter fixed in every curve.")
@click.option("--init", "init_pairs", multiple=True, metavar="P=V", help="Starting value for every curve.")
@click.option("--engine", type=click.Choice(["numpy", "dask"]), default="numpy", show_default=True,
              help="numpy: in this process; dask: chunks of curves on a dask cluster.")
@click.option("--scheduler", metavar="ADDR", help="dask scheduler address (a local cluster when omitted).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Curves per solver call (per dask task).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="Write here instead of stdout (required for parquet).")
def batch(file, law, curve, x_col, y_col, inhibitor, enzyme, column_pairs, weights, fix_pairs, init_pairs,
          engine, scheduler, chunk_size, fmt, out):
    """Fit a rate law to every curve in FILE (CSV, long format): one row of results per curve.

    Curves that cannot be fitted get success=False and a warning; the others are unaffected.
    """
    from mgkinetics import fit_many

    if fmt == "parquet" and not out:
        raise click.UsageError("--format parquet needs --out PATH")
    result = fit_many(
        file, law, curve, x=x_col, y=y_col, inhibitor=inhibitor, enzyme=enzyme,
        columns=parse_pairs(column_pairs, "--column"), weights=weights,
        fix=parse_pairs(fix_pairs, "--fix"), init=parse_pairs(init_pairs, "--init"),
        engine=engine, scheduler=scheduler, chunk_size=chunk_size,
    )
    if fmt == "parquet":
        result.to_parquet(out)
    elif out:
        result.to_csv(out)
    else:
        click.echo(result.to_csv(), nl=False)
    n_bad = int((~result.success).sum())
    click.echo(f"{len(result)} curves: {len(result) - n_bad} fitted, {n_bad} failed; "
               f"{len(result.excluded) + len(result.unassigned)} rows excluded", err=True)
