"""Memory one job holds for a real web page: its HTML through the pipeline in-process.

The page (by default the largest of the extraction benchmark's dev pages, read from
``<repo>/../shared/eval/aeb-dev/html``) runs through ``workers.pipeline.analyze`` as
``text/html``, with the default analyses and again without cleanup, each in a process
forked from one that has loaded the model and run a small article and a small page
(so that what the fork copies on first touch is not counted against the page).
Printed per run: the HTML's length, the text analysed, CPU seconds, the steps' times,
the peak resident set (``ru_maxrss``) and how much it grew over the resident set before
the job. A forked process starts with its parent's peak; it is reset to the resident set
before the job (``/proc/self/clear_refs``), so that the peak is the job's own.

    .venv/bin/python bench/page_memory.py [--page FILE.html[.gz]] [--limit CHARS]
"""

from __future__ import annotations

import argparse
import gzip
import multiprocessing
import os
import platform
import resource
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV_PAGES = ROOT.parent / "shared" / "eval" / "aeb-dev" / "html"
SMALL_ARTICLE = (
    "The harbour board of Kessel met on Tuesday to approve a new ferry timetable, its "
    "chair Ines Varga said. Ferries to Nordhaven will sail every hour from May.\n\n"
) * 20


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def largest_dev_page() -> Path:
    pages = sorted(DEV_PAGES.glob("*.html.gz"), key=lambda p: len(_read(p)))
    if not pages:
        raise SystemExit(f"no pages in {DEV_PAGES}; pass --page")
    return pages[-1]


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak resident set, back to the resident set now


def _run(article: dict[str, Any], limit: int, out: Connection) -> None:
    from workers.pipeline import analyze

    analyze({"text": SMALL_ARTICLE}, max_text_chars=limit)
    analyze({"text": f"<html><body><p>{SMALL_ARTICLE}</p></body></html>"}, max_text_chars=limit)
    _reset_peak()
    before = _resident_mb()
    timings: dict[str, float] = {}
    began = time.process_time()
    result = analyze(article, timings=timings, max_text_chars=limit)
    seconds = time.process_time() - began
    analysed = result["stats"]["characters"]
    cut = sorted(w["analysis"] for w in result["warnings"] if w["code"] == "truncated")
    out.send((seconds, timings, before, _peak_mb(), analysed, cut))


def measure(article: dict[str, Any], limit: int) -> tuple[Any, ...]:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_run, args=(article, limit, send))
    child.start()
    send.close()
    result = receive.recv()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--page", type=Path, help="an HTML page (.html or .html.gz)")
    parser.add_argument(
        "--limit", type=int, default=200_000, help="longest text analysed (the default setting)"
    )
    args = parser.parse_args()
    page = args.page or largest_dev_page()
    html = _read(page)

    from workers.nlp import get_model
    from workers.pipeline import warm_up

    warm_up()
    get_model()
    print(f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"page {page.name}: {len(html):,} characters of HTML; text limit {args.limit:,}")
    for analyses in (None, ["entities", "quotes", "stats"]):
        article: dict[str, Any] = {"text": html, "content_type": "text/html"}
        if analyses is not None:
            article["analyses"] = analyses
        seconds, timings, before, peak, analysed, cut = measure(article, args.limit)
        steps = ", ".join(f"{name} {value:.2f}" for name, value in timings.items())
        print(
            f"{'default analyses' if analyses is None else 'no cleanup'}: "
            f"{analysed:,} characters analysed{' (cut: ' + ', '.join(cut) + ')' if cut else ''}; "
            f"{seconds:.2f} s CPU ({steps}); resident before {before:.0f} MB, "
            f"peak {peak:.0f} MB, +{peak - before:.0f} MB"
        )


if __name__ == "__main__":
    main()
