"""Writing a generated tree: the one way every release output reaches the disk."""

from __future__ import annotations

import shutil
from pathlib import Path


def write_tree(root: Path, files: dict[str, str] | dict[str, bytes]) -> None:
    """Replace `root` with exactly `files` (relative path -> text or bytes), written in sorted order."""
    if root.exists():
        shutil.rmtree(root)
    for relative in sorted(files):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = files[relative]
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)
