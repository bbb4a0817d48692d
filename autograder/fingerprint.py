"""What counts as "the submitted files", read once with caps, and their fingerprint.

`read_submission` is the one place the grader reads a student's files. It reads
only `micrograd/*.py` (nothing deeper is ever walked), handles names as bytes,
opens each file without following links and without blocking (a FIFO), keeps
only regular files with a single link, and stops at the caps below before
hashing or copying anything: past a cap the submission is "not graded" with
the limit named, and nothing more is read.

The grader copies exactly these files into a sandbox, draws the hidden tests'
inputs from a seed derived from their fingerprint (a regrade of the same files
is identical; answers computed for other inputs are worthless), and
`grade-all` keys its results by it (an unchanged repository is not regraded).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from autograder import student_text

PACKAGE = "micrograd"
MAX_ENTRIES = 1000  # directory entries of micrograd/ looked at (a flood of files stops here)
MAX_MODULES = 64  # .py files kept
MAX_FILE_BYTES = 1 << 20  # one module
MAX_TOTAL_BYTES = 4 << 20  # all modules together
MAX_DEPTH = 1  # micrograd/*.py only: no folder below it is walked
_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Submission:
    """A student's `micrograd/*.py` as read with caps, or why they were not read.

    Attributes:
        files: module name -> bytes (empty when refused or unreadable).
        refused: "not graded: ..." when the submission broke a cap (the student's doing).
        unreadable: why the grader could not read the files (the grader's problem: regraded later).
        skipped: display names (cleaned) of entries left out (links, FIFOs, odd names, ...).
    """

    files: dict[str, bytes] = field(default_factory=dict)
    refused: str | None = None
    unreadable: str | None = None
    skipped: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        if self.refused or self.unreadable:
            return hashlib.sha256(f"{self.refused or ''}\0{self.unreadable or ''}".encode()).hexdigest()
        return fingerprint(self.files)

    def names(self) -> set[str]:
        return set(self.files)


def _module_name(raw: bytes) -> str | None:
    """`raw` as a module file name Python can import (`stem.py`, stem an identifier), else None."""
    if not raw.endswith(b".py"):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text[:-3].isidentifier() else None


def _read_capped(dir_fd: int, raw: bytes, limit: int) -> bytes | str:
    """The bytes of one regular, single-link file opened under `dir_fd`; a str says why it was skipped."""
    try:
        fd = os.open(raw, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):
            return "a symbolic link"
        if exc.errno in (errno.ENXIO, errno.EWOULDBLOCK):
            return "not a regular file"
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if info.st_nlink != 1:
            return "a hard link to another file"
        if info.st_size > limit:
            return f"larger than {limit} bytes"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 16, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return f"larger than {limit} bytes"  # it grew after fstat
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_submission(submission: Path | str | bytes) -> Submission:
    """The student's `micrograd/*.py` under every cap, by name; never raises on what a student can do."""
    root = os.fsencode(submission)
    try:
        dir_fd = os.open(os.path.join(root, PACKAGE.encode()), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return Submission()  # no package (or a link in its place): nothing submitted
        return Submission(unreadable=f"cannot open {PACKAGE}/: {student_text.one_line(exc.strerror)}")
    files: dict[str, bytes] = {}
    skipped: list[str] = []
    total = 0
    try:
        with os.scandir(dir_fd) as entries:
            for count, entry in enumerate(entries, 1):
                if count > MAX_ENTRIES:
                    return Submission(refused=f"not graded: {PACKAGE}/ holds more than {MAX_ENTRIES} entries")
                raw = os.fsencode(entry.name)
                shown = student_text.name(raw)
                module = _module_name(raw)
                if module is None:
                    if raw.endswith(b".py"):
                        skipped.append(f"{PACKAGE}/{shown} (not an importable module name)")
                    continue
                if len(files) >= MAX_MODULES:
                    return Submission(refused=f"not graded: more than {MAX_MODULES} modules in {PACKAGE}/")
                data = _read_capped(dir_fd, raw, min(MAX_FILE_BYTES, MAX_TOTAL_BYTES - total))
                if isinstance(data, str):
                    if data.startswith("larger"):
                        return Submission(
                            refused=f"not graded: {PACKAGE}/{shown} is {data} (each module at most "
                            f"{MAX_FILE_BYTES} bytes, all modules at most {MAX_TOTAL_BYTES} bytes)"
                        )
                    skipped.append(f"{PACKAGE}/{shown} ({data})")
                    continue
                files[module] = data
                total += len(data)
    except OSError as exc:
        return Submission(unreadable=f"cannot read {PACKAGE}/: {student_text.one_line(exc.strerror or exc)}")
    finally:
        os.close(dir_fd)
    return Submission(dict(sorted(files.items())), skipped=tuple(sorted(skipped)))


def submitted_modules(submission: Path) -> dict[str, bytes]:
    """The student's `micrograd/*.py` by name, as `read_submission` reads them (empty when refused)."""
    return read_submission(submission).files


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
