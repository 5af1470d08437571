"""How much of a submitted text cleanup reads: what no article reaches is left unread.

Cleanup's time goes with the lines of its text (their features and rules), and
trafilatura's with a page's elements, whatever they hold: a page of bare markup under the
page limit (line breaks, empty paragraphs) could hold a worker for a minute. So a text is
read up to its MAX_LINES-th line break, and a page up to its MAX_TAGS-th "<": each several
times what any page of the evaluation set has (docs/scaling.md, "Bounds on a job"). A cut
keeps the start, so offsets into what was read are offsets into the whole.
"""

from __future__ import annotations

MAX_LINES = 10_000
MAX_TAGS = 12_000


def before_nth(text: str, mark: str, n: int) -> str:
    """``text`` up to (not including) its ``n``-th ``mark``; the whole text when it has
    fewer. Linear: the count is one C loop, the search runs only past a cut."""
    if text.count(mark) < n:
        return text
    at = -1
    for _ in range(n):
        at = text.find(mark, at + 1)
    return text[:at]


def cut_lines(text: str, max_lines: int | None = None) -> str:
    """``text`` up to its ``max_lines``-th line break (``MAX_LINES`` unless given)."""
    return before_nth(text, "\n", MAX_LINES if max_lines is None else max_lines)


def cut_markup(page: str, max_tags: int | None = None) -> str:
    """``page`` with at most ``max_tags`` tags (``MAX_TAGS`` unless given): up to its next
    "<". lxml closes what the cut leaves open."""
    return before_nth(page, "<", (MAX_TAGS if max_tags is None else max_tags) + 1)
