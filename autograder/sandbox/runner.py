"""Run probes on a student's code in a separate, limited process (grader side).

The student's files are copied into a fresh temporary folder (only
`micrograd/*.py`, regular files), beside the reference modules the graded part
runs on. A fresh `python -I -S -B` runs child.py there, with limits on time
(per probe and per part), memory and output. Its answers come back as JSON
lines on a pipe; nothing it prints or writes reaches the results, which the
grader writes after the process has ended.

When the process hangs or dies during a probe, that probe fails with a clear
message, the other probes of the same test are skipped, and a new process
carries on with the next test: full credit for what still works.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.fingerprint import submitted_modules

HERE = Path(__file__).resolve().parent
REFERENCE_PACKAGE = HERE.parent / "reference" / "micrograd"
CHILD_SOURCE = (HERE / "child.py").read_text() + "\n" + (HERE / "probes.py").read_text() + "\nmain()\n"


@dataclass(frozen=True)
class Limits:
    """What one sandboxed process may use."""

    probe_seconds: float = 5.0  # one probe; the largest (training) takes well under 0.5 s
    import_seconds: float = 10.0
    part_seconds: float = 60.0  # all probes of a part, restarts included
    memory_bytes: int = 1 << 30
    output_bytes: int = 1 << 20  # what the student's code may print
    answer_bytes: int = 8 << 20  # what the process may send back


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


def stdlib_dirs() -> list[str]:
    paths = sysconfig.get_paths()
    dirs = {paths["stdlib"], paths["platstdlib"]}
    dirs |= {p for p in sys.path if p.endswith("lib-dynload") or p.endswith(".zip")}
    return sorted(os.path.realpath(d) for d in dirs)


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
    os.chmod(sandbox, 0o755)
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
    """Run `probes` with `modules` imported from the sandbox; restart after a crash or hang."""
    limits = limits or Limits()
    run = PartRun()
    deadline = time.monotonic() + limits.part_seconds
    pending = list(probes)
    while pending:
        if time.monotonic() >= deadline:
            for p in pending:
                run.outcomes[p.id] = Outcome(False, error="not run: the time budget of this part ran out")
            break
        failed_test = _run_process(sandbox, modules, pending, limits, deadline, run)
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


def _run_process(
    sandbox: Path,
    modules: list[str],
    probes: list[Probe],
    limits: Limits,
    part_deadline: float,
    run: PartRun,
) -> str | None:
    """One sandboxed process over `probes`. Return the test it crashed in, if it did."""
    read_fd, write_fd = os.pipe()
    output = tempfile.TemporaryFile()
    job = {
        "sandbox": str(sandbox),
        "stdlib_dirs": stdlib_dirs(),
        "modules": modules,
        "result_fd": write_fd,
        "limits": {
            "memory_bytes": limits.memory_bytes,
            "cpu_seconds": int(limits.part_seconds) + 5,
            "output_bytes": limits.output_bytes,
        },
        "probes": [{"id": p.id, "kind": p.kind, "spec": p.spec} for p in probes],
    }
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", "-B", "-c", CHILD_SOURCE],
        stdin=subprocess.PIPE,
        stdout=output,
        stderr=subprocess.STDOUT,
        cwd=sandbox,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},  # no secrets, no PYTHON* settings
        pass_fds=(write_fd,),
        start_new_session=True,  # its own process group, killed as a whole
    )
    os.close(write_fd)
    by_id = {p.id: p for p in probes}
    current = 0  # index of the probe being computed
    received = 0
    buffer = b""
    imported = False
    crashed_test = None
    try:
        proc.stdin.write(json.dumps(job).encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    step_deadline = time.monotonic() + limits.import_seconds
    try:
        while True:
            timeout = min(step_deadline, part_deadline) - time.monotonic()
            if timeout <= 0:
                where = _describe_position(imported, probes, current, modules)
                if not imported:
                    run.import_error = f"importing {where} did not finish within {limits.import_seconds:.0f} s"
                else:
                    run.outcomes[probes[current].id] = Outcome(
                        False, error=f"timed out: no answer within {limits.probe_seconds:.0f} s"
                    )
                    crashed_test = probes[current].test
                return crashed_test
            ready, _, _ = select.select([read_fd], [], [], timeout)
            if not ready:
                continue
            chunk = os.read(read_fd, 1 << 16)
            if not chunk:  # the process ended
                break
            received += len(chunk)
            if received > limits.answer_bytes:
                run.outcomes[probes[current].id] = Outcome(False, error="the sandbox sent back too much data")
                return probes[current].test
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                message = _parse(line)
                if message is None:
                    continue
                if message.get("event") == "imported":
                    imported = True
                elif message.get("event") == "import_error":
                    run.import_error = f"importing micrograd/{message.get('module')}.py failed: {message.get('error')}"
                    return None
                elif message.get("id") in by_id and message["id"] not in run.outcomes:
                    run.outcomes[message["id"]] = (
                        Outcome(True, value=message.get("value"))
                        if message.get("ok") is True
                        else Outcome(False, error=str(message.get("error"))[:600])
                    )
                while current < len(probes) and probes[current].id in run.outcomes:
                    current += 1
                step_deadline = time.monotonic() + limits.probe_seconds
        try:  # the pipe is closed: the process has ended, or is about to (or closed it itself)
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            _kill(proc)
        if not imported and run.import_error is None:
            run.import_error = (
                f"importing {', '.join('micrograd/' + m + '.py' for m in modules)} ended the process "
                f"(exit status {proc.returncode}) before any test could run"
            )
            return None
        if current < len(probes):
            run.outcomes[probes[current].id] = Outcome(
                False, error=f"the process ended (exit status {proc.returncode}) during this check"
            )
            return probes[current].test
        return None
    finally:
        os.close(read_fd)
        _kill(proc)
        output.close()  # what the student's code printed: a capped sink, never part of the results


def _describe_position(imported: bool, probes: list[Probe], current: int, modules: list[str]) -> str:
    if not imported:
        return ", ".join(f"micrograd/{m}.py" for m in modules)
    return probes[current].id


def _parse(line: bytes) -> dict | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
