"""The programs that run inside the sandbox, around the student's code (never imported by the grader).

`runner.py` starts `python -I -S -B -c <bootstrap>` inside the OS-level sandbox
(`isolation.py`). The bootstrap executes this file's text in a private
namespace and calls `main` with the texts of `probes.py` and `protocol.py`.

Two kinds of process run this code:

- the **supervisor** (trusted; it never imports or calls student code). It owns
  the pipes to the grader and marks itself non-dumpable (`prctl(PR_SET_DUMPABLE,
  0)`) before any student code exists, so that no other process of the same uid
  can ptrace it, read its memory or open its file descriptors through `/proc`.
  It forks one worker per test (the next one is forked, and imports, while the
  current one works), hands it that test's probes one at a time, reads at most
  `protocol.MAX_ANSWER` bytes of each answer within the probe's time, kills the
  worker's process group when its test is done (or when it hangs or dies), and
  forwards what happened (`protocol.message`).
- a **worker** (untrusted from the moment it imports the student's modules):
  forked by the supervisor, it becomes dumpable again (so that the sandbox's
  clean-up sees it), closes every file descriptor but its own two pipe ends and
  the output sink, sets its limits (memory, CPU, file size, processes, 64 open
  files), removes the unaudited calls below, installs the audit hook, imports the
  student's modules, then answers its test's requests until its pipe closes.

A worker holds nothing that could compute an expected answer (probes.py only
builds inputs, calls the student's code and reads numbers out), so a student
who controls it completely can only choose its answers, which the grader parses
with caps and judges in its own process. No later test's inputs exist in the
sandbox while a worker runs: the grader sends a probe only once the previous one
is answered, and a test's worker never sees another test's.

The audit hook (PEP 578) is a second wall, not the sandbox (the OS is). It looks
only at the exact types of its arguments (a `str` subclass or any other object
is refused, so no student code runs inside it), refuses every event it does not
know, loads no module that was not imported before it (so no extension module,
such as a sub-interpreter, can be loaded), and refuses writing files, reading
outside the sandbox and the standard library, processes, signals, threads,
tracing and the frames of other code.
"""

import errno
import io
import json
import os
import resource
import select
import signal
import sys
import time
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
# Unaudited ways to reach other processes, leave the session or run code from memory: removed from
# the modules that hold them, in each worker.
_PROCESS_CALLS = ("pidfd_open", "setns", "unshare", "setsid", "setpgid", "setpgrp", "kill", "killpg", "fork")
UNAUDITED = {
    "posix": (*_PROCESS_CALLS, "memfd_create"),
    "os": (*_PROCESS_CALLS, "memfd_create"),
    "signal": ("pidfd_send_signal", "pthread_kill"),
    "_signal": ("pidfd_send_signal", "pthread_kill"),
    "_imp": ("create_dynamic", "exec_dynamic"),
}
MAX_ERROR = 300  # characters of an error message sent back
OPEN_FILES = 64  # RLIMIT_NOFILE of a worker
PR_SET_DUMPABLE = 4


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


class Lines:
    """Lines read from one fd, at most `cap` bytes each (the supervisor's reads)."""

    def __init__(self, fd, cap):
        self.fd, self.cap, self.buffer = fd, cap, bytearray()

    def read(self, deadline=None):
        """(line or None, why): why is "" for a line, else "eof", "timeout" or "too_big"."""
        while b"\n" not in self.buffer:
            if len(self.buffer) > self.cap:
                return None, "too_big"
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None, "timeout"
                if not select.select([self.fd], [], [], remaining)[0]:
                    continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None, "eof"
            self.buffer.extend(chunk)
        end = self.buffer.index(b"\n")
        line = bytes(self.buffer[:end])
        del self.buffer[: end + 1]
        if len(line) > self.cap:
            return None, "too_big"
        return line, ""


def non_dumpable():
    """prctl(PR_SET_DUMPABLE, 0): no process of this uid may ptrace this one or open its /proc files.

    Returns the prctl function (or None), which each worker calls to become dumpable
    again: the sandbox's clean-up finds a uid's processes by their /proc entries,
    which a non-dumpable process hands to root.
    """
    prctl = None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except Exception:  # no ctypes here: the OS wall and the closed fds remain
        prctl = None
    finally:
        for name in [m for m in sys.modules if m == "ctypes" or m.startswith(("ctypes.", "_ctypes"))]:
            del sys.modules[name]
    return prctl


def precompile(sandbox):
    """Compile the student's modules once, here, for every worker's import (a parse: nothing of theirs runs).

    Each test's worker is a fresh fork that imports the student's package, about 25 a
    part: compiling it in each took 4.8 ms of a worker's import, 2.0 ms without. The workers' loader is
    the standard one with `get_code` taken from here, so `__file__`, `__spec__`,
    relative imports, tracebacks and `inspect.getsource` are unchanged; a file that
    does not compile is left to that loader, which raises its SyntaxError in the worker.
    """
    import importlib.machinery as machinery

    # The folder holds what the grader wrote, read with its caps (modules, bytes), and nothing of the
    # student's has run yet: no cap of its own here.
    package = os.path.join(sandbox, "micrograd")
    codes = {}
    try:
        names = sorted(os.listdir(package))
    except OSError:
        names = []
    for name in names:
        path = os.path.join(package, name)
        if not name.endswith(".py") or not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as f:
                codes[path] = compile(f.read(), path, "exec", dont_inherit=True)
        except BaseException:  # a SyntaxError (or worse) is the worker's to raise, as a plain import would
            continue

    class PrecompiledLoader(machinery.SourceFileLoader):
        def get_code(self, fullname):
            code = codes.get(self.path)
            return code if code is not None else super().get_code(fullname)

    # The standard finder's loaders, the source one swapped, for the sandbox and its package only.
    finder = machinery.FileFinder.path_hook(
        (machinery.ExtensionFileLoader, machinery.EXTENSION_SUFFIXES),
        (PrecompiledLoader, machinery.SOURCE_SUFFIXES),
        (machinery.SourcelessFileLoader, machinery.BYTECODE_SUFFIXES),
    )

    def students_folders(path):
        if path not in (sandbox, package):
            raise ImportError("not the sandbox")  # the next hook, the standard one, takes it
        return finder(path)

    sys.path_hooks.insert(0, students_folders)
    for path in (sandbox, package):
        sys.path_importer_cache.pop(path, None)


def main(probes_source, protocol_source):
    """The supervisor: read the job, check the import, then one worker per probe."""
    protocol = {"__name__": "protocol"}
    exec(compile(protocol_source, "<grader protocol>", "exec"), protocol)
    requests = Lines(0, 64 << 20)
    line, _ = requests.read()
    job = json.loads(line.decode())
    answer_fd = job["answer_fd"]
    limits = job["limits"]
    prctl = non_dumpable()

    def send(nonce, status, answer=None, exit_status=None):
        text = json.dumps(protocol["message"](nonce, status, answer, exit_status))
        os.write(answer_fd, (text + "\n").encode())

    os.chdir(job["sandbox"])
    sys.path[:] = [job["sandbox"], *job["stdlib_dirs"]]
    precompile(job["sandbox"])
    for module in STDLIB_ALLOWED:  # loaded once here: every worker has them, the hook loads nothing
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

    probes = {"__builtins__": dict(__builtins__ if type(__builtins__) is dict else vars(__builtins__))}
    probes.update(probe=probe, number=number, __name__="probes")
    exec(compile(probes_source, "<grader probes>", "exec"), probes)
    sys.modules["__main__"].__dict__.pop("_boot", None)

    def spawn():
        """Fork a worker: (pid, its request pipe, a reader of its answer)."""
        request_r, request_w = os.pipe()
        answer_r, answer_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                if prctl is not None:
                    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
                os.setpgid(0, 0)
                worker(request_r, answer_w, job, registry, protocol["encode"])
            finally:
                os._exit(70)
        os.close(request_r)
        os.close(answer_w)
        return pid, request_w, Lines(answer_r, protocol["MAX_ANSWER"])

    def ask(worker_, payload, seconds):
        """Give a worker one request and take its answer line: (status, answer, exit status).

        The request carries a fresh nonce that the answer line must start with: lines
        written before the request existed (at import, say) are skipped.
        """
        pid, request_w, answers = worker_
        nonce = os.urandom(8).hex()
        try:
            os.write(request_w, (json.dumps({**payload, "n": nonce}) + "\n").encode())
        except OSError:
            pass
        deadline = time.monotonic() + seconds
        while True:
            line, why = answers.read(deadline)
            if line is None or line.startswith(nonce.encode() + b" "):
                break
        if line is not None:
            return protocol["ANSWERED"], line[len(nonce) + 1 :].decode("utf-8", "replace"), None
        code = end(worker_)
        if why == "eof":
            return protocol["DIED"], None, code
        return (protocol["TIMEOUT"] if why == "timeout" else protocol["TOO_BIG"]), None, None

    def end(worker_):
        """Kill a worker's process group; its exit status."""
        pid, request_w, answers = worker_
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        _, status = os.waitpid(pid, 0)
        for fd in (request_w, answers.fd):
            try:
                os.close(fd)
            except OSError:
                pass
        return os.waitstatus_to_exitcode(status)

    # The import, alone, first: an import that fails or hangs is said once, for the whole part.
    first = spawn()
    send(None, *ask(first, {"kind": "imports"}, limits["import_seconds"]))
    end(first)
    ready = spawn()  # the next worker imports while the grader sends the next probe
    current, test = None, None
    while True:
        line, _ = requests.read()
        if line is None:
            for worker_ in (current, ready):
                if worker_ is not None:
                    end(worker_)
            os._exit(0)
        request = json.loads(line.decode())
        if current is None or request["test"] != test:
            # Each test gets a fresh worker: nothing of another test's inputs or state is in it.
            if current is not None:
                end(current)
            current, test, ready = ready, request["test"], spawn()
        status = ask(current, {"kind": request["kind"], "spec": request["spec"]}, limits["probe_seconds"])
        if status[0] != protocol["ANSWERED"]:
            current = None  # ended by ask(): the test's other probes are skipped by the grader
        send(request["n"], *status)


def worker(request_fd, answer_fd, job, registry, encode):
    """One probe in a fresh fork: walls up, the student's modules imported, one request answered."""
    keep = sorted({1, 2, request_fd, answer_fd})
    low = 0
    for fd in keep:
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, 1 << 16)
    limits = job["limits"]
    settings = [
        ("RLIMIT_AS", limits["memory_bytes"]),
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_FSIZE", limits["output_bytes"]),
        ("RLIMIT_CORE", 0),
        ("RLIMIT_NOFILE", OPEN_FILES),
    ]
    if job.get("processes"):  # a uid of its own: the limit counts only the sandbox's processes
        settings.append(("RLIMIT_NPROC", job["processes"]))
    for name, value in settings:
        resource.setrlimit(getattr(resource, name), (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the output cap a write fails (EFBIG)
    sys.setrecursionlimit(10_000)
    read, write, exit_now, loads = os.read, os.write, os._exit, json.loads
    str_str, type_, str_t, int_t = str.__str__, type, str, int
    io_open, traceback_type = io.open, types.TracebackType
    sandbox = job["sandbox"]
    for module_name, names in UNAUDITED.items():
        module = sys.modules.get(module_name)
        for name in names:
            if module is not None and name in vars(module):
                delattr(module, name)
    set_trusted = (
        install_guard(sandbox, [sandbox, *job["stdlib_dirs"]]) if job.get("audit", True) else (lambda on: None)
    )

    nonce = [""]

    def answer(outcome):
        try:
            text = encode(outcome)
        except BaseException as exc:
            text = encode({"ok": False, "error": describe_error(exc)})
        write(answer_fd, (nonce[0] + " " + text + "\n").encode())

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

    modules, failed = {}, None
    for module in job["modules"]:
        try:
            modules[module] = __import__("micrograd." + module, fromlist=["_"])
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            failed = f"importing micrograd/{module}.py failed: {describe_error(exc)}"
            break
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = read(request_fd, 1 << 16)
            if not chunk:
                exit_now(0)
            buffer += chunk
        line, buffer = buffer.split(b"\n", 1)
        request = loads(line.decode())
        nonce[0] = request["n"]
        if failed is not None:
            answer({"ok": False, "error": failed})
        elif request["kind"] == "imports":
            answer({"ok": True, "value": None})
        else:
            try:
                answer({"ok": True, "value": registry[request["kind"]](modules, request["spec"])})
            except BaseException as exc:
                answer({"ok": False, "error": describe_error(exc)})
