"""`make collect`: every student's repository, checked out as it stood at their deadline.

For each student of the roster, the repository named by a URL pattern (e.g.
`https://github.com/ORG/ml-2026-engine-{github}`) is cloned, or fetched when
the folder is there from an earlier run, into `OUT/<github user>/`, and the
graded commit is checked out: with late work refused, the last commit of the
default branch whose committer date is at or before the student's deadline (the
class's, moved by their extension); with late work accepted, the last commit,
and its days late come from its committer date. Classroom 50 marks lateness
by the same date. A committer date is written by whoever commits: a student can
backdate one, which only the push times in GitHub's audit log would show.

`OUT/collection.json` records the deadline, the late policy, and per student
the commit, its date, their deadline and days late: `make gradebook` applies
the penalty from it. `make grade-all SUBMISSIONS=OUT` grades the folders.

For real GitHub, the token comes from the environment (`GITHUB_TOKEN` or
`GH_TOKEN`, read access to the repositories); it is handed to git as an HTTP
header through git's environment, never written into a repository's config.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import string
import subprocess
import sys
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.assignments import ASSIGNMENTS
from autograder.student_text import one_line
from coursekit.late import DEFAULT_POLICY, LatePolicy
from coursekit.roster import Student, parse_time, read_roster

MANIFEST = "collection.json"


@dataclass(frozen=True)
class Collected:
    """What the collection found for one student."""

    key: str
    student_id: str
    status: str  # "collected", "no repository", "no commit by the deadline"
    url: str
    deadline: str
    commit: str = ""
    committed_at: str = ""
    days_late: int = 0
    detail: str = ""


URL_FIELDS = ("github", "assignment", "student_id")


def check_url(url: str) -> None:
    """A URL pattern must name each student's repository: `{github}` (or `{student_id}`), no other field."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(url) if f is not None}
    except ValueError as exc:
        raise ValueError(
            f"the URL pattern {url!r} is not a pattern ({exc}): write {{github}} where the user goes"
        ) from exc
    unknown = sorted(fields - set(URL_FIELDS))
    if unknown:
        raise ValueError(f"the URL pattern {url!r} has {{{unknown[0]}}}: it may use only {{{'}, {'.join(URL_FIELDS)}}}")
    if not fields & {"github", "student_id"}:
        raise ValueError(f"the URL pattern {url!r} has no {{github}}: every student would get the same repository")


def describe_deadline(when: dt.datetime) -> str:
    """The deadline as given and in UTC: whose midnight it is, said in every run."""
    zone = f" {when.tzinfo.key}" if isinstance(when.tzinfo, zoneinfo.ZoneInfo) else ""
    if when.utcoffset() == dt.timedelta(0):
        return f"{iso(when)}{zone} (UTC)"
    return f"{when.isoformat()}{zone} ({iso(when)} in UTC)"


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_env(url: str, token: str | None) -> dict[str, str]:
    """git's environment: no prompt for a password; the token as a header for https URLs only."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}
    if token and url.startswith("https://"):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        host = "/".join(url.split("/")[:3]) + "/"
        env.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": f"http.{host}.extraheader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
            }
        )
    return env


def _git(args: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)


def fetch_repository(url: str, dest: Path, token: str | None = None) -> str | None:
    """Clone `url` into `dest`, or fetch it when `dest` holds it already; the error, if any."""
    env = git_env(url, token)
    if (dest / ".git").is_dir():
        _git(["remote", "set-url", "origin", url], env, dest)
        proc = _git(["fetch", "--quiet", "--force", "--prune", "origin"], env, dest)
    else:
        proc = _git(["clone", "--quiet", "--no-checkout", url, str(dest)], env)
    if proc.returncode == 0:
        return None
    lines = proc.stderr.strip().splitlines() or ["git failed"]
    return next((line for line in lines if line.startswith("fatal:")), lines[-1])


def graded_commit(dest: Path, deadline: dt.datetime, policy: LatePolicy) -> tuple[str, dt.datetime] | None:
    """The commit to grade (see the module's docstring) and its committer date; None if there is none."""
    env = git_env("", None)
    head = _git(["symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"], env, dest).stdout.strip() or "origin/HEAD"
    args = ["rev-list", "-1", "--format=%ct", head]
    if not policy.accept:
        args.insert(2, f"--before={iso(deadline)}")
    lines = _git(args, env, dest).stdout.split()
    if len(lines) < 3:  # "commit", the sha, the date
        return None
    return lines[1], dt.datetime.fromtimestamp(int(lines[2]), dt.UTC)


def collect_one(
    student: Student, url: str, out: Path, deadline: dt.datetime, policy: LatePolicy, token: str | None
) -> Collected:
    dest = out / student.key
    own_deadline = student.deadline(deadline)
    base = {"key": student.key, "student_id": student.student_id, "url": url, "deadline": iso(own_deadline)}
    error = fetch_repository(url, dest, token)
    if error is not None:
        return Collected(status="no repository", detail=error, **base)
    found = graded_commit(dest, own_deadline, policy)
    env = git_env("", None)
    if found is None:
        _git(["rm", "-rq", "--cached", "--ignore-unmatch", "."], env, dest)
        _git(["clean", "-ffdxq", "--exclude=.git"], env, dest)
        return Collected(status="no commit by the deadline", **base)
    sha, committed = found
    proc = _git(["checkout", "--quiet", "--force", "--detach", sha], env, dest)
    _git(["clean", "-ffdxq"], env, dest)
    if proc.returncode != 0:
        return Collected(status="no repository", detail=proc.stderr.strip(), **base)
    days = policy.days_late(committed, own_deadline)
    return Collected(status="collected", commit=sha, committed_at=iso(committed), days_late=days, **base)


def collect(
    roster: Path,
    deadline: str,
    url: str,
    out: Path,
    assignment: str,
    policy: LatePolicy = DEFAULT_POLICY,
    jobs: int = 4,
    token: str | None = None,
) -> list[Collected]:
    """Collect every student of `roster` into `out`; write `out/collection.json`; return what was found."""
    students = read_roster(roster)
    when = parse_time(deadline)
    check_url(url)
    out.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max(1, jobs)) as pool:
        futures = [
            pool.submit(
                collect_one,
                s,
                url.format(github=s.github, assignment=assignment, student_id=s.student_id),
                out,
                when,
                policy,
                token,
            )
            for s in students
        ]
        found = [f.result() for f in futures]
    manifest = {
        "assignment": assignment,
        "deadline": iso(when),
        "url": url,
        "policy": policy.to_dict(),
        "students": [asdict(c) for c in found],
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return found


def read_collection(submissions: Path) -> dict:
    """The manifest `collect` wrote in `submissions`."""
    return json.loads((Path(submissions) / MANIFEST).read_text())


def refuse(message: str) -> int:
    """One line on stderr, exit status 2: what is wrong with the command, no traceback."""
    print(f"collect: {one_line(message, 500)}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.collect", description=__doc__.split("\n\n")[0])
    parser.add_argument("--roster", type=Path, required=True, help="the roster CSV (see coursekit/roster.py)")
    parser.add_argument(
        "--deadline", required=True, help="with its zone: 2026-10-01T23:59:00Z, or -04:00, or a zone name after a space"
    )
    parser.add_argument("--url", required=True, help="repository URL pattern with {github} (and {assignment})")
    parser.add_argument("--out", type=Path, required=True, help="the folder of repositories to grade")
    parser.add_argument(
        "--assignment", required=True, choices=sorted(ASSIGNMENTS), help="fills {assignment} in the URL; recorded"
    )
    parser.add_argument("--late-penalty", type=float, default=LatePolicy.penalty_per_day, help="percent per day")
    parser.add_argument("--late-cap", type=float, default=LatePolicy.cap, help="the most percent taken off")
    parser.add_argument("--no-late", action="store_true", help="refuse late work: grade the commit at the deadline")
    parser.add_argument("--jobs", type=int, default=4, help="repositories fetched at once")
    args = parser.parse_args(argv)
    try:
        policy = LatePolicy(not args.no_late, args.late_penalty, args.late_cap)
    except ValueError as exc:
        return refuse(f"LATE_PENALTY and LATE_CAP: {exc}")
    try:
        when = parse_time(args.deadline)
    except ValueError as exc:
        return refuse(f"DEADLINE {exc}")
    try:
        check_url(args.url)
        read_roster(args.roster)  # refused before anything is cloned
    except ValueError as exc:
        return refuse(str(exc))
    default = " (the default: LATE_PENALTY, LATE_CAP or NO_LATE=1 change it)" if policy == DEFAULT_POLICY else ""
    print(f"deadline {describe_deadline(when)}; {policy.describe()}{default}")
    token = os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    try:
        found = collect(args.roster, args.deadline, args.url, args.out, args.assignment, policy, args.jobs, token)
    except OSError as exc:  # OUT cannot be made or written, git is missing
        return refuse(f"{exc.strerror or exc}: {exc.filename or args.out}")
    for c in found:
        late = f", {c.days_late} day(s) late" if c.days_late else ""
        print(f"{c.key:24} {c.status}{' ' + c.commit[:10] if c.commit else ''}{late} {one_line(c.detail)}".rstrip())
    counts = {s: sum(c.status == s for c in found) for s in dict.fromkeys(c.status for c in found)}
    print(f"deadline {describe_deadline(when)}; {policy.describe()}")
    print(", ".join(f"{n} {s}" for s, n in counts.items()) + f" -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
