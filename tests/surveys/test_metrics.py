"""NPS, CSAT and CES, and the comparison of two scores: hand-computed values, invariants, scipy."""

from __future__ import annotations

import math
import warnings
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clientvoice import ValidationError
from clientvoice.surveys.metrics import (
    Score,
    ScoreChange,
    _t_quantile,
    _t_two_sided,
    ces,
    compare_scores,
    csat,
    nps,
)

stats = pytest.importorskip("scipy.stats")

NPS_ANSWERS = st.lists(st.integers(0, 10), min_size=1, max_size=300)
CSAT_ANSWERS = st.lists(st.integers(1, 5), min_size=1, max_size=300)
CES_ANSWERS = st.lists(st.integers(1, 7), min_size=1, max_size=300)


# -- worked examples, computed by hand ----------------------------------------------------------


def test_nps_by_hand():
    # 4 promoters (10, 9, 9, 10), 3 passives (7, 8, 8), 3 detractors (0, 6, 3) out of 10:
    # NPS = 40 % - 30 % = 10.
    # Variance of the +1/0/-1 variable: E[x²] - E[x]² = (0.4 + 0.3) - 0.1² = 0.69;
    # margin = 1.959964 * sqrt(0.69 / 10) * 100 = 1.959964 * 0.262679 * 100 = 51.48.
    score = nps([10, 9, 9, 10, 7, 8, 8, 0, 6, 3])
    assert score.value == pytest.approx(10.0)
    assert score.parts == {"promoters": 4, "passives": 3, "detractors": 3}
    assert score.margin == pytest.approx(51.48, abs=0.01)
    assert score.low == pytest.approx(10 - 51.48, abs=0.01)
    assert score.high == pytest.approx(10 + 51.48, abs=0.01)
    assert score.answers == {0: 1, 3: 1, 6: 1, 7: 1, 8: 2, 9: 2, 10: 2}
    assert str(score) == "NPS 10.0 ± 51.5 (n=10)"


def test_csat_by_hand():
    # 2 satisfied (5, 4) of 4: 50 %; margin = 1.959964 * sqrt(0.5 * 0.5 / 4) * 100 = 49.00.
    score = csat([5, 4, 3, 1])
    assert score.value == pytest.approx(50.0)
    assert score.margin == pytest.approx(48.9991, abs=1e-3)
    assert score.parts == {"satisfied": 2, "not_satisfied": 2}


def test_ces_by_hand_uses_the_t_interval_of_the_mean():
    # mean (7 + 5 + 3) / 3 = 5; sample variance ((2² + 0 + 2²) / 2) = 4, s = 2;
    # standard error 2 / sqrt(3) = 1.154701; t(0.975, 2 df) = 4.302653 (tables);
    # margin = 4.302653 * 1.154701 = 4.968275.
    score = ces([7, 5, 3])
    assert score.value == pytest.approx(5.0)
    assert score.margin == pytest.approx(4.968275, abs=1e-6)
    assert score.parts == {"easy": 2, "not_easy": 1}


def test_a_higher_confidence_gives_a_wider_margin():
    answers = [10, 9, 9, 10, 7, 8, 8, 0, 6, 3]
    narrow, wide = nps(answers, confidence=0.9), nps(answers, confidence=0.99)
    # z(0.95 two-sided 90 %) = 1.644854, z(99 %) = 2.575829
    assert narrow.margin == pytest.approx(1.644854 * math.sqrt(0.069) * 100, rel=1e-6)
    assert wide.margin == pytest.approx(2.575829 * math.sqrt(0.069) * 100, rel=1e-6)
    assert wide.confidence == 0.99


def test_empty_answers_have_no_value():
    assert nps([]).value is None
    assert nps([]).margin is None
    assert str(csat([])) == "CSAT: no answers"
    assert ces([5]).value == 5
    assert ces([5]).margin is None
    assert nps([]).low is None


def test_scores_from_counts_equal_scores_from_answers():
    assert Score.from_counts("nps", {10: 4, 9: 0, 3: 2}) == nps([10, 10, 10, 10, 3, 3])
    assert Score.from_counts("ces", {}) == ces([])


def test_adding_scores_pools_their_answers():
    assert nps([10, 3]) + nps([8, 9, 9]) == nps([10, 3, 8, 9, 9])
    with pytest.raises(ValidationError) as error:
        _ = nps([10]) + csat([5])
    assert error.value.field == "other"


def test_numpy_style_integers_are_accepted():
    np = pytest.importorskip("numpy")
    assert nps(np.array([10, 9, 0])) == nps([10, 9, 0])


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "answers", "field"),
    [
        (nps, [10, 11], "nps[1]"),
        (nps, [True], "nps[0]"),
        (nps, [9.0], "nps[0]"),
        (nps, [-1], "nps[0]"),
        (csat, [0], "csat[0]"),
        (csat, [5, None], "csat[1]"),
        (ces, [8], "ces[0]"),
        (ces, ["5"], "ces[0]"),
        (ces, "567", "ces"),
        (nps, 9, "nps"),
        (nps, {9: 3}, "nps"),
    ],
)
def test_out_of_scale_answers_are_refused_naming_the_answer(metric, answers, field):
    with pytest.raises(ValidationError) as error:
        metric(answers)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("metric", "counts", "field"),
    [
        ("nps", {11: 1}, "answers[11]"),
        ("nps", {True: 1}, "answers[True]"),
        ("csat", {5: -1}, "answers[5]"),
        ("csat", {5: 1.5}, "answers[5]"),
        ("ces", [(5, 1)], "answers"),
        ("sus", {5: 1}, "metric"),
    ],
)
def test_bad_counts_are_refused_naming_the_field(metric, counts, field):
    with pytest.raises(ValidationError) as error:
        Score.from_counts(metric, counts)
    assert error.value.field == field


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.2, "0.95", True])
def test_a_confidence_outside_zero_and_one_is_refused(confidence):
    with pytest.raises(ValidationError) as error:
        nps([9], confidence=confidence)
    assert error.value.field == "confidence"


# -- invariants ---------------------------------------------------------------------------------


@given(NPS_ANSWERS)
def test_nps_stays_within_bounds_and_its_parts_add_up(answers):
    score = nps(answers)
    assert score.value is not None
    assert -100 <= score.value <= 100
    assert sum(score.parts.values()) == score.count == len(answers)
    assert sum(score.answers.values()) == len(answers)
    assert score.margin is not None
    assert score.margin >= 0


@given(NPS_ANSWERS, st.integers(9, 10))
def test_adding_a_promoter_never_lowers_nps(answers, promoter):
    assert nps([*answers, promoter]).value >= nps(answers).value


@given(NPS_ANSWERS, st.integers(0, 6))
def test_adding_a_detractor_never_raises_nps(answers, detractor):
    assert nps([*answers, detractor]).value <= nps(answers).value


@given(NPS_ANSWERS, st.integers(7, 8))
def test_adding_a_passive_pulls_nps_towards_zero(answers, passive):
    before, after = nps(answers).value, nps([*answers, passive]).value
    assert abs(after) <= abs(before) + 1e-9


@given(
    st.sampled_from([(nps, NPS_ANSWERS), (csat, CSAT_ANSWERS), (ces, CES_ANSWERS)]).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), pair[1], st.integers(2, 20))
    )
)
def test_the_margin_shrinks_as_the_same_mix_grows(case):
    metric, answers, times = case
    small, large = metric(answers), metric(answers * times)
    assert large.value == pytest.approx(small.value)
    if small.margin is None:  # a single CES answer has no margin yet
        return
    assert large.margin <= small.margin
    if small.margin > 0:
        assert large.margin < small.margin


@given(CSAT_ANSWERS)
def test_csat_is_a_percentage(answers):
    score = csat(answers)
    assert 0 <= score.value <= 100
    assert score.parts["satisfied"] == sum(1 for answer in answers if answer >= 4)


@given(CES_ANSWERS)
def test_ces_is_on_its_scale(answers):
    score = ces(answers)
    assert 1 <= score.value <= 7
    assert score.value == pytest.approx(sum(answers) / len(answers))


@given(NPS_ANSWERS, st.integers(1, 5))
def test_splitting_answers_and_adding_the_parts_gives_the_whole(answers, pieces):
    parts = [answers[i::pieces] for i in range(pieces)]
    total = nps(parts[0])
    for part in parts[1:]:
        total = total + nps(part)
    assert total == nps(answers)


@given(st.dictionaries(st.integers(0, 10), st.integers(0, 1000), max_size=11))
def test_counts_and_answers_agree(counts):
    answers = [answer for answer, times in counts.items() for _ in range(times)]
    assert Score.from_counts("nps", counts) == nps(answers)


# -- comparing two scores -----------------------------------------------------------------------


def test_nps_change_by_hand():
    # before: 4 promoters, 3 passives, 3 detractors of 10: NPS 10, variance 0.69 (see above).
    # after: 12 promoters, 6 passives, 2 detractors of 20: p = 0.6, d = 0.1, NPS 50,
    #        variance (0.6 + 0.1) - 0.5² = 0.45.
    # difference 40; standard error 100 * sqrt(0.69 / 10 + 0.45 / 20) = 100 * sqrt(0.0915)
    # = 30.2490; z = 40 / 30.2490 = 1.32236; p = 2 * (1 - Phi(1.32236)) = 0.18604;
    # interval 40 ± 1.959964 * 30.2490 = 40 ± 59.2869.
    before = nps([10, 9, 9, 10, 7, 8, 8, 0, 6, 3])
    after = Score.from_counts("nps", {10: 6, 9: 6, 8: 3, 7: 3, 2: 2})
    change = compare_scores(before, after)
    assert change.difference == pytest.approx(40.0)
    assert change.p_value == pytest.approx(0.18604, abs=1e-5)
    assert change.low == pytest.approx(40 - 59.2869, abs=1e-3)
    assert change.high == pytest.approx(40 + 59.2869, abs=1e-3)
    assert change.test == "z-test"
    assert not change.significant
    assert change.p_value == pytest.approx(2 * stats.norm.sf(40 / (100 * math.sqrt(0.0915))))
    assert str(change).startswith("NPS +40.0 [-19.3, +99.3] p=0.186 (not significant")


def test_csat_change_is_the_two_proportion_z_test():
    # before 30 of 50 satisfied (60 %), after 45 of 60 (75 %): pooled share 75 / 110 = 0.681818;
    # standard error sqrt(0.681818 * 0.318182 * (1/50 + 1/60)) = 0.0891883; z = 0.15 / 0.0891883
    # = 1.68184; p = 2 * (1 - Phi(1.68184)) = 0.09260. The same test as a chi-square test on the
    # 2x2 table (no continuity correction), which scipy computes independently.
    before = Score.from_counts("csat", {5: 20, 4: 10, 2: 20})
    after = Score.from_counts("csat", {5: 40, 4: 5, 1: 15})
    change = compare_scores(before, after)
    assert change.difference == pytest.approx(15.0)
    assert change.p_value == pytest.approx(0.09260, abs=1e-5)
    table = [[30, 20], [45, 15]]
    assert change.p_value == pytest.approx(
        stats.chi2_contingency(table, correction=False).pvalue, rel=1e-9
    )
    assert change.significant is False
    assert compare_scores(before, after, alpha=0.1).significant is True


def test_ces_change_is_welchs_t_test_as_scipy_computes_it():
    before, after = [1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 7]
    change = compare_scores(ces(before), ces(after))
    expected = stats.ttest_ind(after, before, equal_var=False)
    assert change.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    interval = expected.confidence_interval(0.95)
    assert change.low == pytest.approx(interval.low, rel=1e-9)
    assert change.high == pytest.approx(interval.high, rel=1e-9)
    assert change.significant
    assert change.test == "Welch t-test"


def test_changes_without_enough_answers_have_no_verdict():
    change = compare_scores(ces([5]), ces([6, 7]))
    assert change.p_value is None
    assert change.difference is None
    assert not change.significant
    assert "not enough answers" in str(change)
    assert compare_scores(nps([]), nps([9, 9])).p_value is None
    assert compare_scores(nps([10]), nps([0])).p_value is None  # one answer each: no spread


def test_identical_constant_scores_do_not_differ_and_constant_different_ones_do():
    assert compare_scores(ces([4, 4]), ces([4, 4, 4])).p_value == 1.0
    assert compare_scores(nps([10, 10]), nps([0, 0])).p_value == 0.0
    assert compare_scores(csat([5, 5]), csat([5, 5, 5])).p_value == 1.0


@pytest.mark.parametrize(
    ("before", "after", "alpha", "field"),
    [
        (nps([9]), csat([5]), 0.05, "after"),
        ("nps", nps([9]), 0.05, "before"),
        (nps([9]), nps([9]), 0, "alpha"),
        (nps([9]), nps([9]), 1.2, "alpha"),
    ],
)
def test_bad_comparisons_are_refused(before, after, alpha, field):
    with pytest.raises(ValidationError) as error:
        compare_scores(before, after, alpha=alpha)
    assert error.value.field == field


@given(NPS_ANSWERS.filter(lambda a: len(a) > 1), NPS_ANSWERS.filter(lambda a: len(a) > 1))
def test_a_change_is_antisymmetric_and_its_interval_holds_it(first, second):
    forward = compare_scores(nps(first), nps(second))
    backward = compare_scores(nps(second), nps(first))
    assert isinstance(forward, ScoreChange)
    assert 0 <= forward.p_value <= 1
    assert forward.p_value == pytest.approx(backward.p_value)
    assert forward.difference == pytest.approx(-backward.difference)
    assert forward.low <= forward.difference <= forward.high


@given(CSAT_ANSWERS.filter(lambda a: len(a) > 1), CSAT_ANSWERS.filter(lambda a: len(a) > 1))
def test_csat_p_values_match_the_chi_square_test(first, second):
    change = compare_scores(csat(first), csat(second))
    satisfied = [sum(a >= 4 for a in first), sum(a >= 4 for a in second)]
    table = [[satisfied[0], len(first) - satisfied[0]], [satisfied[1], len(second) - satisfied[1]]]
    if 0 in (satisfied[0] + satisfied[1], len(first) + len(second) - sum(satisfied)):
        assert change.p_value == 1.0  # everyone (or no one) satisfied on both sides
        return
    expected = stats.chi2_contingency(table, correction=False).pvalue
    assert change.p_value == pytest.approx(expected, rel=1e-7, abs=1e-12)


@settings(max_examples=200)
@given(
    st.lists(st.integers(1, 7), min_size=2, max_size=80),
    st.lists(st.integers(1, 7), min_size=2, max_size=80),
)
def test_ces_p_values_and_intervals_match_scipy(first, second):
    if len(set(first)) == 1 and len(set(second)) == 1:
        return  # no variance at all: scipy warns and returns nan; ours says 0 or 1 (above)
    change = compare_scores(ces(first), ces(second))
    with warnings.catch_warnings():  # scipy warns when one side is constant (exact here)
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = stats.ttest_ind(second, first, equal_var=False)
    assert change.p_value == pytest.approx(expected.pvalue, rel=1e-7, abs=1e-12)
    interval = expected.confidence_interval(0.95)
    assert change.low == pytest.approx(interval.low, rel=1e-7, abs=1e-9)
    assert change.high == pytest.approx(interval.high, rel=1e-7, abs=1e-9)


@given(st.floats(0.5, 5000), st.floats(0, 60))
def test_student_t_tails_match_scipy(freedom, t):
    assert _t_two_sided(t, freedom) == pytest.approx(
        2 * stats.t.sf(t, freedom), rel=1e-9, abs=1e-15
    )


@given(st.floats(0.5, 5000), st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.999]))
def test_student_t_quantiles_match_scipy(freedom, confidence):
    expected = stats.t.ppf(0.5 + confidence / 2, freedom)
    assert _t_quantile(confidence, freedom) == pytest.approx(expected, rel=1e-8)


def test_counting_helper_matches_counter():
    answers = [10, 9, 3, 3, 0]
    assert nps(answers).answers == dict(sorted(Counter(answers).items()))


def test_the_library_computes_p_values_without_scipy():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from clientvoice.surveys.metrics import ces, compare_scores\n"
        "change = compare_scores(ces([1, 2, 3]), ces([5, 6, 7, 7]))\n"
        "assert change.p_value < 0.05\n"
        "assert 'scipy' not in sys.modules and 'numpy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
