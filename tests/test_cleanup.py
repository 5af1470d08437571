"""Cleanup: removal reasons, spans, body, header fields, robustness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from newsdesk.results import REMOVAL_REASONS, CleanupSchema
from service.schemas import ArticleRequestSchema
from workers.cleanup import clean, core, metadata
from workers.pipeline import analyze

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
        "paragraphs": result["paragraphs"],
        "title": None,
        "standfirst": None,
        "byline": None,
        "authors": [],
        "dateline": None,
        "contributors": [],
        "published_at": None,
        "source": "text",
        "source_text": None,
        "removed": [],
    }
    assert len(result["paragraphs"]) == len(submitted.strip().split("\n\n"))


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


def test_a_row_of_share_buttons_in_another_language_is_share() -> None:
    """Network names are the same in every language; the words around them are not."""
    body = (
        "Der Stadtrat von Lindenfeld hat am Dienstag neue Radwege beschlossen. "
        "Die Arbeiten beginnen im Frühjahr und sollen zwei Jahre dauern."
    )
    row = "WhatsApp Facebook Pinterest Herunterladen"
    sentence = "Facebook, Twitter und Telegram fallen aus."
    result = clean(f"{row}\n\n{body}\n\n{row}\n\n{sentence}\n")
    assert reasons_by_text(result)[row] == "share"
    assert "Herunterladen" not in result["text"]
    assert reasons_by_text(result).get(sentence) != "share"  # a sentence is not a button row


def test_a_long_consent_banner_is_cookie_and_a_paragraph_about_cookies_is_not() -> None:
    banner = (
        "We use cookies and similar tools to keep you signed in, remember your settings, "
        "measure how our pages are read and show offers that match what you read here. "
        "Some of these partners also combine this with what they know about you from other "
        "places. You can change your choice at any time from the link at the bottom of every "
        "page, and read more in our Cookie Policy and our Privacy Notice, updated this spring."
    )
    consent = "By choosing Accept, you agree to our use of cookies and other tracking tools."
    body = (
        "Regulators in Velmora fined three retailers on Tuesday for tracking shoppers without "
        "asking first. The companies placed cookies on visitors' computers as soon as a page "
        "opened, the agency said, and kept the data for years. Two of them will appeal.\n\n"
        "The agency said it would check a hundred more sites before the end of the year."
    )
    result = clean(f"{banner}\n\n{consent}\n\n{body}\n")
    reasons = reasons_by_text(result)
    assert len(banner.split()) > 60
    assert reasons[banner] == "cookie"
    assert reasons[consent] == "cookie"
    assert result["text"].startswith("Regulators in Velmora fined three retailers")


def test_a_long_line_without_punctuation_is_a_word_list_not_prose() -> None:
    """A tag cloud or a drop-down list pasted as one line reads like a run of words; prose of
    twenty words always has a mark somewhere. Removed even between two body paragraphs."""
    lead = (
        "The council met on Tuesday and voted to reopen the old mill as an arts centre, "
        "after two years of talks with the families who own the land beside the river."
    )
    tags = (
        "arts centre council culture environment events festival ferry harbour heritage "
        "housing library meadow mill museum parks planning river roads schools sport transport"
    )
    close = (
        "The vote was close, with six councillors for the plan and five against it, and "
        "work on the roof should begin in the spring if the weather allows it."
    )
    # Hard-wrapped prose, twenty words or more on a line, still has its commas and stops.
    wrapped = (
        "Residents who spoke at the meeting asked for the mill's wheel to be kept, and the "
        "architects said it would turn again."
    )
    result = clean(f"{lead}\n\n{tags}\n\n{close}\n\n{wrapped}\n")
    reasons = reasons_by_text(result)
    assert len(tags.split()) >= 20
    assert reasons[tags] == "navigation"
    assert "festival ferry harbour" not in result["text"]
    assert result["text"].startswith("The council met on Tuesday")
    assert "The vote was close" in result["text"]
    assert wrapped not in reasons


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Related: Divers find a second wreck off the northern cape", "related"),
        ("READ MORE: Ferry fares to rise in spring", "related"),
        ("Related coverage | Council votes on the mill", "related"),
        ("Read more about the ferry on the council's own site.", None),
        ("Relatedly, the council said it would wait.", None),
    ],
)
def test_an_inline_link_to_another_story_is_related(line: str, reason: str | None) -> None:
    lead = "The council met on Tuesday and voted to reopen the mill as an arts centre next year."
    close = "The vote was close, with six councillors for the plan and five against it."
    result = clean(f"{lead}\n\n{line}\n\n{close}\n")
    assert reasons_by_text(result).get(line) == reason


@pytest.mark.parametrize(
    ("heading", "reason"),
    [
        ("Leia também", "related"),
        ("Você pode gostar...", "related"),
        ("Te puede interesar", "related"),
        ("À lire aussi", "related"),
        ("Mehr zum Thema", "related"),
        ("Weitere Beiträge zum Thema", "related"),
        ("Popular Posts", "related"),
        ("Leggi anche", "related"),
        ("You may also like…", "related"),
        ("Comentários", "comments"),
        ("12 comentarios", "comments"),
        ("Laisser un commentaire", "comments"),
        ("Kommentare", "comments"),
        ("Читайте также", "related"),
        ("Lees ook", "related"),
        ("Czytaj także", "related"),
        ("Baca juga", "related"),
        ("İlginizi çekebilir", "related"),
        ("Комментарии", "comments"),
        ("12 reacties", "comments"),
        ("Yorumlar", "comments"),
        ("I recommended it.", None),  # a short sentence, not a heading
    ],
)
def test_headings_of_web_ui_in_other_languages(heading: str, reason: str | None) -> None:
    lead = "Der Stadtrat von Lindenfeld hat am Dienstag neue Radwege beschlossen."
    close = "Die Arbeiten sollen im Frühjahr beginnen, sagte die Bürgermeisterin am Abend."
    result = clean(f"{lead}\n\n{heading}\n\n{close}\n")
    assert reasons_by_text(result).get(heading) == reason


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


def test_glued_credit_is_split_from_its_caption() -> None:
    line = "The footbridge seen from the north bank at 10:41Credit: County Fire Service"
    submitted = fixture("brief") + "\n" + line + "\n"
    result = clean(submitted)
    removed = reasons_by_text(result)
    assert removed["The footbridge seen from the north bank at 10:41"] == "caption"
    assert removed["Credit: County Fire Service"] == "credit"
    assert "Credit" not in result["text"]
    assert "north bank" not in result["text"]


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


# The edges of a short article: the lead right under the navigation and a one-sentence
# last paragraph above the page's furniture score near the model's line.
SHORT_PAGE = (
    "Weather\nSport\n"
    "The Alder Valley school will reopen its library on Monday after repairs to the roof, "
    "the head teacher said on Friday afternoon.\n\n"
    "Repairs took three months and cost the district about 40,000 euros, according to its "
    "accounts.\n\n"
    '"We have missed it every single day," said pupil Mara Lind.\n\n'
    "Sign up for our newsletter"
)


def test_the_lead_and_the_closing_quote_of_a_short_article_are_kept() -> None:
    result = clean(SHORT_PAGE)
    paragraphs = result["text"].split("\n\n")
    assert paragraphs[0].startswith("The Alder Valley school will reopen")
    assert paragraphs[-1].endswith("said pupil Mara Lind.")
    assert len(paragraphs) == 3
    assert [r["reason"] for r in result["removed"]] == ["navigation", "navigation", "newsletter"]


def test_an_unfinished_line_at_the_edge_is_not_taken_for_body() -> None:
    # A teaser headline under the body has no full stop: it stays out.
    page = SHORT_PAGE.replace(
        "Sign up for our newsletter", "More from Alder Valley\n\nNew bus timetable for the valley"
    )
    assert "New bus timetable" not in clean(page)["text"]


LEAD_PAGE = (
    "Home | World | Business\n"
    "(photo credit: Lena Ostrova)\n"
    "The river authority said on Monday it would close the old lock at Brenn for a year while "
    "engineers rebuild its gates.\n"
    "Barge operators have asked the authority for two years to delay the work until a bypass "
    "channel is dug beside the lock.\n"
    "Traffic on the river has grown by a fifth since the port at Holm opened its new container "
    "terminal last spring.\n"
    "The authority said the gates were more than ninety years old.\n"
    "Work begins in March.\n"
)


def _edges(text: str, probabilities: list[float]) -> list[bool]:
    lines, _ = core.prepare(text)
    assert len(lines) == len(probabilities)
    scores = np.array(probabilities)
    keep = [bool(p >= 0.5) for p in scores]
    core._keep_closing_sentence(lines, scores, keep)
    return keep


def test_a_lead_of_several_sentences_above_the_body_is_kept_whole() -> None:
    # On a short page the model is unsure of the opening one-sentence paragraphs: the
    # whole run of full sentences between the page's furniture and the body is the lead.
    keep = _edges(LEAD_PAGE, [0.1, 0.1, 0.42, 0.41, 0.40, 0.6, 0.7])
    assert keep == [False, False, True, True, True, True, True]


def test_a_lead_run_stops_at_a_sentence_the_model_rejects() -> None:
    keep = _edges(LEAD_PAGE, [0.1, 0.1, 0.42, 0.2, 0.40, 0.6, 0.7])
    # A full sentence the model rejects is neither lead nor furniture: with prose of
    # doubtful standing above them, the sentences under it are not taken for the lead.
    assert keep == [False, False, False, False, False, True, True]


def test_a_caption_glued_to_its_credit_is_a_caption_however_long() -> None:
    caption = (
        "Engineers inspect the gates of the old lock at Brenn, which the river authority "
        "will close for a year from March, on Monday, May 4."
    )
    result = clean(
        LEAD_PAGE.replace("(photo credit: Lena Ostrova)\n", f"{caption}Credit: Lena Ostrova\n")
    )
    assert reasons_by_text(result)[caption] == "caption"
    assert "Engineers inspect" not in result["text"]
    assert result["text"].startswith("The river authority said on Monday")


def test_page_headline_leaves_the_body_even_when_the_request_names_another_title() -> None:
    result = clean(fixture("wire_story"), title="Port expansion approved")
    assert result["title"] == "Port expansion approved"
    headline = "Harbour authority approves Velmora port expansion despite fishermen's protests"
    assert reasons_by_text(result)[headline] == "metadata"
    assert headline not in result["text"]


# --- new-fields and per-reason tests (fixtures under tests/fixtures/cleanup/) -----------

CLEANUP_FIXTURES = FIXTURES / "cleanup"


def page(name: str) -> str:
    return (CLEANUP_FIXTURES / name).read_text(encoding="utf-8")


def gold(name: str) -> str:
    return page(name.replace(".txt", ".gold.txt")).strip()


@pytest.mark.parametrize(
    ("name", "line", "reason"),
    [
        ("ferry_page.txt", "Home | Local | Business | Sport | Weather | Opinion", "navigation"),
        ("ferry_page.txt", "Share on WhatsApp", "share"),
        ("ferry_page.txt", "Subscribe", "subscription"),
        ("ferry_page.txt", "Sign in", "login"),
        (
            "ferry_page.txt",
            "We use cookies to improve your experience on our site. By continuing to browse "
            "you agree to our use of cookies.",
            "cookie",
        ),
        (
            "ferry_page.txt",
            "The ferry Saint Brede at the pier in Kestrel Bay on Sunday. "
            "(Photo credit: Jonah Pike)",
            "caption",
        ),
        ("ferry_page.txt", "Credit: Jonah Pike", "credit"),
        ("ferry_page.txt", "Osian Reed contributed to this report.", "credit"),
        ("ferry_page.txt", "Related stories", "related"),
        ("ferry_page.txt", "Advertisement", "advertisement"),
        (
            "ferry_page.txt",
            "Sign up for our morning newsletter and get the day's top stories in your inbox.",
            "newsletter",
        ),
        ("ferry_page.txt", "Leave a comment", "comments"),
        ("ferry_page.txt", "© 2024 Kestrel Bay Courier. All rights reserved.", "footer"),
        (
            "ferry_page.txt",
            "The county council will debate an emergency grant for the route at its meeting "
            "on November 28.",
            "duplicate",
        ),
        ("ferry_page.txt", "By Maren Holt and Idris Campbell", "metadata"),
        ("ferry_page.txt", "* * *", "other"),
        ("market_page.txt", "Sponsored content", "advertisement"),
        ("market_page.txt", "Log in to your account", "login"),
        ("market_page.txt", "View 34 comments", "comments"),
        ("wire_copy.txt", "Reporting by Piet Ansgar; Editing by Carla Mendes", "credit"),
    ],
)
def test_each_reason_on_written_pages(name: str, line: str, reason: str) -> None:
    submitted = page(name)
    result = clean(submitted)
    assert reasons_by_text(result)[line] == reason
    assert_spans_map_back(submitted, result)


@pytest.mark.parametrize(
    "name", ["ferry_page.txt", "market_page.txt", "wire_copy.txt", "bus_page.txt"]
)
def test_written_pages_give_their_gold_body(name: str) -> None:
    body = clean(page(name))["text"]
    assert body.split() == gold(name).split()


def test_subheadings_and_list_items_inside_the_body_stay_in_it() -> None:
    """Short lines between body lines are the body's own (the model alone drops some)."""
    result = clean(page("bus_page.txt"))
    paragraphs = result["text"].split("\n\n")
    assert "What changes" in paragraphs
    assert "Fares" in paragraphs  # a list item ends at its line
    assert "* Route N3: town centre to Millbank, every hour" in paragraphs
    reasons = reasons_by_text(result)
    assert reasons["Advertisement"] == "advertisement"
    assert reasons["Station car park to close for resurfacing"] == "related"


COMMENTS_BODY = [
    "The county will close the Dunmore footbridge for eight weeks from Monday while "
    "engineers replace its deck, the council said on Thursday.",
    "Walkers and cyclists will be sent over the road bridge half a mile downstream, "
    "where temporary lights will hold traffic so that people can cross safely.",
    "The footbridge carries about four thousand people a day, most of them on their way "
    "to the station or the two schools on the far bank of the river.",
    "Engineers found rot in the timber deck during an inspection last spring and "
    "closed one side of the bridge at the time as a precaution.",
    "The work will cost about 600,000 pounds, paid from the county's repair budget.",
]


def test_a_comment_section_ends_the_article() -> None:
    """Readers' comments look like more body; their section's heading ends the article."""
    body = COMMENTS_BODY
    comments = [
        "I walk over that bridge every day and the diversion will add twenty minutes to "
        "my journey, which nobody at the council seems to have thought about.",
        "Good to see the council finally doing something about the deck, it has been "
        "soft in places for years and the railings are no better.",
    ]
    heading = "Top rated comments"
    page = "\n".join(
        [
            "Home | News | Sport",
            *body,
            "Share on Facebook",
            heading,
            "rivergate_walker",
            comments[0],
            "Rating: 12",
            "m.hollis",
            comments[1],
            "Privacy Policy | Terms of Use",
        ]
    )
    result = clean(page + "\n")
    assert result["text"].split("\n\n") == body
    reasons = reasons_by_text(result)
    assert reasons[heading] == "comments"
    assert reasons[comments[0]] == "comments"
    assert reasons[comments[1]] == "comments"


@pytest.mark.parametrize("heading", ["About the author", "Über Mara Lindqvist", "Sobre Ana Ruiz"])
def test_a_box_about_the_author_ends_the_article(heading: str) -> None:
    bio = "Mara writes about rivers, bridges and the people who look after them for the Echo."
    page = "\n".join(["Home | News | Sport", *COMMENTS_BODY, heading, bio, "Privacy Policy"])
    lines, _ = core.prepare(page)
    # Whether the model keeps the heading and the biography or not, they end the article.
    for believed in (True, False):
        keep = [False, *[True] * len(COMMENTS_BODY), believed, believed, False]
        core._end_at_comments(lines, keep)
        assert keep == [False, *[True] * len(COMMENTS_BODY), False, False, False]
        assert [line.reason for line in lines[-3:-1]] == ["footer", "footer"]


def test_an_author_box_under_a_short_lead_is_left_to_the_model() -> None:
    lines, _ = core.prepare("\n".join([COMMENTS_BODY[0], "About the author", COMMENTS_BODY[1]]))
    keep = [True, True, True]
    core._end_at_comments(lines, keep)
    assert keep == [True, True, True]


@pytest.mark.parametrize("line", ["About this rating", "About 40 people came.", "About Us"])
def test_lines_that_are_not_an_author_box(line: str) -> None:
    assert not core.rules.about_box(core.prepare(line)[0][0])


@pytest.mark.parametrize(
    "line",
    [
        "Tags: bridges, Dunmore, county council",
        "Filed Under: Bridges, Transport",
        "Topics Dunmore footbridge",
        "* Tags",
        "Теги: мосты",
    ],
)
def test_tag_lines_are_navigation_whatever_the_model_says(line: str) -> None:
    lines, _ = core.prepare(f"{COMMENTS_BODY[0]}\n{line}\n{COMMENTS_BODY[1]}")
    assert (lines[1].reason, lines[1].sure) == ("navigation", True)


def test_a_sentence_that_opens_with_a_tag_word_is_not_a_tag_line() -> None:
    lines, _ = core.prepare("Tags on the crates showed they came from the port at Holm.")
    assert not lines[0].sure


def test_a_comments_link_in_a_short_lead_does_not_end_the_article() -> None:
    lead = "The mill reopens on Saturday after a two-year repair."
    rest = (
        "Volunteers rebuilt the water wheel with oak from the estate, and the trust that "
        "owns the mill says it will grind flour again by the spring."
    )
    result = clean(f"Home | News | Sport\n{lead}\nView 12 comments\n{rest}\n© 2025 Echo\n")
    assert rest in result["text"]


def test_ferry_page_fields() -> None:
    result = clean(page("ferry_page.txt"))
    assert result["title"] == "Ferry operator cuts winter timetable to Orla Island"
    assert result["standfirst"] == (
        "Islanders say the reduced service will leave them stranded for days at a time."
    )
    assert result["byline"] == "By Maren Holt and Idris Campbell"
    assert result["authors"] == ["Maren Holt", "Idris Campbell"]
    assert result["published_at"] == "2024-11-12T08:05"
    assert result["contributors"] == ["Osian Reed"]
    assert result["dateline"] is None


def test_wire_copy_fields() -> None:
    result = clean(page("wire_copy.txt"))
    assert result["title"] == "Grain silo fire contained after two days"
    assert result["byline"] == "By REUTERS"
    assert result["authors"] == ["Reuters"]
    assert result["published_at"] == "2021-09-30"
    assert result["dateline"] == "DORNHAVEN, Sept 30 (Reuters)"
    assert "under investigation but" in result["text"]  # hyphenated across lines, rejoined


def test_market_page_fields() -> None:
    result = clean(page("market_page.txt"))
    assert result["authors"] == ["Anna Ruiz", "Tom Lee"]
    assert result["published_at"] == "2020-10-01T22:19"
    assert result["title"] == "Brassfield Motors to build battery plant near Tarrow"
    assert result["standfirst"] == "Carmaker promises 1,200 jobs at former colliery site"


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("By REUTERS", ["Reuters"]),
        ("By Ana Ruiz and Tom Lee", ["Ana Ruiz", "Tom Lee"]),
        ("By AFP", ["AFP"]),
        (
            "By Jean de la Croix, Mia Holm & Ole Berg | Updated 3 May",
            ["Jean de la Croix", "Mia Holm", "Ole Berg"],
        ),
        (None, []),
    ],
)
def test_authors_from_byline(byline: str | None, authors: list[str]) -> None:
    assert metadata.authors(byline) == authors


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "VELMORA, March 14 (Northline) - The authority approved it.",
            "VELMORA, March 14 (Northline)",
        ),
        ("LONDON (Wirepost) - Shares fell on Monday.", "LONDON (Wirepost)"),
        ("NEW YORK — The city council voted on Monday.", "NEW YORK"),
        ("BREAKING: the bridge is closed.", None),
        ("The council met on Monday - and voted.", None),
    ],
)
def test_datelines(paragraph: str, expected: str | None) -> None:
    assert metadata.dateline(paragraph) == expected


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("Osian Reed contributed to this report.", ["Osian Reed"]),
        ("Lena Park and Ivo Marr contributed reporting to this story.", ["Lena Park", "Ivo Marr"]),
        ("Additional reporting by Sanne Vos; editing by Rob Hale", ["Sanne Vos"]),
        ("Everyone contributed to the win.", []),
    ],
)
def test_contributors(line: str, names: list[str]) -> None:
    assert metadata.contributors(line) == names


def test_html_input_is_extracted_then_cleaned() -> None:
    submitted = page("library_page.html")
    result = clean(submitted, content_type="text/html")
    assert CleanupSchema().validate(result) == {}
    assert result["source"] == "html"
    body = result["text"]
    assert body.startswith("The Lindqvist public library in Harrow Vale reopened on Monday")
    assert body.endswith("would be finished by the summer.")
    assert len(body.split("\n\n")) == 4
    for furniture in ("Most read", "bakery", "Privacy", "All rights reserved"):
        assert furniture not in body
    assert result["title"] == "Lindqvist library reopens after flood repairs"
    assert result["authors"] == ["Selma Okoro"]
    assert result["published_at"].startswith("2024-02-19")
    # Offsets point into the extracted text the result returns.
    source = result["source_text"]
    for span in result["paragraphs"]:
        assert source[span["start"] : span["end"]].strip()
    for item in result["removed"]:
        assert source[item["start"] : item["end"]] == item["text"]


def test_plainly_html_is_detected_and_text_is_not() -> None:
    assert clean(page("library_page.html"))["source"] == "html"
    assert clean(page("ferry_page.txt"))["source"] == "text"
    assert clean("Use <b> for bold and <i> for italics, the editor said.")["source"] == "text"
    forced = clean(page("library_page.html"), content_type="text/plain")
    assert forced["source"] == "text"
    assert forced["source_text"] is None


def test_request_accepts_the_two_content_types_only() -> None:
    schema = ArticleRequestSchema(max_text_chars=200_000, max_html_chars=6_000_000)
    for content_type in ("text/plain", "text/html"):
        assert schema.validate({"text": "Some text.", "content_type": content_type}) == {}
    errors = schema.validate({"text": "Some text.", "content_type": "application/pdf"})
    assert "content_type" in errors


def test_pipeline_passes_the_content_type_to_cleanup() -> None:
    submitted = page("library_page.html")
    as_html = analyze({"text": submitted, "content_type": "text/html", "analyses": ["cleanup"]})
    assert as_html["cleanup"]["source"] == "html"
    as_text = analyze({"text": submitted, "content_type": "text/plain", "analyses": ["cleanup"]})
    assert as_text["cleanup"]["source"] == "text"


# --- the headline, chosen once the body is known -------------------------------------

HEADLINE_PAGE = (
    "Skip to Article\n"
    "Search the Valley Courier\n\n"
    "Valley Courier\n\n"
    "Brenn lock to close for a year while its gates are rebuilt\n\n"
    "By Ines Varga\n"
    "Updated March 3, 2025\n"
    "Barge operators fear long detours\n"
    "Share on Facebook Share on X\n\n"
    "The river authority said on Monday it would close the old lock at Brenn for a year while "
    "engineers rebuild its gates, which are more than ninety years old.\n\n"
    "Barge operators have asked the authority for two years to delay the work until a bypass "
    "channel is dug beside the lock, and say the closure will add a day to every trip.\n\n"
    "The authority said the rebuilt gates would let larger barges through from next spring.\n\n"
    "© 2025 Valley Courier\n"
)


def test_the_headline_is_the_line_above_the_body_that_shares_its_words() -> None:
    result = clean(HEADLINE_PAGE)
    assert result["title"] == "Brenn lock to close for a year while its gates are rebuilt"
    assert result["standfirst"] is None  # the next line is a byline, not a summary
    reasons = reasons_by_text(result)
    assert reasons["Brenn lock to close for a year while its gates are rebuilt"] == "metadata"
    # A site's name and its controls are never taken for the headline.
    assert reasons["Skip to Article"] != "metadata"
    assert reasons["Valley Courier"] != "metadata"
    assert result["text"].startswith("The river authority said on Monday")


def test_a_site_name_sharing_two_words_with_the_lead_is_not_the_headline() -> None:
    # "Follow the River Authority" shares two words with the lead; the headline, which
    # shares more of them, stands further from the body.
    page = HEADLINE_PAGE.replace(
        "Barge operators fear long detours\n", "Follow the River Authority\n"
    ).replace("Share on Facebook Share on X\n\n", "Share on Facebook Share on X\n\n", 1)
    assert clean(page)["title"] == "Brenn lock to close for a year while its gates are rebuilt"


def test_a_headline_the_model_keeps_as_the_first_body_line_is_the_headline() -> None:
    def first_kept(page: str, first: str) -> bool:
        lines, _ = core.prepare(page)
        kept = [
            i
            for i, line in enumerate(lines)
            if line.text == first or line.text.startswith(("The ", "Barge operators have"))
        ]
        return core.headline.heads_body(lines, kept)

    headline = "Brenn lock to close for a year while its gates are rebuilt"
    assert first_kept(HEADLINE_PAGE, headline)
    # A first paragraph is a sentence, and a short line about something else names nothing.
    assert not first_kept(HEADLINE_PAGE, "")
    assert not first_kept(
        HEADLINE_PAGE.replace(headline, "Weekend Arts Listings"), "Weekend Arts Listings"
    )


def test_a_breadcrumb_trail_is_not_the_headline() -> None:
    crumbs = "Home » Rivers » Brenn lock to close for a year while its gates are rebuilt"
    result = clean(HEADLINE_PAGE.replace("Valley Courier\n\n", f"{crumbs}\n\n", 1))
    assert result["title"] == "Brenn lock to close for a year while its gates are rebuilt"
    page = HEADLINE_PAGE.replace(
        "Brenn lock to close for a year while its gates are rebuilt", crumbs
    ).replace("Barge operators fear long detours\n", "")
    assert clean(page)["title"] is None


def test_a_web_page_with_no_headline_about_its_story_has_no_title() -> None:
    page = HEADLINE_PAGE.replace(
        "Brenn lock to close for a year while its gates are rebuilt", "Weekend Arts Listings"
    ).replace("Barge operators fear long detours\n", "")
    result = clean(page)
    assert result["title"] is None
    assert reasons_by_text(result)["Weekend Arts Listings"] != "metadata"


def test_plain_copy_keeps_its_first_line_as_headline_whatever_its_words() -> None:
    copy = (
        "A long wait on the water\n\n"
        "The river authority said on Monday it would close the old lock at Brenn for a year "
        "while engineers rebuild its gates.\n\n"
        "Barge operators have asked for the work to be delayed until a bypass is dug.\n"
    )
    assert clean(copy)["title"] == "A long wait on the water"


def test_the_date_line_nearest_the_body_is_the_storys() -> None:
    # A date printed higher up the page (a menu, a teaser list) is another story's.
    assert clean("January 5, 2019\n" + HEADLINE_PAGE)["published_at"] == "2025-03-03"


@pytest.mark.parametrize(
    "dates",
    ["date 2025-03-03\nMarch 3, 2025 14:05\n", "March 3, 2025 14:05\ndate 2025-03-03\n"],
)
def test_of_two_date_lines_of_one_day_the_one_with_the_time_wins(dates: str) -> None:
    page = HEADLINE_PAGE.replace("Updated March 3, 2025\n", dates)
    assert clean(page)["published_at"] == "2025-03-03T14:05"


# --- bylines as pages print them, found once the body is known ----------------------


@pytest.mark.parametrize(
    ("printed", "byline", "authors"),
    [
        ("By Ines Varga - 03/03/25 06:56 AM EST", None, ["Ines Varga"]),
        ("March 3, 2025 | by Ines Varga", "by Ines Varga", ["Ines Varga"]),
        ("Monday March 3, 2025 7:45 am by Ines Varga", "by Ines Varga", ["Ines Varga"]),
        ("Ines Varga - Mar 3, 2025, 10:31 pm CET", "Ines Varga", ["Ines Varga"]),
        ("Reuters March 3, 2025 11:03 PM", "Reuters", ["Reuters"]),
        ("Author:Ines VargaPublish date:Mar 3, 2025", "Author:Ines Varga", ["Ines Varga"]),
        ("Von Ines Varga publiziert am 3. März 2025", "Von Ines Varga", ["Ines Varga"]),
        ("Posted by Ines Varga on March 3, 2025", "Posted by Ines Varga", ["Ines Varga"]),
        ("By Ines Varga and Tomas Brandt, 3 March 2025", None, ["Ines Varga", "Tomas Brandt"]),
    ],
)
def test_bylines_printed_beside_a_date(printed: str, byline: str | None, authors: list) -> None:
    page = HEADLINE_PAGE.replace("By Ines Varga\nUpdated March 3, 2025\n", f"{printed}\n")
    result = clean(page)
    if byline is not None:
        assert result["byline"] == byline
    assert result["authors"] == authors
    assert reasons_by_text(result)[printed] == "metadata"


@pytest.mark.parametrize(
    "printed",
    [
        "Courier March 3, 2025",  # one word before a date: a site's name, not an author
        "Valley Courier March 3, 2025",  # a name the page's copyright line gives
        "Photo by Ines Varga",  # who took the picture
        "Sort by Newest",  # a control
        "New Delhi, Valley Bureau | Updated March 3, 2025",  # a place, and more than names
    ],
)
def test_lines_that_only_look_like_bylines(printed: str) -> None:
    page = HEADLINE_PAGE.replace("By Ines Varga\nUpdated March 3, 2025\n", f"{printed}\n")
    assert clean(page)["authors"] == []


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("by Ines Varga September 15, 2014", ["Ines Varga"]),
        ("By Ines VargaStaff Writer", ["Ines Varga"]),  # a role glued on
        ("By Ines Varga@ivarga Mar 3, 2025", ["Ines Varga"]),
        ("By Ronan McDonald and Ann MacKenzie", ["Ronan McDonald", "Ann MacKenzie"]),
        ("Written by Ines Varga, MS, RD", ["Ines Varga"]),  # letters after a name
        ("By Ines Varga, Wednesday, 20 November 2019", ["Ines Varga"]),
    ],
)
def test_authors_end_where_the_byline_tail_begins(byline: str, authors: list[str]) -> None:
    assert metadata.authors(byline) == authors


# --- teaser cards copied as text, headline glued to summary ----------------------------

CARDS = [
    "Ferry Fares To Orla Rise AgainThe island's ferry company said fuel costs forced "
    "a second rise this year.",
    "Brenn Lock Closes For A Year From MarchEngineers will rebuild the gates of the old "
    "lock, the river authority said.",
    "Five New Cafes To Try In Tarrow This Winter?From soup kitchens to bakeries, here is "
    "where to warm up.",
]


def test_a_list_of_glued_teaser_cards_is_related() -> None:
    page = "\n".join(["Home | News | Sport", *LEAD_PAGE.splitlines()[2:], *CARDS, "© 2025 Courier"])
    result = clean(page)
    reasons = reasons_by_text(result)
    assert all(reasons[card] == "related" for card in CARDS)
    assert "Ferry Fares" not in result["text"]
    # The rule names the cards only: the body's closing lines above them are not cards,
    # whatever the model makes of a short page's last lines.
    assert "Traffic on the river has grown" in result["text"]
    assert all(reasons.get(line) != "related" for line in LEAD_PAGE.splitlines())


def test_cards_in_title_case_with_small_words_are_cards() -> None:
    cards = [
        "Three Cafes to Try in Tarrow This WinterFrom soup kitchens to bakeries, here is where.",
        "The Best Walks on the Orla CoastFive routes for a windy afternoon by the sea.",
    ]
    lines, _ = core.prepare("\n".join(cards))
    assert [line.reason for line in lines] == ["related", "related"]


def test_listed_cards_whose_headline_runs_into_a_dateline_are_related() -> None:
    cards = [
        "* Ferry fares to Orla rise again ORLA: The island's ferry company said on Monday.",
        "* Brenn lock to close for a year BRENN: Engineers will rebuild the old gates.",
    ]
    lines, _ = core.prepare("\n".join([*LEAD_PAGE.splitlines()[2:], *cards]))
    assert [line.text for line in lines if line.reason == "related"] == cards
    # A story's own paragraphs open with their dateline; a quote after a colon is no card.
    own = [
        "BRENN: Engineers will rebuild the old gates, the river authority said.",
        "The lock keeper told the ECHO: It is the end of an era for the town.",
        "The lock keeper told the ECHO: Nobody here remembers the lock shut.",
    ]
    assert core.rules.glued_cards(core.prepare("\n".join(own))[0]) == []


def test_a_lone_glued_line_and_names_with_inner_capitals_are_not_cards() -> None:
    # A page may glue a name's pop-up into its text: one glued line alone is no list.
    lone = core.prepare(f"{LEAD_PAGE}Gov. Ana RuizAna Ruiz said the lock would reopen in 2026.\n")
    assert core.rules.glued_cards(lone[0]) == []
    names = core.prepare(
        "Ronan McDonald And LeBron Varga Met In Kessel On Monday To Sign The Deal\n"
        "Ronan McDonald And LeBron Varga Met In Kessel On Monday To Sign It Again\n"
    )[0]
    assert core.rules.glued_cards(names) == []


# --- runs of bare teaser headlines; the header above the byline -----------------------

TEASERS = [
    "Ferry fares to Orla rise for the second time this year",
    "Why the Tarrow council wants a new bridge",
    "Five cafes to try in Holm this winter",
    "Brenn lock: what closing it means for barges?",
    "Storm warning for the northern coast",
]


def test_a_run_of_bare_headlines_with_varied_openings_is_teasers() -> None:
    lines, _ = core.prepare("\n".join([*LEAD_PAGE.splitlines()[2:], *TEASERS]))
    assert [line.text for line in lines if line.reason == "related"] == TEASERS
    assert all(line.sure for line in lines if line.reason == "related")


@pytest.mark.parametrize(
    "rows",
    [
        # A schedule repeats its opening word; a table has columns; neither is teasers.
        [
            "June 9 -- Harbour Hall, Holm",
            "June 12 -- Town Arena, Brenn",
            "June 14 -- Park Stage, Tarrow",
            "July 2 -- Quay Theatre, Orla",
        ],
        [
            "1   Ana Ruiz       5040   5",
            "2   Ronan Kessel   5035   7",
            "3   Lena Ostrova   5033   4",
            "4   Mia Varga      5027   6",
        ],
        # Three bare lines are not yet a list, and exclamations are a blog's own voice.
        TEASERS[:3],
        [
            "What a night at the harbour!",
            "The crowd sang along to every song!",
            "Then came the fireworks over the water!",
            "We will be back next summer!",
        ],
    ],
)
def test_lists_that_are_not_teasers(rows: list[str]) -> None:
    lines, _ = core.prepare("\n".join(rows))
    assert core.rules.teaser_runs(lines) == []


def test_the_headline_under_a_run_of_teasers_is_not_one_of_them() -> None:
    # Teasers standing right above the story: its headline, just over the byline, ends
    # the run without joining it.
    headline = "Brenn lock to close for a year while its gates are rebuilt"
    lines, _ = core.prepare("\n".join([*TEASERS, headline, "By Lena Ostrova", *COMMENTS_BODY]))
    related = [line.text for line in lines if line.reason == "related"]
    assert related == TEASERS


def test_teasers_after_the_body_leave_it() -> None:
    page = "\n".join(
        ["Home | News | Sport", *LEAD_PAGE.splitlines()[2:], *TEASERS, "© 2025 Courier"]
    )
    result = clean(page)
    reasons = reasons_by_text(result)
    assert all(reasons[teaser] == "related" for teaser in TEASERS)
    assert "Storm warning" not in result["text"]
    assert "Work begins in March." in result["text"]


STAMPED = [
    "Ferry fares to Orla rise again",
    "The island's ferry company said fuel costs forced a second rise this year.",
    "7H ago 02:14",
    "Brenn lock to close for a year",
    "Engineers will rebuild the gates of the old lock, the river authority said.",
    "Nov 7 23:05",
    "Storm warning for the northern coast",
    "Gales are expected to reach the coast by Friday evening, forecasters said.",
    "2 hours ago",
]


def test_a_list_of_time_stamped_cards_is_related() -> None:
    lines, _ = core.prepare("\n".join([*LEAD_PAGE.splitlines()[2:], *STAMPED]))
    related = [line.text for line in lines if line.reason == "related"]
    # From the first stamp to the last: the cards' edges are left to the model.
    assert related == STAMPED[2:]


@pytest.mark.parametrize(
    "stamps",
    [
        ["Nov 7", "Nov 8", "Nov 9"],  # a timeline's subheadings
        ["10:32", "10:45", "11:02"],  # a live blog's entries
        ["7H ago 02:14", "Nov 7 23:05"],  # two stamps are no list yet
    ],
)
def test_stamps_that_do_not_make_a_card_list(stamps: list[str]) -> None:
    text = "\n".join(f"{stamp}\n{COMMENTS_BODY[n]}" for n, stamp in enumerate(stamps))
    lines, _ = core.prepare(text)
    assert core.rules.stamped_cards(lines) == []


def _keep_with(text: str, probabilities: list[float]) -> list[bool]:
    lines, _ = core.prepare(text)
    assert len(lines) == len(probabilities)
    keep = [p >= 0.5 for p in probabilities]
    core._drop_header_above_byline(lines, keep)
    return keep


HEADER_PAGE = (
    "Brenn lock to close for a year\n"
    "Barge operators say the work will cost them a season.\n"
    "By Lena Ostrova\n" + LEAD_PAGE.split("\n", 2)[2]
)


def test_a_few_lines_kept_above_the_byline_are_the_header() -> None:
    keep = _keep_with(HEADER_PAGE, [0.7, 0.8, 0.0, 0.9, 0.9, 0.9, 0.9, 0.9])
    assert keep == [False, False, False, True, True, True, True, True]


def test_lines_kept_above_the_headline_are_not_the_body() -> None:
    lines = HEADER_PAGE.splitlines()
    page = "\n".join(["Ferry fares to Orla rise again this winter", lines[0], *lines[3:]])
    keep = _keep_with(page, [0.6, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9])
    assert keep == [False, False, True, True, True, True, True]


def _tail_kept(closing: list[str], last: str) -> list[bool]:
    lines, _ = core.prepare("\n".join([*COMMENTS_BODY, *closing, last]))
    keep = [line.reason is None for line in lines]
    core._drop_stray_tail(lines, keep)
    return keep


def test_one_line_kept_past_the_pages_closing_furniture_is_not_the_body() -> None:
    caption = "Ferry passengers wait on the quay at Orla in the morning fog."
    keep = _tail_kept(["Subscribe now and save a third", "Already a subscriber? Log in"], caption)
    assert keep == [True] * len(COMMENTS_BODY) + [False, False, False]


def test_a_last_paragraph_after_an_advertisement_stays() -> None:
    # An advertisement label and a caption interrupt a body; they do not end it.
    last = "The bridge should open again in time for the new school term."
    keep = _tail_kept(["Advertisement", "(photo credit: Lena Ostrova)"], last)
    assert keep[-1]
    # Nor is one line of closing furniture enough to cut off a last paragraph.
    assert _tail_kept(["Subscribe now and save a third"], last)[-1]


def test_a_body_that_starts_above_a_byline_in_its_middle_keeps_its_start() -> None:
    # The lines above are not a header when they hold as much of the article as below.
    lines = HEADER_PAGE.splitlines()
    page = "\n".join([*lines[3:6], lines[2], *lines[6:]])
    keep = _keep_with(page, [0.9, 0.9, 0.9, 0.0, 0.9, 0.9])
    assert keep == [True, True, True, False, True, True]
