"""HTML input: trafilatura finds the main text and the page's metadata, then the text path.

Offsets in the result point into the text trafilatura extracted (returned as
``source_text``), not into the HTML: markup has no line structure worth pointing at, and a
span in the extracted text is one a client can show. What trafilatura itself dropped
(menus, scripts, markup) is not itemised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HTML = re.compile(r"(?is)^\s*(?:<!doctype\s+html|<html\b|<head\b|<body\b|<\?xml[^>]*>\s*<html\b)")
_TAG = re.compile(r"(?i)</?(?:p|div|span|a|article|section|h[1-6]|br|li|ul|script|meta)\b[^>]*>")


# Trafilatura's time goes with a page's elements, whatever they hold, so a page of bare
# markup under the page limit (line breaks, empty paragraphs) could hold a worker for a
# minute. A page is read up to its MAX_TAGS-th "<": several times what the pages of the
# evaluation set have, so all of any real article (docs/scaling.md, "Bounds on a job").
MAX_TAGS = 12_000


@dataclass
class Extracted:
    text: str
    title: str | None
    author: str | None
    date: str | None
    # Whether the markup was read only up to MAX_TAGS (the text is then the start's).
    cut: bool = False


def cut_markup(page: str, max_tags: int | None = None) -> str:
    """``page`` up to (not including) its ``max_tags + 1``-th "<" (``MAX_TAGS`` unless
    given); the whole page when it has no more. lxml closes what the cut leaves open."""
    if max_tags is None:
        max_tags = MAX_TAGS
    if page.count("<") <= max_tags:
        return page
    at = -1
    for _ in range(max_tags + 1):
        at = page.find("<", at + 1)
    return page[:at]


def looks_like_html(text: str) -> bool:
    """Plainly HTML: starts as a document, or is mostly markup."""
    if _HTML.match(text[:1000]):
        return True
    tags = len(_TAG.findall(text[:20_000]))
    return tags >= 5 and tags * 40 >= min(len(text), 20_000)


def is_html(submitted: str, content_type: str | None) -> bool:
    """Whether a submitted text is to be read as HTML: said so, or plainly HTML unsaid."""
    return content_type == "text/html" or (content_type is None and looks_like_html(submitted))


def extract(html: str) -> Extracted:
    import trafilatura

    read = cut_markup(html)
    document = trafilatura.bare_extraction(
        read,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
    )
    cut = len(read) < len(html)
    if document is None:
        return Extracted("", None, None, None, cut)
    text = document.text or ""
    return Extracted(
        text=text,
        title=document.title or None,
        author=document.author or None,
        date=document.date or None,
        cut=cut,
    )
