"""The builtins and methods a script may call, each refused *before* it runs if it would be slow or huge.

RestrictedPython decides what a script may reach; these guards decide how much one call may cost. Every
builtin and method that can make something big from something small works out the size first (see
sandbox_limits for the operators); methods can only be reached on a value, never through their type
(`list.extend(a, a)` would skip the guard on `a.extend`); loops and comprehensions go through at most
MAX_ITEMS items of any one iterable.
"""
from __future__ import annotations

from typing import Any

from RestrictedPython.Guards import full_write_guard, safer_getattr

from processes.engine.sandbox_limits import (_SIZED, MAX_ITEMS, MAX_TEXT_DIGITS, LimitExceeded, _check_pow,
                                             _too_big, compared, sized)

MAX_POW_MODULUS_BITS = 2048  # pow(b, e, m) costs about bits(e) * bits(m)**1.6: 2,048 bits take ~60 ms here


def guarded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_ITEMS:
        raise _too_big(f"a range of {len(result):,} numbers")
    return result


def guarded_pow(base, exponent, modulus=None):
    """pow(), refused first if the result is too big or, with a modulus, the numbers too long to be quick."""
    if modulus is None:
        _check_pow(base, exponent)
    elif max(_bits(exponent), _bits(modulus)) > MAX_POW_MODULUS_BITS:
        raise LimitExceeded(f"pow() with a modulus may use numbers of at most {MAX_POW_MODULUS_BITS:,} bits "
                            "(about 600 digits): a longer one takes minutes")
    return pow(base, exponent, modulus)


def _bits(value: Any) -> int:
    return abs(value).bit_length() if isinstance(value, int) else 0


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
    if isinstance(obj, type):
        # `list.extend(a, a)` or `str.join(s, parts)` would call the method with none of the guards below.
        kind = getattr(obj, "__name__", "type").removeprefix("guarded_")
        raise LimitExceeded(f"a method may not be reached through its type ({kind}.{name}): "
                            f"call it on a value, such as items.{name}(...)")
    return bounded_method(obj, name, safer_getattr(obj, name, default))


def bounded_method(obj: Any, name: str, value: Any) -> Any:
    """`value`, the attribute `name` of `obj`, or a guard in its place if it is a method that makes big things
    (also used by the message templates' sandbox)."""
    if isinstance(obj, (str, bytes)) and name in _TEXT_METHODS:
        return (_TEXT_METHODS[name] or (lambda _: _width_guard(value)))(obj)
    if isinstance(obj, list) and name == "extend":
        return _extend_guard(obj)
    if isinstance(obj, (list, tuple)) and name in ("sort", "index", "count", "remove"):
        compared(obj)  # each compares the items in C
    if isinstance(obj, (dict, set, frozenset)) and callable(value):
        return _measured_first(value)  # keys are hashed in C
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


class _GuardedDict:
    """What `d[key] = value` writes through for a dict: the key is measured before it is hashed."""

    def __init__(self, items: dict):
        self._items = items

    def __setitem__(self, key, value):
        self._items[compared(key)] = value

    def __delitem__(self, key):
        del self._items[compared(key)]


def guarded_getitem(obj: Any, key: Any) -> Any:
    """`obj[key]`: a dict hashes the key in C, so it is measured first (an index or a slice costs nothing)."""
    return obj[compared(key)]


def guarded_write(obj: Any) -> Any:
    if isinstance(obj, list):
        return _GuardedList(obj)
    return _GuardedDict(obj) if isinstance(obj, dict) else full_write_guard(obj)


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


class _LikeInt(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, int)

    def __subclasscheck__(cls, other):
        return issubclass(other, int)


class guarded_int(metaclass=_LikeInt):
    """`int(x)`, refusing text of more digits than Python converts quickly; `isinstance(v, int)` works."""

    def __new__(cls, *args):
        if args and isinstance(args[0], (str, bytes)) and len(args[0]) > MAX_TEXT_DIGITS + 100:
            raise LimitExceeded(f"int() may read a number of at most {MAX_TEXT_DIGITS:,} digits")
        return int(*args)


def guarded_iter(value: Any):
    """What `for` loops and comprehensions go through: at most MAX_ITEMS items of any one iterable."""
    if hasattr(value, "__len__") and len(value) <= MAX_ITEMS:
        return iter(value)  # a list can still grow while it is looped over: the step bound stops that
    return _counted(iter(value))


def _counted(items):
    for count, item in enumerate(items, 1):
        if count > MAX_ITEMS:
            raise _too_big(f"a loop over more than {MAX_ITEMS:,} items")
        yield item


def _measured_first(function):
    """sorted(), max(), min(), hash(), set(), dict(), frozenset() and the methods of dicts and sets compare or
    hash what they are given in C: measure it first (an iterator is read into a list to be measured)."""
    def measured(*args, **kwargs):
        args = [list(a) if hasattr(a, "__next__") else a for a in args]
        for arg in (*args, *kwargs.values()):
            compared(arg)
            if isinstance(arg, list):
                for item in arg:
                    compared(item)
        return function(*args, **kwargs)
    return measured


def _measured_type(kind: type) -> type:
    """`kind(...)` measured first, as a class: `isinstance(v, dict)` still works in scripts."""
    class LikeKind(type):
        def __instancecheck__(cls, obj):
            return isinstance(obj, kind)

        def __subclasscheck__(cls, other):
            return issubclass(other, kind)
    build = _measured_first(kind)
    return LikeKind(kind.__name__, (), {"__new__": lambda cls, *args, **kwargs: build(*args, **kwargs)})


LIMITED_BUILTINS = {**{f.__name__: _measured_first(f) for f in (sorted, max, min, hash)},
                    **{kind.__name__: _measured_type(kind) for kind in (set, frozenset, dict)},
                    "str": guarded_str, "repr": guarded_repr, "range": guarded_range, "pow": guarded_pow,
                    "bytes": guarded_bytes, "round": guarded_round, "sum": guarded_sum, "int": guarded_int}


