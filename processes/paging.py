"""Lists shown a page at a time: the page asked for (whatever a query string holds) and what a page shows."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PAGE_SIZE = 50
# Past any real list, and small enough that an offset (MAX_PAGE * PAGE_SIZE) fits any database's integer.
MAX_PAGE = 1_000_000
# A list counts up to this many (or to the end of the page asked for, if further): past it the page says
# "more than 1,000". An exact count reads every matching index entry, so it would grow with the open work or
# the cases found; nobody pages through a thousand, and the reports give the exact figures.
COUNT_UP_TO = 1000


def page_number(text: Any) -> int:
    """The page a query string asks for: 1 for anything that is not a whole number, never below 1 or past
    MAX_PAGE."""
    try:
        number = int(str(text).strip())
    except (TypeError, ValueError):  # not a number, or more digits than Python reads
        return 1
    return min(max(1, number), MAX_PAGE)


@dataclass
class Page:
    items: list[Any]
    total: int  # exact, or with `more` the bound it stopped at: there are more than this
    number: int
    size: int = PAGE_SIZE
    more: bool = False

    @property
    def pages(self) -> int:
        """The pages known: with `more`, there is at least one after the bound."""
        return max(1, -(-self.total // self.size)) + (1 if self.more else 0)

    @property
    def first(self) -> int:
        return min(self.total, (self.number - 1) * self.size + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)
