"""Text that came from a student, made safe once, where it enters the grader.

Everything a submission can choose that ends up as text (an error message from the
sandbox, a file or folder name, a roster field) goes through `clean` at the point it
is read, so that later writers (results JSON, feedback Markdown, CSVs, the terminal
summary) never meet a lone surrogate, a control character or an endless line.
`fence` is how student text is shown in Markdown: as code, never as the grader's own.
"""

from __future__ import annotations

import re

MAX_TEXT = 300  # characters of student text kept by default (an error message)
MAX_LINE = 200  # characters of one line of it
# C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides,
# which can reorder or hide what an instructor reads. Tab and newline are kept.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_BACKTICKS = re.compile(r"`+")
_SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def clean(text: object, limit: int = MAX_TEXT, line_limit: int = MAX_LINE) -> str:
    """Printable, valid-UTF-8 text of at most `limit` characters (plus "..."), lines capped too.

    Bytes are decoded with replacement, lone surrogates become U+FFFD, controls become
    U+FFFD (tab and newline stay), and `\\r\\n`/`\\r` become newlines.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")  # lone surrogates -> "?"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROLS.sub("\ufffd", text)
    lines = [line if len(line) <= line_limit else line[:line_limit] + "..." for line in text.split("\n")]
    text = "\n".join(lines)
    return text if len(text) <= limit else text[:limit] + "..."


def one_line(text: object, limit: int = MAX_TEXT) -> str:
    """`clean`, on one line: for a terminal summary, a CSV cell or a log."""
    return " ".join(clean(text, limit).split("\n"))


def name(raw: bytes | str, limit: int = 120) -> str:
    """A file or folder name for display: bytes that are not UTF-8 shown as U+FFFD."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    return one_line(raw, limit)


def fence(text: str, info: str = "text") -> str:
    """`text` as a Markdown code block whose fence is longer than any backtick run inside it.

    Inside a fenced block nothing is Markdown or HTML, so a student's "## 60/60" or
    `<img src=...>` is shown as the characters it is.
    """
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    bar = "`" * max(3, longest + 1)
    return f"{bar}{info}\n{text}\n{bar}"


def csv_cell(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's advice: a leading `'`).

    Numbers stay numbers; text starting with `=`, `+`, `-`, `@`, a tab or a CR is quoted.
    """
    if isinstance(value, (int, float)) or value is None:
        return value
    text = one_line(value, 1000)
    return "'" + text if text.startswith(_SPREADSHEET_FORMULA) else text
