"""Option parsing shared by the commands (click only; no library imports)."""

from __future__ import annotations

import click

__all__ = ["parse_pairs", "write_output", "FORMAT"]

FORMAT = click.Choice(["text", "json", "csv"])


def parse_pairs(values: tuple[str, ...], option: str, *, form: str = "NAME=VALUE",
                example: str = "km=0.5") -> dict[str, str]:
    """``("km=0.5", "vmax=2")`` -> ``{"km": "0.5", "vmax": "2"}``; BadParameter naming the option."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise click.BadParameter(f"'{item}' should look like {form}, e.g. {example}", param_hint=option)
        out[name.strip()] = value.strip()
    return out


def write_output(text: str, out: str | None) -> None:
    """Write to the --out file, or to stdout."""
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
