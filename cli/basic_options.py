"""The smallest option declarations and parsing shared by the commands and by `options` (click only)."""

from __future__ import annotations

import functools

import click

__all__ = ["choice_option", "law_option", "comma_list", "gathered_options"]


def choice_option(*param_decls: str, choices: tuple[str, ...], help: str | None = None):
    """An option taking one of ``choices``, the first by default (shown in --help)."""
    return click.option(
        *param_decls, type=click.Choice(list(choices)), default=choices[0], show_default=True, help=help
    )


#: ``--law NAME`` (parameter ``law``), required by every command that fits.
law_option = click.option("--law", required=True, help="Rate law name (see `mgkinetics laws`).")


def comma_list(text: str) -> list[str]:
    """``"kcat, km,"`` -> ``["kcat", "km"]``: the names of a comma-separated option, blanks dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]


def gathered_options(options: list, into: str, keys: dict[str, str]):
    """Decorator adding ``options`` to a command that receives their values as one dict ``into``.

    ``keys`` maps each option's parameter name to its key in that dict.
    """

    def decorate(command):
        @functools.wraps(command)
        def with_gathered(*args, **kwargs):
            values = {key: kwargs.pop(name) for name, key in keys.items()}
            return command(*args, **{into: values}, **kwargs)

        for option in reversed(options):
            with_gathered = option(with_gathered)
        return with_gathered

    return decorate
