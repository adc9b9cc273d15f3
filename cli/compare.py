"""`mgkinetics compare`: variants of one law, fitted separately and tested for shared parameters."""

from __future__ import annotations

import click

from .options import parse_pairs, write_output

__all__ = ["compare"]


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--law", required=True, help="Rate law name (see `mgkinetics laws`).")
@click.option("--by", default="variant", show_default=True, help="Column naming the variant.")
@click.option("--reference", help="Variant the others are compared with (default: the first).")
@click.option("--shared", default="", help="Comma-separated parameters to share in a joint fit (e.g. km).")
@click.option(
    "--test", "tested", default="", help="Comma-separated parameters to test (default: all fitted)."
)
@click.option("--x", "x_col", help="Substrate column.")
@click.option("--y", "y_col", help="Rate column.")
@click.option("--inhibitor", help="Inhibitor column.")
@click.option("--enzyme", help="Enzyme column, or a constant with its unit (e.g. 2nM).")
@click.option(
    "--column", "column_pairs", multiple=True, metavar="INPUT=COLUMN", help="Column for another input."
)
@click.option(
    "--weights", default="none", show_default=True, help="none, relative, poisson, replicates or sd:COLUMN."
)
@click.option("--fix", "fix_pairs", multiple=True, metavar="P=V", help="Hold a parameter fixed.")
@click.option("--init", "init_pairs", multiple=True, metavar="P=V", help="Starting value of a parameter.")
@click.option(
    "--input-unit",
    "input_unit_pairs",
    multiple=True,
    metavar="COLUMN=UNIT",
    help="Unit of a column whose name has no unit suffix.",
)
@click.option(
    "--ci",
    "ci_method",
    type=click.Choice(["asymptotic", "bootstrap"]),
    default="asymptotic",
    show_default=True,
    help="Intervals of ratios and ddG‡: log-scale delta method or bootstrap.",
)
@click.option(
    "--bootstrap",
    "n_bootstrap",
    type=click.IntRange(100),
    default=1000,
    show_default=True,
    help="Bootstrap resamples per variant (with --ci bootstrap).",
)
@click.option("--bootstrap-kind", type=click.Choice(["case", "residual"]), default="case", show_default=True)
@click.option("--seed", type=int, default=None, help="Random seed: the same seed gives the same intervals.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
def compare(
    files,
    law,
    by,
    reference,
    shared,
    tested,
    x_col,
    y_col,
    inhibitor,
    enzyme,
    column_pairs,
    weights,
    fix_pairs,
    init_pairs,
    input_unit_pairs,
    ci_method,
    n_bootstrap,
    bootstrap_kind,
    seed,
    fmt,
    out,
):
    """Compare variants (e.g. WT vs a mutant) in FILES: ratios, ΔΔG‡, shared-parameter tests.

    The variant of each row is read from the --by column; files without that column are one
    variant each, named by the file (compare wt.csv d84a.csv).
    """
    from mgkinetics import compare as cmp
    from mgkinetics import compare_report

    split = [s.strip() for s in shared.split(",") if s.strip()]
    test = [s.strip() for s in tested.split(",") if s.strip()] or None
    result = cmp.compare(
        list(files) if len(files) > 1 else files[0],
        law,
        by=by,
        reference=reference,
        shared=split,
        test=test,
        x=x_col,
        y=y_col,
        inhibitor=inhibitor,
        enzyme=enzyme,
        columns=parse_pairs(column_pairs, "--column"),
        weights=weights,
        fix=parse_pairs(fix_pairs, "--fix"),
        init=parse_pairs(init_pairs, "--init"),
        input_units=parse_pairs(input_unit_pairs, "--input-unit") or None,
        ci=ci_method,
        n_bootstrap=n_bootstrap,
        bootstrap_kind=bootstrap_kind,
        seed=seed,
    )
    text = compare_report.to_json(result) if fmt == "json" else compare_report.to_text(result)
    write_output(text, out)
