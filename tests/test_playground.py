"""The article desk (/playground): the page as served, and headless chromium driving it
against a real `newsdesk api` and a real `newsdesk worker`.

The browser is Debian's `chromium` package, driven by Playwright (`make test` installs it
when it is missing and it runs as root); without it the browser tests skip and say so.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from conftest import load_script, running_api, start_newsdesk, wait_until_answers
from flask.testing import FlaskClient
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from newsdesk.redis_server import RedisServer
from newsdesk.settings import Config
from service.app import create_app
from service.openapi import spec_dict

DESK = load_script("scripts/desk_screenshot.py")
needs_chromium = pytest.mark.skipif(
    not Path(DESK.CHROMIUM).exists(),
    reason=f"no chromium at {DESK.CHROMIUM}: install Debian's `chromium` package "
    "(`make test` does when run as root) to run the browser tests",
)
READY_TIMEOUT = 120.0  # seconds: the worker loads the language model first
RESULT_TIMEOUT = 60_000  # milliseconds, for Playwright's waits

# Our own article, pasted the way a web page arrives. The ship is outside the Basic
# Multilingual Plane (two UTF-16 units in the browser, one character to the service) and sits
# before later mentions; the markup in the last paragraph must be shown, never run.
ARTICLE = (
    "Home | News | Local | Sport\n"
    "Ferry operator adds night crossings to Tarn Island\n"
    "By Maja Lindqvist\n"
    "Share on Facebook\n"
    "Share on Twitter\n"
    "Kessel Lines will run two extra crossings each night between Port Arden and Tarn Island "
    "from May, the operator said on Tuesday. \N{SHIP} Its chief executive, Oskar Brenner, said "
    "demand had doubled since the old bridge closed.\n"
    '"We have carried more people this winter than in any summer before," Brenner said.\n'
    "For most of Tuesday the company's website showed the timetable as <b>Crossings resume</b> "
    '<img src=x onerror="window.__deskXss=1">, a fault Kessel Lines blamed on its booking '
    "system.\n"
    "Sign up for our newsletter\n"
)
MARKUP = '<img src=x onerror="window.__deskXss=1">'


# --- the page as served ----------------------------------------------------------------------


@pytest.fixture
def client() -> FlaskClient:
    return create_app(Config(redis_url="redis://127.0.0.1:1/0")).test_client()  # no Redis


def test_page_loads_only_its_own_files_under_a_strict_policy(client: FlaskClient) -> None:
    page = client.get("/playground")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = page.get_data(as_text=True)
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="playground/desk.js" defer>'], (
        "the page's only script is its own file"
    )
    assert "<style" not in html and " style=" not in html
    urls = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert {"playground/desk.js", "playground/desk.css"} <= set(urls)
    for url in urls:
        assert "//" not in url and ":" not in url, f"a URL that could leave this server: {url}"
        target = urljoin("http://localhost/playground", url)
        assert client.get(target).status_code == 200, target
    script = client.get("/playground/desk.js")
    assert script.mimetype == "text/javascript"
    assert client.get("/playground/desk.css").mimetype == "text/css"


def test_script_never_builds_markup_from_strings(client: FlaskClient) -> None:
    script = client.get("/playground/desk.js").get_data(as_text=True)
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink


def test_only_the_pages_files_are_served(client: FlaskClient) -> None:
    for path in ("/playground/index.html", "/playground/..%2fapp.py", "/playground/nope.js"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"


def test_trailing_slash_redirects_to_the_page(client: FlaskClient) -> None:
    response = client.get("/playground/")
    assert response.status_code == 308
    assert response.headers["Location"] == "/playground"


def test_config_tells_the_page_whether_to_ask_for_a_key(client: FlaskClient) -> None:
    assert client.get("/playground/config.json").get_json() == {
        "auth_required": False,
        "max_wait": 30,
    }
    keyed = create_app(Config(redis_url="redis://127.0.0.1:1/0", auth="required"))
    answer = keyed.test_client().get("/playground/config.json")  # no key needed to ask
    assert answer.status_code == 200
    assert answer.get_json()["auth_required"] is True


def test_docs_link_to_the_page_and_keep_their_own_script(client: FlaskClient) -> None:
    docs = client.get("/docs")
    assert 'href="/playground"' in docs.get_data(as_text=True)
    assert "Content-Security-Policy" not in docs.headers  # Swagger UI starts inline


def test_page_is_not_part_of_the_api_document(client: FlaskClient) -> None:
    app = create_app(Config(redis_url="redis://127.0.0.1:1/0"))
    assert not [path for path in spec_dict(app)["paths"] if "playground" in path]


# --- in a browser ----------------------------------------------------------------------------


@dataclass
class Desk:
    base_url: str
    redis_url: str
    queue: str


@pytest.fixture(scope="module")
def desk(redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """A real API and a real worker, on a queue of their own."""
    queue = f"desk-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(
        REDIS_URL=redis_server.url,
        NEWSDESK_QUEUE=queue,
        NEWSDESK_AUTH="disabled",
        NEWSDESK_LOG_LEVEL="WARNING",
    )
    log = tmp_path_factory.mktemp("desk") / "worker.log"
    with running_api(redis_server.url, NEWSDESK_QUEUE=queue) as (api, base):
        worker = start_newsdesk(["worker"], env, log)
        try:
            try:
                wait_until_answers(base, api, worker, path="/readyz", timeout=READY_TIMEOUT)
            except AssertionError as error:
                raise AssertionError(f"{error}\n{log.read_text()}") from None
            yield Desk(base, redis_server.url, queue)
        finally:
            worker.terminate()
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = DESK.launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Tab:
    """A page in a fresh browser context, watched for what it must never do."""

    page: Page
    base_url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self) -> None:
        elsewhere = [url for url in self.requests if not url.startswith(self.base_url + "/")]
        assert elsewhere == [], "requests to another host"
        assert self.errors == [], "script errors or refused loads"


@pytest.fixture
def open_tab(browser: Browser, desk: Desk) -> Iterator:
    tabs: list[tuple[Tab, BrowserContext]] = []

    def open_one(base_url: str = desk.base_url, width: int = 1280, height: int = 900) -> Tab:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(RESULT_TIMEOUT)
        tab = Tab(context.new_page(), base_url)
        tab.page.on("request", lambda request: tab.requests.append(request.url))
        tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))

        def on_console(message: ConsoleMessage) -> None:
            # A problem answer (422, 401, 404) is a "failed" load in chromium's console: the
            # page expects those. A policy refusal or an exception is not expected.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                tab.errors.append(message.text)

        tab.page.on("console", on_console)
        tabs.append((tab, context))
        return tab

    yield open_one
    for tab, context in tabs:
        try:
            tab.check()
        finally:
            context.close()


def _job(desk: Desk, page: Page) -> dict:
    match = re.search(r"[?&]job=([0-9a-f-]+)", page.url)
    assert match, f"no job in the page's address: {page.url}"
    return httpx.get(f"{desk.base_url}/v1/jobs/{match.group(1)}", timeout=10).json()


def _analyse(page: Page, article: str, *, duplicates: bool = False) -> None:
    page.get_by_label("Article", exact=True).fill(article)
    page.get_by_role("checkbox", name="Duplicates").set_checked(duplicates)
    page.get_by_role("button", name="Analyse").click()


def _assert_marks_match(page: Page, job: dict) -> None:
    """Each mark holds exactly what its mention says, in text order: offsets that are code
    points to the service land on the same characters in the browser."""
    mentions = sorted(
        (mention["start"], str(index), mention["text"])
        for index, entity in enumerate(job["result"]["entities"])
        for mention in entity["mentions"]
    )
    shown = page.locator("#article-text mark[data-entity]").evaluate_all(
        "marks => marks.map(m => [m.dataset.entity, m.textContent])"
    )
    assert shown == [[index, text] for _, index, text in mentions]


@needs_chromium
@pytest.mark.integration
def test_paste_analyse_toggle_and_open_by_job(desk: Desk, open_tab) -> None:
    tab = open_tab()
    page = tab.page
    page.goto(f"{desk.base_url}/playground")
    expect(page.locator("body[data-ready]")).to_be_attached()
    expect(page.get_by_label("API key")).to_be_hidden()  # this service has keys disabled

    _analyse(page, ARTICLE, duplicates=True)
    expect(page.locator("#article-text mark").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/playground\?job=[0-9a-f-]{36}$"))
    job = _job(desk, page)
    assert job["status"] == "finished"
    result = job["result"]
    body = result["cleanup"]["text"]
    assert "\N{SHIP}" in body

    # The article as Newsdesk sees it: the cleaned body, every mention marked, as text only.
    article_text = page.locator("#article-text")
    assert article_text.text_content() == body
    _assert_marks_match(page, job)
    types = set(
        page.locator("#article-text mark").evaluate_all("ms => ms.map(m => m.dataset.type)")
    )
    assert types == {entity["type"] for entity in result["entities"]}
    assert MARKUP in body and MARKUP in article_text.text_content()
    assert article_text.locator("img, b").count() == 0
    assert page.evaluate("window.__deskXss") is None

    # Hover or focus shows the entity; clicking (or Enter) highlights all its mentions.
    index, person = next(
        (i, e) for i, e in enumerate(result["entities"]) if e["name"] == "Oskar Brenner"
    )
    person_marks = page.locator(f'#article-text mark[data-entity="{index}"]')
    person_marks.first.hover()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("Oskar Brenner")
    expect(tooltip).to_contain_text("Salience")
    expect(tooltip).to_contain_text("Brenner")  # the alias
    person_marks.first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#article-text mark.selected")).to_have_count(person["count"])
    other = page.locator(f'#article-text mark:not([data-entity="{index}"])').first
    other.click()
    expect(person_marks.and_(page.locator(".selected"))).to_have_count(0)
    page.keyboard.press("Escape")
    expect(tooltip).to_be_hidden()

    # Quotes carry their speaker; a legend names each type.
    speaker = page.locator('#article-text .quote[data-speaker="Oskar Brenner"]')
    expect(speaker).to_have_count(1)
    expect(speaker).to_contain_text("We have carried more people")
    expect(page.locator("#legend li")).to_have_count(len(types))

    # Metadata, statistics, duplicates.
    metadata = page.locator("#metadata")
    expect(metadata).to_contain_text(result["cleanup"]["title"])
    expect(metadata).to_contain_text("Maja Lindqvist")
    expect(page.locator("#stat-tiles")).to_contain_text(str(result["stats"]["words"]))
    expect(page.locator("#by-type svg rect")).to_have_count(
        len(result["stats"]["entities_by_type"])
    )
    expect(page.locator("#duplicates")).to_contain_text("No earlier article")

    # What was removed: the submitted text, each removed piece marked with its reason.
    page.get_by_role("button", name="What was removed").click()
    expect(page.locator("#removed-view")).to_be_visible()
    expect(page.locator("#article-view")).to_be_hidden()
    expect(page.locator('#removed-text del[data-reason="share"]')).to_have_text(
        ["Share on Facebook", "Share on Twitter"]
    )
    expect(page.locator('#removed-text del[data-reason="navigation"]')).to_have_text(
        ["Home | News | Local | Sport"]
    )
    assert page.locator("#removed-text").text_content() == ARTICLE
    expect(page.locator("#removed-legend")).to_contain_text("share buttons")
    page.get_by_role("button", name="The article as Newsdesk sees it").click()
    expect(page.locator("#article-view")).to_be_visible()

    # The same article again: the second job links to the first as a duplicate.
    first = job["id"]
    _analyse(page, ARTICLE, duplicates=True)
    expect(page).not_to_have_url(re.compile(first))
    link = page.locator("#duplicates a")
    expect(link).to_have_attribute("href", f"playground?job={first}")
    expect(link).to_contain_text("Identical")
    link.click()
    expect(page).to_have_url(f"{desk.base_url}/playground?job={first}")
    expect(page.locator("#job-line")).to_contain_text(first)
    expect(page.locator("#article-text mark").first).to_be_visible()

    # Opened by ?job= in a fresh browser: the same marks; the removed view is rebuilt from
    # the spans, since the job does not keep the submitted text.
    fresh = open_tab().page
    fresh.goto(f"{desk.base_url}/playground?job={first}")
    expect(fresh.locator("#article-text mark").first).to_be_visible()
    assert fresh.locator("#article-text").text_content() == body
    _assert_marks_match(fresh, job)
    fresh.get_by_role("button", name="What was removed").click()
    expect(fresh.locator('#removed-text del[data-reason="share"]')).to_have_text(
        ["Share on Facebook", "Share on Twitter"]
    )
    expect(fresh.locator("#removed-note")).to_contain_text("rebuilt")


@needs_chromium
@pytest.mark.integration
def test_problems_are_shown_in_words(desk: Desk, open_tab) -> None:
    page = open_tab().page
    page.goto(f"{desk.base_url}/playground")
    expect(page.locator("body[data-ready]")).to_be_attached()
    _analyse(page, "   ")
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Invalid request")
    expect(problem).to_contain_text("Article: Must not be blank.")
    expect(page.get_by_label("Article", exact=True)).to_have_attribute("aria-invalid", "true")

    for box in page.locator("#analyses input").all():
        box.uncheck()
    _analyse(page, ARTICLE)
    expect(problem).to_contain_text("Analyses")
    expect(page.get_by_label("Article", exact=True)).not_to_have_attribute("aria-invalid", "true")

    page.goto(f"{desk.base_url}/playground?job={uuid.uuid4()}")
    expect(page.get_by_role("alert")).to_contain_text("Opening the job")
    expect(page.get_by_role("alert")).to_contain_text("404")


@needs_chromium
@pytest.mark.integration
def test_key_is_asked_for_and_never_put_in_the_address(desk: Desk, open_tab) -> None:
    key = "nd_desk_test_" + uuid.uuid4().hex
    with running_api(
        desk.redis_url,
        NEWSDESK_QUEUE=desk.queue,
        NEWSDESK_AUTH="required",
        NEWSDESK_API_KEYS=f"desk:{key}",
    ) as (_, base):
        tab = open_tab(base)
        page = tab.page
        page.goto(f"{base}/playground")
        key_field = page.get_by_label("API key")
        expect(key_field).to_be_visible()
        _analyse(page, ARTICLE)
        expect(page.get_by_role("alert")).to_contain_text("401")
        expect(key_field).to_be_focused()
        key_field.fill(key)
        page.get_by_role("button", name="Analyse").click()
        expect(page.locator("#article-text mark").first).to_be_visible()
        assert key not in page.url
        assert all(key not in url for url in tab.requests)
        assert page.evaluate("sessionStorage.getItem('newsdesk.apiKey')") == key
        page.reload()  # the key stays for this tab
        expect(page.locator("#article-text mark").first).to_be_visible()
        expect(key_field).to_have_value(key)


@needs_chromium
@pytest.mark.integration
def test_phone_width_and_docs(desk: Desk, open_tab) -> None:
    page = open_tab(width=390, height=844).page
    page.goto(f"{desk.base_url}/playground")
    _analyse(page, ARTICLE)
    expect(page.locator("#article-text mark").first).to_be_visible()
    page.locator("#article-text mark").first.focus()  # reachable by keyboard at any width
    expect(page.get_by_role("tooltip")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "no sideways scrolling"

    docs = open_tab().page
    docs.goto(f"{desk.base_url}/docs")
    expect(docs.locator(".swagger-ui .info .title")).to_contain_text("Newsdesk")
    docs.get_by_role("link", name="the article desk").click()
    expect(docs).to_have_url(f"{desk.base_url}/playground")
    expect(docs.get_by_label("Article", exact=True)).to_be_visible()
