"""`grade-all --scheduler tcp://HOST:PORT`: grade a folder's submissions on a Dask distributed cluster.

Everything Dask-specific is here; `batch.grade_all` chooses this runner or
its local pool and writes results, feedback and the gradebook the same way
for both.

No shared filesystem: each task carries one submission's files (name ->
bytes, read here by `read_submission`, the same set the fingerprint covers)
and returns its results dict. The worker writes the files into a private
temporary folder, grades them with the same `grade()` as a local run, and
deletes the folder: same files -> same fingerprint -> same inputs -> same
results, whichever machine graded them.

The grade of record's rules on every worker: the task says which isolation
level is required, and a worker that cannot give exactly that level (no
bubblewrap, say) grades nothing and returns a grader-error row naming itself.
Every sandbox dies with the task (grade() kills them), and a task sees only
its own files.

Faults: a worker that dies mid-task has its task rescheduled by Dask; a task
that killed KILLS_ALLOWED + 1 workers fails with KilledWorker and becomes a
grader-error row. The parent's watchdog gives each task `budget` seconds from
the moment a worker reports that it started it (plus a warm-up allowance on a
worker's first task): past that, the row is a grader error and that worker is
restarted by its nanny. A scheduler that goes away ends the run with
`SchedulerLost`; every result received so far has already been written.
"""

from __future__ import annotations

import collections
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from autograder import fingerprint as fingerprint_module
from autograder.assignments import ASSIGNMENTS
from autograder.batch import WARM_UP_SECONDS, GradeAllRefused
from autograder.fingerprint import Submission
from autograder.grade import NO_ISOLATION, grade, grader_error_results, refused_results
from autograder.sandbox import isolation
from autograder.sandbox.runner import Limits

KILLS_ALLOWED = 1  # the scheduler's allowed-failures: a submission that kills two workers is a grader error
STARTED_TOPIC = "micrograd-grading-started"  # a worker's event when it starts a task: the watchdog's clock
CONNECT_SECONDS = 30.0
NO_WORKER_SECONDS = WARM_UP_SECONDS  # how long a run waits with no worker at all before it gives up
RESTART_SECONDS = 120.0  # a nanny's restart of a worker whose task overran
TASKS_PER_THREAD = 4  # tasks in flight per worker thread: workers never starve, the parent holds few files


class SchedulerLost(GradeAllRefused):
    """The cluster went away mid-run (the message says what was kept and what to do)."""


def read_submission(student: Path) -> Submission:
    """What a task carries: the submission as the fingerprint reads it, with its caps (files inside `micrograd/`).

    A submission refused by a cap travels as its refusal, so the worker writes the same
    "not graded: ..." results as one machine does, and reads nothing more.
    """
    return fingerprint_module.read_submission(student)


def required_level(requested: str | None, allow_unisolated: bool) -> str:
    """The isolation every worker must give: the one asked for (`--isolation`), else namespaces (bubblewrap)."""
    level = requested or "namespaces"
    if level == "none" and not allow_unisolated:
        raise GradeAllRefused(NO_ISOLATION)
    return level


# -- what runs on a worker -------------------------------------------------------------------------


def grade_files(files: Submission | dict[str, bytes], assignment: str, limits: Limits, level: str) -> dict:
    """A task: grade one submission's files at exactly `level` on this worker; never raises."""
    from distributed import get_worker

    worker = get_worker()
    worker.log_event(STARTED_TOPIC, {"key": worker.get_current_task(), "worker": worker.address})
    # In the worker's own scratch space: Dask deletes it, also after a worker that was killed (on the next start).
    return grade_here(files, assignment, limits, level, worker.address, scratch=worker.local_directory)


def grade_here(
    files: Submission | dict[str, bytes],
    assignment: str,
    limits: Limits,
    level: str,
    worker: str,
    scratch: str | None = None,
) -> dict:
    """Grade `files` in this process at exactly `level`, in a private folder deleted after; results name `worker`."""
    start = time.perf_counter()
    read = files if isinstance(files, Submission) else Submission(files=dict(files))
    files = read.files
    extra = {"fingerprint": read.fingerprint}
    if read.unreadable or read.refused:
        results = (
            grader_error_results(assignment, read.unreadable, extra, start)
            if read.unreadable
            else refused_results(ASSIGNMENTS[assignment], read.refused, extra, time.perf_counter() - start)
        )
        results.setdefault("extra_data", {})["worker"] = worker
        return results
    try:
        isolation.configure(level)  # one task at a time per worker process (--nthreads 1)
        isolation.current()
    except isolation.IsolationUnavailable as exc:
        results = grader_error_results(
            assignment, f"the worker {worker} cannot isolate at level {level!r} ({exc})", extra, start
        )
    else:
        folder = Path(tempfile.mkdtemp(prefix="micrograd-task-", dir=scratch))
        try:
            package = folder / "micrograd"
            package.mkdir()
            for name, data in files.items():
                if Path(name).name != name or name.startswith("."):
                    raise ValueError(f"a submitted file name that is not a plain name: {name!r}")
                (package / name).write_bytes(data)
            results = grade(folder, assignment, limits)
            if read.skipped:  # what the parent's read left out, as one machine's results say it
                results.setdefault("extra_data", {})["skipped"] = list(read.skipped)
        except Exception as exc:  # a grader bug must not kill the task: record it, go on
            results = grader_error_results(assignment, f"{type(exc).__name__}: {exc}", extra, start)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    results.setdefault("extra_data", {})["worker"] = worker
    return results


def _allow_failures(dask_scheduler, n: int) -> int:  # noqa: ANN001 - run on the scheduler by Dask
    dask_scheduler.allowed_failures = n
    return n


# -- the parent --------------------------------------------------------------------------------------


class ClusterPool:
    """Grades (student, assignment) jobs on the cluster at `address`; yields (student, results) as they finish."""

    def __init__(self, address: str, limits: Limits, level: str, budget: float) -> None:
        self.address, self.limits, self.level, self.budget = address, limits, level, budget
        self.workers: set[str] = set()  # every worker that returned a result
        self._started: dict[str, tuple[float, str]] = {}  # task key -> (when the parent heard, worker)
        self._warm: set[str] = set()  # workers that have started a task before (torch is imported)
        self._lock = threading.Lock()

    def _on_started(self, event: tuple) -> None:
        _, msg = event
        with self._lock:
            self._started[msg["key"]] = (time.monotonic(), msg["worker"])

    def _deadline(self, key: str) -> float | None:
        with self._lock:
            if key not in self._started:
                return None  # not started yet (queued): no clock
            since, worker = self._started[key]
            first = worker not in self._warm
        return since + self.budget + (WARM_UP_SECONDS if first else 0.0)

    def run(self, jobs: list[tuple[Path, str]]) -> Iterator[tuple[Path, dict]]:
        from distributed import Client

        try:
            client = Client(self.address, timeout=CONNECT_SECONDS, set_as_default=False)
        except OSError as exc:
            raise GradeAllRefused(f"cannot reach the Dask scheduler at {self.address}: {exc}") from exc
        try:
            try:
                client.run_on_scheduler(_allow_failures, n=KILLS_ALLOWED)
            except Exception:  # noqa: BLE001 - an older scheduler without our module: its own setting stands
                pass
            client.subscribe_topic(STARTED_TOPIC, self._on_started)
            yield from self._run(client, jobs)
        except SchedulerLost:
            logging.getLogger("distributed.client").setLevel(logging.CRITICAL)  # its reconnect's tracebacks
            raise
        finally:
            client.close(timeout=10)

    def _submit(self, client, student: Path, name: str):  # noqa: ANN001, ANN202 - a Client, a Future
        files = read_submission(student)
        key = f"grade-{uuid.uuid4().hex}"  # never merged with another student's identical files
        return client.submit(grade_files, files, name, self.limits, self.level, key=key, pure=False)

    def _run(self, client, jobs: list[tuple[Path, str]]) -> Iterator[tuple[Path, dict]]:  # noqa: ANN001
        from distributed import as_completed

        queue = collections.deque(jobs)
        pending: dict = {}  # future -> (student, assignment)
        done = as_completed([], loop=client.loop, with_results=False)
        last_worker_seen = checked = time.monotonic()
        threads = self._threads(client)
        while queue or pending:
            if client.status not in ("running", "connecting"):
                raise self._lost(len(queue) + len(pending))
            if time.monotonic() - checked > 1.0:  # an RPC: once a second is enough
                threads, checked = self._threads(client), time.monotonic()
            if threads:
                last_worker_seen = time.monotonic()
            elif time.monotonic() - last_worker_seen > NO_WORKER_SECONDS:
                raise SchedulerLost(
                    f"no Dask worker has been connected to {self.address} for {NO_WORKER_SECONDS:.0f} s: "
                    f"{len(queue) + len(pending)} submissions were not graded; start workers and rerun "
                    "(what was graded is kept)"
                )
            while queue and len(pending) < max(threads, 1) * TASKS_PER_THREAD:
                student, name = queue.popleft()
                future = self._submit(client, student, name)
                pending[future] = (student, name)
                done.add(future)
            finished = done.next_batch(block=False) if done.has_ready() else []
            for future in finished:
                if future not in pending:
                    continue  # a future the watchdog has already given up on
                if future.cancelled():  # only the client cancels: it lost the scheduler (ours left `pending`)
                    raise self._lost(len(queue) + len(pending))
                student, name = pending.pop(future)
                yield student, self._outcome(future, name)
            for future, (student, name) in list(pending.items()):
                deadline = self._deadline(future.key)
                if deadline is not None and time.monotonic() > deadline:
                    del pending[future]
                    yield student, self._overran(client, future, name)
            if not finished:
                time.sleep(0.1)

    def _outcome(self, future, name: str) -> dict:  # noqa: ANN001 - a Future
        from distributed import KilledWorker

        key = future.key
        with self._lock:
            started = self._started.pop(key, None)
        try:
            results = future.result()
        except KilledWorker as exc:
            return self._error(
                name,
                f"the submission's task ended the worker process {exc.allowed_failures + 1} times",
                exc.last_worker.address,
            )
        except Exception as exc:  # noqa: BLE001 - a lost or cancelled task: the row says so
            return self._error(
                name, f"the cluster could not grade it ({type(exc).__name__}: {exc})", started[1] if started else ""
            )
        worker = results.get("extra_data", {}).get("worker") or (started[1] if started else "")
        with self._lock:
            self.workers.add(worker)
            self._warm.add(worker)
        return results

    def _overran(self, client, future, name: str) -> dict:  # noqa: ANN001 - a Client, a Future
        with self._lock:
            _, worker = self._started.pop(future.key)
        future.cancel()
        try:  # only a nanny can restart its worker; without one the hung thread stays until the worker is stopped
            client.restart_workers([worker], timeout=RESTART_SECONDS, raise_for_error=False)
        except Exception:  # noqa: BLE001 - the row below says what happened either way
            pass
        with self._lock:
            self._warm.discard(worker)
            self.workers.add(worker)  # it took part: its row names it
        return self._error(name, f"grading took longer than {self.budget:g} s; the worker was restarted", worker)

    @staticmethod
    def _threads(client) -> int:  # noqa: ANN001 - a Client
        try:
            return sum(client.nthreads().values())
        except Exception:  # noqa: BLE001 - a scheduler that is gone: the status check says so
            return 0

    def _lost(self, left: int) -> SchedulerLost:
        return SchedulerLost(
            f"the Dask scheduler at {self.address} went away: {left} submissions were not "
            "graded; what was graded is kept in results/ and the next run grades only what is missing"
        )

    @staticmethod
    def _error(name: str, message: str, worker: str) -> dict:
        why = f"{message} (worker {worker or 'unknown'}); it will be regraded on the next run"
        return grader_error_results(name, why, {"worker": worker}, time.perf_counter())
