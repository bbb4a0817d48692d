"""The operating system's wall on its own: sandboxes run code with no audit hook at all, and it must hold.

Each test runs a small program in a sandbox exactly as the grader starts one
(`Isolation.command`), but with nothing of the in-process second wall, and
checks what it could see and do. On a machine without bubblewrap the
namespaces tests are skipped; CI installs it (`make system-deps`).
"""

import ast
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from autograder.sandbox import isolation

ROOT = Path(__file__).resolve().parent.parent
needs_bwrap = pytest.mark.skipif(not shutil.which("bwrap"), reason="bubblewrap is not installed")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="a dedicated uid needs root")


def run_inside(wall, code, tmp_path, timeout=30, files=None):
    """Run `code` with the sandbox's interpreter in a sandbox holding `files`; return (stdout, returncode)."""
    sandbox = tmp_path / "sandbox"
    (sandbox / "micrograd").mkdir(parents=True, exist_ok=True)
    for name, text in (files or {"engine.py": "x = 1\n"}).items():
        (sandbox / "micrograd" / name).write_text(text)
    wall.prepare(sandbox)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    # Files, as the grader uses: a process left behind cannot keep a pipe (and this test) open.
    with out.open("w") as stdout, err.open("w") as stderr:
        proc = subprocess.run(
            wall.command(sandbox, ["-I", "-S", "-B", "-c", code]),
            cwd=wall.cwd(sandbox),
            env=dict(isolation.ENV),
            stdout=stdout,
            stderr=stderr,
            timeout=timeout,
        )
    wall.cleanup()
    return out.read_text(), proc.returncode, err.read_text()


PROBE_THE_WALLS = r"""
import json, os, signal, socket
seen = {}
def attempt(name, fn):
    try:
        seen[name] = ["ok", str(fn())[:200]]
    except BaseException as e:
        seen[name] = [type(e).__name__, str(e)[:200]]
seen["uid"] = os.getuid()
seen["env"] = sorted(os.environ)
attempt("list_root", lambda: sorted(os.listdir("/")))
attempt("read_hidden_test", lambda: open(HIDDEN).read())
attempt("list_project", lambda: os.listdir(PROJECT))
attempt("read_reference_nn", lambda: open(REFERENCE).read())
attempt("torch_site_packages", lambda: os.listdir(SITE))
attempt("write_sandbox", lambda: open("/sandbox/micrograd/engine.py", "w").write("forged"))
attempt("write_tmp", lambda: open("/tmp/left-behind", "w").write("x"))
attempt("connect_host", lambda: socket.create_connection(("127.0.0.1", PORT), timeout=1))
attempt("kill_pid_1", lambda: os.kill(1, signal.SIGKILL))
attempt("pidfd_grader", lambda: signal.pidfd_send_signal(os.pidfd_open(GRADER), signal.SIGSTOP))
attempt("processes", lambda: sorted(p for p in os.listdir("/proc") if p.isdigit()))
attempt("grader_environ", lambda: open(f"/proc/{GRADER}/environ").read())
print(json.dumps(seen))
"""


@needs_bwrap
def test_this_machine_gives_namespaces():
    assert isolation.current().level == "namespaces"


@needs_bwrap
def test_inside_namespaces_nothing_of_the_grader_is_visible_or_reachable(tmp_path, monkeypatch):
    monkeypatch.setenv("MICROGRAD_TEST_SECRET", "do-not-leak-7e1f")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    import torch

    site = str(Path(torch.__file__).parent.parent)  # where the grader's torch is installed
    code = (
        f"HIDDEN={str(ROOT / 'autograder/tests/engine/test_ops.py')!r}; PROJECT={str(ROOT)!r}; "
        f"REFERENCE={str(ROOT / 'autograder/reference/micrograd/nn.py')!r}; SITE={site!r}; "
        f"PORT={listener.getsockname()[1]}; GRADER={os.getpid()}\n" + PROBE_THE_WALLS
    )
    out, code_, err = run_inside(isolation.current(), code, tmp_path)
    listener.close()
    assert code_ == 0, err
    seen = json.loads(out)
    assert "do-not-leak-7e1f" not in out
    assert set(seen["env"]) <= {*isolation.ENV, "PWD"}
    visible = set(ast.literal_eval(seen["list_root"][1]))
    assert visible <= {"bin", "dev", "lib", "lib32", "lib64", "libx32", "proc", "root", "sandbox", "sbin", "tmp", "usr"}
    for denied in (
        "read_hidden_test",
        "list_project",
        "read_reference_nn",
        "write_sandbox",
        "connect_host",
        "kill_pid_1",
        "pidfd_grader",
        "grader_environ",
    ):
        assert seen[denied][0] != "ok", (denied, seen[denied])
    assert seen["torch_site_packages"][0] != "ok" or seen["torch_site_packages"][1] == "[]"  # absent, or masked
    assert seen["processes"][0] == "ok" and len(ast.literal_eval(seen["processes"][1])) <= 3  # its own PID namespace
    assert seen["write_tmp"][0] == "ok" and not Path("/tmp/left-behind").exists()  # a private /tmp
    if os.geteuid() == 0:
        assert seen["uid"] == isolation.current().uid  # root outside: a dedicated unprivileged uid inside


SURVIVOR = r"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(50):
            time.sleep(0.1)
            try:
                open(TARGET, "w").write("written after the sandbox ended")
            except OSError:
                pass
        os._exit(0)
    os._exit(0)
print(os.getpid())
"""


@needs_bwrap
def test_a_process_in_a_new_session_does_not_outlive_its_namespaces_sandbox(tmp_path):
    target = tmp_path / "late-write"
    wall = isolation.current()
    out, code, err = run_inside(wall, f"TARGET={str(target)!r}\n" + SURVIVOR, tmp_path)
    assert code == 0, err
    time.sleep(2)
    assert not target.exists()
    if wall.uid is not None:
        assert isolation.processes_of(wall.uid) == []


@needs_root
def test_the_uid_level_runs_as_a_dedicated_uid_and_leaves_nothing_behind(tmp_path):
    python = shutil.which("python3.11", path="/usr/bin") or shutil.which("python3", path="/usr/bin")
    if python is None:
        pytest.skip("no system python3 readable by other users")
    wall = isolation.Isolation("uid", isolation.current().uid or isolation.claim_uid(), python=python)
    secret_dir = tmp_path / "private"
    secret_dir.mkdir(mode=0o700)
    (secret_dir / "hidden.txt").write_text("hidden")
    stray = f"/tmp/micrograd-test-stray-{os.getpid()}"
    code = (
        "import os, json, signal\nseen = {'uid': os.getuid()}\n"
        f"try:\n    open({str(secret_dir / 'hidden.txt')!r}).read(); seen['read'] = 'ok'\n"
        "except OSError as e:\n    seen['read'] = type(e).__name__\n"
        f"try:\n    os.kill({os.getpid()}, signal.SIGSTOP); seen['kill'] = 'ok'\n"
        "except OSError as e:\n    seen['kill'] = type(e).__name__\n"
        f"open({stray!r}, 'w').write('x')\n"
        "if os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(30)\n    os._exit(0)\n"
        "print(json.dumps(seen))\n"
    )
    out, returncode, err = run_inside(wall, code, tmp_path)
    assert returncode == 0, err
    seen = json.loads(out)
    assert seen == {"uid": wall.uid, "read": "PermissionError", "kill": "PermissionError"}
    assert isolation.processes_of(wall.uid) == []  # the setsid() child was killed by cleanup()
    assert not os.path.exists(stray)  # and what it wrote in /tmp removed


def test_the_uid_level_is_refused_while_the_graders_files_are_readable_by_others():
    readable = [p for p in isolation.grader_paths() if isolation._readable_by_others(p)]
    reason = isolation.why_not_uid(isolation.UID_BASE)
    if os.geteuid() != 0:
        assert reason == "only root can drop to another uid"
    elif readable:
        assert reason and "chmod -R go-rwx" in reason and readable[0] in reason
    else:
        assert reason is None or "interpreter" in reason


# -- the process layout inside the sandbox (child.py): supervisor and workers, with no audit hook --

SPY = r"""
import os, resource

class Value:
    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad, self._prev = data, 0.0, set(_children)

def spy():
    seen = {}
    parent = os.getppid()
    for name, path in (("parent_fds", f"/proc/{parent}/fd"), ("parent_mem", f"/proc/{parent}/mem")):
        try:
            seen[name] = sorted(os.listdir(path)) if name == "parent_fds" else len(open(path, "rb").read(1))
        except OSError as e:
            seen[name] = type(e).__name__
    seen["fds"] = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    seen["nofile"] = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    seen["memfd"] = hasattr(os, "memfd_create")
    seen["fork"] = hasattr(os, "fork")
    try:
        seen["stdin"] = os.read(0, 10).decode()
    except OSError as e:
        seen["stdin"] = type(e).__name__
    return seen

def topological_sort(root):
    raise RuntimeError("SPY" + repr(spy()))
"""


@needs_bwrap
def test_a_worker_reaches_neither_the_supervisor_nor_the_graders_pipes(tmp_path):
    """With the audit hook off: the supervisor is not readable through /proc, the worker holds only its own
    pipe ends and output (no fd 0 of the grader), 64 open files at most, and no memfd_create or fork."""
    from autograder.programs import chain
    from autograder.sandbox.runner import Limits, Probe, run_part

    sandbox = tmp_path / "sandbox"
    (sandbox / "micrograd").mkdir(parents=True)
    (sandbox / "micrograd" / "__init__.py").write_text("")
    (sandbox / "micrograd" / "engine.py").write_text(SPY)
    import random

    from autograder.checks import topo

    ask = topo(chain(2, random.Random(1)), random.Random(2))
    run = run_part(sandbox, ["engine"], [Probe("p", "t", ask.kind, ask.spec)], Limits(audit_hook=False))
    error = run.outcomes["p"].error
    assert "SPY" in error, error
    seen = ast.literal_eval(error.split("SPY", 1)[1].split(" (micrograd/")[0])
    assert seen["parent_fds"] in ("PermissionError",) and seen["parent_mem"] == "PermissionError", seen
    # 1, 2 and its own two pipe ends; 0 is free (the listing itself takes it), so fd 0 reads nothing of the grader
    assert len([fd for fd in seen["fds"] if fd != 0]) == 4 and {1, 2} <= set(seen["fds"]), seen
    assert seen["stdin"] == "OSError", seen
    assert seen["nofile"] == 64
    assert seen["memfd"] is False and seen["fork"] is False
