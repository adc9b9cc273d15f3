"""Rate laws on speciated substrates by composition: ``speciated(plain_law, substrate="mgatp")``.

A plain law is written on the species the enzyme sees (MgATP, free Mg²⁺, free ATP⁴⁻, free AMP);
:func:`speciated` turns it into a law on the totals a bench scientist prepares (total ATP, Mg and,
when present, ADP, AMP, PEP) by solving the Mg mass balance first (science.md §2, eq. 1–2).

The composed function takes the totals, the enzyme, the per-row auxiliary constants (``kd_factor``
scales the fitted or tabulated MgATP Kd from the reference conditions to the row's; ``kd_mgadp``,
``kd_mgamp``, ``kd_mgpep`` are apparent Kds in the concentration unit), then the plain law's
parameters, then ``kd_mgatp``. Its signature is a real :class:`inspect.Signature`, so
:class:`~mgkinetics.laws.declarations.RateLaw` checks the declaration against it and lmfit reads it.

Speciation depends only on the inputs and Kd(MgATP), never on kcat or KM: it is cached on those
(:data:`SPECIES_CACHE`), so a fit with Kd fixed solves the mass balance once, and a fit that varies
Kd solves it once per distinct Kd. Cached arrays are exactly those a fresh solve returns.

A composed law carries its Jacobian (``law.jacobian(..., wrt=names)``): a parameter's row is the
plain law's partial derivative at the cached species (closed form, :mod:`mgkinetics.laws.mg_partials`),
Kd(MgATP)'s row the chain through the species, whose derivatives come from differentiating the
mass balance implicitly (:func:`species_kd_derivatives`); a fit needs neither complex steps nor
differences of the speciation solver.
"""

from __future__ import annotations

import hashlib
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from mgkinetics.speciation.species import mgatp_from_totals

__all__ = [
    "SPECIES",
    "MM_INPUTS",
    "mg_species",
    "SpeciesCache",
    "SPECIES_CACHE",
    "species_kd_derivatives",
    "speciated",
]

#: Species a plain law can take, in the order :func:`mg_species` returns them.
SPECIES = ("mgatp", "mg_free", "atp_free", "amp_free")
#: Inputs of a composed law when its only substrate-side total beyond ATP and Mg is optional.
MM_INPUTS = (
    "atp_total",
    "mg_total",
    "enzyme",
    "adp_total",
    "amp_total",
    "pep_total",
    "kd_factor",
    "kd_mgadp",
    "kd_mgamp",
    "kd_mgpep",
)
_TOTALS = ("atp_total", "mg_total", "adp_total", "amp_total", "pep_total")
_AUXILIARY = ("kd_factor", "kd_mgadp", "kd_mgamp", "kd_mgpep")
_KEYS = (*_TOTALS, *_AUXILIARY)
_KD_MGATP_DEFAULT = 0.067


def mg_species(
    atp_total, mg_total, adp_total, amp_total, pep_total, kd_mgatp_row, kd_mgadp, kd_mgamp, kd_mgpep
):
    """(MgATP, free Mg, free ATP, free AMP) from totals, by the exact mass balance.

    Non-positive Kds give NaN everywhere: a trial step of a fit can propose Kd <= 0, and the
    solvers treat NaN as a huge residual and back off. Free AMP is AMP_T / (1 + m/Kd(MgAMP)):
    AMP binds one Mg²⁺ (science.md §2, eq. 2).

    Examples
    --------
    >>> mgatp, m, atp, amp = mg_species(1.0, 2.0, 0, 0, 0, 0.067, 0.71, 16.0, 5.5)
    >>> round(float(mgatp + atp), 12), round(float(mgatp + m), 12)
    (1.0, 2.0)
    """
    kds = [np.asarray(k, dtype=float) for k in (kd_mgatp_row, kd_mgadp, kd_mgamp, kd_mgpep)]
    if any(np.any(~(k > 0)) for k in kds):
        nan = np.full(np.broadcast(atp_total, mg_total, *kds).shape, np.nan)
        return nan, nan, nan, nan
    mgatp, mg_free, atp_free = mgatp_from_totals(
        atp_total,
        mg_total,
        adp_total=adp_total,
        amp_total=amp_total,
        pep_total=pep_total,
        kd_mgatp=kd_mgatp_row,
        kd_mgadp=kd_mgadp,
        kd_mgamp=kd_mgamp,
        kd_mgpep=kd_mgpep,
    )
    amp_free = np.asarray(amp_total, dtype=float) / (1.0 + mg_free / kd_mgamp)
    return mgatp, mg_free, atp_free, amp_free


def _read_only(arrays: tuple) -> bool:
    return all([isinstance(a, np.ndarray) and not a.flags.writeable for a in arrays])


class SpeciesCache:
    """Species by (inputs, Kd(MgATP)), least recently used first out; thread-safe.

    The key is a digest of the input arrays' bytes, shapes and the Kd, so equal inputs hit the
    cache whatever array objects carry them, and a changed array never does. Read-only arrays
    (a fit's inputs) are also found by identity, without hashing: they cannot change.
    """

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._store: OrderedDict[bytes, tuple[np.ndarray, ...]] = OrderedDict()
        self._by_identity: dict[tuple, tuple] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(data: Mapping[str, object], kd_mgatp) -> bytes:
        kd = np.ascontiguousarray(kd_mgatp, dtype=float)
        h = hashlib.blake2b(repr(kd.shape).encode() + kd.tobytes(), digest_size=20)
        for name in (*_TOTALS, *_AUXILIARY):
            arr = np.ascontiguousarray(data[name], dtype=float)
            h.update(repr(arr.shape).encode())
            h.update(arr.tobytes())
        return h.digest()

    def species(self, data: Mapping[str, object], kd_mgatp) -> dict[str, np.ndarray]:
        """``{"mgatp", "mg_free", "atp_free", "amp_free"}`` for the totals and constants in ``data``
        and Kd(MgATP) at the reference conditions (a number, or an array that broadcasts)."""
        arrays = tuple([data[n] for n in _KEYS])
        if type(kd_mgatp) is float:
            kd_key: tuple | None = (kd_mgatp,)
        else:
            kd = np.asarray(kd_mgatp, dtype=float)
            kd_key = (kd.shape, kd.tobytes()) if kd.size < 64 else None
        fast = (kd_key, tuple([id(a) for a in arrays])) if kd_key is not None else None
        if fast is not None:
            hit = self._by_identity.get(fast)
            if hit is not None and all([a is b for a, b in zip(hit[0], arrays)]) and _read_only(arrays):
                self.hits += 1
                return hit[1]
            if not _read_only(arrays):
                fast = None
        out = self._species(data, kd_mgatp)
        if fast is not None:
            with self._lock:
                self._by_identity[fast] = (arrays, out)
                while len(self._by_identity) > self.size:
                    self._by_identity.pop(next(iter(self._by_identity)))
        return out

    def _species(self, data: Mapping[str, object], kd_mgatp) -> dict[str, np.ndarray]:
        key = self._key(data, kd_mgatp)
        with self._lock:
            found = self._store.get(key)
            if found is not None:
                self._store.move_to_end(key)
                self.hits += 1
        if found is None:
            with np.errstate(all="ignore"):
                solved = mg_species(
                    *(data[n] for n in _TOTALS),
                    np.asarray(kd_mgatp, dtype=float) * np.asarray(data["kd_factor"], dtype=float),
                    *(data[n] for n in _AUXILIARY[1:]),
                )
            found = tuple(np.array(a, dtype=float) for a in solved)
            for arr in found:
                arr.setflags(write=False)
            with self._lock:
                self.misses += 1
                self._store[key] = found
                while len(self._store) > self.size:
                    self._store.popitem(last=False)
        return dict(zip(SPECIES, found, strict=True))

    def clear(self) -> None:
        """Forget every entry and reset the counters."""
        with self._lock:
            self._store.clear()
            self._by_identity.clear()
            self.hits = self.misses = 0


#: The one cache every composed law (and the Mg laws' starting-value rules) reads.
SPECIES_CACHE = SpeciesCache()


def species_kd_derivatives(data: Mapping[str, object], species: Mapping[str, np.ndarray], kd_mgatp) -> dict:
    """``∂species/∂Kd(MgATP)`` (Kd at the reference conditions) by implicit differentiation of the
    Mg mass balance ``Mg_T = m + Σ L_T·m/(K_L + m)`` (ATP, ADP, AMP, PEP, each binding one Mg²⁺).

    With K = Kd·kd_factor the row's MgATP Kd and m the free Mg:
    ``∂m/∂K = ([MgATP]/(K + m)) / (1 + Σ [L]/(K_L + m))`` ([L] free ligand),
    ``∂[MgATP]/∂K = ATP_T·(K·∂m/∂K − m)/(K + m)²``, ``∂[ATP]/∂K = −∂[MgATP]/∂K`` and
    ``∂[AMP]/∂K = −[AMP]/(K_AMP + m)·∂m/∂K``; each times kd_factor for the reference Kd.

    Examples
    --------
    >>> data = dict(atp_total=1.0, mg_total=2.0, adp_total=0.0, amp_total=0.5, pep_total=0.0,
    ...             kd_factor=1.0, kd_mgadp=0.71, kd_mgamp=16.2, kd_mgpep=5.5)
    >>> s = lambda kd: dict(zip(SPECIES, mg_species(*(data[n] for n in _TOTALS), kd, 0.71, 16.2, 5.5)))
    >>> d = species_kd_derivatives(data, s(0.067), 0.067)
    >>> step = (s(0.067 + 1e-6)["mgatp"] - s(0.067 - 1e-6)["mgatp"]) / 2e-6
    >>> bool(abs(d["mgatp"] - step) < 1e-8 * abs(step))
    True
    """
    factor = np.asarray(data["kd_factor"], dtype=float)
    k = np.asarray(kd_mgatp, dtype=float) * factor
    m, mgatp, atp_free = species["mg_free"], species["mgatp"], species["atp_free"]
    slope = 1.0 + atp_free / (k + m)  # ∂(bound Mg + free Mg)/∂m, ATP's share
    for total, kd_name in (("adp_total", "kd_mgadp"), ("amp_total", "kd_mgamp"), ("pep_total", "kd_mgpep")):
        kl = np.asarray(data[kd_name], dtype=float)
        free = np.asarray(data[total], dtype=float) * kl / (kl + m)
        slope = slope + free / (kl + m)
    dm = mgatp / (k + m) / slope
    atp_total = np.asarray(data["atp_total"], dtype=float)
    dmgatp = atp_total * (k * dm - m) / ((k + m) * (k + m))
    kd_amp = np.asarray(data["kd_mgamp"], dtype=float)
    damp = -species["amp_free"] / (kd_amp + m) * dm
    return {
        "mgatp": dmgatp * factor,
        "mg_free": dm * factor,
        "atp_free": -dmgatp * factor,
        "amp_free": damp * factor,
    }


def _partials_of(plain: Callable, partials: Callable | None, call: Mapping, names: Sequence[str]) -> dict:
    """``∂plain/∂name`` for ``names`` (parameters or species arguments): from ``partials``, or by a
    complex step on ``plain`` for each (exact to rounding; the plain law is pure numpy)."""
    if partials is not None:
        return partials(**call)
    out = {}
    for name in names:
        value = np.asarray(call[name], dtype=float)
        h = 1e-20 * np.where(value != 0, np.abs(value), 1.0)
        out[name] = np.imag(plain(**{**call, name: value + 1j * h})) / h
    return out


def speciated(
    plain: Callable,
    *,
    inputs: tuple[str, ...] = MM_INPUTS,
    partials: Callable | None = None,
    **species_of: str,
) -> Callable:
    """A law on totals from ``plain``, a law on species.

    Parameters
    ----------
    plain : callable
        ``plain(<species and data inputs>, **params)``; its arguments named in ``species_of`` receive
        species, those named in ``inputs`` (``enzyme``) receive the data, the rest are parameters.
    inputs : tuple of str
        The composed law's data inputs in call order (totals, enzyme, auxiliary constants).
    partials : callable, optional
        ``partials(**plain arguments) -> {argument: ∂v/∂argument}`` for every parameter and
        species argument of ``plain`` (:mod:`mgkinetics.laws.mg_partials`); without it the
        composed law's ``jacobian`` takes complex steps on ``plain``.
    **species_of : str
        Plain argument -> species (one of :data:`SPECIES`), ``substrate="mgatp"``.

    Returns
    -------
    callable
        ``f(*inputs, *params, kd_mgatp=0.067)`` with a matching ``__signature__``, and
        ``f.jacobian(*inputs, *params, kd_mgatp=..., wrt=names)``: the rows ``∂f/∂name``.

    Examples
    --------
    >>> def turnover(substrate, enzyme, kcat=1.0, km=0.1):
    ...     return kcat * enzyme * substrate / (km + substrate)
    >>> law = speciated(turnover, substrate="mgatp")
    >>> list(inspect.signature(law).parameters)[-3:]
    ['kcat', 'km', 'kd_mgatp']
    >>> v = law(1.0, 2.0, 1.0, 0, 0, 0, 1.0, 0.71, 16.2, 5.5, kcat=10.0, km=0.1)
    >>> round(float(v), 6) == round(10 * float(mg_species(1, 2, 0, 0, 0, .067, .71, 16.2, 5.5)[0]) /
    ...                             (0.1 + float(mg_species(1, 2, 0, 0, 0, .067, .71, 16.2, 5.5)[0])), 6)
    True
    """
    sig = inspect.signature(plain)
    unknown = sorted(set(species_of.values()) - set(SPECIES))
    missing = sorted(set(species_of) - set(sig.parameters))
    if unknown or missing:
        raise TypeError(f"speciated({plain.__name__}): unknown species {unknown} or arguments {missing}")
    passthrough = [n for n in sig.parameters if n in inputs and n not in species_of]
    params = [p for n, p in sig.parameters.items() if n not in species_of and n not in inputs]
    keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
    signature = inspect.Signature(
        [inspect.Parameter(n, keyword) for n in inputs]
        + [p.replace(kind=keyword) for p in params]
        + [inspect.Parameter("kd_mgatp", keyword, default=_KD_MGATP_DEFAULT)]
    )

    names = tuple(signature.parameters)
    defaults = {
        n: p.default for n, p in signature.parameters.items() if p.default is not inspect.Parameter.empty
    }

    every = set(names)
    species_items = tuple(species_of.items())
    param_names = tuple(p.name for p in params)

    def bound(args, kwargs) -> tuple[dict, dict, dict]:
        """The call's arguments by name, and the plain law's arguments (species from the cache)."""
        if len(args) > len(names) or (kwargs and not kwargs.keys().isdisjoint(names[: len(args)])):
            signature.bind(*args, **kwargs)  # raises the TypeError Python would
        values = dict(defaults)
        values.update(zip(names, args))
        values.update(kwargs)
        if values.keys() != every:
            signature.bind(*args, **kwargs)  # raises: missing or unknown arguments
        kd = values["kd_mgatp"]
        if type(kd) is not float and np.iscomplexobj(kd):  # the mass balance is solved in real numbers
            if np.any(np.imag(kd) != 0):
                raise TypeError("speciation takes a real Kd(MgATP); differentiate it by finite differences")
            kd = np.real(kd)
        species = SPECIES_CACHE.species(values, kd)
        call = {arg: species[name] for arg, name in species_items}
        for n in passthrough:
            call[n] = np.asarray(values[n], dtype=float)
        for n in param_names:
            call[n] = values[n]
        return values, species, call

    def law(*args, **kwargs):
        return plain(**bound(args, kwargs)[2])

    def jacobian(*args, wrt: Sequence[str], **kwargs) -> np.ndarray:
        """``∂v/∂name`` for each name in ``wrt`` (parameters of the plain law, ``kd_mgatp``), one row
        each: the plain law's partials (closed form when given, else complex steps on the plain
        law), Kd(MgATP) through the species (:func:`species_kd_derivatives`)."""
        values, species, call = bound(args, kwargs)
        needed = [n for n in wrt if n != "kd_mgatp"] + (list(species_of) if "kd_mgatp" in wrt else [])
        partial_of = _partials_of(plain, partials, call, needed)
        shape = np.broadcast(*(np.asarray(partial_of[n]) for n in needed)).shape if needed else ()
        rows = np.zeros((len(wrt), *shape))
        for i, name in enumerate(wrt):
            if name != "kd_mgatp":
                rows[i] = partial_of[name]
                continue
            dspecies = species_kd_derivatives(values, species, values["kd_mgatp"])
            for arg, species_name in species_of.items():
                rows[i] += partial_of[arg] * dspecies[species_name]
        return rows

    law.__signature__ = signature
    law.__name__ = law.__qualname__ = f"speciated_{plain.__name__}"
    law.__doc__ = (
        f"{plain.__doc__ or plain.__name__}\n\nSpeciated: "
        + ", ".join(f"{arg} = [{name}]" for arg, name in species_of.items())
        + " from the totals (mgkinetics.laws.speciated)."
    )
    law.plain = plain
    law.jacobian = jacobian
    law.species_of = dict(species_of)
    return law
