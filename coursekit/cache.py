"""The release's content-keyed cache: work whose output depends only on its inputs' bytes.

Making a stub (nbgrader's ClearSolutions) and generating a notebook's student
version (nbgrader's `generate_assignment`) are pure functions of their source
text, of nbgrader's version and of the kit code that calls it. Their results are
kept in `build/release-cache/` (gitignored), filed under a SHA-256 of all of
those, so an entry is only ever found for exactly the same inputs: a changed
source, a new nbgrader or an edited `coursekit/stubs.py` looks for another
entry, and the work is done again. `COURSEKIT_NO_CACHE=1` turns the cache off
(tests compare a cached release with an uncached one, byte for byte).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from coursekit.course import ROOT

CACHE_DIR = ROOT / "build" / "release-cache"
T = TypeVar("T", str, dict)


def enabled() -> bool:
    """Whether the cache is on (it is, unless `COURSEKIT_NO_CACHE` is set to something other than 0)."""
    return os.environ.get("COURSEKIT_NO_CACHE", "0") in ("", "0")


def key(*parts: str | bytes) -> str:
    """A SHA-256 of `parts` (each length-prefixed, so no two lists of parts collide), nbgrader's version included."""
    digest = hashlib.sha256()
    for part in (_nbgrader_version(), sys.version, *parts):
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


@functools.cache
def _nbgrader_version() -> str:
    return importlib.metadata.version("nbgrader")


def code_of(path: Path | str) -> bytes:
    """The source of the module that does the work: part of every key, so editing it empties the cache's use."""
    return Path(path).read_bytes()


def has(kind: str, entry_key: str) -> bool:
    """Whether the cache holds an entry for `entry_key` (always False when it is off)."""
    return enabled() and (CACHE_DIR / kind / f"{entry_key}.json").is_file()


def cached(kind: str, entry_key: str, make: Callable[[], T]) -> T:
    """`make()`'s result, from `CACHE_DIR/kind/<key>.json` when it is there; otherwise made and stored."""
    if not enabled():
        return make()
    path = CACHE_DIR / kind / f"{entry_key}.json"
    try:
        return json.loads(path.read_text())["value"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not there yet (or unreadable): made again below
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed: a release stopped mid-write leaves no half entry behind.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"value": value}, sort_keys=True))
    tmp.replace(path)
    return value
