"""Build the annotated entity and quote set from its marked-up source.

The articles are written with inline markup (``[[Hikmat Hajayev|PERSON|e1]]`` for an
entity mention, ``{{Q:e1}}"..."{{/Q}}`` around a quotation and its marks) so offsets
are never counted by hand. This turns ``tests/data/entities/articles.src`` into
``articles.jsonl``: one article a line, clean text plus gold mentions, clusters and
quotes. Run it after editing the source; a test checks the two agree.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "entities"
SOURCE = DATA / "articles.src"
OUTPUT = DATA / "articles.jsonl"

_HEADER = re.compile(r"^=== (?P<id>\S+) (?P<beat>\w+)\s*$", re.MULTILINE)
_MARKUP = re.compile(
    r"\[\[(?P<mention>[^|\]]+)\|(?P<type>[A-Z_]+)(?:\|(?P<cluster>\w+))?\]\]"
    r"|\{\{Q:(?P<speaker>[\w-]+)\}\}|\{\{/Q\}\}"
)


def _article(ident: str, beat: str, block: str) -> dict[str, Any]:
    lines = block.strip("\n").split("\n")
    title, body = lines[0].strip(), "\n".join(lines[1:]).strip()
    text = ""
    mentions: list[dict[str, Any]] = []
    quotes: list[dict[str, Any]] = []
    open_quote: dict[str, Any] | None = None
    position = 0
    for match in _MARKUP.finditer(body):
        text += body[position : match.start()]
        position = match.end()
        if match.group("mention"):
            start = len(text)
            text += match.group("mention")
            cluster = match.group("cluster") or f"m{len(mentions) + 1}"
            mentions.append(
                {
                    "start": start,
                    "end": len(text),
                    "text": match.group("mention"),
                    "type": match.group("type"),
                    "cluster": cluster,
                }
            )
        elif match.group("speaker"):
            if open_quote is not None:
                raise ValueError(f"{ident}: a quotation opens inside another")
            speaker = match.group("speaker")
            cluster = None if speaker == "-" else speaker
            open_quote = {"start": len(text), "speaker_cluster": cluster}
        else:
            if open_quote is None:
                raise ValueError(f"{ident}: a quotation closes that never opened")
            open_quote["end"] = len(text)
            quotes.append(open_quote)
            open_quote = None
    text += body[position:]
    if open_quote is not None or "[[" in text or "{{" in text:
        raise ValueError(f"{ident}: unbalanced markup")
    for quote in quotes:
        cluster = quote["speaker_cluster"]
        forms = [m["text"] for m in mentions if m["cluster"] == cluster]
        if cluster is not None and not forms:
            raise ValueError(f"{ident}: speaker {cluster} is never mentioned")
        # The most complete form, as an editor would name the speaker.
        quote["speaker"] = max(forms, key=len) if forms else None
        quote["text"] = text[quote["start"] : quote["end"]]
    return {
        "id": ident,
        "beat": beat,
        "title": title,
        "text": text,
        "entities": mentions,
        "quotes": quotes,
    }


def build(source: str) -> list[dict[str, Any]]:
    """Every article of the marked-up ``source``, in order."""
    headers = list(_HEADER.finditer(source))
    articles = []
    for header, after in zip(headers, [*headers[1:], None], strict=True):
        block = source[header.end() : after.start() if after else len(source)]
        articles.append(_article(header["id"], header["beat"], block))
    return articles


def dumps(articles: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)


def main() -> int:
    articles = build(SOURCE.read_text(encoding="utf-8"))
    OUTPUT.write_text(dumps(articles), encoding="utf-8")
    print(f"{len(articles)} articles -> {OUTPUT.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
