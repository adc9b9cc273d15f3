"""Stacked weighted residuals of one or several data sets, and their accurate Jacobian.

Used by :mod:`mgkinetics.fitting.engine`. ``theta`` is in solver coordinates: each varied key's
value divided by a power-of-two factor (1 for parameters of ordinary size, 2**k for one far from
unit size), so the product is exact. The Jacobian is by complex steps for the parameters the law
is complex-analytic in (checked against a Richardson-extrapolated central difference at the first
call of a solve), broadcast in one law call per data set where the law allows, and by Richardson
central differences for the others (a Kd that goes through the real-valued speciation solver).
"""

from __future__ import annotations

import math

import numpy as np

from mgkinetics.fitting.numerics import richardson_jacobian

__all__ = ["Stacked", "BIG"]

BIG = 1e100  # residual given to non-finite model values: huge, yet its square stays finite
_FAR = 30  # a parameter beyond 2**±30 is solved as value / 2**k (exact in floating point)


def _power_of_two(value: float, typical: float) -> float:
    """1, or the power of two nearest a parameter's size when that is beyond 2**±30."""
    size = abs(value) if value != 0 and math.isfinite(value) else abs(typical)
    if not size > 0 or not math.isfinite(size):
        return 1.0
    k = min(1023, max(-1022, round(math.log2(size))))  # 2**1024 overflows (a start near 1.8e308)
    return 2.0**k if abs(k) > _FAR else 1.0


def _frozen(values) -> np.ndarray:
    """A read-only copy: the inputs cannot change during a solve (so laws may cache on them)."""
    arr = np.array(values, dtype=float)
    arr.setflags(write=False)
    return arr


class Stacked:
    """Weighted residuals of every data set stacked, as functions of the varied keys.

    ``theta`` is in solver coordinates: each varied key's value divided by its power-of-two
    ``factor`` (1 for parameters of ordinary size), so the product is exact.
    """

    def __init__(self, problems, layout) -> None:
        """``layout``: an :class:`mgkinetics.fitting.engine.Layout`."""
        self.problems = list(problems)
        self.layout = layout
        self.varying = list(layout.varying)
        self.factor = np.array(
            [_power_of_two(layout.starts[k], layout.typical.get(k, 1.0)) for k in self.varying], dtype=float
        )
        self.calls = [
            (p.law, [_frozen(p.inputs[n]) for n in p.law.input_names], list(keys.items()), p.rate, p.weights)
            for p, keys in zip(self.problems, layout.keys, strict=True)
        ]
        sizes = [p.rate.size for p in self.problems]
        ends = np.cumsum([0, *sizes])
        self.slices = [slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:], strict=True)]
        self.size = int(ends[-1])
        # unit weights (an unweighted fit) need no multiplication: x * 1.0 == x exactly
        self.unit_weights = [bool(np.all(p.weights == 1.0)) for p in self.problems]
        rms = math.sqrt(float(np.mean(np.concatenate([p.weights * p.rate for p in problems]) ** 2)))
        self.scale = rms if math.isfinite(rms) and rms > 0 else 1.0
        typical = np.array([layout.typical.get(k, 1.0) for k in self.varying], dtype=float) / self.factor
        self._typ = typical
        self._step_at_zero = np.where(typical != 0, np.abs(typical), 1.0)  # steps of parameters at 0
        self.safe: np.ndarray | None = None  # parameters with complex-step derivatives (first call)
        self.vector: bool | None = None  # whether the law broadcasts parameter columns

    def values(self, theta) -> dict[str, float]:
        values = dict(self.layout.starts)
        external = (np.asarray(theta, dtype=float) * self.factor).tolist()
        values.update(zip(self.varying, external, strict=True))
        return values

    def raw(self, theta) -> np.ndarray:
        """``w·(f − y)`` over all sets, unscaled; non-finite model values give ``BIG``.

        Written set by set into one array (no per-set temporaries, no concatenation)."""
        values = self.values(theta)
        out = np.empty(self.size)
        for (law, args, keys, rate, weights), part, unit in zip(
            self.calls, self.slices, self.unit_weights, strict=True
        ):
            model = np.asarray(law.func(*args, **{name: values[key] for name, key in keys}), dtype=float)
            segment = out[part]
            np.subtract(model, rate, out=segment)
            if not unit:
                np.multiply(weights, segment, out=segment)
        if not np.isfinite(out).all():
            out[~np.isfinite(out)] = BIG
        return out

    def scaled(self, theta) -> np.ndarray:
        out = self.raw(theta)
        out /= self.scale
        return out

    def _typical(self) -> np.ndarray:
        return self._typ

    def _steps(self, theta: np.ndarray) -> np.ndarray:
        return 1e-20 * np.where(theta != 0, np.abs(theta), self._step_at_zero)

    def _trial_values(self, theta: np.ndarray) -> dict:
        return self.values(theta)

    def _complex_columns(self, theta: np.ndarray, idx: list[int]) -> np.ndarray:
        """One law call per data set: each parameter in ``idx`` that the set depends on a column of
        complex trial values (the j-th with its own imaginary step), the law broadcasting them to a
        (that many, n) block; the columns of the parameters a set does not depend on are zero."""
        h = self._steps(theta)[idx]
        step = 1j * h * self.factor[idx]
        base = self._trial_values(theta)
        names = [self.varying[j] for j in idx]
        jac = np.zeros((self.size, len(idx)))
        for (law, args, keys, _rate, weights), part in zip(self.calls, self.slices, strict=True):
            used = {key for _, key in keys}
            mine = [i for i, name in enumerate(names) if name in used]
            if not mine:  # this set does not depend on them
                continue
            trial = np.tile(np.array([base[names[i]] for i in mine], dtype=complex), (len(mine), 1))
            trial[np.diag_indices(len(mine))] += step[mine]
            column = {names[i]: trial[:, r : r + 1] for r, i in enumerate(mine)}
            model = np.asarray(law.func(*args, **{name: column.get(key, base[key]) for name, key in keys}))
            if not np.iscomplexobj(model) or model.shape != (len(mine), weights.size):
                raise ValueError("the law does not broadcast parameter columns")
            jac[part, mine] = (weights * model.imag).T / h[mine]
        return jac

    def _complex_loop(self, theta: np.ndarray, idx: list[int]) -> np.ndarray:
        """The same, one law call per parameter and data set (laws that do not broadcast)."""
        h = self._steps(theta)
        base = self._trial_values(theta)
        cols = []
        for j in idx:
            values = dict(base)
            values[self.varying[j]] = base[self.varying[j]] + 1j * h[j] * self.factor[j]
            parts = []
            for law, args, keys, _rate, weights in self.calls:
                if all(key != self.varying[j] for _, key in keys):  # this set does not depend on it
                    parts.append(np.zeros(weights.size))
                    continue
                model = np.asarray(law.func(*args, **{name: values[key] for name, key in keys}))
                if not np.iscomplexobj(model):
                    raise TypeError("the law drops the imaginary part")
                parts.append(weights * model.imag / h[j])
            cols.append(np.concatenate(parts) if len(parts) > 1 else parts[0])
        return np.column_stack(cols)

    def _complex_step(self, theta: np.ndarray, idx: list[int]) -> np.ndarray | None:
        """``∂(w·(f − y))/∂θ_idx`` by complex steps (exact to rounding), or None when the law is not
        complex-analytic in them (it drops the imaginary part, or fails)."""
        import warnings

        ways = ([self._complex_columns] if self.vector is not False else []) + [self._complex_loop]
        for way in ways:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", np.exceptions.ComplexWarning)
                    jac = way(theta, idx)
                    if way == self._complex_columns and self.vector is None:  # check broadcasting once
                        self.vector = bool(
                            np.allclose(jac, self._complex_loop(theta, idx), rtol=1e-12, atol=0)
                        )
            except (TypeError, ValueError, IndexError, ArithmeticError, np.exceptions.ComplexWarning):
                if way == self._complex_columns:
                    self.vector = False
                continue
            if way == self._complex_columns and not self.vector:
                continue
            return jac if np.all(np.isfinite(jac)) else None
        return None

    def _richardson(self, theta: np.ndarray, idx: list[int]) -> np.ndarray:
        def sub(part):
            full = theta.copy()
            full[idx] = part
            return self.raw(full)

        return richardson_jacobian(sub, theta[idx], typical=self._typical()[idx])

    def _verify(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """At the first call: which parameters have complex-step derivatives that agree with the
        Richardson Jacobian (``self.safe``); returns that Jacobian and the all-parameter complex-step
        one (None when it failed)."""
        k = theta.size
        rich = richardson_jacobian(self.raw, theta, typical=self._typical())
        top = np.max(np.abs(rich), axis=0) if rich.size else np.zeros(0)
        tol = 1e-6 * np.where(top > 0, top, 1.0)
        every = self._complex_step(theta, list(range(k)))
        if every is not None:  # one call for all; per parameter only when that fails
            self.safe = np.all(np.abs(every - rich) <= tol, axis=0)
            return rich, every
        self.safe = np.zeros(k, dtype=bool)
        for j in range(k):
            cs = self._complex_step(theta, [j])
            self.safe[j] = cs is not None and bool(np.all(np.abs(cs[:, 0] - rich[:, j]) <= tol[j]))
        return rich, None

    def _accurate(self, theta: np.ndarray) -> np.ndarray:
        """Complex steps for the parameters the law is complex-analytic in (checked against the
        Richardson Jacobian at the first call of a solve), Richardson for the others (a Kd that
        goes through the real-valued speciation solver, say). Every call, the first included,
        gives the Jacobian of that rule."""
        k = theta.size
        rich = None
        if self.safe is None:
            rich, every = self._verify(theta)
            if every is not None and self.safe.all():
                return np.ascontiguousarray(every)  # C order, as every Jacobian (BLAS rounds by layout)
        safe = [j for j in range(k) if self.safe[j]]
        rest = [j for j in range(k) if not self.safe[j]]
        cs = self._complex_step(theta, safe) if safe else None
        if safe and cs is None:
            rest, safe = list(range(k)), []
        if not rest:
            return np.ascontiguousarray(cs)
        jac = np.empty((sum(c[3].size for c in self.calls), k))
        if safe:
            jac[:, safe] = cs
        # Richardson columns depend on their own parameter only: the check's are these columns
        jac[:, rest] = rich[:, rest] if rich is not None else self._richardson(theta, rest)
        return jac

    def jacobian(self, theta, *, scaled: bool = True) -> np.ndarray:
        """The accurate Jacobian of the (scaled) residuals in solver coordinates."""
        jac = self._accurate(np.asarray(theta, dtype=float))
        if scaled:
            jac /= self.scale
        return jac
