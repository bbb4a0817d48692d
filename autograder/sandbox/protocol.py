"""The whole contract between the grader and the sandbox: message shapes, caps, and parsing.

Three parties, three channels (see README, "Where each piece runs"):

    grader  --requests-->  supervisor  --one request-->  worker (student code)
    grader  <--messages--  supervisor  <--one answer---  worker

- grader -> supervisor (the supervisor's fd 0): JSON lines. First the job
  (`job()`), then one probe at a time (`request()`), each sent only once the
  previous probe's message has arrived.
- supervisor -> grader (the answer fd named in the job): JSON lines written by
  the trusted supervisor only (`message()`): the outcome of the import and of
  each probe, tagged with the probe's nonce. A worker's own answer travels
  inside it as a string (`answer`), never parsed by the supervisor.
- supervisor -> worker: that probe's `{"kind", "spec"}`, nothing else; worker
  -> supervisor: one line, `encode({"ok": True, "value": ...})` or
  `{"ok": False, "error": ...}`, at most `MAX_ANSWER` bytes.

Everything a worker sends is student-chosen data: `parse_answer` reads it with
caps (bytes, nesting, items), keeps only plain JSON values, and passes every
string through `autograder.student_text.clean` on the grader's side.

This file is also run inside the sandbox (child.py executes its text, standard
library only), so that both sides use one definition of the shapes.
"""

import json

MAX_ANSWER = 4 << 20  # bytes of one worker's answer line
MAX_MESSAGE = MAX_ANSWER * 2 + 4096  # one supervisor line: the answer, JSON-quoted, and the envelope
MAX_DEPTH = 12  # nesting of an answer
MAX_ITEMS = 200_000  # numbers and strings in one answer
MAX_STRING = 300  # characters of one string kept (an error message, a name)

# What the supervisor says happened to a worker.
ANSWERED = "answered"  # it wrote a line: `answer` holds it
TIMEOUT = "timeout"  # no line within the probe's time
DIED = "died"  # it ended without a line (`exit` holds its status)
TOO_BIG = "too_big"  # its line was longer than MAX_ANSWER


def job(
    sandbox: str,
    stdlib_dirs: list[str],
    modules: list[str],
    answer_fd: int,
    audit: bool,
    processes: int | None,
    limits: dict,
) -> dict:
    """The first request: what to import, where, and the limits of every worker."""
    return {
        "sandbox": sandbox,
        "stdlib_dirs": list(stdlib_dirs),
        "modules": list(modules),
        "answer_fd": answer_fd,
        "audit": audit,
        "processes": processes,
        "limits": limits,
    }


def request(nonce: str, test: str, kind: str, spec: dict) -> dict:
    """One probe, for the supervisor: the worker of `test` receives only `kind` and `spec`."""
    return {"n": nonce, "test": test, "kind": kind, "spec": spec}


def message(nonce: str | None, status: str, answer: str | None = None, exit_status: int | None = None) -> dict:
    """What the supervisor sends back for the import (`nonce` None) or for one probe."""
    out = {"n": nonce, "status": status}
    if answer is not None:
        out["answer"] = answer
    if exit_status is not None:
        out["exit"] = exit_status
    return out


def encode(obj: object, depth: int = 0) -> str:
    """Plain data as JSON text, looking only at exact built-in types (the worker's side).

    A subclass of float, str, list or dict (anything a student's `__float__` or
    `__str__` could return) is refused, so the text is exactly the numbers seen.
    """
    kind = type(obj)
    if depth > MAX_DEPTH:
        raise ValueError("an answer nested too deep")
    if obj is None or obj is True or obj is False:
        return "null" if obj is None else "true" if obj else "false"
    if kind is float:
        text = float.__repr__(obj)
        return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text, text)
    if kind is int:
        return int.__repr__(obj)
    if kind is str:
        return json.encoder.encode_basestring_ascii(obj)
    if kind is list or kind is tuple:
        return "[" + ",".join([encode(x, depth + 1) for x in obj]) + "]"
    if kind is dict:
        items = []
        for k, v in dict.items(obj):
            if type(k) is not str:
                raise TypeError("an answer's keys must be plain strings")
            items.append(json.encoder.encode_basestring_ascii(k) + ":" + encode(v, depth + 1))
        return "{" + ",".join(items) + "}"
    raise TypeError(f"a probe produced {kind.__name__}, not plain data")


# -- the grader's side ---------------------------------------------------------------------------


def parse_message(line: bytes) -> dict | None:
    """A supervisor line as a dict, or None (not JSON, not an object, too long)."""
    if len(line) > MAX_MESSAGE:
        return None
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


class BadAnswer(ValueError):
    """A worker's answer that is not plain data within the caps."""


def parse_answer(text: object) -> tuple[bool, object]:
    """A worker's answer line -> (ok, value or error text). Raises BadAnswer past the caps."""
    if not isinstance(text, str) or len(text) > MAX_ANSWER:
        raise BadAnswer("the answer was too long")
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise BadAnswer("the answer was not plain data") from exc
    count = [0]
    value = _plain(raw, 0, count)
    if not isinstance(value, dict) or not isinstance(value.get("ok"), bool):
        raise BadAnswer("the answer had no outcome")
    if value["ok"]:
        if "value" not in value:
            raise BadAnswer("the answer had no value")
        return True, value["value"]
    error = value.get("error")
    return False, error if isinstance(error, str) else "the check failed, with no message"


def _plain(value: object, depth: int, count: list[int]) -> object:
    """`value` with every string cleaned, within MAX_DEPTH and MAX_ITEMS."""
    from autograder.student_text import clean

    count[0] += 1
    if depth > MAX_DEPTH or count[0] > MAX_ITEMS:
        raise BadAnswer("the answer was nested too deep or held too many items")
    if isinstance(value, str):
        return clean(value, MAX_STRING)
    if isinstance(value, list):
        return [_plain(v, depth + 1, count) for v in value]
    if isinstance(value, dict):
        return {clean(k, MAX_STRING): _plain(v, depth + 1, count) for k, v in value.items()}
    return value  # int, float (NaN and infinities included), bool, None
