"""The `mgkinetics` command group.

Start-up stays light: this module imports only click. Each command lives in its own module and
is imported when it is invoked (or listed by --help); the library, numpy, lmfit and pandas are
imported inside the commands. Library errors become ``Error: ...`` on stderr with exit code 2,
without a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["cli", "UserError", "InternalError"]

#: command name -> "module:attribute" inside mgkinetics_cli
COMMANDS = {
    "fit": "commands:fit",
    "laws": "commands:laws",
    "speciate": "speciate:speciate",
    "datasets": "datasets:datasets",
    "report": "report:report",
    "batch": "batch:batch",
    "compare": "compare:compare",
    "select": "select:select",
    "traces": "traces:traces",
    "enzymeml": "enzymeml:enzymeml",
    "rates": "rates:rates",
}

VERSION = "0.1.0"


class UserError(click.ClickException):
    """A problem with the user's input: printed as ``Error: ...``, exit code 2."""

    exit_code = 2


class InternalError(click.ClickException):
    """A bug (an exception that is not a MgKineticsError): one line, exit code 3, no traceback
    unless ``--debug``."""

    exit_code = 3

    def __init__(self, exc: BaseException):
        super().__init__(
            f"internal error ({type(exc).__name__}: {exc}); this is a bug in mgkinetics, not in "
            "your input: please report it with the command and file (run with --debug for the traceback)"
        )


class LazyGroup(click.Group):
    """A group whose commands are imported only when needed."""

    def list_commands(self, ctx):
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(f"mgkinetics_cli.{module}")
        except ModuleNotFoundError as exc:  # a command whose module is not installed
            if exc.name == f"mgkinetics_cli.{module}":
                return None
            raise
        return getattr(mod, attr)

    def invoke(self, ctx):
        import warnings

        try:
            with warnings.catch_warnings():  # few_replicates is in every output as a coded fit warning
                warnings.filterwarnings("ignore", message=r"\[few_replicates\]")
                warnings.showwarning = _show_warning(warnings.showwarning)
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            from mgkinetics.errors import MgKineticsError

            debug = (ctx.obj or {}).get("debug", False)
            if debug:
                raise
            if isinstance(exc, MgKineticsError):
                raise UserError(str(exc)) from None
            raise InternalError(exc) from None


def _show_warning(show):
    """``warnings.showwarning`` that prints mgkinetics' warnings as one ``warning: ...`` line on
    stderr (no file, line or source of the library), and hands others to ``show``."""

    def shown(message, category, filename, lineno, file=None, line=None):
        from mgkinetics.errors import MgKineticsWarning

        if issubclass(category, MgKineticsWarning):
            click.echo(f"warning: {message}", err=True)
        else:
            show(message, category, filename, lineno, file, line)

    return shown


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="mgkinetics")
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Fit enzyme kinetics, with Mg-ATP speciation inside the model.

    CSV columns carry their unit as a suffix: concentrations _M, _mM, _uM, _nM; rates _uM_per_s,
    _mM_per_min, ...  Example:

        mgkinetics fit data.csv --law michaelis_menten
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def run() -> None:
    """The ``mgkinetics`` command (the installed script's entry point): claims the process, then
    runs :func:`cli`."""
    from . import standalone

    standalone.claim()
    cli()


if __name__ == "__main__":  # pragma: no cover
    run()
