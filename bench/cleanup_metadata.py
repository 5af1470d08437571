"""How often cleanup's headline, authors and date agree with what each page says of itself.

The dev set has no gold metadata, but each page's HTML names its own title, author and date
(read with trafilatura's metadata: `og:title`, `<title>`, `author` meta tags, JSON-LD...).
Cleanup reads the plain text only, so the HTML is a fair witness:

- a title agrees when one of the two, lower-cased with punctuation dropped, contains the
  other (sites add their name or a section to the HTML title; the on-page headline may be
  shorter);
- authors agree when one of the names found is contained in the HTML's author, or the
  other way round;
- a date agrees when it is the same day.

Not agreeing is not always wrong (an on-page headline worded otherwise than the HTML title,
a page's date a day off the HTML's in another time zone), so read the listed ones. Titles
are also scored for the guess made from the page's shape alone before the line model runs.

    python bench/cleanup_metadata.py [--dev-set PATH] [--list]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402

from workers.cleanup import clean, core  # noqa: E402

DEFAULT_DEV_SET = REPO.parent / "shared" / "eval" / "aeb-dev"


def _norm(text: str | None) -> str:
    return re.sub(r"\W+", " ", (text or "").casefold()).strip()


def agrees(found: str | None, page_says: str | None) -> bool:
    a, b = _norm(found), _norm(page_says)
    return bool(a and b and (a in b or b in a))


def html_metadata(path: Path) -> dict[str, str | None]:
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        found = trafilatura.extract_metadata(handle.read())
    if found is None:
        return {"title": None, "author": None, "date": None}
    return {"title": found.title, "author": found.author, "date": found.date}


def score(pages: list[dict[str, Any]], dev_set: Path) -> tuple[dict[str, list[int]], list[str]]:
    """Per field: [pages where the HTML gives it, pages where cleanup gives it, agreeing]."""
    tally = {name: [0, 0, 0] for name in ("title", "title, shape only", "authors", "date")}
    disagreements: list[str] = []
    for page in pages:
        says = html_metadata(dev_set / "html" / f"{page['id']}.html.gz")
        result = clean(page["raw_text"])
        found = {
            "title": (result["title"], says["title"]),
            "title, shape only": (core.prepare(page["raw_text"])[1].title, says["title"]),
            "authors": (result["authors"], says["author"]),
            "date": (result["published_at"], says["date"]),
        }
        for name, (ours, theirs) in found.items():
            counts = tally[name]
            counts[0] += bool(theirs)
            counts[1] += bool(ours)
            if not ours:
                continue
            if name == "authors":
                ok = any(agrees(author, theirs) for author in ours)
            elif name == "date":
                ok = bool(theirs) and ours[:10] == (theirs or "")[:10]
            else:
                ok = agrees(ours, theirs)
            counts[2] += ok
            if not ok and name != "title, shape only":
                disagreements.append(f"  {page['id']} {name}: {ours!r:.80}  (HTML: {theirs!r:.60})")
    return tally, disagreements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=DEFAULT_DEV_SET)
    parser.add_argument("--list", action="store_true", help="list what does not agree")
    args = parser.parse_args()
    pages_file = args.dev_set / "pages.jsonl"
    if not pages_file.exists():
        raise SystemExit(f"no dev set at {args.dev_set}")
    pages = [json.loads(line) for line in pages_file.open(encoding="utf-8")]
    tally, disagreements = score(pages, args.dev_set)
    print(f"pages: {len(pages)}")
    for name, (theirs, ours, agreeing) in tally.items():
        print(
            f"{name:17}: the HTML gives it on {theirs:3}, cleanup on {ours:3}; "
            f"agreeing {agreeing:3}, not agreeing {ours - agreeing:3}"
        )
    if args.list:
        print("\n".join(disagreements))


if __name__ == "__main__":
    main()
