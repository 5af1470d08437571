"""The spaCy model, loaded once per worker process with only what NER and sentences need.

Loading a model is slow and a model is large, so each process keeps one per model
name. The small English pipelines ship ``tok2vec, tagger, parser,
attribute_ruler, lemmatizer, ner`` enabled and ``senter`` disabled. NER and senter
each embed their own token-to-vector layer; the shared ``tok2vec`` only feeds the
tagger and parser. So we exclude the tagger, parser, lemmatizer and attribute ruler
(no entity changes, and much less work per token), drop ``tok2vec`` when nothing is
left listening to it (same entities and sentences, and less work again), and
enable ``senter`` for sentence boundaries without the parser.

The senter alone often runs a sentence across a paragraph break (how often: docs/stats.md,
"Counts"), so a tiny component
before it marks the first token after a line break as a sentence start; the senter
(``overwrite: false``) keeps those and decides the rest.

The model's matrix products go to NumPy's BLAS (OpenBLAS, one thread), not to the BLIS
that thinc uses by default. The BLIS wheel thinc pins picks its kernels by CPU model and
knows no AMD core after Zen 2: on a Zen 3 or later server it runs its generic kernels, far
slower than OpenBLAS. The entities are the same either way (figures: docs/scaling.md, "The
model's matrix products"). One thread, because a worker is one
process per core: BLAS threads of their own would only fight the other workers.
"""

from __future__ import annotations

import threading

import numpy as np
import spacy
from spacy.attrs import ORTH, SENT_START
from spacy.language import Language
from spacy.pipeline import Tok2Vec
from spacy.tokens import Doc
from thinc.api import NumpyOps, set_current_ops
from threadpoolctl import threadpool_limits

from newsdesk.settings import load

PARAGRAPH_BREAKS = "newsdesk_paragraph_breaks"
UNUSED_COMPONENTS: tuple[str, ...] = ("tagger", "parser", "lemmatizer", "attribute_ruler")

_models: dict[str, Language] = {}
_lock = threading.Lock()


@Language.component(PARAGRAPH_BREAKS)
def mark_paragraph_breaks(doc: Doc) -> Doc:
    """A new line (after a line break) always starts a new sentence.

    Set through the Doc's array in one go: setting ``Token.is_sent_start`` looks over the
    whole Doc for a parse each time.
    """
    if len(doc) < 2:
        return doc
    orths = doc.to_array(ORTH)
    strings = doc.vocab.strings
    breaks = [orth for orth in np.unique(orths).tolist() if _line_break(strings[orth])]
    if not breaks:
        return doc
    after_break = np.isin(orths[:-1], np.array(breaks, dtype=orths.dtype))
    starts = doc.to_array(SENT_START)
    starts[1:][after_break] = 1
    doc.from_array([SENT_START], starts.reshape(-1, 1))
    return doc


def _line_break(token_text: str) -> bool:
    return token_text.isspace() and "\n" in token_text


def _load(name: str) -> Language:
    # Every layer takes the current ops when it is made, so they are set before loading.
    threadpool_limits(limits=1, user_api="blas")
    set_current_ops(NumpyOps(use_blis=False))
    # `spacy.load(name, enable=[...])` raises E1042 for these packages: exclude, then enable.
    nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    for pipe_name, pipe in list(nlp.pipeline):
        if isinstance(pipe, Tok2Vec) and not pipe.listening_components:
            nlp.remove_pipe(pipe_name)
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    if "senter" in nlp.pipe_names:
        nlp.add_pipe(PARAGRAPH_BREAKS, before="senter")
    return nlp


def get_model(name: str | None = None) -> Language:
    """The process-wide model; ``name`` defaults to the ``NEWSDESK_SPACY_MODEL`` setting."""
    name = name or load().spacy_model
    model = _models.get(name)
    if model is None:
        with _lock:
            model = _models.get(name)
            if model is None:
                model = _models[name] = _load(name)
    return model
