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
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from mgkinetics.errors import LawError
from mgkinetics.laws.declarations import InputSpec, ParamSpec, RateLaw

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_LITERAL_DIGITS",
    "MAX_LITERAL_MAGNITUDE",
    "parse_expression",
    "expression_constants",
    "expression_law",
]


def _fixed(func: Callable, arity: int) -> Callable:
    """``func`` called with exactly ``arity`` positional arrays: no ``out``, ``where`` or other
    keyword can reach it (a NumPy ufunc's second positional argument of a unary function is ``out``,
    which would write into the data)."""
    if arity == 1:
        return lambda a: func(a)
    return lambda a, b: func(a, b)


_UNARY_FUNCS = (
    "exp", "log", "log10", "log2", "log1p", "expm1", "sqrt", "abs", "sin", "cos", "tan",
    "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "square", "sign",
)  # fmt: skip
_BINARY_FUNCS = ("arctan2", "power", "minimum", "maximum", "hypot")
#: numpy functions an expression may call, by the name it uses: (wrapped function, arity).
FUNCTIONS: dict[str, tuple[Callable, int]] = {
    **{name: (_fixed(getattr(np, name), 1), 1) for name in _UNARY_FUNCS},
    **{name: (_fixed(getattr(np, name), 2), 2) for name in _BINARY_FUNCS},
    "ln": (_fixed(np.log, 1), 1),
}
#: Named constants.
CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
#: Longest expression accepted (guards the parser against pathological input).
MAX_LENGTH = 2000
#: Deepest nesting of operations accepted.
MAX_DEPTH = 60
#: Most significant digits a number may be written with, and its largest magnitude.
MAX_LITERAL_DIGITS = 20
MAX_LITERAL_MAGNITUDE = 1e100

_BINOPS: dict[type, Callable] = {
    ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
    ast.Pow: np.power,
}  # fmt: skip
_UNARY: dict[type, Callable] = {ast.USub: np.negative, ast.UAdd: np.positive}
_MODULES = ("np", "numpy")

Node = Callable[[dict], np.ndarray]


class _Const:
    """A constant sub-expression, folded when the tree is built (so ``10**10**10`` is refused
    before anything is fitted, and constants cost nothing per evaluation)."""

    def __init__(self, value: float):
        self.value = value

    def __call__(self, env: dict) -> float:
        return self.value


def _refuse(node: ast.AST, text: str, why: str, *, allowed: bool = True) -> LawError:
    snippet = ast.get_source_segment(text, node) or type(node).__name__
    what = f"expression '{text}': {why} ('{snippet}')"
    if allowed:
        what += "; allowed are numbers, names, + - * / **, parentheses and the functions "
        what += ", ".join(sorted(FUNCTIONS))
    return LawError(what)


def _function_name(node: ast.AST, text: str) -> str:
    """``exp`` or ``np.exp`` / ``numpy.exp`` -> ``exp``; anything else is refused."""
    if isinstance(node, ast.Name) and node.id in FUNCTIONS:
        return node.id
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in _MODULES
        and node.attr in FUNCTIONS
    ):
        return node.attr
    raise _refuse(node, text, "only calls of whitelisted numpy functions are allowed")


def _literal(node: ast.Constant, text: str) -> _Const:
    """A bounded number: at most MAX_LITERAL_DIGITS significant digits, magnitude within
    [1/MAX_LITERAL_MAGNITUDE, MAX_LITERAL_MAGNITUDE] (or zero)."""
    if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
        raise _refuse(node, text, "only numeric constants are allowed")
    written = (ast.get_source_segment(text, node) or "").lower().replace("_", "")
    if written[:2] in ("0x", "0o", "0b"):
        raise _refuse(node, text, "write numbers in decimal")
    mantissa = written.split("e")[0].replace(".", "").lstrip("0")
    if len(mantissa) > MAX_LITERAL_DIGITS:
        raise _refuse(node, text, f"numbers may have at most {MAX_LITERAL_DIGITS} digits", allowed=False)
    try:
        value = float(node.value)
    except OverflowError:
        value = float("inf")
    if value != 0 and not (1 / MAX_LITERAL_MAGNITUDE <= abs(value) <= MAX_LITERAL_MAGNITUDE):
        raise _refuse(node, text, "numbers must lie within 1e-100 .. 1e100 in magnitude", allowed=False)
    if value == 0 and mantissa.strip("0"):
        raise _refuse(node, text, "numbers must lie within 1e-100 .. 1e100 in magnitude", allowed=False)
    return _Const(value)


def _fold(parts: list[Node], op: Callable, node: ast.AST, text: str) -> Node | None:
    """The folded constant when every part is constant (refused when not finite), else None."""
    if not all(isinstance(p, _Const) for p in parts):
        return None
    with np.errstate(all="ignore"):
        try:
            value = float(op(*(p.value for p in parts)))
        except (OverflowError, ValueError, ZeroDivisionError):
            value = float("nan")
    if not np.isfinite(value):
        raise _refuse(node, text, "this constant part is not a finite number", allowed=False)
    return _Const(value)


def _build_name(node: ast.Name, text: str, names: list[str], constants: list[str]) -> Node:
    if node.id.startswith("_"):
        raise _refuse(node, text, "names may not start with an underscore")
    if node.id in CONSTANTS:
        if node.id not in constants:
            constants.append(node.id)
        return _Const(CONSTANTS[node.id])
    if node.id in FUNCTIONS or node.id in _MODULES:
        raise _refuse(node, text, f"'{node.id}' is a function, call it with parentheses")
    if node.id not in names:
        names.append(node.id)
    key = node.id
    return lambda env: env[key]


def _build(node: ast.AST, text: str, names: list[str], constants: list[str], depth: int = 0) -> Node:
    """Check one node and return a closure computing it from an environment of arrays."""
    if depth > MAX_DEPTH:
        raise LawError(f"expression '{text[:60]}...' is nested more than {MAX_DEPTH} levels deep")

    def sub(child: ast.AST) -> Node:
        return _build(child, text, names, constants, depth + 1)

    if isinstance(node, ast.Expression):
        return sub(node.body)
    if isinstance(node, ast.Constant):
        return _literal(node, text)
    if isinstance(node, ast.Name):
        return _build_name(node, text, names, constants)
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name) and node.value.id in _MODULES and node.attr in CONSTANTS:
            return _Const(CONSTANTS[node.attr])
        raise _refuse(node, text, "attribute access is not allowed")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = _BINOPS[type(node.op)]
        left, right = sub(node.left), sub(node.right)
        return _fold([left, right], op, node, text) or (lambda env: op(left(env), right(env)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        op1 = _UNARY[type(node.op)]
        operand = sub(node.operand)
        return _fold([operand], op1, node, text) or (lambda env: op1(operand(env)))
    if isinstance(node, ast.Call):
        fname = _function_name(node.func, text)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _refuse(node, text, "keyword and starred arguments are not allowed")
        func, arity = FUNCTIONS[fname]
        if len(node.args) != arity:
            raise _refuse(
                node,
                text,
                f"{fname}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)}",
            )
        args = [sub(a) for a in node.args]
        return _fold(args, func, node, text) or (lambda env: func(*(a(env) for a in args)))
    raise _refuse(node, text, f"{type(node).__name__} is not allowed")


def _body(text: str) -> str:
    body = text.strip()
    return body[5:].strip() if body.lower().startswith("expr:") else body


@lru_cache(maxsize=256)
def _parse(text: str) -> tuple[Node, tuple[str, ...], tuple[str, ...]]:
    body = _body(text)
    if not body:
        raise LawError("empty expression; write e.g. 'expr: vmax*S/(km + S)'")
    if len(body) > MAX_LENGTH:
        raise LawError(f"expression is {len(body)} characters long; the limit is {MAX_LENGTH}")
    try:
        tree = ast.parse(body, mode="eval")
    except SyntaxError as exc:
        raise LawError(f"expression '{body}' is not valid: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise LawError(f"expression '{body[:60]}...' is too deeply nested") from None
    except ValueError as exc:  # e.g. an integer literal of more than 4300 digits
        raise LawError(f"expression '{body[:60]}...' is not valid: {exc}") from None
    names: list[str] = []
    constants: list[str] = []
    try:
        evaluate = _build(tree, body, names, constants)
    except RecursionError:
        raise LawError(f"expression '{body[:60]}...' is too deeply nested") from None
    return evaluate, tuple(names), tuple(constants)


def parse_expression(text: str) -> tuple[Node, tuple[str, ...]]:
    """Check an expression and compile it to a numpy closure.

    Returns
    -------
    evaluate : callable
        ``evaluate({name: array_or_float}) -> array``.
    names : tuple of str
        Every variable name, in order of first appearance (named constants such as ``e`` and
        ``pi`` are not variables).

    Raises
    ------
    LawError
        For syntax errors, every construct outside the whitelist, a function called with the wrong
        number of arguments, a number outside the bounds and a constant part that is not finite;
        nothing is executed.

    Examples
    --------
    >>> f, names = parse_expression("vmax*S/(km + S)")
    >>> names, float(f({"vmax": 10.0, "S": 2.0, "km": 2.0}))
    (('vmax', 'S', 'km'), 5.0)
    """
    evaluate, names, _ = _parse(text)
    return evaluate, names


def expression_constants(text: str) -> tuple[str, ...]:
    """The named constants (``e``, ``pi``) an expression uses, in order of first appearance.

    Examples
    --------
    >>> expression_constants("a*exp(-x/e) + pi")
    ('e', 'pi')
    """
    return _parse(text)[2]


def _make_function(evaluate: Node, inputs: Sequence[str], params: Sequence[str], label: str):
    """A function with the explicit signature ``f(*inputs, *params)`` that lmfit and RateLaw read.

    Arrays reach the expression as read-only views: nothing in it can write into the caller's data.
    """
    sig = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in (*inputs, *params)]
    )

    def expression(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        env = {}
        for name, value in bound.arguments.items():
            arr = np.asarray(value, dtype=float)
            if arr.ndim:
                arr = arr.view()
                arr.flags.writeable = False
                env[name] = arr
            else:
                env[name] = float(arr)
        out = np.asarray(evaluate(env), dtype=float)
        if inputs and out.ndim == 0:  # constant expressions still give one value per row
            out = np.broadcast_to(out, np.broadcast(*(np.asarray(env[n]) for n in inputs)).shape)
        return np.array(out, dtype=float)  # a fresh, writable array

    expression.__signature__ = sig  # type: ignore[attr-defined]
    expression.__name__ = "expression"
    expression.__doc__ = f"User expression: {label}"
    return expression


@lru_cache(maxsize=256)
def _cached_law(text: str, params: tuple[str, ...] | None) -> RateLaw:
    evaluate, names, constants = _parse(text)
    body = _body(text)
    if params is None:
        raise LawError(
            f"expression '{body}': say which names are parameters by giving each a starting value "
            f"(--init NAME=VALUE, or init={{...}}); its names are {', '.join(names)}"
        )
    clash = [p for p in params if p in CONSTANTS]
    if clash:
        raise LawError(
            f"expression '{body}': '{clash[0]}' is the constant {CONSTANTS[clash[0]]:.6g}, not a "
            "parameter; give the parameter another name"
        )
    unknown = [p for p in params if p not in names]
    if unknown:
        raise LawError(
            f"expression '{body}' has no parameter '{unknown[0]}'; its names are " + ", ".join(names)
        )
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
        Names that are parameters; all other names are data columns (bound by
        :func:`mgkinetics.laws.expression_columns.bind_columns`).

    Raises
    ------
    LawError
        Unsafe or invalid text, no parameters named, a named parameter not in the expression or
        named like a constant.

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
