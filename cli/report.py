"""``mgkinetics report``: fit every adenylate-kinase dataset, write the report, print the headline."""

from __future__ import annotations

import click

__all__ = ["report"]


@click.command()
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, exists=True),
    help="Directory with the five AK CSVs (default: the built-in simulated datasets).",
)
@click.option(
    "--out",
    "out_dir",
    default="reports",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where report.md, tables/*.csv and figures/*.png are written.",
)
@click.option("--no-figures", is_flag=True, help="Skip the PNG figures (faster).")
def report(data_dir: str | None, out_dir: str, no_figures: bool) -> None:
    """Fit the AK datasets (WT vs D84A), write a Markdown report, print the kcat headline."""
    from mgkinetics.ak.report import build_report
    from mgkinetics.report.output import atomic_directory, check_output_dir

    check_output_dir([data_dir], out_dir)
    with atomic_directory(out_dir) as staging:  # an interrupted run leaves the previous report whole
        result = build_report(data_dir, staging, figures=not no_figures)
    click.echo(result.headline)
