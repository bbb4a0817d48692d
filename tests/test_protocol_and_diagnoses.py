"""The grader/sandbox contract (autograder/sandbox/protocol.py) and the rule that names a mistake (diagnoses.py)."""

import json

import pytest

from autograder import diagnoses
from autograder.sandbox import protocol


def test_an_answer_is_parsed_with_every_string_cleaned():
    ok, value = protocol.parse_answer(json.dumps({"ok": True, "value": {"a\u202e": ["x\x00y", 1.5, None]}}))
    assert ok and value == {"a\ufffd": ["x\ufffdy", 1.5, None]}


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps([1, 2]),
        json.dumps({"ok": "yes"}),
        json.dumps({"ok": True}),
        "[" * 5000 + "]" * 5000,
        json.dumps({"ok": True, "value": [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}),
        json.dumps({"ok": True, "value": [0] * (protocol.MAX_ITEMS + 1)}),
        "x" * (protocol.MAX_ANSWER + 1),
        None,
    ],
)
def test_an_answer_past_the_caps_or_of_the_wrong_shape_is_refused(text):
    with pytest.raises(protocol.BadAnswer):
        protocol.parse_answer(text)


def test_a_failed_answer_without_a_message_still_says_something():
    assert protocol.parse_answer(json.dumps({"ok": False, "error": 3})) == (False, "the check failed, with no message")


def test_the_worker_encoder_refuses_anything_but_exact_plain_types():
    class Sly(float):
        pass

    assert protocol.encode({"a": [1, 2.5, None, True, float("nan")]}) == '{"a":[1,2.5,null,true,NaN]}'
    with pytest.raises(TypeError):
        protocol.encode([Sly(1.0)])


LINE, OTHER = "the mistake", "another mistake"


def test_a_mistake_is_named_when_two_inputs_tell_it_apart():
    cases = [(1, 2.0, 1.0, [(2.0, LINE), (3.0, OTHER)]), (2, 5.0, 4.0, [(5.0, LINE), (6.0, OTHER)])]
    assert diagnoses.diagnose(cases) == LINE


def test_one_input_is_not_enough():
    assert diagnoses.diagnose([(1, 2.0, 1.0, [(2.0, LINE)])]) is None


def test_an_input_where_the_mistake_would_give_the_right_answer_does_not_count():
    """A mean over n-1 looks like a sum when n - 1 = 1: that input tells nothing apart."""
    cases = [(1, 2.0, 1.0, [(2.0, LINE)]), (2, 4.0, 4.0, [(4.0, LINE)])]
    assert diagnoses.diagnose(cases) is None


def test_a_mistake_is_silent_when_any_input_disagrees_with_it():
    cases = [(1, 2.0, 1.0, [(2.0, LINE)]), (2, 5.0, 4.0, [(5.0, LINE)]), (3, 9.0, 7.0, [(8.0, LINE)])]
    assert diagnoses.diagnose(cases) is None


def test_two_mistakes_with_the_same_numbers_are_told_apart_only_where_they_differ():
    same = [(k, 2.0, 1.0, [(2.0, LINE), (2.0, OTHER)]) for k in (1, 2, 3)]
    assert diagnoses.diagnose(same) is None


def test_a_finite_difference_is_outside_the_tolerance_and_an_analytic_variant_inside():
    import math

    x, h = 0.7, 1e-6
    central = (math.tanh(x + h) - math.tanh(x - h)) / (2 * h)
    analytic = 1 - math.tanh(x) ** 2
    assert not diagnoses.close(central, analytic)
    assert diagnoses.close(1 / math.cosh(x) ** 2, analytic)
    assert diagnoses.close((1 - math.tanh(x)) * (1 + math.tanh(x)), analytic)
