"""A screenshot of the article desk (/playground) with one of the project's own articles.

Pastes the article into the page with headless chromium (Debian's `chromium` package, driven
by Playwright, as the browser test does), waits for the analysis and saves the whole page:
docs/desk.png at desktop width by default, and with --phone the same at phone width. The
service is a private one started here (a redis-server, `newsdesk api` and one `newsdesk
worker`, all on this machine) unless --url names a running one with keys disabled.

    .venv/bin/python scripts/desk_screenshot.py [--phone /tmp/desk-phone.png]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Playwright, sync_playwright

from newsdesk.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "tests" / "fixtures" / "web_paste.txt"
OUT = ROOT / "docs" / "desk.png"
CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing of chromium's own that would call another host.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
READY_TIMEOUT = 120.0  # seconds: a worker loads the language model first


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's chromium: Playwright's own browser builds are never downloaded."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))


def _wait_ready(base: str, processes: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"the service at {base} was not ready in {READY_TIMEOUT:.0f} s")
        time.sleep(0.2)


@contextmanager
def private_service() -> Iterator[str]:
    """A whole service of its own, open (no keys), on a loopback port the kernel picked."""
    with (
        tempfile.TemporaryDirectory(prefix="desk-") as data,
        RedisServer(data) as redis,
        socket.create_server(("127.0.0.1", 0)) as listener,
    ):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")},
            "REDIS_URL": redis.url,
            "NEWSDESK_QUEUE": "desk-screenshot",
            "NEWSDESK_AUTH": "disabled",
            "NEWSDESK_API_PROCESSES": "1",
            "NEWSDESK_LOG_LEVEL": "WARNING",
        }
        port = listener.getsockname()[1]
        api = subprocess.Popen(
            [sys.executable, "-m", "newsdesk", "api"],
            env={**env, "NEWSDESK_PORT": str(port), "NEWSDESK_LISTEN_FD": str(listener.fileno())},
            pass_fds=(listener.fileno(),),
        )
        worker = subprocess.Popen([sys.executable, "-m", "newsdesk", "worker"], env=env)
        processes = [api, worker]
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, processes)
            yield base
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def capture(browser: Browser, base: str, article: str, out: Path, viewport: dict) -> None:
    """Paste, analyse, point at the first quoted speaker (its card shows), save the page."""
    page = browser.new_page(viewport=viewport)
    try:
        page.goto(f"{base}/playground")
        page.get_by_label("Article", exact=True).fill(article)
        page.get_by_role("button", name="Analyse").click()
        page.locator("#article-text mark").first.wait_for(timeout=60_000)
        page.get_by_label("Article", exact=True).evaluate("field => field.scrollTo(0, 0)")
        speaker = page.locator("#article-text mark.speaker").first
        (speaker if speaker.count() else page.locator("#article-text mark").first).focus()
        page.locator("#tooltip").wait_for()
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running service (keys disabled) instead of a private one")
    parser.add_argument("--article", type=Path, default=ARTICLE, help="the article to paste")
    parser.add_argument("--output", type=Path, default=OUT, help="the desktop screenshot")
    parser.add_argument("--phone", type=Path, help="also a screenshot at phone width, here")
    args = parser.parse_args()
    article = args.article.read_text(encoding="utf-8")
    service = nullcontext(args.url.rstrip("/")) if args.url else private_service()
    with service as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            capture(browser, base, article, args.output, DESKTOP)
            print(f"wrote {args.output}")
            if args.phone:
                capture(browser, base, article, args.phone, PHONE)
                print(f"wrote {args.phone}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
