"""The delivery bundles `make release` writes under `delivery/` (generated, not committed).

- `classroom50/<assignment>/`: the Classroom 50 autograder bundle of an
  assignment (`CLASSROOM/autograders/ASSIGNMENT/` of the organisation's
  `classroom50` repository): `autograder.py`, the grader package for that
  assignment only, its pinned requirements and `runtime.json`. It is publicly
  readable: see `autograder.py`'s docstring for what that means.
- `actions/<assignment>/`: a template repository per assignment for plain
  GitHub Actions: the student repository plus `.github/workflows/grade.yml`,
  which grades every push with the hidden grader and writes the job summary.
- `grader/<assignment>/`: the branch of the private grader repository that
  workflow checks out: the `autograder` package (hidden tests, reference
  modules) and its pinned requirements.
- `gradescope/<assignment>.zip`: a Gradescope autograder per assignment.

Everything is written from its sources with no timestamps (zip entries carry a
fixed date and fixed permissions, in sorted order), so two releases give
byte-identical files.
"""

from __future__ import annotations

import importlib.metadata
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement

from autograder.assignments import ASSIGNMENTS, Assignment
from coursekit.course import ASSIGNMENTS_DIR, AUTOGRADER_DIR, ROOT, SOLUTIONS
from coursekit.trees import write_tree
from coursekit.validate import MARKERS, solution_lines

DELIVERY_DIR = ROOT / "delivery"
# Not Classroom 50's reserved `.github/workflows/autograde.yaml`: the two never clash.
WORKFLOW_PATH = ".github/workflows/grade.yml"
PYTHON_VERSION = "3.11"
# The newest major version of each action (checked in their repositories: see the README's guide).
CHECKOUT = "actions/checkout@v7"
SETUP_PYTHON = "actions/setup-python@v7"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
GRADER_NEEDS = ("torch", "pytest")
# Never part of a bundle: caches that running things in the tree leaves behind.
JUNK = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".hypothesis", ".ruff_cache"}
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold: no build time in the zip


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions(requirements: Path = ROOT / "requirements.txt") -> dict[str, str]:
    """Every `name==version` pin of the kit's requirements: canonical name -> the pin as written."""
    pins = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            pins[_canonical(line.split("==")[0])] = line
    return pins


def _dependencies(names: tuple[str, ...]) -> list[str]:
    """`names` and everything they need on the graders' platform (Linux, Python 3.11), from installed metadata."""
    target = {**default_environment(), "python_version": PYTHON_VERSION, "sys_platform": "linux", "extra": ""}
    seen: list[str] = []
    todo = [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        for text in importlib.metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate(target):
                todo.append(_canonical(req.name))
    return sorted(seen)


def grader_requirements() -> str:
    """The grader's requirements file: torch (CPU build) and pytest, with what they need, pinned."""
    pins = pinned_versions()
    lines = [
        "# What the grader needs, pinned as in the course kit's requirements.txt (made by `make release`).",
        "# torch is the CPU build, from PyTorch's own index: a few hundred MB, where PyPI's Linux build",
        "# pulls in GBs of CUDA packages. pip finds the rest on PyPI.",
        f"--index-url {TORCH_CPU_INDEX}",
        "--extra-index-url https://pypi.org/simple",
    ]
    for name in _dependencies(GRADER_NEEDS):
        if name not in pins:
            continue  # not pinned by the kit (setuptools): pip picks a version that torch accepts
        pin = pins[name]
        lines.append(f"{pin}+cpu" if name == "torch" and "+" not in pin else pin)
    missing = [n for n in GRADER_NEEDS if _canonical(n) not in pins]
    if missing:
        raise ValueError(f"requirements.txt pins no version of {missing}: the grader's requirements need one")
    return "\n".join(lines) + "\n"


def grader_package(assignments: list[Assignment]) -> dict[str, bytes]:
    """The `autograder` package, holding only what grading `assignments` needs.

    Other assignments' hidden tests are left out, and so are the reference
    modules none of `assignments` runs on: they are solutions, and the engine
    assignment's grader carries no solution code at all.
    """
    names = {a.name for a in assignments}
    modules = {m for a in assignments for m in a.reference_modules}
    files = {}
    for path in sorted(AUTOGRADER_DIR.rglob("*")):
        relative = path.relative_to(AUTOGRADER_DIR)
        parts = relative.parts
        if not path.is_file() or JUNK & set(parts) or path.suffix == ".pyc":
            continue
        if parts[0] == "tests" and len(parts) > 2 and parts[1] in ASSIGNMENTS and parts[1] not in names:
            continue
        if parts[:2] == ("reference", "micrograd") and path.stem != "__init__" and path.stem not in modules:
            continue
        files[f"autograder/{relative.as_posix()}"] = path.read_bytes()
    return files


GRADER_README = """\
# micrograd course: the hidden grader, assignment @NUMBER@ (@NAME@)

The private grader repository of the course's plain GitHub Actions grading,
made by `make release` in the course kit (`delivery/grader/@NAME@/`): do not
edit it here, rebuild it. This tree is the branch `@NAME@`: every student
repository of that assignment checks it out in its workflow
(`.github/workflows/grade.yml`), with the organisation's read-only
`GRADER_TOKEN`, and runs `python -m autograder grade <submission> --assignment @NAME@`.

What it holds, and why:

- `autograder/`: the grader (`python -m autograder`), with
  - `tests/@NAME@/`: the hidden tests of this assignment (why the repository is private);
  - `reference/micrograd/`: @REFERENCE@
- `requirements.txt`: what the grader needs, pinned: torch (the CPU build, from
  PyTorch's index) and pytest. `pip install -r requirements.txt`, Python 3.11.

A student who edits their workflow can read what it checks out, so each branch
holds only what its assignment needs: push the branch `@NAME@` when the
assignment opens, not before. The reference modules in it are the solutions of
earlier assignments, which have closed by then.
"""


def grader_repository(assignment: Assignment) -> dict[str, bytes]:
    """The branch `assignment.name` of the private grader repository: that assignment's grader only."""
    files = grader_package([assignment])
    modules = assignment.reference_modules
    reference = (
        "the reference modules this assignment's graded part runs on ("
        + ", ".join(f"`{m}.py`" for m in modules)
        + "), so that a bug in an earlier assignment costs points only there."
        if modules
        else "empty: this assignment runs on nothing but the student's own module."
    )
    readme = _fill(GRADER_README, {"NAME": assignment.name, "NUMBER": str(assignment.number), "REFERENCE": reference})
    files["README.md"] = readme.encode()
    files["requirements.txt"] = grader_requirements().encode()
    files[".gitignore"] = b"__pycache__/\n*.pyc\n"
    return files


WORKFLOW = r"""# Plain GitHub Actions autograding of assignment @NUMBER@ (@NAME@), made by `make release`
# (coursekit/bundles.py in the course kit), for organisations without Classroom 50. On every
# push it runs the course's hidden grader, kept in a private repository, on this repository
# and writes the points and the feedback to the job summary. Nothing collects those points:
# the grade of record is the deadline regrade (`make collect`, `make grade-all`).
# Set up once, in the organisation (see the course kit's README):
#   variable GRADER_REPOSITORY: the grader repository, as owner/name;
#   secret GRADER_TOKEN: a fine-grained token that can read that repository.
name: Autograding
on:
  push:
  workflow_dispatch:
permissions:
  contents: read
env:
  GRADER_REPOSITORY: ${{ vars.GRADER_REPOSITORY }}
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - name: Check the course's settings
        env:
          GRADER_TOKEN: ${{ secrets.GRADER_TOKEN }}
        run: |
          if [ -z "$GRADER_REPOSITORY" ] || [ -z "$GRADER_TOKEN" ]; then
            echo "::error title=Autograding is not set up::The organisation needs the variable" \
              "GRADER_REPOSITORY and the secret GRADER_TOKEN: please tell your instructor."
            exit 1
          fi
      - name: Check out your code
        uses: @CHECKOUT@
        with:
          path: submission
          persist-credentials: false
      - name: Check out the grader
        uses: @CHECKOUT@
        with:
          repository: ${{ env.GRADER_REPOSITORY }}
          ref: @NAME@
          token: ${{ secrets.GRADER_TOKEN }}
          path: grader
          persist-credentials: false
      - name: Set up Python
        uses: @SETUP_PYTHON@
        with:
          python-version: "@PYTHON@"
          cache: pip
          cache-dependency-path: grader/requirements.txt
      - name: Install the grader's requirements (torch for CPU, pytest) and bubblewrap
        run: |
          python -m pip install -r grader/requirements.txt
          # The sandbox's OS isolation: Ubuntu 24.04 restricts unprivileged user namespaces
          # (AppArmor), so the grader runs as root (sudo is passwordless on GitHub's runners).
          if ! command -v bwrap >/dev/null; then
            sudo apt-get update -qq && sudo apt-get install -y -qq bubblewrap
          fi
      - name: Grade
        working-directory: grader
        run: |
          if [ "$(id -u)" = 0 ]; then as_root=(); else as_root=(sudo env "PATH=$PATH"); fi
          "${as_root[@]}" python -m autograder grade "$GITHUB_WORKSPACE/submission" --assignment @NAME@ \
            --results "$RUNNER_TEMP/results.json" --quiet --require-isolation
          python -m autograder classroom-result "$RUNNER_TEMP/results.json" --summary "$GITHUB_STEP_SUMMARY" \
            --fail-below-max
"""


def _fill(template: str, values: dict[str, str]) -> str:
    """`@KEY@` placeholders: `{}` and `$` belong to YAML expressions and shell scripts."""
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    if re.search(r"@[A-Z_]+@", template):
        raise ValueError(f"unfilled placeholder: {re.search(r'@[A-Z_]+@', template).group()}")
    return template


def actions_workflow(assignment: Assignment) -> str:
    """`.github/workflows/grade.yml` of one assignment's template repository (plain GitHub Actions)."""
    return _fill(
        WORKFLOW,
        {
            "NAME": assignment.name,
            "NUMBER": str(assignment.number),
            "CHECKOUT": CHECKOUT,
            "SETUP_PYTHON": SETUP_PYTHON,
            "PYTHON": PYTHON_VERSION,
        },
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` (caches left out): relative path -> bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not JUNK & set(p.relative_to(root).parts) and p.suffix != ".pyc"
    }


def actions_template(assignment: Assignment, assignments_dir: Path = ASSIGNMENTS_DIR) -> dict[str, bytes]:
    """A template repository: the released student repository, plus the grading workflow."""
    files = tree_bytes(assignments_dir / assignment.name)
    files[WORKFLOW_PATH] = actions_workflow(assignment).encode()
    return files


CLASSROOM50_AUTOGRADER = r'''"""Classroom 50 autograder of assignment @NUMBER@ (@NAME@), made by `make release`
(coursekit/bundles.py of the course kit).

Its place: `CLASSROOM/autograders/ASSIGNMENT/autograder.py` in the organisation's
`classroom50` repository, with every file beside it (the bundle). Classroom 50's
runner calls it once per submission, in the student's checkout, with CLASSROOM,
ASSIGNMENT, SUBMISSION_TAG, COMMIT_URL, RELEASE_URL, REVIEW_URL, USERNAME/OWNER
and GITHUB_* set; `runtime.json` gives it Python @PYTHON@ and bubblewrap. It:

1. installs the grader's pinned requirements (torch's CPU build, pytest), unless present;
2. runs the hidden grader (`autograder/` beside this file) on the checkout as
   assignment @NAME@, as root (sudo: passwordless on GitHub's runners) with
   `--require-isolation`, so that the student's code runs under bubblewrap;
3. writes `./result.json` (classroom50/result/v1: integer points, each test's
   score rounded down, its maximum to the nearest point) and `./release-body.md`.

It exits 0 when grading ran, whatever the score; 1 when it could not (the
result.json it leaves then says so, with 0 points), which the runner reports as
an infrastructure error.

The bundle is publicly readable: anyone can read this assignment's hidden tests
and the reference modules of the assignments before it (closed by then), never
this assignment's own reference. Students can also edit the caller workflow of
their repository. So the points a Release shows are feedback; the grade of record
is the deadline regrade (`make collect`, `make grade-all` in the course kit).
"""

import os
import sys

# Nothing of the student's checkout (the working directory) is importable in this process, which
# runs outside the sandbox: a `json.py` or `torch.py` there must never run here.
sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != os.path.realpath(os.getcwd())]

import datetime  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ASSIGNMENT = "@NAME@"  # this bundle grades this assignment only, whatever the checkout holds
sys.path.insert(0, str(HERE))

from autograder.assignments import ASSIGNMENTS  # noqa: E402  (the grader package beside this file)
from autograder.classroom import classroom50_result, job_summary  # noqa: E402


def utc(timestamp: float) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def committed_at(checkout: Path) -> str:
    """The graded commit's committer date (stable across regrades), or now outside a git checkout."""
    git_log = ["git", "-C", str(checkout), "log", "-1", "--format=%ct", "HEAD"]
    proc = subprocess.run(git_log, capture_output=True, text=True)
    stamp = proc.stdout.strip()
    return utc(int(stamp)) if proc.returncode == 0 and stamp.isdigit() else utc(datetime.datetime.now().timestamp())


# Nothing here runs in, or imports from, the student's checkout: every Python started below is
# isolated (-I: no cwd or script folder of the student's on sys.path, no PYTHON* variables, no
# user site) and starts in this bundle's folder; the checkout is only an argument to the grader,
# which reads it with caps and runs it in its sandbox.
GRADER = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from autograder.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


def install_requirements() -> str | None:
    """pip install the pinned requirements unless they import already; the error, if any."""
    check = [sys.executable, "-I", "-c", "import torch, pytest"]
    if subprocess.run(check, cwd=HERE, capture_output=True).returncode == 0:
        return None
    proc = subprocess.run(
        [sys.executable, "-I", "-m", "pip", "install", "--quiet", "-r", str(HERE / "requirements.txt")],
        cwd=HERE,
        capture_output=True,
        text=True,
    )
    return None if proc.returncode == 0 else f"installing the grader's requirements failed: {proc.stderr[-2000:]}"


def run_grader(checkout: Path, results: Path) -> int:
    as_root = ["sudo", "-n", "env", f"PATH={os.environ.get('PATH', '')}"]
    if os.geteuid() == 0 or not shutil.which("sudo"):
        as_root = []
    command = [sys.executable, "-I", "-c", GRADER, str(HERE), "grade", str(checkout), "--assignment", ASSIGNMENT]
    command += ["--results", str(results), "--quiet", "--require-isolation"]
    return subprocess.run([*as_root, *command], cwd=HERE).returncode


def not_graded(reason: str) -> dict:
    """Results that say the grader could not run (not the student's fault): 0 of the assignment's maximum."""
    output = f"The autograder could not grade this submission: {reason}\nThis is not a problem with your code."
    extra = {"assignment": ASSIGNMENT, "max_score": ASSIGNMENTS[ASSIGNMENT].max_points, "grader_error": True}
    return {"score": 0, "output": output, "extra_data": extra, "tests": []}


def main() -> int:
    checkout = Path.cwd()
    results_file = Path(tempfile.mkdtemp()) / "results.json"
    error = install_requirements()
    if error is None:
        code = run_grader(checkout, results_file)
        if results_file.is_file():
            results = json.loads(results_file.read_text())
            if code != 0 and not results.get("extra_data", {}).get("grader_error"):
                results = not_graded(f"the grader stopped with status {code}")
        else:
            results = not_graded(f"the grader stopped with status {code} and wrote no results")
    else:
        results = not_graded(error)
    graded = not results.get("extra_data", {}).get("grader_error")
    if not graded:
        results["score"] = 0
    graded_at = utc(datetime.datetime.now().timestamp())
    result = classroom50_result(results, dict(os.environ), committed_at(checkout), graded_at)
    summary = job_summary(results)
    for name, text in (("result.json", json.dumps(result, indent=2) + "\n"), ("release-body.md", summary)):
        (checkout / name).unlink(missing_ok=True)  # a student's file (or a symlink out of the checkout) goes
        (checkout / name).write_text(text)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a") as out:
            out.write(summary)
    print(f"{result['score']} / {result['max-score']} points" + ("" if graded else " (not graded)"))
    return 0 if graded else 1


if __name__ == "__main__":
    sys.exit(main())
'''


def classroom50_runtime() -> dict:
    """The assignment's `runtime` block (`gh teacher assignment add --runtime runtime.json`)."""
    # torch's CPU build is pip-installed by autograder.py from requirements.txt: runtime has no pip field.
    return {"runs-on": "ubuntu-latest", "python": PYTHON_VERSION, "apt": ["bubblewrap"]}


def classroom50_bundle(assignment: Assignment) -> dict[str, bytes]:
    """`CLASSROOM/autograders/<assignment>/` of the `classroom50` repository: public, so no reference of its own."""
    values = {"NAME": assignment.name, "NUMBER": str(assignment.number), "PYTHON": PYTHON_VERSION}
    files = grader_package([assignment])
    files["autograder.py"] = _fill(CLASSROOM50_AUTOGRADER, values).encode()
    files["requirements.txt"] = grader_requirements().encode()
    files["runtime.json"] = (json.dumps(classroom50_runtime(), indent=2) + "\n").encode()
    return files


SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04).
# The grader needs Python 3.11. The image's python3 (3.10) runs Gradescope's own harness, so
# it is left alone: the grader gets Ubuntu's python3.11 (jammy's universe component, updated in
# jammy-updates) and a venv of its own. bubblewrap is the sandbox's OS isolation where namespaces
# are allowed; in Gradescope's container the grader, as root, falls back to a dedicated uid
# (setpriv, from util-linux, already in the image).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
  python3.11 python3.11-venv bubblewrap util-linux ca-certificates
python3.11 -m venv "$ROOT/venv"
# jammy's python3.11 bundles an old pip: a current one resolves the pinned wheels as the kit does.
"$ROOT/venv/bin/python" -m pip install --no-cache-dir --upgrade pip
# torch is the CPU build, from PyTorch's index (see requirements.txt).
"$ROOT/venv/bin/python" -m pip install --no-cache-dir -r "$ROOT/source/requirements.txt"
# A missing piece fails the build here, not the first student's submission.
cd "$ROOT/source" && "$ROOT/venv/bin/python" -c "import torch, pytest, autograder.grade"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission of assignment @NUMBER@ (@NAME@): it grades
# /autograder/submission and writes /autograder/results/results.json. Made by `make release`
# (coursekit/bundles.py in the course kit). AUTOGRADER_ROOT replaces /autograder (for tests).
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"

# A student who uploads files rather than their repository may send @MODULE@.py without its
# micrograd/ folder, or the repository inside a folder: grade what they meant. Found without
# following links (os.walk, lstat) and copied as regular single-link files only, by a Python
# run with -I (no cwd, no PYTHON* variables, nothing of the student's on sys.path).
SUBMISSION=$("$ROOT/venv/bin/python" -I -c '
import os, stat, sys, tempfile
root, module = sys.argv[1], sys.argv[2]
def regular(path):
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1 and info.st_size <= 1 << 20
if regular(os.path.join(root, "micrograd", module)):
    print(root); sys.exit()
best, seen = None, 0
for top, dirs, files in os.walk(root):  # never into a linked folder
    depth = top[len(root):].count(os.sep)
    seen += len(dirs) + len(files)
    dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth < 4 and seen < 10000 else []
    if module in files and regular(os.path.join(top, module)) and (best is None or depth < best[0]):
        best = (depth, top)
if best is None:
    print(root)
elif os.path.basename(best[1]) == "micrograd":
    print(os.path.dirname(best[1]))
else:
    copy = tempfile.mkdtemp()
    os.mkdir(os.path.join(copy, "micrograd"))
    for name in sorted(os.listdir(best[1]))[:64]:
        source = os.path.join(best[1], name)
        if name.endswith(".py") and regular(source):
            fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f, open(os.path.join(copy, "micrograd", name), "wb") as out:
                out.write(f.read(1 << 20))
    print(copy)
' "$ROOT/submission" @MODULE@.py) || SUBMISSION="$ROOT/submission"

# The grader drops the student's code to a dedicated uid and refuses to run if that uid could
# read its own files (the hidden tests, the venv, the results): nobody but root reads them, nor
# anything else under $ROOT (submission_metadata.json lists earlier submissions and their scores).
chmod -R go-rwx "$ROOT/source" "$ROOT/venv" "$ROOT/results" 2>/dev/null
chmod go-rwx "$ROOT"

# --require-isolation: this is a grade of record; without OS isolation the grader writes results
# that say why, with 0 points, and exits 3 (those results are kept below).
# The grader runs from its own folder (cwd and sys.path hold nothing of the student's), -E -s: no
# PYTHON* variables, no user site-packages.
(cd "$ROOT/source" && "$ROOT/venv/bin/python" -E -s -m autograder grade "$SUBMISSION" --assignment @NAME@ \
  --results "$RESULTS" --require-isolation)
status=$?
if { [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; } || [ ! -s "$RESULTS" ]; then
  # The grader itself failed (not the student's code, which runs sandboxed): still leave results
  # that say so, rather than Gradescope's bare "the autograder failed to execute".
  message="The autograder could not grade this submission (it stopped with status $status)."
  message="$message This is not a problem with your code: please tell your instructor, who can regrade it."
  printf '{"score": 0, "output": "%s", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}\n' \
    "$message" > "$RESULTS"
fi
exit 0
"""


def gradescope_files(assignment: Assignment) -> dict[str, bytes]:
    """The files of one assignment's Gradescope autograder zip."""
    values = {"NAME": assignment.name, "NUMBER": str(assignment.number), "MODULE": assignment.graded_module}
    files = grader_package([assignment])
    files["requirements.txt"] = grader_requirements().encode()
    files["setup.sh"] = SETUP_SH.encode()
    files["run_autograder"] = _fill(RUN_AUTOGRADER, values).encode()
    return files


EXECUTABLE = {"setup.sh", "run_autograder"}


def reproducible_zip(files: dict[str, bytes], executable: set[str] = EXECUTABLE) -> bytes:
    """A zip of `files`: sorted entries, a fixed date, fixed Unix permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix: unzip then honours the permissions below
            info.external_attr = (0o100755 if name in executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def solution_leaks(files: dict[str, bytes], allowed: set[str] = frozenset()) -> list[str]:
    """The files of a bundle, other than `allowed`, that hold something of solutions/.

    That is: a copy of one of its files, an nbgrader marker, or a solution line
    that the grader's own code never contains (`continue` or `loss.backward()`
    are in both, by design or by chance, and prove nothing).
    """
    grader_code = {
        line.strip()
        for p in AUTOGRADER_DIR.rglob("*.py")
        if "reference" not in p.relative_to(AUTOGRADER_DIR).parts
        for line in p.read_text().splitlines()
    }
    secret = set(solution_lines()) - grader_code
    copies = {p.read_bytes() for p in SOLUTIONS.rglob("*") if p.is_file() and not JUNK & set(p.parts)}
    found = []
    for path, data in sorted(files.items()):
        if path in allowed:
            continue
        text = data.decode(errors="replace")
        lines = {line.strip() for line in text.splitlines()}
        if data in copies or any(m in text for m in MARKERS) or lines & secret:
            found.append(path)
    return found


def write_bundles(delivery_dir: Path = DELIVERY_DIR, assignments_dir: Path = ASSIGNMENTS_DIR) -> None:
    """Write every bundle under `delivery_dir`, from the released `assignments_dir` and `autograder/`."""
    if delivery_dir.exists():
        shutil.rmtree(delivery_dir)
    assignments = sorted(ASSIGNMENTS.values(), key=lambda a: a.number)
    for a in assignments:
        write_tree(delivery_dir / "classroom50" / a.name, classroom50_bundle(a))
    for a in assignments:
        write_tree(delivery_dir / "actions" / a.name, actions_template(a, assignments_dir))
    for a in assignments:
        write_tree(delivery_dir / "grader" / a.name, grader_repository(a))
    (delivery_dir / "gradescope").mkdir(parents=True)
    for a in assignments:
        (delivery_dir / "gradescope" / f"{a.name}.zip").write_bytes(reproducible_zip(gradescope_files(a)))
