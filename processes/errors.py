"""What the procedure's operations raise; each carries a message a person can act on."""


class ProcedureError(Exception):
    """Base class: `str(error)` is shown to the person who caused it."""


class NotFound(ProcedureError):
    """The thing asked for does not exist (or is not visible to this person)."""


class NotAllowed(ProcedureError):
    """The person may not do this."""


class Conflict(ProcedureError):
    """Someone else changed the case first; nothing was saved."""


class InvalidInput(ProcedureError):
    """Submitted data failed validation; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str], values: dict | None = None):
        super().__init__("There is a problem with what was entered")
        self.errors, self.values = errors, values or {}
