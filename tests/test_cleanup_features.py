"""The line model's page-level features: words shared between lines and with the headline.
Written pages; no model involved, so these check the numbers themselves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from workers.cleanup import features
from workers.cleanup.core import prepare

PAGE = """\
Harbour council approves new ferry timetable

By Lena Ortiz

The harbour council voted on Tuesday to run the island ferry every forty minutes, \
after a summer of complaints about crowded crossings and missed connections.

Councillors said the ferry operator had agreed to add a second vessel to the timetable \
from March, and that the harbour pier would get a covered waiting area.

Residents of the island had asked the council for a more frequent crossing for years; \
the operator said the new timetable would cost the harbour budget little.

Bakery on Elm Street wins regional bread prize
Volunteers plant four hundred oak saplings along riverside meadow
Bakery on Elm Street wins regional bread prize
"""

BODY = (2, 3, 4)  # line numbers of the three body paragraphs in ``PAGE``
TEASERS = (5, 6, 7)


def _lines() -> list:
    lines, _ = prepare(PAGE)
    return lines


def test_body_paragraphs_share_words_and_teasers_do_not() -> None:
    lines = _lines()
    assert [lines[i].text[:6] for i in BODY] == ["The ha", "Counci", "Reside"]
    x = features.rows(lines)
    shared = x[:, features.NAMES.index("topic_shared")]
    for i in BODY:
        assert shared[i] > 0.2, lines[i].text
    # The first teaser is pasted twice: its copy does not count as another line on its topic.
    for i in TEASERS:
        assert shared[i] == 0.0, lines[i].text


def test_headline_words_are_counted_on_the_lines_that_use_them() -> None:
    lines = _lines()
    assert lines[0].headline and not any(line.headline for line in lines[1:])
    x = features.rows(lines)
    headline = x[:, features.NAMES.index("headline_words")]
    assert headline[2] > 0  # "harbour", "council", "ferry", "timetable"
    assert all(headline[i] == 0 for i in TEASERS)
    assert x[0, features.NAMES.index("page_has_headline")] == 1.0


def test_supported_words_follow_the_lines_the_first_pass_believes() -> None:
    lines = _lines()
    topics = features.Topics(lines)
    believed = np.zeros(len(lines))
    believed[list(BODY)] = 0.9
    supported = topics.supported(believed)
    for i in BODY:
        assert supported[i] > 0.2, lines[i].text
    for i in TEASERS:
        assert supported[i] == 0.0, lines[i].text
    # Nobody believed: nothing is supported.
    assert topics.supported(np.zeros(len(lines)))[list(BODY)].max() == 0.0


def test_a_line_without_topic_words_is_marked_apart() -> None:
    lines, _ = prepare("It is in the box.\n\nThe plan for the new bridge was approved today.\n")
    x = features.rows(lines)
    assert x[0, features.NAMES.index("topic_shared")] == -1.0


_ROWS_DIGEST = """\
import hashlib, sys
import numpy as np
from workers.cleanup import features
from workers.cleanup.core import prepare
lines, _ = prepare(sys.stdin.read())
topics = features.Topics(lines)
first = features.rows(lines, topics)
p = np.linspace(0.1, 0.9, len(lines))
second = features.stage2_rows(first, p, np.ones(len(lines)), topics)
print(hashlib.sha256(first.tobytes() + second.tobytes()).hexdigest())
"""


WEB_PASTE = (Path(__file__).parent / "fixtures" / "cleanup" / "web_paste.txt").read_text()


def test_feature_rows_are_the_same_bits_whatever_the_string_hashing() -> None:
    # Training grows other trees from rows that differ in the last bit, so the rows must
    # not depend on the order a set of strings happens to iterate in.
    digests = {
        subprocess.run(
            [sys.executable, "-c", _ROWS_DIGEST],
            input=WEB_PASTE,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(digests) == 1
