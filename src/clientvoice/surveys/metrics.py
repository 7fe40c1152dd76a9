"""Survey metrics: NPS, CSAT and CES, each with its sample size and a 95 % margin of error.

* **NPS** (Net Promoter Score, 0–10 answers): the percentage of promoters (9–10) minus the
  percentage of detractors (0–6), from -100 to 100. Its margin of error uses the variance of a
  variable worth +1 for a promoter, -1 for a detractor and 0 for a passive.
* **CSAT** (1–5 answers): the percentage of satisfied answers (4 or 5).
* **CES** (Customer Effort Score, 1–7 answers): the mean answer, where 7 is "very easy".
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import attrs

from clientvoice.errors import ValidationError

__all__ = ["Score", "ces", "csat", "nps"]

_Z95 = 1.959963984540054


@attrs.frozen
class Score:
    """A metric over ``count`` answers: its ``value`` and 95 % ``margin`` (None without answers).

    ``parts`` holds the counts behind it (promoters/passives/detractors, satisfied...).
    """

    name: str
    value: float | None
    margin: float | None
    count: int
    parts: dict[str, int] = attrs.field(factory=dict)

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.name}: no answers"
        margin = f" ± {self.margin:.1f}" if self.margin is not None else ""
        return f"{self.name} {self.value:.1f}{margin} (n={self.count})"


def nps(answers: Iterable[int]) -> Score:
    """The Net Promoter Score of 0–10 answers."""
    promoters = passives = detractors = 0
    for answer in answers:
        _check(answer, 0, 10, "nps")
        if answer >= 9:
            promoters += 1
        elif answer >= 7:
            passives += 1
        else:
            detractors += 1
    count = promoters + passives + detractors
    parts = {"promoters": promoters, "passives": passives, "detractors": detractors}
    if not count:
        return Score("NPS", None, None, 0, parts)
    p, d = promoters / count, detractors / count
    variance = (p + d) - (p - d) ** 2
    return Score("NPS", 100 * (p - d), 100 * _Z95 * math.sqrt(variance / count), count, parts)


def csat(answers: Iterable[int]) -> Score:
    """The share (in %) of satisfied (4–5) among 1–5 answers."""
    satisfied = count = 0
    for answer in answers:
        _check(answer, 1, 5, "csat")
        count += 1
        satisfied += answer >= 4
    parts = {"satisfied": satisfied, "not_satisfied": count - satisfied}
    if not count:
        return Score("CSAT", None, None, 0, parts)
    share = satisfied / count
    return Score(
        "CSAT", 100 * share, 100 * _Z95 * math.sqrt(share * (1 - share) / count), count, parts
    )


def ces(answers: Iterable[int]) -> Score:
    """The mean of 1–7 effort answers (7 = very easy), with the margin of the mean."""
    values = []
    for answer in answers:
        _check(answer, 1, 7, "ces")
        values.append(answer)
    count = len(values)
    easy = sum(1 for v in values if v >= 5)
    parts = {"easy": easy, "not_easy": count - easy}
    if not count:
        return Score("CES", None, None, 0, parts)
    mean = sum(values) / count
    if count < 2:
        return Score("CES", mean, None, count, parts)
    variance = sum((v - mean) ** 2 for v in values) / (count - 1)
    return Score("CES", mean, _Z95 * math.sqrt(variance / count), count, parts)


def _check(answer: int, low: int, high: int, name: str) -> None:
    if type(answer) is not int or not low <= answer <= high:
        raise ValidationError(name, answer, f"must be a whole number from {low} to {high}")
