"""UI rules: lines whose words say what they are, and the page header.

The rules are generic on purpose: they look at the shape of a line (``features``) and at
the vocabulary of web UI text (``vocabulary``: share, subscribe, sign in, cookies,
newsletter, advertisement...), never at any particular site. They name furniture and find
the headline, standfirst, byline and date line; which of the remaining lines are body is
the line model's call (``core``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from workers.cleanup.features import (
    CLOSERS,
    UNSPACED,
    WORD,
    Line,
    body_like,
    comparison_key,
    ends_sentence,
    fix_text,
    headline_shaped,
    normalise,
)
from workers.cleanup.vocabulary import (
    ABOUT,
    COMMENTS_HEADINGS,
    COMMENTS_PROMPTS,
    DATE_LABELS,
    MONTHS,
    NAME_PARTICLES,
    RELATED_HEADINGS,
    SHARE_STRONG,
    SHARE_WEAK,
    TAG_LABELS,
    THE_AUTHOR,
    TITLE_SMALL_WORDS,
    TRIGGERS,
    UI_WORDS,
    one_of,
)

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_MENU_BULLET = re.compile(r"^[*•·▪►>+\-–—o]\s+")  # numbered items are usually content
_SEPARATOR = re.compile(r"\s+[|•·»>/–—-]\s+|\s*[|•·»]\s*")


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


class _Hinted:
    """A case-blind pattern with the pieces of text that every match holds. On ASCII text,
    where lower-casing is exact, a line with none of them skips the pattern: most lines
    that reach the UI rules are prose that none of them matches."""

    def __init__(self, pattern: re.Pattern[str], hints: tuple[str, ...]) -> None:
        self.pattern = pattern
        self.hints = hints

    def search(self, text: str) -> re.Match[str] | None:
        if text.isascii():
            low = text.lower()
            if not any(map(low.__contains__, self.hints)):
                return None
        return self.pattern.search(text)


# --- UI text -----------------------------------------------------------------------

_CREDIT_LINE = re.compile(
    r"^[(\[]?\s*(?i:(?:(?:photo|image|picture|photograph|video|graphic|illustration|file)s?\s*)?"
    r"(?:credits?|courtesy(?: of)?|source)\s*[:：]|(?:photo|image|picture|photograph|"
    r"illustration)s?\s*[:：/])"
)
_CONTRIBUTORS = _Hinted(
    re.compile(
        r"(?i)^(?:additional )?(?:reporting|editing|writing|compiled|research|graphics)"
        r"(?: and \w+)? by\b|\bcontributed (?:reporting )?to this (?:report|article|story)\W*$"
    ),
    (" by", "contributed"),
)
_AGENCY_CREDIT = re.compile(
    r"^[(\[]?[\w .,/&-]{0,40}\b(?i:getty images|shutterstock|alamy|istock|ap photo|afp|epa|"
    r"reuters|associated press)\b[\w .,/&-]{0,40}[)\]]?$"
)
_CREDIT_SUFFIX = _Hinted(
    re.compile(
        r"(?:[(\[]\s*(?i:(?:photo|image|picture|video|file)\s*)?(?i:credits?|courtesy|photo|image)"
        r"\s*[:：]\s*[^)\]]{1,80}[)\]]"
        r"|(?i:(?:photo|image|picture)\s*)?(?i:credits?)\s*[:：]\s*[A-Z(][^.!?]{0,80})\s*$"
    ),
    ("credit", "courtesy", "photo", "image"),
)
_NEWSLETTER = _Hinted(
    re.compile(
        r"(?i)\bnewsletters?\b.*\b(?:sign|subscribe|inbox|e-?mail|deliver|receive|daily|weekly|"
        r"free|join|get|register)|\b(?:sign|subscribe|get|receive|join)\b.*\bnewsletters?\b|"
        r"\benter your e-?mail|\bsign up for (?:our|the|free)\b.*\b(?:briefing|digest|alerts?|"
        r"e-?mails?|updates)\b"
    ),
    ("newsletter", "enter your", "sign up for"),
)
_COOKIE = _Hinted(
    re.compile(
        r"(?i)\bcookies?\b.*\b(?:use|uses|using|accept|consent|privacy|settings|preferences|"
        r"browsing|experience|policy|continuing|agree)\b|\bby continuing to (?:use|browse|visit)\b|"
        r"\buse of cookies\b"
    ),
    ("cookie", "by continuing to "),
)
# Consent banners run long; past 60 words only a site speaking of its own cookies counts.
_COOKIE_BANNER = re.compile(
    r"(?i)\b(?:we|this (?:web)?site|our (?:web)?site) uses? cookies\b|"
    r"\bcookie (?:policy|settings)\b"
)
_LOGIN = _Hinted(
    re.compile(
        r"(?i)^(?:sign|log)\s?(?:in|on|out|up)\b|\b(?:sign|log)\s?in to (?:continue|comment|read|"
        r"your|access|save)|\bcreate (?:an?|your) (?:free )?account\b|\bforgot (?:your )?password|"
        r"\balready (?:have an account|registered|signed up|a member)\b|\bregister (?:now|for free|"
        r"to (?:continue|read|comment))\b|^(?:my )?account$"
    ),
    ("sign", "log", "account", "forgot", "already", "register"),
)
_SUBSCRIPTION = _Hinted(
    re.compile(
        r"(?i)^subscribe\b|\bsubscribe (?:now|today|for|to (?:our|the|read|continue|unlock|get))|"
        r"\balready (?:a )?subscri|\b(?:subscriber|premium|members?)[- ](?:only|exclusive)\b|"
        r"\bexclusive(?:ly)? for (?:subscribers|members)\b|\b(?:start|get|try) (?:your )?"
        r"(?:free )?trial\b|\bunlimited (?:digital )?access\b|\bdigital (?:subscription|access)\b|"
        r"\bsupport (?:our|independent|quality) journalism\b|\bbecome a (?:member|subscriber|"
        r"supporter)\b|\bsave \d+\s?%|\bsubscription (?:required|plans?|offers?)\b|"
        r"\bto continue reading\b|\bthis (?:article|story|content) is (?:for|available to) "
        r"(?:subscribers|members)\b"
    ),
    (
        "subscri",
        "premium",
        "member",
        "trial",
        "unlimited",
        "digital",
        "journalism",
        "become a ",
        "save ",
        "to continue reading",
    ),
)
_COMMENTS = _Hinted(
    re.compile(
        r"(?i)^\d*\s*comments?$|\bleave a (?:comment|reply)\b|\bjoin the (?:conversation|"
        r"discussion)\b|\b(?:view|show|read|load|see|hide) (?:all )?(?:\d+ )?comments?\b|"
        r"\bcomments? (?:are|have been) (?:closed|moderated|disabled)\b|"
        r"\bbe the first to comment\b|\bpost a comment\b|\bapproval of\b.*\bcomments\b|"
        r"\bcomment(?:ing)? (?:policy|guidelines)\b|\bwhat do you think\?\s*$"
    ),
    ("comment", "leave a ", "join the ", "what do you think"),
)
# The heading, count or prompt where a page's comment section begins.
_COMMENTS_SECTION = re.compile(
    rf"(?i)^\W*\d*\s*{one_of(COMMENTS_HEADINGS)}\W*$|"
    r"^\W*(?:top|most|all|readers?'?|latest|newest|oldest|best|show|view|load|read|see|hide)\s+"
    r"(?:(?:rated|liked|recent|all)\s+)?(?:\d+\s+)?comments?\b.{0,20}$|"
    rf"\b{one_of(COMMENTS_PROMPTS)}\b"
)

# Every match of _COMMENTS_SECTION holds one of these.
_COMMENTS_HINTS = ("ment", "коммент", "reactie", "komentar", "yorum")


def comments_section(line: Line) -> bool:
    """Where the comment section begins: what follows it is readers' text, not the article's."""
    low = line.text.casefold()
    return (
        line.size <= 8
        and any(map(low.__contains__, _COMMENTS_HINTS))
        and bool(_COMMENTS_SECTION.search(line.text))
    )


# The heading of a box about the author (or the publisher) under an article.
_ABOUT_BOX = re.compile(
    rf"^(?i:{one_of(ABOUT)})\s+(?!(?i:us)\b)"
    rf"(?:(?i:{one_of(THE_AUTHOR)})|"
    r"[A-ZÀ-Ý][\w'’.-]+(?:\s+[A-ZÀ-Ý][\w'’.-]+){0,3})\s*:?$"
)


def about_box(line: Line) -> bool:
    """Where a box about the author or the publisher begins ("About the author", "Über
    Ana Ruiz"): a biography, not the article."""
    return line.size <= 6 and _ABOUT_BOX.match(line.text) is not None


_ADVERTISEMENT = re.compile(
    r"(?i)^(?:advertisement|advertising|sponsored(?: content| post)?|ads?|promoted(?: content)?|"
    r"paid (?:content|post|partner(?:ship)?)|partner content)\W*$|\bstory continues below\b|"
    r"\bcontinue reading (?:below|the main story)\b|\bscroll (?:down )?to continue\b|"
    r"^advertisement\b"
)
_RELATED = re.compile(
    r"(?i)^(?:related|recommended|trending|popular|more|latest|top|editor'?s|"
    r"you (?:may|might) (?:also )?(?:like|enjoy|be interested)|read (?:more|also|next)|"
    r"also read|see also|don'?t miss|most (?:read|popular|viewed|shared|commented|emailed)|"
    r"what to read next|further reading)\b.{0,40}$"
)
# A heading over links to other stories, in any language of the vocabulary.
_RELATED_STRONG = re.compile(rf"(?i)\b{one_of(RELATED_HEADINGS)}\b")
_ELLIPSIS_END = re.compile(r"(?:\.\.\.|…)\s*$")
# A link to another story, labelled inline: "Related: ...", "Read more: ...", "See also | ...".
_RELATED_LINK = re.compile(
    r"(?i)^\W{0,3}(?:related(?: (?:articles?|stor(?:y|ies)|content|news|coverage|videos?|links?|"
    r"reading))?|read (?:more|also|next)|also read|see also|recommended(?: reading)?)\s*[:|»>]\s*\S"
)
# A teaser card copied as text: its headline glued to its summary with no space
# ("Ferry Fares Rise AgainThe island's ferry company said..."). The glue falls after three
# lower-case letters, two digits or closing punctuation, so "McDonald" and "LeBron" inside a
# name do not count.
_GLUED_CARD = re.compile(
    rf"^((?:[\"“‘'(]?[A-Z0-9]\S*\s+|{one_of(TITLE_SMALL_WORDS)}\s+){{2,}}[A-Z0-9]\S*?"
    r"(?:[a-z]{3}|[0-9]{2}|[?!”’)]))(?=[A-Z][a-z])"
)
# A listed teaser card whose headline runs into its story's dateline: "* Mill reopens after
# repair BRENN: The old mill ...". A story's own paragraph opens with its dateline instead.
_DATELINED_CARD = re.compile(
    r"^[*•·▪►>+\-–—]\s+(\S.{10,150}?)\s+[A-ZÀ-ÖØ-Þ]{2,}(?:[ .-][A-ZÀ-ÖØ-Þ]{2,})*\.?:\s+[A-ZÀ-ÖØ-Þ]"
)
# Teaser cards come in lists: a lone glued line may be the body's own ("Gov. Ana
# RuizAna Ruiz said..." where a page glued a name's pop-up into the text).
_GLUED_CARDS_NEAR = 3


def _glued_card(line: Line) -> bool:
    dated = _DATELINED_CARD.match(line.text)
    if dated and not ends_sentence(dated.group(1)) and len(WORD.findall(dated.group(1))) >= 3:
        return True
    match = _GLUED_CARD.match(line.text)
    if not match or len(line.text) < len(match.group(1)) + 20:
        return False
    words = WORD.findall(match.group(1))
    if not 3 <= len(words) <= 20:
        return False
    titled = sum(1 for w in words if _is_capitalised(w) or w.casefold() in TITLE_SMALL_WORDS)
    return titled >= 0.8 * len(words)


def glued_cards(lines: list[Line]) -> list[int]:
    """Lines that are teaser cards glued together, in a list of at least two."""
    found = [i for i, line in enumerate(lines) if line.reason is None and _glued_card(line)]
    return [i for i in found if any(j != i and abs(j - i) <= _GLUED_CARDS_NEAR for j in found)]


# Bare headlines in a row, at least this many, make a list of teasers.
_TEASER_RUN = 4
_TABLE_ROW = re.compile(r"\S(?: {2,}|\t)\S")


def _bare_headline(line: Line) -> bool:
    """Headline-shaped and not a sentence, an exclamation (blogs) or a table row."""
    return (
        line.reason is None
        and headline_shaped(line)
        and line.text.rstrip(CLOSERS)[-1:] not in ".…。!！~"
        and not _TABLE_ROW.search(line.text)
        and sum(w[:1].isdigit() for w in line.words) < 0.3 * len(line.words)
    )


def teaser_runs(lines: list[Line]) -> list[int]:
    """Lines in runs of bare headlines that open with varied words. An article's own lists
    either carry punctuation or bullets, or repeat their opening word ("June 9 -- ...",
    "June 10 -- ..."); teasers for other stories do neither."""
    found: list[int] = []
    run: list[int] = []
    for i in range(len(lines) + 1):
        line = lines[i] if i < len(lines) else None
        bare = line is not None and _bare_headline(line)
        # A byline or date line ends a run (asked only where it matters: a run is open or
        # the line would join one).
        header = (
            (bare or bool(run))
            and line is not None
            and (byline_text(line) or date_line(line)) is not None
        )
        if bare and not header:
            run.append(i)
            continue
        if run and header:
            run.pop()  # the story's own headline, right above its byline or date
        openings = {lines[j].words[0].casefold() for j in run if lines[j].words}
        if len(run) >= _TEASER_RUN and len(openings) >= 0.6 * len(run):
            found.extend(run)
        run = []
    return found


_FOOTER = _Hinted(
    re.compile(
        r"(?i)(?<![ÃÂ])©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b|"
        r"\bterms (?:of (?:use|service)|"
        r"and conditions)\b|\bprivacy (?:policy|notice|settings|statement)\b|\bcontact us\b|"
        r"\babout us\b|\bback to top\b|\bfollow us\b|\bpowered by\b|\bsite ?map\b|"
        r"\badvertise with us\b|\baccessibility (?:statement|help)\b|\bdo not sell my\b"
    ),
    (
        "©",
        "(c)",
        "copyright",
        "all rights reserved",
        "terms ",
        "privacy ",
        "contact us",
        "about us",
        "back to top",
        "follow us",
        "powered by",
        "site",
        "advertise with us",
        "accessibility ",
        "do not sell my",
    ),
)
# A share line holds one of these (a strong share word, or "mail" of "e-mail").
_SHARE_HINTS = (*sorted(SHARE_STRONG - {"e-mail", "email"}), "mail")
_BYLINE = re.compile(r"^(?i:by|written by|words by|story by|text by)[ \t:]+(?P<rest>\S.*)$")

# --- dates -------------------------------------------------------------------------

# The trie tries the longest name first, so "september" is not read as "sep".
_MONTH_NAMES = one_of(MONTHS)
_MONTH = rf"(?P<month>{_MONTH_NAMES})\.?"
_DATE_PATTERNS = (
    re.compile(
        rf"(?i)\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b"
    ),
    re.compile(
        rf"(?i)\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+"
        r"(?P<year>(?:19|20)\d\d)\b"
    ),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?=\b|T)"),
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_TIME = re.compile(
    r"(?i)^[\s,]*(?:at\s+|[T|•-]\s*)?(?P<hour>[0-2]?\d)[:.](?P<minute>[0-5]\d)(?::[0-5]\d)?"
    r"(?:\.\d+)?\s*(?P<ampm>[ap]\.?\s?m\b\.?)?\s*(?P<zone>gmt|utc|z\b)?"
)

# --- time-stamped teaser cards ----------------------------------------------------------

_AGO = re.compile(
    r"(?i)\b\d+\s*(?:h|hrs?|hours?|m|mins?|minutes?|d|days?|w|wks?|weeks?|mo|months?|y|yrs?|"
    r"years?)\s+ago\b"
)
_STAMP_DATE = re.compile(
    rf"(?i)\b(?:{_MONTH_NAMES}\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?|"
    rf"\d{{1,2}}\s+{_MONTH_NAMES}\.?(?:\s+\d{{4}})?)\b"
)
_STAMP_CLOCK = re.compile(r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?")
_STAMP_SEPARATORS = re.compile(r"[\s|·•,-]+")
# Stamps this close together, and at least this many, make a list of cards.
_STAMP_NEAR = 5
_STAMPED_CARDS = 3


def _card_stamp(line: Line) -> bool:
    """A line that is only a time stamp of the kind cards carry: "7H ago 08:51", "2 hours
    ago", "Nov 7 23:05" (a date with a clock or a video's length). A date alone is left
    out: a timeline's subheadings are dates."""
    text = line.text
    if line.size > 8:
        return False
    relative = _AGO.search(text) is not None
    dated = _STAMP_DATE.search(text) is not None
    clocked = _STAMP_CLOCK.search(text) is not None
    if not (relative or (dated and clocked)):
        return False
    rest = _STAMP_CLOCK.sub(" ", _STAMP_DATE.sub(" ", _AGO.sub(" ", text)))
    return not _STAMP_SEPARATORS.sub("", rest)


def stamped_cards(lines: list[Line]) -> list[int]:
    """Lines of a list of time-stamped cards (a video playlist, "latest" teasers): from the
    first stamp to the last of at least three, each a few lines from the next."""
    stamps = [i for i, line in enumerate(lines) if line.reason is None and _card_stamp(line)]
    found: list[int] = []
    cluster: list[int] = []
    for i in [*stamps, None]:
        if i is not None and (not cluster or i - cluster[-1] <= _STAMP_NEAR):
            cluster.append(i)
            continue
        if len(cluster) >= _STAMPED_CARDS:
            found.extend(j for j in range(cluster[0], cluster[-1] + 1) if lines[j].reason is None)
        cluster = [i] if i is not None else []
    return found


# --- metadata ----------------------------------------------------------------------


def byline_text(line: Line) -> str | None:
    """The line, tidied, when it is a byline that opens with "By" and names people."""
    match = _BYLINE.match(line.text)
    if not match or len(line.words) > 15:
        return None
    rest = match.group("rest")
    if rest.endswith(".") and not re.search(r"\b[A-Z]\.$|\bJr\.$", rest):
        return None
    first_segment = re.split(r",|\||\s[-–—]\s|\s{2,}", rest, maxsplit=1)[0]
    names = WORD.findall(first_segment)
    if not names or len(names) > 8:
        return None
    if not all(_is_capitalised(w) or w.casefold() in NAME_PARTICLES for w in names):
        return None
    if len(names) == 1 and not names[0].isupper():
        return None
    return normalise(line.text)


def find_date(text: str) -> tuple[re.Match[str], datetime] | None:
    """The first real calendar date written in the text, and where it stands."""
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            month = match.group("month")
            month_number = int(month) if month.isdigit() else MONTHS[month.casefold()]
            try:
                moment = datetime(int(match.group("year")), month_number, int(match.group("day")))
            except ValueError:
                continue
            return match, moment
    return None


def _only_labels(text: str) -> bool:
    return all(w.casefold().rstrip(".") in DATE_LABELS for w in WORD.findall(text))


def _nav_shaped(text: str) -> bool:
    words = WORD.findall(text)
    if not words or ends_sentence(text):
        return False
    capitalised = sum(1 for w in words if _is_capitalised(w))
    return capitalised / len(words) >= 0.75


def date_line(line: Line) -> str | None:
    """ISO 8601 when the line is a date line ("Updated: Oct. 1, 2020 22:19"), else None."""
    if len(line.words) > 24 or not _YEAR.search(line.text):
        return None
    found = find_date(line.text)
    if found is None:
        return None
    match, moment = found
    before, after = line.text[: match.start()], line.text[match.end() :]
    iso = moment.date().isoformat()
    time_match = _TIME.match(after)
    if time_match:
        hour, minute = int(time_match.group("hour")), int(time_match.group("minute"))
        ampm = (time_match.group("ampm") or "").casefold()
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
        if hour < 24:
            iso = moment.replace(hour=hour, minute=minute).isoformat(timespec="minutes")
            if time_match.group("zone"):
                iso += "+00:00"
            after = after[time_match.end() :]
    # The date must be the point of the line: only labels around it, or UI-ish
    # segments ("City, Agency | Updated: ..."), or a menu run glued after it.
    segments = _SEPARATOR.split(before)
    before_ok = _only_labels(before) or (
        len(line.words) <= 14 and _only_labels(segments[-1]) and bool(_SEPARATOR.search(before))
    )
    after_ok = _only_labels(after) or (before_ok and _only_labels(before) and _nav_shaped(after))
    return iso if before_ok and after_ok else None


# --- per-line UI rules -------------------------------------------------------------


def _share(line: Line) -> bool:
    low = line.text.casefold()
    if not any(map(low.__contains__, _SHARE_HINTS)):
        return False
    words = [w.casefold() for w in WORD.findall(_CAMEL.sub(" ", line.text.replace("-", " ")))]
    words = [w for w in words if w not in {"e", "mail"}] + (
        ["email"] if re.search(r"(?i)e-?mail", line.text) else []
    )
    if not words or len(words) > 12:
        return False
    strong = sum(w in SHARE_STRONG for w in words)
    if strong >= 2 and 2 * strong >= len(words) and not ends_sentence(line.text):
        # A row of share buttons in any language: "WhatsApp Facebook Pin Descargar".
        return True
    return strong > 0 and all(w in SHARE_STRONG or w in SHARE_WEAK for w in words)


def ui_words_only(line: Line) -> bool:
    """Nothing but the words of page controls ("Sign in", "Menu", "Skip to content")."""
    if not 0 < len(line.words) <= 8:  # splitting camel case only adds words
        return False
    words = [w.casefold() for w in WORD.findall(_CAMEL.sub(" ", line.text))]
    return 0 < len(words) <= 8 and all(w in UI_WORDS for w in words)


def navigation(line: Line) -> bool:
    """A short bulleted item or a row of short segments between separators: a menu."""
    text = line.text
    words = line.words
    if ends_sentence(text):
        return False
    if _MENU_BULLET.match(text) and len(words) <= 5:
        return True
    segments = [s for s in _SEPARATOR.split(text) if s.strip()]
    return len(segments) >= 3 and all(len(WORD.findall(s)) <= 4 for s in segments)


# Any mark that prose of twenty words cannot do without, in the scripts we meet.
_PUNCTUATION = re.compile(r"[.,;:!?…()\"“”«»，。、！？،؟۔]")
_WORD_LIST_WORDS = 20


def _word_list(line: Line) -> bool:
    """Twenty words or more with no punctuation at all: a tag cloud, a drop-down list or a
    menu pasted as one line, not prose (scripts written without spaces aside)."""
    return (
        line.size >= _WORD_LIST_WORDS
        and not _PUNCTUATION.search(line.text)
        and not UNSPACED.search(line.text)
    )


# A page's list of the topics it files the story under: words of web UI in the languages
# we meet, alone or before the topics (with or without a colon).
_TAGS = re.compile(rf"(?i)^(?:[*•+\-]\s+)?{one_of(TAG_LABELS)}(?:\s*[:|]|\s|$)")
_TAG_LINE_WORDS = 40


def _tag_line(line: Line) -> bool:
    """ "Tags: ...", "Filed under ...": links to topic pages, never a sentence."""
    return (
        line.size <= _TAG_LINE_WORDS
        and _TAGS.match(line.text) is not None
        and not ends_sentence(line.text)
    )


def sure_navigation(line: Line) -> bool:
    """Navigation by its own shape or words, whatever the model makes of it."""
    return _word_list(line) or _tag_line(line)


def _menu_bar(line: Line) -> bool:
    """A long run of capitalised words with no sentence in it: a glued menu bar.
    Product names and headlines look the same, so only used outside the prose."""
    words = line.words
    return (
        len(words) >= 8
        and not ends_sentence(line.text)
        and all(_is_capitalised(w) for w in words)
        # A row of figures ("3  Ana Ruiz  5033  4  6") is a table's, not a menu's.
        and 4 * sum(1 for w in words if w[:1].isdigit()) < len(words)
    )


# Finds any word of the vocabulary rules below (``vocabulary.TRIGGERS``): a line with
# none of them skips those rules (most lines of a page), which keeps cleanup fast.
_TRIGGER = re.compile(one_of(TRIGGERS, substring=True))


def _triggered(text: str) -> bool:
    """Does the line hold any word a vocabulary rule below needs? Most lines of a page do
    not, and skipping those rules for them keeps cleanup fast."""
    low = text.casefold()
    return low.startswith("ad") or _TRIGGER.search(low) is not None


def classify(line: Line) -> str | None:
    """The removal reason a line's own words or shape give it, or None for possible body."""
    text = line.text
    count = line.size
    if count == 0:
        return "other"
    if byline_text(line):
        return None  # the header pass turns it into a field
    if sure_navigation(line):
        return "navigation"
    if not _triggered(text):
        if ui_words_only(line):
            return "navigation"
        return "navigation" if navigation(line) else None
    if count <= 12 and (_CREDIT_LINE.match(text) or (count <= 6 and _AGENCY_CREDIT.match(text))):
        return "credit"
    if count <= 25 and _CONTRIBUTORS.search(text):
        return "credit"
    suffix = _CREDIT_SUFFIX.search(text)
    if suffix and suffix.start() > 0:
        return "caption"
    if count <= 40 and _NEWSLETTER.search(text):
        return "newsletter"
    if count <= 60 and _COOKIE.search(text):
        return "cookie"
    if 60 < count <= 120 and "ookie" in text and _COOKIE_BANNER.search(text):
        return "cookie"
    if count <= 20 and (_COMMENTS.search(text) or (count <= 8 and _COMMENTS_SECTION.search(text))):
        return "comments"
    if count <= 20 and _LOGIN.search(text):
        return "login"
    if count <= 25 and _SUBSCRIPTION.search(text):
        return "subscription"
    if _share(line):
        return "share"
    if count <= 12 and _ADVERTISEMENT.search(text):
        return "advertisement"
    # "You may also like...": an ellipsis does not make a heading a sentence.
    if (
        count <= 8
        and not ends_sentence(_ELLIPSIS_END.sub("", text))
        and _RELATED_STRONG.search(text)
    ):
        return "related"
    if count <= 25 and _RELATED_LINK.match(text):
        return "related"
    if count <= 25 and _FOOTER.search(text) and not body_like(line):
        return "footer"
    if ui_words_only(line):
        return "login" if re.search(r"(?i)\b(?:sign|log)\s?(?:in|up)\b", text) else "navigation"
    if navigation(line):
        return "navigation"
    return None


def _is_short_menu_item(line: Line) -> bool:
    return line.size <= 4 and _nav_shaped(line.text)


def mark_menu_runs(lines: list[Line]) -> None:
    """Three or more short capitalised lines in a row are a menu, wherever they are."""
    run: list[Line] = []
    for line in [*lines, None]:
        if line is not None and line.reason is None and _is_short_menu_item(line):
            run.append(line)
            continue
        if line is not None and line.reason == "navigation":
            continue  # a bullet or separator line inside the menu does not break the run
        if len(run) >= 3:
            for item in run:
                item.reason = "navigation"
        run = []


def mark_caption_copies(lines: list[Line]) -> None:
    """A caption often appears twice: once bare, once with its credit glued on."""
    bodies = set()
    for line in lines:
        if line.reason == "caption":
            suffix = _CREDIT_SUFFIX.search(line.text)
            if suffix:
                bodies.add(comparison_key(line.text[: suffix.start()]))
    bodies.discard("")
    for line in lines:
        if line.reason is None and comparison_key(line.text) in bodies:
            line.reason = "caption"


def mark_teasers(lines: list[Line]) -> None:
    """Headline-shaped lines under a "Related"/"Most read" heading are teasers too. Under a
    heading in the words of web UI ("Most read", "Recommended for you"), they are sure to
    be; a heading known by its shape alone ("Top...", "More...") may be the body's own."""
    in_teasers = strong = False
    for line in lines:
        if line.reason == "related":
            if _RELATED_LINK.match(line.text):  # an inline link: the body goes on after it
                line.sure = True
                in_teasers = False
                continue
            in_teasers = True
            strong = line.size <= 8 and bool(_RELATED_STRONG.search(line.text))
            line.sure = strong
            continue
        if not in_teasers or line.reason is not None:
            continue
        if body_like(line) or (line.blank_before and ends_sentence(line.text)):
            in_teasers = False
        elif line.size <= 25:
            line.reason = "related"
            line.sure = strong
        else:
            in_teasers = False


# The reasons a line of the header may carry before the body is known: unnamed, taken for
# the header, or named by its shape alone. A headline or a byline found later may be one.
HEADER_OPEN = frozenset((None, "metadata", "navigation", "other"))


@dataclass
class Header:
    title: str | None = None
    byline: str | None = None
    published_at: str | None = None
    standfirst: str | None = None
    # Names read from a byline printed beside other things (workers.cleanup.byline).
    authors: list[str] = field(default_factory=list)
    # Where the page's own headline and standfirst were found (lines of the page).
    title_at: int | None = None
    standfirst_at: int | None = None


def mark_header(lines: list[Line], given_title: str | None) -> Header:
    """Byline, date line, headline and standfirst near the top become fields."""
    header = Header()
    for line in lines:
        if line.reason is not None and line.reason != "navigation":
            continue
        byline = byline_text(line)
        if byline:
            line.reason = "metadata"
            header.byline = header.byline or byline
            continue
        iso = date_line(line)
        if iso:
            line.reason = "metadata"
            known = header.published_at
            # The first date line wins, unless a later one gives the same day with its time.
            if known is None or (iso.startswith(known) and len(iso) > len(known)):
                header.published_at = iso

    live = [i for i, line in enumerate(lines) if line.reason in (None, "metadata")]
    first_body = next((i for i in live if lines[i].reason is None and body_like(lines[i])), None)
    for i in live:
        if first_body is not None and i >= first_body:
            break
        if lines[i].reason is None and _menu_bar(lines[i]):
            lines[i].reason = "navigation"
    head = [i for i in live if first_body is None or i < first_body][:14]
    kept_head = [i for i in head if lines[i].reason is None]

    title_at: int | None = None
    if given_title:
        wanted = comparison_key(given_title)
        for i in kept_head:
            if wanted and comparison_key(lines[i].text) == wanted:
                lines[i].reason = "metadata"
                lines[i].headline = True
                title_at = i if title_at is None else title_at
    if title_at is None:
        # The page's own headline leaves the body even when the request names the title.
        title_at = _find_headline(lines, head, kept_head)
        if title_at is not None:
            lines[title_at].reason = "metadata"
            lines[title_at].headline = True
            header.title = normalise(fix_text(lines[title_at].text))
            header.title_at = title_at

    if title_at is not None:
        standfirst = mark_standfirst(lines, title_at)
        if standfirst is not None:
            header.standfirst = normalise(fix_text(lines[standfirst].text))
            header.standfirst_at = standfirst
        for i in kept_head:
            if i < title_at and lines[i].reason is None and not body_like(lines[i]):
                lines[i].reason = "navigation"
    return header


def _find_headline(lines: list[Line], head: list[int], kept_head: list[int]) -> int | None:
    """Conservative: a headline-shaped line followed closely by a byline or date line,
    or the very first line, set apart by a blank line, with prose soon after it."""
    for position, i in enumerate(head):
        line = lines[i]
        if line.reason is not None or not headline_shaped(line):
            continue
        upcoming = head[position + 1 : position + 4]
        if any(lines[j].reason == "metadata" for j in upcoming):
            return i
        later = [j for j in range(i + 1, len(lines)) if lines[j].reason is None][:3]
        if (
            i == kept_head[0]
            and later
            and lines[later[0]].blank_before
            and not headline_shaped(lines[later[0]])
            and any(body_like(lines[j]) for j in later)
        ):
            return i
    return None


def mark_standfirst(lines: list[Line], title_at: int) -> int | None:
    """The summary under the headline: one line, then a byline/date line or page furniture."""
    after = [j for j in range(title_at + 1, min(len(lines), title_at + 6))]
    candidates = [j for j in after if lines[j].reason is None]
    if not candidates:
        return None
    standfirst = candidates[0]
    line = lines[standfirst]
    if not 6 <= line.size <= 60 or body_like(line) or standfirst + 1 >= len(lines):
        return None
    next_reason = lines[standfirst + 1].reason
    if next_reason == "metadata" or (next_reason is not None and not ends_sentence(line.text)):
        line.reason = "metadata"
        return standfirst
    return None
