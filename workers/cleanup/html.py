"""HTML input: trafilatura finds the main text and the page's metadata, then the text path.

Offsets in the result point into the text trafilatura extracted (returned as
``source_text``), not into the HTML: markup has no line structure worth pointing at, and a
span in the extracted text is one a client can show. What trafilatura itself dropped
(menus, scripts, markup) is not itemised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.cleanup.bounds import cut_markup

_HTML = re.compile(r"(?is)^\s*(?:<!doctype\s+html|<html\b|<head\b|<body\b|<\?xml[^>]*>\s*<html\b)")
_TAG = re.compile(r"(?i)</?(?:p|div|span|a|article|section|h[1-6]|br|li|ul|script|meta)\b[^>]*>")


@dataclass
class Extracted:
    text: str
    title: str | None
    author: str | None
    date: str | None
    # Whether the markup was read only up to `bounds.MAX_TAGS` (the text is then the start's).
    cut: bool = False


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
