"""The program that runs inside the sandbox, around the student's code (never imported by the grader).

`runner.py` starts it as `python -I -S -B -c <bootstrap>` inside the OS-level
sandbox (`isolation.py`). The bootstrap executes this file's text, followed by
`probes.py`'s, in a private namespace whose builtins are a snapshot, so that
nothing here is reachable from `__main__` and a student who patches
`builtins`, `os` or `json` cannot change what this code calls: every function
it needs after the student's import is bound to a local name first.

Protocol (file descriptors set up by the grader):
- fd 0: requests from the grader, one JSON line each. The first is the job
  (the modules to import, limits, the sandbox folder); then one probe at a time
  (`{"n": nonce, "kind": ..., "spec": ...}`), sent only once the previous
  answer has arrived, so a probe's inputs reach the student's code only when
  that probe runs.
- the answer fd (its number is in the job): answers, one JSON line each, tagged with the probe's nonce (a line
  without the current nonce is ignored by the grader, so forged lines are
  worthless).
- fd 1 and 2: whatever the student prints, into a capped file the grader
  never reads.

Before the student's code is imported, an audit hook (PEP 578) is installed:
it is a second wall, not the sandbox (the OS is). It looks only at the exact
types of its arguments (a `str` subclass or any other object is refused, so
no student code runs inside it), refuses every event it does not know, loads
no module that was not imported before it (so no extension module, such as a
sub-interpreter, can be loaded), and refuses writing files, reading outside
the sandbox and the standard library, processes, signals, threads, tracing and
the frames of other code.
"""

import errno
import io
import json
import os
import resource
import signal
import sys
import types

# What student code may import: loaded now, before the hook; nothing else can be loaded later.
STDLIB_ALLOWED = """__future__ abc array bisect cmath collections collections.abc contextlib copy dataclasses
decimal enum fractions functools graphlib heapq itertools json keyword math numbers operator random re
reprlib statistics string textwrap time types typing warnings weakref""".split()
# Events the hook lets through unexamined: harmless things the language itself does.
HARMLESS_EVENTS = frozenset(
    """exec compile builtins.id object.__delattr__ sys.excepthook sys.unraisablehook time.sleep
    array.__new__ code.__new__ function.__new__ marshal.loads marshal.load marshal.dumps random.seed
    cpython._PySys_ClearAuditHooks""".split()
)
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back"})
# Unaudited ways to reach other processes or leave the session: removed from the modules that hold them.
UNAUDITED = {
    "posix": ("pidfd_open", "setns", "unshare", "setsid", "setpgid", "setpgrp", "kill", "killpg", "fork"),
    "os": ("pidfd_open", "setns", "unshare", "setsid", "setpgid", "setpgrp", "kill", "killpg", "fork"),
    "signal": ("pidfd_send_signal", "pthread_kill"),
    "_signal": ("pidfd_send_signal", "pthread_kill"),
    "_imp": ("create_dynamic", "exec_dynamic"),
}
MAX_ERROR = 300  # characters of an error message sent back


class SandboxRefusal(PermissionError, ValueError):
    """Refused by the sandbox. A ValueError too: `sys._getframe` callers in the standard library
    (namedtuple, typing, enum) expect ValueError where no frame is available, and carry on."""


def install_guard(sandbox, roots):
    """Install the audit hook; return the switch that lets this file's own code read a traceback.

    Everything the hook uses is a local name bound here, and it looks at nothing
    but exact built-in types, so that no student object's method runs inside it.
    """
    str_t, bytes_t, int_t, tuple_t, type_, len_ = str, bytes, int, tuple, type, len
    harmless, frame_attributes, refusal = HARMLESS_EVENTS, FRAME_ATTRIBUTES, SandboxRefusal
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    roots = tuple(roots)
    trusted = [False]

    def normal(path):
        # Pure string work on an exact str: no os.path, which student code could patch.
        if not path.startswith("/"):
            path = sandbox + "/" + path
        parts = []
        for part in path.split("/"):
            if part == "" or part == ".":
                continue
            if part == "..":
                if parts:
                    parts.pop()
                continue
            parts.append(part)
        return "/" + "/".join(parts), parts

    def readable(path):
        if type_(path) is bytes_t:
            path = path.decode("utf-8", "surrogateescape")
        if type_(path) is not str_t:
            return False  # a str subclass or a PathLike could answer differently when opened
        full, parts = normal(path)
        if "site-packages" in parts or "dist-packages" in parts:
            return False
        for root in roots:
            if full == root or full.startswith(root + "/"):
                return True
        return False

    def hook(event, args):
        if trusted[0]:
            return
        if type_(args) is not tuple_t:
            raise refusal(f"{event} is not allowed in the grader's sandbox")
        if event == "open":
            if len_(args) != 3:
                raise refusal("open: unexpected arguments")
            path, mode, flags = args
            if type_(path) is int_t:
                return  # an fd this process already holds
            if not (mode is None or type_(mode) is str_t) or type_(flags) is not int_t:
                raise refusal("open: only plain str modes and int flags are allowed")
            if (mode is not None and ("w" in mode or "a" in mode or "x" in mode or "+" in mode)) or (
                flags & write_flags
            ):
                raise refusal("the grader's sandbox does not allow writing files")
            if not readable(path):
                raise refusal("the grader's sandbox does not allow reading files outside your code")
        elif event == "os.listdir" or event == "os.scandir":
            path = args[0] if len_(args) else None
            if path is not None and type_(path) is not int_t and not readable(path):
                raise refusal("the grader's sandbox does not allow listing folders outside your code")
        elif event == "import":
            name = args[0] if len_(args) else None
            if type_(name) is not str_t:
                raise ImportError("importing by a name that is not a plain str is not allowed in the sandbox")
            if name.partition(".")[0] != "micrograd":
                raise ImportError(
                    f"importing {name[:60]!r} is not allowed in the grader's sandbox: your code may use the "
                    "standard library's math, random, collections, functools, itertools, typing and the like"
                )
        elif event == "object.__getattr__":
            if len_(args) != 2 or type_(args[1]) is not str_t or args[1] in frame_attributes:
                raise refusal("reading frames is not allowed in the grader's sandbox")
        elif event == "object.__setattr__":
            if len_(args) != 3 or type_(args[1]) is not str_t or args[1] == "__code__":
                raise refusal("replacing a function's code is not allowed in the grader's sandbox")
        elif event == "sys._getframe" or event == "sys._getframemodulename":
            raise refusal("reading frames is not allowed in the grader's sandbox")
        elif event not in harmless:
            raise refusal(f"{event} is not allowed in the grader's sandbox")

    def set_trusted(on):
        trusted[0] = on

    sys.addaudithook(hook)
    return set_trusted


def number(x, what):
    """A plain float from a student's number, or a clear error."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{what} is {type(x).__name__}, not a number")
    value = float(x)
    if type(value) is not float:  # a __float__ that returns something odd
        raise TypeError(f"{what} is not a plain number")
    return value


def main(probes_source):
    # -- bound before any student code runs ------------------------------------------------------
    read, write, exit_now = os.read, os.write, os._exit
    decode = json.JSONDecoder().decode
    quote = json.encoder.encode_basestring_ascii  # the C function, bound here
    float_repr, str_str, dict_items = float.__repr__, str.__str__, dict.items
    type_, str_t, float_t, int_t, list_t, tuple_t, dict_t = type, str, float, int, list, tuple, dict
    io_open, traceback_type = io.open, types.TracebackType
    buffer = bytearray()

    def read_line():
        while b"\n" not in buffer:
            chunk = read(0, 1 << 16)
            if not chunk:
                return None
            buffer.extend(chunk)
        end = buffer.index(b"\n")
        line = bytes(buffer[:end])
        del buffer[: end + 1]
        return line

    def encode(obj):
        kind = type_(obj)
        if obj is None or obj is True or obj is False:
            return "null" if obj is None else "true" if obj else "false"
        if kind is float_t or (isinstance(obj, float_t) and kind is not bool):
            text = float_repr(obj)
            return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}.get(text, text)
        if kind is int_t:
            return int_t.__repr__(obj)
        if isinstance(obj, str_t):
            return quote(str_str(obj))
        if kind is list_t or kind is tuple_t:
            return "[" + ",".join([encode(x) for x in obj]) + "]"
        if kind is dict_t:
            return "{" + ",".join([quote(str_str(k)) + ":" + encode(v) for k, v in dict_items(obj)]) + "}"
        raise TypeError(f"a probe produced {kind.__name__}, not plain data")

    job = decode(read_line().decode())
    answer_fd = job["answer_fd"]

    def emit(message):
        write(answer_fd, (encode(message) + "\n").encode())

    limits = job["limits"]
    sandbox = job["sandbox"]

    # Limits first, hard ones included: the hook then refuses resource.setrlimit.
    settings = [
        ("RLIMIT_AS", limits["memory_bytes"]),
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_FSIZE", limits["output_bytes"]),
        ("RLIMIT_CORE", 0),
    ]
    if job.get("processes"):  # a uid of its own: the limit counts only the sandbox's processes
        settings.append(("RLIMIT_NPROC", job["processes"]))
    for name, value in settings:
        resource.setrlimit(getattr(resource, name), (value, value))
    # Past the output cap a write fails (EFBIG) instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.setrecursionlimit(10_000)
    os.chdir(sandbox)
    sys.path[:] = [sandbox, *job["stdlib_dirs"]]
    for module in STDLIB_ALLOWED:
        try:
            __import__(module)
        except ImportError:
            pass
    registry = {}

    def probe(kind):
        def register(fn):
            registry[kind] = fn
            return fn

        return register

    probes_namespace = {"__builtins__": dict(__builtins__ if type(__builtins__) is dict else vars(__builtins__))}
    probes_namespace.update(probe=probe, number=number, __name__="probes")
    exec(compile(probes_source, "<grader probes>", "exec"), probes_namespace)

    for module_name, names in UNAUDITED.items():
        module = sys.modules.get(module_name)
        for name in names:
            if module is not None and name in vars(module):
                delattr(module, name)
    set_trusted = (
        install_guard(sandbox, [sandbox, *job["stdlib_dirs"]]) if job.get("audit", True) else (lambda on: None)
    )

    def describe_error(exc):
        """One line for the feedback: the exception and the student's line that raised it."""
        try:
            name = str_str(type_(exc).__name__)
        except BaseException:
            name = "Exception"
        try:
            message = str_str(str(exc))
        except BaseException:
            message = "<the exception's message could not be shown>"
        if isinstance(exc, NotImplementedError) and not message:
            text = "NotImplementedError: this part is still a stub"
        elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
            text = "OSError: the code printed more output than the grader allows"
        else:
            text = f"{name}: {message}" if message else name
        if len(text) > MAX_ERROR:
            text = text[:MAX_ERROR] + "..."
        frames = []
        tb = exc.__traceback__
        set_trusted(True)  # only C attributes of exact built-in types are read here: no student code runs
        try:
            while type_(tb) is traceback_type and len(frames) < 1000:
                code = tb.tb_frame.f_code
                frames.append((code.co_filename, code.co_name, tb.tb_lineno))
                tb = tb.tb_next
        finally:
            set_trusted(False)
        prefix = sandbox + "/micrograd/"
        for filename, function, line in reversed(frames):
            if type_(filename) is str_t and filename.startswith(prefix) and type_(line) is int_t:
                source = ""
                try:
                    with io_open(filename, encoding="utf-8", errors="replace") as f:
                        lines = f.read().splitlines()
                    source = lines[line - 1].strip()[:120] if 0 < line <= len(lines) else ""
                except BaseException:
                    pass
                where = f"micrograd/{filename[len(prefix) :]}, line {line}, in {str_str(function)}"
                return f"{text} ({where}: {source})"
        return text

    sys.modules["__main__"].__dict__.pop("_boot", None)

    modules = {}
    for module in job["modules"]:
        try:
            modules[module] = __import__("micrograd." + module, fromlist=["_"])
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            emit({"event": "import_error", "module": module, "error": describe_error(exc)})
            exit_now(0)
    emit({"event": "imported"})

    while True:
        line = read_line()
        if line is None:
            exit_now(0)
        request = decode(line.decode())
        try:
            value = registry[request["kind"]](modules, request["spec"])
            answer = {"n": request["n"], "ok": True, "value": value}
            text = encode(answer)
        except BaseException as exc:
            text = encode({"n": request["n"], "ok": False, "error": describe_error(exc)})
        write(answer_fd, (text + "\n").encode())
