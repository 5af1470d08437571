"""Properties of cleanup on any text: it never raises, and nothing disappears unexplained."""

from __future__ import annotations

import re

import ftfy
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsdesk.results import REMOVAL_REASONS, CleanupSchema
from workers.cleanup import clean, features, rules, vocabulary
from workers.cleanup.features import EDGE_SPACE, split_lines

BLANK = EDGE_SPACE  # what cleanup takes for blank: white space and zero-width marks

_NOT_ALNUM = re.compile(r"[\W_]+")

LINES = [
    "Home | News | Sport",
    "Share on Facebook",
    "Subscribe",
    "By Jane Roe",
    "By REUTERS",
    "March 3, 2021 10:00",
    "Credit: AFP",
    "A caption of a photo. (Photo credit: Someone)",
    "The bridge seen at 10:41Credit: County Fire Service",
    "Related stories",
    "The mayor said the bridge would reopen in spring.",
    "Officials expect the repairs to cost about two million euros, a spokesman said.",
    "KESSEL, May 2 (Northline) - The harbour reopened on Tuesday after a week of storms.",
    "Engineers said the inves-",
    "tigation would take a month.",
    "Tomas Reyes contributed to this report.",
    "© 2024 Someone. All rights reserved.",
    "",
    "   ",
    "*",
    "cafÃ© owners said the square was busy again",
    "Ünïcödé — “quotes” ‘here’ 日本語のテキスト。",
]


def _covered(submitted: str, result: dict) -> None:
    """Body spans and removed spans: in order, not overlapping, together every
    non-blank character of the input (white space and zero-width marks are blank)."""
    spans = [(p["start"], p["end"]) for p in result["paragraphs"]]
    spans += [(r["start"], r["end"]) for r in result["removed"]]
    spans.sort()
    position = 0
    for start, end in spans:
        assert start >= position, "spans overlap"
        assert submitted[position:start].strip(BLANK) == "", "text between spans is not blank"
        position = end
    assert submitted[position:].strip(BLANK) == ""


def _paragraphs_map_back(submitted: str, result: dict) -> None:
    paragraphs = result["text"].split("\n\n") if result["text"] else []
    assert len(paragraphs) == len(result["paragraphs"])
    for paragraph, span in zip(paragraphs, result["paragraphs"], strict=True):
        lines = split_lines(submitted[span["start"] : span["end"]])
        source = " ".join(line.text for line in lines)
        repaired = ftfy.fix_text(source, ftfy.TextFixerConfig(uncurl_quotes=False))
        # Same letters and digits in the same order: only spacing, Unicode repair and
        # hyphens at line breaks may differ.
        assert _NOT_ALNUM.sub("", paragraph) == _NOT_ALNUM.sub("", repaired)


def _removed_map_back(submitted: str, result: dict) -> None:
    for item in result["removed"]:
        assert submitted[item["start"] : item["end"]] == item["text"]
        assert item["reason"] in REMOVAL_REASONS


def _check(submitted: str) -> None:
    result = clean(submitted)
    assert CleanupSchema().validate(result) == {}
    _removed_map_back(submitted, result)
    _covered(submitted, result)
    _paragraphs_map_back(submitted, result)
    assert "\n\n\n" not in result["text"]
    assert result["text"] == result["text"].strip()


@settings(max_examples=300, deadline=None)
@given(st.text())
@example("\u200b")  # a line of a zero-width space alone is blank
@example("Share\u200b\nBody text here.\n\ufeff")
def test_any_text(submitted: str) -> None:
    _check(submitted)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), max_size=40),
    st.sampled_from(["\n", "\n\n", "\r\n", "\u2028", "\n \n"]),
)
def test_page_shaped_text(lines: list[str], separator: str) -> None:
    _check(separator.join(lines))


# The shortcuts taken for speed must give what the plain way gives, on any text.
_UI_PIECES = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:;!?&()[]'\"-|©")
    + list("‘’“”–—…\u00a0éÃ©ıſ\x00\x1b")
    + ["share ", "by ", "credit", "photo ", "comment", "sign in", "cookies ", "subscribe "]
    + ["newsletter", "privacy policy", "copyright", "Mr. ", "Dr. ", "No. ", " A. "]
)
_UI_ALPHABET = st.lists(_UI_PIECES, max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(_UI_ALPHABET)
def test_ftfy_shortcut_changes_nothing(text: str) -> None:
    assert features.fix_text(text) == ftfy.fix_text(text, features._FTFY)


@settings(max_examples=400, deadline=None)
@given(_UI_ALPHABET)
def test_sentence_shortcuts_agree_with_the_patterns(text: str) -> None:
    plain_break = re.compile(
        r"(?<!\b[A-Z])(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bSt)(?<!\bJr)(?<!\bNo)"
        r"[.!?…][\"'”’»)\]]*\s+[\"'“‘«(\[]?[A-Z0-9]|[。！？]."
    )
    assert features.SENTENCE_BREAK.findall(text) == plain_break.findall(text)
    assert features.ends_sentence(text) == bool(features.ENDS_SENTENCE.search(text))


@settings(max_examples=400, deadline=None)
@given(_UI_ALPHABET)
def test_hinted_patterns_agree_with_the_patterns(text: str) -> None:
    for name, value in vars(rules).items():
        if isinstance(value, rules._Hinted):
            assert bool(value.search(text)) == bool(value.pattern.search(text)), name
    assert rules._triggered(text) == (
        text.casefold().startswith("ad") or any(w in text.casefold() for w in vocabulary.TRIGGERS)
    )
