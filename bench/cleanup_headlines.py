"""How often cleanup's `title` is the page's headline.

The dev set has no gold headline, but each page's HTML names its own title (read with
trafilatura's metadata: `og:title`, `<title>`, ...). A title counts as agreeing when one
of the two, lower-cased with punctuation dropped, contains the other: sites add their
name or a section to the HTML title, and the on-page headline may be shorter. A title
that does not agree is not always wrong (the on-page headline can be worded otherwise),
so read the listed disagreements.

Scored for the headline cleanup reports (chosen once the body is known) and for the guess
made from the page's shape alone before the line model runs, in the same run.

    python bench/cleanup_headlines.py [--dev-set PATH] [--list]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402

from workers.cleanup import clean, core  # noqa: E402

DEFAULT_DEV_SET = REPO.parent / "shared" / "eval" / "aeb-dev"


def _norm(text: str | None) -> str:
    return re.sub(r"\W+", " ", (text or "").casefold()).strip()


def agrees(found: str | None, page_title: str | None) -> bool:
    a, b = _norm(found), _norm(page_title)
    return bool(a and b and (a in b or b in a))


def html_title(path: Path) -> str | None:
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as handle:
        metadata = trafilatura.extract_metadata(handle.read())
    return metadata.title if metadata else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=DEFAULT_DEV_SET)
    parser.add_argument("--list", action="store_true", help="list the disagreements")
    args = parser.parse_args()
    pages_file = args.dev_set / "pages.jsonl"
    if not pages_file.exists():
        raise SystemExit(f"no dev set at {args.dev_set}")
    pages = [json.loads(line) for line in pages_file.open(encoding="utf-8")]
    tally = {"chosen": [0, 0], "shape only": [0, 0]}
    disagreements: list[tuple[str, str, str]] = []
    for page in pages:
        wanted = html_title(args.dev_set / "html" / f"{page['id']}.html.gz")
        chosen = clean(page["raw_text"])["title"]
        guessed = core.prepare(page["raw_text"])[1].title
        for name, found in (("chosen", chosen), ("shape only", guessed)):
            if found:
                tally[name][0] += 1
                tally[name][1] += agrees(found, wanted)
        if chosen and not agrees(chosen, wanted):
            disagreements.append((page["id"], chosen, wanted or ""))
    print(f"pages: {len(pages)}")
    for name, (found, agreeing) in tally.items():
        print(
            f"{name:10}: a title on {found} pages, agreeing with the page's HTML title on "
            f"{agreeing}, not agreeing on {found - agreeing}"
        )
    if args.list:
        for page_id, chosen, wanted in disagreements:
            print(f"  {page_id}: {chosen[:70]!r}  (HTML: {wanted[:70]!r})")


if __name__ == "__main__":
    main()
