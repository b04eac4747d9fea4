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
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)


class SandboxError(Exception):
    """A script or expression was refused by the sandbox."""


_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "len", "list",
                 "max", "min", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip")
}
_BUILTINS = {**safe_builtins, **_EXTRA_BUILTINS}

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "|=": operator.ior, "&=": operator.iand,
}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    if op not in _INPLACE:
        raise SandboxError(f"the operator {op} is not allowed")
    return _INPLACE[op](x, y)


_GUARDS = {
    "__builtins__": _BUILTINS,
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
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
    result = compiler(source, filename="<diagram>")
    if result.errors:
        raise SandboxError("; ".join(result.errors))
    return result.code


def check_source(source: str, mode: str = "exec") -> None:
    """Raise SandboxError if the sandbox would refuse this script ("exec") or expression ("eval")."""
    _compile(source, mode)


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
        return eval(_compile(expression.strip(), "eval"), self._globals(context))

    def execute(self, script: str, context: dict[str, Any]) -> None:
        """Run a script; names it assigns (not functions, not underscored) go back into `context`."""
        scope = self._globals(context)
        exec(_compile(script, "exec"), scope)
        for key in list(context):
            if key not in scope:
                del context[key]
        for key, value in scope.items():
            if key.startswith("_") or key in self.functions or callable(value):
                continue
            context[key] = value
