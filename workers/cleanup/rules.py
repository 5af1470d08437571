"""UI rules: lines whose words say what they are, and the page header.

Lines keep their exact span in the submitted string (``submitted[start:end] == text``).
The rules are generic on purpose: they look at the shape of a line (length, words,
capitalisation, final punctuation, position) and at the vocabulary of web UI text
(share, subscribe, sign in, cookies, newsletter, advertisement...), never at any
particular site. They name furniture and find the headline, standfirst, byline and date
line; which of the remaining lines are body is the line model's call (``core``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import ftfy

_FTFY = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)


# Typographic quotes, dashes, the ellipsis and the no-break space: alone with ASCII they
# can be no mojibake (no UTF-8 lead byte among them), so ftfy leaves such text alone.
_PLAIN_PUNCTUATION = str.maketrans(dict.fromkeys("‘’“”–—…\u00a0", "x"))


def _fix_text(text: str) -> str:
    """ftfy's repair; printable ASCII (and the punctuation above) without "&" (so no entity,
    no mojibake, no control character) is already what ftfy would return, and most
    paragraphs are like that."""
    plain = text if text.isascii() else text.translate(_PLAIN_PUNCTUATION)
    if plain.isascii() and plain.isprintable() and "&" not in text:
        return text
    return ftfy.fix_text(text, _FTFY)


# One line break; "\r\n" counts once so Windows text does not look double-spaced.
_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# White space and invisible marks around a line's content. Every character "\s" matches
# (str.isspace) is below U+3001, so the set can be spelt out for str.strip.
_EDGE_SPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + (
    "\u200b\u200e\u200f\u2060\ufeff"
)
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"\s+")

_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ENDS_SENTENCE = re.compile(r"[.!?…。！？][\"'”’»)\]」』]*$")
# Scripts written without spaces: count about one word per two characters.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# A full stop, then the checks that it does not end "Dr." or an initial: the stop comes
# first so the engine can jump from stop to stop instead of testing every position.
_SENTENCE_BREAK = re.compile(
    r"[.!?…](?<!\b[A-Z].)(?<!\bDr.)(?<!\bMr.)(?<!\bMs.)(?<!\bMrs.)(?<!\bSt.)(?<!\bJr.)"
    r"(?<!\bNo.)[\"'”’»)\]]*\s+[\"'“‘«(\[]?[A-Z0-9]|[。！？]."
)
_BULLET = re.compile(r"^(?:[*•·▪►>+\-–—o]|\d{1,2}[.)])\s+")
_MENU_BULLET = re.compile(r"^[*•·▪►>+\-–—o]\s+")  # numbered items are usually content
_SEPARATOR = re.compile(r"\s+[|•·»>/–—-]\s+|\s*[|•·»]\s*")


# Short lines ("Meal 2", "Ingredients") legitimately repeat; only longer paragraphs are
# treated as pasted twice.
_MIN_DUPLICATE_WORDS = 8


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


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


# --- UI vocabulary -----------------------------------------------------------------

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
_SHARE_STRONG = _vocabulary(
    "share shares sharing tweet email e-mail mail facebook twitter whatsapp linkedin pinterest "
    "reddit telegram messenger flipboard print send copy permalink whats"
)
_SHARE_WEAK = _vocabulary(
    "on in via to this the article story link url page e x by with friend friends now and or "
    "a your app it"
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
    r"(?i)^\W*\d*\s*comments?\W*$|"
    r"^\W*(?:top|most|all|readers?'?|latest|newest|oldest|best|show|view|load|read|see|hide)\s+"
    r"(?:(?:rated|liked|recent|all)\s+)?(?:\d+\s+)?comments?\b.{0,20}$|"
    r"\bleave a (?:comment|reply)\b|\bjoin the (?:conversation|discussion)\b|"
    r"\bbe the first to comment\b|\bpost a comment\b|\bcomments? (?:are|have been) closed\b|"
    r"^\W*\d*\s*(?:comentários?|comentarios?|commentaires?|kommentare?|commenti|commento|"
    r"комментари[йия]|комментариев|reacties?|komentarze?|komentar|yorumlar|yorum)\W*$|"
    r"\b(?:deixe (?:um|o seu|seu) comentário|deja (?:un|tu) comentario|"
    r"laisser un commentaire|kommentar schreiben|lascia un commento|"
    r"(?:оставить|добавить|написать) комментарий|laat een reactie achter|dodaj komentarz|"
    r"tinggalkan komentar|yorum yap)\b"
)


# Every match of _COMMENTS_SECTION holds one of these.
_COMMENTS_HINTS = ("ment", "коммент", "reactie", "komentar", "yorum")


def comments_section(line: _Line) -> bool:
    """Where the comment section begins: what follows it is readers' text, not the article's."""
    low = line.text.casefold()
    return (
        line.size <= 8
        and any(map(low.__contains__, _COMMENTS_HINTS))
        and bool(_COMMENTS_SECTION.search(line.text))
    )


# The heading of a box about the author (or the publisher) under an article.
_ABOUT_BOX = re.compile(
    r"^(?i:about|sobre|über|à propos de|acerca de)\s+(?!(?i:us)\b)"
    r"(?:(?i:the author|l'auteur|o autor|el autor|den autor|der autor|me)|"
    r"[A-ZÀ-Ý][\w'’.-]+(?:\s+[A-ZÀ-Ý][\w'’.-]+){0,3})\s*:?$"
)


def about_box(line: _Line) -> bool:
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
_RELATED_STRONG = re.compile(
    r"(?i)\b(?:related|recommended|trending|further reading|read (?:more|also|next)|also read|"
    r"see also|most (?:read|popular|viewed|shared|commented|emailed)|you (?:may|might)|"
    r"don'?t miss|editor'?s picks?|top stories|latest (?:news|stories|headlines)|"
    r"more (?:from|on|stories|news|in|like this)|what to read next|"
    r"(?:popular|recent|latest) posts)\b|"
    # The same headings in the other main European languages of the function-word list.
    r"\b(?:leia (?:também|mais)|veja (?:também|mais)|você (?:também )?pode gostar|"
    r"mais lid[ao]s|(?:notícias|matérias) relacionadas|lee (?:también|más)|"
    r"te puede interesar|(?:noticias|artículos) relacionad[oa]s|(?:lo )?más leíd[oa]s?|"
    r"à lire aussi|lire aussi|sur le même sujet|les plus lus|articles (?:liés|similaires)|"
    r"das könnte sie auch interessieren|mehr zum thema|meistgelesen|"
    r"weitere (?:artikel|beiträge|nachrichten|meldungen)|ähnliche (?:artikel|beiträge)|"
    r"leggi anche|potrebbe interessarti|(?:articoli|notizie) correlat[ie]|(?:i )?più lett[ie]|"
    # Russian, Dutch, Polish, Indonesian and Turkish.
    r"читайте также|смотрите также|(?:вам )?(?:также )?может быть интересно|"
    r"похожие (?:статьи|записи|новости|материалы)|самое (?:читаемое|популярное)|"
    r"lees ook|meer over|gerelateerde (?:artikelen|berichten)|meest gelezen|"
    r"(?:czytaj|zobacz) (?:też|także|również)|podobne artykuły|najczęściej czytane|"
    r"baca juga|(?:berita|artikel) terkait|[iİ]lginizi çekebilir|(?:benzer|ilgili) haberler|"
    r"en çok okunanlar)\b"
)
_ELLIPSIS_END = re.compile(r"(?:\.\.\.|…)\s*$")
# A link to another story, labelled inline: "Related: ...", "Read more: ...", "See also | ...".
_RELATED_LINK = re.compile(
    r"(?i)^\W{0,3}(?:related(?: (?:articles?|stor(?:y|ies)|content|news|coverage|videos?|links?|"
    r"reading))?|read (?:more|also|next)|also read|see also|recommended(?: reading)?)\s*[:|»>]\s*\S"
)
# Small words a headline in title case may leave in lower case.
_TITLE_SMALL_WORDS = _vocabulary("a an the of in on at to for and or with by from as is are be vs")
_SMALL = "|".join(sorted(_TITLE_SMALL_WORDS))
# A teaser card copied as text: its headline glued to its summary with no space
# ("Ferry Fares Rise AgainThe island's ferry company said..."). The glue falls after three
# lower-case letters, two digits or closing punctuation, so "McDonald" and "LeBron" inside a
# name do not count.
_GLUED_CARD = re.compile(
    rf"^((?:[\"“‘'(]?[A-Z0-9]\S*\s+|(?:{_SMALL})\s+){{2,}}[A-Z0-9]\S*?"
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


def _glued_card(line: _Line) -> bool:
    dated = _DATELINED_CARD.match(line.text)
    if dated and not _ends_sentence(dated.group(1)) and len(_WORD.findall(dated.group(1))) >= 3:
        return True
    match = _GLUED_CARD.match(line.text)
    if not match or len(line.text) < len(match.group(1)) + 20:
        return False
    words = _WORD.findall(match.group(1))
    if not 3 <= len(words) <= 20:
        return False
    titled = sum(1 for w in words if _is_capitalised(w) or w.casefold() in _TITLE_SMALL_WORDS)
    return titled >= 0.8 * len(words)


def glued_cards(lines: list[_Line]) -> list[int]:
    """Lines that are teaser cards glued together, in a list of at least two."""
    found = [i for i, line in enumerate(lines) if line.reason is None and _glued_card(line)]
    return [i for i in found if any(j != i and abs(j - i) <= _GLUED_CARDS_NEAR for j in found)]


# Bare headlines in a row, at least this many, make a list of teasers.
_TEASER_RUN = 4
_TABLE_ROW = re.compile(r"\S(?: {2,}|\t)\S")


def _bare_headline(line: _Line) -> bool:
    """Headline-shaped and not a sentence, an exclamation (blogs) or a table row."""
    return (
        line.reason is None
        and _headline_shaped(line)
        and line.text.rstrip(_CLOSERS)[-1:] not in ".…。!！~"
        and not _TABLE_ROW.search(line.text)
        and sum(w[:1].isdigit() for w in line.words) < 0.3 * len(line.words)
    )


def teaser_runs(lines: list[_Line]) -> list[int]:
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
            and (_byline(line) or _date_line(line)) is not None
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
_SHARE_HINTS = (*sorted(_SHARE_STRONG - {"e-mail", "email"}), "mail")
_UI_WORDS = _vocabulary(
    "subscribe sign log in up out register login logout menu search account my close open "
    "skip to content main home more show hide toggle navigation edition print share "
    "sections section go back next previous prev page subscribed profile settings"
)
_BYLINE = re.compile(r"^(?i:by|written by|words by|story by|text by)[ \t:]+(?P<rest>\S.*)$")
_NAME_PARTICLES = _vocabulary("and & de da di van von der den la le du bin al el y of")

# --- dates -------------------------------------------------------------------------

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
# Longest first, so that "september" is not read as "sep".
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
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
_DATE_LABELS = _vocabulary(
    "published updated posted last modified date on at first created edited release released "
    "am pm a.m p.m et edt est gmt utc bst cet cest ist pst pdt pt ct cdt mt mdt z "
    "monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thur thurs fri sat sun"
)


@dataclass
class _Line:
    start: int
    end: int
    text: str
    blank_before: bool
    words: list[str] = field(default_factory=list)
    size: int = 0  # word count that also works for scripts written without spaces
    indent: int = 0  # characters of white space before the content on its raw line
    blank_after: bool = True
    reason: str | None = None
    # Named by its own words, or listed under a heading that is: removed whatever the model says.
    sure: bool = False
    headline: bool = False  # the page's headline, whose words say what the article is about


def _size(words: list[str], text: str = "") -> int:
    if text and not _UNSPACED.search(text):
        return len(words)
    return sum(max(1, len(_UNSPACED.findall(w)) // 2) if _UNSPACED.search(w) else 1 for w in words)


def _split_lines(submitted: str) -> list[_Line]:
    """Non-blank lines with the span of their content (edge whitespace excluded)."""
    lines: list[_Line] = []
    blank_before = True
    position = 0
    bounds = [(m.start(), m.end()) for m in _BREAK.finditer(submitted)]
    bounds.append((len(submitted), len(submitted)))
    for break_start, break_end in bounds:
        raw = submitted[position:break_start]
        start = position + len(raw) - len(raw.lstrip(_EDGE_SPACE))
        end = position + len(raw.rstrip(_EDGE_SPACE))
        if end > start:
            text = submitted[start:end]
            words = _WORD.findall(text)
            line = _Line(start, end, text, blank_before, words, _size(words, text))
            line.indent = start - position
            if lines and not blank_before:
                lines[-1].blank_after = False
            lines.append(line)
            blank_before = False
        else:
            blank_before = True
        position = break_end
    return lines


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def _key(text: str) -> str:
    """Comparison key: case, spacing and edge punctuation do not matter."""
    return " ".join(_WORD.findall(text.casefold()))


_CLOSERS = "\"'”’»)]」』"
_STOPS = frozenset(".!?…。！？")


def _ends_sentence(text: str) -> bool:
    """Ends with a full stop, maybe inside quotes or brackets (``_ENDS_SENTENCE``, by hand:
    a regex anchored at the end scans the whole line)."""
    if text.endswith("\n"):  # "$" also matches before a final newline
        text = text[:-1]
    return text.rstrip(_CLOSERS)[-1:] in _STOPS


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper() or word[:1].isdigit()


def _body_like(line: _Line) -> bool:
    """Shaped like article prose: several sentences, or one long finished sentence."""
    count = line.size
    if count >= 35:
        return True
    if count >= 20 and _ends_sentence(line.text):
        return True
    return count >= 15 and bool(_SENTENCE_BREAK.search(line.text)) and _ends_sentence(line.text)


def _headline_shaped(line: _Line) -> bool:
    count = line.size
    text = line.text
    return (
        3 <= count <= 25
        and 12 <= len(text) <= 200
        and not text.endswith((".", ",", ";", ":"))
        and (text[:1].isupper() or text[:1].isdigit() or text[:1] in "\"'“‘«¿¡")
        and not _BULLET.match(text)
    )


# --- time-stamped teaser cards ----------------------------------------------------------

_AGO = re.compile(
    r"(?i)\b\d+\s*(?:h|hrs?|hours?|m|mins?|minutes?|d|days?|w|wks?|weeks?|mo|months?|y|yrs?|"
    r"years?)\s+ago\b"
)
_STAMP_DATE = re.compile(
    rf"(?i)\b(?:(?:{_MONTH_NAMES})\.?\s+\d{{1,2}}(?:,?\s+\d{{4}})?|"
    rf"\d{{1,2}}\s+(?:{_MONTH_NAMES})\.?(?:\s+\d{{4}})?)\b"
)
_STAMP_CLOCK = re.compile(r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\b\.?)?")
_STAMP_SEPARATORS = re.compile(r"[\s|·•,-]+")
# Stamps this close together, and at least this many, make a list of cards.
_STAMP_NEAR = 5
_STAMPED_CARDS = 3


def _card_stamp(line: _Line) -> bool:
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


def stamped_cards(lines: list[_Line]) -> list[int]:
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


def _byline(line: _Line) -> str | None:
    match = _BYLINE.match(line.text)
    if not match or len(line.words) > 15:
        return None
    rest = match.group("rest")
    if rest.endswith(".") and not re.search(r"\b[A-Z]\.$|\bJr\.$", rest):
        return None
    first_segment = re.split(r",|\||\s[-–—]\s|\s{2,}", rest, maxsplit=1)[0]
    names = _WORD.findall(first_segment)
    if not names or len(names) > 8:
        return None
    if not all(_is_capitalised(w) or w.casefold() in _NAME_PARTICLES for w in names):
        return None
    if len(names) == 1 and not names[0].isupper():
        return None
    return _normalise(line.text)


def _find_date(text: str) -> tuple[re.Match[str], datetime] | None:
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            month = match.group("month")
            month_number = int(month) if month.isdigit() else _MONTHS[month.casefold()]
            try:
                moment = datetime(int(match.group("year")), month_number, int(match.group("day")))
            except ValueError:
                continue
            return match, moment
    return None


def _only_labels(text: str) -> bool:
    return all(w.casefold().rstrip(".") in _DATE_LABELS for w in _WORD.findall(text))


def _nav_shaped(text: str) -> bool:
    words = _WORD.findall(text)
    if not words or _ends_sentence(text):
        return False
    capitalised = sum(1 for w in words if _is_capitalised(w))
    return capitalised / len(words) >= 0.75


def _date_line(line: _Line) -> str | None:
    """ISO 8601 when the line is a date line ("Updated: Oct. 1, 2020 22:19"), else None."""
    if len(line.words) > 24 or not _YEAR.search(line.text):
        return None
    found = _find_date(line.text)
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


def _share(line: _Line) -> bool:
    low = line.text.casefold()
    if not any(map(low.__contains__, _SHARE_HINTS)):
        return False
    words = [w.casefold() for w in _WORD.findall(_CAMEL.sub(" ", line.text.replace("-", " ")))]
    words = [w for w in words if w not in {"e", "mail"}] + (
        ["email"] if re.search(r"(?i)e-?mail", line.text) else []
    )
    if not words or len(words) > 12:
        return False
    strong = sum(w in _SHARE_STRONG for w in words)
    if strong >= 2 and 2 * strong >= len(words) and not _ends_sentence(line.text):
        # A row of share buttons in any language: "WhatsApp Facebook Pin Descargar".
        return True
    return strong > 0 and all(w in _SHARE_STRONG or w in _SHARE_WEAK for w in words)


def _ui_words_only(line: _Line) -> bool:
    if not 0 < len(line.words) <= 8:  # splitting camel case only adds words
        return False
    words = [w.casefold() for w in _WORD.findall(_CAMEL.sub(" ", line.text))]
    return 0 < len(words) <= 8 and all(w in _UI_WORDS for w in words)


def _navigation(line: _Line) -> bool:
    text = line.text
    words = line.words
    if _ends_sentence(text):
        return False
    if _MENU_BULLET.match(text) and len(words) <= 5:
        return True
    segments = [s for s in _SEPARATOR.split(text) if s.strip()]
    return len(segments) >= 3 and all(len(_WORD.findall(s)) <= 4 for s in segments)


# Any mark that prose of twenty words cannot do without, in the scripts we meet.
_PUNCTUATION = re.compile(r"[.,;:!?…()\"“”«»，。、！？،؟۔]")
_WORD_LIST_WORDS = 20


def _word_list(line: _Line) -> bool:
    """Twenty words or more with no punctuation at all: a tag cloud, a drop-down list or a
    menu pasted as one line, not prose (scripts written without spaces aside)."""
    return (
        line.size >= _WORD_LIST_WORDS
        and not _PUNCTUATION.search(line.text)
        and not _UNSPACED.search(line.text)
    )


# A page's list of the topics it files the story under: words of web UI in the languages
# we meet, alone or before the topics (with or without a colon).
_TAGS = re.compile(
    r"(?i)^(?:[*•+\-]\s+)?(?:tags?|tagged(?: with| in)?|filed under|(?:related )?topics?|"
    r"keywords|categories|etiquetas|palavras-chave|schlagw[öo]rter|mots[- ]cl[ée]s|"
    r"теги|метки|рубрики|kategori|etiketler)(?:\s*[:|]|\s|$)"
)
_TAG_LINE_WORDS = 40


def _tag_line(line: _Line) -> bool:
    """ "Tags: ...", "Filed under ...": links to topic pages, never a sentence."""
    return (
        line.size <= _TAG_LINE_WORDS
        and _TAGS.match(line.text) is not None
        and not _ends_sentence(line.text)
    )


def sure_navigation(line: _Line) -> bool:
    """Navigation by its own shape or words, whatever the model makes of it."""
    return _word_list(line) or _tag_line(line)


def _menu_bar(line: _Line) -> bool:
    """A long run of capitalised words with no sentence in it: a glued menu bar.
    Product names and headlines look the same, so only used outside the prose."""
    words = line.words
    return (
        len(words) >= 8
        and not _ends_sentence(line.text)
        and all(_is_capitalised(w) for w in words)
        # A row of figures ("3  Ana Ruiz  5033  4  6") is a table's, not a menu's.
        and 4 * sum(1 for w in words if w[:1].isdigit()) < len(words)
    )


# Every word that any vocabulary rule below needs: a line with none of them skips those
# rules (most lines of a page), which keeps cleanup fast.
_TRIGGERS = tuple(
    word.replace("|", " ")
    for line in """photo image picture video graphic illustration file credit courtesy source
    report edit writ compiled research contribut getty shutterstock alamy istock afp epa
    reuters associated|press newsletter mail sign enter|your cookie continu log account
    password already regist subscri premium member trial unlimited digital journalism save
    this|article this|story this|content comment conversation discussion what|do|you|think
    advert sponsor promoted paid partner scroll related recommend trending further read
    see|also most you|may you|might miss top|stories latest more popular © (c) copyright
    rights terms privacy contact about back|to|top follow powered sitemap site|map accessib
    do|not|sell shar tweet facebook twitter whatsapp linkedin pinterest reddit telegram
    messenger flipboard print send copy permalink leia veja gostar lidas lidos relacionad
    comentári comentario kommentar lee|también lee|más interesar leíd lire même|sujet plus|lus
    liés similaires interessieren zum|thema meistgelesen weitere|artikel leggi interessarti
    correlat più|lett читайте смотрите интересно похожие самое|читаем самое|популяр коммент
    lees|ook meer|over gerelateerde gelezen reactie czytaj zobacz podobne najczęściej komentar
    baca|juga terkait lginizi benzer|haber ilgili|haber okunan yorum""".splitlines()
    for word in line.split()
)


def _trie_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern that finds any of ``words`` as a substring, built as a trie
    ("a(?:bout|ccount)...") so the engine tries one branch per letter, not every word."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        if "" in node:  # a shorter word ends here: enough for a substring test
            return ""
        alternatives = [re.escape(char) + branch(child) for char, child in sorted(node.items())]
        return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"

    return re.compile(branch(trie))


_TRIGGER = _trie_pattern(_TRIGGERS)


def _triggered(text: str) -> bool:
    """Does the line hold any word a vocabulary rule below needs? Most lines of a page do
    not, and skipping those rules for them keeps cleanup fast."""
    low = text.casefold()
    return low.startswith("ad") or _TRIGGER.search(low) is not None


def _classify(line: _Line) -> str | None:
    text = line.text
    count = line.size
    if count == 0:
        return "other"
    if _byline(line):
        return None  # the header pass turns it into a field
    if sure_navigation(line):
        return "navigation"
    if not _triggered(text):
        if _ui_words_only(line):
            return "navigation"
        return "navigation" if _navigation(line) else None
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
        and not _ends_sentence(_ELLIPSIS_END.sub("", text))
        and _RELATED_STRONG.search(text)
    ):
        return "related"
    if count <= 25 and _RELATED_LINK.match(text):
        return "related"
    if count <= 25 and _FOOTER.search(text) and not _body_like(line):
        return "footer"
    if _ui_words_only(line):
        return "login" if re.search(r"(?i)\b(?:sign|log)\s?(?:in|up)\b", text) else "navigation"
    if _navigation(line):
        return "navigation"
    return None


def _is_short_menu_item(line: _Line) -> bool:
    return line.size <= 4 and _nav_shaped(line.text)


def _mark_menu_runs(lines: list[_Line]) -> None:
    """Three or more short capitalised lines in a row are a menu, wherever they are."""
    run: list[_Line] = []
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


def _mark_caption_copies(lines: list[_Line]) -> None:
    """A caption often appears twice: once bare, once with its credit glued on."""
    bodies = set()
    for line in lines:
        if line.reason == "caption":
            suffix = _CREDIT_SUFFIX.search(line.text)
            if suffix:
                bodies.add(_key(line.text[: suffix.start()]))
    bodies.discard("")
    for line in lines:
        if line.reason is None and _key(line.text) in bodies:
            line.reason = "caption"


def _mark_teasers(lines: list[_Line]) -> None:
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
        if _body_like(line) or (line.blank_before and _ends_sentence(line.text)):
            in_teasers = False
        elif line.size <= 25:
            line.reason = "related"
            line.sure = strong
        else:
            in_teasers = False


# The reasons a line of the header may carry before the body is known: unnamed, taken for
# the header, or named by its shape alone. A headline or a byline found later may be one.
_HEADER_OPEN = frozenset((None, "metadata", "navigation", "other"))


@dataclass
class _Header:
    title: str | None = None
    byline: str | None = None
    published_at: str | None = None
    standfirst: str | None = None
    # Names read from a byline printed beside other things (workers.cleanup.byline).
    authors: list[str] = field(default_factory=list)
    # Where the page's own headline and standfirst were found (lines of the page).
    title_at: int | None = None
    standfirst_at: int | None = None


def _mark_header(lines: list[_Line], given_title: str | None) -> _Header:
    """Byline, date line, headline and standfirst near the top become fields."""
    header = _Header()
    for line in lines:
        if line.reason is not None and line.reason != "navigation":
            continue
        byline = _byline(line)
        if byline:
            line.reason = "metadata"
            header.byline = header.byline or byline
            continue
        iso = _date_line(line)
        if iso:
            line.reason = "metadata"
            known = header.published_at
            # The first date line wins, unless a later one gives the same day with its time.
            if known is None or (iso.startswith(known) and len(iso) > len(known)):
                header.published_at = iso

    live = [i for i, line in enumerate(lines) if line.reason in (None, "metadata")]
    first_body = next((i for i in live if lines[i].reason is None and _body_like(lines[i])), None)
    for i in live:
        if first_body is not None and i >= first_body:
            break
        if lines[i].reason is None and _menu_bar(lines[i]):
            lines[i].reason = "navigation"
    head = [i for i in live if first_body is None or i < first_body][:14]
    kept_head = [i for i in head if lines[i].reason is None]

    title_at: int | None = None
    if given_title:
        wanted = _key(given_title)
        for i in kept_head:
            if wanted and _key(lines[i].text) == wanted:
                lines[i].reason = "metadata"
                lines[i].headline = True
                title_at = i if title_at is None else title_at
    if title_at is None:
        # The page's own headline leaves the body even when the request names the title.
        title_at = _find_headline(lines, head, kept_head)
        if title_at is not None:
            lines[title_at].reason = "metadata"
            lines[title_at].headline = True
            header.title = _normalise(_fix_text(lines[title_at].text))
            header.title_at = title_at

    if title_at is not None:
        standfirst = _mark_standfirst(lines, title_at)
        if standfirst is not None:
            header.standfirst = _normalise(_fix_text(lines[standfirst].text))
            header.standfirst_at = standfirst
        for i in kept_head:
            if i < title_at and lines[i].reason is None and not _body_like(lines[i]):
                lines[i].reason = "navigation"
    return header


def _find_headline(lines: list[_Line], head: list[int], kept_head: list[int]) -> int | None:
    """Conservative: a headline-shaped line followed closely by a byline or date line,
    or the very first line, set apart by a blank line, with prose soon after it."""
    for position, i in enumerate(head):
        line = lines[i]
        if line.reason is not None or not _headline_shaped(line):
            continue
        upcoming = head[position + 1 : position + 4]
        if any(lines[j].reason == "metadata" for j in upcoming):
            return i
        later = [j for j in range(i + 1, len(lines)) if lines[j].reason is None][:3]
        if (
            i == kept_head[0]
            and later
            and lines[later[0]].blank_before
            and not _headline_shaped(lines[later[0]])
            and any(_body_like(lines[j]) for j in later)
        ):
            return i
    return None


def _mark_standfirst(lines: list[_Line], title_at: int) -> int | None:
    """The summary under the headline: one line, then a byline/date line or page furniture."""
    after = [j for j in range(title_at + 1, min(len(lines), title_at + 6))]
    candidates = [j for j in after if lines[j].reason is None]
    if not candidates:
        return None
    standfirst = candidates[0]
    line = lines[standfirst]
    if not 6 <= line.size <= 60 or _body_like(line) or standfirst + 1 >= len(lines):
        return None
    next_reason = lines[standfirst + 1].reason
    if next_reason == "metadata" or (next_reason is not None and not _ends_sentence(line.text)):
        line.reason = "metadata"
        return standfirst
    return None


def _trim_tail(lines: list[_Line]) -> None:
    """After the last prose paragraph, once page furniture starts, the rest is furniture."""
    last_body = max(
        (i for i, line in enumerate(lines) if line.reason is None and _body_like(line)), default=-1
    )
    if last_body < 0:
        return  # no prose recognised: too unsure to cut anything
    furniture_started = False
    for line in lines[last_body + 1 :]:
        if line.reason is None and _menu_bar(line):
            line.reason = "navigation"
        if line.reason in _FURNITURE:
            furniture_started = True
        elif furniture_started:
            line.reason = "related" if line.size <= 25 else "footer"


# Reasons found by UI vocabulary (not by shape alone): sure signs the article has ended.
_FURNITURE = frozenset(
    (
        "share",
        "subscription",
        "login",
        "cookie",
        "related",
        "advertisement",
        "newsletter",
        "comments",
        "footer",
    )
)


def _continues(previous: _Line, line: _Line) -> bool:
    """A hard-wrapped line that continues the previous one's sentence."""
    if line.blank_before or _ends_sentence(previous.text) or _BULLET.match(line.text):
        return False
    first = line.text[:1]
    if first.islower():
        return True
    # A list item ends at its line: what follows it in capitals is a new block.
    return (
        len(previous.text) >= 40
        and previous.text[-1:].isalnum()
        and not _BULLET.match(previous.text)
    )


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    paragraphs: list[list[_Line]] = []
    previous: _Line | None = None
    for line in lines:
        if line.reason is not None:
            previous = None
            continue
        if previous is not None and paragraphs and _continues(previous, line):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        previous = line
    return paragraphs
