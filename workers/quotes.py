"""Direct quotations: where they are in the text, and who said them.

Finding quotations is plain character scanning (no model), so ``quote_spans`` is
cheap enough for the stats analysis to count quotes too. Only double quote marks
delimit a quotation (straight ``"`` and curly “ ” „); single quotes inside one are
nested quotes and apostrophes, never delimiters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_OPENING = "“„‟"
_CLOSING = "”"
_STRAIGHT = '"'
_MARKS = _OPENING + _CLOSING + _STRAIGHT
# Characters after which a straight mark opens a quotation ("(" in '("Yes")').
_BEFORE_OPEN = "([{—–-/:"
# Characters a straight mark is followed by when it closes one ('," he said').
_AFTER_CLOSE = ",.;:!?)]}—–-…"
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


@dataclass(frozen=True)
class QuoteSpan:
    """A quotation: ``start``/``end`` include its marks; ``parts`` are the words inside.

    A quotation over several paragraphs has one part per paragraph: the marks that
    reopen it at each new paragraph belong to no part.
    """

    start: int
    end: int
    parts: tuple[tuple[int, int], ...]

    def inner_text(self, text: str) -> str:
        """The quotation without its marks, paragraphs kept apart by a blank line."""
        return "\n\n".join(text[a:b].strip() for a, b in self.parts if text[a:b].strip())


def _kind(text: str, i: int) -> str:
    """'open', 'close' or 'either' for the quote mark at ``i``, from its neighbours."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    space_before = before.isspace() or before in _BEFORE_OPEN
    space_after = after.isspace() or after in _AFTER_CLOSE
    char = text[i]
    if char in _OPENING:
        return "open"
    if char in _CLOSING:
        # Some pastes use ” for both marks: one between a space and a word opens.
        return "open" if before.isspace() and not space_after else "close"
    if space_before and not space_after:
        return "open"
    if space_after and not space_before:
        return "close"
    return "either"


def _paragraph_breaks(text: str) -> list[tuple[int, int]]:
    """(end of a paragraph, start of the next) for every paragraph break.

    With blank lines in the text, paragraphs are separated by them and single line
    breaks are wrapping; without any, every line break separates paragraphs.
    """
    if _BLANK_LINE.search(text):
        return [(m.start(), m.end()) for m in _BLANK_LINE.finditer(text)]
    return [(m.start(), m.end()) for m in re.finditer(r"\n", text)]


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every direct quotation of ``text``, in order; never raises.

    A quotation left open at the end of a paragraph goes on when the next
    paragraph starts with an opening mark (newswire style); otherwise it ends with
    its paragraph. A closing mark outside any quotation (inches: 12" pipe) is
    ignored, and so is an opening mark that is never followed by anything.
    """
    breaks = _paragraph_breaks(text)
    quotes: list[QuoteSpan] = []
    start: int | None = None
    part_start = 0
    parts: list[tuple[int, int]] = []
    marks = [i for i, char in enumerate(text) if char in _MARKS]
    break_index = 0
    skip_until = -1

    def finish(end: int, inner_end: int) -> None:
        nonlocal start
        assert start is not None
        parts.append((part_start, inner_end))
        if any(text[a:b].strip() for a, b in parts):
            quotes.append(QuoteSpan(start, end, tuple(parts)))
        start = None
        parts.clear()

    for i in marks:
        if i < skip_until:
            continue
        # Paragraph breaks passed since the last mark.
        while break_index < len(breaks) and breaks[break_index][0] < i:
            para_end, next_start = breaks[break_index]
            break_index += 1
            if start is None:
                continue
            reopen = next_start
            while reopen < len(text) and text[reopen].isspace():
                reopen += 1
            if (
                reopen < len(text)
                and reopen <= i
                and text[reopen] in _MARKS
                and _kind(text, reopen) != "close"
            ):
                parts.append((part_start, para_end))
                part_start = reopen + 1
                skip_until = reopen + 1
                continue
            end = len(text[:para_end].rstrip())
            finish(end, end)
        if i < skip_until:
            continue
        kind = _kind(text, i)
        if start is None:
            if kind in ("open", "either"):
                start = i
                part_start = i + 1
        elif kind in ("close", "either"):
            finish(i + 1, i)
        else:
            # An opening mark inside an open quotation: the first one was never
            # closed. It ends where this one starts.
            finish(i, i)
            start = i
            part_start = i + 1

    if start is not None:
        # Left open after the last mark: it ends with its paragraph.
        rest = breaks[break_index:]
        end = rest[0][0] if rest else len(text)
        end = len(text[:end].rstrip())
        finish(end, end)
    return quotes


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every direct quotation, quote marks included, in text order."""
    return [(q.start, q.end) for q in find_quotes(text)]
