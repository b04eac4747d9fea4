"""The only room that knows SpiffWorkflow: specs and their cache, running and saving workflows, the sandbox.

Everything else imports the engine from here."""
from processes.engine.results import (
           Diagram,
           MigrationRefused,
           ReadyTask,
           Run,
           TaskNotReady,
           WaitingTimer,
           WorkflowError,
)
from processes.engine.specs import SPEC_REF, content_hash
from processes.engine.workflow_engine import ENGINE_KEY, WorkflowEngine, engine_of
from processes.engine.xmlsafe import BPMN, BPMN_NS, MAX_BPMN_BYTES, SPIFF, SPIFF_NS, BpmnError, safe_xml_tree

__all__ = ["BPMN", "BPMN_NS", "BpmnError", "Diagram", "ENGINE_KEY", "MAX_BPMN_BYTES", "MigrationRefused",
           "ReadyTask", "Run", "SPEC_REF", "SPIFF", "SPIFF_NS", "TaskNotReady", "WaitingTimer",
           "WorkflowEngine", "WorkflowError", "content_hash", "engine_of", "safe_xml_tree"]
