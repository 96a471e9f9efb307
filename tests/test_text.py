"""ddq.text: one wording of numbers, whole where whole, never two numbers as one text."""

from __future__ import annotations

import itertools

import pytest

from ddq import text


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (12, "count", "12"),
        (12.0, "count", "12"),
        (0, "count", "0"),
        (8.5, "count", "8.5"),  # a mean of counts is not a count: it keeps its half
        (6.4333, "count", "6.4"),
        (0.75, "count", "0.75"),  # below 1: two significant digits, never 0 or 1
        (0.4, "count", "0.4"),
        (0.05, "count", "0.05"),
        (1.9996, "count", "2.0"),  # not whole, and says so
        (1234.5, "count", "1,234.5"),
        (97.5, "percent", "97.5%"),
        (95, "percent", "95%"),
        (1, "days", "1 day"),
        (3.5, "days", "3.5 days"),
        (None, "count", "—"),
        (float("nan"), "count", "—"),
    ],
)
def test_one_value_reads_whole_when_whole_and_otherwise_with_a_decimal(value, unit, expected):
    assert text.number(value, unit) == expected


def test_changes_are_signed_and_a_percentage_changes_by_points():
    assert text.change(-4, "count") == "-4"
    assert text.change(2.5, "count") == "+2.5"
    assert text.change(1.5, "percent") == "+1.5 pts"
    assert text.change(-0.25, "days") == "-0.25 days"
    assert text.change(0, "count") == "0"
    assert text.change(4, "count", signed=False) == "4"  # a size, as the arrows show it


def test_a_target_reads_as_it_was_set():
    assert text.number(1.75, exact=True) == "1.75"
    assert text.number(1.75) == "1.8"  # a mean may be rounded; a target may not
    assert text.number(6.4, "count", exact=True) == "6.4"
    assert text.number(4.0, exact=True) == "4"


@pytest.mark.parametrize(
    ("values", "exact", "expected"),
    [
        # The progress cards of issue 14: what read "8 → 8 → 6", "0 → 1 → 0", "2 → 1 → 2".
        ([8.5, 8.5, 6.4], [False, False, True], ["8.5", "8.5", "6.4"]),
        ([0.5, 0.75, 0.4], [False, False, True], ["0.5", "0.75", "0.4"]),
        ([2.0, 1.5, 1.7], [False, False, True], ["2", "1.5", "1.7"]),
        # A level of 1.66 beside a target of 1.7: never "1.7" twice.
        ([2.25, 1.66, 1.7], [False, False, True], ["2.25", "1.66", "1.7"]),
        # A pace just under the one needed: never the same text.
        ([-1.04, -1.01], [False, False], ["-1.04", "-1.01"]),
        # One grid for all: 1.76 next to a target of 1.77 is not rounded up past it.
        ([1.76, 1.77], [False, True], ["1.76", "1.77"]),
        ([12, 8.25], [False, False], ["12", "8.2"]),
    ],
)
def test_values_shown_together_read_differently_when_they_differ(values, exact, expected):
    assert text.numbers(values, "count", exact=exact) == expected


def test_no_two_different_values_ever_share_a_text_and_order_is_kept():
    grid = [0.04, 0.4, 0.44, 0.45, 0.5, 1.66, 1.7, 1.74, 1.75, 1.76, 2, 6.4, 6.43, 8.47, 8.5]
    for a, b, c in itertools.combinations(grid, 3):
        shown = text.numbers([a, b, c], exact=[False, False, True])
        assert len(set(shown)) == 3, (a, b, c, shown)
        read = [float(s) for s in shown]
        assert read == sorted(read), (a, b, c, shown)  # the grid is sorted: what reads too


def test_teams_that_reported_both_weeks_in_words():
    assert text.teams_both_weeks(8) == "across the 8 teams that reported both weeks"
    assert text.teams_both_weeks(1) == "across the 1 team that reported both weeks"
    assert text.compared_teams([("the week before", 8), ("13 weeks ago", 8)]) == (
        "Changes across the 8 teams that reported both weeks."
    )
    assert text.compared_teams([("the week before", 8), ("13 weeks ago", 7)]) == (
        "Changes across the teams that reported both weeks: 8 against the week before, "
        "7 against 13 weeks ago."
    )
    assert text.compared_teams([("the week before", 8), ("13 weeks ago", None)]) == (
        "Changes across the 8 teams that reported both weeks."
    )
    assert text.compared_teams([("the week before", None)]) == ""


def test_one_value_reads_as_it_does_among_values_shown_together():
    """number() and change() take a shorter way for one value: the same words as numbers()."""
    import random

    rng = random.Random(42)
    values = [None, float("nan"), float("inf"), 0, -0.0, 1, -1, 1.0000000001, 0.05, 0.75, 8.5,
              1.75, 99.125, 1e-9, 123456.789, -0.004]  # fmt: skip
    values += [rng.uniform(-1000, 1000) for _ in range(300)]
    values += [rng.uniform(-1, 1) for _ in range(300)]
    values += [round(rng.uniform(-50, 50), rng.randint(0, 4)) for _ in range(300)]
    for value, unit, signed in itertools.product(
        values, (None, "count", "percent", "days"), (False, True)
    ):
        for exact in (False, True):
            assert (
                text.number(value, unit, signed=signed, exact=exact)
                == text.numbers([value], unit, exact=[exact], signed=signed)[0]
            ), (value, unit, signed, exact)
        assert (
            text.change(value, unit, signed=signed)
            == text.numbers([value], unit, signed=signed, change=True)[0]
        ), (value, unit, signed)
