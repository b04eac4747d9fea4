"""Jinja's sandbox for the process owner's message templates, with the bounds of the script sandbox.

Jinja's SandboxedEnvironment stops a template reaching what it should not; like RestrictedPython it does
not stop one that loops for ever or asks for ten gigabytes (`{{ 'a' * 10**10 }}`, `range` loops inside
`range` loops, `|center(10**10)`). Here the same guards as the scripts' apply: operators, concatenation
and the methods and filters that make big strings work out the size first; `range` is capped; each render
is traced for steps, time and memory like a script; and what it writes is cut off at MAX_MESSAGE_CHARS.
"""
from __future__ import annotations

from typing import Any

from jinja2 import pass_environment
from jinja2.compiler import CodeGenerator
from jinja2.defaults import DEFAULT_FILTERS as _FILTERS  # Jinja's own: the bounded ones call them
from jinja2.filters import sync_do_slice
from jinja2.sandbox import SandboxedEnvironment

from processes.engine.sandbox_calls import _join_guard, _replace_guard, bounded_method, guarded_range
from processes.engine.sandbox_limits import MAX_ITEMS, Bounds, LimitExceeded, _too_big, binop, check_size

MAX_MESSAGE_CHARS = 100_000  # a subject or body: far more than any letter
TEMPLATE_FILENAME = "<template>"  # what Jinja names code compiled from a string: the frames traced


class _BoundedCodeGenerator(CodeGenerator):
    """Template code whose `~` goes through the environment, which measures the parts first."""

    def visit_Concat(self, node, frame):
        self.write("environment.concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _width(limit_of: str, width: Any) -> None:
    if isinstance(width, int) and width > MAX_ITEMS:
        raise _too_big(f"{limit_of} of {width:,} characters")


def _center(value, width=80):
    _width("a centred string", width)
    return str(value).center(width)


def _indent(value, width=4, first=False, blank=False):
    _width("an indent", width if isinstance(width, int) else len(width))
    lines = str(value).count("\n") + 1
    if lines * (width if isinstance(width, int) else len(width)) + len(str(value)) > MAX_ITEMS:
        raise _too_big("an indented text of more characters than allowed")
    return _FILTERS["indent"](value, width, first, blank)


def _counted(name: str, original):
    """|batch(n) and |slice(n) make n groups, padded: refuse n over the limit."""
    def bounded(value, count, *args, **kwargs):
        if isinstance(count, int) and count > MAX_ITEMS:
            raise _too_big(f"{count:,} groups (|{name})")
        return original(value, count, *args, **kwargs)
    return bounded


@pass_environment
def _wordwrap(environment, value, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True):
    text, wrap = str(value), wrapstring or "\n"
    if len(text) + (len(text) // max(int(width), 1) + 1) * len(wrap) > MAX_ITEMS:
        raise _too_big("a wrapped text of more characters than allowed")
    return _FILTERS["wordwrap"](environment, value, width, break_long_words, wrapstring, break_on_hyphens)


def _format(value, *args, **kwargs):
    return binop("%", str(value), kwargs or args)


def _join(value, d="", attribute=None):
    items = [item[attribute] if attribute is not None else item for item in value]
    return _join_guard(str(d))([str(check_size(i, MAX_ITEMS, "text")) for i in items])


def _replace(value, old, new, count=None):
    return _replace_guard(str(value))(str(old), str(new), -1 if count is None else count)


class BoundedEnvironment(SandboxedEnvironment):
    """SandboxedEnvironment with size checks before the operations that can make something huge."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset(["*", "**", "+", "%"])

    def __init__(self, **options):
        super().__init__(finalize=lambda value: check_size(value, MAX_ITEMS, "text"), **options)
        self.globals["range"] = guarded_range
        self.filters.update(center=_center, indent=_indent, wordwrap=_wordwrap, format=_format, join=_join,
                            replace=_replace, batch=_counted("batch", _FILTERS["batch"]),
                            slice=_counted("slice", sync_do_slice))

    def call_binop(self, context, operator, left, right):
        return binop(operator, left, right)

    def getattr(self, obj, attribute):
        return bounded_method(obj, attribute, super().getattr(obj, attribute))

    def concat(self, parts):
        parts = [str(check_size(part, MAX_ITEMS, "text")) for part in parts]
        if sum(map(len, parts)) > MAX_ITEMS:
            raise _too_big("a joined string of more characters than allowed")
        return "".join(parts)



def render_bounded(template, context) -> str:
    """Render within the scripts' step, time and memory bounds, and at most MAX_MESSAGE_CHARS characters."""
    written, size = [], 0
    with Bounds(filename=TEMPLATE_FILENAME, memory_every=1):
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_MESSAGE_CHARS:
                raise LimitExceeded(f"the message would be longer than {MAX_MESSAGE_CHARS:,} characters")
            written.append(chunk)
    return "".join(written)
