"""The late policy, configured once per collection and applied from commit dates.

Either late work is not accepted (the collection checks out the last commit at
or before each student's deadline), or it is, with a penalty per started day
late (a percentage of the points earned) up to a cap. Days late come from the
graded commit's committer date, as Classroom 50 marks lateness, against the
student's own deadline (the class's, moved by their extension).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class LatePolicy:
    """`accept`: grade commits after the deadline; `penalty_per_day` and `cap`: percent of the points earned."""

    accept: bool = True
    penalty_per_day: float = 10.0
    cap: float = 50.0

    def __post_init__(self) -> None:
        if not (0 <= self.penalty_per_day <= 100 and 0 <= self.cap <= 100):
            raise ValueError("the late penalty and its cap are percentages, from 0 to 100")

    def days_late(self, committed: dt.datetime, deadline: dt.datetime) -> int:
        """Started days after `deadline` (0 when on time): one second late is one day late."""
        if committed <= deadline:
            return 0
        return math.ceil((committed - deadline) / DAY)

    def penalty_percent(self, days_late: int) -> float:
        return min(self.cap, self.penalty_per_day * days_late)

    def apply(self, score: float, days_late: int) -> tuple[float, float]:
        """(points taken off, final score) for `score` earned `days_late` days late, rounded to 0.01."""
        penalty = round(score * self.penalty_percent(days_late) / 100, 2)
        return penalty, round(score - penalty, 2)

    def describe(self) -> str:
        if not self.accept:
            return "late work is not accepted: the last commit at or before the deadline is graded"
        return f"late work loses {self.penalty_per_day:g}% per started day late, at most {self.cap:g}%"

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_POLICY = LatePolicy()
