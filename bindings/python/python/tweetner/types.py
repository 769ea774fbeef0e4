"""The shapes of tweetner's results, for type checkers and readers.

Results are plain dicts (cheap to build, JSON-ready, the same fields as
``tweetner serve``); these ``TypedDict``s name their keys.
"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["Entity", "TaggedText", "TaggedTokens", "Token", "TokenEntity"]


class Entity(TypedDict):
    """One entity; ``text == source[start:end]`` (code points)."""

    text: str
    type: str
    start: int
    end: int
    byte_start: int
    byte_end: int
    score: float


class Token(TypedDict):
    text: str
    start: int
    end: int
    byte_start: int
    byte_end: int
    tag: str
    score: float
    kind: str


class TaggedText(TypedDict):
    entities: list[Entity]
    tokens: list[Token]


class TokenEntity(TypedDict):
    text: str
    type: str
    token_start: int
    token_end: int
    score: float


class TaggedTokens(TypedDict):
    entities: list[TokenEntity]
    tags: list[str]
    token_scores: list[float]
