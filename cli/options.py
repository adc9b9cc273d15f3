"""Option parsing shared by the commands (click only; the library is imported inside functions)."""

from __future__ import annotations

import click

from .basic_options import choice_option, gathered_options

__all__ = [
    "parse_pairs",
    "write_output",
    "guard_outputs",
    "data_options",
    "data_kwargs",
    "read_table",
    "output_options",
    "interval_options",
    "write_enzymeml_output",
    "plot_option",
    "quiet_option",
]


def parse_pairs(
    values: tuple[str, ...], option: str, *, form: str = "NAME=VALUE", example: str = "km=0.5"
) -> dict[str, str]:
    """``("km=0.5", "vmax=2")`` or ``("km=0.5,vmax=2",)`` -> ``{"km": "0.5", "vmax": "2"}``.

    An item is split at its commas when every piece is a pair (so ``km=0,5`` or a column named
    ``Rate, corrected`` stays whole); a name given twice, or an item that is not a pair, is a
    BadParameter naming the option.
    """
    out: dict[str, str] = {}
    for given in values:
        pieces = given.split(",")
        for item in pieces if len(pieces) > 1 and all("=" in piece for piece in pieces) else [given]:
            name, sep, value = item.partition("=")
            if not sep or not name.strip() or not value.strip():
                hint = f"'{item}' should look like {form}, e.g. {example}"
                raise click.BadParameter(hint, param_hint=option)
            if name.strip() in out:
                raise click.BadParameter(f"'{name.strip()}' is given twice; give it once", param_hint=option)
            out[name.strip()] = value.strip()
    return out


# The data-column options of fit, compare, batch and select, in --help order:
# (flag, python parameter name, option keywords).
_PAIRS = {"multiple": True}
_DATA_OPTIONS = (
    ("--x", "x_col", {"help": "Substrate column (found by name when omitted)."}),
    ("--y", "y_col", {"help": "Rate column (found by name or unit when omitted)."}),
    ("--inhibitor", "inhibitor", {"help": "Inhibitor column, for inhibition laws."}),
    ("--enzyme", "enzyme", {"help": "Enzyme column, or a constant with its unit (e.g. 2nM)."}),
    (
        "--column",
        "column_pairs",
        {
            **_PAIRS,
            "metavar": "INPUT=COLUMN",
            "help": "Column for any other law input (e.g. atp_total=ATP_mM).",
        },
    ),
    (
        "--weights",
        "weights",
        {
            "default": "none",
            "show_default": True,
            "help": "none, relative (1/y^2), poisson (1/y), replicates (SD of replicates; "
            ">= 4 per level), replicates:pooled, power (sigma = a*v^b fitted "
            "across levels; for few replicates), sd:COLUMN (absolute SD) or "
            "'sd:SD/sqrt(N)' (means of N replicates: weight by SD/sqrt(N)).",
        },
    ),
    (
        "--fix",
        "fix_pairs",
        {
            **_PAIRS,
            "metavar": "P=V",
            "help": "Hold a parameter fixed (value in the fitted unit, or with a unit: km=500uM).",
        },
    ),
    ("--init", "init_pairs", {**_PAIRS, "metavar": "P=V", "help": "Starting value of a parameter."}),
    (
        "--input-unit",
        "input_unit_pairs",
        {
            **_PAIRS,
            "metavar": "COLUMN=UNIT",
            "help": "Unit of a column whose header has none (e.g. S=mM, v=uM/min, 'Y*=uM/min').",
        },
    ),
    (
        "--sheet",
        "sheet",
        {"metavar": "NAME", "help": "Sheet of an .xlsx workbook (default: the first that holds a table)."},
    ),
    (
        "--replicates",
        "replicates",
        {
            "metavar": "PATTERN",
            "help": "Replicate columns side by side, e.g. 'Rate *' (recognised "
            "automatically when they share a stem and a unit).",
        },
    ),
    (
        "--pool",
        "pool",
        {
            "is_flag": True,
            "default": False,
            "help": "Fit rows with different labels (e.g. variants) as one data set instead of refusing.",
        },
    ),
)


def data_options(*, column: bool = True, input_unit: bool = True):
    """Decorator adding the data-column options (--x ... --input-unit) to a command.

    The command receives them as ``x_col, y_col, inhibitor, enzyme, column_pairs, weights,
    fix_pairs, init_pairs, input_unit_pairs``; turn those into library keywords with `data_kwargs`.
    ``column=False`` / ``input_unit=False`` leave out ``--column`` / ``--input-unit``.
    """
    skip = {flag for flag, keep in (("--column", column), ("--input-unit", input_unit)) if not keep}
    chosen = [option for option in _DATA_OPTIONS if option[0] not in skip]

    def decorate(f):
        for flag, name, kw in reversed(chosen):  # decorators apply bottom-up
            f = click.option(flag, name, **kw)(f)
        return f

    return decorate


#: python parameter -> (library keyword, option named in errors) for the NAME=VALUE options,
#: in the order they are parsed (so the first bad option is the one reported).
_PAIR_KEYWORDS = {
    "column_pairs": ("columns", "--column"),
    "fix_pairs": ("fix", "--fix"),
    "init_pairs": ("init", "--init"),
    "input_unit_pairs": ("input_units", "--input-unit"),
}
_PLAIN_KEYWORDS = {
    "x_col": "x",
    "y_col": "y",
    "inhibitor": "inhibitor",
    "enzyme": "enzyme",
    "weights": "weights",
}


def data_kwargs(values: dict) -> dict:
    """The click values of `data_options` -> the library's ``x=, y=, inhibitor=, enzyme=, columns=,
    weights=, fix=, init=, input_units=`` keywords (only those whose option the command has).

    NAME=VALUE lists become dicts (click.BadParameter naming the option when malformed);
    ``input_units`` is None when empty, the other dicts may be empty.
    """
    out = {kw: values[name] for name, kw in _PLAIN_KEYWORDS.items() if name in values}
    if values.get("pool"):
        out["pool"] = True
    for name, (kw, option) in _PAIR_KEYWORDS.items():
        if name in values:
            out[kw] = parse_pairs(values[name], option)
    if "input_units" in out:
        out["input_units"] = out["input_units"] or None
    return out


def read_table(path, values: dict):
    """Read FILE with the library's reader (:func:`mgkinetics.read_csv`) and the command's
    --input-unit, --sheet and --replicates, so the command line reads exactly as the library does.
    A Dataset (the initial rates of `fit --layout`) is already read."""
    from mgkinetics.data.table import Dataset, read_csv

    if isinstance(path, Dataset):
        return path
    units = parse_pairs(values.get("input_unit_pairs", ()), "--input-unit") or None
    return read_csv(path, input_units=units, sheet=values.get("sheet"), wide=values.get("replicates"))


def output_options(*formats: str):
    """Decorator adding ``--format`` (parameter ``fmt``; the first format is the default) and ``--out``.

    The command is also guarded: before it computes anything, `guard_outputs` refuses an ``--out``
    that is one of its inputs or cannot be written.
    """
    needs_file = " and ".join(f for f in formats if f in ("parquet", "enzymeml"))
    out_help = "Write here instead of stdout" + (f" (required for {needs_file})." if needs_file else ".")

    def decorate(f):
        f = _guarded(f)
        f = click.option("--out", type=click.Path(dir_okay=False), help=out_help)(f)
        return choice_option("--format", "fmt", choices=formats)(f)

    return decorate


OUTPUT_OPTIONS = ("out", "plot")  # the options that name files a command writes


def _guarded(f):
    """``f`` calling `guard_outputs` on its output options (``out``, ``plot``: against every other
    path-valued argument and against each other)."""
    import functools

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        outputs = [kwargs.get(k) for k in OUTPUT_OPTIONS]
        guard_outputs([v for k, v in kwargs.items() if k not in OUTPUT_OPTIONS], *outputs)
        return f(*args, **kwargs)

    return wrapper


def guard_outputs(values, *outputs: str | None) -> None:
    """Refuse ``outputs`` that are one of the existing files among ``values`` (strings, or tuples
    and lists of strings: a command's argument values) or that cannot be written.

    Raises :class:`mgkinetics.errors.OutputError` (exit code 2 through the group's handler).
    """
    import os

    from mgkinetics.report.output import check_outputs

    if all(o is None for o in outputs):
        return
    flat = []
    for value in values:
        items = value if isinstance(value, (tuple, list)) else (value,)
        flat += [v for v in items if isinstance(v, str) and v and os.path.exists(v)]
    check_outputs(flat, outputs)


def write_output(text: str, out: str | None) -> None:
    """Write to the --out file atomically (never half a file), or to stdout."""
    if out:
        from mgkinetics.report.output import atomic_write_text

        atomic_write_text(out, text)
    else:
        click.echo(text, nl=False)


def write_enzymeml_output(results, out: str | None, *, name: str, extra=None) -> None:
    """``--format enzymeml``: the EnzymeML v2 document at --out (required) and its DOC.stats.json sidecar."""
    if not out:
        raise click.UsageError(
            "--format enzymeml writes a document and its .stats.json sidecar; give --out DOC.json"
        )
    from mgkinetics.report.enzymeml import write_enzymeml

    doc, stats = write_enzymeml(out, results, name=name, extra=extra)
    click.echo(f"wrote {doc}" + (f" and {stats}" if stats else ""), err=True)


#: `interval_options` parameter -> the library keyword it is passed on as.
_INTERVAL_KEYWORDS = {
    "ci_method": "ci",
    "n_bootstrap": "n_bootstrap",
    "bootstrap_kind": "bootstrap_kind",
    "seed": "seed",
}


def interval_options(*, what: str, min_bootstrap: int):
    """``--ci``, ``--bootstrap``, ``--bootstrap-kind`` and ``--seed``, for the intervals of ``what``.

    The command receives them as one dict, ``intervals``, of the library's keywords (``ci``,
    ``n_bootstrap``, ``bootstrap_kind``, ``seed``).
    """
    options = [
        choice_option(
            "--ci",
            "ci_method",
            choices=("asymptotic", "profile", "bootstrap"),
            help=f"Intervals of {what}: asymptotic (delta method), profile likelihood or bootstrap.",
        ),
        click.option(
            "--bootstrap",
            "n_bootstrap",
            type=click.IntRange(min_bootstrap),
            default=1000,
            show_default=True,
            help="Bootstrap resamples (with --ci bootstrap).",
        ),
        choice_option(
            "--bootstrap-kind", choices=("case", "residual"), help="Resample rows (case) or residuals."
        ),
        click.option(
            "--seed",
            type=click.IntRange(0, 2**63 - 1),
            default=None,
            help="Random seed: the same seed gives the same intervals.",
        ),
    ]
    return gathered_options(options, "intervals", _INTERVAL_KEYWORDS)


def plot_option(what: str = "the fit"):
    """``--plot FILE.png|svg|pdf`` (parameter ``plot``): a figure of ``what`` (PNG at 300 dpi)."""
    return click.option(
        "--plot",
        "plot",
        type=click.Path(dir_okay=False),
        default=None,
        help=f"Also draw {what} into FILE (.png at 300 dpi, .svg or .pdf).",
    )


def quiet_option(f):
    """``--quiet``: no progress bar on stderr (there is none when stderr is not a terminal)."""
    return click.option("--quiet", "-q", is_flag=True, help="No progress bars on stderr.")(f)
