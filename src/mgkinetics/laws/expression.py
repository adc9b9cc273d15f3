"""User-defined equations, evaluated safely: ``--law 'expr: vmax*S/(km + S)'``.

The text is parsed with :mod:`ast` and every node is checked against a whitelist: numbers, names,
``+ - * / **``, unary minus, parentheses and calls of a few numpy functions (``exp(x)``,
``np.exp(x)`` or ``numpy.exp(x)``). The checked tree is then turned into a tree of small numpy
closures; user text never reaches :func:`eval`, :func:`exec` or :func:`compile`, so attribute
access, imports, lambdas, comprehensions, subscripts and keyword arguments are refused before
anything runs.

Which names are parameters? Those the caller names (``params=``, from ``--init`` and ``--fix``);
every other name is a data column (an *input*), matched to a column of that name with or without a
unit suffix. Parameters are reported in the unit ``unspecified``: an arbitrary equation does not
say what unit its constants carry.
"""

from __future__ import annotations

import ast
import inspect
import keyword
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from mgkinetics.errors import LawError
from mgkinetics.laws.declarations import InputSpec, ParamSpec, RateLaw

__all__ = ["FUNCTIONS", "CONSTANTS", "parse_expression", "expression_law", "MAX_LENGTH"]

#: numpy functions an expression may call, by the name it uses.
FUNCTIONS: dict[str, Callable] = {
    name: getattr(np, name)
    for name in (
        "exp", "log", "log10", "log2", "log1p", "expm1", "sqrt", "abs", "sin", "cos", "tan",
        "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "arctan2", "power", "minimum",
        "maximum", "square", "sign", "hypot",
    )
}
FUNCTIONS["ln"] = np.log
#: Named constants.
CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
#: Longest expression accepted (guards the parser against pathological input).
MAX_LENGTH = 2000

_BINOPS: dict[type, Callable] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
    ast.Pow: np.power,
}
_UNARY: dict[type, Callable] = {ast.USub: np.negative, ast.UAdd: np.positive}
_MODULES = ("np", "numpy")

Node = Callable[[dict], np.ndarray]


def _refuse(node: ast.AST, text: str, why: str) -> LawError:
    snippet = ast.get_source_segment(text, node) or type(node).__name__
    return LawError(f"expression '{text}': {why} ('{snippet}'); allowed are numbers, names, "
                    "+ - * / **, parentheses and the functions " + ", ".join(sorted(FUNCTIONS)))


def _function_name(node: ast.AST, text: str) -> str:
    """``exp`` or ``np.exp`` / ``numpy.exp`` -> ``exp``; anything else is refused."""
    if isinstance(node, ast.Name) and node.id in FUNCTIONS:
        return node.id
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id in _MODULES and node.attr in FUNCTIONS):
        return node.attr
    raise _refuse(node, text, "only calls of whitelisted numpy functions are allowed")


def _build(node: ast.AST, text: str, names: list[str]) -> Node:
    """Check one node and return a closure computing it from an environment of arrays."""
    if isinstance(node, ast.Expression):
        return _build(node.body, text, names)
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _refuse(node, text, "only numeric constants are allowed")
        value = float(node.value)  # floats, so 9**9**9 overflows to inf instead of hanging
        return lambda env: value
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise _refuse(node, text, "names may not start with an underscore")
        if node.id in CONSTANTS and node.id not in names:
            value = CONSTANTS[node.id]
            return lambda env: value
        if node.id in FUNCTIONS or node.id in _MODULES:
            raise _refuse(node, text, f"'{node.id}' is a function, call it with parentheses")
        if node.id not in names:
            names.append(node.id)
        key = node.id
        return lambda env: env[key]
    if isinstance(node, ast.Attribute):
        if (isinstance(node.value, ast.Name) and node.value.id in _MODULES
                and node.attr in CONSTANTS):
            value = CONSTANTS[node.attr]
            return lambda env: value
        raise _refuse(node, text, "attribute access is not allowed")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left, right = _build(node.left, text, names), _build(node.right, text, names)
        return lambda env: op(left(env), right(env))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        op = _UNARY[type(node.op)]
        operand = _build(node.operand, text, names)
        return lambda env: op(operand(env))
    if isinstance(node, ast.Call):
        fname = _function_name(node.func, text)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse(node, text, "keyword and starred arguments are not allowed")
        if not node.args:
            raise _refuse(node, text, f"{fname}() needs an argument")
        func = FUNCTIONS[fname]
        args = [_build(a, text, names) for a in node.args]
        return lambda env: func(*(a(env) for a in args))
    raise _refuse(node, text, f"{type(node).__name__} is not allowed")


def parse_expression(text: str) -> tuple[Node, tuple[str, ...]]:
    """Check an expression and compile it to a numpy closure.

    Returns
    -------
    evaluate : callable
        ``evaluate({name: array_or_float}) -> array``.
    names : tuple of str
        Every variable name, in order of first appearance.

    Raises
    ------
    LawError
        For syntax errors and every construct outside the whitelist; nothing is executed.

    Examples
    --------
    >>> f, names = parse_expression("vmax*S/(km + S)")
    >>> names, float(f({"vmax": 10.0, "S": 2.0, "km": 2.0}))
    (('vmax', 'S', 'km'), 5.0)
    """
    body = text.strip()
    if body.lower().startswith("expr:"):
        body = body[5:].strip()
    if not body:
        raise LawError("empty expression; write e.g. 'expr: vmax*S/(km + S)'")
    if len(body) > MAX_LENGTH:
        raise LawError(f"expression is {len(body)} characters long; the limit is {MAX_LENGTH}")
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        raise LawError(f"expression '{body}' is not valid: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise LawError(f"expression '{body[:60]}...' is too deeply nested") from None
    names: list[str] = []
    try:
        evaluate = _build(tree, body, names)
    except RecursionError:
        raise LawError(f"expression '{body[:60]}...' is too deeply nested") from None
    return evaluate, tuple(names)


def _make_function(evaluate: Node, inputs: Sequence[str], params: Sequence[str], label: str):
    """A function with the explicit signature ``f(*inputs, *params)`` that lmfit and RateLaw read."""
    sig = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in (*inputs, *params)]
    )

    def expression(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        env = {}
        for name, value in bound.arguments.items():
            arr = np.asarray(value, dtype=float)
            env[name] = arr if arr.ndim else float(arr)
        out = np.asarray(evaluate(env), dtype=float)
        if inputs and out.ndim == 0:  # constant expressions still give one value per row
            out = np.broadcast_to(out, np.broadcast(*(np.asarray(env[n]) for n in inputs)).shape).copy()
        return out

    expression.__signature__ = sig  # type: ignore[attr-defined]
    expression.__name__ = "expression"
    expression.__doc__ = f"User expression: {label}"
    return expression


@lru_cache(maxsize=256)
def _cached_law(text: str, params: tuple[str, ...] | None) -> RateLaw:
    evaluate, names = parse_expression(text)
    body = text.strip()[5:].strip() if text.strip().lower().startswith("expr:") else text.strip()
    if params is None:
        raise LawError(
            f"expression '{body}': say which names are parameters by giving each a starting value "
            f"(--init NAME=VALUE, or init={{...}}); its names are {', '.join(names)}"
        )
    unknown = [p for p in params if p not in names]
    if unknown:
        raise LawError(f"expression '{body}' has no parameter '{unknown[0]}'; its names are "
                       + ", ".join(names))
    bad = [n for n in names if keyword.iskeyword(n)]
    if bad:  # pragma: no cover - ast refuses keywords as names already
        raise LawError(f"expression '{body}': '{bad[0]}' is a Python keyword")
    pset = set(params)
    param_names = [n for n in names if n in pset]
    inputs = [n for n in names if n not in pset]
    if not inputs:
        raise LawError(f"expression '{body}' uses no data column: every name is a parameter")
    func = _make_function(evaluate, inputs, param_names, body)
    return RateLaw(
        name=f"expr: {body}",
        func=func,
        inputs=tuple(InputSpec(n, aliases=(n.lower(),), description=f"column '{n}'") for n in inputs),
        params=tuple(ParamSpec(n, "unspecified", description="expression parameter") for n in param_names),
        formula=f"y = {body}",
        description="user expression",
        units_optional=True,
    )


def expression_law(text: str, *, params: Sequence[str] | None = None) -> RateLaw:
    """Build a :class:`~mgkinetics.laws.registry.RateLaw` from ``'expr: ...'`` text.

    Parameters
    ----------
    text : str
        The equation's right-hand side, optionally prefixed with ``expr:``.
    params : sequence of str
        Names that are parameters; all other names are data columns.

    Raises
    ------
    LawError
        Unsafe or invalid text, no parameters named, a named parameter not in the expression.

    Examples
    --------
    >>> law = expression_law("expr: vmax*S/(km + S)", params=["vmax", "km"])
    >>> law.input_names, law.param_names
    (('S',), ('vmax', 'km'))
    >>> float(law.evaluate({"S": 2.0}, {"vmax": 10.0, "km": 2.0}))
    5.0
    """
    key = None if params is None else tuple(sorted(set(params)))
    return _cached_law(text.strip(), key)
