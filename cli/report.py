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
    type=click.Path(),
    help="Where report.md, tables/*.csv and figures/*.png are written (with --format enzymeml: the "
    "DOC.json file).",
)
@click.option("--no-figures", is_flag=True, help="Skip the PNG figures (faster).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "enzymeml"]),
    default="markdown",
    show_default=True,
    help="enzymeml: the headline ak_random_bibi fits as an EnzymeML v2 document "
    "(+ DOC.stats.json) instead of the Markdown report.",
)
def report(data_dir: str | None, out_dir: str, no_figures: bool, fmt: str) -> None:
    """Fit the AK datasets (WT vs D84A), write a Markdown report, print the kcat headline."""
    from mgkinetics.ak.report import build_report
    from mgkinetics.report.output import atomic_directory, check_output_dir

    from .main import UserError

    if fmt == "enzymeml":
        if not out_dir.endswith(".json"):
            raise UserError(
                "--format enzymeml writes one JSON document and its .stats.json sidecar; give --out DOC.json"
            )
        from mgkinetics.report.enzymeml import stats_path
        from mgkinetics.report.output import check_outputs

        from .options import write_enzymeml_output

        check_outputs([data_dir], [out_dir, stats_path(out_dir)])
        result = build_report(data_dir, None, figures=False)
        bibi = result.fits["bibi"]
        write_enzymeml_output([bibi[v] for v in bibi], out_dir, name="mgkinetics AK report: ak_random_bibi")
        click.echo(result.headline)
        return
    check_output_dir([data_dir], out_dir)
    with atomic_directory(out_dir) as staging:  # an interrupted run leaves the previous report whole
        result = build_report(data_dir, staging, figures=not no_figures)
    click.echo(result.headline)
