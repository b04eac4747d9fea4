"""history lines written for timers before they had a kind of their own say 'timer', so the officer's history
(which leaves out the engine's own 'step' lines) keeps them

Revision ID: 5e7a1c3d9b42
Revises: 3b7d5e1f9a20
Create Date: 2026-12-02 03:00:00
"""
from alembic import op
import sqlalchemy as sa
from lxml import etree


revision = '5e7a1c3d9b42'
down_revision = '3b7d5e1f9a20'
branch_labels = None
depends_on = None

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
# The same parser settings as processes/xmlsafe.py: these diagrams were checked when deployed.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def _timer_ids(xml: bytes) -> list[str]:
    """The ids of the diagram's events that wait for a timer."""
    tree = etree.fromstring(xml, PARSER)
    return [event.getparent().get("id") for event in tree.iter(f"{BPMN}timerEventDefinition")
            if event.getparent().get("id")]


def upgrade() -> None:
    bind = op.get_bind()
    version = sa.table("process_version", sa.column("id"), sa.column("bpmn_xml", sa.LargeBinary))
    case = sa.table("comment_case", sa.column("id"), sa.column("process_version_id"))
    event = sa.table("case_event", sa.column("case_id"), sa.column("kind"), sa.column("details", sa.JSON))
    for version_id, xml in bind.execute(sa.select(version.c.id, version.c.bpmn_xml)).all():
        timers = _timer_ids(bytes(xml))
        if not timers:
            continue
        bind.execute(sa.update(event).where(
            event.c.kind == "step", event.c.details["element"].as_string().in_(timers),
            event.c.case_id.in_(sa.select(case.c.id).where(case.c.process_version_id == version_id)))
            .values(kind="timer"))


def downgrade() -> None:
    op.execute(sa.text("UPDATE case_event SET kind = 'step' WHERE kind = 'timer'"))
