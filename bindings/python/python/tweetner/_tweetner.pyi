# Stubs for the native extension (src/lib.rs). Use the wrappers in
# tweetner/__init__.py; this module's interface may change between versions.
from os import PathLike
from typing import Any

__version__: str

class TweetnerError(RuntimeError):
    """A model could not be loaded or failed while tagging."""

class NativeTagger:
    def __init__(
        self,
        path: str | PathLike[str],
        threads: int | None = None,
        batch_size: int = 64,
        int8: bool = False,
    ) -> None: ...
    @property
    def path(self) -> str: ...
    @property
    def threads(self) -> int: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def labels(self) -> list[str]: ...
    def annotate(self, texts: list[str], with_tokens: bool = False) -> list[Any]: ...
    def annotate_columns(self, texts: list[str | None]) -> dict[str, list[Any]]: ...
    def tag_tokens(self, sentences: list[list[str]]) -> list[dict[str, Any]]: ...
