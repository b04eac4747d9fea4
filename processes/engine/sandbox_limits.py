"""Time and memory bounds for the process owner's scripts, on top of RestrictedPython's guards.

RestrictedPython stops a script reaching what it should not; it does not stop a script that loops for
ever or asks for ten gigabytes. Three things do, all per evaluation and per thread (a web server's other
requests are not slowed or limited):

* a trace function on the script's own frames counts executed lines and checks a deadline;
* every operation that can make a big object from small inputs (`*`, `**`, `<<`, `+`, `%` on strings,
  `range`, `pow`, `bytes`, the padding, `replace`, `join` and `format` methods, slice assignment, ...)
  goes through a guard that works out the size *before* building it and refuses anything over
  MAX_ITEMS elements or MAX_INT_BITS bits;
* every few lines the process's resident memory is compared with what it was when the script started,
  which catches many small allocations that each passed the guards.

`try` statements are refused at compile time, so a script cannot catch the exception a limit raises and
carry on untraced (CPython turns tracing off once a trace function has raised).
"""
from __future__ import annotations

import ast
import os
import re
import sys
import time
from typing import Any

from RestrictedPython import RestrictingNodeTransformer


TIME_LIMIT_SECONDS = 1.0
MAX_STEPS = 200_000          # lines executed by one script or expression
MAX_ITEMS = 100_000          # characters, bytes or elements one operation may produce
MAX_INT_BITS = 64_000        # about 19,000 decimal digits
MAX_TEXT_DIGITS = 4_300      # digits of a number written as text or read from it (Python's own default)
MAX_DATA_ITEMS = 1_000_000   # characters and items in all the values a script leaves in task data
MAX_DEPTH = 500              # lists in lists: Python's own str() and json stop near 1,000
MEMORY_LIMIT_BYTES = 128 * 1024 * 1024  # growth of resident memory while one script runs
_MEMORY_EVERY = 16           # lines between memory checks (one pread of /proc/self/statm, about 1 µs)
FILENAME = "<diagram>"
# Names a script may not even mention (a clear refusal at deploy, not a NameError at run time). Other
# builtins that are not handed to scripts (type, object, input...) stay free as task data names.
FORBIDDEN_NAMES = {"getattr", "setattr", "delattr", "open", "exec", "eval", "compile", "globals", "locals",
                   "vars", "dir", "breakpoint"}
# Builtins RestrictedPython offers that scripts do not get: with them a script could raise past the bounds.
WITHHELD_BUILTINS = FORBIDDEN_NAMES | {"BaseException", "SystemExit", "KeyboardInterrupt", "GeneratorExit"}


class LimitExceeded(Exception):
    """A script went over its time or memory bound; the message says which and by how much."""


def _too_big(what: str) -> LimitExceeded:
    return LimitExceeded(f"the script tried to make {what}, more than the limit of {MAX_ITEMS:,} "
                         "characters or items")


# -- compile time ------------------------------------------------------------------------------
class LimitingTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy, plus: guarded size-amplifying operators, no `try`, no escape names."""

    GUARDED_OPS = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<", ast.Add: "+", ast.Mod: "%"}

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        symbol = self.GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(func=ast.Name("_binop_", ast.Load()),
                        args=[ast.Constant(symbol), node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_List(self, node):
        return self._display(self.node_contents_visit(node), "list")

    def visit_Tuple(self, node):
        return self._display(self.node_contents_visit(node), "tuple")

    def visit_Set(self, node):
        node = self.node_contents_visit(node)
        node.elts = [e if isinstance(e, ast.Starred) else _call("_compared_", e) for e in node.elts]
        return self._display(node, "set")

    def visit_Dict(self, node):
        """Keys are hashed in C: measured first, like what is compared."""
        node = self.node_contents_visit(node)
        node.keys = [k if k is None else _call("_compared_", k) for k in node.keys]
        return node

    def _display(self, node, kind: str):
        """`[*a, *a, ...]` builds one huge list in one line: count what the unpacked parts hold first."""
        if not isinstance(getattr(node, "ctx", ast.Load()), ast.Load) or \
                not any(isinstance(e, ast.Starred) for e in node.elts):
            return node
        parts = [ast.Tuple([ast.Constant(isinstance(e, ast.Starred)), e.value if isinstance(e, ast.Starred)
                            else e], ast.Load()) for e in node.elts]
        call = ast.Call(func=ast.Name("_display_", ast.Load()),
                        args=[ast.Constant(kind), ast.Tuple(parts, ast.Load())], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_Compare(self, node):
        """`a == b` on lists that share their parts compares every path through them, in one C call: each
        operand that is a container is measured first (its parts counted as often as they are reached)."""
        node = self.node_contents_visit(node)
        node.left = _call("_compared_", node.left)
        node.comparators = [_call("_compared_", c) for c in node.comparators]
        return node

    def visit_Try(self, node):
        self.error(node, "try statements are not allowed in diagram scripts")

    def visit_Name(self, node):
        if node.id in FORBIDDEN_NAMES:
            self.error(node, f"the name {node.id!r} is not allowed in diagram scripts")
        return super().visit_Name(node)

    def visit_FormattedValue(self, node):
        spec = node.format_spec
        if spec is not None:
            if any(isinstance(part, ast.FormattedValue) for part in spec.values):
                self.error(node, "a format width in an f-string must be a number, not an expression")
            else:
                _check_spec("".join(str(part.value) for part in spec.values))
        node = self.node_contents_visit(node)
        # A list of many references to one long string prints as something enormous: measure first.
        node.value = ast.fix_missing_locations(ast.copy_location(
            ast.Call(func=ast.Name("_sized_", ast.Load()), args=[node.value], keywords=[]), node.value))
        return node


def _call(name: str, value: ast.expr) -> ast.expr:
    return ast.fix_missing_locations(ast.copy_location(
        ast.Call(func=ast.Name(name, ast.Load()), args=[value], keywords=[]), value))


def _check_spec(spec: str) -> None:
    """Refuse a format specification whose width or precision is over the size limit."""
    if any(int(n) > MAX_ITEMS for n in re.findall(r"\d+", spec)):
        raise LimitExceeded(f"the format {spec!r} asks for more than {MAX_ITEMS:,} characters")


_CONTAINERS = (list, tuple, dict, set, frozenset)


def check_size(value: Any, limit: int = MAX_DATA_ITEMS, what: str = "a value") -> Any:
    """Refuse `value` if its strings and containers add up to more than `limit` characters and items, each
    part counted as often as it is reached (a list of 100,000 references to one long string prints as
    gigabytes)."""
    # Level by level, each container once per level with how many times it is reached, and the lengths of a
    # level's containers before any of their parts: a dict of long lists is refused after a few lists, lists
    # that share their halves forty levels deep in forty steps, a list that holds itself at MAX_DEPTH.
    if not isinstance(value, _CONTAINERS):
        total, level = _scalar_size(value, what), {}
    else:
        total, level = 0, {id(value): (value, 1)}
    for depth in range(MAX_DEPTH + 1):
        total += sum(len(item) * times for item, times in level.values())
        if total > limit:
            raise _over(what, limit)
        if not level:
            return value
        if depth == MAX_DEPTH:
            raise LimitExceeded(f"the script made {what} nested more than {MAX_DEPTH} deep (or in itself)")
        below: dict[int, tuple[Any, int]] = {}
        for item, times in level.values():
            for part in (*item.keys(), *item.values()) if isinstance(item, dict) else item:
                if isinstance(part, _CONTAINERS):
                    below[id(part)] = (part, below.get(id(part), (part, 0))[1] + times)
                else:
                    total += _scalar_size(part, what) * times
                    if total > limit:
                        raise _over(what, limit)
        level = below
    return value


def _over(what: str, limit: int) -> LimitExceeded:
    return LimitExceeded(f"the script made {what} of more than {limit:,} characters and items")


def _scalar_size(item: Any, what: str) -> int:
    if isinstance(item, (str, bytes)):
        return len(item)
    if isinstance(item, int) and item.bit_length() > _TEXT_BITS:
        # Python refuses to write it (sys.int_max_str_digits) with a message about sys: say it here.
        raise LimitExceeded(f"the script made {what} with a number of more than {MAX_TEXT_DIGITS:,} digits, "
                            "too long to write out")
    return 1


_TEXT_BITS = int(MAX_TEXT_DIGITS * 3.3219)  # bits in a number of MAX_TEXT_DIGITS digits


def compared(value: Any) -> Any:
    """A value about to be compared, hashed or sorted: a container whose parts, counted as often as they are
    reached, add up to more than MAX_ITEMS is refused, so the comparison cannot take exponential time."""
    if isinstance(value, _CONTAINERS):
        check_size(value, MAX_ITEMS, "a value to compare")
    return value


def sized(value: Any) -> Any:
    return check_size(value, what="text")


# -- run time: operators -----------------------------------------------------------------------
_SIZED = (str, bytes, list, tuple)


def _int_bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


def _check_mult(a: Any, b: Any) -> None:
    for seq, n in ((a, b), (b, a)):
        if isinstance(seq, _SIZED) and isinstance(n, int) and len(seq) * max(n, 0) > MAX_ITEMS:
            raise _too_big(f"a sequence of {len(seq) * n:,} items")
    if _int_bits(a) + _int_bits(b) > MAX_INT_BITS:
        raise LimitExceeded(f"the script tried to make a number of more than {MAX_INT_BITS:,} bits")


def _check_pow(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if _int_bits(base) * exponent > MAX_INT_BITS:
            raise LimitExceeded(f"the script tried to make a number of more than {MAX_INT_BITS:,} bits")


def _check_shift(a: Any, b: Any) -> None:
    if isinstance(a, int) and isinstance(b, int) and a and _int_bits(a) + b > MAX_INT_BITS:
        raise LimitExceeded(f"the script tried to make a number of more than {MAX_INT_BITS:,} bits")


def _check_add(a: Any, b: Any) -> None:
    if isinstance(a, _SIZED) and isinstance(b, _SIZED) and len(a) + len(b) > MAX_ITEMS:
        raise _too_big(f"a sequence of {len(a) + len(b):,} items")


def _check_mod(a: Any, b: Any) -> None:
    if isinstance(a, (str, bytes)):
        check_size(b, what="text")
        text = a.decode("latin-1") if isinstance(a, bytes) else a
        if re.search(r"%[-#0 +]*\*|%[-#0 +]*\d*\.\*", text):
            raise LimitExceeded("a % format may not take its width from the values (use a number)")
        for match in re.finditer(r"%[-#0 +]*(\d*)(?:\.(\d+))?", text):
            _check_spec(match.group(0)[1:])


def display(kind: str, parts: tuple) -> Any:
    """A list, tuple or set display with `*` parts, refused before it is built if it would be too long."""
    values = [list(v) if unpacked and not hasattr(v, "__len__") else v for unpacked, v in parts]
    total = sum(len(value) if unpacked else 1 for (unpacked, _), value in zip(parts, values))
    if total > MAX_ITEMS:
        raise _too_big(f"a {kind} of {total:,} items")
    items = []
    for (unpacked, _), value in zip(parts, values):
        items.extend(value) if unpacked else items.append(value)
    return {"list": list, "tuple": tuple, "set": set}[kind](items)


_CHECKS = {"*": _check_mult, "**": _check_pow, "<<": _check_shift, "+": _check_add, "%": _check_mod}
_OPS = {"*": lambda a, b: a * b, "**": lambda a, b: a ** b, "<<": lambda a, b: a << b,
        "+": lambda a, b: a + b, "%": lambda a, b: a % b}


def binop(symbol: str, a: Any, b: Any) -> Any:
    """`a <symbol> b`, refused before it is computed if the result would be too big."""
    _CHECKS[symbol](a, b)
    return _OPS[symbol](a, b)


def inplace(symbol: str, a: Any, b: Any) -> Any:
    """`a <symbol>= b` for a name, with the same checks as the plain operator."""
    op = symbol[:-1]
    if op in _CHECKS:
        return binop(op, a, b)
    return _PLAIN_INPLACE[op](a, b)


_PLAIN_INPLACE = {"-": lambda a, b: a - b, "/": lambda a, b: a / b, "//": lambda a, b: a // b,
                  "|": lambda a, b: a | b, "&": lambda a, b: a & b}


# -- run time: time, steps and memory ----------------------------------------------------------
try:
    _STATM = os.open("/proc/self/statm", os.O_RDONLY)  # kept open: a pread is far cheaper than an open
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (OSError, AttributeError, ValueError):
    _STATM = None  # not Linux: the size guards still apply


def _resident_bytes() -> int:
    if _STATM is None:
        return 0
    return int(os.pread(_STATM, 64, 0).split()[1]) * _PAGE


class Bounds:
    """A context manager that traces the script's frames and stops it at a time, step or memory bound."""

    def __init__(self, seconds: float | None = None, steps: int | None = None, memory: int | None = None,
                 filename: str = FILENAME, memory_every: int = _MEMORY_EVERY):
        self.filename = filename  # the frames traced: code compiled from the diagram (or a message template)
        self.memory_every = memory_every
        self.seconds = TIME_LIMIT_SECONDS if seconds is None else seconds
        self.max_steps = MAX_STEPS if steps is None else steps
        self.memory = MEMORY_LIMIT_BYTES if memory is None else memory

    def __enter__(self):
        self.steps, self.deadline = 0, time.monotonic() + self.seconds
        self.baseline = _resident_bytes()  # from the first line: a few big lines before a check count too
        self.previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc_info):
        sys.settrace(self.previous)
        return False

    def _call(self, frame, event, arg):
        # Only the script's own frames are traced line by line; our functions and the library's run free.
        return self._line if frame.f_code.co_filename == self.filename else None

    def _line(self, frame, event, arg):
        if event == "line":
            self.steps += 1
            if self.steps > self.max_steps:
                raise LimitExceeded(f"the script ran more than {self.max_steps:,} steps (an endless loop?)")
            if time.monotonic() > self.deadline:
                raise LimitExceeded(f"the script ran longer than {self.seconds:g} s (an endless loop?)")
            if self.steps % self.memory_every == 0:
                self._check_memory()
        return self._line

    def _check_memory(self):
        if _resident_bytes() - self.baseline > self.memory:
            raise LimitExceeded(f"the script used more than {self.memory // 2**20} MB of memory")
