"""`mgkinetics select`: fit several laws to one file and rank them (AICc, nested F tests)."""

from __future__ import annotations

import click

from .basic_options import comma_list
from .options import data_kwargs, data_options, output_options, plot_option, read_table, write_output
from .plotting import check_plot_path, write_plot

__all__ = ["select"]


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--laws",
    "law_list",
    required=True,
    help="Comma-separated law names, e.g. michaelis_menten,substrate_inhibition,hill.",
)
@data_options(column=False)
@output_options("text", "json")
@plot_option("every candidate law's fit")
def select(file, law_list, fmt, out, plot, **data):
    """Fit each law in --laws to FILE and rank them by AICc, with F tests for nested pairs.

    A law whose fit does not pass the reality checks (it did not converge, a parameter sits at a
    bound, the data do not determine its parameters, no activity detected) is listed as not ranked,
    with the reason in the table and below it.

    \b
    Exit codes (as for `mgkinetics fit`):
      0  at least one law was ranked; the best is named
      2  an input error (Error: ... on stderr, nothing written), or no law's fit passed the
         reality checks: the table is written, and stderr says why each law failed
      3  an internal error (a bug; --debug shows the traceback)
    """
    from mgkinetics.stats.selection import select_model

    from .main import UserError

    laws = comma_list(law_list)
    if len(laws) < 2:
        raise click.BadParameter("give at least two laws, separated by commas", param_hint="--laws")
    check_plot_path(plot, [file])
    sel = select_model(read_table(file, data), laws, **data_kwargs(data))
    if fmt == "json":
        import json

        write_output(json.dumps(sel.to_dict(), indent=2) + "\n", out)
    else:
        write_output(sel.to_text(), out)
    if plot:
        from mgkinetics.report.figures import plot_fits

        fits = [c.fit for c in sel.candidates if c.fit is not None]
        write_plot(
            plot_fits(
                fits,
                [c.law for c in sel.candidates if c.fit is not None],
                title="candidate laws",
                band="none",
            ),
            plot,
        )
    if sel.best is None:
        why = "; ".join(f"{c.law}: {'; '.join(c.reasons) or 'not fitted'}" for c in sel.candidates)
        raise UserError(f"{file}: no law's fit passed the reality checks ({why})")
