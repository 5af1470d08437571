"""Cleanup: removal reasons, spans, body, header fields, robustness."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdesk.results import REMOVAL_REASONS, CleanupSchema
from workers.cleanup import clean

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = ("wire_story", "web_paste", "brief", "non_english", "nothing_left")


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def reasons_by_text(result: dict) -> dict[str, str]:
    return {item["text"]: item["reason"] for item in result["removed"]}


def assert_spans_map_back(submitted: str, result: dict) -> None:
    previous_end = 0
    for item in result["removed"]:
        assert submitted[item["start"] : item["end"]] == item["text"]
        assert item["start"] >= previous_end, "removed items overlap or are out of order"
        assert item["reason"] in REMOVAL_REASONS
        previous_end = item["end"]


@pytest.mark.parametrize("name", ARTICLES)
def test_every_fixture_spans_map_back_and_validate(name: str) -> None:
    submitted = fixture(name)
    result = clean(submitted)
    assert_spans_map_back(submitted, result)
    assert CleanupSchema().validate(result) == {}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Home | News | Business | Sport | Culture | Opinion", "navigation"),
        ("Subscribe", "subscription"),
        ("Subscribe now for unlimited access to local news.", "subscription"),
        ("Sign in", "login"),
        ("Share on Facebook", "share"),
        ("Share on Twitter", "share"),
        ("Email this article", "share"),
        (
            "Workers clear debris from the main hall of the mill on Monday. "
            "(Photo credit: Dana Whitfield)",
            "caption",
        ),
        ("Workers clear debris from the main hall of the mill on Monday.", "caption"),
        ("Credit: Dana Whitfield", "credit"),
        (
            "The council will hold a public consultation in September before a final vote "
            "in December.",
            "duplicate",
        ),
        (
            "Sign up for our daily newsletter to get the top stories in your inbox.",
            "newsletter",
        ),
        ("Related stories", "related"),
        ("Bridge repairs to close Station Road for six weeks", "related"),
        ("Most read", "related"),
        ("Council tax rise approved after long debate", "related"),
        ("Leave a comment", "comments"),
        ("© 2024 Riverside Gazette. All rights reserved.", "footer"),
        ("Privacy Policy | Terms of Use | Contact Us", "footer"),
        ("By Priya Hajari-Stone", "metadata"),
        ("Published: June 3, 2024 at 4:15 p.m.", "metadata"),
        ("Riverside council unveils plan to reopen Hajari Mill as arts centre", "metadata"),
        ("The century-old textile mill has stood empty since 2009.", "metadata"),
    ],
)
def test_web_paste_removes_each_kind_of_furniture(line: str, reason: str) -> None:
    assert reasons_by_text(clean(fixture("web_paste")))[line] == reason


def test_web_paste_body_keeps_the_article_and_nothing_else() -> None:
    result = clean(fixture("web_paste"))
    body = result["text"]
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("Riverside city council on Monday unveiled a plan")
    assert paragraphs[-1] == (
        "The council will hold a public consultation in September before a final vote in December."
    )
    for sentence in (
        "The Hajari's last looms fell silent fifteen years ago",
        '"We want the mill to be full of people again," said council leader Marcus Bell.',
        "Not everyone is convinced.",
    ):
        assert sentence in body
    assert body.count("public consultation") == 1
    for furniture in ("Subscribe", "Share", "newsletter", "Related", "Credit", "©", "Sign in"):
        assert furniture not in body


def test_web_paste_header_fields() -> None:
    result = clean(fixture("web_paste"))
    assert result["title"] == "Riverside council unveils plan to reopen Hajari Mill as arts centre"
    assert result["byline"] == "By Priya Hajari-Stone"
    assert result["published_at"] == "2024-06-03T16:15"


def test_wire_story_header_and_dateline_kept() -> None:
    submitted = fixture("wire_story")
    result = clean(submitted)
    assert result["title"] == (
        "Harbour authority approves Velmora port expansion despite fishermen's protests"
    )
    assert result["byline"] == "By Tomasz Reilly and Amina Okafor"
    assert result["published_at"] == "2023-03-14T09:30"
    assert result["text"].startswith("VELMORA, March 14 (Northline) - The Coastal Ports Authority")
    assert len(result["text"].split("\n\n")) == 5
    removed = reasons_by_text(result)
    assert removed["Reporting by Tomasz Reilly; Editing by Amina Okafor"] == "credit"
    assert "Reporting by" not in result["text"]


def test_brief_is_left_alone() -> None:
    submitted = fixture("brief")
    result = clean(submitted)
    assert result == {
        "text": submitted.strip(),
        "title": None,
        "byline": None,
        "published_at": None,
        "removed": [],
    }


def test_nothing_left_gives_an_empty_body() -> None:
    submitted = fixture("nothing_left")
    result = clean(submitted)
    assert result["text"] == ""
    reasons = {item["reason"] for item in result["removed"]}
    assert {"navigation", "login", "subscription", "share", "advertisement", "cookie"} <= reasons
    assert {"newsletter", "comments", "footer"} <= reasons
    assert len(result["removed"]) == len(submitted.strip().splitlines())


def test_non_english_passes_through_structurally() -> None:
    result = clean(fixture("non_english"))
    paragraphs = result["text"].split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Der Stadtrat von Lindenfeld")
    assert paragraphs[-1] == "Die Bauarbeiten sollen im Frühjahr beginnen."
    assert result["title"] == "Neue Fahrradwege für die Innenstadt"


def test_request_title_wins_and_its_line_is_removed() -> None:
    submitted = fixture("wire_story")
    given_title = "Port expansion approved"
    result = clean(submitted, title=given_title)
    assert result["title"] == given_title
    submitted_with_that_title = "Port expansion approved\n\n" + fixture("brief")
    result = clean(submitted_with_that_title, title="  Port   expansion approved ")
    assert result["title"] == "Port expansion approved"
    assert reasons_by_text(result)["Port expansion approved"] == "metadata"
    assert result["text"] == fixture("brief").strip()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("OCTOBER 1, 2020 22:19", "2020-10-01T22:19"),
        ("date 2020-10-01", "2020-10-01"),
        ("Updated: 5 May 2021, 9:05 AM", "2021-05-05T09:05"),
        ("Published Tuesday, Feb. 9, 2021 at 12:30 a.m.", "2021-02-09T00:30"),
        ("Posted 2022-07-30T18:02 UTC", "2022-07-30T18:02+00:00"),
        ("Last modified February 30, 2021", None),  # no such day: never guessed
    ],
)
def test_date_lines(line: str, expected: str | None) -> None:
    submitted = f"{line}\n\n{fixture('brief')}"
    result = clean(submitted)
    assert result["published_at"] == expected
    if expected:
        assert reasons_by_text(result)[line] == "metadata"


def test_a_date_inside_prose_is_not_a_publication_date() -> None:
    result = clean("The vote was held on March 3, 2020, in the old city hall.\n")
    assert result["published_at"] is None
    assert result["removed"] == []


def test_glued_credit_makes_a_caption() -> None:
    submitted = (
        fixture("brief")
        + "\nThe footbridge seen from the north bank at 10:41Credit: County Fire Service\n"
    )
    result = clean(submitted)
    assert reasons_by_text(result)[
        "The footbridge seen from the north bank at 10:41Credit: County Fire Service"
    ] == ("caption")
    assert "Credit" not in result["text"]


def test_unicode_is_fixed_in_the_body_but_spans_stay_on_the_original() -> None:
    submitted = "Share on Facebook\nThe cafÃ© reopened on Monday with a new menu.\n"
    result = clean(submitted)
    assert result["text"] == "The café reopened on Monday with a new menu."
    assert_spans_map_back(submitted, result)


def test_windows_line_endings_and_wrapped_lines() -> None:
    submitted = (
        "The council met on Monday and agreed to spend more on the\r\n"
        "roads next year, officials said.\r\n\r\nThe plan goes to a vote in May.\r\n"
    )
    result = clean(submitted)
    assert result["text"] == (
        "The council met on Monday and agreed to spend more on the roads next year, "
        "officials said.\n\nThe plan goes to a vote in May."
    )


def test_whitespace_is_normalised() -> None:
    result = clean("  The\u00a0mayor\t said   yes.  \n\n\n\n  The  end came\u200b quickly.  ")
    assert result["text"] == "The mayor said yes.\n\nThe end came quickly."


def test_a_thousand_word_page_cleans_in_a_few_milliseconds() -> None:
    page = fixture("web_paste") * 4
    assert 900 < len(page.split()) < 1300
    clean(page)
    started = time.perf_counter()
    for _ in range(10):
        clean(page)
    assert (time.perf_counter() - started) / 10 < 0.05


LINES = [
    "Home | News | Sport",
    "Share on Facebook",
    "Subscribe",
    "By Jane Roe",
    "March 3, 2021 10:00",
    "Credit: AFP",
    "A caption of a photo. (Photo credit: Someone)",
    "Related stories",
    "The mayor said the bridge would reopen in spring.",
    "Officials expect the repairs to cost about two million euros, a spokesman said.",
    "© 2024 Someone. All rights reserved.",
    "",
    "   ",
    "*",
    "Ünïcödé — “quotes” ‘here’ 日本語のテキスト。",
]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_cleanup_never_raises_and_spans_map_back_on_any_text(submitted: str) -> None:
    result = clean(submitted)
    assert_spans_map_back(submitted, result)
    assert "\n\n\n" not in result["text"]
    assert result["text"] == result["text"].strip()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), max_size=30),
    st.sampled_from(["\n", "\n\n", "\r\n", "\u2028", "\n \n"]),
)
def test_cleanup_on_page_shaped_text(lines: list[str], separator: str) -> None:
    submitted = separator.join(lines)
    result = clean(submitted)
    assert_spans_map_back(submitted, result)
    assert CleanupSchema().validate(result) == {}
    for paragraph in result["text"].split("\n\n") if result["text"] else []:
        assert paragraph and paragraph == paragraph.strip()


def test_page_headline_leaves_the_body_even_when_the_request_names_another_title() -> None:
    result = clean(fixture("wire_story"), title="Port expansion approved")
    assert result["title"] == "Port expansion approved"
    headline = "Harbour authority approves Velmora port expansion despite fishermen's protests"
    assert reasons_by_text(result)[headline] == "metadata"
    assert headline not in result["text"]
