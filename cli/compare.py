"""`mgkinetics compare`: variants of one law, fitted separately and tested for shared parameters."""

from __future__ import annotations

import click

from .basic_options import comma_list, law_option
from .options import (
    data_kwargs,
    data_options,
    interval_options,
    output_options,
    plot_option,
    read_table,
    write_enzymeml_output,
    write_output,
)
from .plotting import check_plot_path, write_plot

__all__ = ["compare"]


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@law_option
@click.option("--by", default="variant", show_default=True, help="Column naming the variant.")
@click.option("--reference", help="Variant the others are compared with (default: the first).")
@click.option("--shared", default="", help="Comma-separated parameters to share in a joint fit (e.g. km).")
@click.option(
    "--test", "tested", default="", help="Comma-separated parameters to test (default: all fitted)."
)
@data_options()
@interval_options(what="ratios and ddG‡", min_bootstrap=100)
@output_options("text", "json", "enzymeml")
@plot_option("the variants as v/[E] (when the law has an enzyme input)")
def compare(
    files,
    law,
    by,
    reference,
    shared,
    tested,
    intervals,
    fmt,
    out,
    plot,
    **data,
):
    """Compare variants (e.g. WT vs a mutant) in FILES: ratios, ΔΔG‡, shared-parameter tests.

    The variant of each row is read from the --by column; files without that column are one
    variant each, named by the file (compare wt.csv d84a.csv).
    """
    from mgkinetics.report import compare_text as compare_report
    from mgkinetics.stats import compare as cmp

    check_plot_path(plot, files)
    split = comma_list(shared)
    test = comma_list(tested) or None
    result = cmp.compare(
        [read_table(f, data) for f in files] if len(files) > 1 else read_table(files[0], data),
        law,
        by=by,
        reference=reference,
        shared=split,
        test=test,
        **data_kwargs(data),
        **intervals,
    )
    if fmt == "enzymeml":
        write_enzymeml_output(
            list(result.fits.values()),
            out,
            name=f"mgkinetics compare: {law} by {by}",
            extra={"comparison": result.to_dict()},
        )
        write_plot(result, plot)
        return
    text = compare_report.to_json(result) if fmt == "json" else compare_report.to_text(result)
    write_output(text, out)
    write_plot(result, plot)
