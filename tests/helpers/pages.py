"""Reading what a page shows: its error messages, the tasks it lists."""
from __future__ import annotations

import html as html_lib
import re


def error_messages(html: str) -> list[str]:
    """The GOV.UK error messages shown beside fields."""
    return [html_lib.unescape(m.strip()) for m in re.findall(
        r'class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:</span>([^<]*)', html)]


def task_ids(html: str) -> list[int]:
    """The tasks a task list shows, in its order."""
    return [int(x) for x in re.findall(r'data-task-id="(\d+)"', html)]
