"""`mgkinetics select`: fit several laws to one file and rank them (AICc, nested F tests)."""

from __future__ import annotations

import click

from .options import parse_pairs, write_output

__all__ = ["select"]


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--laws", "law_list", required=True,
              help="Comma-separated law names, e.g. michaelis_menten,substrate_inhibition,hill.")
@click.option("--x", "x_col", help="Substrate column (found by name when omitted).")
@click.option("--y", "y_col", help="Rate column (found by name or unit when omitted).")
@click.option("--inhibitor", help="Inhibitor column, for inhibition laws.")
@click.option("--enzyme", help="Enzyme column, or a constant with its unit (e.g. 2nM).")
@click.option("--weights", default="none", show_default=True,
              help="none, relative, poisson, replicates, replicates:pooled or sd:COLUMN.")
@click.option("--init", "init_pairs", multiple=True, metavar="P=V",
              help="Starting value, given to every law that has the parameter.")
@click.option("--fix", "fix_pairs", multiple=True, metavar="P=V", help="Hold a parameter fixed.")
@click.option("--input-unit", "input_unit_pairs", multiple=True, metavar="COLUMN=UNIT",
              help="Unit of a column whose name has no unit suffix.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
def select(file, law_list, x_col, y_col, inhibitor, enzyme, weights, init_pairs, fix_pairs,
           input_unit_pairs, fmt, out):
    """Fit each law in --laws to FILE and rank them by AICc, with F tests for nested pairs."""
    from mgkinetics.selection import select_model

    laws = [name.strip() for name in law_list.split(",") if name.strip()]
    if len(laws) < 2:
        raise click.BadParameter("give at least two laws, separated by commas", param_hint="--laws")
    sel = select_model(file, laws, x=x_col, y=y_col, inhibitor=inhibitor, enzyme=enzyme, weights=weights,
                       init=parse_pairs(init_pairs, "--init"), fix=parse_pairs(fix_pairs, "--fix"),
                       input_units=parse_pairs(input_unit_pairs, "--input-unit") or None)
    if fmt == "json":
        import json

        write_output(json.dumps(sel.to_dict(), indent=2) + "\n", out)
    else:
        write_output(sel.to_text(), out)
