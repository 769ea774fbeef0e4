"""Named-entity recognition for tweets.

The tagging itself is tweetner's Rust code (the same code as ``tweetner tag``
and ``tweetner serve``); this package loads a model directory, passes texts
in and hands entities back as plain dicts with Python string offsets.

>>> from tweetner import Tagger
>>> tagger = Tagger()                      # the bundled "default" model
>>> tagger.tag("Going to Paris with Obama")  # doctest: +SKIP
[{'text': 'Paris', 'type': 'geo-loc', 'start': 9, 'end': 14, ...}, ...]

Adapters live in submodules so that importing ``tweetner`` never imports
their libraries: :mod:`tweetner.hf` (output shaped like a ``transformers``
token-classification pipeline), :mod:`tweetner.spacy_component` (a spaCy
component) and :mod:`tweetner.arrow` (pandas and pyarrow batches).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ._tweetner import NativeTagger as _NativeTagger
from ._tweetner import TweetnerError, __version__
from .types import Entity, TaggedText, TaggedTokens, Token, TokenEntity

__all__ = [
    "MODELS_ENV",
    "MODEL_ENV",
    "Entity",
    "TaggedText",
    "TaggedTokens",
    "Tagger",
    "Token",
    "TokenEntity",
    "TweetnerError",
    "__version__",
    "available_models",
    "resolve_model",
]

#: Environment variable with extra directories holding named models
#: (``$TWEETNER_MODELS/NAME``), separated by :data:`os.pathsep`. Searched first
#: so that a deployment can replace a packaged model without reinstalling.
MODELS_ENV = "TWEETNER_MODELS"

#: Environment variable naming the model used when none is given; the CLI
#: reads the same one, so both pick the same model in the same environment.
MODEL_ENV = "TWEETNER_MODEL"

_MANIFEST = "tweetner-model.json"
_PACKAGE_DIR = Path(__file__).resolve().parent


def _is_model_dir(path: Path) -> bool:
    return (path / _MANIFEST).is_file()


def _search_roots() -> list[tuple[str, Path]]:
    """Where named models are looked for, in order, with a label for messages."""
    roots: list[tuple[str, Path]] = []
    for entry in os.environ.get(MODELS_ENV, "").split(os.pathsep):
        if entry:
            roots.append((f"${MODELS_ENV}", Path(entry).expanduser()))
    roots.append(("packaged", _PACKAGE_DIR / "models"))
    # An in-place build (``maturin develop``) or a checkout on sys.path:
    # bindings/python/python/tweetner -> the repository root, 4 levels up.
    repo = _PACKAGE_DIR.parents[3] if len(_PACKAGE_DIR.parents) > 3 else None
    if repo is not None and (repo / "crates").is_dir() and (repo / "Cargo.toml").is_file():
        roots.append(("checkout", repo / "models"))
    return roots


def available_models() -> dict[str, Path]:
    """Named models that :func:`resolve_model` can find, first match per name."""
    found: dict[str, Path] = {}
    for _, root in _search_roots():
        if not root.is_dir():
            continue
        for child in sorted(root.iterdir()):
            if child.name not in found and _is_model_dir(child):
                found[child.name] = child
    return found


def _looks_like_path(spec: str) -> bool:
    seps = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return any(s in spec for s in seps) or spec.startswith((".", "~"))


def resolve_model(model: str | os.PathLike[str] | None = None) -> Path:
    """Turn a model name or path into a model directory.

    A :class:`os.PathLike`, a string with a path separator, or the name of an
    existing directory is a path. Any other string is a model *name*, looked
    up as ``NAME`` under, in order: each directory in ``$TWEETNER_MODELS``,
    the models packaged in the wheel, and the repository's ``models/`` when
    this package runs from a checkout. ``None`` means ``$TWEETNER_MODEL``,
    else ``"default"``.

    Raises:
        FileNotFoundError: a path that does not exist.
        ValueError: a path that is not a model directory, or an unknown name
            (the message lists the names that were found).
    """
    if model is None:
        model = os.environ.get(MODEL_ENV) or "default"
    if isinstance(model, os.PathLike) or (isinstance(model, str) and _looks_like_path(model)):
        path = Path(os.fspath(model)).expanduser()
        if not path.exists():
            raise FileNotFoundError(f"model directory {str(path)!r} does not exist")
        if not _is_model_dir(path):
            raise ValueError(f"{str(path)!r} is not a tweetner model directory (no {_MANIFEST})")
        return path
    if not isinstance(model, str):
        raise TypeError(f"model must be a name or a path, not {type(model).__name__}")
    direct = Path(model)
    if direct.is_dir():
        if _is_model_dir(direct):
            return direct
        raise ValueError(f"{model!r} is a directory but not a tweetner model (no {_MANIFEST})")
    roots = _search_roots()
    for _, root in roots:
        candidate = root / model
        if _is_model_dir(candidate):
            return candidate
    names = ", ".join(sorted(available_models())) or "none"
    searched = "; ".join(f"{label}: {root}" for label, root in roots)
    raise ValueError(f"unknown model {model!r}; available models: {names} (searched {searched})")


class Tagger:
    """A loaded tweetner model.

    Loading reads the model directory once; keep the instance and reuse it.
    A tagger is immutable and thread-safe: tagging releases the GIL, so
    Python threads sharing one instance run in parallel, and each
    :meth:`tag_batch` call is itself spread over ``threads`` native threads.

    Args:
        model: a model name (``"default"``, ``"accurate"``, …) or a model
            directory; see :func:`resolve_model`.
        threads: native threads per call; ``None`` uses every core this
            process may run on.
        batch_size: sentences per network batch (a memory/speed trade-off
            that does not change the results).
        int8: run a transformer model's encoder projections in int8; no
            effect on BiLSTM-CRF models.
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = "default",
        *,
        threads: int | None = None,
        batch_size: int = 64,
        int8: bool = False,
    ) -> None:
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ValueError(f"threads must be a positive integer or None, not {threads!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, not {batch_size!r}")
        path = resolve_model(model)
        self._native = _NativeTagger(str(path), threads, batch_size, bool(int8))
        self._path = path
        self._int8 = bool(int8)

    @property
    def path(self) -> Path:
        """The model directory in use."""
        return self._path

    @property
    def name(self) -> str:
        """The model directory's name (``default`` for the bundled model)."""
        return self._path.name

    @property
    def threads(self) -> int:
        return self._native.threads

    @property
    def batch_size(self) -> int:
        return self._native.batch_size

    @property
    def labels(self) -> list[str]:
        """BIO labels in the model's output order."""
        return self._native.labels

    @property
    def entity_types(self) -> list[str]:
        """Entity types this model can output, in label order."""
        return _entity_types(self._native.labels)

    def tag(self, text: str, *, with_tokens: bool = False) -> Any:
        """Entities in one text.

        Returns a list of entity dicts ``{text, type, start, end, byte_start,
        byte_end, utf16_start, utf16_end, score}`` (the fields of ``tweetner
        serve``'s JSON), where ``text[start:end]`` is the entity in Python's
        own string indexing (code points), ``byte_start:byte_end`` the same
        span in UTF-8 and ``utf16_start:utf16_end`` in UTF-16 code units.
        With ``with_tokens=True`` the result is ``{"entities": [...],
        "tokens": [...]}``, each token ``{text, start, end, byte_start,
        byte_end, tag, score, kind}``.
        """
        if not isinstance(text, str):
            raise TypeError(f"tag() takes a str, not {type(text).__name__}; use tag_batch() for many")
        return self._native.annotate([text], with_tokens)[0]

    def tag_batch(self, texts: Iterable[str], *, with_tokens: bool = False) -> list[Any]:
        """Entities for each text, in input order, in one native call.

        Much faster than calling :meth:`tag` in a loop: the texts are
        batched by length and spread over :attr:`threads` threads, with the
        GIL released for the whole call.
        """
        return self._native.annotate(_text_list(texts, "tag_batch"), with_tokens)

    def tag_tokens(self, sentences: Iterable[Iterable[str]]) -> list[dict[str, Any]]:
        """Tag already-tokenized sentences, keeping the tokens as given.

        For data that comes tokenized (CoNLL files): each result is
        ``{"entities", "tags", "token_scores"}`` with entity spans as
        ``token_start``/``token_end`` indices, as ``tweetner tag
        --input-format conll`` writes them.
        """
        if isinstance(sentences, str):
            raise TypeError("tag_tokens() takes a list of token lists, not a str")
        batch = []
        for s in sentences:
            if isinstance(s, str):
                raise TypeError("each sentence must be a list of tokens, not a str")
            batch.append(list(s))
        return self._native.tag_tokens(batch)

    def tag_arrow(self, texts: Any) -> Any:
        """Entity table for a pyarrow array or pandas Series; see :func:`tweetner.arrow.tag_arrow`."""
        from .arrow import tag_arrow

        return tag_arrow(texts, self)

    def tag_pandas(self, texts: Any) -> Any:
        """Entity DataFrame for a pandas Series; see :func:`tweetner.arrow.tag_pandas`."""
        from .arrow import tag_pandas

        return tag_pandas(texts, self)

    def __repr__(self) -> str:
        return f"Tagger(model={str(self._path)!r}, threads={self.threads}, batch_size={self.batch_size})"

    # Pickling reloads from the model path: what is needed to ship a tagger to
    # worker processes (multiprocessing, Spark) without sending its weights.
    def __getstate__(self) -> dict[str, Any]:
        return {
            "path": str(self._path),
            "threads": self._native.threads,
            "batch_size": self._native.batch_size,
            "int8": self._int8,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(
            state["path"],
            threads=state["threads"],
            batch_size=state["batch_size"],
            int8=state.get("int8", False),
        )


def _entity_types(labels: Iterable[str]) -> list[str]:
    types: list[str] = []
    for label in labels:
        if label[:2] in ("B-", "I-") and label[2:] not in types:
            types.append(label[2:])
    return types


def _text_list(texts: Iterable[str], what: str) -> list[str]:
    # A str is an iterable of one-character strings: almost certainly a bug.
    if isinstance(texts, str):
        raise TypeError(f"{what}() takes a list of texts, not a str; use tag() for one text")
    out = texts if isinstance(texts, list) else list(texts)
    return out
