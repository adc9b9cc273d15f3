"""`mgkinetics fit` and `mgkinetics laws`: parse options, make one library call, write output."""

from __future__ import annotations

import click

from .basic_options import choice_option, comma_list, law_option
from .options import (
    data_kwargs,
    data_options,
    interval_options,
    output_options,
    parse_pairs,
    plot_option,
    quiet_option,
    read_table,
    write_enzymeml_output,
    write_output,
)
from .plotting import check_plot_path, progress_enabled, write_plot
from .rates import compute_rates, echo_rates_summary, rate_options

__all__ = ["fit", "laws"]


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@law_option
@data_options()
@click.option("--group", "groups", multiple=True, help="Fit each value of this column separately.")
@click.option(
    "--units",
    "unit_pairs",
    multiple=True,
    metavar="P=UNIT",
    help="Report a parameter in another unit (e.g. km=uM, kcat=1/min).",
)
@interval_options(what="parameters", min_bootstrap=10)
@choice_option(
    "--outliers",
    choices=("flag", "exclude"),
    help="Outliers (ROUT-like, Q=1%) are always listed; 'exclude' also refits without them.",
)
@click.option(
    "--shared",
    default="",
    help="Comma-separated parameters shared by all files/groups in one joint fit (e.g. kd_mgatp,kcat,km).",
)
@click.option(
    "--ph", type=float, help="pH, for laws that use conditions (default: column, metadata, or 7.5)."
)
@click.option("--temperature", "temperature_C", type=float, help="Temperature in °C (default 25).")
@click.option("--ionic-strength", "ionic_strength_M", type=float, help="Ionic strength in M (default 0.15).")
@output_options("text", "json", "csv", "enzymeml")
@plot_option("the fits (data, curve, confidence band, residuals)")
@quiet_option
@rate_options(layout_required=False, method_flag="--rate-method")
def fit(
    files,
    law,
    groups,
    unit_pairs,
    intervals,
    outliers,
    shared,
    ph,
    temperature_C,
    ionic_strength_M,
    fmt,
    out,
    plot,
    quiet,
    rate_settings,
    **data,
):
    """Fit a rate law to the initial rates in FILES (CSV, TSV, xlsx).

    Each file (and each --group) is fitted separately, unless --shared names parameters to share:
    then all of them are fitted together in one global fit. With --layout, FILES are plate traces
    (an instrument export or a traces CSV): each is turned into initial rates first (as `mgkinetics
    rates` does), and every well is accounted for on stderr.

    \b
    Exit codes:
      0  every fit converged (or has a parameter at a declared bound: see its status)
      2  an input error (Error: ... on stderr, nothing written), or a fit that did not
         converge, is not bounded by the data or is not identifiable (no activity detected,
         singular covariance): the results are written, and stderr says which and why
      3  an internal error (a bug; --debug shows the traceback)
    """
    from mgkinetics.report import text as report

    from .main import UserError

    conditions = {
        k: v
        for k, v in (("ph", ph), ("temperature_C", temperature_C), ("ionic_strength_M", ionic_strength_M))
        if v is not None
    }
    check_plot_path(plot, files)
    sources = ", ".join(files)
    if rate_settings["layout"]:
        files = _rates_of(files, rate_settings)
    shared_names = comma_list(shared)
    if shared_names:
        _fit_shared(
            files,
            law,
            shared_names,
            data,
            groups=groups,
            conditions=conditions,
            fmt=fmt,
            out=out,
            plot=plot,
            ci=intervals["ci"],
        )
        return
    results = [
        _fit_one(
            read_table(file, data),
            law,
            **data_kwargs(data),  # fresh dicts for each file, as the library may keep them
            group=list(groups) or None,
            **intervals,
            outliers=outliers,
            progress=_progress_bar(quiet) if intervals["ci"] == "bootstrap" else None,
            conditions=conditions or None,
        )
        for file in files
    ]
    result = report.merge_collections(results)
    units = parse_pairs(unit_pairs, "--units")
    if units:
        result = result.in_units(**units)
    if fmt == "enzymeml":
        write_enzymeml_output(result, out, name=f"mgkinetics fit: {law}")
    else:
        writer = {"text": report.fits_to_text, "json": report.fits_to_json, "csv": report.fits_to_csv}[fmt]
        write_output(writer(result), out)
    write_plot(result, plot)
    fits = report.as_collection(result)
    for status, what, advice in (
        ("failed", "did not converge", "results above are the last iterate. Try --init with better starts"),
        ("not_bounded", "are not bounded by the data", "see each fit's status_reason"),
        ("not_identifiable", "are not determined by the data", "see each fit's status_reason"),
    ):
        bad = [f for f in fits if f.status == status]
        if bad:
            names = "; ".join(
                (", ".join(f"{k}={v}" for k, v in f.group.items()) or f.law.name) + f": {f.status_reason}"
                for f in bad
            )
            raise UserError(f"{sources}: {len(bad)} fit(s) {what} ({names}); {advice}")


def _rates_of(files, settings):
    """Each traces file as a Dataset of initial rates, every well accounted for on stderr."""
    datasets = []
    for traces in files:
        table, skipped = compute_rates(traces, settings)
        echo_rates_summary(table, skipped, traces)
        datasets.append(table.to_dataset(source=f"{traces} (initial rates)"))
    return datasets


def _progress_bar(quiet: bool):
    """A ``progress(done, total)`` callback drawing a bootstrap bar on stderr, or None."""
    from mgkinetics.report.progress import progress_callback

    return progress_callback("bootstrap", enabled=progress_enabled(quiet))


def _fit_one(file, law, **options):
    from mgkinetics.fitting import single as fitting

    return fitting.fit(file, law, **options)


def _fit_shared(files, law, shared, data, *, groups, conditions, fmt, out, plot=None, ci="asymptotic"):
    """One global fit over every file and group, the named parameters shared (``data``: the
    `data_options` values); ``ci`` asymptotic or profile (every parameter profiled over all sets)."""
    from mgkinetics.fitting import globalfit
    from mgkinetics.report import text as report

    from .main import UserError

    if fmt == "csv":
        raise UserError("--shared writes text or json; use --format json for a machine-readable result")
    if ci == "bootstrap":
        raise UserError("--shared takes --ci asymptotic or --ci profile (no bootstrap for global fits)")
    options = data_kwargs(data)
    result = globalfit.fit_shared(
        [read_table(f, data) for f in files],
        law,
        shared,
        group=list(groups) or None,
        conditions=conditions or None,
        ci=ci,
        **options,
    )
    if fmt == "enzymeml":
        write_enzymeml_output(
            list(result.parts),
            out,
            name=f"mgkinetics global fit: {law}",
            extra={"shared_parameters": list(result.shared), "global_fit": result.to_dict()},
        )
    else:
        write_output(report.global_to_json(result) if fmt == "json" else report.global_to_text(result), out)
    write_plot(result, plot)
    if not result.success:
        raise UserError(f"the global fit is {result.status.replace('_', ' ')}: {result.status_reason}")


@click.command()
@choice_option("--format", "fmt", choices=("text", "json"))
def laws(fmt):
    """List the registered rate laws with their formulas and parameters."""
    from mgkinetics.laws import registry
    from mgkinetics.report import text as report

    all_laws = registry.list_laws()
    if fmt == "json":
        import json

        data = {
            law.name: {
                "formula": law.formula,
                "description": law.description,
                "inputs": [i.name for i in law.inputs],
                "parameters": {
                    p.name: {
                        "unit": p.unit,
                        "min": p.min if p.min > -1e308 else None,
                        "max": p.max if p.max < 1e308 else None,
                        "vary": p.vary,
                        "description": p.description,
                    }
                    for p in law.params
                },
                "derived": [d.name for d in law.derived],
            }
            for law in all_laws
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(report.laws_to_text(all_laws), nl=False)
