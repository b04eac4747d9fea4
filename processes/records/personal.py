"""What identifies or quotes a customer, named in one place: the case's fields that hold it, the key of a
history line's details that holds what people typed, and how a text is kept free of them."""
from __future__ import annotations

import re
from typing import Mapping

# The case's fields that identify the customer or are their own words, each with what a text says instead.
PERSONAL_FIELDS = {"customer_name": "the customer's name", "customer_email": "the customer's email address",
                   "customer_phone": "the customer's phone number",
                   "customer_address": "the customer's address",
                   "reasonable_adjustments": "the customer's reasonable adjustments",
                   "outcome_wanted": "what the customer wants us to do",
                   "comment": "the customer's comment"}
# A representative's fields (models.Representative) that identify them, each with what a text says instead.
REPRESENTATIVE_FIELDS = {"name": "the representative's name", "email": "the representative's email address",
                         "phone": "the representative's phone number",
                         "address": "the representative's address",
                         "relation_other": "the representative's relationship"}
# A complaint point's fields (models.ComplaintPoint) that hold the customer's words as the officer wrote them
# and the officer's reasons about them: erased at anonymisation; the number and outcome stay for the reports.
POINT_FIELDS = ("text", "reasons")
# A promised remedy's fields (models.RemedyAction) in the officer's words: erased at anonymisation; its stage,
# dates and whether it was done stay for the reports.
REMEDY_ACTION_FIELDS = ("what", "done_note")
LABELS = {**PERSONAL_FIELDS, **{f"representative_{f}": label for f, label in REPRESENTATIVE_FIELDS.items()}}
# A history line's details under this key hold what a person typed (a form's answers, an extension's reason,
# the customer's reasons for a review): shown to officers, never written to the audit trail, erased at
# anonymisation.
TYPED = "values"
SHORTEST = 4  # shorter values ("Jo") would match inside other words and names


def personal_values(case) -> dict[str, str]:
    """The case's personal values worth looking for in a text, by field."""
    found = {field: (getattr(case, field) or "").strip() for field in PERSONAL_FIELDS}
    for number, representative in enumerate(case.representatives):  # keys differ per representative
        for field in REPRESENTATIVE_FIELDS:
            found[f"representative_{field}#{number}"] = (getattr(representative, field) or "").strip()
    return {field: value for field, value in found.items() if len(value) >= SHORTEST}


def without_personal(text: str, values: Mapping[str, str]) -> str:
    """`text` with each of `values` (any capitals, as a whole word) replaced by what it is."""
    for field, value in sorted(values.items(), key=lambda item: -len(item[1])):
        pattern = re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.IGNORECASE)
        text = pattern.sub(f"[{LABELS[field.split('#')[0]]}]", text)
    return text
