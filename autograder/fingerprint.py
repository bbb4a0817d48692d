"""What counts as "the submitted files", and their fingerprint.

The grader copies only these files into a sandbox, draws the hidden tests'
inputs from a seed derived from their fingerprint (a regrade of the same files
is identical; answers computed for other inputs are worthless), and
`grade-all` keys its results by it (an unchanged repository is not regraded).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

MAX_FILE_BYTES = 1 << 20  # a larger "module" is not a student's code: it is left out


def submitted_modules(submission: Path) -> dict[str, bytes]:
    """The student's `micrograd/*.py`: regular files only (no links), each under 1 MiB, by name."""
    package = Path(submission) / "micrograd"
    if not package.is_dir() or package.is_symlink():
        return {}
    files = {}
    for path in sorted(package.iterdir()):
        if path.suffix == ".py" and path.is_file() and not path.is_symlink():
            if path.stat().st_size < MAX_FILE_BYTES:
                files[path.name] = path.read_bytes()
    return files


def fingerprint(files: dict[str, bytes]) -> str:
    """A SHA-256 of the files' names and contents (hex)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def seed_of(fingerprint_hex: str, salt: str = "") -> int:
    """A 64-bit seed for the hidden tests' inputs, from a fingerprint (and a per-purpose salt)."""
    return int.from_bytes(hashlib.sha256(f"{salt}\0{fingerprint_hex}".encode()).digest()[:8], "big")
