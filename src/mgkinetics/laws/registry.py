"""The registry of rate laws: look a law up by name, list them, register new ones.

The declarations themselves live in :mod:`mgkinetics.laws.declarations` (re-exported here); the
built-in catalogues (:mod:`mgkinetics.laws.classic`, :mod:`mgkinetics.laws.mg_laws`) are plain
tuples of declarations that this module registers on first use, so no law module imports the
registry and the registry imports each law module once, in one direction.
"""

from __future__ import annotations

from mgkinetics.errors import LawError
from mgkinetics.laws.declarations import DerivedSpec, InputSpec, ParamSpec, RateLaw, did_you_mean

__all__ = ["InputSpec", "ParamSpec", "DerivedSpec", "RateLaw", "register", "get_law", "list_laws"]

_REGISTRY: dict[str, RateLaw] = {}
_BUILTIN_LOADED = False


def _load_builtin() -> None:
    """Register the built-in catalogues once (lazily: importing them pulls in speciation)."""
    global _BUILTIN_LOADED
    if _BUILTIN_LOADED:
        return
    _BUILTIN_LOADED = True
    from mgkinetics.laws.classic import BUILTIN_LAWS
    from mgkinetics.laws.mg_laws import MG_LAWS

    for law in (*BUILTIN_LAWS, *MG_LAWS):
        _add(law)


def _add(law: RateLaw) -> RateLaw:
    if law.name in _REGISTRY:
        raise LawError(f"a law named '{law.name}' is already registered")
    _REGISTRY[law.name] = law
    return law


def register(law: RateLaw) -> RateLaw:
    """Add a law to the registry; its name must be new (built-in names included)."""
    _load_builtin()
    return _add(law)


def get_law(name: str | RateLaw, *, params: tuple[str, ...] | None = None) -> RateLaw:
    """Look a law up by name (a RateLaw passes through).

    A name starting with ``expr:`` is a user equation (:mod:`mgkinetics.laws.expression`); ``params``
    then names its parameters (the other names in it are data columns).

    Raises
    ------
    LawError
        If no law has that name; the message lists the close matches.
    """
    if isinstance(name, RateLaw):
        return name
    if isinstance(name, str) and name.lstrip().startswith("expr:"):
        from mgkinetics.laws.expression import expression_law

        return expression_law(name, params=params)
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise LawError(
            f"unknown law '{name}'{did_you_mean(name, _REGISTRY)}; `mgkinetics laws` lists them"
        ) from None


def list_laws() -> list[RateLaw]:
    """Every registered law, sorted by name."""
    _load_builtin()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]
