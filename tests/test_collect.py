"""`make collect` on local git repositories standing in for GitHub (file:// remotes, dated commits).

The roster's parsing and extensions, the late policy's arithmetic, and the
collection itself: the commit checked out is the last one at or before the
student's deadline (or the last one, with late work accepted, and its days
late), a rerun fetches what was pushed since, a missing repository is listed.
"""

import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from coursekit.collect import collect, git_env, main
from coursekit.late import LatePolicy
from coursekit.roster import RosterError, Student, parse_time, read_roster, write_roster

DEADLINE = "2026-10-01T23:59:00Z"


def utc(text):
    return parse_time(text)


# -- the roster ------------------------------------------------------------------------------


def test_roster_reads_students_and_their_extensions(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "student_id,name,email,github,section,extension\n"
        "S1,Ada Lovelace,ada@uni.example,AdaL,A,\n"
        "S2,Alan Turing,alan@uni.example,aturing,B,2\n"
        "S3,Grace Hopper,grace@uni.example,ghopper,A,2026-10-05T12:00:00Z\n"
    )
    ada, alan, grace = read_roster(path)
    assert ada.key == "adal" and ada.deadline(utc(DEADLINE)) == utc(DEADLINE)
    assert alan.deadline(utc(DEADLINE)) == utc("2026-10-03T23:59:00Z")
    assert grace.deadline(utc(DEADLINE)) == utc("2026-10-05T12:00:00Z")


@pytest.mark.parametrize(
    "rows, message",
    [
        ("S1,A,a@x,alice,A,\nS1,B,b@x,bob,A,\n", "student_id 'S1' appears twice"),
        ("S1,A,a@x,Alice,A,\nS2,B,b@x,alice,A,\n", "key 'alice' appears twice"),
        ("S1,A,a@x,alice,A,next week\n", "neither days nor a date"),
        ("S1,A,a@x,,A,\n", "roster.csv:2: the github is empty: every student needs one"),
    ],
)
def test_roster_refuses_duplicates_bad_extensions_and_missing_users(tmp_path, rows, message):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,name,email,github,section,extension\n" + rows)
    with pytest.raises(ValueError, match=message):
        read_roster(path)


def test_roster_without_a_required_column_names_it(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,name,github,section\nS1,A,alice,A\n")
    with pytest.raises(ValueError, match="no column email"):
        read_roster(path)


HEADER = "student_id,name,email,github,section,extension\n"


@pytest.mark.parametrize(
    "github",
    ["../x", "a/b", "-alice", "alice-", "al--ice", "a" * 40, "al ice", "=HYPERLINK(1)", ".", "alice\u00e9"],
)
def test_roster_refuses_a_github_user_that_github_would_refuse(tmp_path, github):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + "S1,A,a@x.example,bob,A,\n" + f'S2,B,b@x.example,"{github}",A,\n')
    with pytest.raises(RosterError, match=r"roster.csv:3: github .* is not a GitHub user"):
        read_roster(path)


def test_roster_accepts_github_users_at_the_edges_of_the_rule(tmp_path):
    path = tmp_path / "roster.csv"
    users = ["a", "A" * 39, "Student00-correct", "a-b-c-9"]
    path.write_text(HEADER + "".join(f"S{i},N,n{i}@x.example,{u},A,\n" for i, u in enumerate(users)))
    assert [s.github for s in read_roster(path)] == users


@pytest.mark.parametrize(
    "row, message",
    [
        ("=HYPERLINK(1),A,a@x.example,alice,A,", r"roster.csv:2: student_id '=HYPERLINK\(1\)' is not a student id"),
        ("../S1,A,a@x.example,alice,A,", "student_id '../S1' is not a student id"),
        ("S 1,A,a@x.example,alice,A,", "student_id 'S 1' is not"),
        ("S1,A,=cmd@x.example,alice,A,", "email '=cmd@x.example' is not an email address"),
        ("S1,A,two words@x,alice,A,", "is not an email address"),
        ("S1,A,a@x.example,alice,A,2026-10-05 12:00", "no time zone"),
        ("S1,A,a@x.example,alice,A,-2", "from 0 to 366 days"),
        ("S1,A,a@x.example,alice,A,nan", "from 0 to 366 days"),
    ],
)
def test_roster_refuses_ids_emails_and_extensions_a_row_at_a_time(tmp_path, row, message):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(RosterError, match=message):
        read_roster(path)


def test_roster_names_and_sections_are_kept_cleaned_and_capped(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(HEADER + '"S1","=HYPERLINK(""http://x"")\x1b[31m","",alice,"' + "B" * 500 + '",\n')
    (student,) = read_roster(path)
    assert student.name == '=HYPERLINK("http://x")\ufffd[31m'  # kept as text; the CSV writers quote it
    assert len(student.section) <= 203 and student.email == ""


def test_roster_that_is_not_utf8_or_not_there_is_one_clear_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(HEADER.encode() + b"S1,Ad\xe9le,a@x.example,adele,A,\n")
    with pytest.raises(RosterError, match="not UTF-8 text"):
        read_roster(path)
    with pytest.raises(RosterError, match="no such roster file"):
        read_roster(tmp_path / "nowhere.csv")


# -- deadlines and their time zone ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, utc_text",
    [
        ("2026-10-01T23:59:00Z", "2026-10-01T23:59:00+00:00"),
        ("2026-10-01 23:59-04:00", "2026-10-02T03:59:00+00:00"),
        ("2026-10-01T23:59 America/New_York", "2026-10-02T03:59:00+00:00"),  # EDT in October
        ("2026-12-01T23:59 Europe/Paris", "2026-12-01T22:59:00+00:00"),  # CET in December
    ],
)
def test_a_deadline_carries_its_zone(text, utc_text):
    assert parse_time(text).astimezone(dt.UTC).isoformat() == utc_text


@pytest.mark.parametrize(
    "text, message",
    [
        ("Oct 1", "'Oct 1' is not a date and time"),
        ("2026-10-01", "is not a date and time"),  # a date alone would be its first second
        ("2026-10-01 23:59", "has no time zone: add Z"),
        ("2026-10-01T23:59 Mars/Olympus", "not a time zone this machine knows"),
        ("2026-10-01T23:59Z Europe/Paris", "an offset and a zone name"),
    ],
)
def test_a_deadline_without_a_zone_or_not_a_date_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_time(text)


# -- the late policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "committed, days",
    [
        ("2026-10-01T23:59:00Z", 0),
        ("2026-10-01T23:59:01Z", 1),
        ("2026-10-02T23:59:00Z", 1),
        ("2026-10-04T00:00:00Z", 3),
    ],
)
def test_days_late_count_started_days_after_the_deadline(committed, days):
    assert LatePolicy().days_late(utc(committed), utc(DEADLINE)) == days


def test_penalty_is_a_percentage_of_the_points_per_day_up_to_the_cap():
    policy = LatePolicy(accept=True, penalty_per_day=10, cap=25)
    assert policy.apply(60, 0) == (0, 60)
    assert policy.apply(60, 2) == (12, 48)
    assert policy.apply(60, 9) == (15, 45)  # capped at 25%
    assert policy.apply(0, 3) == (0, 0)
    with pytest.raises(ValueError):
        LatePolicy(penalty_per_day=120)


# -- the collection, on file:// remotes ------------------------------------------------------


def commit(work, message, date, files):
    for name, text in files.items():
        (work / name).write_text(text)
    env = {**os.environ, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date}
    git = ["git", "-c", "user.name=S", "-c", "user.email=s@example.com"]
    subprocess.run([*git, "add", "-A"], cwd=work, check=True)
    subprocess.run([*git, "commit", "-q", "-m", message], cwd=work, check=True, env=env)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, capture_output=True, text=True).stdout.strip()


def push(work, remote):
    subprocess.run(["git", "push", "-q", str(remote), "HEAD:main"], cwd=work, check=True)


@pytest.fixture
def term(tmp_path):
    """Three students: on time then a late fix; late only; with an extension; and one without a repository."""
    remotes = tmp_path / "remotes"
    commits = {}
    plans = {
        "early": [("2026-09-30T10:00:00Z", "v1"), ("2026-10-02T10:00:00Z", "v2 late")],
        "latecomer": [("2026-10-03T12:00:00Z", "v1 late")],
        "extended": [("2026-10-02T10:00:00Z", "v1")],
    }
    for github, plan in plans.items():
        work = tmp_path / "work" / github
        work.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=work, check=True)
        shas = [commit(work, "template", "2026-09-20T00:00:00Z", {"README.md": "template\n"})]
        shas += [commit(work, text, date, {"work.txt": text}) for date, text in plan]
        commits[github] = shas
        remote = remotes / f"ml-engine-{github}.git"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        push(work, remote)
    students = [
        Student("S1", "Early Bird", "early@uni.example", "early", "A"),
        Student("S2", "Late Comer", "late@uni.example", "latecomer", "A"),
        Student("S3", "Ex Tended", "ext@uni.example", "extended", "B", extension="2"),
        Student("S4", "No Repo", "none@uni.example", "nobody", "B"),
    ]
    write_roster(tmp_path / "roster.csv", students)
    url = f"file://{remotes}/ml-{{assignment}}-{{github}}.git"
    return {"roster": tmp_path / "roster.csv", "url": url, "commits": commits, "tmp": tmp_path}


def head(folder):
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True).stdout.strip()


def test_without_late_work_the_last_commit_at_the_deadline_is_checked_out(term):
    out = term["tmp"] / "collected"
    found = {c.key: c for c in collect(term["roster"], DEADLINE, term["url"], out, "engine", LatePolicy(accept=False))}
    assert head(out / "early") == term["commits"]["early"][1] and found["early"].days_late == 0
    assert (out / "early" / "work.txt").read_text() == "v1"  # the late fix is not graded
    # The latecomer's only work is late: the template is what stood at the deadline.
    assert head(out / "latecomer") == term["commits"]["latecomer"][0]
    # A two-day extension: the commit a day after the class's deadline is on time for them.
    assert head(out / "extended") == term["commits"]["extended"][1]
    assert found["extended"].deadline == "2026-10-03T23:59:00Z" and found["extended"].days_late == 0
    assert found["nobody"].status == "no repository" and not (out / "nobody").exists()
    assert "does not exist" in found["nobody"].detail or "not" in found["nobody"].detail


def test_with_late_work_the_last_commit_is_checked_out_with_its_days_late(term):
    out = term["tmp"] / "collected"
    found = {c.key: c for c in collect(term["roster"], DEADLINE, term["url"], out, "engine", LatePolicy(True, 10, 50))}
    assert head(out / "early") == term["commits"]["early"][2] and found["early"].days_late == 1
    assert head(out / "latecomer") == term["commits"]["latecomer"][1] and found["latecomer"].days_late == 2
    assert found["latecomer"].committed_at == "2026-10-03T12:00:00Z"
    assert found["extended"].days_late == 0
    manifest = json.loads((out / "collection.json").read_text())
    assert manifest["policy"] == {"accept": True, "penalty_per_day": 10, "cap": 50}
    assert [s["key"] for s in manifest["students"]] == ["early", "latecomer", "extended", "nobody"]


def test_a_rerun_fetches_what_was_pushed_since_and_drops_local_changes(term):
    out = term["tmp"] / "collected"
    collect(term["roster"], DEADLINE, term["url"], out, "engine", LatePolicy(accept=True))
    (out / "early" / "work.txt").write_text("edited by hand")
    work = term["tmp"] / "work" / "early"
    newest = commit(work, "v3", "2026-10-05T00:00:00Z", {"work.txt": "v3"})
    push(work, term["tmp"] / "remotes" / "ml-engine-early.git")
    found = {c.key: c for c in collect(term["roster"], DEADLINE, term["url"], out, "engine", LatePolicy(accept=True))}
    assert head(out / "early") == newest and (out / "early" / "work.txt").read_text() == "v3"
    assert found["early"].days_late == 4


def test_the_command_line_prints_each_student_and_the_policy(term, capsys):
    out = term["tmp"] / "collected"
    args = ["--roster", str(term["roster"]), "--deadline", DEADLINE, "--url", term["url"], "--out", str(out)]
    assert main([*args, "--assignment", "engine", "--no-late"]) == 0
    printed = capsys.readouterr().out
    assert "late work is not accepted" in printed and "3 collected, 1 no repository" in printed


def test_every_run_says_the_deadline_in_utc_and_the_default_late_policy(term, capsys):
    out = term["tmp"] / "collected"
    args = ["--roster", str(term["roster"]), "--url", term["url"], "--out", str(out), "--assignment", "engine"]
    assert main([*args, "--deadline", "2026-10-01T19:59 America/New_York"]) == 0
    printed = capsys.readouterr().out
    assert "deadline 2026-10-01T19:59:00-04:00 America/New_York (2026-10-01T23:59:00Z in UTC)" in printed
    assert main([*args, "--deadline", DEADLINE]) == 0
    assert "deadline 2026-10-01T23:59:00Z (UTC)" in capsys.readouterr().out
    assert "late work loses 10% per started day late, at most 50% (the default" in printed


@pytest.mark.parametrize(
    "change, message",
    [
        ({"--deadline": "Oct 1"}, "collect: DEADLINE 'Oct 1' is not a date and time (2026-10-01T23:59:00Z"),
        ({"--deadline": "2026-10-01 23:59"}, "has no time zone: add Z (UTC) or an offset"),
        ({"--url": "file:///r/ml-{user}.git"}, "has {user}: it may use only {github}"),
        ({"--url": "file:///r/ml.git"}, "has no {github}"),
        ({"--late-penalty": "120"}, "LATE_PENALTY and LATE_CAP: the late penalty and its cap are percentages"),
        ({"--roster": "ROSTER_WITHOUT_EMAIL"}, "the roster has no column email"),
        ({"--roster": "ROSTER_WITH_TRAVERSAL"}, "roster.csv:2: github '../outside' is not a GitHub user"),
    ],
)
def test_a_bad_command_is_one_line_on_stderr_and_exit_2_before_anything_is_cloned(term, capsys, change, message):
    out = term["tmp"] / "collected"
    (term["tmp"] / "bad").mkdir()
    rosters = {
        "ROSTER_WITHOUT_EMAIL": "student_id,name,github,section\nS1,A,alice,A\n",
        "ROSTER_WITH_TRAVERSAL": HEADER + "S1,A,a@x.example,../outside,A,\n",
    }
    for name, text in rosters.items():
        (term["tmp"] / "bad" / name).mkdir()
        (term["tmp"] / "bad" / name / "roster.csv").write_text(text)
    given = {"--roster": str(term["roster"]), "--deadline": DEADLINE, "--url": term["url"], "--out": str(out)}
    for flag, value in change.items():
        given[flag] = str(term["tmp"] / "bad" / value / "roster.csv") if value in rosters else value
    argv = [x for pair in given.items() for x in pair] + ["--assignment", "engine"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("collect: ") and captured.err.count("\n") == 1
    assert message in captured.err
    assert not out.exists() and not (term["tmp"] / "outside").exists()


def test_make_collect_with_a_date_that_is_not_one_stops_with_one_line(term):
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        ["make", "-s", "-o", ".venv/.installed", "collect", f"ROSTER={term['roster']}", "DEADLINE=Oct 1"]
        + [f"URL={term['url']}", f"OUT={term['tmp'] / 'collected'}", "ASSIGNMENT=engine"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "collect: DEADLINE 'Oct 1' is not a date and time" in proc.stderr


def test_a_token_goes_to_git_as_a_header_for_https_only():
    env = git_env("https://github.com/org/ml-engine-alice", "secret-token")
    assert env["GIT_CONFIG_KEY_0"] == "http.https://github.com/.extraheader"
    assert (
        env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")
        and "secret-token" not in env["GIT_CONFIG_VALUE_0"]
    )
    assert "GIT_CONFIG_KEY_0" not in git_env("file:///tmp/x", "secret-token")


def test_a_roster_the_kit_writes_has_no_formula_and_an_empty_one_is_refused(tmp_path):
    path = tmp_path / "roster.csv"
    write_roster(path, [Student("S1", "=1+1", "a@x.example", "alice", "@A")])
    assert path.read_text().splitlines()[1] == "S1,'=1+1,a@x.example,alice,'@A,"
    path.write_text(HEADER)
    with pytest.raises(RosterError, match="has a header but no student"):
        read_roster(path)
