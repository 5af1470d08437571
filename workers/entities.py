"""Named entities: spaCy NER mentions made into one entry per real-world entity.

Steps, each a plain function over plain data (rules in detail in docs/entities.md):

1. Mentions: every model entity, its span trimmed of a possessive ("Hajayev's") and,
   for names, of a leading "the" (also "The" when it starts the sentence; mid-sentence
   "The Kessel Gazette" keeps it; "the third quarter" keeps it), an amount of money
   widened to a currency sign written against it ("$4.2 million"), with the index of
   its sentence.
2. Grouping by a folded key: case, diacritics, dots and punctuation ("U.S." = "US",
   "Sao Paulo" = "São Paulo") and a title ("Mr", "Dr") do not count. Mentions written
   alike take the label most got (ORG wins a tie with PRODUCT); values (dates, numbers,
   amounts) then part again, one entry per mention except a calendar date written alike.
3. Merging groups that are one entity:
   - an acronym with its expansion, when the text defines it in parentheses (both
     orders: "Stockholm International Peace Research Institute (SIPRI)", "SIPRI
     (Stockholm ...)"), or when it equals the initials of one organisation in the text;
     occurrences of a defined acronym the model missed are added as mentions;
   - a one-word name with the one multi-word PERSON whose last word it is ("Hajayev"
     and "Hikmat Hajayev"); never when two people share the surname. When the model
     called no full name with that surname PERSON, a one-word name that it called
     PERSON or that stands next to a speech verb or a title still merges with the one
     full name of another name type ending in it;
   - a one-word name with the one multi-word ORG or FAC whose first word it is
     ("Kestrel" and "Kestrel Motors") when that name comes first and no other ORG or FAC
     name holds the word, unless that name ends in an organisation word (named after a
     place: "Dunmore Tenants Association") or the word is a known place;
   - a generic name ("Foreign Ministry") is keyed with the owner written against it
     ("Israel's", "Armenian"), so only mentions of one owner's body come together;
   - names of places the gazetteer links to the same country ("U.S.", "United States").
4. Typing by document-level evidence, first rule that applies:
   a. a name the gazetteer knows as a country or US state is GPE, a continent LOC;
   b. a multi-word name ending in an organisation word (Institute, Ministry, Council,
      Agency, Party, Bank, University, Inc, Ltd... see ``ORG_HEADS``) or holding
      "Ministry of", "Institute for"... (``ORG_OPENERS``) is ORG; one ending in a venue
      word (Amphitheatre, Arena, Pavilion, Stadium... ``VENUE_HEADS``) is FAC unless the
      model called a mention PERSON;
   c. a full name merged with its surname alone is PERSON; so is a name with a
      mention next to a speech verb ("Hajayev said", "said Hajayev") or after a title
      ("Mr", "Dr") when the model called at least one of its mentions PERSON;
   d. a place or a product the model typed otherwise, on evidence: a name of the regions
      table (``workers.regions``: "Nagorno-Karabakh", "Negev"), a place noun around an
      ORG ("the Varsk enclave", "the Tolmar region", "the town of Brevno"), or a product
      noun after a model number, a quoted name or a "work of art" ("Orbiter 1K drone",
      "kamikaze 'Harop' drones"), or a name after a size ("the 16-inch MacBook Pro");
   e. a known city is GPE when the model called a mention GPE or LOC, or, for a city of
      a million people, whatever it called it unless a mention stands next to a speech
      verb or after a title;
   f. otherwise the label most mentions got (ties: the first seen; ORG over PRODUCT).
   A US state's postal code after a place ("Irving, TX") is a GPE mention, added when
   the model missed it, and so is the name before it; a work's title keeps a "The"
   that opened its sentence ("The Tennis Podcast"); a DATE or TIME ending in a word no
   date ends in is cut before it ("past week dozens").
5. Places: GPE and LOC entities are linked to GeoNames (``workers.gazetteer``).

Salience, in [0, 1], weighs how often, how early and how prominently an entity is
mentioned (``FREQUENCY_WEIGHT`` and the weights beside it); the formula is described
once, in docs/entities.md, "Salience". Values have salience 0 and ``value: true``, and
come after every named entity, in text order. Named entities are sorted by salience, then
count, then first appearance. Options filter the list (``types``, ``min_salience``) after
everything is computed on all entities.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from spacy.tokens import Doc

from workers import gazetteer
from workers.chunks import Parsed
from workers.regions import region_type


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FREQUENCY_WEIGHT = 0.5
POSITION_WEIGHT = 0.3
PROMINENCE_WEIGHT = 0.2

ORG_HEADS = _words(
    """
    institute institution ministry council agency authority party bank university
    association company inc ltd llc plc corp corporation co gmbh ag group committee
    commission foundation federation union league court department office service
    services police army navy parliament assembly club fc college school academy
    hospital museum airline airlines cooperative society board bureau trust fund
    organisation organization network partners holdings industries laboratories labs
    senate congress government cabinet directorate secretariat tribunal alliance
    coalition front movement brigade corps command guard
    """
)
ORG_OPENERS = _words(
    """
    ministry bank university department office council commission committee institute
    court agency bureau board league party
    """
)
# Words a generic name of a body is made of ("Foreign Ministry", "City Council", "Armed
# Forces"): such a name says what kind of body it is, not which, so its owner is part of
# its identity ("Israel's Foreign Ministry" is not "the Armenian Foreign Ministry").
GENERIC_MODIFIERS = _words(
    """
    foreign interior home defence defense health finance justice education trade
    commerce economy economic energy environment transport agriculture labour labor
    culture internal external emergency emergencies development science technology
    industry tourism sport sports youth social welfare housing communications
    information affairs security intelligence armed forces force air coast border
    fire national federal state central supreme high city county district municipal
    regional provincial public general joint prime minister presidential electoral
    election constitutional appeals appeal lower upper house representatives
    statistics statistical chief chiefs staff attorney prosecutor
    special local metropolitan traffic
    """
)
# Words a building or venue's name ends in: "Ameris Bank Amphitheatre", "Kingsmead
# Stadium", "Indiana Statehouse" are facilities, though the model often says ORG. Not
# "Center" or "Hall", which as often end an organisation's or a person's name.
VENUE_HEADS = _words(
    """
    amphitheatre amphitheater arena pavilion stadium theatre theater auditorium coliseum
    colosseum statehouse capitol ballpark velodrome racecourse racetrack speedway
    """
)
# A one-word name that is a building by itself: "the Statehouse", "the Capitol".
VENUE_NAMES = _words("statehouse capitol")
PLACE_TYPES = frozenset({"GPE", "LOC"})
NAME_TYPES = frozenset(
    {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"}
)
# Amounts, numbers, dates and times: values, not real-world entities.
VALUE_TYPES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
# Labels of a name that can own a generic name: "Israel's", "Armenian", "Kessel's".
OWNER_TYPES = frozenset({"GPE", "NORP", "ORG", "LOC", "FAC"})
CITY_MIN_POPULATION_AGAINST_MODEL = 1_000_000
SPEECH_VERBS = r"said|says|told|added|asked|explained|wrote|stated|noted|insisted|replied"

# Words a date or time may end in; a DATE or TIME span ending in another lowercase word
# ran into the next phrase ("over the past week dozens of videos").
DATE_END_WORDS = _words(
    """
    ago old olds year years month months week weeks day days decade decades century
    centuries quarter quarters season seasons weekend weekends fortnight era period term
    semester morning mornings afternoon afternoons evening evenings night nights tonight
    today yesterday tomorrow now later earlier before after since time hour hours minute
    minutes second seconds am pm noon midnight local date end start beginning half middle
    mid long annually daily weekly monthly yearly holiday holidays anniversary birthday
    summer winter spring fall autumn past last next this recent recently overnight eve
    lifetime generation generations dawn dusk sunrise sunset prior ahead so ever yet
    one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy
    eighty ninety hundred first second third fourth fifth sixth seventh eighth ninth tenth
    """
)
# A lowercase noun after a name that says what kind of place it is: "the Nagorno-Karabakh
# enclave", "Israel's Negev region", "Logar province". Not when an organisation word
# follows ("the Kessel city council").
PLACE_NOUNS = {
    **dict.fromkeys(
        _words(
            """province district governorate oblast enclave county municipality prefecture
            emirate canton city town village"""
        ),
        "GPE",
    ),
    **dict.fromkeys(
        _words(
            """region desert mountains valley river sea peninsula plateau basin coast
            coastline island islands lake gulf strait highlands steppe delta archipelago"""
        ),
        "LOC",
    ),
}
_PLACE_NOUN_AFTER = re.compile(r"[ \u00a0]+([a-z]+)\b(?:[ \u00a0]+([a-z]+))?")
_PLACE_BEFORE = re.compile(
    r"\b(?:(city|town|village|province|district|region)[ \u00a0]+of|capital)[ \u00a0]+$"
)
_CAPITAL_AFTER = re.compile(r"['’]s[ \u00a0]+capital\b")
# A noun after a name that says it is a made thing: "the Orbiter 1K self-detonating
# drone", "kamikaze 'Harop' drones", "Hermes 900 loitering munitions".
_PRODUCT_AFTER = re.compile(
    r"['’\"”]?[ \u00a0]+(?:[a-z]+-[a-z]+[ \u00a0]+|(?:kamikaze|loitering|attack|suicide"
    r"|combat|cruise|ballistic|surveillance|reconnaissance|unmanned|armed)[ \u00a0]+)?"
    r"(?:drones?|missiles?|munitions?|rockets?|tanks?|jets?|helicopters?|rifles?|howitzers?"
    r"|warplanes?|aircraft|smartphones?|laptops?|satellites?)\b"
)
_QUOTED = re.compile(r"['‘\"“]$")
# A screen or body size right before a name: "the 16-inch MacBook Pro" is a device; a
# maker has no size ("a 13-inch Velkor laptop": the name then comes before a product noun).
_SIZE_BEFORE = re.compile(r"\b\d+(?:\.\d+)?[- \u00a0](?:inch|in\.)[ \u00a0]+$")
# Labels that a product's name may get from the model.
PRODUCT_FROM = frozenset({"ORG", "WORK_OF_ART", "PERSON", "GPE", "FAC", "EVENT", "LOC"})

_SPACES = re.compile(r"\s+")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s?$", re.IGNORECASE)
_TITLE = re.compile(
    r"^(?:mr|mrs|ms|miss|dr|prof|sir|dame|rev|gen|col|capt|sgt|lt)\.?\s+", re.IGNORECASE
)
_TITLE_BEFORE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Sir|Dame|President|Minister|Senator|Judge|Coach)\.?\s+$"
)
_SPEECH_AFTER = re.compile(rf"^,?\s+(?:{SPEECH_VERBS})\b")
_SPEECH_BEFORE = re.compile(rf"\b(?:{SPEECH_VERBS})\s+$")
_ACRONYM_IN_PARENS = re.compile(r"\(\s*([A-Z][A-Za-z&.]*[A-Z][A-Za-z&.]*s?)\s*\)")
_ACRONYM = re.compile(r"^[A-Z][A-Z&.]*[A-Z]\.?s?$|^[A-Z](?:\.[A-Z])+\.?$")
_MINOR_WORDS = _words("of and for the on in at de du des la le & to")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")


def display_form(text: str) -> str:
    """The mention without a leading "the", a possessive or extra spaces, case kept."""
    form = _SPACES.sub(" ", text).strip()
    form = _POSSESSIVE.sub("", form).rstrip()
    stripped = _LEADING_THE.sub("", form)
    return stripped or form


def _is_currency_sign(char: str) -> bool:
    return unicodedata.category(char) == "Sc"  # $ £ € ¥ ₹ ...


def entity_key(text: str) -> str:
    """What two mentions of one entity share: folded case, accents, dots and titles.

    Currency signs count ("$5 million" and "€5 million" are two amounts), and so does a
    final "+" ("Disney+" is not "Disney"), though folding drops every other symbol.
    """
    form = display_form(text)
    form = _TITLE.sub("", form) or form
    key = gazetteer.fold(form) or form.casefold()
    signs = "".join(char for char in form if _is_currency_sign(char))
    if form.endswith("+"):  # "Disney+" is a service of Disney, "ESPN+" of ESPN
        key += "+"
    return f"{signs} {key}" if signs else key


_CURRENCY_PREFIX = re.compile(r"(?<![\w$])[A-Z]{1,3}$")  # "US" of "US$", "HK" of "HK$"


def _with_currency_sign(text: str, start: int, end: int, floor: int) -> tuple[int, int]:
    """A MONEY span widened to a currency sign written against it, as in "$4.2 million"
    or "9€" (the model often leaves the sign out), with a letter prefix of the sign
    ("US$", "HK$"). Never back past ``floor``, the end of the mention before."""
    sign = start
    while sign > floor and _is_currency_sign(text[sign - 1]):
        sign -= 1
    if sign < start:
        prefix = _CURRENCY_PREFIX.search(text, max(floor, sign - 4), sign)
        start = prefix.start() if prefix else sign
    while end < len(text) and _is_currency_sign(text[end]):
        end += 1
    return start, end


def _trim(text: str, start: int, end: int, sentence_start: bool, named: bool) -> tuple[int, int]:
    """The span without a possessive and, for a name, without "the" ("The" opening a sentence).

    Dates and quantities keep theirs, as OntoNotes marks them: "the third quarter".
    """
    surface = text[start:end]
    possessive = re.search(r"\s*['’]s?$", surface)
    if possessive and possessive.start() > 0 and surface[: possessive.start()].strip():
        # "Lindqvists'" -> "Lindqvists", but "'s" alone stays
        end = start + possessive.start()
    surface = text[start:end]
    lead = re.match(r"the\s+(?=\S)", surface, re.IGNORECASE)
    if named and lead and (surface[0] == "t" or sentence_start):
        start += lead.end()
    return start, end


_LAST_WORD = re.compile(r"[ \u00a0]+([a-z]+)$")


def _date_end(text: str, start: int, end: int) -> int:
    """The end of a date or time without lowercase words that are no part of one: the
    model's "past week dozens" in "over the past week dozens of videos" is "past week"."""
    while (last := _LAST_WORD.search(text, start, end)) and last.group(1) not in DATE_END_WORDS:
        end = last.start()
    return end


@dataclass
class Mention:
    start: int
    end: int
    text: str
    label: str
    sentence: int
    form: str = ""
    owned: bool = False  # ``form`` holds the owner of a generic name ("Israel's Foreign Ministry")
    the_start: int | None = None  # start with the sentence-opening "The" the span lost

    def __post_init__(self) -> None:
        self.form = display_form(self.text)

    @property
    def is_value(self) -> bool:
        return self.label in VALUE_TYPES

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "sentence": self.sentence,
        }


@dataclass
class Group:
    """Mentions believed to be one entity, and what was learnt about it on the way.

    ``mentions`` only changes through ``add`` and ``absorb``, which drop the cached
    forms, name and vote (a long article asks for them thousands of times).
    """

    key: str
    mentions: list[Mention] = field(default_factory=list)
    person_evidence: bool = False
    type: str = ""
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def add(self, mentions: Iterable[Mention]) -> None:
        self.mentions = sorted([*self.mentions, *mentions], key=lambda m: m.start)
        self._cache.clear()

    def absorb(self, other: Group) -> None:
        self.mentions = sorted([*self.mentions, *other.mentions], key=lambda m: m.start)
        self.person_evidence = self.person_evidence or other.person_evidence
        self._cache.clear()

    @property
    def forms(self) -> list[str]:
        """Distinct written forms, in order of first appearance."""
        if "forms" not in self._cache:
            self._cache["forms"] = list(dict.fromkeys(m.form for m in self.mentions))
        return self._cache["forms"]

    @property
    def name(self) -> str:
        """Most complete form: most words, then longest, mixed case over capitals, first."""
        if "name" not in self._cache:
            best = ""
            for form in self.forms:
                rank = (len(form.split()), len(form), not form.isupper())
                if rank > (len(best.split()), len(best), not best.isupper()):
                    best = form
            self._cache["name"] = best
        return self._cache["name"]

    def votes(self) -> str:
        """The label most mentions got; ties go to the first seen, except that ORG wins a
        tie with PRODUCT: the model confuses the two both ways, its PRODUCT is right
        about one time in ten on real news text (docs/entity-quality.md), and companies
        and publications are named far more often than products ("DigiTimes" called
        PRODUCT once and ORG once is the publication)."""
        if "votes" not in self._cache:
            labels = [m.label for m in self.mentions]
            counts = Counter(labels)
            top = max(counts.values())
            first = next(label for label in labels if counts[label] == top)
            if first == "PRODUCT" and counts["ORG"] == top:
                first = "ORG"
            self._cache["votes"] = first
        return self._cache["votes"]


def collect_mentions(parsed: Parsed) -> list[Mention]:
    text = parsed.text
    mentions = []
    sentence_starts = set(parsed.sentence_starts)
    entities = list(parsed.entities())
    spans = [(offset + ent.start_char, offset + ent.end_char) for offset, ent in entities]
    for i, (_, ent) in enumerate(entities):
        start, end = spans[i]
        opens_sentence = (
            ent.start == 0 or ent.doc[ent.start].is_sent_start or (start in sentence_starts)
        )
        start, end = _trim(text, start, end, bool(opens_sentence), ent.label_ in NAME_TYPES)
        if ent.label_ in {"DATE", "TIME"}:
            end = _date_end(text, start, end)
        if ent.label_ == "MONEY":  # never into the entity before or after
            floor = spans[i - 1][1] if i else 0
            start, end = _with_currency_sign(text, start, end, floor)
            if i + 1 < len(spans):
                end = min(end, spans[i + 1][0])
        if not text[start:end].strip():
            continue
        mention = Mention(start, end, text[start:end], ent.label_, parsed.sentence_of(start))
        if start > spans[i][0] and text.startswith("The", spans[i][0]):
            mention.the_start = spans[i][0]
        mentions.append(mention)
    return mentions


def restore_title_the(text: str, group: Group) -> None:
    """A work's title keeps a capital "The" dropped at a sentence start ("The Tennis
    Podcast"): it is part of the name wherever it stands. Decided on the entity's type,
    not the model's label of one mention ("The Dunmore Tenants Association", called a
    work by the model, is an organisation and loses it)."""
    for mention in group.mentions:
        if mention.the_start is not None:
            mention.start = mention.the_start
            mention.text = text[mention.start : mention.end]
            mention.the_start = None


# A US state's postal code after a place and a comma: "Irving, TX", "Holmdel, NJ".
_STATE_CODE = re.compile(r"\b[A-Z][a-z]+\.?,[ \u00a0]([A-Z]{2})\b(?![\w'’&.-])")


def mark_state_codes(parsed: Parsed, mentions: list[Mention]) -> list[Mention]:
    """A US state's postal code written after a place ("Camden, NJ") is a GPE: the model
    misses most of them or calls them ORG. Returns the mentions with those added."""
    text = parsed.text
    codes = gazetteer.us_state_codes()
    by_span = {(m.start, m.end): m for m in mentions}
    by_end = {m.end: m for m in mentions}
    taken: _Taken | None = None
    added = []
    for match in _STATE_CODE.finditer(text):
        if match.group(1) not in codes:
            continue
        start, end = match.span(1)
        comma = text.rfind(",", match.start(), start)
        place = by_end.get(comma) or (by_end.get(comma - 1) if text[comma - 1] == "." else None)
        if place is not None and _place_before_code(place):
            place.label = "GPE"
        held = by_span.get((start, end))
        if held is not None:
            held.label = "GPE"
            continue
        taken = taken or _Taken(len(text), mentions)
        if not taken.overlaps(start, end):
            added.append(Mention(start, end, text[start:end], "GPE", parsed.sentence_of(start)))
            taken.add(start, end)
    return sorted([*mentions, *added], key=lambda m: m.start) if added else mentions


def _place_before_code(mention: Mention) -> bool:
    """The name before ", TX" is the town ("Toyota Music Factory, Irving, TX": "Irving"),
    whatever the model called it, unless it is shaped like an organisation or a venue."""
    words = [w.strip(".,").casefold() for w in mention.form.split()]
    return (
        mention.label in NAME_TYPES - {"GPE", "LOC", "FAC"}
        and 0 < len(words) <= 3
        and not any(w in ORG_HEADS or w in VENUE_HEADS for w in words)
    )


def is_generic(form: str) -> bool:
    """A name that says what kind of body it is but not which: "Foreign Ministry",
    "City Council", "Ministry of Foreign Affairs", "Police"."""
    words = [_POSSESSIVE.sub("", w.strip(".,")).casefold() for w in form.split()]
    if not words or words[0] in _MINOR_WORDS or not any(w in ORG_HEADS for w in words):
        return False
    return all(w in ORG_HEADS or w in GENERIC_MODIFIERS or w in _MINOR_WORDS for w in words)


# Between an owner and the generic name it owns, on one line: "Israel's Foreign Ministry",
# "the Armenian Foreign Ministry" (the model often tags the owner apart).
_OWNER_BEFORE = re.compile(r"(?:['’]s)?[ \u00a0]+")
_OWNER_AFTER = re.compile(r"[ \u00a0]+of[ \u00a0]+(?:the[ \u00a0]+)?")


def own_generic_names(text: str, mentions: list[Mention]) -> None:
    """Give a generic name its owner, the name written against it, so that two bodies of
    one kind stay apart and mentions of one body come together.

    "Israel's Foreign Ministry" and "the Armenian Foreign Ministry" (model: "Israel" GPE,
    "Foreign Ministry" ORG; "Armenian" NORP, "Foreign Ministry" ORG) become two forms, keyed
    like the model's single span "Armenian Foreign Ministry". A generic name with no owner
    keeps its own form and joins no owned one: nothing in the text says whose it is.
    """
    for i, mention in enumerate(mentions):
        if mention.label not in NAME_TYPES or not is_generic(mention.form):
            continue
        before = mentions[i - 1] if i else None
        after = mentions[i + 1] if i + 1 < len(mentions) else None
        if (
            before is not None
            and before.label in OWNER_TYPES
            and not is_generic(before.form)
            and _OWNER_BEFORE.fullmatch(text, before.end, mention.start)
        ):
            mention.form = display_form(text[before.start : mention.end])
            mention.owned = True
        elif (
            after is not None
            and after.label == "GPE"
            and _OWNER_AFTER.fullmatch(text, mention.end, after.start)
        ):
            mention.form = display_form(text[mention.start : after.end])
            mention.owned = True


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# A date that names its day, month or year on the calendar: two mentions written alike
# are the same date ("March 3", "2021", "the 1990s"), where two "Tuesday"s or "last
# week"s may not be.
_CALENDAR_DATE = re.compile(
    rf"\b(?:1\d|20)\d\d(?:s\b|\b)|\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}",
    re.IGNORECASE,
)


def value_key(mention: Mention, key: str) -> str:
    """The group key of a value: its own, unless it is a calendar date written alike.

    A number, an amount or a relative date is not a thing that two mentions can both
    be: "two" drones and "two" hours, "Tuesday" in two different weeks.
    """
    if mention.label == "DATE" and _CALENDAR_DATE.search(mention.form):
        return f"{mention.label}:{key}"
    return f"{mention.label}:{key}@{mention.start}"


def _initials(name: str) -> str:
    words = [w for w in _WORD.findall(name) if w.casefold() not in _MINOR_WORDS]
    return "".join(w[0] for w in words).upper()


def _acronym_letters(form: str) -> str:
    letters = form.replace(".", "").replace("&", "")
    if letters.endswith("s") and letters[:-1].isupper():
        letters = letters[:-1]
    return letters.upper()


def _matches_initials(acronym: str, name: str) -> bool:
    """The acronym's letters are the name's initials, or their in-order subsequence."""
    letters = _acronym_letters(acronym)
    words = [w for w in _WORD.findall(name) if len(w) > 1 or w.isupper()]
    if len(letters) < 2 or len(words) < 2:
        return False
    initials = _initials(name)
    if letters == initials:
        return True
    # "Stockholm International Peace Research Institute" -> "SIPRI": letters may also
    # come from inside a word, but the first must start the name.
    full = "".join(w for w in words if w.casefold() not in _MINOR_WORDS).upper()
    if not full.startswith(letters[0]):
        return False
    position = 0
    for letter in letters:
        position = full.find(letter, position)
        if position < 0:
            return False
        position += 1
    return len(letters) >= 3 and letters[-1] in initials


def _is_acronym(form: str) -> bool:
    return bool(_ACRONYM.match(form)) and len(_acronym_letters(form)) >= 2


class _Groups:
    """Groups keyed by folded name, with merging that keeps every key pointing right.

    Each group knows its keys, so a merge moves only the keys of the group merged away
    (going through every key for each merge costs the square of their number)."""

    def __init__(self, mentions: Iterable[Mention]) -> None:
        written: dict[str, Group] = {}
        for mention in mentions:
            key = entity_key(mention.form if mention.owned else mention.text)
            if key:
                written.setdefault(key, Group(key)).mentions.append(mention)
        # Mentions written alike take the label most of them got (the model calls one
        # "Q3" a date and the next a person); those that are then values part again.
        self.by_key: dict[str, Group] = {}
        for key, group in written.items():
            label = group.votes()
            if label not in VALUE_TYPES:
                self.by_key[key] = group
                continue
            for mention in group.mentions:
                mention.label = label
                self.by_key.setdefault(value_key(mention, key), Group(key)).mentions.append(mention)
        self._keys: dict[int, list[str]] = {}
        for key, group in self.by_key.items():
            self._keys.setdefault(id(group), []).append(key)

    def groups(self) -> list[Group]:
        unique: dict[int, Group] = {}
        for group in self.by_key.values():
            unique.setdefault(id(group), group)
        return list(unique.values())

    def point(self, key: str, group: Group) -> None:
        """A new key for ``group``."""
        self.by_key[key] = group
        self._keys.setdefault(id(group), []).append(key)

    def merge(self, keep: Group, gone: Group) -> None:
        if keep is gone:
            return
        keep.absorb(gone)
        moved = self._keys.pop(id(gone), [])
        for key in moved:
            self.by_key[key] = keep
        self._keys.setdefault(id(keep), []).extend(moved)


_WINDOW = 200  # characters looked at around a parenthesis: a name is never longer


def _defined_acronyms(text: str, groups: _Groups) -> list[tuple[str, Group]]:
    """(acronym, expansion's group), once each, for "Long Name (LN)" and "LN (Long Name)"."""
    found: dict[tuple[str, int], tuple[str, Group]] = {}
    spans = {(m.start, m.end): (g, m) for g in groups.groups() for m in g.mentions}
    ends = {end: held for (_, end), held in spans.items()}

    def expands(acronym: str, group: Group, mention: Mention) -> bool:
        # an owned generic name is abbreviated without its owner: "Norvia's Ministry of
        # Foreign Affairs (MFA)"
        return _matches_initials(acronym, group.name) or (
            mention.owned and _matches_initials(acronym, display_form(mention.text))
        )

    for match in _ACRONYM_IN_PARENS.finditer(text):
        acronym = match.group(1)
        if not _is_acronym(acronym):
            continue
        window_start = max(0, match.start() - _WINDOW)
        before = text[window_start : match.start()].rstrip()
        held = ends.get(window_start + len(before))
        if held is not None and expands(acronym, *held):
            found.setdefault((acronym, id(held[0])), (acronym, held[0]))
    # "SIPRI (Stockholm International Peace Research Institute)"
    for (start, end), (group, mention) in spans.items():
        opening = text[max(0, start - _WINDOW) : start].rstrip()
        if not opening.endswith("(") or not text[end : end + _WINDOW].lstrip().startswith(")"):
            continue
        word = re.search(r"([A-Z][A-Za-z&.]*[A-Z]s?)\s*$", opening[:-1])
        if word and _is_acronym(word.group(1)) and expands(word.group(1), group, mention):
            found.setdefault((word.group(1), id(group)), (word.group(1), group))
    return list(found.values())


class _Taken:
    """Characters already claimed by a mention (mentions never overlap)."""

    def __init__(self, size: int, mentions: Iterable[Mention]) -> None:
        self.claimed = bytearray(size)
        for mention in mentions:
            self.add(mention.start, mention.end)

    def overlaps(self, start: int, end: int) -> bool:
        return self.claimed.find(1, start, end) >= 0

    def add(self, start: int, end: int) -> None:
        self.claimed[start:end] = b"\x01" * (end - start)


# A run of the characters an acronym may hold or touch: an acronym stands as a word when
# it is a whole run, or the start of one that a full stop follows ("U.S" of "U.S.-led").
_ACRONYM_RUN = re.compile(r"[\w.&-]+")
# How far into a run a full stop is looked for: no acronym is longer.
_DOTTED_PREFIX = 32


def _occurrences(text: str, acronyms: Iterable[str]) -> dict[str, list[int]]:
    """Where each acronym stands as a word in ``text``, in order: not inside a longer
    run of letters, digits, dots, ampersands and hyphens. One pass over the runs, where a
    search for each acronym would read the whole text once per acronym."""
    found: dict[str, list[int]] = {acronym: [] for acronym in acronyms}
    if not found:
        return found
    for run in _ACRONYM_RUN.finditer(text):
        word, start = run.group(), run.start()
        if word in found:
            found[word].append(start)
        dot = word.find(".", 1, _DOTTED_PREFIX + 1)
        while dot > 0:
            if word[:dot] in found:
                found[word[:dot]].append(start)
            dot = word.find(".", dot + 1, _DOTTED_PREFIX + 1)
    return found


def merge_acronyms(text: str, groups: _Groups, parsed: Parsed) -> None:
    defined = _defined_acronyms(text, groups)
    taken = _Taken(len(text), (m for g in groups.groups() for m in g.mentions))
    occurrences = _occurrences(text, (acronym for acronym, _ in defined))
    for acronym, expansion in defined:
        key = entity_key(acronym)
        short = groups.by_key.get(key)
        if short is not None:
            groups.merge(expansion, short)
        else:
            groups.point(key, expansion)
        label = expansion.votes()
        added_mentions = []
        for start in occurrences[acronym]:
            end = start + len(acronym)
            if taken.overlaps(start, end):
                continue
            added = Mention(start, end, acronym, label, parsed.sentence_of(start))
            added_mentions.append(added)
            taken.add(added.start, added.end)
        expansion.add(added_mentions)
    # An acronym never defined but equal to the initials of exactly one organisation.
    # Names of two words or more by their initials (merging acronyms into them leaves
    # their names and initials as they are).
    by_initials: dict[str, list[Group]] = {}
    for group in groups.groups():
        if len(group.name.split()) >= 2:
            by_initials.setdefault(_initials(group.name), []).append(group)
    for group in groups.groups():
        name = group.name
        if not _is_acronym(name) or group.votes() not in {"ORG", "GPE", "NORP", "FAC"}:
            continue
        candidates = [
            other
            for other in by_initials.get(_acronym_letters(name), [])
            if other is not group and decide_type(other, text) in {"ORG", "GPE", "FAC"}
        ]
        if len(candidates) == 1:
            groups.merge(candidates[0], group)


def _has_speech_or_title_cue(text: str, mention: Mention) -> bool:
    before = text[max(0, mention.start - 30) : mention.start]
    after = text[mention.end : mention.end + 20]
    return bool(
        _SPEECH_AFTER.match(after) or _SPEECH_BEFORE.search(before) or _TITLE_BEFORE.search(before)
    )


def _org_shaped(name: str) -> bool:
    words = name.split()
    if len(words) < 2:
        return False
    folded = [w.strip(".,").casefold() for w in words]
    if folded[-1] in ORG_HEADS:
        return True
    # "Ministry of Tides", "Stellan Valley Institute of Rail", "Centre for Ports"
    return any(word in ORG_OPENERS and after in {"of", "for"} for word, after in pairwise(folded))


_VENUE_PLACE = re.compile(r"\s+(?:at|[-–—])\s+")


def _venue_shaped(name: str) -> bool:
    """A building's name: ending in a venue word, also before its place ("Hollywood Casino
    Amphitheatre – St. Louis", "Jones Beach Theater at Wantagh")."""
    head = _VENUE_PLACE.split(name, maxsplit=1)[0]
    words = [w.strip(".,").casefold() for w in head.split()]
    if len(words) == 1:
        return words[0] in VENUE_NAMES
    return bool(words) and words[-1] in VENUE_HEADS


def _venue(group: Group) -> bool:
    """One of the entity's forms is a venue's name (cached per group)."""
    if "venue" not in group._cache:
        group._cache["venue"] = any(_venue_shaped(form) for form in group.forms)
    return group._cache["venue"]


def _cued(group: Group, text: str) -> bool:
    """A mention stands next to a speech verb or after a title (cached per group)."""
    if "cued" not in group._cache:
        group._cache["cued"] = any(_has_speech_or_title_cue(text, m) for m in group.mentions)
    return group._cache["cued"]


def decide_type(group: Group, text: str) -> str:
    """The type from all of an entity's mentions and the gazetteer (rules a-f above)."""
    votes = group.votes()
    if votes not in NAME_TYPES:
        return votes
    labels = {m.label for m in group.mentions}
    names = group.forms
    places = [p for p in (gazetteer.lookup(form) for form in names) if p is not None]
    if "PERSON" not in labels or not group.person_evidence:
        for place in places:
            if place["feature"] in {"country", "state"}:
                return "GPE"
            if place["feature"] == "continent":
                return "LOC"
    if any(_org_shaped(form) for form in names):
        return "ORG"
    if "PERSON" not in labels and _venue(group):
        return "FAC"
    if group.person_evidence or ("PERSON" in labels and _cued(group, text)):
        return "PERSON"
    if votes != "NORP" and not places:
        evident = _evident_type(group, text, votes)
        if evident is not None:
            return evident
    for place in places:
        if place["feature"] != "city":
            continue
        if labels & PLACE_TYPES:
            return "GPE"
        big = (_city_population(place) or 0) >= CITY_MIN_POPULATION_AGAINST_MODEL
        if big and not _cued(group, text):
            return "GPE"
    return votes


def _evident_type(group: Group, text: str, votes: str) -> str | None:
    """A place or a product the model typed as something else, from the regions table or
    from the words around a mention (cached per group: ``decide_type`` runs often)."""
    if "evident" not in group._cache:
        group._cache["evident"] = _find_evident_type(group, text, votes)
    return group._cache["evident"]


def _find_evident_type(group: Group, text: str, votes: str) -> str | None:
    name = group.name
    words = [w.strip(".,").casefold() for w in name.split()]
    if any(w in ORG_HEADS for w in words) or _is_acronym(name):
        return None
    if votes not in PLACE_TYPES:
        kind = next((k for k in map(region_type, group.forms) if k is not None), None)
        if kind is not None:
            return kind
    if votes == "ORG":
        for mention in group.mentions:
            after = _PLACE_NOUN_AFTER.match(text, mention.end, mention.end + 40)
            if after and after.group(1) in PLACE_NOUNS and after.group(2) not in ORG_HEADS:
                return PLACE_NOUNS[after.group(1)]
            before = text[max(0, mention.start - 20) : mention.start]
            noun = _PLACE_BEFORE.search(before)
            if noun:
                return PLACE_NOUNS.get(noun.group(1) or "city", "GPE")
            if _CAPITAL_AFTER.match(text, mention.end, mention.end + 12):
                return "GPE"
    if votes in PRODUCT_FROM:
        # a made thing's name: a model number ("Orbiter 1K"), or a name the model took
        # for a title or set in quotes ("kamikaze 'Harop' drones")
        shaped = any(ch.isdigit() for ch in name) or votes == "WORK_OF_ART"
        for mention in group.mentions:
            quoted = _QUOTED.search(text, max(0, mention.start - 1), mention.start)
            noun_after = _PRODUCT_AFTER.match(text, mention.end, mention.end + 60)
            if (shaped or quoted) and noun_after:
                return "PRODUCT"
            sized = _SIZE_BEFORE.search(text, max(0, mention.start - 16), mention.start)
            if sized and not noun_after:
                return "PRODUCT"
    return None


def _city_population(place: dict[str, Any]) -> int | None:
    return gazetteer.population(place["geonames_id"])


def _person_cue(group: Group, text: str) -> bool:
    return any(m.label == "PERSON" or _has_speech_or_title_cue(text, m) for m in group.mentions)


def merge_surnames(text: str, groups: _Groups) -> None:
    """One-word names into the one person whose surname they are."""
    people: dict[str, list[Group]] = {}
    maybe_people: dict[str, list[Group]] = {}
    for group in groups.groups():
        words = group.name.split()
        if len(words) < 2:
            continue
        kind = decide_type(group, text)
        surname = entity_key(words[-1])
        if kind == "PERSON":
            people.setdefault(surname, []).append(group)
        elif (
            kind in {"ORG", "GPE", "NORP", "LOC"}
            and group.votes() == kind
            and not _org_shaped(group.name)
            and gazetteer.lookup(group.name) is None
        ):
            maybe_people.setdefault(surname, []).append(group)
    for surname in {*people, *maybe_people}:
        single = groups.by_key.get(surname)
        if single is None or len(single.name.split()) != 1:
            continue
        labels = {m.label for m in single.mentions}
        if not labels <= NAME_TYPES:
            continue
        candidates = people.get(surname, [])
        if not candidates:
            # the model got the full name wrong; the surname alone says person
            candidates = maybe_people.get(surname, []) if _person_cue(single, text) else []
        if len(candidates) != 1 or candidates[0] is single:
            continue
        place = gazetteer.lookup(single.name)
        if place is not None and place["feature"] != "city" and labels != {"PERSON"}:
            continue  # "Jordan" the country, not Mr Jordan
        groups.merge(candidates[0], single)
        candidates[0].person_evidence = True


SHORTENED_TYPES = frozenset({"ORG", "FAC"})


def merge_short_names(text: str, groups: _Groups) -> None:
    """One-word names into the one organisation or facility whose first word they are.

    A company, club or venue is called by its distinctive first word once it has been
    named in full ("Kestrel" after "Kestrel Motors", "Ridgeway" after "Ridgeway Rovers",
    "Kingsmead" after "Kingsmead Stadium"): only when the full name comes first and no
    other organisation or facility holds the word anywhere in its name. Not for a name
    ending in an organisation word ("Dunmore Tenants Association", "Leeds Crown Court":
    those are named after their place, and the word alone is the place), not for a
    nationality, and not for a word the gazetteer knows as a place. The short name takes
    the type of the full one, as an acronym does.
    """
    by_first_word: dict[str, list[tuple[Group, str]]] = {}
    holding: dict[str, set[int]] = {}  # word -> the multi-word names that hold it
    for group in groups.groups():
        words = group.name.split()
        if len(words) < 2:
            continue
        kind = decide_type(group, text)
        if kind in SHORTENED_TYPES:
            for word in words:
                holding.setdefault(entity_key(word), set()).add(id(group))
            by_first_word.setdefault(entity_key(words[0]), []).append((group, kind))
    for key, holders in by_first_word.items():
        single = groups.by_key.get(key)
        if single is None or len(single.name.split()) != 1 or len(holders) != 1:
            continue
        full, kind = holders[0]
        if (
            _org_shaped(full.name)
            or not {m.label for m in single.mentions} <= NAME_TYPES
            or single.votes() == "NORP"  # "Israeli" is not short for "Israeli Air Force"
            or single.name.casefold() in ORG_HEADS | ORG_OPENERS | _MINOR_WORDS
            or gazetteer.lookup(single.name) is not None
            # evidence that the word is short for this name: the name came first, and no
            # other name holds the word ("Disney" with "Walt Disney Co." and "Disney
            # Channel"; the moon "Europa" long before the probe "Europa Clipper")
            or holding.get(key, set()) != {id(full)}
            or full.mentions[0].start > single.mentions[0].start
        ):
            continue
        for mention in single.mentions:
            mention.label = kind
        groups.merge(full, single)


def merge_places(groups: _Groups) -> None:
    by_country: dict[int, Group] = {}
    for group in groups.groups():
        if group.votes() not in PLACE_TYPES | {"PERSON", "ORG", "NORP"}:
            continue
        place = gazetteer.lookup(group.name)
        if place is None or place["feature"] != "country":
            continue
        first = by_country.setdefault(place["geonames_id"], group)
        if first is not group:
            groups.merge(first, group)


def _in_title(forms: Iterable[str], title: str | None) -> bool:
    if not title:
        return False
    folded = f" {gazetteer.fold(title)} "
    return any(key and f" {key} " in folded for key in (gazetteer.fold(form) for form in forms))


def _link(group: Group) -> dict[str, Any] | None:
    if group.type not in PLACE_TYPES:
        return None
    for form in [group.name, *group.forms]:
        place = gazetteer.lookup(form)
        if place is not None:
            return place
    return None


def extract(
    parsed: Parsed | Doc,
    title: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Entities with mention offsets into the parsed text; see the module docstring."""
    if isinstance(parsed, Doc):
        parsed = Parsed.from_doc(parsed)
    text = parsed.text
    mentions = mark_state_codes(parsed, collect_mentions(parsed))
    own_generic_names(text, mentions)
    groups = _Groups(mentions)
    if not groups.by_key:
        return []
    merge_acronyms(text, groups, parsed)
    merge_surnames(text, groups)
    merge_short_names(text, groups)
    merge_places(groups)

    entries = groups.groups()
    length = max(len(text), 1)
    first_break = text.find("\n\n")
    first_paragraph_end = len(text) if first_break < 0 else first_break
    most_mentions = max((len(g.mentions) for g in entries if not g.mentions[0].is_value), default=1)
    entities = []
    for group in entries:
        group.type = decide_type(group, text)
        if group.type == "WORK_OF_ART":
            restore_title_the(text, group)
        value = group.type in VALUE_TYPES
        first_start = group.mentions[0].start
        frequency = len(group.mentions) / most_mentions
        position = 1 - first_start / length
        prominence = 0.5 * _in_title(group.forms, title) + 0.5 * (first_start < first_paragraph_end)
        salience = (
            FREQUENCY_WEIGHT * frequency
            + POSITION_WEIGHT * position
            + PROMINENCE_WEIGHT * prominence
        )
        entities.append(
            {
                "name": group.name,
                "type": group.type,
                "value": value,
                "count": len(group.mentions),
                # a value does not compete with names for the reader's attention
                "salience": 0.0 if value else round(min(max(salience, 0.0), 1.0), 4),
                "mentions": [m.as_dict() for m in group.mentions],
                "aliases": group.forms,
                "place": _link(group),
            }
        )
    entities.sort(
        key=lambda e: (
            e["value"],
            -e["salience"],
            0 if e["value"] else -e["count"],
            e["mentions"][0]["start"],
        )
    )
    return select(entities, options)


def select(
    entities: list[dict[str, Any]], options: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The entities a request's ``options.entities`` asks for (all when none)."""
    if not options:
        return entities
    types = options.get("types")
    min_salience = options.get("min_salience") or 0.0
    return [
        e for e in entities if (not types or e["type"] in types) and e["salience"] >= min_salience
    ]
