"""Uploaded diagrams are parsed safely: a size and element limit, no DTD, no entities, no network."""
from __future__ import annotations

import re

from lxml import etree

MAX_BPMN_BYTES = 2 * 1024 * 1024
MAX_BPMN_ELEMENTS = 50_000
# UTF-8 only, whatever the file declares: the DOCTYPE check below reads bytes, which in UTF-16 or UTF-7 would
# not spell "<!DOCTYPE" (diagram tools all write UTF-8).
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           encoding="utf-8")
DECLARED_ENCODING = re.compile(rb"<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
UTF8_BOM = b"\xef\xbb\xbf"

# The namespaces of BPMN 2.0's model and of SpiffWorkflow's extensions, written once; BPMN and SPIFF are the
# "{uri}" prefixes lxml gives element tags, so f"{BPMN}userTask" is the tag of a user task.
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN, SPIFF = f"{{{BPMN_NS}}}", f"{{{SPIFF_NS}}}"


class BpmnError(Exception):
    """A diagram the engine cannot accept; `line` is the XML line where known."""

    def __init__(self, message: str, line: int | None = None, element: str | None = None):
        super().__init__(message)
        self.message, self.line, self.element = message, line, element

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message}" + (f" (element {self.element})" if self.element else "")


def _check_utf8(xml: bytes) -> None:
    """Refuse a diagram that is not UTF-8 (or ASCII), by its bytes and by what its XML declaration says."""
    body = xml.removeprefix(UTF8_BOM)
    declared = DECLARED_ENCODING.match(body)
    name = declared.group(1).decode("ascii", "replace").lower() if declared else "utf-8"
    try:
        body.decode("utf-8")
        readable = b"\x00" not in body  # UTF-16 and UTF-32 without a byte order mark are valid UTF-8
    except UnicodeDecodeError:
        readable = False
    if not readable or name not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise BpmnError("the diagram must be saved as UTF-8 text"
                        + (f" (it says it is {name})" if declared and name not in ("utf-8", "utf8") else ""))


def safe_xml_tree(xml: bytes):
    """Parse uploaded XML with no DTD, no entities, no network, a size and an element limit."""
    if len(xml) > MAX_BPMN_BYTES:
        raise BpmnError(f"the file is larger than {MAX_BPMN_BYTES // 1024} KB")
    _check_utf8(xml)
    doctype = xml.find(b"<!DOCTYPE")
    if doctype >= 0:  # entity declarations can expand to gigabytes or read local files and URLs
        raise BpmnError("a DOCTYPE (with its entity declarations) is not allowed in a diagram",
                        xml.count(b"\n", 0, doctype) + 1)
    try:
        tree = etree.fromstring(xml, SAFE_XML)
    except etree.XMLSyntaxError as exc:
        raise BpmnError(f"not well-formed XML: {exc.msg}", exc.lineno) from exc
    for count, element in enumerate(tree.iter(), 1):
        if count > MAX_BPMN_ELEMENTS:
            raise BpmnError(f"the diagram has more than {MAX_BPMN_ELEMENTS:,} XML elements",
                            element.sourceline)
        if isinstance(element, etree._Entity):
            raise BpmnError(f"an entity reference ({element.text}) is not allowed", element.sourceline)
    return tree
