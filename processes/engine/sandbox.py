"""Run the process owner's scripts and expressions under RestrictedPython.

Diagram scripts, gateway conditions and timer expressions are written by the process owner, not by
developers, so they are untrusted: no imports, no dunder attributes, no file or network access, and
only the functions we hand them.
"""
from __future__ import annotations

import ast
import operator
from functools import lru_cache
from typing import Any, Callable, Mapping

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from processes.engine import sandbox_calls as calls
from processes.engine import sandbox_limits as limits
from processes.engine.sandbox_limits import LimitExceeded, LimitingTransformer


class SandboxError(Exception):
    """A script or expression was refused by the sandbox."""


class ScriptLimitError(SandboxError):
    """A script or expression was stopped at its time or memory bound."""


_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "len", "list",
                 "max", "min", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip")
}
_BUILTINS = {**{k: v for k, v in safe_builtins.items() if k not in limits.WITHHELD_BUILTINS},
             **_EXTRA_BUILTINS, **calls.LIMITED_BUILTINS}

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "|=": operator.ior, "&=": operator.iand,
}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise SandboxError(f"the operator {op} is not allowed")
    return limits.inplace(op, x, y)


_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": calls.guarded_getattr,
    "_getitem_": calls.guarded_getitem,
    "_getiter_": calls.guarded_iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": calls.guarded_write,
    "_binop_": limits.binop,
    "_display_": limits.display,
    "_compared_": limits.compared,
    "_sized_": limits.sized,
    "_inplacevar_": _inplacevar,
}


@lru_cache(maxsize=1024)
def _compile(source: str, mode: str):
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise SandboxError(f"line {exc.lineno}: {exc.msg}") from exc
    if any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.walk(tree)):
        raise SandboxError("import statements are not allowed in diagram scripts")
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    try:
        result = compiler(source, filename=limits.FILENAME, policy=LimitingTransformer)
    except LimitExceeded as exc:  # a constant f-string width over the limit
        raise SandboxError(str(exc)) from exc
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


def check_source(source: str, mode: str = "exec") -> None:
    """Raise SandboxError if the sandbox would refuse this script ("exec") or expression ("eval")."""
    _compile(source, mode)


class _bounded(limits.Bounds):
    """The time, step and memory bounds, with a limit's exception turned into a ScriptLimitError."""

    def __exit__(self, kind, exc, tb):
        super().__exit__(kind, exc, tb)
        if isinstance(exc, LimitExceeded):
            raise ScriptLimitError(str(exc)) from exc
        return False


class Sandbox:
    """Evaluates expressions and runs scripts against task data with only `functions` in reach."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]):
        self.functions = dict(functions)

    def _globals(self, context: Mapping[str, Any]) -> dict[str, Any]:
        clash = set(self.functions) & set(context)
        if clash:
            raise SandboxError(f"task data may not use the names of functions: {', '.join(sorted(clash))}")
        return {**_GUARDS, **self.functions, **context}

    def evaluate(self, expression: str, context: Mapping[str, Any]) -> Any:
        code, scope = _compile(expression.strip(), "eval"), self._globals(context)
        with _bounded():
            return limits.check_size(eval(code, scope), what="a value")

    def execute(self, script: str, context: dict[str, Any]) -> None:
        """Run a script; names it assigns (not functions, not underscored) go back into `context`."""
        code, scope = _compile(script, "exec"), self._globals(context)
        with _bounded():
            exec(code, scope)
            limits.check_size({k: v for k, v in scope.items() if not k.startswith("_")
                               and k not in self.functions},
                              what="task data")
        for key in list(context):
            if key not in scope:
                del context[key]
        for key, value in scope.items():
            if key.startswith("_") or key in self.functions or callable(value):
                continue
            context[key] = value
