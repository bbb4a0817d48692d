"""The program that runs inside the sandbox, around the student's code.

It is never imported by the grader: `runner.py` starts it as
`python -I -S -B -c <this file's text>` in a temporary copy of the submission.
`-I -S` leave site-packages (torch, numpy, the grader itself) off `sys.path`.
Before any student code runs it installs an audit hook (PEP 578), which no
Python code can remove, that refuses:

- reading any file outside the sandbox folder and the standard library, and
  writing any file at all (so the grader's files, the reference of an open
  assignment and the results file are out of reach);
- importing torch, numpy or another numerical library, ctypes, subprocess or
  sockets; starting processes, signalling other processes, raising limits,
  tracing, walking the garbage collector, replacing a function's code.

It reads its job (the sandbox path, the modules to import and the probes) as
JSON on stdin and writes one JSON line per probe to the result pipe: plain
numbers and names only. The grader decides what they are worth.
"""

import errno
import json
import os
import resource
import signal
import sys
import traceback

# Extra kinds of probe are registered by the probe modules of each assignment:
# the grader appends their source after this file's text (see runner.py).
PROBES = {}


def probe(kind):
    def register(fn):
        PROBES[kind] = fn
        return fn

    return register


def install_guard(sandbox, stdlib_dirs):
    """Install the audit hook. Everything it uses is bound here, as local names.

    Student code that later replaces module attributes (os.fspath, str methods
    cannot be replaced) therefore cannot change what the hook decides.
    """
    blocked_modules = frozenset(
        """torch numpy jax jaxlib tensorflow autograd tinygrad mxnet scipy sympy mpmath
        pandas cupy numba ctypes _ctypes cffi _cffi_backend subprocess _posixsubprocess
        multiprocessing _multiprocessing socket _socket ssl _ssl asyncio select selectors
        mmap pty fcntl termios pip site sitecustomize usercustomize _pytest pytest""".split()
    )
    denied_events = frozenset(
        """subprocess.Popen os.system os.exec os.posix_spawn os.spawn os.fork os.forkpty
        os.kill os.killpg signal.pthread_kill os.chdir os.fchdir os.chroot os.symlink os.link
        os.rename os.remove os.rmdir os.mkdir os.chmod os.chown os.truncate os.utime os.putenv
        os.unsetenv os.startfile os.add_dll_directory resource.setrlimit resource.prlimit
        sys.settrace sys.setprofile sys._setprofileallthreads sys._settraceallthreads
        gc.get_objects gc.get_referrers gc.get_referents ctypes.dlopen ctypes.dlsym
        ctypes.cdata ctypes.addressof socket.__new__ socket.connect socket.bind
        socket.getaddrinfo shutil.copyfile shutil.rmtree shutil.move webbrowser.open
        pdb.Pdb code.interact cpython.run_command cpython.run_file cpython.run_module
        cpython.run_startup cpython.run_interactivehook""".split()
    )
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
    roots = (sandbox,) + tuple(stdlib_dirs)
    str_type, bytes_type, int_type = str, bytes, int

    def normal(path):
        # A pure-string normalisation: no os.path, which student code could patch.
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
        if type(path) is bytes_type:
            path = path.decode("utf-8", "surrogateescape")
        if type(path) is not str_type:
            return False  # a PathLike could answer differently when opened
        full, parts = normal(path)
        if "site-packages" in parts or "dist-packages" in parts:
            return False
        for root in roots:
            if full == root or full.startswith(root + "/"):
                return True
        return False

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if type(path) is int_type:
                return
            if (mode is not None and any(c in mode for c in "wax+")) or (flags or 0) & write_flags:
                raise PermissionError(f"the grader's sandbox does not allow writing files ({path!r})")
            if not readable(path):
                raise PermissionError(f"the grader's sandbox does not allow reading {path!r}")
        elif event == "os.listdir" or event == "os.scandir":
            path = args[0]
            if path is not None and type(path) is not int_type and not readable(path):
                raise PermissionError(f"the grader's sandbox does not allow listing {path!r}")
        elif event == "import":
            name = args[0]
            if type(name) is str_type and name.split(".")[0] in blocked_modules:
                raise ImportError(f"importing {name!r} is not allowed: write the engine with the standard library")
        elif event == "object.__setattr__":
            if len(args) > 1 and args[1] == "__code__":
                raise PermissionError("replacing a function's code is not allowed in the sandbox")
        elif event in denied_events:
            raise PermissionError(f"{event} is not allowed in the grader's sandbox")

    sys.addaudithook(hook)


def number(x, what):
    """A plain float from a student's number, or a clear error."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{what} is {type(x).__name__} {x!r:.60}, not a number")
    value = float(x)
    if type(value) is not float:  # a __float__ that returns something odd
        raise TypeError(f"{what} is not a plain number")
    return value


def describe_error(exc):
    """One line for the feedback: the exception and the student's line that raised it."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    for frame in reversed(frames):
        if frame.filename.startswith("micrograd/") or "/micrograd/" in frame.filename:
            name = frame.filename.split("micrograd/")[-1]
            where = f" (micrograd/{name}, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()})"
            break
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, NotImplementedError) and not str(exc):
        text = "NotImplementedError: this part is still a stub"
    elif isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        text = "OSError: the code printed more output than the grader allows (1 MiB)"
    if len(text) > 300:
        text = text[:300] + "..."
    return text + where


def main():
    job = json.loads(sys.stdin.read())
    out_fd = job["result_fd"]
    limits = job["limits"]

    def emit(message):
        os.write(out_fd, (json.dumps(message) + "\n").encode())

    # Limits first, hard ones included: the hook then refuses resource.setrlimit.
    for name, value in (
        ("RLIMIT_AS", limits["memory_bytes"]),
        ("RLIMIT_CPU", limits["cpu_seconds"]),
        ("RLIMIT_FSIZE", limits["output_bytes"]),
        ("RLIMIT_CORE", 0),
    ):
        resource.setrlimit(getattr(resource, name), (value, value))
    # Past the output cap a write fails (EFBIG) instead of killing the process.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    sys.setrecursionlimit(10_000)
    sandbox = job["sandbox"]
    os.chdir(sandbox)
    sys.path.insert(0, sandbox)
    install_guard(sandbox, job["stdlib_dirs"])

    modules = {}
    for module in job["modules"]:
        try:
            modules[module] = __import__("micrograd." + module, fromlist=["_"])
        except BaseException as exc:  # SystemExit and KeyboardInterrupt included
            emit({"event": "import_error", "module": module, "error": describe_error(exc)})
            os._exit(0)
    emit({"event": "imported"})

    for item in job["probes"]:
        try:
            value = PROBES[item["kind"]](modules, item["spec"])
            emit({"id": item["id"], "ok": True, "value": value})
        except BaseException as exc:
            emit({"id": item["id"], "ok": False, "error": describe_error(exc)})
    os._exit(0)
