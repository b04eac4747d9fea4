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
from RestrictedPython.Guards import full_write_guard, safer_getattr

TIME_LIMIT_SECONDS = 1.0
MAX_STEPS = 200_000          # lines executed by one script or expression
MAX_ITEMS = 100_000          # characters, bytes or elements one operation may produce
MAX_INT_BITS = 64_000        # about 19,000 decimal digits
MAX_DATA_ITEMS = 1_000_000   # characters and items in all the values a script leaves in task data
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


def _check_spec(spec: str) -> None:
    """Refuse a format specification whose width or precision is over the size limit."""
    if any(int(n) > MAX_ITEMS for n in re.findall(r"\d+", spec)):
        raise LimitExceeded(f"the format {spec!r} asks for more than {MAX_ITEMS:,} characters")


def check_size(value: Any, limit: int = MAX_DATA_ITEMS, what: str = "a value") -> Any:
    """Refuse `value` if its strings and containers add up to more than `limit` characters and items."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
            total += len(item)
        else:
            total += 1
        if total > limit:
            raise LimitExceeded(f"the script made {what} of more than {limit:,} characters and items")
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


# -- run time: builtins and methods ------------------------------------------------------------
def guarded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_ITEMS:
        raise _too_big(f"a range of {len(result):,} numbers")
    return result


def guarded_pow(base, exponent, modulus=None):
    if modulus is None:
        _check_pow(base, exponent)
    return pow(base, exponent, modulus)


def guarded_bytes(source=b"", *args):
    if isinstance(source, int) and source > MAX_ITEMS:
        raise _too_big(f"{source:,} bytes")
    return bytes(source, *args)


def guarded_round(number, ndigits=None):
    if ndigits is not None and abs(ndigits) > 1000:
        raise LimitExceeded("round() may keep at most 1,000 digits")
    return round(number, ndigits) if ndigits is not None else round(number)


def guarded_sum(values, start=0):
    if not isinstance(start, (int, float)):
        raise LimitExceeded("sum() adds numbers only; join strings or lists with join() or +")
    return sum(values, start)


def _width_guard(method):
    def padded(width, *rest):
        if width > MAX_ITEMS:
            raise _too_big(f"a string of {width:,} characters")
        return method(width, *rest)
    return padded


def _replace_guard(text):
    def replace(old, new, count=-1):
        times = text.count(old) if count < 0 else min(count, text.count(old))
        if old == text[:0]:
            times = len(text) + 1
        if len(text) + times * (len(new) - len(old)) > MAX_ITEMS:
            raise _too_big("a string of more characters than allowed")
        return text.replace(old, new, count)
    return replace


def _join_guard(separator):
    def join(parts):
        parts = list(parts)
        if sum(len(p) for p in parts if isinstance(p, _SIZED)) + len(separator) * len(parts) > MAX_ITEMS:
            raise _too_big("a joined string of more characters than allowed")
        return separator.join(parts)
    return join


def _tabs_guard(text):
    def expandtabs(tabsize=8):
        if len(text) * max(tabsize, 1) > MAX_ITEMS and "\t" in text:
            raise _too_big("a string of more characters than allowed")
        return text.expandtabs(tabsize)
    return expandtabs


def _translate_guard(text):
    def translate(table):
        longest = max((len(v) for v in table.values() if isinstance(v, str)), default=1) \
            if isinstance(table, dict) else 1
        if len(text) * longest > MAX_ITEMS:
            raise _too_big("a string of more characters than allowed")
        return text.translate(table)
    return translate


def _extend_guard(items):
    def extend(more):
        more = list(more)
        if len(items) + len(more) > MAX_ITEMS:
            raise _too_big(f"a list of {len(items) + len(more):,} items")
        items.extend(more)
    return extend


def _to_bytes_guard(number):
    def to_bytes(length=1, *args, **kwargs):
        if length > MAX_ITEMS:
            raise _too_big(f"{length:,} bytes")
        return number.to_bytes(length, *args, **kwargs)
    return to_bytes


_TEXT_METHODS = {"ljust": None, "rjust": None, "center": None, "zfill": None, "replace": _replace_guard,
                 "join": _join_guard, "expandtabs": _tabs_guard, "translate": _translate_guard}


def guarded_getattr(obj: Any, name: str, default: Any = None) -> Any:
    """RestrictedPython's attribute guard, with size checks on the methods that can make big objects."""
    value = safer_getattr(obj, name, default)
    if isinstance(obj, (str, bytes)) and name in _TEXT_METHODS:
        return (_TEXT_METHODS[name] or (lambda _: _width_guard(value)))(obj)
    if isinstance(obj, list) and name == "extend":
        return _extend_guard(obj)
    if isinstance(obj, int) and name == "to_bytes":
        return _to_bytes_guard(obj)
    return value


class _GuardedList:
    """What `x[a:b] = y` writes through for a list: the new length is checked first."""

    def __init__(self, items: list):
        self._items = items

    def __setitem__(self, key, value):
        if isinstance(key, slice):
            value = list(value)
            removed = len(range(*key.indices(len(self._items))))
            if len(self._items) - removed + len(value) > MAX_ITEMS:
                raise _too_big("a list of more items than allowed")
        self._items[key] = value

    def __delitem__(self, key):
        del self._items[key]


def guarded_write(obj: Any) -> Any:
    return _GuardedList(obj) if isinstance(obj, list) else full_write_guard(obj)


class _LikeStr(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, str)

    def __subclasscheck__(cls, other):
        return issubclass(other, str)


class guarded_str(metaclass=_LikeStr):
    """`str(x)` after measuring x; `isinstance(v, str)` still works in scripts."""

    def __new__(cls, *args):
        return str(*(sized(a) for a in args[:1]), *args[1:])


def guarded_repr(value):
    return repr(sized(value))


LIMITED_BUILTINS = {"str": guarded_str, "repr": guarded_repr, "range": guarded_range, "pow": guarded_pow,
                    "bytes": guarded_bytes, "round": guarded_round, "sum": guarded_sum}


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

    def __init__(self, seconds: float | None = None, steps: int | None = None, memory: int | None = None):
        self.seconds = TIME_LIMIT_SECONDS if seconds is None else seconds
        self.max_steps = MAX_STEPS if steps is None else steps
        self.memory = MEMORY_LIMIT_BYTES if memory is None else memory

    def __enter__(self):
        self.steps, self.deadline = 0, time.monotonic() + self.seconds
        self.baseline = None  # read at the first memory check: most scripts finish before it
        self.previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc_info):
        sys.settrace(self.previous)
        return False

    def _call(self, frame, event, arg):
        # Only the script's own frames are traced line by line; our functions and the library's run free.
        return self._line if frame.f_code.co_filename == FILENAME else None

    def _line(self, frame, event, arg):
        if event == "line":
            self.steps += 1
            if self.steps > self.max_steps:
                raise LimitExceeded(f"the script ran more than {self.max_steps:,} steps (an endless loop?)")
            if time.monotonic() > self.deadline:
                raise LimitExceeded(f"the script ran longer than {self.seconds:g} s (an endless loop?)")
            if self.steps % _MEMORY_EVERY == 0:
                self._check_memory()
        return self._line

    def _check_memory(self):
        resident = _resident_bytes()
        if self.baseline is None:
            self.baseline = resident
        elif resident - self.baseline > self.memory:
            raise LimitExceeded(f"the script used more than {self.memory // 2**20} MB of memory")
