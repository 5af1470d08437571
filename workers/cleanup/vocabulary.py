"""The words of web pages and of running prose, per language, apart from the logic.

Every list is a tuple of plain tokens (a token may hold spaces: "see also"); none holds
regex syntax. ``one_of`` is the one way a list becomes a pattern, so adding a language or a
phrase means adding words here, never editing a regex in ``rules``. The patterns treat these
words case-blind, so tokens are written in lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def one_of(words: Iterable[str], *, substring: bool = False) -> str:
    """A regex group that matches any of ``words``, built as a trie ("a(?:bout|ccount)")
    so the engine tries one branch per letter, not every word in turn. It matches exactly
    the words given, preferring the longest at any one place. With ``substring`` a shorter
    word ends its branch: the group then only answers whether some word is there."""
    trie: dict[str, dict] = {}
    for word in words:
        if not word:
            raise ValueError("an empty token would match everywhere")
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        ends = "" in node
        if ends and substring:  # a shorter word ends here: enough for a substring test
            return ""
        alternatives = [
            re.escape(char) + branch(child) for char, child in sorted(node.items()) if char
        ]
        if not alternatives:
            return ""
        if len(alternatives) == 1 and not ends:
            return alternatives[0]
        group = f"(?:{'|'.join(alternatives)})"
        return f"{group}?" if ends else group

    return f"(?:{branch(trie)})"


# fmt: off
# Word lists are laid out by meaning and language, a few tokens a line.

# --- prose ----------------------------------------------------------------------------

# Function words of the languages most pasted into a newsroom tool. They mark running
# prose whatever the topic; a menu or a teaser list has few of them.
STOP_WORDS_EN = (
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be",
    "been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "had", "has",
    "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just",
    "more", "most", "my", "no", "not", "now", "of", "on", "one", "or", "our", "out", "over",
    "said", "says", "she", "so", "some", "than", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "to", "up", "was", "we", "were", "what",
    "when", "where", "which", "while", "who", "will", "with", "would", "you", "your",
)
STOP_WORDS_FR = (
    "le", "la", "les", "un", "une", "des", "du", "de", "et", "est", "dans", "pour", "pas",
    "que", "qui", "sur", "au", "aux", "il", "elle",
)
STOP_WORDS_DE = (
    "der", "die", "das", "und", "ist", "nicht", "mit", "von", "zu", "den", "dem", "ein",
    "eine", "auf", "für", "sich", "auch",
)
STOP_WORDS_ES = (
    "el", "los", "las", "y", "en", "por", "con", "para", "una", "del", "se", "lo", "al", "es",
)
STOP_WORDS_IT = ("il", "di", "che", "non", "per", "della", "sono")
STOP_WORDS = frozenset(
    (*STOP_WORDS_EN, *STOP_WORDS_FR, *STOP_WORDS_DE, *STOP_WORDS_ES, *STOP_WORDS_IT)
)

# Small words a headline in title case may leave in lower case.
TITLE_SMALL_WORDS = frozenset((
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "with", "by", "from",
    "as", "is", "are", "be", "vs",
))

# Words between the names of a byline ("Ana de la Cruz and Tom Lee").
NAME_PARTICLES = frozenset((
    "and", "&", "de", "da", "di", "van", "von", "der", "den", "la", "le", "du", "bin", "al",
    "el", "y", "of",
))

# --- dates ----------------------------------------------------------------------------

# Each month's names, January first.
MONTH_NAMES = (
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december"),
)
MONTHS = {name: number for number, names in enumerate(MONTH_NAMES, start=1) for name in names}

# What stands around a date on a date line: labels, time zones, days of the week.
DATE_LABELS = frozenset((
    "published", "updated", "posted", "last", "modified", "date", "on", "at", "first",
    "created", "edited", "release", "released",
    "am", "pm", "a.m", "p.m",
    "et", "edt", "est", "gmt", "utc", "bst", "cet", "cest", "ist", "pst", "pdt", "pt", "ct",
    "cdt", "mt", "mdt", "z",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
))

# --- web UI ---------------------------------------------------------------------------

# Share buttons: a word that alone says "share", and words that may stand beside one.
SHARE_STRONG = frozenset((
    "share", "shares", "sharing", "tweet", "email", "e-mail", "mail", "facebook", "twitter",
    "whatsapp", "linkedin", "pinterest", "reddit", "telegram", "messenger", "flipboard",
    "print", "send", "copy", "permalink", "whats",
))
SHARE_WEAK = frozenset((
    "on", "in", "via", "to", "this", "the", "article", "story", "link", "url", "page", "e",
    "x", "by", "with", "friend", "friends", "now", "and", "or", "a", "your", "app", "it",
))

# Controls of a page: a line of nothing else is navigation or a login.
UI_WORDS = frozenset((
    "subscribe", "sign", "log", "in", "up", "out", "register", "login", "logout", "menu",
    "search", "account", "my", "close", "open", "skip", "to", "content", "main", "home",
    "more", "show", "hide", "toggle", "navigation", "edition", "print", "share", "sections",
    "section", "go", "back", "next", "previous", "prev", "page", "subscribed", "profile",
    "settings",
))

# Headings over links to other stories ("Most read", "Leia também").
RELATED_HEADINGS_EN = (
    "related", "recommended", "trending", "further reading", "read more", "read also",
    "read next", "also read", "see also", "most read", "most popular", "most viewed",
    "most shared", "most commented", "most emailed", "you may", "you might", "don't miss",
    "dont miss", "editor's pick", "editor's picks", "editors pick", "editors picks",
    "top stories", "latest news", "latest stories", "latest headlines", "more from",
    "more on", "more stories", "more news", "more in", "more like this", "what to read next",
    "popular posts", "recent posts", "latest posts",
)
RELATED_HEADINGS_PT = (
    "leia também", "leia mais", "veja também", "veja mais", "você pode gostar",
    "você também pode gostar", "mais lidas", "mais lidos", "notícias relacionadas",
    "matérias relacionadas",
)
RELATED_HEADINGS_ES = (
    "lee también", "lee más", "te puede interesar", "noticias relacionadas",
    "noticias relacionados", "artículos relacionados", "artículos relacionadas",
    "más leído", "más leída", "más leídos", "más leídas",
    "lo más leído", "lo más leída", "lo más leídos", "lo más leídas",
)
RELATED_HEADINGS_FR = (
    "à lire aussi", "lire aussi", "sur le même sujet", "les plus lus", "articles liés",
    "articles similaires",
)
RELATED_HEADINGS_DE = (
    "das könnte sie auch interessieren", "mehr zum thema", "meistgelesen", "weitere artikel",
    "weitere beiträge", "weitere nachrichten", "weitere meldungen", "ähnliche artikel",
    "ähnliche beiträge",
)
RELATED_HEADINGS_IT = (
    "leggi anche", "potrebbe interessarti", "articoli correlati", "articoli correlate",
    "notizie correlati", "notizie correlate", "più letti", "più lette", "i più letti",
    "i più lette",
)
RELATED_HEADINGS_RU = (
    "читайте также", "смотрите также", "может быть интересно", "вам может быть интересно",
    "также может быть интересно", "вам также может быть интересно", "похожие статьи",
    "похожие записи", "похожие новости", "похожие материалы", "самое читаемое",
    "самое популярное",
)
RELATED_HEADINGS_NL = (
    "lees ook", "meer over", "gerelateerde artikelen", "gerelateerde berichten",
    "meest gelezen",
)
RELATED_HEADINGS_PL = (
    "czytaj też", "czytaj także", "czytaj również", "zobacz też", "zobacz także",
    "zobacz również", "podobne artykuły", "najczęściej czytane",
)
RELATED_HEADINGS_ID = ("baca juga", "berita terkait", "artikel terkait")
RELATED_HEADINGS_TR = (
    "ilginizi çekebilir", "İlginizi çekebilir", "benzer haberler", "ilgili haberler",
    "en çok okunanlar",
)
RELATED_HEADINGS = (
    *RELATED_HEADINGS_EN, *RELATED_HEADINGS_PT, *RELATED_HEADINGS_ES, *RELATED_HEADINGS_FR,
    *RELATED_HEADINGS_DE, *RELATED_HEADINGS_IT, *RELATED_HEADINGS_RU, *RELATED_HEADINGS_NL,
    *RELATED_HEADINGS_PL, *RELATED_HEADINGS_ID, *RELATED_HEADINGS_TR,
)

# The heading of a comment section, alone on its line (maybe with a count: "12 Comments").
COMMENTS_HEADINGS = (
    "comment", "comments",                                          # en
    "comentário", "comentários", "comentario", "comentarios",       # pt, es
    "commentaire", "commentaires",                                  # fr
    "kommentar", "kommentare",                                      # de
    "commenti", "commento",                                         # it
    "комментарий", "комментария", "комментарии", "комментариев",    # ru
    "reactie", "reacties",                                          # nl
    "komentarz", "komentarze",                                      # pl
    "komentar",                                                     # id
    "yorumlar", "yorum",                                            # tr
)
# A prompt or notice where a comment section begins.
COMMENTS_PROMPTS = (
    "leave a comment", "leave a reply", "join the conversation", "join the discussion",
    "be the first to comment", "post a comment", "comment are closed", "comments are closed",
    "comment have been closed", "comments have been closed",
    "deixe um comentário", "deixe o seu comentário", "deixe seu comentário",   # pt
    "deja un comentario", "deja tu comentario",                                 # es
    "laisser un commentaire",                                                   # fr
    "kommentar schreiben",                                                      # de
    "lascia un commento",                                                       # it
    "оставить комментарий", "добавить комментарий", "написать комментарий",     # ru
    "laat een reactie achter",                                                  # nl
    "dodaj komentarz",                                                          # pl
    "tinggalkan komentar",                                                      # id
    "yorum yap",                                                                # tr
)

# The label of a page's list of the topics it files the story under.
TAG_LABELS = (
    "tag", "tags", "tagged", "tagged with", "tagged in", "filed under", "topic", "topics",
    "related topic", "related topics", "keywords", "categories",   # en
    "etiquetas",                                                    # es, pt
    "palavras-chave",                                               # pt
    "schlagwörter", "schlagworter",                                 # de
    "mots-clés", "mots-cles", "mots clés", "mots cles",             # fr
    "теги", "метки", "рубрики",                                     # ru
    "kategori",                                                     # id
    "etiketler",                                                    # tr
)

# The heading of a box about the author under an article: "About", then who.
ABOUT = ("about", "sobre", "über", "à propos de", "acerca de")
THE_AUTHOR = (
    "the author", "l'auteur", "o autor", "el autor", "den autor", "der autor", "me",
)

# Every word (or the start of one) that any vocabulary rule of ``rules`` needs: a line
# with none of them skips those rules.
TRIGGERS_EN = (
    "photo", "image", "picture", "video", "graphic", "illustration", "file", "credit",
    "courtesy", "source", "report", "edit", "writ", "compiled", "research", "contribut",
    "getty", "shutterstock", "alamy", "istock", "afp", "epa", "reuters", "associated press",
    "newsletter", "mail", "sign", "enter your", "cookie", "continu", "log", "account",
    "password", "already", "regist", "subscri", "premium", "member", "trial", "unlimited",
    "digital", "journalism", "save", "this article", "this story", "this content", "comment",
    "conversation", "discussion", "what do you think", "advert", "sponsor", "promoted",
    "paid", "partner", "scroll", "related", "recommend", "trending", "further", "read",
    "see also", "most", "you may", "you might", "miss", "top stories", "latest", "more",
    "popular", "©", "(c)", "copyright", "rights", "terms", "privacy", "contact", "about",
    "back to top", "follow", "powered", "sitemap", "site map", "accessib", "do not sell",
    "shar", "tweet", "facebook", "twitter", "whatsapp", "linkedin", "pinterest", "reddit",
    "telegram", "messenger", "flipboard", "print", "send", "copy", "permalink",
)
TRIGGERS_OTHER = (
    "leia", "veja", "gostar", "lidas", "lidos", "relacionad", "comentári",      # pt
    "comentario", "lee también", "lee más", "interesar", "leíd",                # es
    "lire", "même sujet", "plus lus", "liés", "similaires",                     # fr
    "kommentar", "interessieren", "zum thema", "meistgelesen", "weitere artikel",  # de
    "leggi", "interessarti", "correlat", "più lett",                            # it
    "читайте", "смотрите", "интересно", "похожие", "самое читаем", "самое популяр",
    "коммент",                                                                  # ru
    "lees ook", "meer over", "gerelateerde", "gelezen", "reactie",              # nl
    "czytaj", "zobacz", "podobne", "najczęściej", "komentar",                   # pl
    "baca juga", "terkait",                                                     # id
    "lginizi", "benzer haber", "ilgili haber", "okunan", "yorum",               # tr
)
TRIGGERS = (*TRIGGERS_EN, *TRIGGERS_OTHER)
# fmt: on
