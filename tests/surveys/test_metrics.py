"""NPS, CSAT and CES against hand-computed values and invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clientvoice import ValidationError
from clientvoice.surveys.metrics import ces, csat, nps


def test_nps_by_hand():
    # 4 promoters, 3 passives, 3 detractors: 40% - 30% = 10
    score = nps([10, 9, 9, 10, 7, 8, 8, 0, 6, 3])
    assert score.value == pytest.approx(10.0)
    assert score.parts == {"promoters": 4, "passives": 3, "detractors": 3}
    # variance = (0.4 + 0.3) - 0.1**2 = 0.69; margin = 1.96 * sqrt(0.69 / 10) * 100
    assert score.margin == pytest.approx(100 * 1.959964 * math.sqrt(0.069), rel=1e-5)
    assert str(score).startswith("NPS 10.0 ± ")


def test_empty_answers_have_no_value():
    assert nps([]).value is None
    assert str(csat([])) == "CSAT: no answers"
    assert ces([5]).margin is None


def test_csat_and_ces_by_hand():
    assert csat([5, 4, 3, 1]).value == pytest.approx(50.0)
    score = ces([7, 5, 3])
    assert score.value == pytest.approx(5.0)
    assert score.margin == pytest.approx(1.959964 * 2 / math.sqrt(3), rel=1e-5)


@pytest.mark.parametrize(
    ("metric", "bad"), [(nps, 11), (nps, True), (csat, 0), (ces, 8), (ces, "5")]
)
def test_out_of_scale_answers_are_refused(metric, bad):
    with pytest.raises(ValidationError):
        metric([bad])


@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_nps_stays_within_bounds_and_its_parts_add_up(answers):
    score = nps(answers)
    assert score.value is not None
    assert -100 <= score.value <= 100
    assert sum(score.parts.values()) == score.count == len(answers)
    assert score.margin is not None and score.margin >= 0
