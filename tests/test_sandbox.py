"""The process owner's scripts and expressions run in a sandbox."""
import re

import pytest

from processes.engine import BpmnError, WorkflowEngine, WorkflowError, sandbox_limits
from processes.engine.sandbox import Sandbox, SandboxError, ScriptLimitError, check_source

from .helpers.database import DATA

BOX = Sandbox({"double": lambda x: 2 * x})


@pytest.mark.parametrize("expression", [
    "__import__('os').system('echo pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "open('/etc/passwd').read()",
    "getattr(x, '__class__')",
    "eval('1+1')",
    "exec('x = 1')",
    "(lambda: 1).__globals__",
])
def test_hostile_expressions_are_refused(expression):
    with pytest.raises((SandboxError, NameError, TypeError, AttributeError)):
        BOX.evaluate(expression, {"x": 1})


def test_import_statement_is_refused():
    with pytest.raises(SandboxError, match="import"):
        BOX.execute("import os\nos.system('true')", {})


def test_scripts_see_task_data_and_given_functions_only():
    data = {"n": 3}
    BOX.execute("m = double(n) + 1\nitems = [i for i in range(m)]\nm += 1", data)
    assert data == {"n": 3, "m": 8, "items": list(range(7))}
    assert BOX.evaluate("n > 2 and 'x' in 'xyz'", data) is True


def test_task_data_may_not_shadow_a_function():
    with pytest.raises(SandboxError, match="double"):
        BOX.evaluate("1", {"double": 1})


def test_hostile_diagram_script_stops_the_run_with_a_clear_error():
    xml = (DATA / "mini.bpmn").read_bytes().replace(
        b"response_due = add_working_days(received_at, 2)", b"response_due = __import__('os').getcwd()")
    with pytest.raises(WorkflowError, match="__import__"):
        WorkflowEngine().start(xml, "mini", {"received_at": "2026-01-05T10:00:00+00:00"})


def test_xml_entities_are_not_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n    <!ENTITY c SYSTEM "file:///etc/passwd">]>'
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;&c;</bpmn:definitions>')
    with pytest.raises(BpmnError) as info:
        WorkflowEngine().process_ids(bomb)
    assert "root:" not in str(info.value)


def test_bad_xml_is_refused_with_its_line():
    with pytest.raises(BpmnError) as info:
        WorkflowEngine().process_ids(b"<bpmn:definitions xmlns:bpmn='x'>\n<oops>\n</bpmn:definitions>")
    assert info.value.line == 3
    assert "line 3" in str(info.value)


@pytest.mark.parametrize("script, reason", [
    ("x = 'a'\nwhile True:\n    x = x + x", "a sequence of 131,072 items"),
    ("x = [1]\nwhile True:\n    x[:0] = x", "a list of more items than allowed"),
    ("x = [1]\nwhile True:\n    x.extend(x)", "a list of 131,072 items"),
    ("x = 'ab'.ljust(10**10)", "a string of 10,000,000,000 characters"),
    ("x = 'ab' * 50000\ny = x.replace('a', x)", "more characters than allowed"),
    ("x = ','.join(['a' * 1000] * 1000)", "a joined string"),
    ("x = '%*d' % (10**10, 1)", "may not take its width from the values"),
    ("x = '%10000000000d' % 1", "asks for more than 100,000 characters"),
    ("x = (1).to_bytes(10**10, 'big')", "10,000,000,000 bytes"),
    ("x = bytes(10**10)", "10,000,000,000 bytes"),
    ("x = list(range(10**9))", "a range of 1,000,000,000 numbers"),
    ("x = sum([[0] * 1000] * 1000, [])", "sum() adds numbers only"),
    ("x = 2 << 10**9", "more than 64,000 bits"),
    ("x = pow(10, 10**10)", "more than 64,000 bits"),
    ("x = round(5, -10**10)", "at most 1,000 digits"),
    ("x = str(['a' * 100000] * 100000)", "text of more than 1,000,000"),
    ("x = ['a' * 100000] * 100000", "task data of more than 1,000,000"),
    ("x = []\nfor i in range(100000):\n    x.append('a' * 99000 + str(i))", "more than 128 MB of memory"),
])
def test_size_bounds_stop_scripts_before_they_allocate(script, reason):
    with pytest.raises(ScriptLimitError, match=re.escape(reason)):
        BOX.execute(script, {})


def test_the_time_bound_stops_a_slow_script(monkeypatch):
    monkeypatch.setattr(sandbox_limits, "TIME_LIMIT_SECONDS", 0.05)
    with pytest.raises(ScriptLimitError, match=r"ran longer than 0.05 s"):
        BOX.execute("n = 0\nwhile True:\n    n = n + 1", {})


@pytest.mark.parametrize("source", ["x = f'{1:>{10**10}}'", "x = f'{1:>10000000000}'",
                                    "try:\n    x = 1\nfinally:\n    x = 2"])
def test_unbounded_forms_are_refused_before_running(source):
    with pytest.raises(SandboxError):
        check_source(source)


def test_task_data_may_use_names_of_builtins_scripts_do_not_get():
    data = {"type": "complaint", "property": "12 High Street"}
    BOX.execute("where = property + ' (' + type + ')'", data)
    assert data["where"] == "12 High Street (complaint)"
    with pytest.raises(NameError):
        BOX.evaluate("type(1)", {})


def test_ordinary_scripts_are_untouched_by_the_bounds():
    data = {"n": 3, "names": ["a", "b"]}
    BOX.execute("s = 'x' * 3 + f'{n:>5}' + '%d' % n + ', '.join(names)\nok = isinstance(s, str)\n"
                "big = sum(i * i for i in range(1000))\nn += 2 ** 10", data)
    assert (data["s"] == "xxx    33a, b" and data["ok"] is True and data["big"] == 332833500
            and data["n"] == 1027)
