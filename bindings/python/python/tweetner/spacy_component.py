"""A spaCy 3 pipeline component that fills ``doc.ents`` from tweetner.

Registered as the ``tweetner`` factory through the ``spacy_factories`` entry
point, so no import is needed::

    import spacy
    nlp = spacy.blank("en")
    nlp.add_pipe("tweetner", config={"model": "default"})
    doc = nlp("Going to Paris with Obama")
    [(e.text, e.label_, e._.tweetner_score) for e in doc.ents]

tweetner tokenizes text itself, so its entities are character spans that
need not fall on spaCy token boundaries (``#Paris`` is one tweetner token;
spaCy's English tokenizer splits off the ``#``). ``alignment_mode`` says how
a character span becomes a spaCy span (the modes of ``Doc.char_span``):

``"expand"`` (default)
    widen to every spaCy token the entity overlaps: no entity is lost, but a
    span may include a few extra characters.
``"contract"``
    keep only the spaCy tokens entirely inside the entity; an entity that
    covers no whole token is dropped.
``"strict"``
    keep only entities whose boundaries are spaCy token boundaries.

Spans that overlap after alignment (only possible with ``expand``) are
resolved with ``spacy.util.filter_spans`` (the longer one wins). Each span's
tweetner confidence is ``span._.tweetner_score``.

Saving a pipeline (``nlp.to_disk``) copies the model directory into the
component's folder, and loading it (``spacy.load``) uses that copy: a saved
pipeline keeps working where the named model or original path is missing.
The model is loaded on first use, so loading a saved pipeline does not read
the named model only to replace it; a name that cannot be resolved is
therefore reported by the first call, not by ``add_pipe``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, minibatch

from . import Tagger, _entity_types, resolve_model
from .types import Entity

__all__ = ["ALIGNMENT_MODES", "SCORE_EXTENSION", "TweetnerComponent", "make_tweetner"]

ALIGNMENT_MODES = ("expand", "contract", "strict")
#: The ``Span`` extension holding each entity's tweetner score.
SCORE_EXTENSION = "tweetner_score"
_MODEL_SUBDIR = "model"

if not Span.has_extension(SCORE_EXTENSION):
    Span.set_extension(SCORE_EXTENSION, default=None)


class TweetnerComponent:
    """Sets ``doc.ents`` from a tweetner model; see the module docs."""

    def __init__(
        self,
        nlp: Language,
        name: str = "tweetner",
        *,
        model: str = "default",
        threads: int | None = None,
        batch_size: int = 64,
        alignment_mode: str = "expand",
        overwrite_ents: bool = True,
    ) -> None:
        if alignment_mode not in ALIGNMENT_MODES:
            raise ValueError(f"alignment_mode must be one of {', '.join(ALIGNMENT_MODES)}, not {alignment_mode!r}")
        self.name = name
        self.model = model
        self.threads = threads
        self.batch_size = batch_size
        self.alignment_mode = alignment_mode
        self.overwrite_ents = overwrite_ents
        self._tagger: Tagger | None = None
        self._model_dir: Path | None = None
        self._resolve_error: Exception | None = None
        try:
            self._model_dir = resolve_model(model)
        except (ValueError, FileNotFoundError) as e:
            # Kept for the first call: spacy.load builds the component from
            # its config before from_disk supplies the saved model copy.
            self._resolve_error = e

    @property
    def tagger(self) -> Tagger:
        """The loaded tagger (loaded on first access)."""
        if self._tagger is None:
            if self._model_dir is None:
                assert self._resolve_error is not None
                raise self._resolve_error
            self._tagger = Tagger(self._model_dir, threads=self.threads, batch_size=self.batch_size)
        return self._tagger

    @property
    def labels(self) -> tuple[str, ...]:
        """Entity types, read from the model's labels.json when not loaded yet.

        spaCy asks for labels while loading a saved pipeline, before
        ``from_disk`` has pointed the component at its own model copy: that
        must neither load the network nor fail on an unresolvable name.
        """
        if self._tagger is not None:
            return tuple(self._tagger.entity_types)
        if self._model_dir is None:
            return ()
        try:
            labels = json.loads((self._model_dir / "labels.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ()
        return tuple(_entity_types(labels))

    def __call__(self, doc: Doc) -> Doc:
        self._set_ents(doc, self.tagger.tag(doc.text))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Tag docs ``batch_size`` at a time in one native call each."""
        for batch in minibatch(stream, size=batch_size):
            docs = list(batch)
            for doc, entities in zip(docs, self.tagger.tag_batch([d.text for d in docs])):
                self._set_ents(doc, entities)
            yield from docs

    def _set_ents(self, doc: Doc, entities: list[Entity]) -> None:
        spans = []
        for e in entities:
            span = doc.char_span(e["start"], e["end"], label=e["type"], alignment_mode=self.alignment_mode)
            if span is None or len(span) == 0:
                continue
            span._.set(SCORE_EXTENSION, e["score"])
            spans.append(span)
        if self.overwrite_ents:
            doc.ents = filter_spans(spans)
        else:
            # Entities already set (an entity ruler earlier in the pipeline) win.
            kept = list(doc.ents)
            taken = {i for ent in kept for i in range(ent.start, ent.end)}
            for span in filter_spans(spans):
                if not any(i in taken for i in range(span.start, span.end)):
                    kept.append(span)
            doc.ents = sorted(kept, key=lambda s: s.start)

    # -- serialization ----------------------------------------------------

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Copy the model directory into the pipeline, so it loads anywhere."""
        if self._model_dir is None:
            assert self._resolve_error is not None
            raise self._resolve_error
        target = Path(path) / _MODEL_SUBDIR
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self._model_dir, target)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TweetnerComponent:
        saved = Path(path) / _MODEL_SUBDIR
        if (saved / "tweetner-model.json").is_file():
            self._model_dir = saved
            self._resolve_error = None
            self._tagger = None
        return self

    def __getstate__(self) -> dict[str, Any]:
        # nlp.pipe(n_process=...) pickles the pipeline: send the model's
        # location, not the loaded native tagger.
        state = self.__dict__.copy()
        state["_tagger"] = None
        return state


@Language.factory(
    "tweetner",
    default_config={
        "model": "default",
        "threads": None,
        "batch_size": 64,
        "alignment_mode": "expand",
        "overwrite_ents": True,
    },
    assigns=["doc.ents", "span._.tweetner_score"],
)
def make_tweetner(
    nlp: Language,
    name: str,
    model: str,
    threads: int | None,
    batch_size: int,
    alignment_mode: str,
    overwrite_ents: bool,
) -> TweetnerComponent:
    """The ``tweetner`` factory (``nlp.add_pipe("tweetner", config={...})``)."""
    return TweetnerComponent(
        nlp,
        name,
        model=model,
        threads=threads,
        batch_size=batch_size,
        alignment_mode=alignment_mode,
        overwrite_ents=overwrite_ents,
    )
