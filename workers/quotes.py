"""Direct quotations: where they are in the text, and who said them.

Finding quotations is plain character scanning (no model), so ``quote_spans`` is
cheap enough for the stats analysis to count quotes too. Only double quote marks
delimit a quotation (straight ``"`` and curly “ ” „); single quotes inside one are
nested quotes and apostrophes, never delimiters.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from spacy.tokens import Doc

_OPENING = "“„‟"
_CLOSING = "”"
_STRAIGHT = '"'
_MARKS = _OPENING + _CLOSING + _STRAIGHT
# Characters after which a straight mark opens a quotation ("(" in '("Yes")').
_BEFORE_OPEN = "([{—–-/:"
# Characters a straight mark is followed by when it closes one ('," he said').
_AFTER_CLOSE = ",.;:!?)]}—–-…"
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


@dataclass(frozen=True)
class QuoteSpan:
    """A quotation: ``start``/``end`` include its marks; ``parts`` are the words inside.

    A quotation over several paragraphs has one part per paragraph: the marks that
    reopen it at each new paragraph belong to no part.
    """

    start: int
    end: int
    parts: tuple[tuple[int, int], ...]

    def inner_text(self, text: str) -> str:
        """The quotation without its marks, paragraphs kept apart by a blank line."""
        return "\n\n".join(text[a:b].strip() for a, b in self.parts if text[a:b].strip())


def _kind(text: str, i: int) -> str:
    """'open', 'close' or 'either' for the quote mark at ``i``, from its neighbours."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    space_before = before.isspace() or before in _BEFORE_OPEN
    space_after = after.isspace() or after in _AFTER_CLOSE
    char = text[i]
    if char in _OPENING:
        return "open"
    if char in _CLOSING:
        # Some pastes use ” for both marks: one between a space and a word opens.
        return "open" if before.isspace() and not space_after else "close"
    if space_before and not space_after:
        return "open"
    if space_after and not space_before:
        return "close"
    return "either"


def _paragraph_breaks(text: str) -> list[tuple[int, int]]:
    """(end of a paragraph, start of the next) for every paragraph break.

    With blank lines in the text, paragraphs are separated by them and single line
    breaks are wrapping; without any, every line break separates paragraphs.
    """
    if _BLANK_LINE.search(text):
        return [(m.start(), m.end()) for m in _BLANK_LINE.finditer(text)]
    return [(m.start(), m.end()) for m in re.finditer(r"\n", text)]


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every direct quotation of ``text``, in order; never raises.

    A quotation left open at the end of a paragraph goes on when the next
    paragraph starts with an opening mark (newswire style); otherwise it ends with
    its paragraph. A closing mark outside any quotation (inches: 12" pipe) is
    ignored, and so is an opening mark that is never followed by anything.
    """
    breaks = _paragraph_breaks(text)
    quotes: list[QuoteSpan] = []
    start: int | None = None
    part_start = 0
    parts: list[tuple[int, int]] = []
    marks = [i for i, char in enumerate(text) if char in _MARKS]
    break_index = 0
    skip_until = -1
    # The white space after a paragraph break, scanned once: breaks in a row all look
    # past the same white space for a reopening mark.
    space_from = space_to = -1

    def finish(end: int, inner_end: int) -> None:
        nonlocal start
        assert start is not None
        parts.append((part_start, inner_end))
        if any(text[a:b].strip() for a, b in parts):
            quotes.append(QuoteSpan(start, end, tuple(parts)))
        start = None
        parts.clear()

    for i in marks:
        if i < skip_until:
            continue
        # Paragraph breaks passed since the last mark.
        while break_index < len(breaks) and breaks[break_index][0] < i:
            para_end, next_start = breaks[break_index]
            break_index += 1
            if start is None:
                continue
            if not space_from <= next_start <= space_to:
                space_from, space_to = next_start, _skip_space(text, next_start)
            reopen = space_to
            if (
                reopen < len(text)
                and reopen <= i
                and text[reopen] in _MARKS
                and _kind(text, reopen) != "close"
            ):
                parts.append((part_start, para_end))
                part_start = reopen + 1
                skip_until = reopen + 1
                continue
            end = _rstripped(text, para_end)
            finish(end, end)
        if i < skip_until:
            continue
        kind = _kind(text, i)
        if start is None:
            if kind in ("open", "either"):
                start = i
                part_start = i + 1
        elif kind in ("close", "either"):
            finish(i + 1, i)
        else:
            # An opening mark inside an open quotation: the first one was never
            # closed. It ends where this one starts.
            finish(i, i)
            start = i
            part_start = i + 1

    if start is not None:
        # Left open after the last mark: it ends with its paragraph.
        rest = breaks[break_index:]
        end = _rstripped(text, rest[0][0] if rest else len(text))
        finish(end, end)
    return quotes


def _skip_space(text: str, at: int) -> int:
    """The first position from ``at`` on that is not white space (or the text's end)."""
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _rstripped(text: str, end: int) -> int:
    """``len(text[:end].rstrip())``, without copying the text up to ``end``."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every direct quotation, quote marks included, in text order."""
    return [(q.start, q.end) for q in find_quotes(text)]


# --- Speakers -----------------------------------------------------------------

SPEECH_VERBS: tuple[str, ...] = (
    "said", "says", "say", "told", "tells", "added", "adds", "asked", "asks",
    "wrote", "writes", "stated", "states", "explained", "explains", "warned", "warns",
    "insisted", "insists", "noted", "notes", "argued", "argues", "claimed", "claims",
    "replied", "replies", "continued", "continues", "recalled", "recalls", "declared",
    "announced", "admitted", "admits", "conceded", "acknowledged", "complained",
    "remarked", "testified", "tweeted", "posted", "commented", "observed", "concluded",
    "suggested", "suggests", "cautioned", "urged", "countered", "responded", "answered",
    "maintained", "predicted", "promised", "vowed", "boasted", "joked", "shouted",
    "whispered", "cried", "estimated", "reported", "wrote", "pleaded", "demanded",
    "confirmed", "added", "agreed", "objected", "mused", "sighed", "laughed",
)  # fmt: skip
_VERB = "|".join(sorted(set(SPEECH_VERBS), key=len, reverse=True))
_VERB_RE = re.compile(rf"\b(?:{_VERB})\b", re.IGNORECASE)
# Words that may stand between a speaker and the verb: "Hajayev later said".
_FILLER = r"(?:(?:also|later|then|once|has|had|have|had|was|were|would|will|\w+ly)\s+)*"
_TAIL_VERB_FIRST = re.compile(rf"^[\s,–—-]*(?:{_VERB})\s+(?P<who>[^,.;:!?\"“”„\n]{{1,80}})", re.I)
_TAIL_SUBJECT_FIRST = re.compile(
    rf"^[\s,–—-]*(?P<who>[^\"“”„\n.;:!?]{{1,120}}?)\s+{_FILLER}(?:{_VERB})\b", re.I
)
_PARTICIPLE_RE = re.compile(
    r"\b(?:saying|adding|stressing|noting|warning|insisting|arguing|explaining|telling"
    r"|stating|asking|claiming|calling)\b",
    re.IGNORECASE,
)
# A participle counts when none of these follows it on its line.
_LATER_PARTICIPLE = re.compile(r"\b(?:saying|adding|stressing|noting)\b", re.IGNORECASE)
_SPEAKS = re.compile(rf"[\s,]*{_FILLER}(?:{_VERB})\b", re.I)
_ACCORDING_TO = re.compile(r"\baccording\s+to\s+(?P<who>[^,\"“”„\n]{1,80}?)\s*,?\s*$", re.I)
_PRONOUNS = {"he": "PERSON", "she": "PERSON", "it": "ORG"}
# A participle clause ending the words before a quotation, for participles not in the
# list above: 'the ministry said ..., underlining that "..."'.
_ING_THAT = re.compile(r",\s*(?:\w+ly\s+)?\w+ing\s+that\s*$", re.IGNORECASE)


def _participle(lead: str) -> re.Match[str] | None:
    """The first participle of ``lead`` ("stressing that") with no "saying", "adding",
    "stressing" or "noting" after it on its line. Found from the lists of both kinds and
    of the line breaks: one scan each, where a look-ahead from every participle would
    read the rest of its line again."""
    candidates = list(_PARTICIPLE_RE.finditer(lead))
    if not candidates:
        return None
    later = [m.start() for m in _LATER_PARTICIPLE.finditer(lead)]
    breaks = [m.start() for m in re.finditer(r"\n", lead)]
    for candidate in candidates:
        end = candidate.end()
        k = bisect_left(breaks, end)
        line_end = breaks[k] if k < len(breaks) else len(lead)
        j = bisect_left(later, end)
        if j == len(later) or later[j] >= line_end:
            return candidate
    return None


# "the group said": a definite description of an organisation named before.
_ORG_NOUNS = frozenset({
    "agency", "alliance", "army", "association", "authority", "bank", "board", "carmaker", "centre",
    "charity", "chain", "club", "coalition", "commission", "committee", "company", "council",
    "court", "department", "firm", "fund", "government", "group", "hospital", "institute",
    "league", "ministry", "museum", "network", "office", "organisation", "party", "police",
    "regulator", "school", "society", "team", "trust", "union", "university",
})  # fmt: skip
# Nouns a body's name holds when it is one ("Kessel City Council", "Norvia Police"): "the
# council said" is a council, never the last company named; with none named, the words
# as written are the speaker.
_NAMED_NOUNS = frozenset({
    "agency", "army", "authority", "commission", "committee", "council", "court",
    "department", "hospital", "league", "ministry", "museum", "navy", "party", "police",
    "school", "union", "university",
})  # fmt: skip
_DETERMINERS = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_CAPITALISED_RUN = re.compile(
    r"[A-Z][\w'’.&-]*(?:\s+(?:(?:of|for|and|de|von|van|al)\s+)?[A-Z][\w'’.&-]*)*"
)
# Labels that never name a speaker.
_NOT_SPEAKERS = frozenset(
    {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL", "LAW", "LANGUAGE"}
)
_NAME_NOISE = re.compile(r"^(?:the\s+)|(?:['’]s?)$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class _Mention:
    start: int
    end: int
    text: str
    label: str


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", _NAME_NOISE.sub("", name.strip())).casefold()


class _Speakers:
    """Finds and names the speaker of each quotation of one text.

    Every look-up is indexed (mentions by offset, entities by name, mentions of one
    type outside quotations), so naming the speakers of a text costs about the same
    per quotation however many quotations and mentions the text has.
    """

    def __init__(
        self,
        text: str,
        mentions: list[_Mention],
        sentence_starts: list[int],
        entities: list[dict[str, Any]] | None,
    ) -> None:
        self.text = text
        self.mentions = mentions
        self.sentence_starts = sentence_starts
        self.entities = entities or []
        self._starts = [m.start for m in mentions]
        self._ends = [m.end for m in mentions]
        # The model's mentions never overlap, so sorted by start they are sorted by end
        # too, and the mentions over a span are one slice.
        self._ends_in_order = all(a <= b for a, b in pairwise(self._ends))
        self.quotes = []
        self.entity_of_offset: dict[int, int] = {}
        for index, entity in enumerate(self.entities):
            for mention in entity.get("mentions", ()):
                for offset in range(mention["start"], mention["end"]):
                    self.entity_of_offset.setdefault(offset, index)
        # The first entity with each name or alias, and the people by the last word of
        # their name, normalised.
        self._entity_of_name: dict[str, int] = {}
        self._people_of_surname: dict[str, list[int]] = {}
        for index, entity in enumerate(self.entities):
            for form in (entity["name"], *entity.get("aliases", ())):
                self._entity_of_name.setdefault(_norm(form), index)
            if entity["type"] == "PERSON":
                for surname in _norm(entity["name"]).split()[-1:]:
                    self._people_of_surname.setdefault(surname, []).append(index)
        self._labels: dict[_Mention, str] = {}
        self._pools: dict[str, _Pool] = {}

    @property
    def quotes(self) -> list[QuoteSpan]:
        return self._quotes

    @quotes.setter
    def quotes(self, quotes: list[QuoteSpan]) -> None:
        self._quotes = quotes
        self._quote_starts = [q.start for q in quotes]
        self._quote_ends = [q.end for q in quotes]
        self._quotes_in_order = all(a.end <= b.start for a, b in pairwise(quotes))
        self._pools = {}

    def overlapping(self, start: int, end: int) -> list[_Mention]:
        """The mentions with a character in ``text[start:end]``, in text order."""
        if not self._ends_in_order:
            return [m for m in self.mentions if m.start < end and m.end > start]
        return self.mentions[bisect_right(self._ends, start) : bisect_left(self._starts, end)]

    def starting_in(self, start: int, end: int) -> list[_Mention]:
        """The mentions that start in ``text[start:end]``, in text order."""
        return self.mentions[bisect_left(self._starts, start) : bisect_left(self._starts, end)]

    # Linking ---------------------------------------------------------------

    def link(self, start: int, end: int, name: str) -> int | None:
        """Index in the entity list of the entity named at ``start:end`` (or by ``name``)."""
        for offset in range(start, end):
            if offset in self.entity_of_offset:
                return self.entity_of_offset[offset]
        key = _norm(name)
        if key in self._entity_of_name:
            return self._entity_of_name[key]
        if " " not in key:
            found = self._people_of_surname.get(key, [])
            if len(found) == 1:
                return found[0]
        return None

    def label(self, mention: _Mention) -> str:
        if mention not in self._labels:
            index = self.link(mention.start, mention.end, mention.text)
            self._labels[mention] = (
                self.entities[index]["type"] if index is not None else mention.label
            )
        return self._labels[mention]

    def speaker(self, start: int, end: int, name: str, how: str) -> dict[str, Any]:
        index = self.link(start, end, name)
        if index is not None:
            name = self.entities[index]["name"]
        name = re.sub(r"\s+", " ", _DETERMINERS.sub("", name.strip()))
        return {"name": name, "entity_index": index, "start": start, "end": end, "attribution": how}

    # Who is in a phrase ----------------------------------------------------

    def who(self, start: int, end: int) -> dict[str, Any] | None:
        """The speaker named in ``text[start:end]``, the words before or after a verb."""
        words = self.text[start:end]
        stripped = words.strip()
        if stripped.casefold() in _PRONOUNS:
            at = start + words.index(stripped)
            return self.pronoun(at, at + len(stripped), _PRONOUNS[stripped.casefold()])
        reference = re.fullmatch(r"(the\s+)?(\w+)", stripped, re.IGNORECASE)
        noun = reference.group(2).casefold() if reference else ""
        if reference and noun in _ORG_NOUNS and (reference.group(1) or noun in _NAMED_NOUNS):
            at = start + words.index(stripped)
            found = self.pronoun(at, at + len(stripped), "ORG", noun)
            if found is None and noun in _NAMED_NOUNS:
                # "police said", "the council said" with no such body named: still
                # someone speaking, named as written (not the last company named)
                found = self.speaker(at, at + len(stripped), stripped, "reference")
            return found
        inside = [m for m in self.overlapping(start, end) if self.label(m) not in _NOT_SPEAKERS]
        people = [m for m in inside if self.label(m) == "PERSON"]
        chosen = (people or inside)[-1:] if inside else []
        if chosen:
            m = chosen[0]
            return self.speaker(m.start, m.end, m.text, "explicit")
        bare = _DETERMINERS.sub("", stripped)
        match = _CAPITALISED_RUN.search(bare)
        if match is None:
            return None
        # "the Foreign Ministry": a proper name the model did not tag. One capitalised
        # word alone may just start the sentence ("Officials said"), so it needs a
        # "the" before it or a place mid-sentence.
        mid_sentence = self.sentence_of(start + len(words) - len(words.lstrip())) == (
            self.sentence_of(start - 1) if start else -1
        )
        at = start + words.index(bare) + match.start()
        if self.overlapping(at, at + len(match.group())):
            return None  # a date or a number, not a name
        if len(match.group().split()) > 1 or bare != stripped or mid_sentence:
            return self.speaker(at, at + len(match.group()), match.group(), "explicit")
        return None

    def subject_before(self, start: int, end: int) -> dict[str, Any] | None:
        """The subject ending at ``end``: the last clause, else the one before an aside."""
        pre = self.text[start:end]
        cut = max(pre.rfind(c) for c in ",;:.!?()")
        found = self.who(start + cut + 1, end) if pre[cut + 1 :].strip() else None
        if found is None and pre.rstrip().endswith(","):
            # "Hajayev, who ran the port for a decade, said"
            last_comma = pre.rfind(",")
            comma = pre.rfind(",", 0, last_comma)
            if comma >= 0:
                before = pre[:comma]
                cut = max(before.rfind(c) for c in ",;:.!?()")
                found = self.who(start + cut + 1, start + comma)
                if found is None:
                    # "the museum's director, Claire Denholm, said"
                    found = self.who(start + comma + 1, start + last_comma)
        return found

    def pronoun(
        self, start: int, end: int, label: str, noun: str | None = None
    ) -> dict[str, Any] | None:
        """The ``label`` entity a pronoun (or "the group") stands for; None when unsure.

        Mentions inside quotations are skipped (people named in a quotation are
        rarely its speaker). A person last seen as the subject of a speech verb
        ("Otieno said ...") wins; else the most recent one, unless its sentence
        names another. For "the group", an organisation whose name holds the noun wins.
        """
        pool = self.pool(label)
        if not pool.ends_in_order:
            return self._pronoun_among(pool.mentions, start, end, noun)
        before = bisect_right(pool.ends, start)  # pool.mentions[:before] end by `start`
        if not before:
            return None
        how = "pronoun" if noun is None else "reference"
        if noun is not None:
            named = pool.last_below(pool.naming(noun), before)
            if named is not None:
                return self._resolved(pool.mentions[named], start, end, how)
            if noun in _NAMED_NOUNS:
                return None
        # The last mention that speaks (every mention after it does not).
        speaking = pool.last_below(pool.speaking, before)
        if speaking is not None:
            mention = pool.mentions[speaking]
            if self.sentence_of(mention.start) >= self.sentence_of(start) - 2:
                return self._resolved(mention, start, end, how)
        last = pool.mentions[before - 1]
        other = pool.other_before[before - 1]
        if other >= 0 and self.sentence_of(pool.mentions[other].start) == self.sentence_of(
            last.start
        ):
            return None  # another entity named in the sentence of the last mention
        return self._resolved(last, start, end, how)

    def _pronoun_among(
        self, mentions: list[_Mention], start: int, end: int, noun: str | None
    ) -> dict[str, Any] | None:
        """``pronoun``, going through every mention: for mentions that overlap (the
        model's never do), of which the ones that end before a point need not come first."""
        before = [m for m in mentions if m.end <= start]
        if not before:
            return None
        how = "pronoun" if noun is None else "reference"
        if noun is not None:
            named = [m for m in before if noun in _norm(self.name_of(m)).split()]
            if named:
                return self._resolved(named[-1], start, end, how)
            if noun in _NAMED_NOUNS:
                return None
        speaking = [m for m in before if _SPEAKS.match(self.text, m.end)]
        if speaking and self.sentence_of(speaking[-1].start) >= self.sentence_of(start) - 2:
            return self._resolved(speaking[-1], start, end, how)
        last = before[-1]
        sentence = self.sentence_of(last.start)
        for other in before[:-1]:
            if self.sentence_of(other.start) == sentence and not self.same_entity(other, last):
                return None
        return self._resolved(last, start, end, how)

    def pool(self, label: str) -> _Pool:
        """The mentions of type ``label`` outside quotations, for pronouns."""
        if label not in self._pools:
            self._pools[label] = _Pool(
                self,
                [m for m in self.mentions if self.label(m) == label and not self.quoted(m.start)],
            )
        return self._pools[label]

    def _resolved(self, mention: _Mention, start: int, end: int, how: str) -> dict[str, Any]:
        found = self.speaker(mention.start, mention.end, mention.text, how)
        found["start"], found["end"] = start, end
        return found

    def name_of(self, mention: _Mention) -> str:
        index = self.link(mention.start, mention.end, mention.text)
        return self.entities[index]["name"] if index is not None else mention.text

    def identity(self, mention: _Mention) -> tuple[int, int] | tuple[int, str]:
        """Equal for two mentions of one entity (see ``same_entity``)."""
        index = self.link(mention.start, mention.end, mention.text)
        if index is not None:
            return (0, index)
        words = _norm(mention.text).split()
        return (1, words[-1] if words else "")

    def same_entity(self, a: _Mention, b: _Mention) -> bool:
        """Linked to the same entry; when neither is linked, the same last word."""
        return self.identity(a) == self.identity(b)

    def quoted(self, offset: int) -> bool:
        if not self._quotes_in_order:
            return any(q.start <= offset < q.end for q in self.quotes)
        k = bisect_right(self._quote_starts, offset) - 1
        return k >= 0 and offset < self._quote_ends[k]

    def sentence_of(self, offset: int) -> int:
        return bisect_right(self.sentence_starts, offset) - 1

    # The rules -------------------------------------------------------------

    def after(self, quote: QuoteSpan, limit: int) -> dict[str, Any] | None:
        """'"...," Hajayev said' / '"...," said Marta Okafor, who ...' / '"...," he said'."""
        tail = self.text[quote.end : limit]
        closed_sentence = self.text[quote.parts[-1][1] - 1 : quote.parts[-1][1]] in ".!?"
        match = _TAIL_VERB_FIRST.match(tail)
        if match and not closed_sentence:
            start = quote.end + match.start("who")
            who = match.group("who")
            # "said Marta Okafor of the port" / "said the ministry in a statement"
            who = re.split(r"\s+(?:in|on|at|during|after|before|last|this|to|when)\s+", who)[0]
            found = self.who(start, start + len(who))
            if found:
                return found
        match = _TAIL_SUBJECT_FIRST.match(tail)
        if match:
            if closed_sentence:
                # '"We go." Okafor said the plan...' is a new statement, not attribution.
                rest = tail[match.end() :]
                if not re.match(r"^[^.!?\"“”]{0,40}[.!?]", rest) or len(rest[:40].split()) > 6:
                    return None
            return self.subject_before(quote.end + match.start("who"), quote.end + match.end("who"))
        return None

    def before(self, quote: QuoteSpan, lead_start: int) -> dict[str, Any] | None:
        """'Naghdalyan said "..."', 'Hajayev told reporters: "..."', 'According to X, "..."'."""
        lead = self.text[lead_start : quote.start]
        match = _ACCORDING_TO.search(lead)
        if match:
            return self.who(lead_start + match.start("who"), lead_start + match.end("who"))
        participle = _participle(lead) or _ING_THAT.search(lead)
        if participle is not None and len(lead[participle.end() :].split()) <= 6:
            # 'The ministry said in a statement it regrets the decision, stressing that "..."':
            # the speaker is the subject of the sentence's first speech verb.
            verb = _VERB_RE.search(lead, 0, participle.start())
            if verb:
                return self.subject_before(lead_start, lead_start + verb.start())
        # The last speech verb of the lead, when at most six words and no new sentence
        # stand between it and the quotation (an earlier verb has more of both after it).
        verbs = list(_VERB_RE.finditer(lead))
        if not verbs:
            return None
        verb = verbs[-1]
        post = lead[verb.end() :]
        if len(post.split()) > 6 or re.search(r"[.!?]\s+\S", post):
            return None
        found = self.subject_before(lead_start, lead_start + verb.start())
        if found is None and verb.group().casefold() in {"said", "says", "added", "asked"}:
            # "said Hajayev: ..." (verb first)
            after = re.match(r"\s+(?P<who>(?:the\s+)?[A-Z][^,:.;\"“”„]{0,60})", post)
            if after:
                at = lead_start + verb.end() + after.start("who")
                found = self.who(at, at + len(after.group("who").rstrip()))
        return found


class _Pool:
    """The mentions of one type outside quotations, in text order, for pronouns: the last
    that speaks or names a noun, and the nearest mention of another entity before each."""

    def __init__(self, speakers: _Speakers, mentions: list[_Mention]) -> None:
        self.speakers = speakers
        self.mentions = mentions
        self.ends = [m.end for m in mentions]
        self.ends_in_order = all(a <= b for a, b in pairwise(self.ends))
        text = speakers.text
        self.speaking = [i for i, m in enumerate(mentions) if _SPEAKS.match(text, m.end)]
        # For each mention, the index of the nearest one before it of another entity.
        self.other_before: list[int] = []
        previous = None
        for i, mention in enumerate(mentions):
            identity = speakers.identity(mention)
            if i == 0:
                self.other_before.append(-1)
            elif identity != previous:
                self.other_before.append(i - 1)
            else:
                self.other_before.append(self.other_before[i - 1])
            previous = identity
        self._naming: dict[str, list[int]] = {}

    def naming(self, noun: str) -> list[int]:
        """Indices of the mentions whose name holds ``noun`` ("fund": Nordic Climate Fund)."""
        if noun not in self._naming:
            self._naming[noun] = [
                i
                for i, m in enumerate(self.mentions)
                if noun in _norm(self.speakers.name_of(m)).split()
            ]
        return self._naming[noun]

    @staticmethod
    def last_below(indices: list[int], count: int) -> int | None:
        """The last of ``indices`` (in order) below ``count``."""
        k = bisect_left(indices, count)
        return indices[k - 1] if k else None


_TITLE_WORDS = 4
_CLAUSE = re.compile(r"[.,;:!?]")


def _lead_start(quote: QuoteSpan, sentence_starts: list[int], floor: int, text: str) -> int:
    """Start of the sentence holding the words just before the quotation."""
    at = quote.start - 1
    while at > floor and text[at].isspace():
        at -= 1
    index = bisect_right(sentence_starts, at) - 1
    start = sentence_starts[index] if index >= 0 else 0
    return max(start, floor)


# The words before a quotation reach back over at most this many quotations: a sentence
# that holds more is no prose, and each lead would be read again for each of them.
_LEAD_QUOTES = 8


class _Blanks:
    """Where ``text`` holds "\n\n": ``str.find`` and ``str.rfind`` of it near an offset,
    from one scan of the text rather than one per quotation."""

    def __init__(self, text: str) -> None:
        self.size = len(text)
        self.at = [m.start() for m in re.finditer(r"(?=\n\n)", text)]

    def paragraph_start(self, offset: int) -> int:
        """After the last "\n\n" that ends by ``offset``; 0 when there is none."""
        k = bisect_right(self.at, offset - 2) - 1
        return self.at[k] + 2 if k >= 0 else 0

    def paragraph_end(self, offset: int) -> int:
        """Where the first "\n\n" from ``offset`` on starts; the text's end when none."""
        k = bisect_left(self.at, offset)
        return self.at[k] if k < len(self.at) else self.size


def attribute(
    text: str,
    mentions: list[tuple[int, int, str]],
    sentence_starts: list[int],
    entities: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Quotations of ``text`` with their speakers; see ``QuoteSchema`` for the fields.

    ``mentions`` are the model's entity mentions (start, end, label) and
    ``entities`` the result's entity list, which speakers are linked to.
    """
    # A mention with no letters in it (a model's stray span of spaces) names nobody.
    ents = sorted(_Mention(s, e, text[s:e], label) for s, e, label in mentions if text[s:e].strip())
    speakers = _Speakers(text, ents, sorted(sentence_starts), entities)
    found = find_quotes(text)
    speakers.quotes = found
    blanks = _Blanks(text)
    results: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    previous_end = 0
    for i, quote in enumerate(found):
        limit = blanks.paragraph_end(quote.end)
        if i + 1 < len(found):
            limit = min(limit, found[i + 1].start)
        floor = max(previous_end, blanks.paragraph_start(quote.start))
        lead_start = _lead_start(quote, speakers.sentence_starts, floor, text)
        if i >= _LEAD_QUOTES:
            lead_start = max(lead_start, found[i - _LEAD_QUOTES].start)
        speaker = speakers.after(quote, limit) or speakers.before(quote, lead_start)
        inner = quote.inner_text(text)
        if speaker is None and len(inner.split()) <= _TITLE_WORDS and not _CLAUSE.search(inner):
            # 'the novel "The Last Lamp"', 'so-called "peace dividend"': a title or scare
            # quotes, not a quotation anyone said.
            continue
        # A continuation starts its paragraph, or follows the attribution of the quotation
        # before it ('"...," said Okafor, a nurse. "..."'): 'A banner reads "..."' is no
        # one's words.
        attributed_between = bool(
            previous and previous["speaker"] and floor <= previous["speaker"]["start"]
        )
        if (
            speaker is None
            and previous
            and previous["speaker"]
            and (attributed_between or not text[floor : quote.start].strip())
        ):
            said = previous["speaker"]
            said_by = _Mention(said["start"], said["end"], text[said["start"] : said["end"]], "")
            between = [
                m
                for m in speakers.starting_in(previous_end, quote.start)
                if not speakers.same_entity(m, said_by) and speakers.label(m) not in _NOT_SPEAKERS
            ]
            # Another person named, or anyone else speaking ("the ministry said"),
            # ends the run of one speaker's quotations.
            if not any(
                speakers.label(m) == "PERSON" or _SPEAKS.match(text, m.end) for m in between
            ):
                speaker = {**previous["speaker"], "attribution": "continuation"}
        item = {
            "start": quote.start,
            "end": quote.end,
            "text": inner,
            "speaker": speaker,
        }
        results.append(item)
        previous, previous_end = item, quote.end
    return results


def extract(
    parsed: Doc | Any, entities: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Quotations of a parsed text, speakers from its entity mentions and sentences.

    ``parsed`` is a spaCy ``Doc`` or the pipeline's chunked parse (``text``,
    ``entities()`` as (chunk offset, span) pairs, ``sentence_starts``).
    """
    if isinstance(parsed, Doc):
        mentions = [(e.start_char, e.end_char, e.label_) for e in parsed.ents]
        has_sentences = parsed.has_annotation("SENT_START")
        starts = [s.start_char for s in parsed.sents] if has_sentences else [0]
    else:
        mentions = [
            (offset + e.start_char, offset + e.end_char, e.label_)
            for offset, e in parsed.entities()
        ]
        starts = list(parsed.sentence_starts) or [0]
    return attribute(parsed.text, mentions, starts, entities)
