"""The operating system's wall around student code: which level this machine gives, and how.

Three levels, strongest first; the grader uses the strongest the machine has
(`detect()`), and every results file says which one ran (`extra_data.isolation`):

- ``namespaces``: bubblewrap (`bwrap`) starts the sandbox in new mount, PID,
  network, IPC, UTS and cgroup namespaces (and a user namespace when the grader
  is not root), with `--die-with-parent`, in a new session. The sandbox sees a
  read-only view of only `/usr` (shared libraries), the interpreter and its
  standard library (site-packages masked), and the copied student files; its
  own `/proc`, `/dev` and a private `/tmp`. No network, no grader files, no
  environment. Its PID namespace dies with it, so nothing it started survives.
  As root, bwrap creates the namespaces and `setpriv` then drops to a
  dedicated unprivileged uid (one per concurrent grader process) with no
  capabilities and `no_new_privs`, so the student's code is not root outside
  the namespaces either.
- ``uid``: root without namespaces (a Docker container such as Gradescope's,
  whose seccomp profile refuses them): `setpriv` drops to a dedicated uid. The
  grader refuses this level while its own files are readable by other users;
  after every sandboxed process, every process of that uid is killed and
  every file it owns in the world-writable folders is deleted.
- ``none``: neither (not root, and no user namespaces): a process group and
  the in-process audit hook (PEP 578: not a sandbox). `make grade` warns; the
  grade-of-record paths refuse it unless the instructor passes
  `--allow-unisolated`.

Memory: the child's RLIMIT_AS does not count memory made by `memfd_create` or
written to a tmpfs, so where the grader can make one (root, or a delegated
cgroup) every sandbox runs in a memory cgroup of its own (`SandboxCgroup`):
cgroup v2 where the machine has its memory controller, else the v1 `memory`
and `pids` hierarchies. Its memory limit is the sandbox's, swap is off, and a
pids limit stops fork floods; the kernel's OOM killer then acts inside that
cgroup only. The sandbox's first process joins it before `exec` (a `sh`
wrapper), so everything it starts is inside; after the sandbox, every process
in it is killed and the cgroup removed. Where none can be made (not root, a
container without delegation) `memory_description()` says so, and results
record it in `extra_data.memory_limit`.
"""

from __future__ import annotations

import fcntl
import functools
import os
import shutil
import signal
import site
import stat
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("namespaces", "uid", "none")
# Dedicated uids for sandboxes when the grader is root: one per concurrent grader process.
UID_BASE = 62000
UID_SLOTS = 64
LOCK_DIR = Path("/run/micrograd-sandbox")  # root-only: sandboxed code cannot hold or fake a slot
WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock")
SANDBOX_MOUNT = "/sandbox"  # where the student's files appear inside a namespaces sandbox
TMP_BYTES = 64 << 20  # the private /tmp of a namespaces sandbox
ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
CGROUP_FS = Path("/sys/fs/cgroup")
CGROUP_PARENT = "micrograd-sandbox"  # every sandbox's cgroup is a child of this one
DEFAULT_MEMORY_BYTES = 1 << 30  # as runner.Limits: used when a caller does not say
DEFAULT_PROCESSES = 64
# Joins the cgroup folders given before "--", then becomes the sandbox's command.
_JOIN = 'for d; do [ "$d" = -- ] && break; echo $$ > "$d/cgroup.procs" || exit 125; shift; done; shift; exec "$@"'


class IsolationUnavailable(RuntimeError):
    """The level asked for cannot run on this machine (the message says why)."""


def interpreter() -> str:
    """The real interpreter behind this one (a venv's python is a link to it): the sandbox runs it with -I -S."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def stdlib_dirs() -> list[str]:
    """The standard library's folders: all a sandboxed interpreter may read besides the student's files."""
    paths = sysconfig.get_paths()
    dirs = {paths["stdlib"], paths["platstdlib"]}
    dirs |= {p for p in sys.path if p.endswith("lib-dynload") or p.endswith(".zip")}
    return sorted(os.path.realpath(d) for d in dirs if os.path.exists(d))


def _site_dirs() -> list[str]:
    """Every site-packages folder this grader could import from (torch, pytest, the grader's own needs)."""
    dirs = set(site.getsitepackages()) | {site.getusersitepackages()}
    dirs |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    return sorted({os.path.realpath(d) for d in dirs if os.path.isdir(d)})


def _readable_by_others(path: str) -> bool:
    """Whether a user that is neither owner nor group could read `path` (every folder above it searchable)."""
    parts = Path(os.path.realpath(path)).parts
    for i in range(1, len(parts) + 1):
        current = os.path.join(*parts[:i])
        try:
            mode = os.stat(current).st_mode
        except OSError:
            return False
        is_last = i == len(parts)
        if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH:
            return False
        if is_last and not mode & stat.S_IROTH:
            return False
    return True


def grader_paths() -> list[str]:
    """What sandboxed code must never read: the grader's package (hidden tests, references) and its venv."""
    package = Path(__file__).resolve().parent.parent
    return sorted({str(package), os.path.realpath(sys.prefix), *_site_dirs()})


# -- memory cgroups ---------------------------------------------------------------------------------


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _v2_mount() -> Path | None:
    """The cgroup v2 mount whose root offers the memory and pids controllers, if any."""
    for mount in (CGROUP_FS, CGROUP_FS / "unified"):
        try:
            controllers = (mount / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if {"memory", "pids"} <= set(controllers):
            return mount
    return None


def _v1_mounts() -> tuple[Path, Path] | None:
    memory, pids = CGROUP_FS / "memory", CGROUP_FS / "pids"
    if (memory / "memory.limit_in_bytes").exists() and (pids / "cgroup.procs").exists():
        return memory, pids
    return None


@dataclass(frozen=True)
class SandboxCgroup:
    """A sandbox's memory and pids cgroup: v2 (one folder) or v1 (a memory and a pids folder)."""

    version: int
    folders: tuple[Path, ...]

    @staticmethod
    def make(key: str, memory_bytes: int, processes: int) -> SandboxCgroup:
        """Create (or reset) the cgroup `key` with these limits; raises OSError where none can be made."""
        v2 = _v2_mount()
        if v2 is not None:
            parent = v2 / CGROUP_PARENT
            _write(v2 / "cgroup.subtree_control", "+memory +pids")
            parent.mkdir(exist_ok=True)
            _write(parent / "cgroup.subtree_control", "+memory +pids")
            group = SandboxCgroup(2, (parent / key,))
            group.folders[0].mkdir(exist_ok=True)
            group.kill()
            folder = group.folders[0]
            _write(folder / "memory.max", str(memory_bytes))
            if (folder / "memory.swap.max").exists():
                _write(folder / "memory.swap.max", "0")
            _write(folder / "memory.oom.group", "1")  # the OOM killer takes the whole sandbox
            _write(folder / "pids.max", str(processes))
            return group
        v1 = _v1_mounts()
        if v1 is None:
            raise OSError("this machine mounts no cgroup v2 memory controller and no v1 memory hierarchy")
        memory, pids = (m / CGROUP_PARENT / key for m in v1)
        for folder in (memory, pids):
            folder.mkdir(parents=True, exist_ok=True)
        group = SandboxCgroup(1, (memory, pids))
        group.kill()
        memsw = memory / "memory.memsw.limit_in_bytes"
        if memsw.exists():  # memsw >= limit at every step, whatever a reused cgroup held before
            _write(memsw, "-1")
        _write(memory / "memory.limit_in_bytes", str(memory_bytes))
        if memsw.exists():  # memory + swap = memory: no swap
            _write(memsw, str(memory_bytes))
        _write(memory / "memory.swappiness", "0")
        _write(pids / "pids.max", str(processes))
        return group

    def join_command(self) -> list[str]:
        """The prefix that puts the command that follows into this cgroup before it runs."""
        return ["/bin/sh", "-c", _JOIN, "sh", *map(str, self.folders), "--"]

    def processes(self) -> list[int]:
        found: set[int] = set()
        for folder in self.folders:
            try:
                found |= {int(p) for p in (folder / "cgroup.procs").read_text().split()}
            except OSError:
                continue
        return sorted(found)

    def kill(self, seconds: float = 5.0) -> None:
        """SIGKILL every process in the cgroup until none is left."""
        deadline = time.monotonic() + seconds
        if self.version == 2 and (self.folders[0] / "cgroup.kill").exists():
            try:
                _write(self.folders[0] / "cgroup.kill", "1")
            except OSError:
                pass
        while (pids := self.processes()) and time.monotonic() < deadline:
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        """Kill what is left in it, then remove its folders (dying processes take a moment to leave)."""
        self.kill()
        for folder in self.folders:
            for _ in range(100):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)

    def peak_bytes(self) -> int | None:
        """The most memory the cgroup used (None where the kernel does not say)."""
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((self.folders[0] / name).read_text())
        except (OSError, ValueError):
            return None

    def memory_events(self) -> str:
        """The OOM counters (v2 memory.events; v1 memory.oom_control), for tests and the benchmark."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            return (self.folders[0] / name).read_text()
        except OSError:
            return ""


def cgroup_key(uid: int | None) -> str:
    """This grader process's cgroup name: its sandbox uid (one grader process each), else its pid."""
    return f"uid-{uid}" if uid is not None else f"pid-{os.getpid()}"


_cgroups: dict[str, SandboxCgroup] = {}  # the live cgroup of each sandbox this process runs


def remove_cgroup_of(uid: int | None) -> None:
    """Remove the sandbox cgroup a grader process with this uid left behind (killed before its cleanup)."""
    key = cgroup_key(uid)
    found = [p for p in CGROUP_FS.glob(f"*/{CGROUP_PARENT}/{key}") if p.is_dir()]
    found += [p for p in CGROUP_FS.glob(f"{CGROUP_PARENT}/{key}") if p.is_dir()]
    if found:
        version = 1 if (found[0] / "tasks").exists() else 2
        SandboxCgroup(version, tuple(found)).remove()


@dataclass(frozen=True)
class Isolation:
    """How this grader process runs sandboxes: a level, and the dedicated uid when it has one.

    `cgroup`: None when each sandbox gets a memory cgroup, else why it cannot (see the module doc).
    """

    level: str
    uid: int | None = None
    python: str = ""
    cgroup: str | None = "not checked"

    def command(
        self, sandbox: Path, argv: list[str], memory_bytes: int | None = None, processes: int | None = None
    ) -> list[str]:
        """The command that runs `python argv` in `sandbox` at this level (cwd: see `cwd`).

        Where cgroups are available, this also creates the sandbox's memory cgroup
        (`memory_bytes`, `processes`), which `cleanup()` removes.
        """
        python = self.python or interpreter()
        if self.level == "namespaces":
            command = [*_bwrap(sandbox, self.uid), "--", *self._drop(), python, *argv]
        else:
            command = [*self._drop(), python, *argv]
        if self.cgroup is None and self.level != "none":
            key = cgroup_key(self.uid)
            group = SandboxCgroup.make(key, memory_bytes or DEFAULT_MEMORY_BYTES, processes or DEFAULT_PROCESSES)
            _cgroups[key] = group
            command = [*group.join_command(), *command]
        return command

    def memory_description(self) -> str:
        """What bounds a sandbox's memory here: its cgroup, or only the child's rlimits (and why)."""
        if self.cgroup is None:
            group = _cgroups.get(cgroup_key(self.uid))
            version = f"v{group.version}" if group else "v2" if _v2_mount() else "v1"
            return f"cgroup {version} per sandbox (memory limit, no swap, pids limit)"
        return f"rlimits only (no memory cgroup: {self.cgroup})"

    def cwd(self, sandbox: Path) -> str:
        return "/" if self.level == "namespaces" else str(sandbox)

    def sandbox_dir(self, sandbox: Path) -> str:
        """Where the sandboxed process sees the student's files."""
        return SANDBOX_MOUNT if self.level == "namespaces" else str(sandbox)

    def _drop(self) -> list[str]:
        if self.uid is None:
            return []
        return [
            shutil.which("setpriv") or "/usr/bin/setpriv",
            f"--reuid={self.uid}",
            f"--regid={self.uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
        ]

    def prepare(self, sandbox: Path) -> None:
        """Let the sandbox's uid (only it) read the student's files; nobody may write them."""
        for path in [sandbox, *sandbox.rglob("*")]:
            if self.uid is not None and os.geteuid() == 0:
                os.chown(path, 0, self.uid)
            os.chmod(path, 0o750 if path.is_dir() else 0o640)

    def cleanup(self) -> None:
        """Kill every process of the sandbox (its cgroup, its uid), delete its files in shared folders."""
        group = _cgroups.pop(cgroup_key(self.uid), None)
        if group is not None:
            group.remove()
        if self.uid is None:
            return
        kill_uid(self.uid)
        if self.level == "uid":  # in namespaces, its /tmp was private and is gone
            remove_files_of(self.uid)


def _bwrap(sandbox: Path, uid: int | None) -> list[str]:
    """bubblewrap's arguments: new namespaces, a read-only view of /usr, the interpreter and the sandbox."""
    cmd = [shutil.which("bwrap") or "bwrap"]
    if uid is None:  # not root: the user namespace is what lets bwrap make the others
        cmd += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
    cmd += [
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for top in ("/bin", "/lib", "/lib32", "/lib64", "/libx32", "/sbin"):
        if os.path.islink(top):
            cmd += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            cmd += ["--ro-bind", top, top]
    prefix = os.path.realpath(sys.base_prefix)
    if not prefix.startswith("/usr/") and prefix != "/usr":
        # Folders above the interpreter (e.g. /root, mode 700) are made searchable inside only.
        parents = Path(prefix).parents
        for parent in reversed(parents):
            if str(parent) != "/":
                cmd += ["--perms", "0755", "--dir", str(parent)]
        cmd += ["--ro-bind", prefix, prefix]
    # Installed packages (torch, the grader's own requirements) stay out of sight.
    for masked in _site_dirs():
        if masked.startswith(prefix + "/") or masked.startswith("/usr/"):
            cmd += ["--tmpfs", masked]
    if uid is not None:  # root: setpriv, run inside, needs these two to drop to the uid
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    cmd += [
        "--ro-bind",
        str(sandbox),
        SANDBOX_MOUNT,
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--perms",
        "1777",
        "--size",
        str(TMP_BYTES),
        "--tmpfs",
        "/tmp",
        "--clearenv",
        *[a for k, v in ENV.items() for a in ("--setenv", k, v)],
        "--chdir",
        SANDBOX_MOUNT,
    ]
    return cmd


# -- dedicated uids (root only) ------------------------------------------------------------------


_slot_lock: object = None  # the open lock file of this process's uid slot, held for its lifetime


def claim_uid() -> int:
    """A uid no other grader process on this machine uses: the first free slot, locked for this process."""
    global _slot_lock
    LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
    os.chmod(LOCK_DIR, 0o700)
    for slot in range(UID_SLOTS):
        uid = UID_BASE + slot
        handle = open(LOCK_DIR / f"uid-{uid}.lock", "w")  # noqa: SIM115 - held open: the lock lives with it
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _slot_lock = handle
        kill_uid(uid)  # whatever a grader that died left behind
        remove_files_of(uid)
        remove_cgroup_of(uid)
        return uid
    raise IsolationUnavailable(f"all {UID_SLOTS} sandbox uids are in use by other grader processes")


def processes_of(uid: int) -> list[int]:
    """PIDs of every process whose real uid is `uid`."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def kill_uid(uid: int, seconds: float = 5.0) -> None:
    """SIGKILL every process of `uid`, again and again, until none is left (a fork races the first kill)."""
    setpriv = shutil.which("setpriv")
    deadline = time.monotonic() + seconds
    while processes_of(uid) and time.monotonic() < deadline:
        if setpriv:  # `kill -1` as that uid: every process it may signal, i.e. exactly its own
            subprocess.run(
                [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--", "kill", "-KILL", "-1"],
                capture_output=True,
                timeout=10,
            )
        else:
            for pid in processes_of(uid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        time.sleep(0.01)


def remove_files_of(uid: int) -> None:
    """Delete what `uid` left in the machine's world-writable folders."""
    for top in WORLD_WRITABLE:
        if not os.path.isdir(top) or os.path.islink(top):
            continue
        for entry in list(os.scandir(top)):
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


# -- which level this machine gives ----------------------------------------------------------------


def _works(isolation: Isolation) -> str | None:
    """Run a trivial sandboxed interpreter at this level: None when it works, else why not."""
    probe = Path(os.environ.get("TMPDIR", "/tmp"), f"micrograd-isolation-check-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        isolation.prepare(probe)
        code = "import os, sys; print(os.getuid())"
        proc = subprocess.run(
            isolation.command(probe, ["-I", "-S", "-B", "-c", code]),
            cwd=isolation.cwd(probe),
            env=ENV,
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        shutil.rmtree(probe, ignore_errors=True)
        isolation.cleanup()
    if proc.returncode != 0:
        return ((proc.stderr or proc.stdout).strip() or f"exit status {proc.returncode}")[-300:]
    return None


def why_not_uid(uid: int | None) -> str | None:
    """Why the `uid` level cannot run here (None when it can)."""
    if os.geteuid() != 0 or uid is None:
        return "only root can drop to another uid"
    if not shutil.which("setpriv"):
        return "setpriv (util-linux) is not installed"
    readable = [p for p in grader_paths() if _readable_by_others(p)]
    if readable:
        return (
            "the grader's own files are readable by other users, so a sandbox uid could read the hidden "
            f"tests: run `chmod -R go-rwx {' '.join(readable)}` (Gradescope's run_autograder does)"
        )
    if not _readable_by_others(interpreter()):
        return f"the interpreter {interpreter()} is not readable by other users"
    return None


def why_no_cgroup(uid: int | None) -> str | None:
    """Why sandboxes cannot get a memory cgroup here (None when they can): made and removed once to see."""
    if os.environ.get("MICROGRAD_NO_CGROUP"):
        return "turned off by MICROGRAD_NO_CGROUP"
    try:
        SandboxCgroup.make(cgroup_key(uid) + "-check", DEFAULT_MEMORY_BYTES, DEFAULT_PROCESSES).remove()
    except OSError as exc:
        if isinstance(exc, PermissionError) or exc.errno in (30,):  # EROFS: a container's read-only cgroupfs
            return "the cgroup filesystem is not writable here (not root, or a container without delegation)"
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return None


@functools.cache
def detect(level: str | None = None) -> Isolation:
    """The strongest level this machine gives (or exactly `level`); raises IsolationUnavailable."""
    root = os.geteuid() == 0
    uid = claim_uid() if root else None
    no_cgroup = why_no_cgroup(uid)
    reasons = {}
    for candidate in LEVELS if level is None else (level,):
        if candidate == "namespaces":
            if not shutil.which("bwrap"):
                reasons[candidate] = "bubblewrap (bwrap) is not installed"
                continue
            isolation = Isolation("namespaces", uid, cgroup=no_cgroup)
            reasons[candidate] = _works(isolation)
        elif candidate == "uid":
            reasons[candidate] = why_not_uid(uid)
            isolation = Isolation("uid", uid, cgroup=no_cgroup)
            if reasons[candidate] is None:
                reasons[candidate] = _works(isolation)
        else:
            return Isolation("none", cgroup="no OS isolation")
        if reasons[candidate] is None:
            return isolation
    raise IsolationUnavailable("; ".join(f"{k}: {v}" for k, v in reasons.items()))


_requested: str | None = None  # the level asked for on the command line; None: the strongest available


def configure(level: str | None) -> None:
    """Ask for one level (`--isolation`), or for the strongest available (None)."""
    global _requested
    _requested = level


def current() -> Isolation:
    """The isolation this grader process uses (detected once, then cached)."""
    return detect(_requested)
