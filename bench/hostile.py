"""Pathological inputs through the pipeline, each against an ordinary article of its length.

Every input runs through ``workers.pipeline.analyze`` in-process (its default analyses
unless the case names others), in a process forked from one that has loaded the model,
so that an input that stalls is stopped at ``--timeout`` and reported as such. The
ordinary article is the project's English test articles (``tests/fixtures``) repeated
to the same length, each copy's paragraphs numbered so that cleanup keeps them as body
rather than dropping them as pasted twice; it is measured in the same run, the same way.

Times are CPU seconds of the forked process (the machine is shared: CPU time leaves out
the time other processes hold the cores), the best of ``--repeat`` runs. Printed per
input: its length, the time, the time per 1,000 characters, the ordinary article's time
per 1,000 characters at the same length, their ratio, the slowest step and how much
more memory the run held at its peak than before it.

The first cases are the inputs reported against the service (fixed lengths), then two
pages at the page limit (6,000,000 characters of HTML, set against an ordinary article at
the text limit, the longest the API takes); the others are made at ``--chars`` characters
(200,000 by default, the text limit).

With ``--url``, each input goes instead to a running service (``newsdesk serve``) as a
client would send it, and the time printed is the job's time in a worker (from its start
to its end, as the job reports them: wall clock, so a busy machine adds to it), against
an ordinary article sent the same way; the memory column is then empty.

    .venv/bin/python bench/hostile.py [--chars 200000] [--repeat 1] [--timeout 60]
                                      [--only NAME ...] [--list] [--url URL [--key KEY]]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
# Test articles that are not an English article: a page of furniture and a German one;
# a web page's paste would make the copies after the first read as its footer.
NOT_ARTICLES = {"nothing_left.txt", "non_english.txt", "web_paste.txt"}
TEXT_LIMIT = 200_000
# Made inputs run twice: with every analysis, and straight to the parse (cleanup left
# out, as a client may ask), where nothing of them is dropped as page furniture first.
EVERY = ("cleanup", "entities", "quotes", "stats", "duplicates")
UNCLEANED = ("entities", "quotes", "stats")


@dataclass(frozen=True)
class Case:
    """One input: ``make(n)`` gives about ``n`` characters (a fixed case ignores ``n``)."""

    name: str
    make: Callable[[int], str]
    analyses: tuple[str, ...] | None = None
    content_type: str | None = None
    fixed: bool = False

    def article(self, n: int) -> dict[str, Any]:
        article: dict[str, Any] = {"text": self.make(n)}
        if self.analyses is not None:
            article["analyses"] = list(self.analyses)
        if self.content_type is not None:
            article["content_type"] = self.content_type
        return article


def repeat(unit: str, n: int, *, head: str = "", tail: str = "") -> str:
    """``unit`` repeated to ``n`` characters in all, between ``head`` and ``tail``."""
    room = max(n - len(head) - len(tail), 0)
    return head + (unit * (room // max(len(unit), 1) + 1))[:room] + tail


def ordinary(n: int) -> str:
    """The test articles, copy after copy, to ``n`` characters; each copy's paragraphs
    begin with its number."""
    articles = [
        path.read_text(encoding="utf-8")
        for path in sorted(FIXTURES.glob("*.txt"))
        if path.name not in NOT_ARTICLES
    ]
    pieces: list[str] = []
    size = copy = 0
    while size < n:
        copy += 1
        for article in articles:
            paragraphs = [p.strip() for p in article.split("\n\n") if p.strip()]
            piece = "\n\n".join(f"Part {copy}. {p}" for p in paragraphs) + "\n\n"
            pieces.append(piece)
            size += len(piece)
    return "".join(pieces)[:n].rstrip()


def _numbered_lines(n: int) -> str:
    lines: list[str] = []
    size = 0
    while size < n:
        lines.append(f"Line {len(lines)}")
        size += len(lines[-1]) + 1
    return "\n".join(lines)[:n]


def _paragraph_tags(n: int) -> str:
    return repeat("<p>Some text here</p>", n, head="<html><body>", tail="</body></html>")


def _nested(tag: str, n: int) -> str:
    depth = n // (2 * len(tag) + 5 + 5)
    return f"<html><body>{f'<{tag}>word ' * depth}{f'</{tag}>' * depth}</body></html>"


_EMOJI_FAMILY = "👩\u200d👩\u200d👧"
_FLAG = "🇬🇧"
_CHINESE = "新闻报道今天城市议会决定修建一座新桥预计明年完工费用约两百万元"
_THAI = "ข่าววันนี้สภาเมืองตัดสินใจสร้างสะพานใหม่คาดว่าจะแล้วเสร็จในปีหน้า"
_JAPANESE = "きょうの市議会は新しい橋を造ることを決めたと発表した"

# One word for each letter, for names whose initials differ.
_WORDS = (
    *("Amber", "Bridge", "Castle", "Dale", "Elm", "Ferry", "Granite", "Harbour", "Iron"),
    *("Juniper", "Kestrel", "Lantern", "Meadow", "North", "Orchard", "Pine", "Quarry"),
    *("River", "Stone", "Tide", "Upland", "Valley", "Willow", "Xenon", "Yard", "Zenith"),
)


def _names(n: int, pattern: str) -> str:
    """``pattern`` filled with three words (``lower``: the second in lower case) and their
    initials, to ``n`` characters, no two alike: "{a} {b} {c} Council ({i}C) met." makes
    "Amber Bridge Castle Council (ABCC) met.", then "Bridge Bridge Castle...", and so on."""
    pieces: list[str] = []
    size = 0
    for k in range(len(_WORDS) ** 3):
        a, b, c = _WORDS[k % 26], _WORDS[k // 26 % 26], _WORDS[k // 676 % 26]
        piece = pattern.format(a=a, b=b, c=c, lower=b.lower(), i=a[0] + b[0] + c[0])
        pieces.append(piece)
        size += len(piece)
        if size >= n:
            break
    return "".join(pieces)[:n]


REPORTED: tuple[Case, ...] = (
    Case("emoji 10,000", lambda n: "😀" * 9999 + "x", fixed=True),
    Case("emoji 200,000", lambda n: "😀" * 199_999 + "x", fixed=True),
    Case("nested quotes ' \"a'", lambda n: ' "a' * 6666, fixed=True),
    Case("dots 10,000", lambda n: "." * 10_000, ("entities", "quotes", "stats"), fixed=True),
    Case("dots 20,000", lambda n: "." * 20_000, ("entities", "quotes", "stats"), fixed=True),
    Case("20,000 short lines", lambda n: "A line\n" * 20_000, fixed=True),
    Case("50,000 short lines, one paragraph", lambda n: "ab\n" * 50_000, fixed=True),
    Case("HTML 9,000 <p>", lambda n: "<p>Some text here</p>" * 9000, fixed=True),
    Case("'&amp;lt;' as HTML", lambda n: "&amp;lt;" * 20_000, content_type="text/html", fixed=True),
    Case("'&amp;lt;' as text", lambda n: "&amp;lt;" * 20_000, fixed=True),
    Case("said John Smith", lambda n: '"Yes," said John Smith.' * 8000, fixed=True),
)

GENERATED: tuple[Case, ...] = (
    # runs of one character class
    Case("letters", lambda n: "a" * n),
    Case("letters, mixed case", lambda n: repeat("aB", n)),
    Case("digits", lambda n: "7" * n),
    Case("dots", lambda n: "." * n),
    Case("commas", lambda n: "," * n),
    Case("hyphens", lambda n: "-" * n),
    Case("underscores", lambda n: "_" * n),
    Case("straight quotes", lambda n: '"' * n),
    Case("apostrophes", lambda n: "'" * n),
    Case("curly quotes", lambda n: repeat("“”", n)),
    Case("opening brackets", lambda n: "(" * n),
    Case("closing brackets", lambda n: ")" * n),
    Case("ampersands", lambda n: "&" * n),
    Case("slashes", lambda n: "/" * n),
    Case("asterisks", lambda n: "*" * n),
    Case("ellipses", lambda n: "…" * n),
    Case("dashes", lambda n: "—" * n),
    Case("currency signs", lambda n: "$" * n),
    Case("ASCII punctuation", lambda n: repeat("!#$%&()*+,-./:;<=>?@[]^_`{|}~", n)),
    Case("emoji", lambda n: "😀" * n),
    Case("emoji ZWJ families", lambda n: repeat(_EMOJI_FAMILY, n)),
    Case("flags", lambda n: repeat(_FLAG, n)),
    Case("combining marks", lambda n: repeat("\u0301", n, head="a")),
    Case("letters with marks", lambda n: repeat("e\u0301", n)),
    Case("zero-width spaces", lambda n: repeat("a\u200b", n)),
    Case("soft hyphens", lambda n: repeat("ab\u00ad", n)),
    Case("spaces", lambda n: repeat(" ", n, head="Word", tail="word.")),
    Case("tabs", lambda n: repeat("\t", n, head="Word", tail="word.")),
    Case("no-break spaces", lambda n: repeat("\u00a0", n, head="Word", tail="word.")),
    Case("ideographic spaces", lambda n: repeat("\u3000", n, head="Word", tail="word.")),
    Case("line breaks", lambda n: repeat("\n", n, head="Word", tail="word.")),
    Case("CR LF", lambda n: repeat("\r\n", n, head="Word", tail="word.")),
    Case("line separators", lambda n: repeat("\u2028", n, head="Word", tail="word.")),
    Case("mixed white space", lambda n: repeat(" \t\u00a0\n\r\u2028\u3000\x0b", n, head="W")),
    Case("spaced dots", lambda n: repeat(". ", n)),
    Case("spaced quotes", lambda n: repeat('" ', n)),
    # scripts written without spaces
    Case("Chinese", lambda n: repeat(_CHINESE, n)),
    Case("Chinese with full stops", lambda n: repeat(_CHINESE + "。", n)),
    Case("Thai", lambda n: repeat(_THAI, n)),
    Case("Japanese", lambda n: repeat(_JAPANESE, n)),
    # lines
    Case("numbered lines", _numbered_lines),
    Case("one-letter lines", lambda n: repeat("a\n", n)),
    Case("blank lines between words", lambda n: repeat("Word\n\n", n)),
    Case("hyphenated line ends", lambda n: repeat("exam-\nple ", n)),
    Case("bulleted lines", lambda n: repeat("* Item\n", n)),
    Case("menu lines", lambda n: repeat("Home | World | Sport\n", n)),
    Case("headline lines", lambda n: repeat("Council Votes To Repair The Old Bridge\n", n)),
    Case("credit lines", lambda n: repeat("Photo: Ana Ruiz\n", n)),
    Case("date lines", lambda n: repeat("Updated: March 3, 2026 10:15 GMT\n", n)),
    Case("bylines", lambda n: repeat("By Ana Ruiz\n", n)),
    # long words and tokens
    Case("1,000-letter words", lambda n: repeat("a" * 1000 + " ", n)),
    Case("long URL", lambda n: repeat("a", n, head="https://example.com/", tail=" ok")),
    Case("dotted words", lambda n: repeat("a.", n)),
    Case("hyphenated words", lambda n: repeat("a-", n)),
    Case("apostrophe words", lambda n: repeat("a'", n)),
    Case("initials", lambda n: repeat("A. ", n)),
    Case("titles", lambda n: repeat("Mr. ", n)),
    Case("e-mail addresses", lambda n: repeat("a@b.", n)),
    Case("possessive chains", lambda n: repeat("'s", n, head="x")),
    Case("dollar chains", lambda n: repeat("US$", n)),
    # words the analyses look for
    Case("said", lambda n: repeat("said ", n)),
    Case("saying", lambda n: repeat("saying ", n)),
    Case("according to", lambda n: repeat("according to ", n)),
    Case("quoted said", lambda n: repeat('"a," said ', n)),
    Case("quote per word", lambda n: repeat('"a" ', n)),
    Case("open quote per word", lambda n: repeat('said "a ', n)),
    Case("quotes said by pronouns", lambda n: repeat('"We go," he said. ', n)),
    Case("quotes between names", lambda n: repeat('Ana Ruiz met Tom Lee. "Yes," she said. ', n)),
    Case("titles in one sentence", lambda n: repeat('the book "Rain" and ', n)),
    Case("adverbs after a quote", lambda n: repeat("happily ", n, head='"We go," Ruiz ')),
    Case("one sentence, then quotes", lambda n: repeat("word ", n // 2) + repeat(' "a', n // 2)),
    Case("names", lambda n: repeat("John Smith ", n)),
    Case("acronyms defined", lambda n: _names(n, "The {a} {b} {c} Council ({i}C) met. ")),
    Case("acronyms not defined", lambda n: _names(n, "The {i}C and the {a} {b} {c} Group met. ")),
    Case("people by surname", lambda n: _names(n, "{c} {a}{lower} arrived. {a}{lower} said. ")),
    Case("capitalised words", lambda n: repeat("Word ", n)),
    Case("acronyms in brackets", lambda n: repeat("Port Board (PB) ", n)),
    Case("money", lambda n: repeat("$5 ", n)),
    Case("credit words", lambda n: repeat("credit: ", n)),
    Case("newsletter words", lambda n: repeat("newsletter ", n)),
    Case("cookie words", lambda n: repeat("cookie ", n)),
    Case("share words", lambda n: repeat("share ", n)),
    Case("comment words", lambda n: repeat("comment ", n)),
    # markup
    Case("HTML paragraphs", _paragraph_tags),
    Case("HTML unclosed paragraphs", lambda n: repeat("<p>word word word\n", n)),
    Case("HTML nested divs", lambda n: _nested("div", n)),
    Case("HTML nested spans", lambda n: _nested("span", n)),
    Case("HTML nested lists", lambda n: _nested("ul", n)),
    Case("HTML line breaks", lambda n: repeat("<br>", n, head="<html><body><p>", tail="</p>")),
    Case("HTML entities", lambda n: repeat("&amp;", n, head="<html><body><p>", tail="</p>")),
    Case("HTML numeric entities", lambda n: repeat("&#x41;", n, head="<html><body><p>")),
    Case("HTML comments", lambda n: repeat("<!-- c -->word ", n, head="<html><body><p>")),
    Case("angle brackets", lambda n: "<" * n, content_type="text/html"),
    Case("unclosed tags", lambda n: repeat("<a ", n), content_type="text/html"),
    Case("markup as text", lambda n: repeat("<b>word</b> ", n)),
)

# Pages at the page limit (NEWSDESK_MAX_HTML_CHARS): markup that costs trafilatura per
# element, and a page holding far more text than is analysed.
PAGE_LIMIT = 6_000_000
PAGES: tuple[Case, ...] = (
    Case(
        "HTML line breaks, page limit",
        lambda n: repeat("a<br>", PAGE_LIMIT, head="<html><body>", tail="</body></html>"),
        content_type="text/html",
        fixed=True,
    ),
    Case(
        "HTML paragraphs, page limit",
        lambda n: repeat(
            "<p>Some text here, and more.</p>",
            PAGE_LIMIT,
            head="<html><body>",
            tail="</body></html>",
        ),
        content_type="text/html",
        fixed=True,
    ),
)

CASES: tuple[Case, ...] = (
    REPORTED
    + PAGES
    + tuple(
        variant
        for case in GENERATED
        for variant in (
            replace(case, analyses=EVERY),
            replace(case, name=f"{case.name}, no cleanup", analyses=UNCLEANED),
        )
    )
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _run(article: dict[str, Any], out: Connection) -> None:
    from workers.pipeline import analyze

    # The forked process copies each page of the parent's objects the first time it
    # touches them: an article first, so that this is not counted against the input (and
    # a page, which loads trafilatura).
    analyze({"text": ordinary(3000)})
    analyze({"text": f"<html><body><p>{ordinary(3000)}</p></body></html>"})
    before = _resident_mb()
    timings: dict[str, float] = {}
    began = time.process_time()
    analyze(article, timings=timings)
    seconds = time.process_time() - began
    out.send((seconds, timings, _peak_mb() - before))


def measure(article: dict[str, Any], timeout: float) -> tuple[float, dict[str, float], float]:
    """(CPU seconds, seconds per step, MB held at the peak) in a forked process;
    seconds are ``inf`` when it ran out of time."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(article, send))
    child.start()
    send.close()
    ready = receive.poll(timeout)
    if not ready:
        child.kill()
        child.join()
        return float("inf"), {}, 0.0
    result = receive.recv()
    child.join()
    return result


def _instant(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def measure_service(
    client: Any, article: dict[str, Any], timeout: float
) -> tuple[float, dict[str, float], float]:
    """(seconds the job spent in a worker, seconds per step, NaN: no memory figure) of
    ``article`` sent to a running service; ``inf`` seconds when it did not end well in
    ``timeout`` seconds."""
    fields = {key: value for key, value in article.items() if key != "text"}
    # An address of its own, so that the service runs the article again rather than
    # answering with the result of the same request sent before.
    fields["url"] = f"https://bench.invalid/hostile/{uuid.uuid4().hex}"
    job = client.submit(article["text"], **fields)
    try:
        job = client.wait(job["id"], timeout=timeout)
    except TimeoutError:
        return float("inf"), {}, float("nan")
    if job["status"] != "finished" or job.get("cached"):
        return float("inf"), {}, float("nan")
    seconds = _instant(job["ended_at"]) - _instant(job["started_at"])
    return seconds, dict(job.get("timings") or {}), float("nan")


def best(
    article: dict[str, Any], runs: int, timeout: float, client: Any = None
) -> tuple[float, dict[str, float], float]:
    if client is not None:
        results = [measure_service(client, article, timeout) for _ in range(runs)]
    else:
        results = [measure(article, timeout) for _ in range(runs)]
    return min(results, key=lambda result: result[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=TEXT_LIMIT, help="length of made inputs")
    parser.add_argument("--repeat", type=int, default=1, help="runs per input; the best counts")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds a run may take (wall clock)"
    )
    parser.add_argument("--only", nargs="+", help="cases whose name holds one of these")
    parser.add_argument("--list", action="store_true", help="list the cases and stop")
    parser.add_argument("--url", help="a running service to send the inputs to")
    parser.add_argument("--key", help="the API key for --url, if it asks for one")
    args = parser.parse_args()
    cases = [
        case
        for case in CASES
        if not args.only or any(word.casefold() in case.name.casefold() for word in args.only)
    ]
    if args.list:
        for case in cases:
            print(case.name)
        return

    client = None
    if args.url:
        from newsdesk.client import Client

        client = Client(args.url, args.key, timeout=args.timeout + 10)
        measured = f"seconds in a worker at {args.url}"
    else:
        from workers.pipeline import warm_up

        warm_up()
        measured = "CPU seconds in-process"
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {measured}, best of {args.repeat}, "
        f"timeout {args.timeout:g} s"
    )
    header = (
        f"{'input':<40} {'chars':>8} {'seconds':>9} {'ms/1k':>7} {'ordinary':>9} "
        f"{'ratio':>6}  {'slowest step':<18} {'MB':>5}"
    )
    print(header)
    print("-" * len(header))
    baselines: dict[tuple[int, tuple[str, ...] | None], float] = {}
    worst = 0.0
    for case in cases:
        article = case.article(args.chars)
        n = len(article["text"])
        # A page longer than the text limit is set against the longest ordinary article the
        # API takes: the most an article may cost.
        plain_n = min(n, TEXT_LIMIT)
        key = (plain_n, case.analyses)
        if key not in baselines:
            plain = {**article, "text": ordinary(plain_n)}
            plain.pop("content_type", None)
            baselines[key] = best(plain, args.repeat, args.timeout, client)[0]
        baseline = baselines[key]
        seconds, timings, held = best(article, args.repeat, args.timeout, client)
        per_k = seconds / max(n, 1) * 1000 * 1000
        ratio = seconds / baseline if baseline else float("inf")
        worst = max(worst, ratio)
        steps = {step: spent for step, spent in timings.items() if step != "total"}
        slowest = max(steps.items(), key=lambda item: item[1], default=("-", 0.0))
        shown = "timed out" if seconds == float("inf") else f"{seconds:8.2f}"
        memory = "-" if held != held else f"{held:.0f}"  # NaN: measured through the service
        print(
            f"{case.name:<40} {n:>8,} {shown:>9} {per_k:>7.2f} {baseline / plain_n * 1e6:>9.2f} "
            f"{ratio:>6.2f}  {slowest[0]:<9} {slowest[1]:>6.2f} s {memory:>5}",
            flush=True,
        )
    print(f"worst ratio: {worst:.2f}")


if __name__ == "__main__":
    main()
