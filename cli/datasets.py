"""``mgkinetics datasets``: list, describe and export the built-in (SIMULATED) datasets."""

from __future__ import annotations

import click

__all__ = ["datasets"]


@click.group()
def datasets() -> None:
    """The built-in adenylate-kinase datasets (SIMULATED from published values)."""


@datasets.command("list")
def list_cmd() -> None:
    """List the built-in datasets with their titles."""
    from mgkinetics.data import builtin as lib

    for name in lib.list_datasets():
        meta = lib.metadata(name)
        tag = " [simulated]" if meta.get("simulated") else ""
        click.echo(f"{name}  {meta.get('title', '')}{tag}")


@datasets.command()
@click.argument("name")
def describe(name: str) -> None:
    """Design, conditions, true parameters and provenance of dataset NAME."""
    from mgkinetics.data import builtin as lib

    click.echo(lib.describe(name), nl=False)


@datasets.command()
@click.argument("name")
@click.option(
    "--out",
    "out_dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to copy NAME.csv and NAME.meta.json into.",
)
def export(name: str, out_dir: str) -> None:
    """Copy dataset NAME (CSV and metadata) into a directory."""
    from pathlib import Path

    from mgkinetics.data import builtin as lib
    from mgkinetics.report.output import atomic_directory, check_output_dir

    lib.metadata(name)  # an unknown name fails here, before anything is written
    check_output_dir([], out_dir)
    with atomic_directory(out_dir) as staging:
        written = [Path(out_dir) / p.name for p in lib.export(name, staging)]
    for p in written:
        click.echo(str(p))
