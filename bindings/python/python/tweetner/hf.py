"""Output shaped like a ``transformers`` token-classification pipeline.

Code written against ``transformers.pipeline("ner", aggregation_strategy=
"simple")`` reads ``entity_group``, ``score``, ``word``, ``start`` and
``end`` from each result; :func:`pipeline` returns an object that takes the
same inputs and returns the same shapes, so swapping the import is enough::

    from tweetner.hf import pipeline
    ner = pipeline("ner", model="default", aggregation_strategy="simple")
    ner("Going to Paris with Obama")
    # [{'entity_group': 'geo-loc', 'score': 0.97, 'word': 'Paris', 'start': 9, 'end': 14}, ...]

Differences worth knowing: labels are tweetner's WNUT-16 types (``person``,
``geo-loc``, …), not ``PER``/``LOC``; ``word`` is the entity exactly as
written (transformers decodes sub-word pieces, which can change case or
spacing); ``score`` is a Python ``float`` (transformers gives a numpy
``float32``, which behaves the same in arithmetic and formatting). tweetner
tags whole tokens, so the ``simple``, ``first``, ``average`` and ``max``
strategies, which differ only in how sub-word pieces are merged, all give the
same entities.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from . import Tagger
from .types import Entity, Token

__all__ = ["AGGREGATION_STRATEGIES", "TokenClassificationPipeline", "pipeline", "to_hf"]

#: Accepted ``aggregation_strategy`` values (transformers' names).
AGGREGATION_STRATEGIES = ("none", "simple", "first", "average", "max")
_TASKS = ("ner", "token-classification")


def to_hf(entities: list[Entity]) -> list[dict[str, Any]]:
    """Convert :meth:`tweetner.Tagger.tag` entities to aggregated HF dicts."""
    return [
        {
            "entity_group": e["type"],
            "score": e["score"],
            "word": e["text"],
            "start": e["start"],
            "end": e["end"],
        }
        for e in entities
    ]


def _tokens_to_hf(tokens: list[Token], ignore: set[str]) -> list[dict[str, Any]]:
    # transformers counts [CLS] as index 0, so the first word is index 1; keep
    # that so code that indexes back into its own token list still lines up.
    return [
        {
            "entity": t["tag"],
            "score": t["score"],
            "index": i + 1,
            "word": t["text"],
            "start": t["start"],
            "end": t["end"],
        }
        for i, t in enumerate(tokens)
        if t["tag"] not in ignore
    ]


def _strategy(value: Any) -> str:
    # transformers also accepts its AggregationStrategy enum, whose value is the name.
    name = str(getattr(value, "value", value)).lower()
    if name not in AGGREGATION_STRATEGIES:
        raise ValueError(f"aggregation_strategy must be one of {', '.join(AGGREGATION_STRATEGIES)}, not {value!r}")
    return name


class TokenClassificationPipeline:
    """A callable with a transformers ``TokenClassificationPipeline``'s interface.

    Call it with one text (a list of dicts comes back), a list or tuple of
    texts (a list of lists), or any other iterable of texts, such as a
    generator or a ``datasets`` column (an iterator of lists, tagged
    ``batch_size`` texts at a time, as transformers streams them).
    """

    task = "token-classification"

    def __init__(
        self,
        tagger: Tagger,
        *,
        aggregation_strategy: Any = "simple",
        ignore_labels: Iterable[str] = ("O",),
        batch_size: int = 256,
    ) -> None:
        self.tagger = tagger
        self.aggregation_strategy = _strategy(aggregation_strategy)
        self.ignore_labels = list(ignore_labels)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size!r}")
        self.batch_size = batch_size

    def __call__(self, inputs: Any, **kwargs: Any) -> Any:
        strategy = _strategy(kwargs.pop("aggregation_strategy", self.aggregation_strategy))
        ignore = set(kwargs.pop("ignore_labels", self.ignore_labels))
        batch_size = int(kwargs.pop("batch_size", self.batch_size) or self.batch_size)
        # Options transformers accepts that mean nothing for a word-level tagger.
        for name in ("num_workers", "stride", "offset_mapping", "device"):
            kwargs.pop(name, None)
        if kwargs:
            raise TypeError(f"unexpected arguments: {', '.join(sorted(kwargs))}")
        if isinstance(inputs, str):
            return self._run([inputs], strategy, ignore)[0]
        if isinstance(inputs, (list, tuple)):
            return self._run(list(inputs), strategy, ignore)
        return self._stream(iter(inputs), strategy, ignore, batch_size)

    def _run(self, texts: list[str], strategy: str, ignore: set[str]) -> list[list[dict[str, Any]]]:
        if strategy == "none":
            results = self.tagger.tag_batch(texts, with_tokens=True)
            return [_tokens_to_hf(r["tokens"], ignore) for r in results]
        return [
            [e for e in to_hf(entities) if e["entity_group"] not in ignore] for entities in self.tagger.tag_batch(texts)
        ]

    def _stream(
        self, texts: Iterator[str], strategy: str, ignore: set[str], batch_size: int
    ) -> Iterator[list[dict[str, Any]]]:
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) == batch_size:
                yield from self._run(batch, strategy, ignore)
                batch = []
        if batch:
            yield from self._run(batch, strategy, ignore)

    def __repr__(self) -> str:
        return (
            f"TokenClassificationPipeline(model={str(self.tagger.path)!r}, "
            f"aggregation_strategy={self.aggregation_strategy!r})"
        )


def pipeline(
    task: str = "ner",
    model: str | os.PathLike[str] | Tagger | None = "default",
    *,
    aggregation_strategy: Any = "simple",
    ignore_labels: Iterable[str] = ("O",),
    batch_size: int = 256,
    threads: int | None = None,
    **kwargs: Any,
) -> TokenClassificationPipeline:
    """Build a tweetner tagger behind transformers' pipeline interface.

    ``task`` must be ``"ner"`` or ``"token-classification"`` (the names
    transformers uses for this pipeline); ``model`` is a tweetner model name,
    directory or an existing :class:`~tweetner.Tagger`. Arguments that
    transformers uses to place a model (``device``, ``tokenizer``,
    ``framework``, …) are accepted and ignored, so existing call sites run.
    """
    if task not in _TASKS:
        raise ValueError(f"tweetner only provides the {' / '.join(_TASKS)} pipeline, not {task!r}")
    ignored = {"device", "device_map", "tokenizer", "framework", "torch_dtype", "trust_remote_code"}
    unknown = set(kwargs) - ignored
    if unknown:
        raise TypeError(f"unexpected arguments: {', '.join(sorted(unknown))}")
    tagger = model if isinstance(model, Tagger) else Tagger(model, threads=threads)
    return TokenClassificationPipeline(
        tagger,
        aggregation_strategy=aggregation_strategy,
        ignore_labels=ignore_labels,
        batch_size=batch_size,
    )
