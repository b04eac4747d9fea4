"""The editor's "Check for problems": the deploy checks, trials included, against sample case data."""
from __future__ import annotations

from typing import Any, Mapping

from processes.diagrams.deploy_checks import find_problems
from processes.diagrams.problems import Problem
from processes.engine import WorkflowEngine
from processes.messaging.messages import load_templates


def sample_case_data(timescales: Mapping[str, Any], comment_type: str = "complaint") -> dict[str, Any]:
    """Task data like a comment submitted on a Wednesday morning, for trying expressions and scripts."""
    return {"reference": "CC-2026-000001", "comment_type": comment_type, "channel": "web",
            "timescales": dict(timescales), "service_area": "waste",
            # what the messages the diagrams wait for carry (see agree_extension and request_review)
            "received_at": "2026-01-07T10:00:00+00:00",
            "extension": {"working_days": 5, "reason": "Waiting for a contractor's report"},
            "stage2_request": {"reasons": "Not satisfied with the response"}}


def validate_process(engine: WorkflowEngine, xml: bytes, forms: Mapping[str, Any], sample: Mapping[str, Any],
                     templates: Mapping[str, Any] | None = None) -> list[Problem]:
    """Every reason this diagram should not be deployed (the message templates in force unless given)."""
    return find_problems(engine, xml, forms, load_templates() if templates is None else templates, sample)
