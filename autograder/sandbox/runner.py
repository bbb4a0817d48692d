"""Run probes on a student's code in a sandboxed process (grader side).

The student's files are copied into a fresh temporary folder (only
`micrograd/*.py`, regular files), beside the reference modules the graded part
runs on. A fresh interpreter runs child.py's supervisor there, inside the
operating system's wall (`isolation.py`: namespaces, or a dedicated uid); the
supervisor forks one worker per probe, with limits on time, memory, open files,
processes and output (child.py).

The grader sends one probe at a time, each tagged with a fresh random nonce,
and waits for the supervisor's message that carries that nonce: a probe's
inputs reach the sandbox only when it runs, and each probe's deadline is fixed
when it is sent. Every message and every answer in it is parsed with the caps of
`protocol.py`; nothing the student's code prints or writes reaches the results:
the grader judges the plain numbers that come back, in its own process, and
writes results after every sandboxed process is dead.

When a worker hangs, dies or answers too much, that probe fails with a clear
message and the other probes of the same test are skipped; the next test gets a
fresh worker: full credit for what still works. When the supervisor itself stops
answering (a student's process killed it), a new sandbox carries on.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.fingerprint import submitted_modules
from autograder.sandbox import isolation, protocol

HERE = Path(__file__).resolve().parent
REFERENCE_PACKAGE = HERE.parent / "reference" / "micrograd"
MAX_ERROR = 300  # characters of a sandbox error kept for the feedback
SUPERVISOR_MARGIN = 2.0  # seconds the supervisor may take beyond a probe's own time (fork, import)


def bootstrap_source() -> str:
    """The `-c` program: child.py's supervisor, given probes.py and protocol.py (see child.py)."""
    child = (HERE / "child.py").read_text()
    probes = (HERE / "probes.py").read_text()
    contract = (HERE / "protocol.py").read_text()
    return (
        "def _boot(child, probes, contract):\n"
        "    import builtins\n"
        "    namespace = {'__builtins__': dict(vars(builtins)), '__name__': 'grader_child'}\n"
        "    exec(compile(child, '<grader child>', 'exec'), namespace)\n"
        "    namespace['main'](probes, contract)\n"
        f"_boot({child!r}, {probes!r}, {contract!r})\n"
    )


@dataclass(frozen=True)
class Limits:
    """What one sandboxed process may use."""

    probe_seconds: float = 5.0  # one probe; the largest (training) takes well under 0.5 s
    import_seconds: float = 10.0
    part_seconds: float = 60.0  # all probes of a part, restarts included
    memory_bytes: int = 1 << 30
    output_bytes: int = 1 << 20  # what the student's code may print
    answer_bytes: int = 64 << 20  # what the supervisor may send back over the whole part
    processes: int = 64  # with a uid of its own: every process and thread of the sandbox
    audit_hook: bool = True  # the in-process second wall (off only in the kit's tests of the OS wall)


@dataclass(frozen=True)
class Probe:
    """One thing to compute with the student's code."""

    id: str
    test: str  # the test it belongs to: a failure skips that test's other probes
    kind: str
    spec: dict


@dataclass
class Outcome:
    """What came back for one probe: a value, or an error message for the feedback."""

    ok: bool
    value: object = None
    error: str = ""
    whole_part: bool = False  # the error stops every probe of the part (an import failed)


@dataclass
class PartRun:
    """The outcomes of every probe of one part, and whether its import failed."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    import_error: str | None = None


def prepare_sandbox(submission: Path, graded_module: str, reference_modules: tuple[str, ...]) -> Path:
    """A temporary folder holding `micrograd/`: the student's modules and the reference ones.

    Only regular `.py` files are copied (no links, nothing else of the
    repository); the reference modules replace the student's copies of them.
    """
    sandbox = Path(tempfile.mkdtemp(prefix="micrograd-sandbox-")).resolve()
    package = sandbox / "micrograd"
    package.mkdir()
    for name, data in submitted_modules(submission).items():
        (package / name).write_bytes(data)
    (package / "__init__.py").write_text("")
    for module in reference_modules:
        shutil.copyfile(REFERENCE_PACKAGE / f"{module}.py", package / f"{module}.py")
    return sandbox


def missing_module_error(sandbox: Path, graded_module: str) -> str | None:
    if not (sandbox / "micrograd" / f"{graded_module}.py").is_file():
        return f"micrograd/{graded_module}.py is missing from the submission"
    return None


def run_part(
    sandbox: Path,
    modules: list[str],
    probes: list[Probe],
    limits: Limits | None = None,
) -> PartRun:
    """Run `probes`, in order, with `modules` imported from the sandbox; restart after a crash or hang."""
    limits = limits or Limits()
    wall = isolation.current()
    wall.prepare(sandbox)
    run = PartRun()
    deadline = time.monotonic() + limits.part_seconds
    pending = list(probes)
    while pending:
        if time.monotonic() >= deadline:
            for p in pending:
                run.outcomes[p.id] = Outcome(False, error="not run: the time budget of this part ran out")
            break
        failed_test = _run_process(wall, sandbox, modules, pending, limits, deadline, run)
        if run.import_error is not None:
            for p in pending:
                run.outcomes.setdefault(p.id, Outcome(False, error=run.import_error, whole_part=True))
            break
        done = [p for p in pending if p.id in run.outcomes]
        pending = [p for p in pending if p.id not in run.outcomes]
        if failed_test is not None:
            # The process died or hung inside this test: its other checks are not run.
            for p in pending:
                if p.test == failed_test:
                    run.outcomes[p.id] = Outcome(False, error="not run: an earlier check of this test crashed")
            pending = [p for p in pending if p.test != failed_test]
        elif not done and pending:
            # No progress and no culprit: never loop.
            for p in pending:
                run.outcomes[p.id] = Outcome(False, error="not run: the sandbox stopped answering")
            break
    return run


class _Channel:
    """The answer pipe: JSON lines, read with deadlines, never trusted beyond their nonce."""

    def __init__(self, fd: int, proc: subprocess.Popen, limits: Limits) -> None:
        self.fd, self.proc, self.limits = fd, proc, limits
        self.buffer = b""
        self.received = 0
        self.closed = False
        self.overflow = False

    def wait_for(self, accept: object, deadline: float) -> dict | None:
        """The first message `accept(message)` takes before `deadline`; None on timeout, end or overflow."""
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                message = protocol.parse_message(line)
                if message is not None and accept(message):
                    return message
            if self.closed or self.overflow:
                return None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], min(remaining, 0.05))
            if not ready:
                if self.proc.poll() is not None and not select.select([self.fd], [], [], 0)[0]:
                    self.closed = True  # ended, and nothing more to read
                continue
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                self.closed = True
                continue
            self.received += len(chunk)
            self.buffer += chunk
            if self.received > self.limits.answer_bytes or len(self.buffer) > protocol.MAX_MESSAGE:
                self.overflow = True


def _run_process(
    wall: isolation.Isolation,
    sandbox: Path,
    modules: list[str],
    probes: list[Probe],
    limits: Limits,
    part_deadline: float,
    run: PartRun,
) -> str | None:
    """One sandbox (a supervisor and its workers) over `probes`. Return the test it stopped in, if it did."""
    answers_r, answers_w = os.pipe()
    requests_r, requests_w = os.pipe()
    output = tempfile.TemporaryFile()  # what the student's code prints: a capped sink, never read
    job = protocol.job(
        sandbox=wall.sandbox_dir(sandbox),
        stdlib_dirs=isolation.stdlib_dirs(),
        modules=modules,
        answer_fd=answers_w,
        audit=limits.audit_hook,
        processes=limits.processes if wall.uid is not None else None,
        limits={
            "memory_bytes": limits.memory_bytes,
            "cpu_seconds": math.ceil(max(limits.probe_seconds, limits.import_seconds)) + 1,
            "output_bytes": limits.output_bytes,
            "probe_seconds": limits.probe_seconds,
            "import_seconds": limits.import_seconds,
        },
    )
    try:
        proc = subprocess.Popen(
            wall.command(sandbox, ["-I", "-S", "-B", "-c", bootstrap_source()], limits.memory_bytes, limits.processes),
            stdin=requests_r,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=wall.cwd(sandbox),
            env=dict(isolation.ENV),  # no secrets, no PYTHON* settings
            pass_fds=(answers_w,),
            start_new_session=True,  # its own process group, killed as a whole
        )
    finally:
        os.close(answers_w)
        os.close(requests_r)
    channel = _Channel(answers_r, proc, limits)
    where = ", ".join(f"micrograd/{m}.py" for m in modules)
    try:
        _send(requests_w, job)
        message = channel.wait_for(
            lambda m: m.get("n") is None and "status" in m,
            min(time.monotonic() + limits.import_seconds + SUPERVISOR_MARGIN, part_deadline),
        )
        if message is None:
            if channel.closed:
                _kill(proc, wall)
                run.import_error = f"the sandbox ended (exit status {proc.returncode}) before any test could run"
            elif channel.overflow:
                run.import_error = f"importing {where} sent back too much data"
            else:
                run.import_error = f"importing {where} did not finish within {limits.import_seconds:.0f} s"
            return None
        imported = _outcome(message, limits)
        if not imported.ok:
            timed_out = message.get("status") == protocol.TIMEOUT
            run.import_error = (
                f"importing {where} did not finish within {limits.import_seconds:.0f} s"
                if timed_out
                else _cap(
                    imported.error.replace("the process ended", f"importing {where} ended the process", 1).replace(
                        " during this check", ""
                    )
                )
            )
            return None
        broken: set[str] = set()  # tests whose worker hung or died: their other probes are skipped
        for p in probes:
            if p.test in broken:
                run.outcomes[p.id] = Outcome(False, error="not run: an earlier check of this test crashed")
                continue
            nonce = secrets.token_hex(16)
            if not _send(requests_w, protocol.request(nonce, p.test, p.kind, p.spec)):
                run.outcomes[p.id] = _ended(proc, wall)
                return p.test
            answer = channel.wait_for(
                lambda m, nonce=nonce: m.get("n") == nonce,
                min(time.monotonic() + limits.probe_seconds + SUPERVISOR_MARGIN, part_deadline),
            )
            if answer is None:
                if channel.overflow:
                    run.outcomes[p.id] = Outcome(False, error="the sandbox sent back too much data")
                elif channel.closed:
                    run.outcomes[p.id] = _ended(proc, wall)
                else:
                    run.outcomes[p.id] = Outcome(False, error=f"timed out: no answer within {limits.probe_seconds:g} s")
                return p.test
            run.outcomes[p.id] = _outcome(answer, limits)
            if answer.get("status") != protocol.ANSWERED:
                broken.add(p.test)
        return None
    finally:
        os.close(requests_w)
        os.close(answers_r)
        _kill(proc, wall)
        output.close()


def _outcome(message: dict, limits: Limits) -> Outcome:
    """What the supervisor said about one worker, as an Outcome (the worker's answer parsed with caps)."""
    status = message.get("status")
    if status == protocol.ANSWERED:
        try:
            ok, value = protocol.parse_answer(message.get("answer"))
        except protocol.BadAnswer as exc:
            return Outcome(False, error=f"the sandbox's answer could not be read: {exc}")
        return Outcome(True, value=value) if ok else Outcome(False, error=_cap(value))
    if status == protocol.TIMEOUT:
        return Outcome(False, error=f"timed out: no answer within {limits.probe_seconds:g} s")
    if status == protocol.TOO_BIG:
        return Outcome(False, error="the sandbox sent back too much data")
    code = message.get("exit")
    code = code if isinstance(code, int) and not isinstance(code, bool) else "unknown"
    return Outcome(False, error=f"the process ended (exit status {code}) during this check")


def _send(fd: int, message: dict) -> bool:
    """Write one request line; False when the process is gone (or stopped reading)."""
    data = (json.dumps(message) + "\n").encode()
    try:
        while data:
            _, ready, _ = select.select([], [fd], [], 5.0)
            if not ready:
                return False
            data = data[os.write(fd, data[: 1 << 16]) :]
    except (BrokenPipeError, OSError):
        return False
    return True


def _ended(proc: subprocess.Popen, wall: isolation.Isolation) -> Outcome:
    _kill(proc, wall)
    return Outcome(False, error=f"the process ended (exit status {proc.returncode}) during this check")


def _cap(text: str) -> str:
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR] + "..."


def _kill(proc: subprocess.Popen, wall: isolation.Isolation) -> None:
    """Kill the sandbox and everything it started (the PID namespace, the uid, the process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # bwrap's PID namespace dies with it (--die-with-parent)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    wall.cleanup()
