"""Checks before deploy: every script, condition and timer expression must pass the sandbox's compiler."""
from __future__ import annotations

from processes.engine import WorkflowEngine
from processes.engine.sandbox import SandboxError, check_source


def check_scripts(engine: WorkflowEngine, xml: bytes, process_id: str) -> list[str]:
    """Problems with the process owner's code in a process, each naming the element and its line."""
    problems = []
    for code in engine.code_of(xml, process_id):
        try:
            check_source(code["source"], code["mode"])
        except SandboxError as exc:
            where = f"line {code['line']}: " if code["line"] else ""
            problems.append(f"{where}the {code['kind']} of “{code['name']}” ({code['bpmn_id']}) is refused: {exc}")
    return problems
