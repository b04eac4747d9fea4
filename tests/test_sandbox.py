"""The process owner's scripts and expressions run in a sandbox."""
import pytest

from processes.engine import BpmnError, WorkflowEngine, WorkflowError
from processes.sandbox import Sandbox, SandboxError

from .conftest import DATA

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
    bomb = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
    <!ENTITY c SYSTEM "file:///etc/passwd">]><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;&c;</bpmn:definitions>"""
    with pytest.raises(BpmnError) as info:
        WorkflowEngine().process_ids(bomb)
    assert "root:" not in str(info.value)


def test_bad_xml_is_refused_with_its_line():
    with pytest.raises(BpmnError) as info:
        WorkflowEngine().process_ids(b"<bpmn:definitions xmlns:bpmn='x'>\n<oops>\n</bpmn:definitions>")
    assert info.value.line == 3
    assert "line 3" in str(info.value)
