"""The catalogue of built-in rate laws, each declared once.

Registered by :mod:`mgkinetics.laws.registry` on first lookup. Laws on speciated substrates
(Mg-ATP) are declared in :mod:`mgkinetics.laws.mg_laws`.
"""

from __future__ import annotations

from mgkinetics.laws import guesses, ratelaws
from mgkinetics.laws.declarations import DerivedSpec, InputSpec, ParamSpec, RateLaw

__all__ = ["SUBSTRATE", "INHIBITOR", "ENZYME", "BUILTIN_LAWS"]

SUBSTRATE = InputSpec(
    "substrate",
    aliases=("substrate", "s", "conc", "concentration", "x"),
    description="substrate concentration",
)
INHIBITOR = InputSpec("inhibitor", aliases=("inhibitor", "i", "inh"), description="inhibitor concentration")
ENZYME = InputSpec(
    "enzyme",
    kind="enzyme",
    aliases=("enzyme", "e", "e0", "et", "enzyme_total"),
    description="total enzyme concentration (column or --enzyme VALUE_WITH_UNIT)",
)

_POS = {"min": 0.0}
VMAX = ParamSpec("vmax", "rate", description="limiting rate", **_POS)
KM = ParamSpec("km", "substrate", description="Michaelis constant", **_POS)
KCAT = ParamSpec("kcat", "1/time", description="turnover number", **_POS)
KI = ParamSpec("ki", "inhibitor", description="inhibition constant", **_POS)
KCAT_OVER_KM = DerivedSpec("kcat_over_km", "kcat", "km", "1/(M*s)", description="specificity constant")


def _one_inhibitor_law(name: str, function, formula: str, description: str) -> RateLaw:
    """A law of S and I with Vmax, KM and one Ki, started by :func:`~mgkinetics.laws.guesses.inhibition`."""
    return RateLaw(
        name,
        function,
        inputs=(SUBSTRATE, INHIBITOR),
        params=(VMAX, KM, KI),
        formula=formula,
        guess=guesses.inhibition,
        description=description,
    )


BUILTIN_LAWS = (
    RateLaw(
        "michaelis_menten",
        ratelaws.michaelis_menten,
        inputs=(SUBSTRATE,),
        params=(VMAX, KM),
        formula="v = Vmax·S / (KM + S)",
        guess=guesses.michaelis_menten,
        description="Michaelis–Menten, Vmax form",
    ),
    RateLaw(
        "michaelis_menten_kcat",
        ratelaws.michaelis_menten_kcat,
        inputs=(SUBSTRATE, ENZYME),
        params=(KCAT, KM),
        formula="v = kcat·[E]·S / (KM + S)",
        guess=guesses.michaelis_menten_kcat,
        description="Michaelis–Menten with per-row enzyme concentration; reports kcat and kcat/KM",
        derived=(KCAT_OVER_KM,),
    ),
    RateLaw(
        "substrate_inhibition",
        ratelaws.substrate_inhibition,
        inputs=(SUBSTRATE,),
        params=(VMAX, KM, ParamSpec("ksi", "substrate", description="substrate inhibition constant", **_POS)),
        formula="v = Vmax·S / (KM + S·(1 + S/Ksi))",
        guess=guesses.substrate_inhibition,
        description="Haldane substrate inhibition",
    ),
    RateLaw(
        "hill",
        ratelaws.hill,
        inputs=(SUBSTRATE,),
        params=(
            VMAX,
            ParamSpec("k_half", "substrate", description="substrate giving half Vmax", **_POS),
            ParamSpec("n", "1", min=0.0, max=20.0, description="Hill coefficient"),
        ),
        formula="v = Vmax·Sⁿ / (K½ⁿ + Sⁿ)",
        guess=guesses.hill,
        description="Hill equation (cooperativity)",
        slope_order="n",
    ),
    _one_inhibitor_law(
        "competitive",
        ratelaws.competitive,
        "v = Vmax·S / (KM·(1 + I/Ki) + S)",
        "competitive inhibition",
    ),
    _one_inhibitor_law(
        "uncompetitive",
        ratelaws.uncompetitive,
        "v = Vmax·S / (KM + S·(1 + I/Ki))",
        "uncompetitive inhibition",
    ),
    _one_inhibitor_law(
        "noncompetitive",
        ratelaws.noncompetitive,
        "v = Vmax·S / ((KM + S)·(1 + I/Ki))",
        "pure noncompetitive inhibition",
    ),
    RateLaw(
        "mixed",
        ratelaws.mixed,
        inputs=(SUBSTRATE, INHIBITOR),
        params=(VMAX, KM, KI, ParamSpec("alpha", "1", min=0.0, description="Ki' / Ki")),
        formula="v = Vmax·S / (KM·(1 + I/Ki) + S·(1 + I/(α·Ki)))",
        guess=guesses.mixed_inhibition,
        description="mixed inhibition (Prism's Ki, α form)",
    ),
)
