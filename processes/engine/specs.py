"""Parsing diagrams into specs, caching them by content hash, and saving workflows with a reference to
theirs."""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from typing import Any, Callable

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from processes.engine.results import WorkflowError

# The spiff parser builds message events of the spiff class, and catching compares classes exactly.
from processes.engine.xmlsafe import BpmnError, safe_xml_tree


_WORD = re.compile(r"[^\W\d]\w*")  # a Python name: a letter or underscore, then letters, digits, underscores


def _words_of(tree) -> frozenset[str]:
    """The words of every text and attribute of a parsed diagram, after XML's own escapes are read and in the
    form Python reads a name in (NFKC: a script may spell `reference` with a full-width "ｒ" and mean it)."""
    words: set[str] = set()
    for element in tree.iter():
        for text in (element.text, element.tail, *element.attrib.values()):
            if text:
                words.update(_WORD.findall(unicodedata.normalize("NFKC", text)))
    return frozenset(words)


SPEC_REF = "spec_ref"  # in a saved workflow: {"hash", "process"} of the deployed spec it runs on


def spec_ref(key: tuple[str, str]) -> dict[str, str]:
    """What a saved workflow holds under SPEC_REF, from the spec's key in the engine's cache."""
    return {"hash": key[0], "process": key[1]}


class SpecByReference(BpmnWorkflowConverter):
    """Saves a workflow that runs on a deployed, cached spec with a reference to it instead of the whole spec.

    The library embeds the whole spec (tens of KB, most of the cost of a save and a restore) in every saved
    workflow. A deployed version never changes, so a case's state names it and the engine restores it from its
    cache (or parses the version's diagram once per process). A workflow restored from a state that embeds its
    spec (saved before this) has no reference and is saved the library's way, as before.
    """

    def to_dict(self, workflow):
        ref = getattr(workflow, "spec_ref", None)
        if ref is None:
            return super().to_dict(workflow)
        dct = WorkflowConverter.to_dict(self, workflow)  # what the library saves, less the specs
        dct[SPEC_REF] = ref
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


def content_hash(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


class Specs:

    # -- diagrams ---------------------------------------------------------------------------
    def parse(self, xml: bytes, filename: str = "diagram.bpmn") -> SpiffBpmnParser:
        """Parse and schema-check a diagram safely (no entities, no network, bounded size)."""
        return self._parse_tree(safe_xml_tree(xml), filename)

    def _parse_tree(self, tree, filename: str = "diagram.bpmn") -> SpiffBpmnParser:
        parser = SpiffBpmnParser(validator=self._validator)
        try:
            parser.add_bpmn_xml(tree.getroottree(), filename)
        except ValidationException as exc:
            raise BpmnError(str(exc.args[0] if exc.args else exc), exc.line_number or None,
                            exc.id or None) from exc
        return parser

    def process_ids(self, xml: bytes) -> list[str]:
        """The executable processes a diagram defines."""
        return list(self.process_names(xml))

    def process_names(self, xml: bytes) -> dict[str, str]:
        parser = self.parse(xml)
        return {pid: parser.get_process_parser(pid).get_name() for pid in parser.get_process_ids()}

    def _spec(self, xml: bytes | Callable[[], bytes] | None, process_id: str,
              version_hash: str | None = None):
        """The parsed spec, cached. With a deployed version's own hash, `xml` may be a loader, called only
        when the spec is not cached yet (so a case start need not fetch and hash 60 KB of diagram)."""
        return self._specs[self._spec_key(xml, process_id, version_hash)]

    def _spec_key(self, xml: bytes | Callable[[], bytes] | None, process_id: str,
                  version_hash: str | None = None) -> tuple[str, str]:
        """Parse and cache the spec unless it is cached; its key in the cache."""
        if version_hash is None:
            xml = xml() if callable(xml) else xml
        key = (version_hash or content_hash(xml), process_id)
        if key not in self._specs:
            if xml is None:
                raise WorkflowError("the diagram this case runs on was not given, so the case cannot be "
                                    "restored")
            tree = safe_xml_tree(xml() if callable(xml) else xml)
            words = _words_of(tree)
            parser = self._parse_tree(tree)
            try:
                self._specs[key] = (parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
            except ValidationException as exc:
                raise BpmnError(str(exc.args[0] if exc.args else exc), exc.line_number or None,
                                exc.id or None) from exc
            self._words[key] = words
        return key

    def mentions(self, xml: bytes | Callable[[], bytes] | None, process_id: str, word: str,
                 version_hash: str | None = None) -> bool:
        """Whether `word` appears anywhere in a process's diagram: in a script, condition or expression, or in
        a name or note. It may say yes for a word only a label uses, never no for a variable the code
        reads."""
        return word in self._words[self._spec_key(xml, process_id, version_hash)]

    @staticmethod
    def fill_in(state: str, placeholder: str, value: str) -> str:
        """A saved state with a value the workflow's data carried as a placeholder, which no code read (see
        `mentions`), put in its place: in the saved JSON it appears only as a copied string."""
        return state.replace(json.dumps(placeholder), json.dumps(value))

    def send_templates(self, xml: bytes, process_id: str) -> dict[str, str]:
        """The message template each send task names: {bpmn_id: template}."""
        spec, _ = self._spec(xml, process_id)
        return {ts.bpmn_id: ts.extensions["properties"]["template"] for ts in spec.task_specs.values()
                if getattr(ts, "extensions", {}).get("properties", {}).get("template")}

    def describe_user_tasks(self, xml: bytes, process_id: str) -> list[dict[str, Any]]:
        """Every user task of a process: id, name, lane and properties (for checks before deploy)."""
        spec, _ = self._spec(xml, process_id)
        return [
            {"bpmn_id": ts.bpmn_id, "name": ts.bpmn_name, "lane": ts.lane,
             "properties": dict(ts.extensions.get("properties", {}))}
            for ts in spec.task_specs.values() if getattr(ts, "manual", False)
        ]

    # -- trying a diagram's code on sample data before it is deployed (processes/validation.py) --
    def check_specs(self, xml: bytes) -> None:
        """Parse a diagram and build every process in it as deploying would, without caching them."""
        parser = self.parse(xml)
        for process_id in parser.get_process_ids():
            try:
                parser.get_spec(process_id)
                parser.get_subprocess_specs(process_id)
            except ValidationException as exc:
                raise BpmnError(str(exc.args[0] if exc.args else exc), exc.line_number or None,
                                exc.id or None) from exc
