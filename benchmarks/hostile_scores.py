"""The hostile catalogue's scores, printed: what each attack earns next to what its honest base earns.

Run: `.venv/bin/python benchmarks/hostile_scores.py`. Every attack of
tests/submissions/hostile.py is graded by `grade-all` twice, with the audit
hook and with the OS wall alone, beside its honest bases; the table gives the
isolation level that ran, the honest score and both observed scores. The
assertions live in tests/test_hostile.py; this prints the figures.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from submissions.hostile import ATTACKS, build_attack  # noqa: E402
from test_hostile import HONEST, base_of, grade_folder, honest  # noqa: E402

from autograder.sandbox.runner import Limits  # noqa: E402

LIMITS = Limits(probe_seconds=2.0, import_seconds=4.0, part_seconds=25.0)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in HONEST:
            honest(name, root / "subs" / f"honest-{name}")
        for attack in ATTACKS:
            build_attack(attack, root / "subs" / f"attack-{attack.name}", root / "forged", "HOME", ROOT, Path("/tmp"))
        runs = {
            hook: grade_folder(root / "subs", root / f"out-{hook}", Limits(**{**vars(LIMITS), "audit_hook": hook}), 2)
            for hook in (True, False)
        }
        print(f"{'attack':52} {'level':10} {'honest':>6} {'hook on':>7} {'OS only':>7}")
        for attack in ATTACKS:
            key = f"attack-{attack.name}"
            honest_score = runs[True][f"honest-{base_of(attack)}"]["score"]
            level = runs[True][key]["extra_data"]["isolation"]
            on, off = runs[True][key]["score"], runs[False][key]["score"]
            print(f"{attack.name:52} {level:10} {honest_score:6g} {on:7g} {off:7g}")
        print(f"written outside a sandbox: {'yes' if (root / 'forged').exists() else 'nothing'}")


if __name__ == "__main__":
    main()
